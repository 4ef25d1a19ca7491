//! Apache and nginx access logs: common, combined and vhost-combined.
//!
//! A line is `[vhost[:port]] client ident user [time] "request" status bytes`, optionally
//! followed by `"referer" "user agent"` and more quoted fields (nginx adds
//! `"$http_x_forwarded_for"` and the like). [`AccessLine`] reads the grammar; [`to_event`] maps
//! its pieces onto the event model.
//!
//! Choices for hostile input, so nothing is dropped:
//! - A request that is not `METHOD target [protocol]` (TLS handshakes on port 80, binary
//!   payloads, `"-"`) still makes an event: `http_method` and `url` stay unset and the request
//!   is kept as written in extra `request`.
//! - `\"` and `\\` inside quoted fields are unescaped; `\xNN` escapes are kept as written, since
//!   the bytes they stand for need not be text.
//! - An unterminated last quoted field (a user agent cut off) keeps what is there.

use std::borrow::Cow;

use jiff::Timestamp;
use jiff::tz::{Offset, TimeZone};

use crate::engine::event::{Action, Event, EventFormat, Location};
use crate::engine::ingest::address::{Peer, parse_peer, split_host_port};
use crate::engine::ingest::reader::Line;
use crate::engine::ingest::time::{civil_to_timestamp, month_from_abbrev, parse_clock};
use crate::engine::ingest::{LineParser, LineVerdict, ParseContext};

/// Reads access-log lines.
#[derive(Debug)]
pub struct AccessLogParser {
    context: ParseContext,
}

impl AccessLogParser {
    /// A parser for one file.
    pub fn new(context: ParseContext) -> Self {
        Self { context }
    }
}

impl LineParser for AccessLogParser {
    fn parse_line(&mut self, line: &Line<'_>, out: &mut Vec<Event>) -> LineVerdict {
        let text = line.text.trim_start_matches('\u{feff}').trim_end();
        if text.starts_with('#') {
            return LineVerdict::Skipped("comment line".into());
        }

        let parsed = match AccessLine::parse(text, &self.context.zone) {
            Ok(parsed) => parsed,
            Err(reason) => return LineVerdict::Error(Cow::Borrowed(reason)),
        };
        let location = Location {
            file: self.context.file,
            line: line.number,
        };
        out.push(to_event(parsed, location));
        LineVerdict::Parsed
    }
}

/// True when `line` looks like an access-log line; used to recognize files.
pub fn looks_like(line: &str) -> bool {
    looks_like_line(line)
}

fn to_event(line: AccessLine<'_>, location: Location) -> Event {
    let mut event = Event::new(location, EventFormat::WebAccess);
    event.time = Some(line.time);
    event.action = Some(Action::Request);

    match parse_peer(line.client) {
        Peer::Ip(ip) => event.src_ip = Some(ip),
        Peer::Host(name) => event.src_host = Some(name),
    }
    if let Some(vhost) = line.vhost {
        set_vhost(&mut event, vhost);
    }
    event.user = unset_dash(line.user).map(str::to_owned);
    if let Some(ident) = unset_dash(line.ident) {
        event.push_extra("ident", ident);
    }

    let request = line.request.as_ref();
    match split_request(request) {
        Some(parts) => {
            event.http_method = Some(parts.method.to_owned());
            event.url = Some(parts.target.to_owned());
            if let Some(protocol) = parts.protocol {
                event.push_extra("protocol", protocol);
            }
        }
        None if request == "-" || request.is_empty() => {}
        None => event.push_extra("request", request),
    }
    event.message = unset_dash(request).map(str::to_owned);
    event.http_status = Some(line.status);
    event.bytes_in = line.bytes;

    let mut quoted = line.quoted.into_iter();
    if let Some(referer) = quoted.next().filter(|value| value != "-") {
        event.push_extra("referer", referer);
    }
    event.user_agent = quoted
        .next()
        .filter(|value| value != "-" && !value.is_empty());
    for (index, value) in quoted.enumerate() {
        if value != "-" {
            event.push_extra(format!("quoted_field_{}", index + 3), value);
        }
    }
    if line.cut_short {
        event.push_extra("unterminated_quote", "true");
    }
    if !line.trailing.is_empty() {
        event.push_extra("trailing", line.trailing);
    }
    event
}

/// `vhost:port` from `%v:%p`: the served name (or address) and the server's port.
fn set_vhost(event: &mut Event, vhost: &str) {
    let (host, port) = match split_host_port(vhost) {
        Some((host, port)) => (host, Some(port)),
        None => (vhost, None),
    };
    match parse_peer(host) {
        Peer::Ip(ip) => event.dst_ip = Some(ip),
        Peer::Host(name) => event.domain = Some(name),
    }
    event.dst_port = port;
}

fn unset_dash(value: &str) -> Option<&str> {
    (value != "-" && !value.is_empty()).then_some(value)
}

/// The pieces of one access-log line, as written.
#[derive(Debug)]
struct AccessLine<'a> {
    vhost: Option<&'a str>,
    client: &'a str,
    ident: &'a str,
    user: &'a str,
    time: Timestamp,
    /// The request line with `\"` and `\\` unescaped.
    request: Cow<'a, str>,
    status: u16,
    /// Response body bytes; `None` for `-`.
    bytes: Option<u64>,
    /// Quoted fields after the byte count: referer, user agent, then any others.
    quoted: Vec<String>,
    /// The last quoted field had no closing quote.
    cut_short: bool,
    /// Unquoted text after the quoted fields (nginx `$request_time` and the like).
    trailing: &'a str,
}

impl<'a> AccessLine<'a> {
    /// Reads a line; the error is a short fixed reason.
    fn parse(text: &'a str, zone: &TimeZone) -> Result<Self, &'static str> {
        let (head, after_open) = text.split_once('[').ok_or("not an access-log line")?;
        let head: Vec<&str> = head.split_ascii_whitespace().collect();
        let (vhost, client, ident, user) = match head.as_slice() {
            [client, ident, user] => (None, *client, *ident, *user),
            [vhost, client, ident, user] => (Some(*vhost), *client, *ident, *user),
            _ => return Err("not an access-log line"),
        };

        let (stamp, after_time) = after_open.split_once(']').ok_or("bad timestamp")?;
        let time = parse_access_time(stamp, zone).ok_or("bad timestamp")?;
        let after_quote = after_time
            .trim_start()
            .strip_prefix('"')
            .ok_or("no quoted request")?;
        let request_end = find_request_end(after_quote).ok_or("request not followed by status")?;
        let request = unescape(after_quote.get(..request_end).unwrap_or_default());

        let after_request = after_quote.get(request_end + 1..).unwrap_or_default();
        let mut fields = after_request.trim_start().splitn(3, ' ');
        let status = fields
            .next()
            .and_then(|status| status.parse().ok())
            .ok_or("bad status")?;
        let bytes = match fields.next() {
            Some("-") => None,
            Some(bytes) => Some(bytes.parse().map_err(|_| "bad byte count")?),
            None => return Err("no byte count"),
        };

        let mut line = Self {
            vhost,
            client,
            ident,
            user,
            time,
            request,
            status,
            bytes,
            quoted: Vec::new(),
            cut_short: false,
            trailing: "",
        };
        line.read_quoted_fields(fields.next().unwrap_or_default());
        Ok(line)
    }

    /// Reads `"a" "b" ...` until the end of the line or the first unquoted token.
    fn read_quoted_fields(&mut self, mut rest: &'a str) {
        loop {
            rest = rest.trim_start();
            let Some(inside) = rest.strip_prefix('"') else {
                self.trailing = rest;
                return;
            };
            match find_field_end(inside) {
                Some(end) => {
                    self.quoted
                        .push(unescape(inside.get(..end).unwrap_or_default()).into_owned());
                    rest = inside.get(end + 1..).unwrap_or_default();
                }
                None => {
                    self.quoted.push(unescape(inside).into_owned());
                    self.cut_short = true;
                    return;
                }
            }
        }
    }
}

/// Where the quoted request ends: the first unescaped `"` followed by a space and a three-digit
/// status. Other quotes are part of the request (scanners send `alert("x")` unescaped).
fn find_request_end(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        match byte {
            b'\\' => index += 2,
            b'"' if is_status_next(bytes.get(index + 1..).unwrap_or_default()) => {
                return Some(index);
            }
            _ => index += 1,
        }
    }
    None
}

/// ` NNN` then a space or the end.
fn is_status_next(bytes: &[u8]) -> bool {
    match bytes {
        [b' ', a, b, c, rest @ ..] => {
            a.is_ascii_digit()
                && b.is_ascii_digit()
                && c.is_ascii_digit()
                && matches!(rest.first(), None | Some(b' '))
        }
        _ => false,
    }
}

/// Where a quoted field ends: the first unescaped `"` followed by a space or the end of line.
fn find_field_end(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        match byte {
            b'\\' => index += 2,
            b'"' if matches!(bytes.get(index + 1), None | Some(b' ')) => return Some(index),
            _ => index += 1,
        }
    }
    None
}

/// Undoes `\"` and `\\`; every other escape (`\xNN`, `\t`) stays as written.
fn unescape(text: &str) -> Cow<'_, str> {
    if !text.contains("\\\"") && !text.contains("\\\\") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(next @ ('"' | '\\')) => out.push(next),
                Some(next) => {
                    out.push('\\');
                    out.push(next);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `10/Oct/2000:13:55:36 -0700`; without an offset the time is read in `zone`.
fn parse_access_time(stamp: &str, zone: &TimeZone) -> Option<Timestamp> {
    let (date_time, offset) = match stamp.trim().split_once(' ') {
        Some((date_time, offset)) => (date_time, Some(offset.trim())),
        None => (stamp.trim(), None),
    };
    let (date, clock) = date_time.split_once(':')?;
    let mut date = date.split('/');
    let day: i8 = date.next()?.parse().ok()?;
    let month = month_from_abbrev(date.next()?)?;
    let year: i16 = date.next()?.parse().ok()?;
    let clock = parse_clock(clock)?;

    let zone = match offset {
        Some(offset) => TimeZone::fixed(parse_offset(offset)?),
        None => zone.clone(),
    };
    civil_to_timestamp(&zone, (year, month, day), clock).ok()
}

/// `+HHMM` or `-HHMM`.
fn parse_offset(text: &str) -> Option<Offset> {
    let (sign, digits) = match text.as_bytes().first()? {
        b'+' => (1, text.get(1..)?),
        b'-' => (-1, text.get(1..)?),
        _ => return None,
    };
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits.get(..2)?.parse().ok()?;
    let minutes: i32 = digits.get(2..)?.parse().ok()?;
    Offset::from_seconds(sign * (hours * 3600 + minutes * 60)).ok()
}

/// The parts of a well-formed request line.
#[derive(Debug, PartialEq, Eq)]
struct RequestParts<'a> {
    method: &'a str,
    target: &'a str,
    protocol: Option<&'a str>,
}

/// `METHOD target [HTTP/x]`. `None` for anything else (TLS bytes, `-`, an empty request).
/// A target with spaces in it is kept whole.
fn split_request(request: &str) -> Option<RequestParts<'_>> {
    let (method, rest) = request.split_once(' ')?;
    let is_method = !method.is_empty()
        && method.len() <= 24
        && method
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b == b'-' || b == b'_');
    if !is_method {
        return None;
    }
    let (target, protocol) = match rest.rsplit_once(' ') {
        Some((target, protocol)) if protocol.starts_with("HTTP/") => (target, Some(protocol)),
        _ => (rest, None),
    };
    let target = target.trim();
    (!target.is_empty()).then_some(RequestParts {
        method,
        target,
        protocol,
    })
}

/// Cheap shape check: 3 or 4 fields, then `[dd/Mon/yyyy:` and a quoted request.
fn looks_like_line(line: &str) -> bool {
    let Some((head, rest)) = line.split_once('[') else {
        return false;
    };
    let fields = head.split_ascii_whitespace().count();
    let date = rest.as_bytes();
    let date_shape = date.len() > 12
        && date.get(2) == Some(&b'/')
        && date.get(6) == Some(&b'/')
        && date.get(11) == Some(&b':')
        && date
            .get(..2)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
        && date
            .get(7..11)
            .is_some_and(|y| y.iter().all(u8::is_ascii_digit));
    (3..=4).contains(&fields) && date_shape && rest.contains("] \"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ingest::time::YearResolver;
    use std::net::IpAddr;

    fn feed(text: &str) -> (LineVerdict, Vec<Event>) {
        let mut parser = AccessLogParser::new(ParseContext {
            file: 1,
            years: YearResolver::given(2020),
            zone: TimeZone::UTC,
        });
        let line = Line {
            number: 4,
            text: Cow::Borrowed(text),
            raw: text.as_bytes(),
        };
        let mut out = Vec::new();
        let verdict = parser.parse_line(&line, &mut out);
        (verdict, out)
    }

    fn one(text: &str) -> Event {
        let (verdict, mut events) = feed(text);
        assert_eq!(verdict, LineVerdict::Parsed, "{text}");
        assert_eq!(events.len(), 1);
        events.remove(0)
    }

    fn utc(text: &str) -> Option<Timestamp> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn combined_line() {
        let event = one(
            "198.51.100.7 - alice [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" \
             200 2326 \"http://www.example.com/start.html\" \"Mozilla/4.08 [en] (Win98; I ;Nav)\"",
        );
        assert_eq!(event.location, Location { file: 1, line: 4 });
        assert_eq!(event.format, EventFormat::WebAccess);
        assert_eq!(event.action, Some(Action::Request));
        assert_eq!(event.time, utc("2000-10-10T20:55:36Z"));
        assert_eq!(
            event.src_ip,
            Some("198.51.100.7".parse::<IpAddr>().unwrap())
        );
        assert_eq!(event.user.as_deref(), Some("alice"));
        assert_eq!(event.http_method.as_deref(), Some("GET"));
        assert_eq!(event.url.as_deref(), Some("/apache_pb.gif"));
        assert_eq!(event.extra("protocol"), Some("HTTP/1.0"));
        assert_eq!(event.http_status, Some(200));
        assert_eq!(event.bytes_in, Some(2326));
        assert_eq!(
            event.extra("referer"),
            Some("http://www.example.com/start.html")
        );
        assert_eq!(
            event.user_agent.as_deref(),
            Some("Mozilla/4.08 [en] (Win98; I ;Nav)")
        );
        assert_eq!(
            event.message.as_deref(),
            Some("GET /apache_pb.gif HTTP/1.0")
        );
        assert_eq!(event.extra("ident"), None);
    }

    #[test]
    fn common_line_with_dash_bytes_and_host_name() {
        let event =
            one("client.example.net - - [01/Jan/2021:00:00:00 +0000] \"HEAD / HTTP/1.1\" 304 -");
        assert_eq!(event.src_ip, None);
        assert_eq!(event.src_host.as_deref(), Some("client.example.net"));
        assert_eq!(event.user, None);
        assert_eq!(event.bytes_in, None);
        assert_eq!(event.http_status, Some(304));
        assert_eq!(event.user_agent, None);
    }

    #[test]
    fn vhost_prefix_sets_domain_and_server_port() {
        let event = one(
            "www.example.org:443 192.0.2.10 - - [13/Jan/2018:19:31:17 +0000] \"GET /x HTTP/1.1\" \
             200 1063 \"-\" \"curl/8.0\"",
        );
        assert_eq!(event.domain.as_deref(), Some("www.example.org"));
        assert_eq!(event.dst_port, Some(443));
        assert_eq!(event.src_ip, Some("192.0.2.10".parse::<IpAddr>().unwrap()));
        assert_eq!(event.extra("referer"), None);
    }

    #[test]
    fn nginx_extra_quoted_fields() {
        let event = one(
            "203.0.113.5 - - [20/Jan/2015:19:53:28 +0100] \"GET //pma/scripts/setup.php \
             HTTP/1.1\" 404 47 \"-\" \"-\" \"198.51.100.1\" 0.002",
        );
        assert_eq!(event.time, utc("2015-01-20T18:53:28Z"));
        assert_eq!(event.user_agent, None);
        assert_eq!(event.extra("quoted_field_3"), Some("198.51.100.1"));
        assert_eq!(event.extra("trailing"), Some("0.002"));
    }

    #[test]
    fn escaped_and_unescaped_quotes_in_the_request() {
        let event = one(
            "192.0.2.1 - - [25/Apr/2021:06:15:33 +0000] \"GET /a?t=<script>alert(\"x\")</script> \
             HTTP/1.0\" 404 1164",
        );
        assert_eq!(
            event.url.as_deref(),
            Some("/a?t=<script>alert(\"x\")</script>")
        );
        assert_eq!(event.http_status, Some(404));

        let event = one(
            "192.0.2.1 - - [25/Apr/2021:06:15:33 +0000] \"GET /q?a=\\\"b\\\" 200 x HTTP/1.1\" \
             200 5 \"-\" \"agent \\\"quoted\\\" \\x41\"",
        );
        assert_eq!(event.url.as_deref(), Some("/q?a=\"b\" 200 x"));
        assert_eq!(event.user_agent.as_deref(), Some("agent \"quoted\" \\x41"));
    }

    #[test]
    fn tls_handshake_and_dash_requests_keep_the_line() {
        let event =
            one("192.0.2.9 - - [28/Apr/2022:02:12:29 +0000] \"\\x16\\x03\\x01\" 400 0 \"-\" \"-\"");
        assert_eq!(event.http_method, None);
        assert_eq!(event.url, None);
        assert_eq!(event.extra("request"), Some("\\x16\\x03\\x01"));
        assert_eq!(event.http_status, Some(400));

        let event = one("192.0.2.9 - - [28/Apr/2022:03:11:08 +0000] \"-\" 408 0 \"-\" \"-\"");
        assert_eq!(
            (event.http_method.as_deref(), event.extra("request")),
            (None, None)
        );
        assert_eq!(event.message, None);
    }

    #[test]
    fn unterminated_user_agent_keeps_what_is_there() {
        let event = one(
            "192.0.2.3 - - [20/May/2015:12:05:17 +0000] \"GET /robots.txt HTTP/1.1\" 200 235 \
             \"-\" \"Mozilla/5.0 (compatible; ExampleBot/1.0; +http://bot.example",
        );
        assert_eq!(
            event.user_agent.as_deref(),
            Some("Mozilla/5.0 (compatible; ExampleBot/1.0; +http://bot.example")
        );
        assert_eq!(event.extra("unterminated_quote"), Some("true"));
        assert_eq!(event.url.as_deref(), Some("/robots.txt"));
    }

    #[test]
    fn request_without_protocol_and_long_uri() {
        let long = format!("/{}", "A".repeat(9000));
        let event = one(&format!(
            "192.0.2.4 - - [01/Feb/2020:10:00:00 +0530] \"GET {long}\" 414 0"
        ));
        assert_eq!(event.url.as_deref(), Some(long.as_str()));
        assert_eq!(event.extra("protocol"), None);
        assert_eq!(event.time, utc("2020-02-01T04:30:00Z"));
    }

    #[test]
    fn comments_and_broken_lines() {
        assert_eq!(
            feed("# failJSON: { \"match\": true }").0,
            LineVerdict::Skipped("comment line".into())
        );
        let cases = [
            (
                "2015/01/21 10:56:10 [error] 2833#0: *16336 open() failed",
                "not an access-log line",
            ),
            (
                "192.0.2.1 - - [32/Jan/2021:00:00:00 +0000] \"GET / HTTP/1.1\" 200 1",
                "bad timestamp",
            ),
            (
                "192.0.2.1 - - [01/Jan/2021:00:00:00 +0000] GET / 200 1",
                "no quoted request",
            ),
            (
                "192.0.2.1 - - [01/Jan/2021:00:00:00 +0000] \"GET / HTTP/1.1",
                "request not followed by status",
            ),
            (
                "192.0.2.1 - - [01/Jan/2021:00:00:00 +0000] \"GET / HTTP/1.1\" 200 many",
                "bad byte count",
            ),
        ];
        for (text, reason) in cases {
            let (verdict, events) = feed(text);
            assert_eq!(verdict, LineVerdict::Error(reason.into()), "{text}");
            assert!(events.is_empty());
        }
    }

    #[test]
    fn looks_like_accepts_access_lines_only() {
        assert!(looks_like(
            "192.0.2.1 - - [01/Jan/2021:00:00:00 +0000] \"GET / HTTP/1.1\" 200 1"
        ));
        assert!(looks_like(
            "vh:80 192.0.2.1 - - [01/Jan/2021:00:00:00 +0000] \"GET / HTTP/1.1\" 200 1"
        ));
        assert!(!looks_like(
            "Jan 22 09:05:05 host kernel: [16571.459614] IN= OUT=lo SRC=::1 DST=::1"
        ));
        assert!(!looks_like(
            "[Tue Jul 22 06:48:30 2008] [error] [client 192.0.2.86] x"
        ));
        assert!(!looks_like("#Fields: date time"));
    }

    #[test]
    fn every_cut_of_a_line_is_read_without_panic() {
        let line = "vh.example:443 192.0.2.1 - u\u{e9} [10/Oct/2000:13:55:36 -0700] \"GET /a\\\"b \
                    HTTP/1.1\" 200 12 \"r\u{fc}f\" \"ua \\\"x\\\"\" \"-\" 0.1";
        for (cut, _) in line.char_indices() {
            let _ = feed(&line[..cut]);
            let _ = looks_like(&line[..cut]);
        }
    }
}
