//! Suricata `eve.json`: NDJSON, pretty-printed JSON arrays, and eve relayed through syslog.
//!
//! Most eve files hold one object per line. Some dumps are a JSON array with each object spread
//! over many lines; those lines are buffered until the object closes (see [`scanner`]), up to
//! [`MAX_OBJECT_BYTES`]. The event then points at the object's first line, the line that closed
//! it counts as parsed, and the lines between are skipped with a reason. A syslog relay prefix
//! (`<13>Feb 26 10:36:57 pfSense suricata: {...}`) is cut off and its host kept as reporter.

mod dns;
mod eve;
mod scanner;

use serde_json::{Map, Value as Json};

use crate::engine::event::{Event, Location};
use crate::engine::ingest::reader::Line;
use crate::engine::ingest::{LineParser, LineVerdict, ParseContext};
use scanner::ObjectScanner;

/// Largest JSON object buffered across lines; a bigger one is reported and skipped.
pub const MAX_OBJECT_BYTES: usize = 4 << 20;

const PART_OF_OBJECT: &str = "part of a multi-line JSON object";
const PART_OF_OVERSIZED: &str = "part of an oversized JSON object";

/// Reads the lines of one eve file.
#[derive(Debug)]
pub struct EveParser {
    context: ParseContext,
    pending: Option<PendingObject>,
}

/// An object whose closing brace has not been seen yet. One still open at the end of the file
/// is reported as a warning by [`LineParser::finish`]; its lines stay counted as skipped.
#[derive(Debug)]
struct PendingObject {
    first_line: u64,
    text: String,
    scanner: ObjectScanner,
    relay_host: Option<String>,
    /// Past [`MAX_OBJECT_BYTES`]: the text was dropped and only the braces are still followed.
    oversized: bool,
}

impl EveParser {
    /// A parser for one file.
    pub fn new(context: ParseContext) -> Self {
        Self {
            context,
            pending: None,
        }
    }

    /// Feeds a line to the object being buffered.
    fn continue_object(&mut self, line: &Line<'_>, out: &mut Vec<Event>) -> LineVerdict {
        let Some(pending) = self.pending.as_mut() else {
            return LineVerdict::Error("no JSON object open".into());
        };
        let text = line.text.as_ref();
        let Some(end) = pending.scanner.feed(text.as_bytes()) else {
            if pending.oversized {
                return LineVerdict::Skipped(PART_OF_OVERSIZED.into());
            }
            if pending.text.len() + text.len() > MAX_OBJECT_BYTES {
                pending.oversized = true;
                pending.text = String::new();
                return LineVerdict::Error("JSON object larger than 4 MiB".into());
            }
            pending.text.push_str(text);
            pending.text.push('\n');
            return LineVerdict::Skipped(PART_OF_OBJECT.into());
        };

        let Some(mut pending) = self.pending.take() else {
            return LineVerdict::Error("no JSON object open".into());
        };
        if pending.oversized {
            return LineVerdict::Skipped(PART_OF_OVERSIZED.into());
        }
        let (closing, rest) = text.split_at(end);
        pending.text.push_str(closing);
        let before = out.len();
        let relay_host = pending.relay_host.as_deref();
        if let Err(reason) = self.emit(&pending.text, pending.first_line, relay_host, out) {
            return LineVerdict::Error(reason.into());
        }
        self.scan_objects(rest, line.number, pending.relay_host, out, before)
    }

    /// Reads the objects that start on a line; the last may go on to the next lines.
    fn scan_objects(
        &mut self,
        text: &str,
        number: u64,
        relay_host: Option<String>,
        out: &mut Vec<Event>,
        before: usize,
    ) -> LineVerdict {
        let mut rest = text;
        loop {
            rest = rest.trim_start_matches(|c: char| c == ',' || c.is_whitespace());
            if rest.is_empty() || rest == "]" {
                break;
            }
            if !rest.starts_with('{') {
                out.truncate(before);
                return LineVerdict::Error("not an eve JSON object".into());
            }
            let mut scanner = ObjectScanner::default();
            let Some(end) = scanner.feed(rest.as_bytes()) else {
                if !opens_pretty_object(rest, &scanner) {
                    out.truncate(before);
                    return LineVerdict::Error("truncated JSON object".into());
                }
                self.pending = Some(PendingObject {
                    first_line: number,
                    text: format!("{rest}\n"),
                    scanner,
                    relay_host,
                    oversized: false,
                });
                break;
            };
            let (object, after) = rest.split_at(end);
            if let Err(reason) = self.emit(object, number, relay_host.as_deref(), out) {
                out.truncate(before);
                return LineVerdict::Error(reason.into());
            }
            rest = after;
        }

        if out.len() > before {
            LineVerdict::Parsed
        } else if self.pending.is_some() {
            LineVerdict::Skipped(PART_OF_OBJECT.into())
        } else {
            LineVerdict::Skipped("JSON array bracket".into())
        }
    }

    /// Parses one complete object and pushes its event at `first_line`.
    fn emit(
        &self,
        text: &str,
        first_line: u64,
        relay_host: Option<&str>,
        out: &mut Vec<Event>,
    ) -> Result<(), &'static str> {
        let object: Map<String, Json> =
            serde_json::from_str(text).map_err(|_| "not an eve JSON object")?;
        let location = Location {
            file: self.context.file,
            line: first_line,
        };
        out.push(eve::build_event(
            &object,
            location,
            &self.context.zone,
            relay_host,
        )?);
        Ok(())
    }

    /// A whole array on one line (`[{...},{...}]`).
    fn one_line_array(&self, text: &str, number: u64, out: &mut Vec<Event>) -> Option<LineVerdict> {
        let items: Vec<Map<String, Json>> = serde_json::from_str(text).ok()?;
        if items.is_empty() {
            return Some(LineVerdict::Skipped("empty JSON array".into()));
        }
        let location = Location {
            file: self.context.file,
            line: number,
        };
        let events: Result<Vec<Event>, _> = items
            .iter()
            .map(|item| eve::build_event(item, location, &self.context.zone, None))
            .collect();
        Some(match events {
            Ok(mut events) => {
                out.append(&mut events);
                LineVerdict::Parsed
            }
            Err(reason) => LineVerdict::Error(reason.into()),
        })
    }
}

impl LineParser for EveParser {
    fn finish(&mut self) -> Option<String> {
        let pending = self.pending.take()?;
        Some(format!(
            "the file ends inside a JSON object that starts at line {}; it was not read",
            pending.first_line
        ))
    }

    fn parse_line(&mut self, line: &Line<'_>, out: &mut Vec<Event>) -> LineVerdict {
        if self.pending.is_some() {
            return self.continue_object(line, out);
        }
        let trimmed = line.text.trim();
        match trimmed {
            "[" | "]" | "]," => return LineVerdict::Skipped("JSON array bracket".into()),
            "," => return LineVerdict::Skipped("JSON array separator".into()),
            _ => {}
        }

        if let Some(inner) = trimmed.strip_prefix('[') {
            if let Some(verdict) = self.one_line_array(trimmed, line.number, out) {
                return verdict;
            }
            return self.scan_objects(inner, line.number, None, out, out.len());
        }
        if trimmed.starts_with('{') {
            return self.scan_objects(trimmed, line.number, None, out, out.len());
        }
        match split_relay(trimmed) {
            Some((host, body)) => {
                let host = host.map(str::to_owned);
                self.scan_objects(body, line.number, host, out, out.len())
            }
            None => LineVerdict::Error("not an eve JSON object".into()),
        }
    }
}

/// True when an unclosed object stops where pretty printers break lines (after `{`, `[` or
/// `,`). A one-line eve object cut short (a crash mid-write) usually stops anywhere else, often
/// inside a string; buffering it would swallow the good lines after it.
fn opens_pretty_object(text: &str, scanner: &ObjectScanner) -> bool {
    !scanner.in_string() && text.trim_end().ends_with(['{', '[', ','])
}

/// Splits `<13>Feb 26 10:36:57 pfSense suricata: {...}` into the relaying host and the JSON.
fn split_relay(text: &str) -> Option<(Option<&str>, &str)> {
    let start = text.find('{')?;
    let (prefix, body) = text.split_at(start);
    let words: Vec<&str> = prefix.split_whitespace().collect();
    if !words.last()?.ends_with(':') {
        return None;
    }
    let host = words
        .len()
        .checked_sub(2)
        .and_then(|index| words.get(index))
        .copied()
        .filter(|host| !looks_like_clock(host));
    Some((host, body))
}

fn looks_like_clock(word: &str) -> bool {
    word.contains(':')
        && word
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b':' || b == b'.')
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::engine::event::EventFormat;
    use crate::engine::ingest::testing::{context, feed_lines};

    fn parse_all(lines: &[&str]) -> (Vec<LineVerdict>, Vec<Event>) {
        feed_lines(&mut EveParser::new(context(2024)), lines)
    }

    #[test]
    fn an_object_left_open_at_the_end_is_reported() {
        let mut parser = EveParser::new(context(2024));
        let mut events = Vec::new();
        for (number, text) in [(1, "["), (2, "  {"), (3, r#"    "event_type": "alert","#)] {
            let line = Line {
                number,
                text: Cow::Borrowed(text),
                raw: text.as_bytes(),
            };
            parser.parse_line(&line, &mut events);
        }
        let warning = parser.finish().expect("an open object is reported");
        assert!(warning.contains("starts at line 2"), "{warning}");
        assert!(parser.finish().is_none(), "reported once");
    }

    #[test]
    fn pretty_array_objects_point_at_their_first_line() {
        let lines = [
            "[",
            "  {",
            r#"    "timestamp": "2019-01-02T03:50:11.315110","#,
            r#"    "event_type": "alert","#,
            r#"    "alert": { "signature": "ET SCAN } in a string {", "signature_id": 2001219 }"#,
            "  },",
            r#"  {"event_type": "alert", "alert": {"signature_id": 7}}"#,
            "]",
        ];
        let (verdicts, events) = parse_all(&lines);
        let part = LineVerdict::Skipped(PART_OF_OBJECT.into());
        assert_eq!(
            verdicts[0],
            LineVerdict::Skipped("JSON array bracket".into())
        );
        assert_eq!(
            verdicts[1..5],
            [part.clone(), part.clone(), part.clone(), part]
        );
        assert_eq!(verdicts[5], LineVerdict::Parsed);
        assert_eq!(verdicts[6], LineVerdict::Parsed);
        assert_eq!(
            verdicts[7],
            LineVerdict::Skipped("JSON array bracket".into())
        );
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].location.line, 2);
        assert_eq!(events[0].signature_id, Some(2001219));
        assert_eq!(events[1].location.line, 7);
    }

    #[test]
    fn syslog_relay_is_unwrapped() {
        let (verdicts, events) = parse_all(&[
            r#"<13>Feb 26 10:36:57 pfSense suricata: {"timestamp":"2021-02-26T10:36:57.000000-0500","event_type":"alert","src_ip":"198.51.100.7","alert":{"signature_id":1}}"#,
            r#"<13>Feb 26 10:36:58 pfSense suricata: {"timestamp":"2021-02-26T917-0500","event_type":"alert"}"#,
            "<13>Feb 26 10:36:58 pfSense sshd[1]: Accepted password",
        ]);
        assert_eq!(verdicts[0], LineVerdict::Parsed);
        assert_eq!(events[0].reporter.as_deref(), Some("pfSense"));
        assert_eq!(events[0].format, EventFormat::SuricataAlert);
        assert_eq!(verdicts[1], LineVerdict::Error("bad timestamp".into()));
        assert_eq!(
            verdicts[2],
            LineVerdict::Error("not an eve JSON object".into())
        );
    }

    #[test]
    fn one_line_arrays_and_bad_lines() {
        let (verdicts, events) = parse_all(&[
            r#"[{"event_type":"dns","dns":{"rrname":"a.example"}},{"event_type":"tls","tls":{"sni":"b.example"}}]"#,
            r#"{"event_type":"flow","#,
            r#""src_ip":"10.0.0.1"} trailing"#,
            "not json at all",
            r#"{"event_type":"flow","src_ip":"10.0"#,
            r#"{"event_type":"flow","src_ip":"10.0.0.2"}"#,
        ]);
        assert_eq!(verdicts[0], LineVerdict::Parsed);
        assert_eq!(
            events.len(),
            3,
            "two from the array, one from the last line"
        );
        assert_eq!(events[1].domain.as_deref(), Some("b.example"));
        assert_eq!(verdicts[1], LineVerdict::Skipped(PART_OF_OBJECT.into()));
        assert_eq!(
            verdicts[2],
            LineVerdict::Error("not an eve JSON object".into())
        );
        assert_eq!(
            verdicts[3],
            LineVerdict::Error("not an eve JSON object".into())
        );
    }
}
