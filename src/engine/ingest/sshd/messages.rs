//! OpenSSH message wording, one reader per kind of line, each giving a [`Reading`].
//!
//! The message has already lost its `error: ` / `fatal: ` level and any Solaris `[ID n x.y]`
//! prefix. `known` is the peer already seen for the session; it only breaks ties between
//! readings of a crafted user name (see [`super::peer`]).

use compact_str::CompactString;

use crate::engine::event::Action;
use crate::engine::ingest::address::{Peer, parse_peer};
use crate::engine::ingest::syslog::pam;

use super::peer::{PeerAt, find_from, peer_token, read_tail};

/// The peer of one line, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerInfo {
    /// Remote address or host name.
    pub peer: Peer,
    /// Remote port.
    pub port: Option<u16>,
    /// Local end (`on <addr> port <n>`).
    pub local: Option<(Peer, Option<u16>)>,
}

impl From<PeerAt<'_>> for PeerInfo {
    fn from(at: PeerAt<'_>) -> Self {
        Self {
            peer: at.peer,
            port: at.port,
            local: at.local,
        }
    }
}

/// What one sshd line records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// What happened.
    pub action: Action,
    /// The line records a refused, failed or aborted authentication.
    pub failure: bool,
    /// The line records an accepted login.
    pub success: bool,
    /// The line ends the connection.
    pub closes: bool,
    /// Login user.
    pub user: Option<String>,
    /// The user does not exist on the host.
    pub invalid_user: bool,
    /// `password`, `publickey`, `keyboard-interactive/pam`, `pam`...
    pub auth_method: Option<String>,
    /// The peer, when the line names it.
    pub peer: Option<PeerInfo>,
    /// Unmodelled fields.
    pub extra: Vec<(&'static str, CompactString)>,
}

impl Record {
    /// A record of `action` with nothing else known yet.
    pub fn new(action: Action) -> Self {
        Self {
            action,
            failure: false,
            success: false,
            closes: false,
            user: None,
            invalid_user: false,
            auth_method: None,
            peer: None,
            extra: Vec::new(),
        }
    }

    fn failed(mut self) -> Self {
        self.failure = true;
        self
    }

    fn at(mut self, at: Option<PeerAt<'_>>) -> Self {
        if let Some(at) = at {
            if at.preauth {
                self.extra.push(("preauth", "true".into()));
            }
            self.peer = Some(at.into());
        }
        self
    }

    fn user(mut self, user: &str) -> Self {
        let user = user.trim_matches(' ');
        self.user = (!user.is_empty()).then(|| user.to_owned());
        self
    }
}

/// What a line gives: an event, or only the session's peer (a notice we count as skipped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// The line is an event.
    Event(Record),
    /// The line names the peer but records nothing of its own.
    Notice(Option<PeerInfo>),
}

/// One reader of a kind of line.
type Reader = fn(&str, Option<&Peer>) -> Option<Record>;

/// Reads an OpenSSH message; `None` for wording we do not model.
pub fn read(message: &str, known: Option<&Peer>) -> Option<Reading> {
    let readers: [Reader; 8] = [
        read_auth_result,
        read_invalid_user,
        read_pam,
        read_refusal,
        read_close,
        read_preauth_error,
        read_connection,
        read_address_notes,
    ];
    if let Some(record) = readers.iter().find_map(|reader| reader(message, known)) {
        return Some(Reading::Event(record));
    }
    read_notice(message).map(Reading::Notice)
}

/// `Failed|Accepted|Postponed|Partial <method> for [invalid user ]<user> from <peer>...`
fn read_auth_result(message: &str, known: Option<&Peer>) -> Option<Record> {
    let (verb, rest) = message.split_once(' ')?;
    let (method, rest) = rest.split_once(' ')?;
    let rest = rest.strip_prefix("for ")?;
    let (invalid, rest) = strip_invalid(rest);
    let (user, at) = find_from(rest, true, known)?;

    let mut record = match verb {
        "Failed" => Record::new(Action::Login).failed(),
        "Accepted" => {
            let mut record = Record::new(Action::Login);
            record.success = true;
            record
        }
        "Postponed" | "Partial" => Record::new(Action::Info),
        _ => return None,
    };
    if let Some(info) = at.info {
        record.extra.push(("auth_info", info.into()));
    }
    record.auth_method = Some(method.to_owned());
    record.invalid_user = invalid;
    Some(record.user(user).at(Some(at)))
}

/// `Invalid user <user> from <peer>`, `Illegal user ...`, and the later
/// `input_userauth_request: invalid user <user> [preauth]`.
fn read_invalid_user(message: &str, known: Option<&Peer>) -> Option<Record> {
    if let Some(user) = message.strip_prefix("input_userauth_request: invalid user ") {
        let mut record = Record::new(Action::Info).user(user.trim_end_matches("[preauth]"));
        record.invalid_user = true;
        return Some(record);
    }
    let rest = message
        .strip_prefix("Invalid user ")
        .or_else(|| message.strip_prefix("Illegal user "))?;
    let (user, at) = find_from(rest, false, known)?;
    let mut record = Record::new(Action::InvalidUser).failed().user(user);
    record.invalid_user = true;
    Some(record.at(Some(at)))
}

/// `pam_unix(sshd:auth): authentication failure; ...`, `PAM: Authentication failure for <user>
/// from <peer>`, `PAM 2 more authentication failures; ...`.
fn read_pam(message: &str, known: Option<&Peer>) -> Option<Record> {
    // Old Red Hat logs the module in the tag: `sshd(pam_unix)[8]: authentication failure; ...`.
    let failure = match message.strip_prefix("authentication failure;") {
        Some(fields) => Some(pam::failure_from_fields("pam_unix", "sshd", fields)),
        None => pam::read_failure(message),
    };
    if let Some(failure) = failure {
        let mut record = Record::new(Action::Login).failed();
        record.auth_method = Some("pam".into());
        record.peer = failure.rhost.map(|rhost| PeerInfo {
            peer: parse_peer(rhost),
            port: None,
            local: None,
        });
        if let Some(ruser) = failure.ruser {
            record.extra.push(("ruser", ruser.into()));
        }
        return Some(record.user(failure.user.unwrap_or_default()));
    }

    if let Some(rest) = message.strip_prefix("PAM: ") {
        let (reason, rest) = rest.split_once(" for ")?;
        let names_a_failure = ["fail", "error", "not known"]
            .iter()
            .any(|word| contains_ignoring_ascii_case(reason, word));
        if !names_a_failure {
            return None;
        }
        let (invalid, rest) = strip_invalid(rest);
        let (user, at) = find_from(rest.trim_end(), false, known)?;
        let mut record = Record::new(Action::Login).failed().user(user);
        record.auth_method = Some("pam".into());
        record.invalid_user = invalid;
        record.extra.push(("pam_reason", reason.into()));
        return Some(record.at(Some(at)));
    }

    let rest = message.strip_prefix("PAM ")?;
    let (count, rest) = rest.split_once(' ')?;
    if !rest.starts_with("more authentication failure") {
        return None;
    }
    let mut record = Record::new(Action::Info);
    record.extra.push(("more_failures", count.into()));
    let fields = rest.split_once(';').map_or("", |(_, fields)| fields);
    let rhost = fields
        .split_whitespace()
        .find_map(|pair| pair.strip_prefix("rhost="))
        .filter(|value| !value.is_empty());
    record.peer = rhost.map(|rhost| PeerInfo {
        peer: parse_peer(rhost),
        port: None,
        local: None,
    });
    Some(record)
}

/// Logins the server refused before asking for a password.
fn read_refusal(message: &str, known: Option<&Peer>) -> Option<Record> {
    if let Some(rest) = message.strip_prefix("ROOT LOGIN REFUSED FROM ") {
        let at = read_tail(rest, false)?;
        return Some(
            Record::new(Action::Login)
                .failed()
                .user("root")
                .at(Some(at)),
        );
    }

    if let Some(rest) = message.strip_prefix("maximum authentication attempts exceeded for ") {
        let (invalid, rest) = strip_invalid(rest);
        let (user, at) = find_from(rest, true, known)?;
        let mut record = Record::new(Action::Login).failed().user(user);
        record.invalid_user = invalid;
        return Some(record.at(Some(at)));
    }

    if let Some(rest) = message.strip_prefix("User ")
        && let Some((head, reason)) = rest.rsplit_once(" not allowed because ")
    {
        let mut record = Record::new(Action::Login).failed();
        record.extra.push(("refused_because", reason.into()));
        return Some(match head.rsplit_once(" from ") {
            Some((user, peer)) => {
                let at = read_tail(peer, false)?;
                record.user(user).at(Some(at))
            }
            None => record.user(head),
        });
    }

    let rest = message.strip_prefix("refused connect from ")?;
    let (name, address) = rest.rsplit_once(" (")?;
    let peer = peer_token(address.strip_suffix(')')?)?;
    let mut record = Record::new(Action::Deny).failed();
    record.extra.push(("refused_name", name.into()));
    record.peer = Some(PeerInfo {
        peer,
        port: None,
        local: None,
    });
    Some(record)
}

/// Lines that end a connection: `Disconnected from`, `Connection closed by`, `Connection reset
/// by`, `Received disconnect from`, `Disconnecting ...`, socket errors.
fn read_close(message: &str, _known: Option<&Peer>) -> Option<Record> {
    let mut record = if let Some(rest) = message
        .strip_prefix("Disconnected from ")
        .or_else(|| message.strip_prefix("Connection closed by "))
        .or_else(|| message.strip_prefix("Connection reset by "))
    {
        read_closed_peer(rest)?
    } else if let Some(rest) = message.strip_prefix("Received disconnect from ") {
        read_received_disconnect(rest)?
    } else if let Some(rest) = message.strip_prefix("Disconnecting: ") {
        let mut record = Record::new(Action::Disconnect);
        record.failure = rest.contains("authentication failures") || rest.ends_with("[preauth]");
        if let Some((_, user)) = rest.split_once(" for ") {
            record = record.user(user.trim_end_matches("[preauth]"));
        }
        record
    } else if let Some(rest) = message.strip_prefix("Disconnecting ") {
        read_disconnecting_user(rest)?
    } else if message.starts_with("Read from socket failed: ")
        || message.starts_with("Write failed: ")
    {
        let mut record = Record::new(Action::Disconnect);
        record.failure = message.ends_with("[preauth]");
        record
    } else {
        return None;
    };
    record.closes = true;
    Some(record)
}

/// `[authenticating |invalid ]user <user> <peer> port <n> [preauth]` or `<peer>[ port n]...`.
fn read_closed_peer(rest: &str) -> Option<Record> {
    let trimmed = rest.trim_end();
    let (body, preauth) = match trimmed.strip_suffix("[preauth]") {
        Some(body) => (body.trim_end(), true),
        None => (trimmed, false),
    };
    let mut record = Record::new(Action::Disconnect);
    let kinds = [
        ("authenticating user ", true),
        ("invalid user ", true),
        ("user ", false),
    ];
    let Some((kind, body)) = kinds.iter().find_map(|(prefix, failed)| {
        body.strip_prefix(prefix)
            .map(|body| ((*prefix, *failed), body))
    }) else {
        record.failure = preauth;
        return Some(record.at(Some(read_tail(trimmed, false)?)));
    };

    let (body, port) = match body.rsplit_once(" port ") {
        Some((head, port)) if port.bytes().all(|b| b.is_ascii_digit()) => {
            (head, port.parse::<u16>().ok())
        }
        _ => (body, None),
    };
    let (user, peer) = body.rsplit_once(' ').unwrap_or(("", body));
    record = record.user(user);
    record.invalid_user = kind.0 == "invalid user ";
    record.failure = kind.1 || preauth;
    record.peer = Some(PeerInfo {
        peer: peer_token(peer)?,
        port,
        local: None,
    });
    if preauth {
        record.extra.push(("preauth", "true".into()));
    }
    Some(record)
}

/// `<peer>[ port <n>]: ?<code>: <reason>`; a failure before authentication, or when the code
/// says protocol error (2), key exchange failed (3) or no more auth methods (14).
fn read_received_disconnect(rest: &str) -> Option<Record> {
    let (peer, port, after) = match rest.split_once(" port ") {
        Some((peer, after)) => {
            let (port, after) = after.split_once(':')?;
            (peer, Some(port.trim().parse::<u16>().ok()?), after)
        }
        None => {
            let (peer, after) = rest.split_once(": ")?;
            (peer, None, after)
        }
    };
    let (code, reason) = after.trim_start().split_once(':').unwrap_or((after, ""));
    let code = code.trim();
    let preauth = reason.trim_end().ends_with("[preauth]");

    let mut record = Record::new(Action::Disconnect);
    record.failure = preauth || matches!(code, "2" | "3" | "14");
    record.extra.push(("disconnect_code", code.into()));
    record
        .extra
        .push(("disconnect_reason", reason.trim().into()));
    record.peer = Some(PeerInfo {
        peer: peer_token(peer)?,
        port,
        local: None,
    });
    Some(record)
}

/// `Disconnecting invalid user <user> <peer> port <n>: <reason>`.
fn read_disconnecting_user(rest: &str) -> Option<Record> {
    let (kind, rest) = ["invalid user ", "authenticating user ", "user "]
        .iter()
        .find_map(|prefix| rest.strip_prefix(prefix).map(|rest| (*prefix, rest)))?;
    let (head, port, reason) = rest.rmatch_indices(" port ").find_map(|(index, _)| {
        let after = rest.get(index + " port ".len()..)?;
        let (port, reason) = after.split_once(": ")?;
        Some((rest.get(..index)?, port.parse::<u16>().ok()?, reason))
    })?;
    let (user, peer) = head.rsplit_once(' ').unwrap_or(("", head));
    let mut record = Record::new(Action::Disconnect).user(user);
    record.invalid_user = kind == "invalid user ";
    record.failure = kind != "user " || reason.ends_with("[preauth]");
    record.extra.push(("disconnect_reason", reason.into()));
    record.peer = Some(PeerInfo {
        peer: peer_token(peer)?,
        port: Some(port),
        local: None,
    });
    Some(record)
}

/// Connections that failed before authentication: scanners, bad clients, algorithm mismatch.
fn read_preauth_error(message: &str, known: Option<&Peer>) -> Option<Record> {
    let record = Record::new(Action::Info).failed();
    if let Some(rest) = message.strip_prefix("Did not receive identification string from ") {
        return Some(record.at(Some(read_tail(rest, false)?)));
    }
    if let Some(rest) = message.strip_prefix("Bad protocol version identification ") {
        return Some(record.at(Some(find_from(rest, false, known)?.1)));
    }
    if let Some(rest) = message.strip_prefix("Timeout before authentication for ") {
        if let Some(rest) = rest.strip_prefix("connection from ") {
            let (peer, _) = rest.split_once(' ').unwrap_or((rest, ""));
            let mut record = record;
            record.peer = Some(PeerInfo {
                peer: peer_token(peer)?,
                port: None,
                local: None,
            });
            return Some(record);
        }
        return Some(record.at(Some(read_tail(rest, false)?)));
    }
    for prefix in [
        "Unable to negotiate with ",
        "banner exchange: Connection from ",
        "ssh_dispatch_run_fatal: Connection from ",
    ] {
        if let Some(rest) = message.strip_prefix(prefix) {
            let (head, reason) = rest.split_once(": ")?;
            let mut record = record.at(Some(read_tail(head, false)?));
            record.extra.push(("reason", reason.into()));
            return Some(record);
        }
    }
    let unattributed = message.starts_with("kex_exchange_identification: ")
        || message.starts_with("Unable to negotiate a key exchange method")
        || (message.starts_with("no matching ") && message.contains(" found"));
    unattributed.then_some(record)
}

/// `Connection from <peer> port <n> on <local> port <n>`.
fn read_connection(message: &str, _known: Option<&Peer>) -> Option<Record> {
    let rest = message.strip_prefix("Connection from ")?;
    Some(Record::new(Action::Connection).at(Some(read_tail(rest, false)?)))
}

/// DNS checks that name the peer: `reverse mapping checking getaddrinfo for <name> [<ip>]
/// failed`, `Address <ip> maps to <name>, but this does not map back`.
fn read_address_notes(message: &str, _known: Option<&Peer>) -> Option<Record> {
    let (address, name) =
        if let Some(rest) = message.strip_prefix("reverse mapping checking getaddrinfo for ") {
            // The name comes from the peer's own DNS; read the address from the right.
            let (head, _) = rest.rsplit_once("] failed")?;
            let (name, address) = head.rsplit_once(" [")?;
            (address, name)
        } else {
            let rest = message.strip_prefix("Address ")?;
            let (address, rest) = rest.split_once(" maps to ")?;
            let (name, _) = rest.split_once(", but this does not map back")?;
            (address, name)
        };
    let mut record = Record::new(Action::Info);
    record.extra.push(("dns_name", name.into()));
    record.peer = Some(PeerInfo {
        peer: peer_token(address)?,
        port: None,
        local: None,
    });
    Some(record)
}

/// Lines that only name the session's peer (`SSH: Server;Ltype: ...;Remote: 1.2.3.4-1780;...`).
fn read_notice(message: &str) -> Option<Option<PeerInfo>> {
    let rest = message.strip_prefix("SSH: Server;")?;
    let remote = rest
        .split(';')
        .find_map(|part| part.trim().strip_prefix("Remote: "));
    Some(remote.and_then(|remote| {
        let (address, port) = remote.rsplit_once('-')?;
        Some(PeerInfo {
            peer: peer_token(address)?,
            port: port.parse().ok(),
            local: None,
        })
    }))
}

/// `text.to_ascii_lowercase().contains(word)` for a lower-case `word`, without the copy.
fn contains_ignoring_ascii_case(text: &str, word: &str) -> bool {
    text.as_bytes()
        .windows(word.len())
        .any(|window| window.eq_ignore_ascii_case(word.as_bytes()))
}

fn strip_invalid(text: &str) -> (bool, &str) {
    for prefix in ["invalid user ", "illegal user "] {
        if let Some(rest) = text.strip_prefix(prefix) {
            return (true, rest);
        }
    }
    (false, text)
}
