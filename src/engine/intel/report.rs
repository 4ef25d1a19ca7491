//! What loading one intelligence file did: counts, reasons, and the first bad lines.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// How many bad entries and unsupported patterns are listed one by one; all are counted.
pub const MAX_LISTED: usize = 20;

/// One entry that could not be used, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IntelProblem {
    /// 1-based line for line feeds; 0 for JSON documents.
    pub line: u64,
    /// The STIX id or value concerned, when there is one.
    pub subject: String,
    /// Why it was not used.
    pub reason: String,
}

/// The account of one intelligence file.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IntelFileReport {
    /// The file.
    pub path: PathBuf,
    /// Recognized feed kind (`stix`, `spamhaus_drop`, `feodo_csv`…), or null when unreadable.
    pub kind: Option<&'static str>,
    /// Indicators loaded that can match.
    pub indicators: u64,
    /// Values (addresses, ranges, domains, URLs, hashes, e-mails) added to the lookup set.
    pub values: u64,
    /// Lines or entries understood to hold no indicator: comments, headers, blank lines, and
    /// entries of a type that logs do not carry (MISP `filename`, `regkey`…).
    pub skipped: u64,
    /// Skipped entries by reason.
    pub skip_reasons: BTreeMap<String, u64>,
    /// Indicators whose pattern cannot be matched against logs, by reason.
    pub unsupported: BTreeMap<String, u64>,
    /// The first unsupported patterns, with indicator ids.
    pub unsupported_listed: Vec<IntelProblem>,
    /// Revoked indicators left out.
    pub revoked: u64,
    /// Entries that should hold an indicator and do not parse (bad address, bad pattern).
    pub invalid: u64,
    /// The first invalid entries.
    pub invalid_listed: Vec<IntelProblem>,
    /// Why the whole file could not be used.
    pub failure: Option<String>,
}

impl IntelFileReport {
    /// An empty report for `path`.
    pub fn new(path: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
            ..Self::default()
        }
    }

    /// A report for a file that could not be used at all.
    pub fn failed(path: &Path, reason: String) -> Self {
        Self {
            failure: Some(reason),
            ..Self::new(path)
        }
    }

    /// Counts a line or entry with nothing to load.
    pub fn skip(&mut self, reason: &str) {
        self.skipped += 1;
        *self.skip_reasons.entry(reason.to_owned()).or_default() += 1;
    }

    /// Counts an entry that does not parse.
    pub fn invalid(&mut self, line: u64, subject: &str, reason: impl Into<String>) {
        self.invalid += 1;
        if self.invalid_listed.len() < MAX_LISTED {
            self.invalid_listed.push(IntelProblem {
                line,
                subject: subject.chars().take(200).collect(),
                reason: reason.into(),
            });
        }
    }

    /// Counts an indicator whose pattern cannot be matched against logs.
    pub fn unsupported(&mut self, subject: &str, reason: &str) {
        *self.unsupported.entry(reason.to_owned()).or_default() += 1;
        if self.unsupported_listed.len() < MAX_LISTED {
            self.unsupported_listed.push(IntelProblem {
                line: 0,
                subject: subject.to_owned(),
                reason: reason.to_owned(),
            });
        }
    }

    /// Indicators with patterns that cannot be matched, in all.
    pub fn unsupported_count(&self) -> u64 {
        self.unsupported.values().sum()
    }

    /// One line for the user: `12 indicators (30 values), 2 unsupported, 1 invalid`.
    pub fn summary(&self) -> String {
        if let Some(failure) = &self.failure {
            return failure.clone();
        }
        let mut text = format!(
            "{}: {} indicators ({} values)",
            self.kind.unwrap_or("unknown"),
            self.indicators,
            self.values
        );
        let unsupported = self.unsupported_count();
        if unsupported > 0 {
            text.push_str(&format!(", {unsupported} not matchable against logs"));
        }
        if self.revoked > 0 {
            text.push_str(&format!(", {} revoked", self.revoked));
        }
        if self.invalid > 0 {
            text.push_str(&format!(", {} invalid", self.invalid));
            if let Some(first) = self.invalid_listed.first() {
                text.push_str(&format!(
                    " (first at line {}: {})",
                    first.line, first.reason
                ));
            }
        }
        text
    }
}
