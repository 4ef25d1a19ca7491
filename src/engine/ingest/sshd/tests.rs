//! sshd lines paired with the events they must give.

use std::net::IpAddr;

use super::*;
use crate::engine::event::{Action, EventFormat, Location};

struct Run {
    parser: SshdParser,
}

impl Run {
    fn new() -> Self {
        Self {
            parser: SshdParser::default(),
        }
    }

    /// Parses `message` as `sshd[pid]` on host `h`; returns the event, if any.
    fn line(&mut self, pid: &str, message: &str) -> Option<Event> {
        self.program_line("sshd", pid, message)
    }

    fn program_line(&mut self, program: &str, pid: &str, message: &str) -> Option<Event> {
        let mut event = Event::new(Location { file: 0, line: 1 }, EventFormat::Sshd);
        event.process = Some(program.into());
        let mut out = Vec::new();
        let verdict = self
            .parser
            .parse(message, ("h", Some(pid)), event, &mut out);
        assert_eq!(verdict == LineVerdict::Parsed, !out.is_empty(), "{message}");
        out.pop()
    }
}

fn ip(text: &str) -> Option<IpAddr> {
    Some(text.parse().unwrap())
}

#[test]
fn failed_password_for_invalid_user() {
    let event = Run::new()
        .line(
            "1",
            "Failed password for invalid user ROOT from 194.117.26.69 port 50273 ssh2",
        )
        .unwrap();
    assert_eq!(event.action, Some(Action::Login));
    assert_eq!(event.outcome, Some(Outcome::Failure));
    assert_eq!(event.user.as_deref(), Some("ROOT"));
    assert_eq!(event.auth_method.as_deref(), Some("password"));
    assert_eq!(
        (event.src_ip, event.src_port),
        (ip("194.117.26.69"), Some(50273))
    );
    assert_eq!(event.extra("invalid_user"), Some("true"));
}

#[test]
fn accepted_keyboard_interactive() {
    let event = Run::new()
        .line(
            "1",
            "Accepted keyboard-interactive/pam for bob from 2001:db8::5 port 22 ssh2",
        )
        .unwrap();
    assert_eq!(
        (event.action, event.outcome),
        (Some(Action::Login), Some(Outcome::Success))
    );
    assert_eq!(
        event.auth_method.as_deref(),
        Some("keyboard-interactive/pam")
    );
    assert_eq!(event.src_ip, ip("2001:db8::5"));
}

#[test]
fn invalid_user_pam_and_hostnames() {
    let mut run = Run::new();
    let event = run
        .line("1", "Invalid user ftp from 192.0.2.2 port 37220")
        .unwrap();
    assert_eq!(
        (event.action, event.outcome),
        (Some(Action::InvalidUser), Some(Outcome::Failure))
    );

    let event = run
        .line(
            "2",
            "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= \
             rhost=example.com  user=root",
        )
        .unwrap();
    assert_eq!(event.src_host.as_deref(), Some("example.com"));
    assert_eq!(event.user.as_deref(), Some("root"));
    assert_eq!(event.auth_method.as_deref(), Some("pam"));

    let event = run
        .line(
            "3",
            "error: PAM: Authentication failure for illegal user x from 192.030.0.6",
        )
        .unwrap();
    assert_eq!(
        event.src_host.as_deref(),
        Some("192.030.0.6"),
        "padded octets stay text"
    );
    assert_eq!(event.outcome, Some(Outcome::Failure));
}

#[test]
fn crafted_user_names_do_not_move_the_peer() {
    let mut run = Run::new();
    let event = run
        .line(
            "1",
            "Failed password for invalid user test from 10.10.1.2 port 55555 ssh2 from 127.0.0.1 \
             port 58946 ssh2",
        )
        .unwrap();
    assert_eq!(event.src_ip, ip("127.0.0.1"));
    let event = run
        .line(
            "2",
            "Connection closed by authenticating user test 127.0.0.1 port 12345 192.0.2.11 port \
             46039 [preauth]",
        )
        .unwrap();
    assert_eq!(event.src_ip, ip("192.0.2.11"));
    assert_eq!(event.user.as_deref(), Some("test 127.0.0.1 port 12345"));
    assert_eq!(
        (event.action, event.outcome),
        (Some(Action::Disconnect), Some(Outcome::Failure))
    );
}

#[test]
fn hostless_lines_take_the_session_peer() {
    let mut run = Run::new();
    let connection = run
        .line(
            "7",
            "Connection from 115.249.163.77 port 51353 on 10.0.0.1 port 22",
        )
        .unwrap();
    assert_eq!(connection.action, Some(Action::Connection));
    assert_eq!(connection.outcome, None);
    assert_eq!(
        (connection.dst_ip, connection.dst_port),
        (ip("10.0.0.1"), Some(22))
    );

    let event = run
        .line(
            "7",
            "Disconnecting: Too many authentication failures for root [preauth]",
        )
        .unwrap();
    assert_eq!(event.src_ip, ip("115.249.163.77"));
    assert_eq!(event.outcome, Some(Outcome::Failure));
    assert_eq!(event.extra("src_from_session"), Some("true"));

    let other_pid = run
        .line(
            "8",
            "Disconnecting: Too many authentication failures for root",
        )
        .unwrap();
    assert_eq!((other_pid.src_ip, other_pid.outcome), (None, None));
}

#[test]
fn a_failure_before_the_peer_is_carried_to_the_close() {
    let mut run = Run::new();
    let early = run
        .line(
            "9",
            "error: kex_exchange_identification: Connection closed by remote host",
        )
        .unwrap();
    assert_eq!(early.outcome, None);
    let close = run
        .line("9", "Connection closed by 192.0.2.15 port 35352")
        .unwrap();
    assert_eq!(
        (close.src_ip, close.outcome),
        (ip("192.0.2.15"), Some(Outcome::Failure))
    );
    assert_eq!(close.extra("failure_from_session"), Some("true"));

    let plain_close = run.line("10", "Connection closed by 192.0.2.5").unwrap();
    assert_eq!(plain_close.outcome, None);
}

#[test]
fn disconnects_before_and_after_authentication() {
    let mut run = Run::new();
    let event = run
        .line(
            "1",
            "Received disconnect from 198.51.100.76 port 58846:11: Bye Bye [preauth]",
        )
        .unwrap();
    assert_eq!(
        (event.src_ip, event.src_port),
        (ip("198.51.100.76"), Some(58846))
    );
    assert_eq!(event.outcome, Some(Outcome::Failure));
    let event = run
        .line(
            "2",
            "Received disconnect from 10.0.0.2 port 5:11: disconnected by user",
        )
        .unwrap();
    assert_eq!(event.outcome, None);
    let event = run
        .line(
            "3",
            "Received disconnect from 127.0.0.1: 14: No supported authentication methods available",
        )
        .unwrap();
    assert_eq!(event.outcome, Some(Outcome::Failure));
}

#[test]
fn refusals_and_scanners() {
    let mut run = Run::new();
    let event = run
        .line("1", "ROOT LOGIN REFUSED FROM ::ffff:1.2.3.4")
        .unwrap();
    assert_eq!(
        (event.src_ip, event.user.as_deref()),
        (ip("1.2.3.4"), Some("root"))
    );
    let event = run
        .line(
            "2",
            "User root from 46.45.128.3 not allowed because listed in DenyUsers",
        )
        .unwrap();
    assert_eq!(
        (event.action, event.src_ip),
        (Some(Action::Login), ip("46.45.128.3"))
    );
    let event = run
        .line("3", "Unable to negotiate with 192.0.2.1 port 55419: no matching cipher found. Their offer: aes256-cbc")
        .unwrap();
    assert_eq!(
        (event.action, event.outcome),
        (Some(Action::Info), Some(Outcome::Failure))
    );
    let event = run
        .line("4", "reverse mapping checking getaddrinfo for ns.example.com [173.234.31.186] failed - POSSIBLE BREAK-IN ATTEMPT!")
        .unwrap();
    assert_eq!((event.src_ip, event.outcome), (ip("173.234.31.186"), None));
    let event = run
        .line("5", "refused connect from example.com (192.168.1.1)")
        .unwrap();
    assert_eq!(
        (event.action, event.src_ip),
        (Some(Action::Deny), ip("192.168.1.1"))
    );
}

#[test]
fn prefixes_and_repeats_are_unwrapped() {
    let mut run = Run::new();
    let event = run
        .line("1", "[ID 800047 auth.info] Failed keyboard-interactive for <invalid username> from 205.186.180.55 port 42742 ssh2")
        .unwrap();
    assert_eq!(event.src_ip, ip("205.186.180.55"));
    let event = run
        .line(
            "2",
            "message repeated 2 times: [ Failed password for root from 183.62.140.253 port 39224]",
        )
        .unwrap();
    assert_eq!(event.extra("repeated"), Some("2"));
    assert_eq!(event.src_ip, ip("183.62.140.253"));
    let event = run
        .program_line(
            "dropbear",
            "825",
            "[825] Jul 10 23:53:52 Bad password attempt for 'root' from 1.2.3.4:52289",
        )
        .unwrap();
    assert_eq!((event.src_ip, event.src_port), (ip("1.2.3.4"), Some(52289)));
    assert!(
        run.line("3", "Server listening on 0.0.0.0 port 22.")
            .is_none()
    );
}

#[test]
fn a_login_line_whose_peer_does_not_read_is_an_error() {
    let mut parser = SshdParser::default();
    let mut out = Vec::new();
    let event = Event::new(Location { file: 0, line: 1 }, EventFormat::Sshd);
    let verdict = parser.parse(
        "Failed password for root from 192.0.2.1 port 99999 ssh2",
        ("h", Some("7")),
        event,
        &mut out,
    );
    assert!(matches!(verdict, LineVerdict::Error(_)), "{verdict:?}");
    assert!(out.is_empty());
}
