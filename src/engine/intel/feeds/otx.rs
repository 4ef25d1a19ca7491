//! AlienVault OTX indicator exports: one JSON object per line with `indicator`, `type`, and the
//! pulse it belongs to in `pulse_raw` (a JSON document inside a string).
//!
//! Each line is one indicator named after its pulse; `expiration` becomes the end of validity
//! and an `is_active: 0` entry is skipped. The pulse's `adversary`, when given, is kept as an
//! actor name.

use jiff::Timestamp;
use serde_json::Value as Json;

use crate::engine::intel::indicator::{ActorRef, Indicator, Observable};
use crate::engine::intel::report::IntelFileReport;
use crate::engine::intel::set::IntelSetBuilder;

/// True when the line looks like an OTX indicator record.
pub fn is_otx_line(line: &str) -> bool {
    serde_json::from_str::<Json>(line)
        .is_ok_and(|record| record.get("indicator").is_some() && record.get("type").is_some())
}

/// Loads every line.
pub fn load_otx(
    text: &str,
    source: &str,
    builder: &mut IntelSetBuilder,
    report: &mut IntelFileReport,
) {
    for (index, line) in text.lines().enumerate() {
        let number = index as u64 + 1;
        if line.trim().is_empty() {
            report.skip("blank line");
            continue;
        }
        let record: Json = match serde_json::from_str(line) {
            Ok(record) => record,
            Err(error) => {
                report.invalid(number, line, format!("not JSON: {error}"));
                continue;
            }
        };
        load_record(&record, number, source, builder, report);
    }
}

fn load_record(
    record: &Json,
    number: u64,
    source: &str,
    builder: &mut IntelSetBuilder,
    report: &mut IntelFileReport,
) {
    let text = |key: &str| record.get(key).and_then(Json::as_str).unwrap_or_default();
    let value = text("indicator");
    let kind = text("type");
    let observable = match kind {
        "IPv4" | "IPv6" | "CIDR" => Observable::network(value),
        "domain" | "hostname" => Observable::domain(value),
        "URL" => Observable::url(value),
        "email" => Observable::email(value),
        _ if kind.starts_with("FileHash-") => Observable::hash(value),
        _ => {
            report.skip(&format!("OTX type {kind} not in logs"));
            return;
        }
    };
    let Some(observable) = observable else {
        report.invalid(number, value, format!("bad OTX {kind} value"));
        return;
    };
    if record.get("is_active").and_then(Json::as_i64) == Some(0) {
        report.skip("OTX indicator inactive");
        return;
    }

    let pulse: Json = serde_json::from_str(text("pulse_raw")).unwrap_or(Json::Null);
    let pulse_text = |key: &str| pulse.get(key).and_then(Json::as_str).unwrap_or_default();
    let valid_until = record
        .get("expiration")
        .and_then(Json::as_str)
        .and_then(parse_otx_time);
    let mut indicator = Indicator {
        id: format!(
            "otx:{}",
            record.get("id").map(Json::to_string).unwrap_or_default()
        ),
        name: match pulse_text("name") {
            "" => format!("OTX {kind}"),
            name => format!("OTX pulse {name}"),
        },
        source: source.to_owned(),
        labels: [pulse_text("tlp"), pulse_text("description")]
            .into_iter()
            .filter(|label| !label.is_empty())
            .map(str::to_owned)
            .collect(),
        valid_until,
        ..Indicator::default()
    };
    if !pulse_text("adversary").is_empty() {
        indicator.actors.push(ActorRef {
            id: format!("otx-adversary:{}", pulse_text("adversary")),
            name: pulse_text("adversary").to_owned(),
        });
    }
    let number = builder.add_indicator(indicator);
    builder.add(observable, number);
    report.indicators += 1;
    report.values += 1;
}

/// OTX writes times without a zone (`2023-09-07T00:00:00`); they are UTC.
fn parse_otx_time(text: &str) -> Option<Timestamp> {
    text.parse::<Timestamp>()
        .or_else(|_| format!("{text}Z").parse::<Timestamp>())
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_types_expiration_and_pulse_name() {
        let text = concat!(
            r#"{"id":1,"indicator":"192.0.2.9","type":"IPv4","expiration":"2023-09-07T00:00:00","is_active":1,"pulse_raw":"{\"name\":\"Test pulse\",\"adversary\":\"Actor X\"}"}"#,
            "\n",
            r#"{"id":2,"indicator":"evil.example","type":"domain","is_active":0,"pulse_raw":"{}"}"#,
            "\n",
            r#"{"id":3,"indicator":"x","type":"Mutex","pulse_raw":"{}"}"#,
            "\nnot json"
        );
        let mut builder = IntelSetBuilder::default();
        let mut report = IntelFileReport::default();
        load_otx(text, "otx.ndjson", &mut builder, &mut report);
        assert_eq!(report.indicators, 1);
        assert_eq!(report.skip_reasons["OTX indicator inactive"], 1);
        assert_eq!(report.skip_reasons["OTX type Mutex not in logs"], 1);
        assert_eq!(report.invalid_listed[0].line, 4);
        let set = builder.build();
        let indicator = set.indicator(0).unwrap();
        assert_eq!(indicator.name, "OTX pulse Test pulse");
        assert_eq!(indicator.actors[0].name, "Actor X");
        assert_eq!(
            indicator.valid_until,
            Some("2023-09-07T00:00:00Z".parse().unwrap())
        );
    }
}
