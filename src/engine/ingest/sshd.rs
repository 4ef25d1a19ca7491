//! OpenSSH (`sshd`, `sshd-session`, `sshd-auth`, `sshd(pam_unix)`) and Dropbear messages:
//! failed and accepted logins, invalid users, PAM failures, disconnects, pre-authentication
//! errors. Called by the syslog parser with the message part of each line of those programs.
//!
//! # Outcomes
//! - `success`: an accepted login.
//! - `failure`: the line records a refused, failed or aborted authentication. That includes
//!   password and key failures (`action = login`), invalid users (`invalid_user`), and
//!   connections that ended before authenticating: `[preauth]` disconnects, scanners that never
//!   sent a banner, key-exchange mismatches (`action = disconnect` or `info`). Rules that count
//!   password guesses should filter on `action = login`.
//!
//! # Sessions
//! Lines that name no peer take it from earlier lines of the same host and `sshd[pid]`, marked
//! with extra `src_from_session`. A failure logged before any line named the peer
//! (`kex_exchange_identification: ...` right after accept) has no outcome; it is carried to the
//! next line of the session that names the peer and ends the connection, marked with extra
//! `failure_from_session`.

mod dropbear;
mod messages;
mod peer;
mod session;

use crate::engine::event::{Event, Outcome};
use crate::engine::ingest::LineVerdict;
use crate::engine::ingest::address::Peer;
use crate::engine::ingest::syslog::framing::split_token;
use crate::engine::ingest::time::month_from_abbrev;
use messages::{PeerInfo, Reading, Record};
use session::{SessionKey, Sessions};

/// Reads sshd and Dropbear messages of one file, remembering each session's peer.
#[derive(Debug, Default)]
pub struct SshdParser {
    sessions: Sessions,
}

impl SshdParser {
    /// Reads `message`, written by `event.process` on host `session.0` as pid `session.1`, and
    /// pushes the event it records onto `out`. `event` comes with time, reporter and process set.
    pub fn parse(
        &mut self,
        message: &str,
        session: (&str, Option<&str>),
        mut event: Event,
        out: &mut Vec<Event>,
    ) -> LineVerdict {
        let (message, repeated) = unwrap_repeated(message);
        let body = strip_prefixes(message);
        let key = session.1.map(|pid| SessionKey::of((session.0, pid)));
        let known = key
            .and_then(|key| self.sessions.get_at(key))
            .and_then(|session| session.peer.as_ref())
            .map(|(peer, _)| peer.clone());

        let reading = if event.process.as_deref() == Some("dropbear") {
            dropbear::read(body).map(Reading::Event)
        } else {
            messages::read(body, known.as_ref())
        };
        match reading {
            // A login result whose peer part does not read (a port past 65535, a cut line) is
            // an error to report, not noise to skip.
            None if is_login_result(body) => {
                LineVerdict::Error("sshd login line whose peer could not be read".into())
            }
            None => LineVerdict::Skipped("other sshd message".into()),
            Some(Reading::Notice(peer)) => {
                if let (Some(key), Some(peer)) = (key, peer) {
                    self.sessions.entry_at(key).peer = Some((peer.peer, peer.port));
                }
                LineVerdict::Skipped("sshd connection notice".into())
            }
            Some(Reading::Event(record)) => {
                if let Some(count) = repeated {
                    event.push_extra("repeated", count);
                }
                self.fill(record, key, &mut event);
                out.push(event);
                LineVerdict::Parsed
            }
        }
    }

    fn fill(&mut self, mut record: Record, key: Option<SessionKey>, event: &mut Event) {
        let outcome = self.attribute(&mut record, key, event);

        event.action = Some(record.action);
        event.outcome = outcome;
        event.user = record.user;
        event.auth_method = record.auth_method;
        if let Some(peer) = record.peer {
            set_peer(event, peer);
        }

        if record.invalid_user {
            event.push_extra("invalid_user", "true");
        }
        for (name, value) in record.extra {
            event.push_extra(name, value);
        }
    }

    /// Settles the record's peer and outcome against its session (see the module docs), and
    /// updates the session.
    fn attribute(
        &mut self,
        record: &mut Record,
        key: Option<SessionKey>,
        event: &mut Event,
    ) -> Option<Outcome> {
        let mut outcome = if record.success {
            Some(Outcome::Success)
        } else if record.failure {
            Some(Outcome::Failure)
        } else {
            None
        };
        let Some(key) = key else {
            if record.failure && record.peer.is_none() {
                event.push_extra("unattributed_failure", "true");
                return None;
            }
            return outcome;
        };

        let session = self.sessions.entry_at(key);
        match &record.peer {
            Some(peer) => {
                session.peer = Some((peer.peer.clone(), peer.port));
                if session.pending_failure && (record.closes || record.failure) {
                    session.pending_failure = false;
                    if outcome.is_none() {
                        outcome = Some(Outcome::Failure);
                        event.push_extra("failure_from_session", "true");
                    }
                }
            }
            None => match &session.peer {
                Some((peer, port)) => {
                    record.peer = Some(PeerInfo {
                        peer: peer.clone(),
                        port: *port,
                        local: None,
                    });
                    event.push_extra("src_from_session", "true");
                }
                None if record.failure => {
                    session.pending_failure = true;
                    outcome = None;
                    event.push_extra("unattributed_failure", "true");
                }
                None => {}
            },
        }

        if record.success {
            session.pending_failure = false;
        }
        if record.closes {
            self.sessions.end_at(key);
        }
        outcome
    }
}

fn set_peer(event: &mut Event, info: PeerInfo) {
    match info.peer {
        Peer::Ip(ip) => event.src_ip = Some(ip),
        Peer::Host(name) => event.src_host = Some(name),
    }
    event.src_port = info.port;
    if let Some((local, port)) = info.local {
        match local {
            Peer::Ip(ip) => event.dst_ip = Some(ip),
            Peer::Host(name) => event.dst_host = Some(name),
        }
        event.dst_port = port;
    }
}

/// rsyslog's `message repeated 2 times: [ Failed password for root from ...]`.
fn unwrap_repeated(message: &str) -> (&str, Option<&str>) {
    let inner = message.strip_prefix("message repeated ").and_then(|rest| {
        let (count, rest) = rest.split_once(" times: [")?;
        let inner = rest.trim_end().strip_suffix(']')?;
        count
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then_some((inner.trim(), count))
    });
    match inner {
        Some((inner, count)) => (inner, Some(count)),
        None => (message, None),
    }
}

/// Drops what some systems put before the sshd message: `error: `/`fatal: ` levels, Solaris
/// `[ID 800047 auth.info] `, a kernel-style `kernel:[  970.69]: ` stamp, and Dropbear's own
/// `[825] Jul 10 23:53:52 ` pid and time.
fn strip_prefixes(message: &str) -> &str {
    let mut text = message.trim();
    loop {
        let before = text;
        for level in ["error: ", "fatal: ", "warning: "] {
            text = text.strip_prefix(level).unwrap_or(text);
        }
        if let Some(rest) = text.strip_prefix("[ID ")
            && let Some((_, after)) = rest.split_once("] ")
        {
            text = after;
        }
        if let Some(rest) = text.strip_prefix("kernel:") {
            text = strip_bracket(rest.trim_start())
                .trim_start_matches(':')
                .trim_start();
        }
        if let Some(after) = strip_dropbear_stamp(text) {
            text = after;
        }
        if text == before {
            return text;
        }
    }
}

/// `[text] rest` → `rest`; unchanged when `text` does not start with `[`.
fn strip_bracket(text: &str) -> &str {
    text.strip_prefix('[')
        .and_then(|rest| rest.split_once(']'))
        .map_or(text, |(_, after)| after)
}

/// `[825] Jul 10 23:53:52 Bad password...` → `Bad password...`.
fn strip_dropbear_stamp(text: &str) -> Option<&str> {
    let (pid, rest) = text.strip_prefix('[')?.split_once("] ")?;
    if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (month, rest) = split_token(rest);
    let (_day, rest) = split_token(rest);
    let (clock, rest) = split_token(rest);
    month_from_abbrev(month)?;
    (clock.as_bytes().get(2) == Some(&b':')).then(|| rest.trim_start())
}

#[cfg(test)]
mod tests;

/// True for the wordings that record a login attempt's result.
fn is_login_result(body: &str) -> bool {
    ["Failed ", "Accepted ", "Invalid user ", "Illegal user "]
        .iter()
        .any(|prefix| body.starts_with(prefix))
}
