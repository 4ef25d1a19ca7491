//! What the fields of each Zeek log type mean for the normalized [`Event`].
//!
//! Shared by the TSV and JSON readers: both hand over a [`Record`] whose names are in dotted
//! form. Mapped fields are taken out of the record; the rest (including `uid`) go to `extra`
//! under their Zeek names. A value that should be a number or an address and is not is kept in
//! `extra` as written rather than dropped.

use std::net::IpAddr;
use std::str::FromStr;

use compact_str::CompactString;
use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::{LogType, Record, Value};
use crate::engine::event::{Action, Event, Location, Outcome};
use crate::engine::ingest::address::{Peer, parse_peer};
use crate::engine::ingest::time::{parse_epoch, parse_iso8601};

/// Fields that name the sensor that wrote the line, in order of preference.
const REPORTER_FIELDS: [&str; 3] = ["_node_name", "_system_name", "@system"];

/// Fields that only describe the JSON envelope and are not worth keeping per event.
const ENVELOPE_FIELDS: [&str; 2] = ["_path", "@stream"];

/// Builds the event for one record, or says why the line cannot be one.
pub(super) fn build_event(
    log: LogType,
    path: Option<&str>,
    mut record: Record<'_>,
    time_field: &str,
    location: Location,
    zone: &TimeZone,
) -> Result<Event, &'static str> {
    let mut event = Event::new(location, log.format());
    let mut unreadable = Vec::new();

    if let Some(text) = record.take_text(time_field) {
        event.time = Some(parse_zeek_time(&text, zone).ok_or("bad timestamp")?);
    }
    event.reporter = REPORTER_FIELDS
        .iter()
        .find_map(|name| record.take_string(name));
    for name in ENVELOPE_FIELDS {
        record.take(name);
    }

    let mut fill = Filler {
        record: &mut record,
        unreadable: &mut unreadable,
    };
    fill.endpoints(&mut event);
    event.proto = fill
        .record
        .take_text("proto")
        .map(|p| p.to_ascii_lowercase());
    match log {
        LogType::Conn => fill.conn(&mut event),
        LogType::Dns => {
            event.action = Some(Action::Query);
            event.domain = fill.record.take_string("query");
        }
        LogType::Http => fill.http(&mut event),
        LogType::Ssl => event.domain = fill.record.take_string("server_name"),
        LogType::Ssh => fill.ssh(&mut event),
        LogType::Notice => fill.notice(&mut event),
        LogType::Other => {}
    }

    event.extra = record.into_extra();
    event.extra.append(&mut unreadable);
    if log == LogType::Other
        && let Some(path) = path
    {
        event.push_extra("_path", path);
    }
    Ok(event)
}

/// Reads a Zeek `ts`: epoch seconds (`1521835139.672014`) or ISO 8601 (`json_timestamps`).
pub(super) fn parse_zeek_time(text: &str, zone: &TimeZone) -> Option<Timestamp> {
    if text.len() >= 19 && text.as_bytes().get(4) == Some(&b'-') {
        return parse_iso8601(text, zone).ok();
    }
    if let Ok(time) = parse_epoch(text) {
        return Some(time);
    }
    // Epoch written as a float in exponent form (`1.5e9`) by some JSON writers.
    let seconds: f64 = text.parse().ok()?;
    if !seconds.is_finite() {
        return None;
    }
    Timestamp::from_duration(jiff::SignedDuration::try_from_secs_f64(seconds).ok()?).ok()
}

/// Takes fields out of a record into an event, keeping unreadable values aside for `extra`.
struct Filler<'r, 'a> {
    record: &'r mut Record<'a>,
    unreadable: &'r mut Vec<(CompactString, CompactString)>,
}

impl Filler<'_, '_> {
    /// Takes a field and parses it; a value that does not parse is kept in `extra` as written.
    fn parsed<T: FromStr>(&mut self, name: &str) -> Option<T> {
        let text = self.record.take_text(name)?;
        match text.parse() {
            Ok(value) => Some(value),
            Err(_) => {
                self.unreadable
                    .push((name.into(), CompactString::from(text)));
                None
            }
        }
    }

    /// The value of a field left in the record (for fields that are also kept in `extra`).
    fn peek(&self, name: &str) -> Option<&str> {
        self.record
            .fields
            .iter()
            .find_map(|(field, value)| match value {
                Some(value) if field == name => Value::as_text(value),
                _ => None,
            })
    }

    fn endpoints(&mut self, event: &mut Event) {
        let src = self.record.take_text("id.orig_h");
        let dst = self.record.take_text("id.resp_h");
        if let Some(src) = src {
            set_peer(&src, &mut event.src_ip, &mut event.src_host);
        }
        if let Some(dst) = dst {
            set_peer(&dst, &mut event.dst_ip, &mut event.dst_host);
        }
        event.src_port = self.parsed("id.orig_p");
        event.dst_port = self.parsed("id.resp_p");
    }

    fn conn(&mut self, event: &mut Event) {
        event.action = Some(Action::Connection);
        event.process = self.record.take_string("service");
        event.duration_secs = self.parsed("duration");
        event.bytes_out = self.parsed("orig_bytes");
        event.bytes_in = self.parsed("resp_bytes");
    }

    fn http(&mut self, event: &mut Event) {
        event.action = Some(Action::Request);
        event.domain = self.record.take_string("host");
        event.url = self.record.take_string("uri");
        event.http_method = self.record.take_string("method");
        event.http_status = self.parsed("status_code");
        event.user_agent = self.record.take_string("user_agent");
        event.user = self.record.take_string("username");
        event.bytes_out = self.parsed("request_body_len");
        event.bytes_in = self.parsed("response_body_len");
    }

    fn ssh(&mut self, event: &mut Event) {
        let attempts = self
            .peek("auth_attempts")
            .and_then(|text| text.parse::<u64>().ok());
        event.action = Some(match attempts {
            Some(attempts) if attempts > 0 => Action::Login,
            _ => Action::Handshake,
        });
        event.outcome = match self.peek("auth_success").and_then(parse_bool) {
            Some(true) => Some(Outcome::Success),
            Some(false) => Some(Outcome::Failure),
            None => None,
        };
    }

    fn notice(&mut self, event: &mut Event) {
        event.action = Some(Action::Alert);
        event.signature = self.record.take_string("note");
        event.message = self.record.take_string("msg");
        if event.src_ip.is_none()
            && event.src_host.is_none()
            && let Some(src) = self.record.take_text("src")
        {
            set_peer(&src, &mut event.src_ip, &mut event.src_host);
        }
        if event.dst_ip.is_none() && event.dst_host.is_none() {
            if let Some(dst) = self.record.take_text("dst") {
                set_peer(&dst, &mut event.dst_ip, &mut event.dst_host);
            }
            if event.dst_port.is_none() {
                event.dst_port = self.parsed("p");
            }
        }
    }
}

fn set_peer(text: &str, ip: &mut Option<IpAddr>, host: &mut Option<String>) {
    match parse_peer(text) {
        Peer::Ip(address) => *ip = Some(address),
        Peer::Host(name) => *host = Some(name),
    }
}

/// Zeek TSV writes `T`/`F`; JSON `true`/`false` (normalized to that text by the readers).
pub(super) fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "T" | "true" => Some(true),
        "F" | "false" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn location() -> Location {
        Location { file: 0, line: 9 }
    }

    fn record_of(pairs: &[(&'static str, &str)]) -> Record<'static> {
        let mut record = Record::default();
        for (name, value) in pairs {
            record.push(*name, Value::Text((*value).to_owned()));
        }
        record
    }

    #[test]
    fn conn_fields_fill_the_event_and_the_rest_is_extra() {
        let record = record_of(&[
            ("ts", "1517336042.279652"),
            ("uid", "CVvreZ2AGtqjnP3nnl"),
            ("id.orig_h", "192.168.88.2"),
            ("id.orig_p", "55638"),
            ("id.resp_h", "165.227.88.15"),
            ("id.resp_p", "53"),
            ("proto", "UDP"),
            ("service", "dns,ssl"),
            ("duration", "0.069982"),
            ("orig_bytes", "18446744073709551615"),
            ("resp_bytes", "81"),
            ("conn_state", "SF"),
        ]);
        let event = build_event(
            LogType::Conn,
            Some("conn"),
            record,
            "ts",
            location(),
            &TimeZone::UTC,
        )
        .unwrap();
        assert_eq!(
            event.time,
            Some("2018-01-30T18:14:02.279652Z".parse().unwrap())
        );
        assert_eq!(event.src_ip, Some("192.168.88.2".parse().unwrap()));
        assert_eq!(event.dst_port, Some(53));
        assert_eq!(event.proto.as_deref(), Some("udp"));
        assert_eq!(event.process.as_deref(), Some("dns,ssl"));
        assert_eq!(event.bytes_out, Some(u64::MAX));
        assert_eq!(event.bytes_in, Some(81));
        assert_eq!(event.duration_secs, Some(0.069982));
        assert_eq!(event.extra("uid"), Some("CVvreZ2AGtqjnP3nnl"));
        assert_eq!(event.extra("conn_state"), Some("SF"));
        assert_eq!(event.extra("orig_bytes"), None);
    }

    #[test]
    fn unreadable_numbers_are_kept_as_written() {
        let record = record_of(&[("id.orig_p", "port80"), ("orig_bytes", "-5")]);
        let event = build_event(
            LogType::Conn,
            None,
            record,
            "ts",
            location(),
            &TimeZone::UTC,
        )
        .unwrap();
        assert_eq!(event.src_port, None);
        assert_eq!(event.extra("id.orig_p"), Some("port80"));
        assert_eq!(event.extra("orig_bytes"), Some("-5"));
    }

    #[test]
    fn ssh_attempts_and_success_give_login_outcome() {
        let record = record_of(&[("auth_attempts", "2"), ("auth_success", "F")]);
        let event =
            build_event(LogType::Ssh, None, record, "ts", location(), &TimeZone::UTC).unwrap();
        assert_eq!(event.action, Some(Action::Login));
        assert_eq!(event.outcome, Some(Outcome::Failure));
        assert_eq!(event.extra("auth_attempts"), Some("2"));

        let record = record_of(&[("auth_attempts", "0")]);
        let event =
            build_event(LogType::Ssh, None, record, "ts", location(), &TimeZone::UTC).unwrap();
        assert_eq!(event.action, Some(Action::Handshake));
        assert_eq!(event.outcome, None);
    }

    #[test]
    fn notice_takes_src_and_dst_fields_when_no_connection() {
        let record = record_of(&[
            ("note", "Scan::Port_Scan"),
            ("msg", "10.0.0.9 scanned 20 ports"),
            ("src", "10.0.0.9"),
            ("dst", "10.0.0.1"),
            ("p", "22"),
        ]);
        let event = build_event(
            LogType::Notice,
            None,
            record,
            "ts",
            location(),
            &TimeZone::UTC,
        )
        .unwrap();
        assert_eq!(event.signature.as_deref(), Some("Scan::Port_Scan"));
        assert_eq!(event.message.as_deref(), Some("10.0.0.9 scanned 20 ports"));
        assert_eq!(event.src_ip, Some("10.0.0.9".parse().unwrap()));
        assert_eq!(event.dst_ip, Some("10.0.0.1".parse().unwrap()));
        assert_eq!(event.dst_port, Some(22));
    }

    #[test]
    fn zeek_time_forms() {
        let expected: Timestamp = "2019-03-01T21:16:50.62966Z".parse().unwrap();
        for text in ["1551475010.629660", "2019-03-01T21:16:50.629660Z"] {
            assert_eq!(
                parse_zeek_time(text, &TimeZone::UTC),
                Some(expected),
                "{text}"
            );
        }
        assert_eq!(
            parse_zeek_time(super::super::ZEEK_PLACEHOLDER_TIME, &TimeZone::UTC),
            None
        );
    }
}
