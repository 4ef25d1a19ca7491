//! The case: what the analyst opened and what they decided about it.
//!
//! Detections and file reports come from scans; triage marks are keyed by a detection's
//! identity (rule, addresses, user, first time seen) rather than its position, so they survive
//! re-reading the files. A saved case holds the file paths (with size and modification time, to
//! notice a changed file) and the marks; opening it reads the files again.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::engine::detect::Detection;
use crate::engine::ingest::FileReport;
use crate::engine::scan::ScanOutcome;
use anyhow::Context as _;
use serde::{Deserialize, Serialize};

/// Format version written into case files.
const CASE_FORMAT: u32 = 1;

/// Where a detection stands in the analyst's triage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriageStatus {
    /// Not looked at yet.
    #[default]
    New,
    /// Being looked at.
    Investigating,
    /// Looked at: harmless.
    FalsePositive,
    /// Looked at: real.
    Confirmed,
}

impl TriageStatus {
    /// Every status, in menu order.
    pub const ALL: [Self; 4] = [
        Self::New,
        Self::Investigating,
        Self::FalsePositive,
        Self::Confirmed,
    ];

    /// Label shown in the table and menus.
    pub fn label(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Investigating => "investigating",
            Self::FalsePositive => "false positive",
            Self::Confirmed => "confirmed",
        }
    }
}

/// Everything opened so far and the analyst's marks.
#[derive(Debug, Default)]
pub struct Case {
    /// One report per file read, in the order they were opened.
    pub files: Vec<FileReport>,
    /// Detections of all scans, most severe first.
    pub detections: Vec<Detection>,
    /// Events read in all.
    pub events: u64,
    /// Triage marks by detection key (see [`detection_key`]).
    pub triage: BTreeMap<String, TriageStatus>,
    /// Where the case was last saved or opened from.
    pub path: Option<PathBuf>,
    /// Bumped whenever detections change, so views can refresh what they derived.
    pub generation: u64,
}

/// A stable identity for a detection across re-reads of the same files.
pub fn detection_key(detection: &Detection) -> String {
    let first = detection
        .first_seen
        .map(|time| time.to_string())
        .unwrap_or_default();
    format!(
        "{}|{}|{}|{}|{}|{}|{}",
        detection.rule_id,
        detection.src_ip.as_deref().unwrap_or(""),
        detection.dst_ip.as_deref().unwrap_or(""),
        detection
            .dst_port
            .map(|port| port.to_string())
            .unwrap_or_default(),
        detection.user.as_deref().unwrap_or(""),
        detection.domain.as_deref().unwrap_or(""),
        first,
    )
}

impl Case {
    /// Adds a scan's files and detections; evidence file numbers are moved past the files
    /// already in the case so `file:line` keeps pointing at the right file.
    pub fn add_outcome(&mut self, outcome: ScanOutcome) {
        let offset = u32::try_from(self.files.len()).unwrap_or(u32::MAX);
        let mut detections = outcome.detections;
        for detection in &mut detections {
            for location in &mut detection.evidence {
                location.file = location.file.saturating_add(offset);
            }
        }
        self.files.extend(outcome.files);
        self.events += outcome.events;
        self.detections.extend(detections);
        // Stable: within a severity, the engine's order (and earlier scans first) stays.
        self.detections
            .sort_by_key(|detection| std::cmp::Reverse(detection.severity));
        self.generation += 1;
    }

    /// The triage status of a detection.
    pub fn status_of(&self, detection: &Detection) -> TriageStatus {
        self.triage
            .get(&detection_key(detection))
            .copied()
            .unwrap_or_default()
    }

    /// Sets a detection's status (by index); `New` removes the mark.
    pub fn set_status(&mut self, index: usize, status: TriageStatus) {
        let Some(detection) = self.detections.get(index) else {
            return;
        };
        let key = detection_key(detection);
        if status == TriageStatus::New {
            self.triage.remove(&key);
        } else {
            self.triage.insert(key, status);
        }
        self.generation += 1;
    }

    /// The file a detection's evidence points to, by its number.
    pub fn file_path(&self, file: u32) -> Option<&Path> {
        self.files
            .get(file as usize)
            .map(|report| report.path.as_path())
    }

    /// What is written to disk for this case.
    pub fn to_file(&self) -> CaseFile {
        let files = self
            .files
            .iter()
            .filter(|report| report.failure.is_none())
            .map(|report| CaseInput::of(&report.path))
            .collect();
        CaseFile {
            format: CASE_FORMAT,
            files,
            triage: self.triage.clone(),
        }
    }
}

/// One opened file as remembered in a case file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseInput {
    /// The file.
    pub path: PathBuf,
    /// Its size when the case was saved.
    pub size_bytes: Option<u64>,
    /// Its modification time (seconds since 1970) when the case was saved.
    pub modified_secs: Option<u64>,
}

impl CaseInput {
    /// Describes a file as it is now.
    pub fn of(path: &Path) -> Self {
        let metadata = std::fs::metadata(path).ok();
        let modified_secs = metadata
            .as_ref()
            .and_then(|meta| meta.modified().ok())
            .and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|since| since.as_secs());
        Self {
            path: path.to_path_buf(),
            size_bytes: metadata.map(|meta| meta.len()),
            modified_secs,
        }
    }

    /// Why the file no longer looks like it did when the case was saved, if it does not.
    pub fn change(&self) -> Option<String> {
        let now = Self::of(&self.path);
        if now.size_bytes.is_none() {
            return Some(format!("is missing or unreadable: {}", self.path.display()));
        }
        if now.size_bytes != self.size_bytes || now.modified_secs != self.modified_secs {
            return Some(format!(
                "changed since the case was saved: {}",
                self.path.display()
            ));
        }
        None
    }
}

/// A case as saved on disk (JSON).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseFile {
    /// Format version.
    pub format: u32,
    /// The files to read.
    pub files: Vec<CaseInput>,
    /// Triage marks by detection key.
    pub triage: BTreeMap<String, TriageStatus>,
}

impl CaseFile {
    /// Writes the case, replacing the file only once the new one is complete.
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        let text = serde_json::to_vec_pretty(self).context("cannot encode the case")?;
        let partial = path.with_extension("json.partial");
        std::fs::write(&partial, text)
            .with_context(|| format!("cannot write case file {}", partial.display()))?;
        std::fs::rename(&partial, path)
            .with_context(|| format!("cannot replace case file {}", path.display()))
    }

    /// Reads a saved case.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read(path)
            .with_context(|| format!("cannot read case file {}", path.display()))?;
        let case: Self = serde_json::from_slice(&text)
            .with_context(|| format!("not a ThreatLens case file: {}", path.display()))?;
        anyhow::ensure!(
            case.format == CASE_FORMAT,
            "case file format {} is not supported (expected {CASE_FORMAT}): {}",
            case.format,
            path.display()
        );
        Ok(case)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::detect::Severity;

    fn detection(rule: &str, severity: Severity, src: &str) -> Detection {
        let mut detection = Detection::new(rule, rule, severity);
        detection.src_ip = Some(src.to_owned());
        detection
    }

    #[test]
    fn triage_marks_follow_the_detection_not_its_position() {
        let mut case = Case {
            detections: vec![
                detection("a", Severity::Low, "192.0.2.1"),
                detection("b", Severity::High, "192.0.2.2"),
            ],
            ..Case::default()
        };
        case.set_status(0, TriageStatus::FalsePositive);

        case.detections.reverse();
        assert_eq!(
            case.status_of(&case.detections[1]),
            TriageStatus::FalsePositive
        );
        assert_eq!(case.status_of(&case.detections[0]), TriageStatus::New);
    }

    #[test]
    fn a_saved_case_reads_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("case.json");
        let mut triage = BTreeMap::new();
        triage.insert("rule|x".to_owned(), TriageStatus::Confirmed);
        let saved = CaseFile {
            format: CASE_FORMAT,
            files: vec![CaseInput::of(&path)],
            triage,
        };
        saved.save(&path).expect("saved");

        let loaded = CaseFile::load(&path).expect("loaded");
        assert_eq!(loaded.triage, saved.triage);
        assert_eq!(loaded.files[0].path, path);
    }

    #[test]
    fn a_file_that_is_not_a_case_is_named_in_the_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("notes.json");
        std::fs::write(&path, b"[1, 2]").expect("written");
        let error = CaseFile::load(&path).expect_err("not a case").to_string();
        assert!(error.contains("notes.json"), "{error}");
    }
}
