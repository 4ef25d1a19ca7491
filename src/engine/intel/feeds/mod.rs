//! Intelligence files of every supported kind, recognized from their content.
//!
//! JSON documents are STIX bundles or MISP events; JSON lines are OTX exports; text with an
//! abuse.ch header is a CSV export; anything else is read as a list with one address, range,
//! domain or URL per line.

mod csv_feeds;
mod lists;
mod misp;
mod otx;

use serde_json::Value as Json;

use crate::engine::intel::indicator::Indicator;
use crate::engine::intel::report::IntelFileReport;
use crate::engine::intel::set::IntelSetBuilder;
use crate::engine::intel::stix;

/// Loads decoded text of one file named `source`, recognizing its kind; sets `report.kind`.
pub fn load_text(
    text: &str,
    source: &str,
    builder: &mut IntelSetBuilder,
    report: &mut IntelFileReport,
) {
    let trimmed = text.trim_start();
    if trimmed.starts_with(['{', '[']) {
        match serde_json::from_str::<Json>(trimmed) {
            Ok(document) => return load_json(document, text, source, builder, report),
            Err(error) => {
                let first_line = trimmed.lines().next().unwrap_or_default();
                if otx::is_otx_line(first_line) {
                    report.kind = Some("otx_ndjson");
                    return otx::load_otx(text, source, builder, report);
                }
                report.failure = Some(format!("not valid JSON: {error}"));
                return;
            }
        }
    }

    if let Some((header, line)) = csv_feeds::find_header(text) {
        report.kind = Some(csv_feeds::csv_kind(&header));
        return csv_feeds::load_csv(text, &header, line, source, builder, report);
    }

    let kind = lists::list_kind(text);
    report.kind = Some(kind);
    let feed = Indicator {
        id: format!("feed:{source}"),
        name: feed_title(kind, source),
        source: source.to_owned(),
        labels: vec![kind.to_owned()],
        ..Indicator::default()
    };
    lists::load_list(text, feed, builder, report);
    if report.values == 0 && report.invalid > 0 {
        // Prose or some other file in an intel folder: say so once instead of a bad line each.
        report.failure = Some(format!(
            "not an intelligence feed: none of its {} entries is an address, range, domain or URL",
            report.invalid
        ));
    }
}

fn load_json(
    document: Json,
    text: &str,
    source: &str,
    builder: &mut IntelSetBuilder,
    report: &mut IntelFileReport,
) {
    if misp::is_misp(&document) {
        report.kind = Some("misp_event");
        misp::load_misp(&document, source, builder, report);
    } else if document.get("indicator").is_some() && document.get("pulse_raw").is_some() {
        report.kind = Some("otx_ndjson");
        otx::load_otx(text, source, builder, report);
    } else if document.get("objects").is_some()
        || document.get("type").and_then(Json::as_str).is_some()
        || document.is_array()
    {
        report.kind = Some("stix");
        stix::load_bundle(document, source, builder, report);
    } else {
        report.failure = Some("JSON document is neither STIX, MISP nor OTX".to_owned());
    }
}

/// A readable name for a list feed: `Spamhaus DROP` or the file name.
fn feed_title(kind: &str, source: &str) -> String {
    match kind {
        "spamhaus_drop" => "Spamhaus DROP".to_owned(),
        _ => format!("{source} list"),
    }
}
