//! Zeek logs written as JSON: one object per line, with or without a stream envelope.
//!
//! Handles the JSON streaming `_path`/`_write_ts` keys, the `@stream`/`@system` envelope of
//! some shippers, underscore scope separators (`id_orig_h`), ISO 8601 or epoch `ts`, sets as
//! arrays, and missing keys where TSV would write `-`. The log type comes from `_path` or
//! `@stream`, else from which fields the object has.

use std::borrow::Cow;

use serde_json::{Map, Value as Json};

use super::fields::build_event;
use super::{LogType, Record, Value, ZEEK_PLACEHOLDER_TIME};
use crate::engine::event::{Event, Location};
use crate::engine::ingest::reader::Line;
use crate::engine::ingest::{LineParser, LineVerdict, ParseContext};

/// Reads the lines of one Zeek JSON file.
#[derive(Debug)]
pub struct ZeekJsonParser {
    context: ParseContext,
}

impl ZeekJsonParser {
    /// A parser for one file.
    pub fn new(context: ParseContext) -> Self {
        Self { context }
    }
}

impl LineParser for ZeekJsonParser {
    fn parse_line(&mut self, line: &Line<'_>, out: &mut Vec<Event>) -> LineVerdict {
        let text = line.text.trim();
        if text.starts_with('#') {
            return LineVerdict::Skipped("comment line".into());
        }
        let object: Map<String, Json> = match serde_json::from_str(text) {
            Ok(object) => object,
            // Zeek's test baselines write their placeholder time as a bare, unquoted token.
            Err(_) if text.contains(ZEEK_PLACEHOLDER_TIME) => {
                return LineVerdict::Error("bad timestamp".into());
            }
            Err(_) => return LineVerdict::Error("not a JSON object".into()),
        };

        let path = ["_path", "@stream"]
            .iter()
            .find_map(|key| object.get(*key).and_then(Json::as_str))
            .map(str::to_owned);
        let record = record_from_object(object);
        let log = match path.as_deref() {
            Some(path) => LogType::from_path(path),
            None => LogType::from_field_names(|name| record.has(name)),
        };
        let location = Location {
            file: self.context.file,
            line: line.number,
        };
        match build_event(
            log,
            path.as_deref(),
            record,
            "ts",
            location,
            &self.context.zone,
        ) {
            Ok(event) => {
                out.push(event);
                LineVerdict::Parsed
            }
            Err(reason) => LineVerdict::Error(reason.into()),
        }
    }
}

fn record_from_object(object: Map<String, Json>) -> Record<'static> {
    let mut record = Record::with_capacity(object.len());
    for (key, value) in object {
        push_field(&mut record, canonical_name(key), value, 0);
    }
    record
}

/// How deep nested objects are flattened into dotted names before being kept as JSON text.
const MAX_NESTING: usize = 4;

/// Adds one field; a nested object (`"id": {"orig_h": ...}`) becomes dotted fields.
fn push_field(record: &mut Record<'static>, name: Cow<'static, str>, value: Json, depth: usize) {
    match value {
        Json::Null => {}
        Json::Array(items) => record.push(
            name,
            Value::List(items.into_iter().map(json_text).collect()),
        ),
        Json::Object(inner) if depth < MAX_NESTING => {
            for (key, value) in inner {
                push_field(
                    record,
                    Cow::Owned(format!("{name}.{key}")),
                    value,
                    depth + 1,
                );
            }
        }
        other => record.push(name, Value::Text(json_text(other))),
    }
}

/// A JSON value as Zeek's text form: strings as they are, numbers exactly as written (u64 kept
/// whole), booleans as `true`/`false`, anything nested as compact JSON.
fn json_text(value: Json) -> String {
    match value {
        Json::String(text) => text,
        Json::Number(number) => number.to_string(),
        Json::Bool(flag) => flag.to_string(),
        other => other.to_string(),
    }
}

/// Field names in Zeek's dotted form: `id_orig_h` and `id/orig_h` become `id.orig_h`.
fn canonical_name(key: String) -> Cow<'static, str> {
    let dotted = super::dotted_field_name(&key).map(Cow::into_owned);
    Cow::Owned(dotted.unwrap_or(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::event::{Action, EventFormat, Outcome};
    use crate::engine::ingest::time::YearResolver;

    fn parse(text: &str) -> (LineVerdict, Vec<Event>) {
        let mut parser = ZeekJsonParser::new(ParseContext {
            file: 0,
            years: YearResolver::given(2024),
            zone: jiff::tz::TimeZone::UTC,
        });
        let line = Line {
            number: 1,
            text: Cow::Borrowed(text),
            raw: text.as_bytes(),
        };
        let mut events = Vec::new();
        let verdict = parser.parse_line(&line, &mut events);
        (verdict, events)
    }

    #[test]
    fn stream_envelope_with_underscore_keys() {
        let (verdict, events) = parse(
            r#"{"@stream":"conn","@system":"bobs.bigwheel.local","ts":1588205199.82437,"uid":"Cvf4","id_orig_h":"10.0.1.6","id_orig_p":54243,"id_resp_h":"10.0.0.4","id_resp_p":53,"proto":"udp","service":"dns","orig_bytes":39,"resp_bytes":55,"conn_state":"SF"}"#,
        );
        assert_eq!(verdict, LineVerdict::Parsed);
        let event = &events[0];
        assert_eq!(event.format, EventFormat::ZeekConn);
        assert_eq!(event.reporter.as_deref(), Some("bobs.bigwheel.local"));
        assert_eq!(event.src_ip, Some("10.0.1.6".parse().unwrap()));
        assert_eq!(event.src_port, Some(54243));
        assert_eq!(event.dst_ip, Some("10.0.0.4".parse().unwrap()));
        assert_eq!(event.bytes_out, Some(39));
        assert_eq!(
            event.time,
            Some("2020-04-30T00:06:39.82437Z".parse().unwrap())
        );
        assert_eq!(event.extra("@stream"), None);
    }

    #[test]
    fn iso_time_and_bool_success_in_ssh() {
        let (verdict, events) = parse(
            r#"{"_path":"ssh","_write_ts":"2018-03-24T17:19:30.168905Z","ts":"2018-03-24T17:19:18.864751Z","uid":"CJqh","id.orig_h":"10.128.0.233","id.orig_p":36040,"id.resp_h":"10.47.26.186","id.resp_p":22,"auth_success":false,"auth_attempts":1,"client":"SSH-2.0-OpenSSH_7.6p1 Debian-4"}"#,
        );
        assert_eq!(verdict, LineVerdict::Parsed);
        let event = &events[0];
        assert_eq!(event.format, EventFormat::ZeekSsh);
        assert_eq!(event.action, Some(Action::Login));
        assert_eq!(event.outcome, Some(Outcome::Failure));
        assert_eq!(
            event.time,
            Some("2018-03-24T17:19:18.864751Z".parse().unwrap())
        );
        assert_eq!(
            event.extra("_write_ts"),
            Some("2018-03-24T17:19:30.168905Z")
        );
    }

    #[test]
    fn type_from_fields_when_no_path_and_sets_as_arrays() {
        let (_, events) = parse(
            r#"{"ts":"1517336042.279652","uid":"C1","id.orig_h":"192.168.88.2","query":"x.example","qtype_name":"TXT","answers":["a","b"],"TTLs":[60.0,60.0]}"#,
        );
        let event = &events[0];
        assert_eq!(event.format, EventFormat::ZeekDns);
        assert_eq!(event.domain.as_deref(), Some("x.example"));
        assert_eq!(event.extra("answers"), Some("a,b"));
        assert_eq!(event.extra("TTLs"), Some("60.0,60.0"));
        assert!(event.time.is_some(), "epoch given as a string");
    }

    #[test]
    fn nested_id_object_is_flattened() {
        let (_, events) = parse(
            r#"{"_path":"conn","ts":1.5,"id":{"orig_h":"10.0.0.1","orig_p":1,"resp_h":"10.0.0.2","resp_p":2},"uid":"C1"}"#,
        );
        assert_eq!(events[0].src_ip, Some("10.0.0.1".parse().unwrap()));
        assert_eq!(events[0].dst_port, Some(2));
    }

    #[test]
    fn unreadable_lines() {
        assert_eq!(
            parse(&format!(r#"{{"ts":{ZEEK_PLACEHOLDER_TIME},"uid":"C1"}}"#)).0,
            LineVerdict::Error("bad timestamp".into())
        );
        assert_eq!(
            parse(r#"{"ts":"yesterday","uid":"C1"}"#).0,
            LineVerdict::Error("bad timestamp".into())
        );
        assert_eq!(
            parse(r#"{"ts":1.0,"uid":"#).0,
            LineVerdict::Error("not a JSON object".into())
        );
        assert_eq!(
            parse("### BTest baseline").0,
            LineVerdict::Skipped("comment line".into())
        );
    }
}
