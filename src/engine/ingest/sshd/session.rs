//! What earlier lines of one sshd process told us: its peer, and a failure not yet pinned on one.
//!
//! Some sshd lines name no peer (`Disconnecting: Too many authentication failures for root`,
//! `kex_exchange_identification: ...`, PAM lines with an empty `rhost=`). The peer is known from
//! an earlier line of the same `host` + `sshd[pid]`. The map is bounded: past
//! [`MAX_SESSIONS`] the oldest session is forgotten, so memory does not grow with the file.
//! Sessions are keyed by a 64-bit hash of host and pid, so a lookup allocates nothing; two live
//! sessions sharing a hash is a one-in-2^50 event at the cap.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hash, Hasher};

use crate::engine::ingest::address::Peer;

/// Most sessions remembered at once.
pub const MAX_SESSIONS: usize = 10_000;

/// What one sshd process has shown so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Session {
    /// The remote peer and port, once a line named them.
    pub peer: Option<(Peer, Option<u16>)>,
    /// A failure was logged before any line named the peer; the next line that names it and
    /// ends the connection carries it.
    pub pending_failure: bool,
}

/// Sessions keyed by reporting host and pid, oldest first out.
#[derive(Debug, Default)]
pub struct Sessions {
    /// Key hash → (creation number, session).
    map: HashMap<u64, (u64, Session), BuildHasherDefault<KeyHashHasher>>,
    /// Keys in creation order with their creation number; entries of ended sessions stay until
    /// they reach the front or the queue is compacted.
    order: VecDeque<(u64, u64)>,
    created: u64,
}

/// A session's host and pid, hashed once per line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionKey(u64);

impl SessionKey {
    /// The key of `host` + `pid`.
    pub fn of(key: (&str, &str)) -> Self {
        Self(hashed(key))
    }
}

impl Sessions {
    /// The session of `key`, if remembered.
    #[cfg(test)]
    pub fn get(&self, key: (&str, &str)) -> Option<&Session> {
        self.get_at(SessionKey::of(key))
    }

    /// The session of an already hashed key, if remembered.
    pub fn get_at(&self, key: SessionKey) -> Option<&Session> {
        self.map.get(&key.0).map(|(_, session)| session)
    }

    /// The session of `key`, created (and the oldest forgotten past the cap) when new.
    #[cfg(test)]
    pub fn entry(&mut self, key: (&str, &str)) -> &mut Session {
        self.entry_at(SessionKey::of(key))
    }

    /// [`Sessions::entry`] for an already hashed key.
    pub fn entry_at(&mut self, SessionKey(key): SessionKey) -> &mut Session {
        if !self.map.contains_key(&key) {
            self.make_room();
            self.created += 1;
            self.order.push_back((self.created, key));
        }
        let created = self.created;
        let (_, session) = self.map.entry(key).or_insert((created, Session::default()));
        session
    }

    /// Forgets `key` (the connection ended).
    #[cfg(test)]
    pub fn end(&mut self, key: (&str, &str)) {
        self.end_at(SessionKey::of(key));
    }

    /// [`Sessions::end`] for an already hashed key.
    pub fn end_at(&mut self, key: SessionKey) {
        self.map.remove(&key.0);
    }

    /// Sessions remembered now.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.map.len()
    }

    fn make_room(&mut self) {
        while self.map.len() >= MAX_SESSIONS {
            let Some((number, oldest)) = self.order.pop_front() else {
                break;
            };
            if self
                .map
                .get(&oldest)
                .is_some_and(|(live, _)| *live == number)
            {
                self.map.remove(&oldest);
            }
        }
        if self.order.len() >= 2 * MAX_SESSIONS {
            let map = &self.map;
            self.order
                .retain(|(number, key)| map.get(key).is_some_and(|(live, _)| live == number));
        }
    }
}

/// Hashes the map's keys, which are hashes already, by taking them as they are.
#[derive(Debug, Default)]
struct KeyHashHasher(u64);

impl Hasher for KeyHashHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

fn hashed((host, pid): (&str, &str)) -> u64 {
    let mut hasher = DefaultHasher::new();
    (host, pid).hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oldest_session_is_forgotten_past_the_cap() {
        let mut sessions = Sessions::default();
        for pid in 0..=MAX_SESSIONS {
            sessions.entry(("h", &pid.to_string())).pending_failure = true;
        }
        assert_eq!(sessions.len(), MAX_SESSIONS);
        assert!(sessions.get(("h", "0")).is_none());
        assert!(sessions.get(("h", "1")).is_some());
    }

    #[test]
    fn ended_sessions_do_not_pile_up() {
        let mut sessions = Sessions::default();
        for pid in 0..(5 * MAX_SESSIONS) {
            let pid = pid.to_string();
            sessions.entry(("h", &pid));
            sessions.end(("h", &pid));
        }
        assert_eq!(sessions.len(), 0);
        assert!(sessions.order.len() <= 2 * MAX_SESSIONS + 1);
    }
}
