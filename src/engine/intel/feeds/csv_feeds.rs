//! abuse.ch CSV exports: Feodo Tracker (`dst_ip`), URLhaus (`url`) and ThreatFox
//! (`ioc_value` with `ioc_type`).
//!
//! Columns are found by header name, never by position. The header may be a plain row (Feodo,
//! re-saved URLhaus dumps) or the last `#` comment line (the official URLhaus and ThreatFox
//! downloads write `# id,dateadded,url,…`). Each row becomes its own indicator, named after its
//! malware family or threat, so a detection says which botnet an address belongs to.

use crate::engine::intel::indicator::{Indicator, Observable};
use crate::engine::intel::report::IntelFileReport;
use crate::engine::intel::set::IntelSetBuilder;

/// Column names that mark a header row of an abuse.ch CSV.
const VALUE_COLUMNS: [&str; 3] = ["dst_ip", "url", "ioc_value"];

/// The header fields of an abuse.ch CSV, and the line the data starts after, if this is one.
pub fn find_header(text: &str) -> Option<(Vec<String>, usize)> {
    for (index, line) in text.lines().enumerate().take(100) {
        let candidate = line.trim_start_matches('#').trim();
        let fields = split_row(candidate);
        if fields
            .iter()
            .any(|field| VALUE_COLUMNS.contains(&field.as_str()))
            && fields.len() >= 3
        {
            return Some((fields, index));
        }
        if !line.starts_with('#') && !line.trim().is_empty() {
            return None;
        }
    }
    None
}

fn split_row(line: &str) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .buffer_capacity(line.len() + 64)
        .from_reader(line.as_bytes());
    reader
        .records()
        .next()
        .and_then(Result::ok)
        .map(|record| record.iter().map(unquote).collect())
        .unwrap_or_default()
}

/// ThreatFox writes `"a", "b"`: after the space the quotes are not CSV quoting, so they are
/// taken off here.
fn unquote(field: &str) -> String {
    let field = field.trim();
    field
        .strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
        .unwrap_or(field)
        .to_owned()
}

/// Which abuse.ch export the header belongs to.
pub fn csv_kind(header: &[String]) -> &'static str {
    let has = |name: &str| header.iter().any(|field| field == name);
    if has("ioc_value") {
        "threatfox_csv"
    } else if has("url") {
        "urlhaus_csv"
    } else {
        "feodo_csv"
    }
}

/// Loads the rows after the header line `header_line` (0-based).
pub fn load_csv(
    text: &str,
    header: &[String],
    header_line: usize,
    source: &str,
    builder: &mut IntelSetBuilder,
    report: &mut IntelFileReport,
) {
    let column = |name: &str| header.iter().position(|field| field == name);
    let kind = csv_kind(header);
    let value_column = column("ioc_value")
        .or_else(|| column("url"))
        .or_else(|| column("dst_ip"));
    let Some(value_column) = value_column else {
        return;
    };
    let type_column = column("ioc_type");
    let name_column = column("malware_printable")
        .or_else(|| column("malware"))
        .or_else(|| column("threat"));
    let label_columns: Vec<usize> = ["threat_type", "threat", "tags", "c2_status"]
        .iter()
        .filter_map(|name| column(name))
        .collect();
    let id_column = column("ioc_id").or_else(|| column("id"));
    let confidence_column = column("confidence_level");

    for (index, line) in text.lines().enumerate().skip(header_line + 1) {
        let number = index as u64 + 1;
        if line.trim().is_empty() {
            report.skip("blank line");
            continue;
        }
        if line.starts_with('#') {
            report.skip("comment");
            continue;
        }
        let row = split_row(line);
        let field = |at: Option<usize>| at.and_then(|at| row.get(at)).map(String::as_str);
        let Some(value) = field(Some(value_column)) else {
            report.invalid(number, line, "row has no value column");
            continue;
        };
        let observable = match field(type_column) {
            Some(ioc_type) => threatfox_value(ioc_type, value),
            None if kind == "urlhaus_csv" => Observable::url(value),
            None => Observable::network(value),
        };
        let Some(observable) = observable else {
            report.invalid(number, value, format!("bad {kind} value"));
            continue;
        };

        let mut labels: Vec<String> = Vec::new();
        for at in &label_columns {
            for label in row.get(*at).into_iter().flat_map(|cell| cell.split(',')) {
                let label = label.trim();
                if !label.is_empty()
                    && label != "None"
                    && !labels.iter().any(|known| known == label)
                {
                    labels.push(label.to_owned());
                }
            }
        }
        if kind == "feodo_csv" {
            labels.insert(0, "botnet_cc".to_owned());
        }
        let family = field(name_column).filter(|name| !name.is_empty() && *name != "None");
        let name = match (kind, family) {
            ("feodo_csv", Some(family)) => format!("{family} botnet C2"),
            (_, Some(family)) => family.to_owned(),
            (_, None) => format!("{kind} entry"),
        };
        let id =
            field(id_column).map_or_else(|| format!("{kind}:{value}"), |id| format!("{kind}:{id}"));
        let indicator = Indicator {
            id,
            name,
            source: source.to_owned(),
            labels,
            confidence: field(confidence_column).and_then(|text| text.parse::<u8>().ok()),
            malware: family.map(str::to_owned).into_iter().collect(),
            ..Indicator::default()
        };
        let number = builder.add_indicator(indicator);
        builder.add(observable, number);
        report.indicators += 1;
        report.values += 1;
    }
}

/// Reads a ThreatFox IOC by its type: `ip:port`, `domain`, `url`, `md5_hash`, `sha256_hash`…
fn threatfox_value(ioc_type: &str, value: &str) -> Option<Observable> {
    match ioc_type {
        "ip:port" => {
            let host = crate::engine::intel::indicator::split_host_port(value).0;
            Observable::network(host)
        }
        "domain" => Observable::domain(value),
        "url" => Observable::url(value),
        _ if ioc_type.ends_with("_hash") => Observable::hash(value),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threatfox_header_in_a_comment_and_typed_values() {
        let text = "################\n\
            # \"first_seen_utc\",\"ioc_id\",\"ioc_value\",\"ioc_type\",\"threat_type\",\"malware_printable\",\"confidence_level\"\n\
            \"2024-01-01 00:00:00\", \"1\", \"192.0.2.5:443\", \"ip:port\", \"botnet_cc\", \"Cobalt Strike\", \"100\"\n\
            \"2024-01-01 00:00:00\", \"2\", \"evil.example\", \"domain\", \"payload_delivery\", \"Unknown malware\", \"50\"\n\
            \"2024-01-01 00:00:00\", \"3\", \"nonsense\", \"ip:port\", \"botnet_cc\", \"X\", \"50\"\n";
        let (header, line) = find_header(text).unwrap();
        assert_eq!(line, 1);
        assert_eq!(csv_kind(&header), "threatfox_csv");
        let mut builder = IntelSetBuilder::default();
        let mut report = IntelFileReport::default();
        load_csv(text, &header, line, "tf.csv", &mut builder, &mut report);
        assert_eq!(report.indicators, 2);
        assert_eq!(report.invalid, 1);
        assert_eq!(report.invalid_listed[0].line, 5);
        let set = builder.build();
        let first = set.indicator(0).unwrap();
        assert_eq!(first.id, "threatfox_csv:1");
        assert_eq!(first.name, "Cobalt Strike");
        assert_eq!(first.confidence, Some(100));
        assert!(first.is_command_and_control());
    }
}
