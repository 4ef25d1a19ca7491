//! Scoring our sshd events against fail2ban's annotated test logs.
//!
//! Each log line is preceded by `# failJSON: {...}` saying whether fail2ban's filter matches it
//! (`"match": true`, usually with the `"host"` it bans). A matched line must give an event with
//! outcome failure whose source is that host. A line marked `"match": false` must give no
//! failure event, unless its own words record a failed or aborted authentication (fail2ban
//! leaves some of those unmatched for its multi-line bookkeeping, e.g. the first `pam_unix`
//! failure before a success). Annotations constrained to a filter mode are read in fail2ban's
//! `aggressive` mode, the one that treats every failure-like line as a failure.

// Helpers of the tests below: an unreadable corpus file must fail the test loudly.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use serde_json::Value;
use threatlens::engine::event::{Event, Outcome};

use super::{ingest_with, same_host};

/// How a file scored.
#[derive(Debug, Default)]
pub struct Score {
    /// Lines fail2ban matches for which we gave a failure from the right host.
    pub matched: usize,
    /// Lines fail2ban matches for which we did not: (line number, text, what we gave).
    pub missed: Vec<(u64, String, String)>,
    /// Lines fail2ban leaves alone, recording no failure, on which we gave a failure.
    pub false_failures: Vec<(u64, String)>,
    /// Lines fail2ban leaves alone and on which we gave no failure.
    pub quiet: usize,
}

impl Score {
    pub fn print(&self, name: &str) {
        let total = self.matched + self.missed.len();
        eprintln!(
            "{name}: {}/{total} fail2ban matches found ({:.1}%), {} quiet lines quiet, {} false \
             failures",
            self.matched,
            100.0 * self.matched as f64 / total.max(1) as f64,
            self.quiet,
            self.false_failures.len()
        );
        for (line, text, got) in &self.missed {
            eprintln!("  missed line {line}: {text}\n    got: {got}");
        }
    }
}

/// Words by which a line itself records a failed or aborted authentication.
fn records_failure(text: &str) -> bool {
    [
        "Failed ",
        "authentication failure",
        "Too many authentication failures",
        "not allowed because",
        "invalid user",
        "[preauth]",
    ]
    .iter()
    .any(|words| text.contains(words))
}

/// True when an annotation applies in the mode we read (`aggressive`).
fn applies(annotation: &Value) -> bool {
    match annotation.get("constraint").and_then(Value::as_str) {
        Some(constraint) if constraint.contains("mode") => constraint.contains("== 'aggressive'"),
        _ => true,
    }
}

pub fn score(path: &Path) -> Score {
    let text = std::fs::read_to_string(path).unwrap();
    let (report, events) = ingest_with(path, Some(2005), None);
    super::assert_accounted(&report);
    assert_eq!(
        report.format,
        Some(threatlens::engine::ingest::InputFormat::Syslog)
    );

    let mut score = Score::default();
    let mut pending: Option<Value> = None;
    for (index, line) in text.lines().enumerate() {
        let number = index as u64 + 1;
        if let Some(json) = line.strip_prefix("# failJSON:") {
            pending = Some(serde_json::from_str(json.trim()).unwrap());
            continue;
        }
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let Some(annotation) = pending.take() else {
            continue;
        };
        if !applies(&annotation) {
            continue;
        }

        let ours: Vec<&Event> = events
            .iter()
            .filter(|e| e.location.line == number)
            .collect();
        let failures: Vec<&&Event> = ours
            .iter()
            .filter(|e| e.outcome == Some(Outcome::Failure))
            .collect();
        if annotation.get("match").and_then(Value::as_bool) == Some(true) {
            let host = annotation.get("host").and_then(Value::as_str);
            let found = failures
                .iter()
                .any(|event| host.is_none_or(|host| same_host(event, host)));
            if found {
                score.matched += 1;
            } else {
                let got = ours
                    .iter()
                    .map(|e| format!("{:?}/{:?} src={:?}", e.action, e.outcome, e.src_text()))
                    .collect::<Vec<_>>()
                    .join("; ");
                score.missed.push((number, line.to_owned(), got));
            }
        } else if !records_failure(line) {
            if failures.is_empty() {
                score.quiet += 1;
            } else {
                score.false_failures.push((number, line.to_owned()));
            }
        }
    }
    score
}
