//! Reading the syslog header of one line: time, reporting host and program tag.
//!
//! Accepted framings, tried in this order:
//! - an optional `<PRI>` in front of anything below;
//! - RFC 5424: `1 ISO8601 host app procid msgid SD msg` (each of the first five may be `-`);
//! - ISO 8601 at line start, then an optional severity word (ChromeOS), then host and tag;
//! - RFC 3164 / BSD: `Mmm dd HH:MM:SS[.frac]`, then host and tag; the host may be missing;
//! - systemd journal short form without a time: `host prog[pid]: msg`.
//!
//! Between the time and the host, BSD `syslogd -v/-vv` writes `<4.6>` or `<auth.info>`; some
//! templates put a bare `auth.info` between host and tag. Both are kept as extra `facility` and
//! skipped. The program tag is `name[pid]:`, `name:`, `[name]:`, `[name]` or `name[pid]` without
//! a colon (socketfilterfw writes `socketfilterfw[87] <Info>: ...`); names may hold spaces
//! (`Microsoft Word[14463]:`) and paths (`/sbin/anacron[1234]:`).

use std::borrow::Cow;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::engine::ingest::time::{YearResolver, month_from_abbrev, parse_bsd, parse_iso8601};

/// Longest program name accepted in a tag.
const MAX_PROGRAM_CHARS: usize = 64;

/// The parts of a framed line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame<'a> {
    /// When the line was written; `None` for the journal short form, which has no time.
    pub time: Option<Timestamp>,
    /// The host that wrote the line.
    pub host: Option<&'a str>,
    /// The program tag as written (`sshd`, `sshd(pam_unix)`, `/sbin/anacron`).
    pub program: Option<&'a str>,
    /// The process id from the tag.
    pub pid: Option<&'a str>,
    /// The human part of the line.
    pub message: &'a str,
    /// Header fields that have no place in the event (`facility`, `severity`, `msgid`...).
    pub extra: Vec<(&'static str, &'a str)>,
}

/// What the header of a line says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Header<'a> {
    /// A framed line.
    Framed(Frame<'a>),
    /// syslogd's own `--- last message repeated N times ---` notice.
    Repeated,
    /// No syslog header at all (a bare netfilter line, or a continuation of a message).
    Bare,
}

/// Why a line that starts like a syslog header could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The month of a BSD date is not an English month abbreviation (`MMM 22 07:54:32`).
    #[error("bad month in syslog date")]
    BadMonth,
    /// The date or time could not be read, or is not a real date (Feb 29 of a common year).
    #[error("bad syslog timestamp")]
    BadTime,
    /// An RFC 5424 line cut short or with a broken structured-data part.
    #[error("malformed RFC 5424 header")]
    Malformed5424,
}

impl FrameError {
    /// The short fixed reason for the file report.
    pub fn reason(&self) -> Cow<'static, str> {
        Cow::Owned(self.to_string())
    }
}

/// Reads the header of `line`.
pub fn parse_header<'a>(
    line: &'a str,
    years: &mut YearResolver,
    zone: &TimeZone,
) -> Result<Header<'a>, FrameError> {
    let (priority, text) = strip_priority(line);

    if let Some(rest) = text.strip_prefix("1 ")
        && priority.is_some()
    {
        return parse_rfc5424(rest, zone).map(Header::Framed);
    }

    if starts_with_iso_date(text) {
        let (stamp, rest) = split_iso_stamp(text);
        let time = parse_iso8601(stamp, zone).map_err(|_| FrameError::BadTime)?;
        let (severity, rest) = strip_severity(rest);
        let mut header = after_time(Some(time), rest);
        if let (Header::Framed(frame), Some(word)) = (&mut header, severity) {
            frame.extra.push(("severity", word));
        }
        return Ok(header);
    }

    if let Some((time, rest)) = parse_bsd_prefix(text, years, zone)? {
        return Ok(after_time(Some(time), rest));
    }

    Ok(parse_timeless(text))
}

/// True when `line` starts with a syslog header of any accepted framing.
pub fn has_header(line: &str) -> bool {
    let (priority, text) = strip_priority(line);
    if priority.is_some() {
        return true;
    }
    if starts_with_iso_date(text) {
        return true;
    }
    if bsd_date_shape(text) {
        return true;
    }
    matches!(parse_timeless(text), Header::Framed(_))
}

fn strip_priority(line: &str) -> (Option<&str>, &str) {
    let Some(rest) = line.strip_prefix('<') else {
        return (None, line);
    };
    let Some((digits, after)) = rest.split_once('>') else {
        return (None, line);
    };
    if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return (None, line);
    }
    (Some(digits), after)
}

fn parse_rfc5424<'a>(rest: &'a str, zone: &TimeZone) -> Result<Frame<'a>, FrameError> {
    let (stamp, rest) = split_token(rest);
    let (host, rest) = split_token(rest);
    let (app, rest) = split_token(rest);
    let (procid, rest) = split_token(rest);
    let (msgid, rest) = split_token(rest);
    if msgid.is_empty() {
        return Err(FrameError::Malformed5424);
    }
    let time = match stamp {
        "-" => None,
        _ => Some(parse_iso8601(stamp, zone).map_err(|_| FrameError::BadTime)?),
    };
    let (data, message) = split_structured_data(rest.trim_start_matches(' '))?;

    let dash_is_none = |value: &'a str| (value != "-").then_some(value);
    let mut extra = Vec::new();
    if let Some(msgid) = dash_is_none(msgid) {
        extra.push(("msgid", msgid));
    }
    if let Some(data) = dash_is_none(data) {
        extra.push(("structured_data", data));
    }
    Ok(Frame {
        time,
        host: dash_is_none(host),
        program: dash_is_none(app),
        pid: dash_is_none(procid),
        message: message.trim_start_matches('\u{feff}').trim(),
        extra,
    })
}

/// Splits RFC 5424 structured data (`-` or `[id k="v"]...`) from the message after it.
/// Values are quoted and may hold `]`, escaped or not.
fn split_structured_data(text: &str) -> Result<(&str, &str), FrameError> {
    if let Some(message) = text.strip_prefix('-') {
        return Ok(("-", message));
    }
    if !text.starts_with('[') {
        return Err(FrameError::Malformed5424);
    }
    let mut in_quotes = false;
    let mut escaped = false;
    let mut depth = 0usize;
    for (index, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_quotes => escaped = true,
            '"' => in_quotes = !in_quotes,
            '[' if !in_quotes => depth += 1,
            ']' if !in_quotes => {
                depth = depth.saturating_sub(1);
                let after = &text[index + 1..];
                if depth == 0 && !after.starts_with('[') {
                    return Ok((&text[..=index], after));
                }
            }
            _ => {}
        }
    }
    Err(FrameError::Malformed5424)
}

/// `2024-06-08T12:34:56...`, or `2024-06-08 12:34:56...` as macOS `log show --style syslog`
/// writes it.
fn starts_with_iso_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 19
        && bytes
            .get(..4)
            .is_some_and(|y| y.iter().all(u8::is_ascii_digit))
        && bytes.get(4) == Some(&b'-')
        && bytes.get(7) == Some(&b'-')
        && matches!(bytes.get(10), Some(b'T' | b't' | b' '))
        && bytes.get(13) == Some(&b':')
}

/// Splits the ISO 8601 stamp (one token, or date and time as two) from the rest of the line.
fn split_iso_stamp(text: &str) -> (&str, &str) {
    if text.as_bytes().get(10) != Some(&b' ') {
        return split_token(text);
    }
    let after_date = text.get(11..).unwrap_or_default();
    let end = 11 + after_date.find(' ').unwrap_or(after_date.len());
    (
        text.get(..end).unwrap_or(text),
        text.get(end..).unwrap_or_default(),
    )
}

fn strip_severity(text: &str) -> (Option<&str>, &str) {
    const WORDS: [&str; 11] = [
        "EMERG", "ALERT", "CRIT", "ERR", "ERROR", "WARNING", "WARN", "NOTICE", "INFO", "DEBUG",
        "TRACE",
    ];
    let (word, rest) = split_token(text);
    if WORDS.contains(&word) && !rest.trim().is_empty() {
        (Some(word), rest)
    } else {
        (None, text)
    }
}

/// Shape of a BSD date (`Mmm dd HH:MM`), whether or not the month is a real one.
fn bsd_date_shape(text: &str) -> bool {
    let (month, rest) = split_token(text);
    let (day, rest) = split_token(rest);
    let (clock, _) = split_token(rest);
    month.len() == 3
        && month.bytes().all(|b| b.is_ascii_alphabetic())
        && (1..=2).contains(&day.len())
        && day.bytes().all(|b| b.is_ascii_digit())
        && clock.len() >= 5
        && clock.as_bytes().get(2) == Some(&b':')
}

/// Reads a BSD date at the start of `text`: `Ok(None)` when the line does not start with one.
fn parse_bsd_prefix<'a>(
    text: &'a str,
    years: &mut YearResolver,
    zone: &TimeZone,
) -> Result<Option<(Timestamp, &'a str)>, FrameError> {
    let (month, rest) = split_token(text);
    let (day, rest) = split_token(rest);
    let (clock, rest) = split_token(rest);
    let month_shaped = month.len() == 3 && month.bytes().all(|b| b.is_ascii_alphabetic());
    let day_shaped = (1..=2).contains(&day.len()) && day.bytes().all(|b| b.is_ascii_digit());
    if !month_shaped || !day_shaped {
        return Ok(None);
    }
    if month_from_abbrev(month).is_none() {
        let clock_shaped = clock.as_bytes().get(2) == Some(&b':');
        return if clock_shaped {
            Err(FrameError::BadMonth)
        } else {
            Ok(None)
        };
    }
    let clock = clock.strip_suffix(':').unwrap_or(clock);
    let time = parse_bsd(month, day, clock, years, zone).map_err(|_| FrameError::BadTime)?;
    Ok(Some((time, rest)))
}

/// Reads what follows the time: optional `-v` token, host, optional facility, tag.
fn after_time(time: Option<Timestamp>, rest: &str) -> Header<'_> {
    let mut extra = Vec::new();
    let mut rest = rest.trim_start();
    if let Some(after_colon) = rest.strip_prefix(':') {
        // `Nov 18 01:15:43: --- last message repeated 5 times ---`
        rest = after_colon.trim_start();
    }
    if is_repeat_notice(rest) {
        return Header::Repeated;
    }

    let (first, after_first) = split_token(rest);
    if let Some(facility) = angle_facility(first) {
        extra.push(("facility", facility));
        rest = after_first.trim_start();
    }

    let (first, after_first) = split_token(rest);
    let host = if first.is_empty() || looks_like_tag_start(first) {
        None
    } else {
        rest = after_first.trim_start();
        Some(first)
    };

    if is_repeat_notice(rest) {
        return Header::Repeated;
    }

    let (second, after_second) = split_token(rest);
    if host.is_some() && is_facility_level(second) && !after_second.trim().is_empty() {
        extra.push(("facility", second));
        rest = after_second.trim_start();
    }

    let (program, pid, message) = match parse_tag(rest) {
        Some(tag) => (Some(tag.0), tag.1, tag.2),
        None => (None, None, rest),
    };
    Header::Framed(Frame {
        time,
        host,
        program,
        pid,
        message: message.trim(),
        extra,
    })
}

/// The journal short form (`host prog[pid]: msg`), the only framing without a time.
fn parse_timeless(text: &str) -> Header<'_> {
    let (host, rest) = split_token(text);
    if host.is_empty() || looks_like_tag_start(host) || host.contains('=') {
        return Header::Bare;
    }
    match parse_tag(rest.trim_start()) {
        Some((program, Some(pid), message)) if !program.contains(' ') => Header::Framed(Frame {
            time: None,
            host: Some(host),
            program: Some(program),
            pid: Some(pid),
            message: message.trim(),
            extra: Vec::new(),
        }),
        _ => Header::Bare,
    }
}

/// syslogd's `--- last message repeated 5 times ---`, with or without the dashes.
fn is_repeat_notice(text: &str) -> bool {
    let mut text = text;
    while let Some(rest) = text.strip_prefix("--- ") {
        text = rest;
    }
    text.starts_with("last message repeated ")
}

/// `<auth.info>` or `<4.6>` from BSD `syslogd -v/-vv`.
fn angle_facility(token: &str) -> Option<&str> {
    let inner = token.strip_prefix('<')?.strip_suffix('>')?;
    let (facility, level) = inner.split_once('.')?;
    let word = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric());
    (word(facility) && word(level)).then_some(inner)
}

/// A bare `facility.level` token such as `auth.info`.
fn is_facility_level(token: &str) -> bool {
    const FACILITIES: [&str; 21] = [
        "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
        "authpriv", "ftp", "ntp", "security", "console", "local0", "local1", "local2", "local3",
        "local4", "local5",
    ];
    const LEVELS: [&str; 10] = [
        "emerg", "alert", "crit", "err", "error", "warning", "warn", "notice", "info", "debug",
    ];
    let Some((facility, level)) = token.split_once('.') else {
        return false;
    };
    (FACILITIES.contains(&facility) || facility == "local6" || facility == "local7")
        && LEVELS.contains(&level)
}

/// True when a first token can only be a program tag, not a host name.
fn looks_like_tag_start(token: &str) -> bool {
    token.ends_with(':') || token.contains('[') || token.starts_with("---")
}

/// Splits `name[pid]: msg`, `name: msg`, `[name]: msg`, `name[pid] msg`.
fn parse_tag(text: &str) -> Option<(&str, Option<&str>, &str)> {
    if let Some(inner) = text.strip_prefix('[') {
        let (name, after) = inner.split_once(']')?;
        let message = after.strip_prefix(':').unwrap_or(after);
        return valid_program(name).then_some((name, None, message.strip_prefix(' ')?));
    }

    let bracket = memchr::memchr(b'[', text.as_bytes());
    let colon = memchr::memchr(b':', text.as_bytes());
    match (bracket, colon) {
        (Some(open), colon) if colon.is_none_or(|colon| open < colon) => {
            let name = &text[..open];
            let (pid, after) = text[open + 1..].split_once(']')?;
            let pid_ok = !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit());
            if !valid_program(name) || !pid_ok {
                return None;
            }
            let message = match after.strip_prefix(':') {
                Some(message) => message,
                None => after.strip_prefix(' ')?,
            };
            Some((name, Some(pid), message))
        }
        (_, Some(colon)) => {
            let name = &text[..colon];
            let message = &text[colon + 1..];
            let ends_cleanly = message.is_empty() || message.starts_with(' ');
            (valid_program(name) && !name.contains(' ') && ends_cleanly)
                .then_some((name, None, message))
        }
        _ => None,
    }
}

fn valid_program(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_PROGRAM_CHARS
        && !name.starts_with(' ')
        && !name.contains('\t')
        && name.chars().next().is_some_and(|c| c != '-' && c != '<')
}

/// The first space-separated token of `text` (leading spaces skipped) and the rest after it.
pub fn split_token(text: &str) -> (&str, &str) {
    let text = text.trim_start_matches(' ');
    match memchr::memchr(b' ', text.as_bytes()) {
        Some(end) => text.split_at(end),
        None => (text, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(line: &str) -> Frame<'_> {
        let mut years = YearResolver::given(2024);
        match parse_header(line, &mut years, &TimeZone::UTC).unwrap() {
            Header::Framed(frame) => frame,
            other => panic!("{line}: {other:?}"),
        }
    }

    fn utc(text: &str) -> Option<Timestamp> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn rfc3164_with_padded_day_and_pid() {
        let f = frame("Jun  8 12:34:56 host sshd[42]: Failed password for x");
        assert_eq!(f.time, utc("2024-06-08T12:34:56Z"));
        assert_eq!(
            (f.host, f.program, f.pid),
            (Some("host"), Some("sshd"), Some("42"))
        );
        assert_eq!(f.message, "Failed password for x");
    }

    #[test]
    fn rfc5424_with_structured_data_holding_brackets() {
        let f = frame(
            r#"<38>1 2019-07-08T17:40:17.954167-04:00 h.example.com sshd 55555 - [tq a="1"][x@1 t="[b]"] Failed unknown"#,
        );
        assert_eq!(f.time, utc("2019-07-08T21:40:17.954167Z"));
        assert_eq!((f.host, f.program), (Some("h.example.com"), Some("sshd")));
        assert_eq!(f.message, "Failed unknown");
    }

    #[test]
    fn bsd_vv_tokens_and_hostless_tags() {
        let f = frame("Mar 19 23:48:18 <auth.info> pancake sshd[55517]: Invalid user r00t");
        assert_eq!((f.host, f.program), (Some("pancake"), Some("sshd")));
        assert_eq!(f.extra, vec![("facility", "auth.info")]);
        let f = frame("Mar 19 23:48:18 host auth.info sshd-session[7]: x");
        assert_eq!((f.host, f.program), (Some("host"), Some("sshd-session")));
        let f = frame("Nov 18 08:30:20 kernel: [997.390602] sda2: rw=0");
        assert_eq!((f.host, f.program), (None, Some("kernel")));
        let f = frame("Jun 25 23:53:34 [sshd] User root from 1.2.3.4 not allowed");
        assert_eq!((f.host, f.program), (None, Some("sshd")));
    }

    #[test]
    fn iso_with_severity_and_journal_short_form() {
        let f = frame("2016-10-25T12:37:24.987014-07:00 DEBUG kernel: [  316.55] wlan0: x");
        assert_eq!((f.host, f.program), (None, Some("kernel")));
        assert_eq!(f.time, utc("2016-10-25T19:37:24.987014Z"));
        let f = frame("2021-11-03 10:56:12.345678-0700  mac socketfilterfw[123]: x");
        assert_eq!(f.time, utc("2021-11-03T17:56:12.345678Z"));
        assert_eq!((f.host, f.program), (Some("mac"), Some("socketfilterfw")));
        let f = frame("srv sshd[13709]: error: PAM: Authentication failure");
        assert_eq!((f.time, f.host, f.pid), (None, Some("srv"), Some("13709")));
    }

    #[test]
    fn tags_with_spaces_and_socketfilterfw_without_colon() {
        let f = frame("Jul  4 23:22:09 mac Microsoft Word[14463]: Cocoa scripting error");
        assert_eq!(f.program, Some("Microsoft Word"));
        let f = frame("Nov  2 04:07:35 mac socketfilterfw[112] <Info>: Dropbox: Allow TCP");
        assert_eq!(f.message, "<Info>: Dropbox: Allow TCP");
    }

    #[test]
    fn bad_dates_and_repeats() {
        let mut years = YearResolver::given(2023);
        let zone = TimeZone::UTC;
        let parse = |line, years: &mut YearResolver| parse_header(line, years, &zone);
        assert_eq!(
            parse("MMM 22 07:54:32 host anacron[1]: x", &mut years),
            Err(FrameError::BadMonth)
        );
        assert_eq!(
            parse("Mar 23 Wrong line that should not get through", &mut years),
            Err(FrameError::BadTime)
        );
        assert_eq!(
            parse("Feb 29 01:15:43: --- leap", &mut years),
            Err(FrameError::BadTime)
        );
        assert_eq!(
            parse(
                "Nov 29 22:18:29 --- last message repeated 1 time ---",
                &mut years
            ),
            Ok(Header::Repeated)
        );
        assert_eq!(
            parse(
                "Nov 29 22:18:29 host last message repeated 3 times",
                &mut years
            ),
            Ok(Header::Repeated)
        );
        assert_eq!(
            parse("IN=eth0 OUT= SRC=1.2.3.4", &mut years),
            Ok(Header::Bare)
        );
        assert_eq!(
            parse("Lorem ipsum dolor sit amet.", &mut years),
            Ok(Header::Bare)
        );
    }
}
