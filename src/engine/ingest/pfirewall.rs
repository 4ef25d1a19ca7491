//! Windows Defender Firewall `pfirewall.log`, read through its W3C `#Fields:` header.
//!
//! The columns come from the `#Fields:` line, never from fixed positions, so builds that add a
//! column (newer ones append `pid`) read the same way; a second `#Fields:` line mid-file takes
//! over from there. Other `#` lines (`#Version`, `#Software`, `#Time Format`) are skipped.
//! Rows seen before any `#Fields:` line are read with [`DEFAULT_FIELDS`], the list Windows writes
//! in the header of every pfirewall.log it creates.
//!
//! Times are local with no zone and are read in [`ParseContext::zone`]. `-` means unset.
//! `src-ip`/`dst-ip` are kept as written: for `SEND` rows the local host is the source, for
//! `RECEIVE` rows the remote one is; `path` is kept in extra so rules can tell them apart.

use std::borrow::Cow;

use crate::engine::event::{Action, Event, EventFormat, Location};
use crate::engine::ingest::address::{Peer, parse_peer};
use crate::engine::ingest::reader::Line;
use crate::engine::ingest::time::parse_iso8601;
use crate::engine::ingest::{LineParser, LineVerdict, ParseContext};

/// The `#Fields:` list Windows writes (Windows XP SP2 through Windows 11 before `pid`), used
/// for rows that come before any `#Fields:` line.
pub const DEFAULT_FIELDS: &str = "date time action protocol src-ip dst-ip src-port dst-port size \
                                  tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path";

/// What a column holds, decided once from its `#Fields:` name.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Column {
    Date,
    Time,
    Action,
    Protocol,
    SrcIp,
    DstIp,
    SrcPort,
    DstPort,
    /// Any other column, kept in extra under its own name (`size`, `path`, `pid`...).
    Other(String),
}

impl Column {
    fn from_name(name: &str) -> Self {
        match name {
            "date" => Self::Date,
            "time" => Self::Time,
            "action" => Self::Action,
            "protocol" => Self::Protocol,
            "src-ip" => Self::SrcIp,
            "dst-ip" => Self::DstIp,
            "src-port" => Self::SrcPort,
            "dst-port" => Self::DstPort,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// Reads pfirewall.log lines.
#[derive(Debug)]
pub struct PfirewallParser {
    context: ParseContext,
    columns: Vec<Column>,
}

impl PfirewallParser {
    /// A parser for one file.
    pub fn new(context: ParseContext) -> Self {
        Self {
            context,
            columns: columns_from(DEFAULT_FIELDS),
        }
    }

    fn read_row(&self, number: u64, text: &str) -> Result<Event, Cow<'static, str>> {
        let values: Vec<&str> = text.split_ascii_whitespace().collect();
        if values.len() != self.columns.len() {
            return Err("column count differs from the #Fields header".into());
        }
        let location = Location {
            file: self.context.file,
            line: number,
        };
        let mut event = Event::new(location, EventFormat::WindowsFirewall);
        let mut date = None;
        let mut time = None;

        for (column, value) in self.columns.iter().zip(values) {
            if value == "-" {
                continue;
            }
            match column {
                Column::Date => date = Some(value),
                Column::Time => time = Some(value),
                Column::Action => set_action(&mut event, value),
                Column::Protocol => event.proto = Some(super::event_protocol_name(value)),
                Column::SrcIp => set_peer(value, &mut event.src_ip, &mut event.src_host),
                Column::DstIp => set_peer(value, &mut event.dst_ip, &mut event.dst_host),
                Column::SrcPort => event.src_port = Some(port(value)?),
                Column::DstPort => event.dst_port = Some(port(value)?),
                Column::Other(name) => event.push_extra(name.as_str(), value),
            }
        }

        event.time = match (date, time) {
            (Some(date), Some(time)) => Some(
                parse_iso8601(&format!("{date} {time}"), &self.context.zone)
                    .map_err(|_| "bad date or time")?,
            ),
            _ => return Err("row has no date and time".into()),
        };
        if event.action == Some(Action::Audit)
            && let Some(count) = event.extra("info").map(str::to_owned)
        {
            event.push_extra("events_lost", count);
        }
        Ok(event)
    }
}

impl LineParser for PfirewallParser {
    fn parse_line(&mut self, line: &Line<'_>, out: &mut Vec<Event>) -> LineVerdict {
        let text = line.text.trim_start_matches('\u{feff}').trim();
        if let Some(fields) = text.strip_prefix("#Fields:") {
            let columns = columns_from(fields);
            if !columns.contains(&Column::Action) {
                return LineVerdict::Error("#Fields header has no action column".into());
            }
            self.columns = columns;
            return LineVerdict::Skipped("header line".into());
        }
        if text.starts_with('#') {
            return LineVerdict::Skipped("header line".into());
        }

        match self.read_row(line.number, text) {
            Ok(event) => {
                out.push(event);
                LineVerdict::Parsed
            }
            Err(reason) => LineVerdict::Error(reason),
        }
    }
}

fn columns_from(fields: &str) -> Vec<Column> {
    fields
        .split_ascii_whitespace()
        .map(Column::from_name)
        .collect()
}

/// `ALLOW` and `DROP` are verdicts; `OPEN`/`CLOSE` (and `OPEN-INBOUND`) record connections;
/// `INFO-EVENTS-LOST` says how many events the log could not keep. The raw value is always kept
/// as extra `pf_action`; an action not listed here leaves [`Event::action`] unset.
fn set_action(event: &mut Event, value: &str) {
    event.action = match value {
        "ALLOW" => Some(Action::Allow),
        "DROP" => Some(Action::Deny),
        "OPEN" | "CLOSE" | "OPEN-INBOUND" => Some(Action::Connection),
        "INFO-EVENTS-LOST" => Some(Action::Audit),
        _ => None,
    };
    event.push_extra("pf_action", value);
}

fn set_peer(value: &str, ip: &mut Option<std::net::IpAddr>, host: &mut Option<String>) {
    match parse_peer(value) {
        Peer::Ip(address) => *ip = Some(address),
        Peer::Host(name) => *host = Some(name),
    }
}

fn port(value: &str) -> Result<u16, Cow<'static, str>> {
    value.parse().map_err(|_| "port is not a number".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ingest::time::YearResolver;
    use jiff::tz::TimeZone;
    use std::net::IpAddr;

    const HEADER: [&str; 4] = [
        "#Version: 1.5",
        "#Software: Microsoft Windows Firewall",
        "#Time Format: Local",
        "#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags \
         tcpsyn tcpack tcpwin icmptype icmpcode info path",
    ];

    fn parser(zone: TimeZone) -> PfirewallParser {
        PfirewallParser::new(ParseContext {
            file: 3,
            years: YearResolver::given(2021),
            zone,
        })
    }

    fn feed(parser: &mut PfirewallParser, text: &str) -> (LineVerdict, Vec<Event>) {
        let line = Line {
            number: 7,
            text: Cow::Borrowed(text),
            raw: text.as_bytes(),
        };
        let mut out = Vec::new();
        let verdict = parser.parse_line(&line, &mut out);
        (verdict, out)
    }

    fn one(parser: &mut PfirewallParser, text: &str) -> Event {
        let (verdict, mut events) = feed(parser, text);
        assert_eq!(verdict, LineVerdict::Parsed, "{text}");
        assert_eq!(events.len(), 1);
        events.remove(0)
    }

    fn with_header() -> PfirewallParser {
        let mut parser = parser(TimeZone::UTC);
        for line in HEADER {
            assert_eq!(
                feed(&mut parser, line).0,
                LineVerdict::Skipped("header line".into())
            );
        }
        parser
    }

    #[test]
    fn drop_receive_row() {
        let mut parser = with_header();
        let event = one(
            &mut parser,
            "2021-06-22 12:19:41 DROP UDP 192.168.178.25 224.0.0.251 5353 5353 73 - - - - - - - \
             RECEIVE",
        );
        assert_eq!(event.location, Location { file: 3, line: 7 });
        assert_eq!(event.format, EventFormat::WindowsFirewall);
        assert_eq!(event.time, Some("2021-06-22T12:19:41Z".parse().unwrap()));
        assert_eq!(event.action, Some(Action::Deny));
        assert_eq!(event.proto.as_deref(), Some("udp"));
        assert_eq!(
            event.src_ip,
            Some("192.168.178.25".parse::<IpAddr>().unwrap())
        );
        assert_eq!(event.dst_ip, Some("224.0.0.251".parse::<IpAddr>().unwrap()));
        assert_eq!((event.src_port, event.dst_port), (Some(5353), Some(5353)));
        assert_eq!(event.extra("size"), Some("73"));
        assert_eq!(event.extra("path"), Some("RECEIVE"));
        assert_eq!(event.extra("pf_action"), Some("DROP"));
        assert_eq!(event.extra("tcpflags"), None, "- is unset");
    }

    #[test]
    fn tcp_and_icmp_columns_are_kept() {
        let mut parser = with_header();
        let tcp = one(
            &mut parser,
            "2005-04-11 08:06:27 DROP TCP 10.0.0.9 10.0.0.1 80 1774 576 AP 123456789 987654321 \
             12345 - - - RECEIVE",
        );
        assert_eq!(tcp.extra("tcpflags"), Some("AP"));
        assert_eq!(tcp.extra("tcpwin"), Some("12345"));
        let icmp = one(
            &mut parser,
            "2005-04-11 08:08:58 DROP ICMP 10.0.0.9 10.0.0.1 - - 78 - - - - 8 0 - RECEIVE",
        );
        assert_eq!((icmp.src_port, icmp.dst_port), (None, None));
        assert_eq!(icmp.extra("icmptype"), Some("8"));
        assert_eq!(icmp.extra("icmpcode"), Some("0"));
    }

    #[test]
    fn open_close_and_events_lost() {
        let mut parser = with_header();
        let open = one(
            &mut parser,
            "2005-04-11 08:05:58 OPEN UDP 10.0.0.9 10.0.0.1 500 500 - - - - - - - - -",
        );
        assert_eq!(open.action, Some(Action::Connection));
        assert_eq!(open.extra("pf_action"), Some("OPEN"));
        assert_eq!(open.extra("path"), None);

        let lost = one(
            &mut parser,
            "2021-06-22 12:48:21 INFO-EVENTS-LOST - - - - - - - - - - - - 7 -",
        );
        assert_eq!(lost.action, Some(Action::Audit));
        assert_eq!(lost.extra("events_lost"), Some("7"));
        assert_eq!((lost.src_ip, lost.proto.as_deref()), (None, None));

        let unknown = one(
            &mut parser,
            "2021-06-22 12:48:22 REDIRECT TCP 10.0.0.9 10.0.0.1 1 2 - - - - - - - - -",
        );
        assert_eq!(
            unknown.action, None,
            "an action we do not know is not guessed"
        );
        assert_eq!(unknown.extra("pf_action"), Some("REDIRECT"));
    }

    #[test]
    fn ipv6_and_numeric_protocol() {
        let mut parser = with_header();
        let event = one(
            &mut parser,
            "2021-06-22 12:19:41 ALLOW 2 fe80::f58b:f19a:db72:872b ff02::16 - - 0 - - - - - - - \
             SEND",
        );
        assert_eq!(event.action, Some(Action::Allow));
        assert_eq!(event.proto.as_deref(), Some("2"));
        assert_eq!(
            event.src_ip,
            Some("fe80::f58b:f19a:db72:872b".parse().unwrap())
        );
        assert_eq!(event.extra("path"), Some("SEND"));
    }

    #[test]
    fn local_time_read_in_the_scan_zone() {
        let zone = TimeZone::fixed(jiff::tz::offset(2));
        let mut parser = parser(zone);
        let event = one(
            &mut parser,
            "2021-06-22 12:19:41 DROP UDP 10.0.0.9 10.0.0.1 1 2 3 - - - - - - - RECEIVE",
        );
        assert_eq!(event.time, Some("2021-06-22T10:19:41Z".parse().unwrap()));
    }

    #[test]
    fn columns_follow_the_header_including_pid() {
        let mut parser = parser(TimeZone::UTC);
        feed(
            &mut parser,
            "#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags \
             tcpsyn tcpack tcpwin icmptype icmpcode info path pid",
        );
        let event = one(
            &mut parser,
            "2023-01-02 03:04:05 ALLOW TCP 10.0.0.2 10.0.0.1 50000 443 0 - - - - - - - SEND 4242",
        );
        assert_eq!(event.extra("pid"), Some("4242"));
        assert_eq!(event.dst_port, Some(443));

        feed(&mut parser, "#Fields: time date dst-ip src-ip action");
        let event = one(&mut parser, "03:04:05 2023-01-02 10.0.0.1 10.0.0.2 DROP");
        assert_eq!(event.src_ip, Some("10.0.0.2".parse::<IpAddr>().unwrap()));
        assert_eq!(event.action, Some(Action::Deny));
    }

    #[test]
    fn rows_before_any_header_use_the_default_fields() {
        let mut parser = parser(TimeZone::UTC);
        let event = one(
            &mut parser,
            "2021-06-22 12:19:41 DROP UDP 10.0.0.9 10.0.0.1 1 2 3 - - - - - - - RECEIVE",
        );
        assert_eq!(event.action, Some(Action::Deny));
    }

    #[test]
    fn bad_rows_are_errors() {
        let mut parser = with_header();
        let cases = [
            (
                "2021-06-22 12:19:41 DROP UDP",
                "column count differs from the #Fields header",
            ),
            (
                "2021-06-22 12:19:41 DROP UDP 10.0.0.9 10.0.0.1 x 2 3 - - - - - - - RECEIVE",
                "port is not a number",
            ),
            (
                "2021-02-30 12:19:41 DROP UDP 10.0.0.9 10.0.0.1 1 2 3 - - - - - - - RECEIVE",
                "bad date or time",
            ),
            (
                "- - DROP UDP 10.0.0.9 10.0.0.1 1 2 3 - - - - - - - RECEIVE",
                "row has no date and time",
            ),
        ];
        for (text, reason) in cases {
            let (verdict, events) = feed(&mut parser, text);
            assert_eq!(verdict, LineVerdict::Error(reason.into()), "{text}");
            assert!(events.is_empty());
        }
        assert_eq!(
            feed(&mut parser, "#Fields: date time").0,
            LineVerdict::Error("#Fields header has no action column".into())
        );
    }

    #[test]
    fn every_cut_of_a_line_is_read_without_panic() {
        let line = "2021-06-22 12:19:41 DROP UDP fe80::f58b:f19a:db72:872b ff02::fb 5353 5353 93 \
                    - - - - - - - RECEIVE";
        let mut parser = with_header();
        for (cut, _) in line.char_indices() {
            let _ = feed(&mut parser, &line[..cut]);
            let _ = feed(&mut parser, &line[cut..]);
        }
    }
}
