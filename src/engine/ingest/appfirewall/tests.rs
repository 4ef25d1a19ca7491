//! Application-firewall messages paired with the events they must give.

use std::net::IpAddr;

use super::*;
use crate::engine::event::{EventFormat, Location};

fn parse(program: &str, message: &str) -> (LineVerdict, Option<Event>) {
    let mut event = Event::new(Location { file: 0, line: 1 }, EventFormat::Appfirewall);
    event.process = Some(program.into());
    let mut out = Vec::new();
    let verdict = parse_message(message, event, &mut out);
    (verdict, out.pop())
}

fn event(program: &str, message: &str) -> Event {
    match parse(program, message) {
        (LineVerdict::Parsed, Some(event)) => event,
        other => panic!("{message}: {other:?}"),
    }
}

fn ip(text: &str) -> Option<IpAddr> {
    Some(text.parse().unwrap())
}

#[test]
fn application_allow_with_counts_not_ports() {
    let e = event(
        "socketfilterfw",
        "<Info>: Dropbox109: Allow TCP LISTEN  (in:0 out:1)",
    );
    assert_eq!(e.action, Some(Action::Allow));
    assert_eq!(e.process.as_deref(), Some("Dropbox109"));
    assert_eq!(e.proto.as_deref(), Some("tcp"));
    assert_eq!(
        (e.extra("in_count"), e.extra("out_count")),
        (Some("0"), Some("1"))
    );
    assert_eq!((e.src_port, e.dst_port), (None, None));
    assert_eq!(e.extra("program"), Some("socketfilterfw"));
}

#[test]
fn deny_with_spaces_in_the_name_and_no_colon() {
    let e = event(
        "socketfilterfw",
        "<Info>: Google Chrome Helper: Deny UDP CONNECT (in:22 out:0)",
    );
    assert_eq!(e.action, Some(Action::Deny));
    assert_eq!(e.process.as_deref(), Some("Google Chrome Helper"));
    assert_eq!(e.extra("in_count"), Some("22"));
    let e = event(
        "sockerfilterfw",
        "<Info>: launchd Allow TCP LISTEN (in:0 out:2)",
    );
    assert_eq!(e.process.as_deref(), Some("launchd"));
}

#[test]
fn stealth_mode_destination_then_source() {
    let e = event(
        "kernel",
        "Stealth Mode connection attempt to TCP 192.0.2.10:80 from 198.51.100.7:5555",
    );
    assert_eq!(e.action, Some(Action::Deny));
    assert_eq!((e.dst_ip, e.dst_port), (ip("192.0.2.10"), Some(80)));
    assert_eq!((e.src_ip, e.src_port), (ip("198.51.100.7"), Some(5555)));

    let e = event(
        "kernel",
        "Stealth Mode connection attempt to UDP fe80::1:22 from fe80::2:5353",
    );
    assert_eq!((e.dst_ip, e.dst_port), (ip("fe80::1"), Some(22)));
    assert_eq!((e.src_ip, e.src_port), (ip("fe80::2"), Some(5353)));
}

#[test]
fn throttled_stealth_line_has_a_count_and_no_address() {
    let e = event(
        "socketfilterfw",
        "<Info>: Stealth Mode connection attempt to UDP 3 time",
    );
    assert_eq!(e.extra("count"), Some("3"));
    assert_eq!((e.src_ip, e.dst_ip, e.dst_port), (None, None, None));
    assert_eq!(e.proto.as_deref(), Some("udp"));
}

#[test]
fn log_in_vain_and_ipfw() {
    let e = event(
        "kernel",
        "Connection attempt to TCP 10.0.0.2:8080 from 10.0.0.9:50000 flags:0x02",
    );
    assert_eq!((e.src_ip, e.dst_port), (ip("10.0.0.9"), Some(8080)));
    assert_eq!(e.extra("tcp_flags"), Some("0x02"));

    let e = event(
        "ipfw",
        "35000 Deny UDP 10.0.0.1:5353 224.0.0.251:5353 in via en0",
    );
    assert_eq!((e.src_ip, e.src_port), (ip("10.0.0.1"), Some(5353)));
    assert_eq!(
        (e.dst_ip, e.extra("interface")),
        (ip("224.0.0.251"), Some("en0"))
    );
    assert_eq!(e.extra("rule"), Some("35000"));
}

#[test]
fn notices_are_skipped() {
    let (verdict, _) = parse(
        "socketfilterfw",
        "<Error>: Logging: creating /var/log/appfirewall.log",
    );
    assert_eq!(verdict, LineVerdict::Skipped("firewall notice".into()));
}

#[test]
fn older_connecting_from_wording() {
    let e = event(
        "Firewall",
        "Deny Google Chrome connecting from 203.0.113.4:61000 to port 80 proto=6",
    );
    assert_eq!(e.action, Some(Action::Deny));
    assert_eq!(e.process.as_deref(), Some("Google Chrome"));
    assert_eq!((e.src_ip, e.src_port), (ip("203.0.113.4"), Some(61000)));
    assert_eq!((e.dst_port, e.proto.as_deref()), (Some(80), Some("tcp")));
}
