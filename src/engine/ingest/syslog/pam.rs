//! PAM `authentication failure` messages, as any service writes them:
//! `pam_unix(su:auth): authentication failure; logname=a uid=1000 euid=0 tty=pts/0 ruser=a
//! rhost=  user=root`. sshd's own PAM lines are read by the sshd grammar with the same fields.

use std::sync::LazyLock;

use memchr::memmem::Finder;

use crate::engine::event::{Action, Event, Outcome};
use crate::engine::ingest::LineVerdict;
use crate::engine::ingest::address::{Peer, parse_peer};

/// The fields of one PAM authentication failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PamFailure<'a> {
    /// The PAM module (`pam_unix`, `pam_sss`).
    pub module: &'a str,
    /// The service that asked (`sshd`, `su`, `sudo`, `login`).
    pub service: &'a str,
    /// `user=`: the account the login was for, when PAM knew it.
    pub user: Option<&'a str>,
    /// `ruser=`: the remote user name, as the client claimed it.
    pub ruser: Option<&'a str>,
    /// `rhost=`: the remote peer, an address or a host name.
    pub rhost: Option<&'a str>,
    /// `tty=`.
    pub tty: Option<&'a str>,
}

/// What ends the `module(service:auth)` part of a PAM failure.
const FAILURE_MARK: &str = "): authentication failure;";

/// Reads `module(service:auth): authentication failure; key=value ...`.
pub fn read_failure(message: &str) -> Option<PamFailure<'_>> {
    // Most lines are not PAM failures; a searcher built once finds that out quickest.
    static FINDER: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(FAILURE_MARK));
    let index = FINDER.find(message.as_bytes())?;
    let head = message.get(..index)?;
    let fields = message.get(index + FAILURE_MARK.len()..)?;
    let (module, service) = head.split_once('(')?;
    let service = service.strip_suffix(":auth")?;
    if module.is_empty() || module.contains(' ') || service.contains(' ') {
        return None;
    }
    Some(failure_from_fields(module, service, fields))
}

/// Reads the `key=value` fields after `authentication failure;`.
pub fn failure_from_fields<'a>(
    module: &'a str,
    service: &'a str,
    fields: &'a str,
) -> PamFailure<'a> {
    let mut failure = PamFailure {
        module,
        service,
        user: None,
        ruser: None,
        rhost: None,
        tty: None,
    };
    let mut fields = fields.trim();
    while let Some(rest) = fields.strip_suffix("[preauth]") {
        fields = rest;
    }
    for (name, value) in fields
        .split_whitespace()
        .filter_map(|pair| pair.split_once('='))
    {
        let value = Some(value).filter(|value| !value.is_empty());
        match name {
            "user" => failure.user = value,
            "ruser" => failure.ruser = value,
            "rhost" => failure.rhost = value,
            "tty" => failure.tty = value,
            _ => {}
        }
    }
    failure
}

/// Fills `event` from a PAM failure of a service other than sshd; `None` when `message` is not
/// one.
pub fn parse_failure(message: &str, mut event: Event, out: &mut Vec<Event>) -> Option<LineVerdict> {
    let failure = read_failure(message)?;
    event.action = Some(Action::Login);
    event.outcome = Some(Outcome::Failure);
    event.auth_method = Some("pam".into());
    event.user = failure.user.map(str::to_owned);
    match failure.rhost.map(parse_peer) {
        Some(Peer::Ip(ip)) => event.src_ip = Some(ip),
        Some(Peer::Host(name)) => event.src_host = Some(name),
        None => {}
    }
    event.push_extra("pam_service", failure.service);
    if let Some(ruser) = failure.ruser {
        event.push_extra("ruser", ruser);
    }
    if let Some(tty) = failure.tty {
        event.push_extra("tty", tty);
    }
    out.push(event);
    Some(LineVerdict::Parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_with_double_space_and_missing_user() {
        let failure = read_failure(
            "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= \
             rhost=192.0.2.112  user=root",
        )
        .unwrap();
        assert_eq!(failure.service, "sshd");
        assert_eq!(failure.rhost, Some("192.0.2.112"));
        assert_eq!(failure.user, Some("root"));
        assert_eq!(failure.ruser, None);

        let failure = read_failure(
            "pam_unix(su:auth): authentication failure; logname=bob uid=1000 euid=0 tty=pts/0 \
             ruser=bob rhost=",
        )
        .unwrap();
        assert_eq!(
            (failure.service, failure.user, failure.rhost),
            ("su", None, None)
        );
        assert!(read_failure("pam_unix(sshd:session): session opened for user x").is_none());
    }
}
