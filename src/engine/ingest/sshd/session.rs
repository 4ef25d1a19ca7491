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
use std::hash::{Hash, Hasher};

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
    map: HashMap<u64, (u64, Session)>,
    /// Keys in creation order with their creation number; entries of ended sessions stay until
    /// they reach the front or the queue is compacted.
    order: VecDeque<(u64, u64)>,
    created: u64,
}

impl Sessions {
    /// The session of `key`, if remembered.
    pub fn get(&self, key: (&str, &str)) -> Option<&Session> {
        self.map.get(&hashed(key)).map(|(_, session)| session)
    }

    /// The session of `key`, created (and the oldest forgotten past the cap) when new.
    pub fn entry(&mut self, key: (&str, &str)) -> &mut Session {
        let key = hashed(key);
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
    pub fn end(&mut self, key: (&str, &str)) {
        self.map.remove(&hashed(key));
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
