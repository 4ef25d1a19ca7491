//! Timestamps as logs write them, turned into UTC [`Timestamp`]s.
//!
//! Covers the year-less BSD form (`Jun  8 12:34:56`, with optional fractional seconds) through
//! [`YearResolver`], ISO 8601 / RFC 3339 with `Z`, `+0000`, `+00:00` or no zone, and epoch
//! seconds with a fraction. A time written without a zone is read in the scan's zone (UTC unless
//! the user names one).

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ZonedDateTime};

/// Month number (1-12) from an English three-letter abbreviation, any case.
pub fn month_from_abbrev(text: &str) -> Option<i8> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    if text.len() != 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|month| month.eq_ignore_ascii_case(text))
        .and_then(|index| i8::try_from(index + 1).ok())
}

/// Gives year-less dates a year, walking a file's lines in order.
///
/// The first dated line takes the start year; each time the month goes backwards (December to
/// January) the year moves on by one. Without a user-given year, the start year comes from the
/// file's modification time: a first month later than the mtime's month belongs to the year
/// before, since a log cannot be written after it was last modified.
#[derive(Debug, Clone)]
pub struct YearResolver {
    start: YearStart,
    current: Option<(i16, i8)>,
}

#[derive(Debug, Clone, Copy)]
enum YearStart {
    /// `--year N`: the first line is in year N.
    Given(i16),
    /// The file's mtime as (year, month, day).
    Modified(i16, i8, i8),
}

impl YearResolver {
    /// Starts at a year the user gave.
    pub fn given(year: i16) -> Self {
        Self {
            start: YearStart::Given(year),
            current: None,
        }
    }

    /// Starts from the file's modification time (its civil date in the scan's zone).
    pub fn from_modified(year: i16, month: i8, day: i8) -> Self {
        Self {
            start: YearStart::Modified(year, month, day),
            current: None,
        }
    }

    /// The year for a line dated `month`/`day`, moving on past New Year when months go
    /// backwards.
    pub fn year_for(&mut self, month: i8, day: i8) -> i16 {
        let mut year = self.walk(month, day);
        if let YearStart::Modified(modified_year, modified_month, modified_day) = self.start {
            // A log is never written after it was last modified: a date past the mtime (out of
            // order lines that look like a New Year, or a first line later in the calendar than
            // the mtime) belongs to the year before.
            let modified = (modified_year, modified_month, modified_day);
            if (year, month, day) > modified {
                year = modified_year - i16::from((month, day) > (modified_month, modified_day));
            }
        }
        self.current = Some((year, month));
        year
    }

    fn walk(&self, month: i8, day: i8) -> i16 {
        match (self.current, self.start) {
            (Some((year, last_month)), _) if month < last_month => {
                // A jump back of more than a few months is a new year; a one-month step back is
                // more often out-of-order lines (buffered writers), which keep the year.
                if last_month - month >= 6 {
                    year + 1
                } else {
                    year
                }
            }
            (Some((year, _)), _) => year,
            (None, YearStart::Given(year)) => year,
            (None, YearStart::Modified(year, modified_month, modified_day)) => {
                if (month, day) > (modified_month, modified_day) {
                    year - 1
                } else {
                    year
                }
            }
        }
    }
}

/// Why a timestamp could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad timestamp: {0}")]
pub struct TimeError(pub String);

/// Builds a UTC timestamp from civil parts read in `zone`.
pub fn civil_to_timestamp(
    zone: &TimeZone,
    date: (i16, i8, i8),
    time: (i8, i8, i8, i32),
) -> Result<Timestamp, TimeError> {
    let (year, month, day) = date;
    let (hour, minute, second, nanos) = time;
    let date = Date::new(year, month, day)
        .map_err(|error| TimeError(format!("{year:04}-{month:02}-{day:02}: {error}")))?;
    let time = Time::new(hour, minute, second, nanos)
        .map_err(|error| TimeError(format!("{hour:02}:{minute:02}:{second:02}: {error}")))?;
    DateTime::from_parts(date, time)
        .to_zoned_datetime(zone.clone())
        .map(|zoned: ZonedDateTime| zoned.timestamp())
        .map_err(|error| TimeError(error.to_string()))
}

/// Parses `HH:MM:SS` with an optional `.fraction` (up to 9 digits).
pub fn parse_clock(text: &str) -> Option<(i8, i8, i8, i32)> {
    let bytes = text.as_bytes();
    if bytes.len() < 8 || bytes[2] != b':' || bytes[5] != b':' {
        return None;
    }
    let hour = two_digits(&bytes[0..2])?;
    let minute = two_digits(&bytes[3..5])?;
    let second = two_digits(&bytes[6..8])?;
    let nanos = match &bytes[8..] {
        [] => 0,
        [b'.' | b',', digits @ ..] => fraction_to_nanos(digits)?,
        _ => return None,
    };
    Some((hour, minute, second, nanos))
}

fn two_digits(bytes: &[u8]) -> Option<i8> {
    match bytes {
        [a, b] if a.is_ascii_digit() && b.is_ascii_digit() => {
            i8::try_from((a - b'0') * 10 + (b - b'0')).ok()
        }
        _ => None,
    }
}

fn fraction_to_nanos(digits: &[u8]) -> Option<i32> {
    if digits.is_empty() || digits.len() > 9 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut nanos: i32 = 0;
    for index in 0..9 {
        let digit = digits.get(index).map_or(0, |d| i32::from(d - b'0'));
        nanos = nanos * 10 + digit;
    }
    Some(nanos)
}

/// Parses a BSD syslog date (`Jun  8 12:34:56`, `Jun 08 12:34:56.123`) given its pieces.
pub fn parse_bsd(
    month: &str,
    day: &str,
    clock: &str,
    years: &mut YearResolver,
    zone: &TimeZone,
) -> Result<Timestamp, TimeError> {
    let month = month_from_abbrev(month).ok_or_else(|| TimeError(format!("month {month:?}")))?;
    let day: i8 = day.parse().map_err(|_| TimeError(format!("day {day:?}")))?;
    let time = parse_clock(clock).ok_or_else(|| TimeError(format!("time {clock:?}")))?;
    let year = years.year_for(month, day);
    civil_to_timestamp(zone, (year, month, day), time)
}

/// Parses ISO 8601 / RFC 3339 date-times as logs write them.
///
/// Accepts `T` or a space between date and time, 0-9 fractional digits, and a zone of `Z`,
/// `+HH:MM`, `+HHMM`, `+HH`, or none (read in `zone`).
pub fn parse_iso8601(text: &str, zone: &TimeZone) -> Result<Timestamp, TimeError> {
    let bad = || TimeError(format!("{text:?}"));
    let bytes = text.as_bytes();
    if bytes.len() < 19 || bytes[4] != b'-' || bytes[7] != b'-' {
        return Err(bad());
    }
    if bytes[10] != b'T' && bytes[10] != b' ' && bytes[10] != b't' {
        return Err(bad());
    }
    let year: i16 = text[0..4].parse().map_err(|_| bad())?;
    let month = two_digits(&bytes[5..7]).ok_or_else(bad)?;
    let day = two_digits(&bytes[8..10]).ok_or_else(bad)?;

    let rest = &text[11..];
    let zone_start = rest
        .char_indices()
        .skip(8)
        .find(|(_, c)| matches!(c, 'Z' | 'z' | '+' | '-'))
        .map_or(rest.len(), |(index, _)| index);
    let clock = parse_clock(&rest[..zone_start]).ok_or_else(bad)?;
    let offset_secs = parse_offset(&rest[zone_start..]).ok_or_else(bad)?;

    match offset_secs {
        None => civil_to_timestamp(zone, (year, month, day), clock),
        Some(seconds) => {
            let offset = jiff::tz::Offset::from_seconds(seconds).map_err(|_| bad())?;
            civil_to_timestamp(&TimeZone::fixed(offset), (year, month, day), clock)
        }
    }
}

/// `Some(None)` for no zone, `Some(Some(seconds))` for an offset, `None` when malformed.
fn parse_offset(text: &str) -> Option<Option<i32>> {
    let bytes = text.as_bytes();
    let sign = match bytes.first() {
        None => return Some(None),
        Some(b'Z' | b'z') if bytes.len() == 1 => return Some(Some(0)),
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return None,
    };
    let digits: Vec<u8> = bytes[1..].iter().copied().filter(|b| *b != b':').collect();
    let (hours, minutes) = match digits.len() {
        2 => (two_digits(&digits[0..2])?, 0),
        4 => (two_digits(&digits[0..2])?, two_digits(&digits[2..4])?),
        _ => return None,
    };
    Some(Some(
        sign * (i32::from(hours) * 3600 + i32::from(minutes) * 60),
    ))
}

/// Parses epoch seconds with an optional fraction (`1521835139.672014`).
pub fn parse_epoch(text: &str) -> Result<Timestamp, TimeError> {
    let bad = || TimeError(format!("{text:?}"));
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let seconds: i64 = whole.parse().map_err(|_| bad())?;
    let nanos = if fraction.is_empty() {
        0
    } else {
        fraction_to_nanos(fraction.as_bytes()).ok_or_else(bad)?
    };
    Timestamp::new(seconds, nanos).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn year_rolls_over_at_new_year() {
        let mut years = YearResolver::given(2013);
        let zone = TimeZone::UTC;
        let dec = parse_bsd("Dec", "31", "23:59:23", &mut years, &zone).unwrap();
        let jan = parse_bsd("Jan", "1", "01:13:23", &mut years, &zone).unwrap();
        assert_eq!(dec, utc("2013-12-31T23:59:23Z"));
        assert_eq!(jan, utc("2014-01-01T01:13:23Z"));
    }

    #[test]
    fn year_from_mtime_puts_later_months_in_the_year_before() {
        // File last written in January 2014; its December lines are from 2013.
        let mut years = YearResolver::from_modified(2014, 1, 5);
        assert_eq!(years.year_for(12, 31), 2013);
        assert_eq!(years.year_for(1, 1), 2014);
    }

    #[test]
    fn out_of_order_months_never_pass_the_modification_time() {
        // Modified in March 2024: a jump back from November to February is not a New Year
        // that would put February in 2025, after the file was written.
        let mut years = YearResolver::from_modified(2024, 3, 15);
        assert_eq!(years.year_for(11, 2), 2023);
        assert_eq!(years.year_for(2, 1), 2024);
        assert_eq!(years.year_for(12, 24), 2023);
        assert_eq!(years.year_for(1, 9), 2024);
    }

    #[test]
    fn a_day_after_the_modification_date_is_last_year() {
        // Modified on 3 December 2026: a line dated 10 December is from 2025.
        let mut years = YearResolver::from_modified(2026, 12, 3);
        assert_eq!(years.year_for(12, 10), 2025);
        let mut years = YearResolver::from_modified(2026, 12, 3);
        assert_eq!(years.year_for(12, 3), 2026);
    }

    #[test]
    fn leap_day_in_a_non_leap_year_is_a_line_error() {
        let mut years = YearResolver::given(2023);
        assert!(parse_bsd("Feb", "29", "10:00:00", &mut years, &TimeZone::UTC).is_err());
        let mut years = YearResolver::given(2024);
        assert!(parse_bsd("Feb", "29", "10:00:00", &mut years, &TimeZone::UTC).is_ok());
    }

    #[test]
    fn iso8601_zone_forms() {
        let zone = TimeZone::UTC;
        let expected = utc("2018-07-05T19:01:09.820360Z");
        for text in [
            "2018-07-05T15:01:09.820360-0400",
            "2018-07-05T15:01:09.820360-04:00",
            "2018-07-05T19:01:09.820360Z",
            "2018-07-05T19:01:09.820360+0000",
            "2018-07-05 19:01:09.820360",
        ] {
            assert_eq!(parse_iso8601(text, &zone).unwrap(), expected, "{text}");
        }
        assert!(parse_iso8601("2021-02-26T917-0500", &zone).is_err());
    }

    #[test]
    fn epoch_with_fraction() {
        assert_eq!(
            parse_epoch("1521835139.672014").unwrap(),
            utc("2018-03-23T19:58:59.672014Z")
        );
        assert!(parse_epoch(crate::engine::ingest::zeek::ZEEK_PLACEHOLDER_TIME).is_err());
    }

    #[test]
    fn bsd_fractional_seconds() {
        let mut years = YearResolver::given(2016);
        let ts = parse_bsd("Jan", "22", "07:54:32.123", &mut years, &TimeZone::UTC).unwrap();
        assert_eq!(ts, utc("2016-01-22T07:54:32.123Z"));
    }
}
