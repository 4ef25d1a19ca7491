//! Linux netfilter kernel log messages: iptables `LOG`, UFW, nftables; IPv4 and IPv6.
//!
//! Called by the syslog parser with the message part of a line (after the `kernel:` tag and
//! uptime), or with a whole line that has no syslog header.
//!
//! The grammar is the one the kernel's `nf_log` writes: an optional prefix chosen by the rule
//! (`[UFW BLOCK] `, `IPTABLES-DROP: `, `SFW2-INext-DROP-DEFLT `, Ubiquiti's `[WAN_OUT-2000-A]`
//! glued to `IN=`), then `IN=` and `OUT=` and a run of `KEY=value` tokens (values may be empty)
//! mixed with bare flags (`DF`, `SYN`, `ACK`...). A line is netfilter when, read from the left,
//! it reaches an `IN=` token followed by an `OUT=` token; anything else (`XX=eth0 OUT=`) is not.
//!
//! Token details handled here: `LEN=` written twice (the IP length, then the UDP length),
//! `OPT (hex)`, IPv6 keys (`TC=`, `HOPLIMIT=`, `FLOWLBL=`), numeric `PROTO=`, and the packet
//! quoted inside ICMP errors (`[SRC=... DST=... PROTO=UDP SPT=.. DPT=..]`), whose addresses are
//! kept as `inner_*` extras and never replace the outer ones.
//!
//! IP flags (`DF`, `MF`, `CE`) go to extra `ip_flags`, TCP flags (`SYN`, `ACK`, `PSH`...) to
//! extra `tcp_flags`, each joined by spaces in line order. Tokens of no known shape are kept in
//! extra `unparsed` rather than dropped.

use std::net::IpAddr;

use compact_str::CompactString;

use crate::engine::event::{Action, Event, EventFormat};
use crate::engine::ingest::address::parse_ip;

/// Longest rule prefix accepted before `IN=`. The kernel caps iptables prefixes at 29 bytes and
/// nftables ones at 127; anything longer is some other text that happens to contain `IN=`.
const MAX_PREFIX_CHARS: usize = 160;

/// Fills `event` from a netfilter message.
///
/// Returns `None` when `message` is not a netfilter line at all (so the caller can try other
/// grammars), `Some(Ok(()))` when `event` was filled, and `Some(Err(reason))` when it looked like
/// netfilter but could not be read. On `None` and `Some(Err(_))` the event is left untouched.
pub fn parse_message(message: &str, event: &mut Event) -> Option<Result<(), String>> {
    let message = message.trim_end();
    let (prefix, body) = split_prefix(message)?;
    let packet = match Packet::read(body)? {
        Ok(packet) => packet,
        Err(reason) => return Some(Err(reason)),
    };

    event.format = EventFormat::Netfilter;
    event.action = Some(verdict_from_prefix(prefix));
    event.message = (!prefix.is_empty()).then(|| prefix.to_owned());
    packet.fill(prefix, event);
    Some(Ok(()))
}

/// Splits off the rule prefix: everything before the first `IN=` that starts a token (at the
/// start, after a space, or right after a `]` as Ubiquiti writes it) and is followed by `OUT=`.
fn split_prefix(message: &str) -> Option<(&str, &str)> {
    let start = message
        .match_indices("IN=")
        .map(|(index, _)| index)
        .filter(|&index| {
            index == 0 || matches!(message.as_bytes().get(index - 1), Some(b' ' | b']'))
        })
        .find(|&index| {
            let mut tokens = message
                .get(index..)
                .unwrap_or_default()
                .split_ascii_whitespace();
            tokens.next();
            tokens.next().is_some_and(|token| token.starts_with("OUT="))
        })?;
    let prefix = clean_prefix(message.get(..start)?);
    if prefix.chars().count() > MAX_PREFIX_CHARS {
        return None;
    }
    Some((prefix, message.get(start..)?))
}

/// Drops what a caller may leave in front of the rule prefix on a headerless line: a `kernel:`
/// tag and a `[ uptime]` stamp.
fn clean_prefix(prefix: &str) -> &str {
    let mut prefix = prefix.trim();
    if let Some(rest) = prefix.strip_prefix("kernel:") {
        prefix = rest.trim_start();
    }
    if let Some(rest) = prefix.strip_prefix('[')
        && let Some((stamp, after)) = rest.split_once(']')
        && !stamp.trim().is_empty()
        && stamp
            .trim()
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.')
    {
        prefix = after.trim_start();
    }
    prefix
}

/// The verdict a rule prefix names. `AUDIT` wins, then deny words, then allow words; Ubiquiti
/// ends its rule names with `-A` (accept), `-D` (drop) or `-R` (reject). A prefix that names no
/// verdict (or no prefix) is an audit record: the packet was logged, its fate is unknown.
fn verdict_from_prefix(prefix: &str) -> Action {
    let words = || {
        prefix
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|word| !word.is_empty())
    };
    let has = |names: &[&str]| {
        words().any(|word| names.iter().any(|name| word.eq_ignore_ascii_case(name)))
    };
    let last_is = |letters: &[&str]| {
        words()
            .next_back()
            .is_some_and(|word| letters.contains(&word))
    };

    if has(&["AUDIT"]) {
        Action::Audit
    } else if has(&[
        "BLOCK", "BLOCKED", "DROP", "DROPPED", "REJECT", "REJECTED", "DENY", "DENIED",
    ]) || last_is(&["D", "R"])
    {
        Action::Deny
    } else if has(&["ALLOW", "ALLOWED", "ACCEPT", "ACCEPTED", "ACC", "PASS"]) || last_is(&["A"]) {
        Action::Allow
    } else {
        Action::Audit
    }
}

/// The fields of one logged packet, read from its tokens.
#[derive(Debug, Default)]
struct Packet<'a> {
    in_iface: &'a str,
    out_iface: &'a str,
    src: Option<IpAddr>,
    dst: Option<IpAddr>,
    src_port: Option<u16>,
    dst_port: Option<u16>,
    proto: Option<&'a str>,
    ip_len: Option<&'a str>,
    payload_len: Option<&'a str>,
    ip_flags: Vec<&'a str>,
    tcp_flags: Vec<&'a str>,
    /// Other `KEY=value` tokens of the outer packet, in line order.
    others: Vec<(&'a str, &'a str)>,
    /// `KEY=value` tokens of the packet quoted inside an ICMP error.
    inner: Vec<(&'a str, &'a str)>,
    /// `OPT (hex)` value, without parentheses.
    options: Option<&'a str>,
    /// Tokens that fit none of the shapes above, kept as written.
    unknown: Vec<&'a str>,
}

impl<'a> Packet<'a> {
    /// Reads the tokens from `IN=` on. `None` when the line is not netfilter (no `OUT=` right
    /// after `IN=`), `Some(Err)` when a value that must parse does not.
    fn read(body: &'a str) -> Option<Result<Self, String>> {
        let mut tokens = body.split_ascii_whitespace().peekable();
        let in_iface = tokens.next()?.strip_prefix("IN=")?;
        let out_iface = tokens.next()?.strip_prefix("OUT=")?;
        let mut packet = Packet {
            in_iface,
            out_iface,
            // Room for what a typical line holds (MAC, TOS, PREC, TTL, ID, WINDOW, RES, URGP...).
            others: Vec::with_capacity(12),
            ..Packet::default()
        };

        let mut inside_quoted_packet = false;
        while let Some(token) = tokens.next() {
            if token == "OPT" && tokens.peek().is_some_and(|next| next.starts_with('(')) {
                let value = tokens.next().unwrap_or_default();
                packet.options = Some(value.trim_start_matches('(').trim_end_matches(')'));
                continue;
            }

            let mut token = token;
            if let Some(rest) = token.strip_prefix('[') {
                inside_quoted_packet = true;
                token = rest;
            }
            let closes = token.ends_with(']');
            token = token.trim_end_matches(']');

            let result = if inside_quoted_packet {
                packet.take_inner(token);
                Ok(())
            } else {
                packet.take_outer(token)
            };
            if let Err(reason) = result {
                return Some(Err(reason));
            }
            if closes {
                inside_quoted_packet = false;
            }
        }
        Some(Ok(packet))
    }

    /// One token of the logged packet itself.
    fn take_outer(&mut self, token: &'a str) -> Result<(), String> {
        let Some((key, value)) = split_key_value(token) else {
            self.take_bare(token);
            return Ok(());
        };
        if !is_key(key) {
            self.unknown.push(token);
            return Ok(());
        }
        match key {
            "SRC" => self.src = Some(address(key, value)?),
            "DST" => self.dst = Some(address(key, value)?),
            "SPT" => self.src_port = Some(port(key, value)?),
            "DPT" => self.dst_port = Some(port(key, value)?),
            "PROTO" => self.proto = Some(value),
            "LEN" if self.ip_len.is_none() => self.ip_len = Some(value),
            "LEN" => self.payload_len = Some(value),
            _ => self.others.push((key, value)),
        }
        Ok(())
    }

    /// A token without `=`: an IP or TCP flag, else kept as unknown (`INCOMPLETE`...).
    fn take_bare(&mut self, token: &'a str) {
        match token {
            "DF" | "MF" | "CE" => self.ip_flags.push(token),
            "CWR" | "ECE" | "URG" | "ACK" | "PSH" | "RST" | "SYN" | "FIN" => {
                self.tcp_flags.push(token);
            }
            _ => self.unknown.push(token),
        }
    }

    /// One token of the packet quoted inside an ICMP error; only its keys are kept.
    fn take_inner(&mut self, token: &'a str) {
        if let Some((key, value)) = split_key_value(token)
            && is_key(key)
        {
            self.inner.push((key, value));
        }
    }

    /// Copies the packet into `event`.
    fn fill(self, prefix: &str, event: &mut Event) {
        // direction, prefix, interfaces, lengths, flags, opt, unparsed: at most 11 besides these.
        event
            .extra
            .reserve(11 + self.others.len() + self.inner.len());
        event.src_ip = self.src;
        event.dst_ip = self.dst;
        event.src_port = self.src_port;
        event.dst_port = self.dst_port;
        event.proto = self.proto.map(super::event_protocol_name);

        let direction = match (self.in_iface.is_empty(), self.out_iface.is_empty()) {
            (false, false) => Some("forward"),
            (false, true) => Some("inbound"),
            (true, false) => Some("outbound"),
            (true, true) => None,
        };
        if let Some(direction) = direction {
            event.push_extra("direction", direction);
        }
        if !prefix.is_empty() {
            event.push_extra("prefix", prefix);
        }
        push_unless_empty(event, "in_iface", self.in_iface);
        push_unless_empty(event, "out_iface", self.out_iface);
        push_unless_empty(event, "len", self.ip_len.unwrap_or_default());
        push_unless_empty(event, "payload_len", self.payload_len.unwrap_or_default());
        push_joined(event, "ip_flags", &self.ip_flags);
        push_joined(event, "tcp_flags", &self.tcp_flags);
        push_unless_empty(event, "opt", self.options.unwrap_or_default());

        for (key, value) in self.others {
            push_unless_empty(event, extra_name(key), value);
        }
        for (key, value) in self.inner {
            let mut name = CompactString::const_new("inner_");
            name.push_str(&lowercase(key));
            push_unless_empty(event, name, value);
        }
        push_joined(event, "unparsed", &self.unknown);
    }
}

/// `KEY=value` split at the first `=`.
fn split_key_value(token: &str) -> Option<(&str, &str)> {
    let index = memchr::memchr(b'=', token.as_bytes())?;
    Some((token.get(..index)?, token.get(index + 1..)?))
}

/// Extra name for a netfilter key: lower case, with ICMP `TYPE`/`CODE` named for what they are.
fn extra_name(key: &str) -> CompactString {
    let name = match key {
        "TYPE" => "icmp_type",
        "CODE" => "icmp_code",
        // The keys of nearly every line, spelled out so they cost no conversion.
        "MAC" => "mac",
        "TOS" => "tos",
        "PREC" => "prec",
        "TTL" => "ttl",
        "ID" => "id",
        "WINDOW" => "window",
        "RES" => "res",
        "URGP" => "urgp",
        "TC" => "tc",
        "HOPLIMIT" => "hoplimit",
        "FLOWLBL" => "flowlbl",
        _ => return lowercase(key),
    };
    CompactString::const_new(name)
}

/// `text` in ASCII lower case; short names stay inline, with no allocation.
fn lowercase(text: &str) -> CompactString {
    let mut lower = CompactString::from(text);
    lower.make_ascii_lowercase();
    lower
}

fn push_unless_empty(event: &mut Event, name: impl Into<CompactString>, value: &str) {
    if !value.is_empty() {
        event.push_extra(name, value);
    }
}

/// Keeps `words` joined by spaces, unless there are none.
fn push_joined(event: &mut Event, name: &'static str, words: &[&str]) {
    let Some((first, rest)) = words.split_first() else {
        return;
    };
    let mut joined = CompactString::from(*first);
    for word in rest {
        joined.push(' ');
        joined.push_str(word);
    }
    if !joined.is_empty() {
        event.push_extra(name, joined);
    }
}

/// Netfilter keys are upper-case words with digits (`SRC`, `FLOWLBL`, `PHYSIN`, `MACSRC`).
fn is_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

fn address(key: &str, value: &str) -> Result<IpAddr, String> {
    parse_ip(value).ok_or_else(|| format!("{key}= is not an IP address"))
}

fn port(key: &str, value: &str) -> Result<u16, String> {
    value
        .parse()
        .map_err(|_| format!("{key}= is not a port number"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::event::Location;

    fn parse(message: &str) -> Option<Result<Event, String>> {
        let mut event = Event::new(Location { file: 0, line: 1 }, EventFormat::Sshd);
        parse_message(message, &mut event).map(|result| result.map(|()| event))
    }

    fn parsed(message: &str) -> Event {
        parse(message).unwrap().unwrap()
    }

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn ufw_block_inbound_tcp_syn() {
        let event = parsed(
            "[UFW BLOCK] IN=ens3 OUT= MAC=56:00:03:85:82:df:fe:00:03:85:82:df:08:00 \
             SRC=192.0.2.198 DST=198.51.100.84 LEN=40 TOS=0x00 PREC=0x00 TTL=241 ID=54321 \
             PROTO=TCP SPT=60834 DPT=5985 WINDOW=65535 RES=0x00 SYN URGP=0 ",
        );
        assert_eq!(event.format, EventFormat::Netfilter);
        assert_eq!(event.action, Some(Action::Deny));
        assert_eq!(event.src_ip, ip("192.0.2.198"));
        assert_eq!(event.dst_ip, ip("198.51.100.84"));
        assert_eq!(event.src_port, Some(60834));
        assert_eq!(event.dst_port, Some(5985));
        assert_eq!(event.proto.as_deref(), Some("tcp"));
        assert_eq!(event.message.as_deref(), Some("[UFW BLOCK]"));
        assert_eq!(event.extra("prefix"), Some("[UFW BLOCK]"));
        assert_eq!(event.extra("direction"), Some("inbound"));
        assert_eq!(event.extra("in_iface"), Some("ens3"));
        assert_eq!(event.extra("out_iface"), None);
        assert_eq!(
            event.extra("mac"),
            Some("56:00:03:85:82:df:fe:00:03:85:82:df:08:00")
        );
        assert_eq!(event.extra("len"), Some("40"));
        assert_eq!(event.extra("ttl"), Some("241"));
        assert_eq!(event.extra("tcp_flags"), Some("SYN"));
        assert_eq!(event.extra("unparsed"), None);
    }

    #[test]
    fn prefixes_give_verdicts() {
        let body = "IN=eth0 OUT= SRC=192.0.2.1 DST=192.0.2.2 LEN=40 PROTO=TCP SPT=1 DPT=2";
        let cases = [
            ("[UFW BLOCK] ", Action::Deny),
            ("[UFW ALLOW] ", Action::Allow),
            ("[UFW AUDIT] ", Action::Audit),
            ("[UFW AUDIT INVALID] ", Action::Audit),
            ("[UFW LIMIT BLOCK] ", Action::Deny),
            ("IPTABLES-DROP: ", Action::Deny),
            ("SFW2-INext-DROP-DEFLT ", Action::Deny),
            ("SFW2-INext-ACC-TCP ", Action::Allow),
            ("[WAN_OUT-2000-A]", Action::Allow),
            ("[source-dest-default-D]", Action::Deny),
            ("policy DROP: ", Action::Deny),
            ("nft input reject: ", Action::Deny),
            ("nft accept ssh ", Action::Allow),
            ("INPUT: ", Action::Audit),
            ("", Action::Audit),
        ];
        for (prefix, expected) in cases {
            let event = parsed(&format!("{prefix}{body}"));
            assert_eq!(event.action, Some(expected), "{prefix:?}");
            let message = prefix.trim();
            assert_eq!(
                event.message.as_deref(),
                (!message.is_empty()).then_some(message)
            );
        }
    }

    #[test]
    fn ubiquiti_prefix_glued_to_in() {
        let event = parsed(
            "[WAN_OUT-2000-A]IN=eth0 OUT=eth2 MAC=90:10:20:76:8d:20:90:10:24:67:f4:89:08:00 \
             SRC=192.168.134.158 DST=192.0.2.25 LEN=265 TOS=0x00 PREC=0x00 TTL=63 ID=51768 DF \
             PROTO=TCP SPT=43189 DPT=443 WINDOW=159 RES=0x00 ACK PSH URGP=0 ",
        );
        assert_eq!(event.extra("prefix"), Some("[WAN_OUT-2000-A]"));
        assert_eq!(event.extra("direction"), Some("forward"));
        assert_eq!(event.extra("ip_flags"), Some("DF"));
        assert_eq!(event.extra("tcp_flags"), Some("ACK PSH"));
        assert_eq!(event.dst_port, Some(443));
    }

    #[test]
    fn udp_len_twice_keeps_ip_length_first() {
        let event = parsed(
            "IN=ppp0 OUT= MAC= SRC=24.64.208.134 DST=216.58.112.55 LEN=512 TOS=0x00 PREC=0x00 \
             TTL=70 ID=55012 PROTO=UDP SPT=24128 DPT=1026 LEN=492",
        );
        assert_eq!(event.extra("len"), Some("512"));
        assert_eq!(event.extra("payload_len"), Some("492"));
        assert_eq!(event.extra("mac"), None, "empty MAC= stays unset");
        assert_eq!(event.proto.as_deref(), Some("udp"));
    }

    #[test]
    fn tcp_options_in_parentheses() {
        let event = parsed(
            "SFW2-INext-ACC-TCP IN=eth0 OUT= SRC=192.168.0.101 DST=192.168.0.100 LEN=60 TTL=64 \
             DF PROTO=TCP SPT=59282 DPT=631 WINDOW=14600 RES=0x00 SYN URGP=0 OPT (020405B4)",
        );
        assert_eq!(event.extra("opt"), Some("020405B4"));
        assert_eq!(event.extra("tcp_flags"), Some("SYN"));
        assert_eq!(event.extra("unparsed"), None);
    }

    #[test]
    fn icmp_error_keeps_outer_addresses() {
        let event = parsed(
            "[UFW BLOCK] IN=eth0 OUT= SRC=203.0.113.9 DST=192.0.2.10 LEN=68 TTL=50 ID=1 \
             PROTO=ICMP TYPE=3 CODE=3 [SRC=192.0.2.10 DST=203.0.113.9 LEN=40 TTL=64 ID=2 \
             PROTO=UDP SPT=53 DPT=40000 LEN=20 ] ",
        );
        assert_eq!(event.src_ip, ip("203.0.113.9"));
        assert_eq!(event.dst_ip, ip("192.0.2.10"));
        assert_eq!(event.src_port, None);
        assert_eq!(event.dst_port, None);
        assert_eq!(event.proto.as_deref(), Some("icmp"));
        assert_eq!(event.extra("icmp_type"), Some("3"));
        assert_eq!(event.extra("icmp_code"), Some("3"));
        assert_eq!(event.extra("len"), Some("68"));
        assert_eq!(event.extra("inner_src"), Some("192.0.2.10"));
        assert_eq!(event.extra("inner_dpt"), Some("40000"));
        assert_eq!(event.extra("inner_proto"), Some("UDP"));
    }

    #[test]
    fn ipv6_zero_padded_equals_compressed() {
        let event = parsed(
            "IN= OUT=lo SRC=2001:0db8:0000:0000:0000:0000:0000:0001 \
             DST=2001:0db8:0000:0000:0000:0000:0000:0002 LEN=104 TC=0 HOPLIMIT=64 \
             FLOWLBL=868225 PROTO=ICMPv6 TYPE=128 CODE=0 ID=3427 SEQ=1 MARK=0xd4 ",
        );
        assert_eq!(event.src_ip, ip("2001:db8::1"));
        assert_eq!(event.dst_ip, ip("2001:db8::2"));
        assert_eq!(event.proto.as_deref(), Some("ipv6-icmp"));
        assert_eq!(event.extra("direction"), Some("outbound"));
        assert_eq!(event.extra("hoplimit"), Some("64"));
        assert_eq!(event.extra("flowlbl"), Some("868225"));
        assert_eq!(event.extra("mark"), Some("0xd4"));
        assert_eq!(event.extra("icmp_type"), Some("128"));
    }

    #[test]
    fn numeric_proto_and_bridge_ports() {
        let event = parsed(
            "IN=br0 OUT=br0 PHYSIN=eth1 PHYSOUT=eth2 SRC=192.0.2.1 DST=192.0.2.2 LEN=120 \
             PROTO=41",
        );
        assert_eq!(event.proto.as_deref(), Some("41"));
        assert_eq!(event.extra("physin"), Some("eth1"));
        assert_eq!(event.extra("physout"), Some("eth2"));
    }

    #[test]
    fn headerless_kernel_stamp_is_not_part_of_the_prefix() {
        let event = parsed(
            "kernel: [  307.757925] [UFW AUDIT] IN=eth0 OUT= SRC=192.0.2.1 DST=192.0.2.2 PROTO=2",
        );
        assert_eq!(event.extra("prefix"), Some("[UFW AUDIT]"));
        assert_eq!(event.action, Some(Action::Audit));
    }

    #[test]
    fn not_netfilter_lines_return_none() {
        assert!(parse("XX=enp1s0 OUT= SRC=195.54.160.107 DST=51.15.166.67 PROTO=TCP").is_none());
        assert!(
            parse("IN=eth0 SRC=192.0.2.1 DST=192.0.2.2").is_none(),
            "no OUT="
        );
        assert!(parse("Accepted password for root from 192.0.2.1 port 22 ssh2").is_none());
        assert!(parse("PHYSIN=eth0 OUT= SRC=192.0.2.1").is_none());
        assert!(parse("").is_none());
        let event = parsed("note IN=x y IN=eth0 OUT= SRC=192.0.2.1 DST=192.0.2.2");
        assert_eq!(event.extra("prefix"), Some("note IN=x y"));
    }

    #[test]
    fn bad_values_are_errors_and_leave_the_event_alone() {
        let mut event = Event::new(Location { file: 0, line: 1 }, EventFormat::Sshd);
        let result = parse_message("IN=eth0 OUT= SRC=192.0.2.999 DST=192.0.2.2", &mut event);
        assert_eq!(result, Some(Err("SRC= is not an IP address".into())));
        assert_eq!(event.format, EventFormat::Sshd);
        assert!(event.extra.is_empty());

        let result = parse("IN=eth0 OUT= SRC=192.0.2.1 DST=192.0.2.2 PROTO=TCP DPT=70000");
        assert_eq!(result, Some(Err("DPT= is not a port number".into())));
    }

    #[test]
    fn dotted_interface_names_are_interfaces() {
        let event = parsed("IN=enp.1s0 OUT= SRC=195.54.160.107 DST=51.15.166.67 PROTO=TCP");
        assert_eq!(event.extra("in_iface"), Some("enp.1s0"));
    }

    #[test]
    fn every_cut_of_a_line_is_read_without_panic() {
        let line = "kernel: [ 5.1] [UFW BLOCK]IN=eth0 OUT= MAC=aa:bb SRC=192.0.2.1 DST=fe80::1 \
                    LEN=68 PROTO=ICMP TYPE=3 CODE=3 [SRC=192.0.2.10 DST=198.51.100.99 LEN=40 \
                    PROTO=UDP SPT=53 DPT=41234 ] OPT (0204) \u{e9}=\u{fc}";
        for (cut, _) in line.char_indices() {
            let _ = parse(&line[..cut]);
            let _ = parse(&line[cut..]);
        }
    }
}
