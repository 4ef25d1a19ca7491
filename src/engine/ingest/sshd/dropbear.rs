//! Dropbear wording: `Bad password attempt for 'root' from 1.2.3.4:5543`, `Login attempt for
//! nonexistent user from ::ffff:1.2.3.4:60495`, `Exit before auth ...: Max auth tries reached`,
//! `Password auth succeeded for 'x' from ...`, `Child connection from ...`.
//!
//! Dropbear joins address and port with `:` (IPv6 unbracketed), so the port is after the last
//! colon. The peer is the last ` from ` of the line (user names are quoted before it), except
//! in `Exit before auth from <ip:port>: ...`, where it is in angle brackets.

use crate::engine::event::Action;

use super::messages::{PeerInfo, Record};
use super::peer::joined_peer;

/// Reads a Dropbear message; `None` for wording we do not model.
pub fn read(message: &str) -> Option<Record> {
    let lower_start = message.get(..1)?.to_ascii_lowercase();
    let message_rest = message.get(1..)?;

    let (mut record, peer_text) = if lower_start == "b"
        && let Some(rest) = message_rest.strip_prefix("ad password attempt for ")
    {
        let (user, peer) = rest.rsplit_once(" from ")?;
        let mut record = failed(Action::Login, quoted(user));
        record.auth_method = Some("password".into());
        (record, peer)
    } else if lower_start == "l"
        && let Some(rest) = message_rest.strip_prefix("ogin attempt for nonexistent user")
    {
        let (_, peer) = rest.rsplit_once(" from ")?;
        let mut record = failed(Action::InvalidUser, None);
        record.invalid_user = true;
        (record, peer)
    } else if let Some(rest) = message.strip_prefix("Exit before auth") {
        read_exit_before_auth(rest)?
    } else if let Some((head, peer)) = message.rsplit_once(" from ")
        && let Some((method, user)) = head.split_once(" auth succeeded for ")
    {
        let user = quoted(user.split(" with ").next().unwrap_or(user));
        let mut record = Record::new(Action::Login);
        record.success = true;
        record.user = user.map(str::to_owned);
        record.auth_method = Some(method.to_ascii_lowercase());
        (record, peer)
    } else if let Some(peer) = message.strip_prefix("Child connection from ") {
        (Record::new(Action::Connection), peer)
    } else {
        return None;
    };

    let (peer, port) = joined_peer(peer_text)?;
    record.peer = Some(PeerInfo {
        peer,
        port,
        local: None,
    });
    Some(record)
}

/// `Exit before auth (user 'root', 10 fails): Max auth tries reached - user 'root' from ip:port`
/// or `Exit before auth from <ip:port>: (user 'root', 10 fails): Max auth tries reached ...`.
fn read_exit_before_auth(rest: &str) -> Option<(Record, &str)> {
    if let Some(rest) = rest.strip_prefix(" from <") {
        let (peer, reason) = rest.split_once(">:")?;
        let user = reason
            .split_once("user '")
            .and_then(|(_, after)| after.split_once('\''))
            .map(|(user, _)| user);
        let mut record = failed(Action::Login, user);
        record.extra.push(("reason", reason.trim().into()));
        return Some((record, peer));
    }
    let (head, peer) = rest.rsplit_once(" from ")?;
    let user = head
        .rsplit_once("user '")
        .and_then(|(_, after)| after.split_once('\''))
        .map(|(user, _)| user);
    let mut record = failed(Action::Login, user);
    record.extra.push(("reason", head.trim().into()));
    Some((record, peer))
}

fn failed(action: Action, user: Option<&str>) -> Record {
    let mut record = Record::new(action);
    record.failure = true;
    record.user = user.filter(|u| !u.is_empty()).map(str::to_owned);
    record
}

/// `'root'` → `root`.
fn quoted(text: &str) -> Option<&str> {
    text.trim().strip_prefix('\'')?.strip_suffix('\'')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ingest::address::Peer;

    fn peer(record: &Record) -> (Peer, Option<u16>) {
        let info = record.peer.clone().unwrap();
        (info.peer, info.port)
    }

    #[test]
    fn dropbear_failures() {
        let record = read("bad password attempt for 'root' from 198.51.100.87:5543").unwrap();
        assert!(record.failure);
        assert_eq!(record.user.as_deref(), Some("root"));
        assert_eq!(
            peer(&record),
            (Peer::Ip([198, 51, 100, 87].into()), Some(5543))
        );

        let record =
            read("login attempt for nonexistent user from ::ffff:198.51.100.215:60495").unwrap();
        assert_eq!(record.action, Action::InvalidUser);
        assert_eq!(peer(&record).0, Peer::Ip([198, 51, 100, 215].into()));

        let record = read(
            "Exit before auth from <192.0.2.3:52289>: (user 'root', 10 fails): Max auth tries reached - user 'root'",
        )
        .unwrap();
        assert_eq!(
            (record.user.as_deref(), peer(&record).1),
            (Some("root"), Some(52289))
        );

        let record = read("Password auth succeeded for 'bob' from 192.0.2.8:40000").unwrap();
        assert!(record.success);
    }
}
