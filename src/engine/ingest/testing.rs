//! Helpers for the parsers' unit tests: feed lines to a parser the way `ingest_file` does.

use std::borrow::Cow;

use jiff::tz::TimeZone;

use super::reader::Line;
use super::time::YearResolver;
use super::{LineParser, LineVerdict, ParseContext};
use crate::engine::event::Event;

/// A context for file 0, with year-less dates in `year` and zone-less times in UTC.
pub(crate) fn context(year: i16) -> ParseContext {
    ParseContext {
        file: 0,
        years: YearResolver::given(year),
        zone: TimeZone::UTC,
    }
}

/// Feeds `lines` (numbered from 1) to `parser`; returns each line's verdict and all events.
pub(crate) fn feed_lines(
    parser: &mut dyn LineParser,
    lines: &[&str],
) -> (Vec<LineVerdict>, Vec<Event>) {
    let mut events = Vec::new();
    let verdicts = lines
        .iter()
        .zip(1..)
        .map(|(text, number)| {
            let line = Line {
                number,
                text: Cow::Borrowed(text),
                raw: text.as_bytes(),
            };
            parser.parse_line(&line, &mut events)
        })
        .collect();
    (verdicts, events)
}
