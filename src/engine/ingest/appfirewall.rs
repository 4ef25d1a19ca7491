//! macOS application firewall messages (`socketfilterfw`, `Firewall`, kernel stealth-mode and
//! `ipfw` lines), given the message part of a syslog line.
//!
//! - `<Info>: Dropbox: Allow TCP LISTEN  (in:0 out:1)`: an application allowed or denied. The
//!   process name may hold digits and spaces and the colon after it may be missing
//!   (`launchd Allow ...`). `in:`/`out:` are connection counts, not ports: kept as extras
//!   `in_count` and `out_count`.
//! - `Stealth Mode connection attempt to TCP <dst>:<port> from <src>:<port>` (kernel, or `ipfw:`
//!   on 10.4 and 10.5): a probe the firewall dropped silently (action deny). IPv6 is written
//!   without brackets, so the port is after the last colon. The throttled form `... to UDP 3
//!   time` has no address: the count goes to extra `count`.
//! - `Connection attempt to TCP <dst>:<port> from <src>:<port> flags:0x02`: `log_in_vain`, a
//!   connection to a closed port, refused by the kernel (deny, extra `log_in_vain`).
//! - `ipfw: 35000 Deny UDP a:p b:p in via en0`: an ipfw rule hit, source first.
//! - `Deny <app> connecting from <ip>:<port> to port <n> proto=<n>`: the older ALF wording.
//! - `<Error>: Logging: creating /var/log/appfirewall.log` and other notices are skipped.
//!
//! Nothing is invented: a line without an address or port leaves those fields empty.

use crate::engine::event::{Action, Event};
use crate::engine::ingest::LineVerdict;
use crate::engine::ingest::address::{Peer, parse_peer, split_host_port};

/// True when a kernel message is one of the firewall's (stealth mode, `log_in_vain`, `ipfw`).
pub fn is_kernel_message(message: &str) -> bool {
    let message = message.strip_prefix("ipfw: ").unwrap_or(message);
    message.starts_with("Stealth Mode connection attempt")
        || message.starts_with("Connection attempt to ")
}

/// Fills `event` (time, reporter and program already set) from an application-firewall message.
pub fn parse_message(message: &str, mut event: Event, out: &mut Vec<Event>) -> LineVerdict {
    let (level, body) = strip_level(message.trim());
    let body = body.strip_prefix("ipfw: ").unwrap_or(body);
    if let Some(level) = level {
        event.push_extra("level", level);
    }

    let parsed = if let Some(rest) = body.strip_prefix("Stealth Mode connection attempt to ") {
        read_attempt(rest, &mut event).map(|()| event.push_extra("stealth_mode", "true"))
    } else if let Some(rest) = body.strip_prefix("Connection attempt to ") {
        read_attempt(rest, &mut event).map(|()| event.push_extra("log_in_vain", "true"))
    } else if body.starts_with(|c: char| c.is_ascii_digit()) {
        read_ipfw_rule(body, &mut event)
    } else if let Some(rest) = body.strip_prefix("Deny ")
        && rest.contains(" connecting from ")
    {
        read_connecting(rest, &mut event)
    } else if body.ends_with(')') && body.contains("(in:") {
        read_application(body, &mut event)
    } else if level == Some("Error") || body.starts_with("Logging:") {
        return LineVerdict::Skipped("firewall notice".into());
    } else {
        return LineVerdict::Skipped("other firewall message".into());
    };

    match parsed {
        Some(()) => {
            out.push(event);
            LineVerdict::Parsed
        }
        None => LineVerdict::Error("unreadable application firewall line".into()),
    }
}

/// `<Info>: rest` → (`Info`, `rest`).
fn strip_level(message: &str) -> (Option<&str>, &str) {
    message
        .strip_prefix('<')
        .and_then(|rest| rest.split_once('>'))
        .map_or((None, message), |(level, rest)| {
            (Some(level), rest.trim_start_matches(':').trim_start())
        })
}

/// `<process>[:] <Allow|Deny> <PROTO> <OPERATION>  (in:N out:M)`.
fn read_application(body: &str, event: &mut Event) -> Option<()> {
    let (head, counts) = body.rsplit_once('(')?;
    let counts = counts.strip_suffix(')')?;
    for pair in counts.split_whitespace() {
        match pair.split_once(':')? {
            ("in", value) => event.push_extra("in_count", value),
            ("out", value) => event.push_extra("out_count", value),
            _ => return None,
        }
    }

    let head = head.trim_end();
    let (head, operation) = head.rsplit_once(' ')?;
    let (head, protocol) = head.rsplit_once(' ')?;
    let (process, verdict) = head.rsplit_once(' ').unwrap_or(("", head));
    event.action = Some(verdict_action(verdict)?);
    event.proto = Some(protocol.to_ascii_lowercase());
    event.push_extra("operation", operation);

    let process = process.trim().trim_end_matches(':').trim();
    if !process.is_empty() {
        if let Some(program) = event.process.take() {
            event.push_extra("program", program);
        }
        event.process = Some(process.to_owned());
    }
    Some(())
}

/// `TCP <dst>[:port] from <src>[:port][ flags:0x02]` or the throttled `UDP 3 time(s)`.
fn read_attempt(rest: &str, event: &mut Event) -> Option<()> {
    let (protocol, rest) = rest.split_once(' ')?;
    event.proto = Some(protocol.to_ascii_lowercase());
    event.action = Some(Action::Deny);

    let Some((destination, source)) = rest.split_once(" from ") else {
        let (count, unit) = rest.trim().split_once(' ')?;
        if !unit.starts_with("time") || !count.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        event.push_extra("count", count);
        return Some(());
    };
    let (source, flags) = source.trim().split_once(' ').unwrap_or((source.trim(), ""));
    if let Some(flags) = flags.trim().strip_prefix("flags:") {
        event.push_extra("tcp_flags", flags);
    }
    let (dst, dst_port) = endpoint(destination.trim())?;
    let (src, src_port) = endpoint(source)?;
    set_source(event, src, src_port);
    set_destination(event, dst, dst_port);
    Some(())
}

/// `35000 Deny UDP 10.0.0.1:5353 224.0.0.251:5353 in via en0` (`ICMP:8.0` carries type.code).
fn read_ipfw_rule(body: &str, event: &mut Event) -> Option<()> {
    let mut tokens = body.split_whitespace();
    let rule = tokens.next()?;
    let verdict = tokens.next()?;
    let protocol = tokens.next()?;
    let source = tokens.next()?;
    let destination = tokens.next()?;

    event.action = Some(verdict_action(verdict)?);
    event.push_extra("rule", rule);
    let (protocol, icmp) = protocol.split_once(':').unwrap_or((protocol, ""));
    event.proto = Some(protocol.to_ascii_lowercase());
    if !icmp.is_empty() {
        event.push_extra("icmp_type", icmp);
    }
    let (src, src_port) = endpoint(source)?;
    let (dst, dst_port) = endpoint(destination)?;
    set_source(event, src, src_port);
    set_destination(event, dst, dst_port);

    let rest: Vec<&str> = tokens.collect();
    if let [direction, "via", interface] = rest.as_slice() {
        event.push_extra("direction", *direction);
        event.push_extra("interface", *interface);
    }
    Some(())
}

/// `<app> connecting from <ip>:<port> to port <n> proto=<n>` (after `Deny `).
fn read_connecting(rest: &str, event: &mut Event) -> Option<()> {
    let (process, rest) = rest.split_once(" connecting from ")?;
    let (source, rest) = rest.split_once(" to port ")?;
    let (port, protocol) = rest.split_once(' ').unwrap_or((rest, ""));
    event.action = Some(Action::Deny);
    let (src, src_port) = endpoint(source)?;
    set_source(event, src, src_port);
    event.dst_port = Some(port.parse().ok()?);
    if let Some(number) = protocol.trim().strip_prefix("proto=") {
        event.proto = Some(protocol_name(number).to_owned());
    }
    if let Some(program) = event.process.take() {
        event.push_extra("program", program);
    }
    event.process = Some(process.trim().to_owned());
    Some(())
}

fn verdict_action(word: &str) -> Option<Action> {
    match word.to_ascii_lowercase().as_str() {
        "allow" | "accept" => Some(Action::Allow),
        "deny" | "reset" | "unreach" | "drop" => Some(Action::Deny),
        _ => None,
    }
}

fn protocol_name(number: &str) -> &str {
    match number {
        "6" => "tcp",
        "17" => "udp",
        "1" => "icmp",
        "58" => "ipv6-icmp",
        other => other,
    }
}

/// `1.2.3.4:80`, `fe80::1:22` (port after the last colon), or an address without a port.
fn endpoint(text: &str) -> Option<(Peer, Option<u16>)> {
    if text.is_empty() {
        return None;
    }
    match split_host_port(text) {
        Some((host, port)) => Some((parse_peer(host), Some(port))),
        None => Some((parse_peer(text), None)),
    }
}

fn set_source(event: &mut Event, peer: Peer, port: Option<u16>) {
    match peer {
        Peer::Ip(ip) => event.src_ip = Some(ip),
        Peer::Host(name) => event.src_host = Some(name),
    }
    event.src_port = port;
}

fn set_destination(event: &mut Event, peer: Peer, port: Option<u16>) {
    match peer {
        Peer::Ip(ip) => event.dst_ip = Some(ip),
        Peer::Host(name) => event.dst_host = Some(name),
    }
    event.dst_port = port;
}

#[cfg(test)]
mod tests;
