//! Scan results as documents for other programs: JSON, NDJSON, CSV, STIX 2.1 and ATT&CK
//! Navigator layers.
//!
//! The JSON shape is the contract scripts rely on: `files` with per-file counts and line errors,
//! and `detections` with ATT&CK techniques, entities and `file:line` evidence.

pub mod events;
pub mod navigator;
pub mod stix;

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::engine::attack::actors::RankedGroup;
use crate::engine::detect::{Detection, Severity};
use crate::engine::ingest::{FileReport, LineError};
use crate::engine::scan::ScanOutcome;

/// Looks up ATT&CK technique names by id; names are unknown without ATT&CK data.
pub trait TechniqueNames {
    /// The technique's name, if known.
    fn name(&self, technique_id: &str) -> Option<String>;

    /// The technique's tactic short names in matrix order, if known.
    fn tactics(&self, _technique_id: &str) -> Vec<String> {
        Vec::new()
    }

    /// The replacement's id when the technique was revoked.
    fn replaced_by(&self, _technique_id: &str) -> Option<String> {
        None
    }

    /// The loaded ATT&CK version, if any.
    fn attack_version(&self) -> Option<String> {
        None
    }
}

/// No ATT&CK data loaded: every name is unknown.
#[derive(Debug, Default)]
pub struct NoTechniqueNames;

impl TechniqueNames for NoTechniqueNames {
    fn name(&self, _technique_id: &str) -> Option<String> {
        None
    }
}

/// The whole scan as one JSON document.
#[derive(Debug, Serialize)]
pub struct ScanDocument<'a> {
    /// ThreatLens version that wrote the document.
    pub threatlens_version: &'static str,
    /// ATT&CK version the names, tactics and actors come from; null without ATT&CK data.
    pub attack_version: Option<String>,
    /// One entry per input file.
    pub files: Vec<FileEntry<'a>>,
    /// Detections, most severe first.
    pub detections: Vec<DetectionEntry<'a>>,
    /// Known groups whose techniques look most like the detected ones (similarity, not
    /// attribution); empty without ATT&CK data.
    pub actors: Vec<RankedGroup>,
    /// Totals.
    pub summary: Summary,
}

/// A file in the JSON document.
#[derive(Debug, Serialize)]
pub struct FileEntry<'a> {
    /// Path as given.
    pub path: String,
    /// Recognized format, or null when the file was not read.
    pub format: Option<&'static str>,
    /// `none`, `gzip`, `bzip2` or `zstd`.
    pub compression: &'static str,
    /// Lines read.
    pub lines: u64,
    /// Lines that produced events.
    pub parsed_lines: u64,
    /// Events produced.
    pub events: u64,
    /// Lines understood to hold no event.
    pub skipped: u64,
    /// Skipped lines by reason.
    pub skip_reasons: &'a BTreeMap<String, u64>,
    /// Lines that could not be read.
    pub error_count: u64,
    /// The first bad lines with reasons.
    pub errors: &'a [LineError],
    /// Problems with the file as a whole that did not stop it.
    pub warnings: &'a [String],
    /// Why the file could not be read at all.
    pub failure: Option<&'a str>,
}

/// A technique reference with its name when ATT&CK data is loaded.
#[derive(Debug, Serialize)]
pub struct TechniqueEntry {
    /// ATT&CK id (`T1110.001`).
    pub id: String,
    /// ATT&CK name, or null without ATT&CK data.
    pub name: Option<String>,
    /// Tactic short names from the loaded ATT&CK version (empty without data).
    pub tactics: Vec<String>,
    /// When the id was revoked in the loaded version: the technique that replaced it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaced_by: Option<String>,
}

/// One evidence reference.
#[derive(Debug, Serialize)]
pub struct EvidenceEntry {
    /// The file's path.
    pub file: String,
    /// 1-based line number.
    pub line: u64,
}

/// A detection in the JSON document.
#[derive(Debug, Serialize)]
pub struct DetectionEntry<'a> {
    /// Rule or analytic id.
    pub rule_id: &'a str,
    /// Rule title.
    pub title: &'a str,
    /// Severity.
    pub severity: Severity,
    /// Techniques with names.
    pub techniques: Vec<TechniqueEntry>,
    /// Tactic short names.
    pub tactics: &'a [String],
    /// Earliest event time (RFC 3339 UTC).
    pub first_seen: Option<String>,
    /// Latest event time (RFC 3339 UTC).
    pub last_seen: Option<String>,
    /// Events behind the finding.
    pub count: u64,
    /// Source address or host.
    pub src_ip: Option<&'a str>,
    /// Destination address or host.
    pub dst_ip: Option<&'a str>,
    /// Destination port.
    pub dst_port: Option<u16>,
    /// User name.
    pub user: Option<&'a str>,
    /// Domain.
    pub domain: Option<&'a str>,
    /// The kept evidence references.
    pub evidence: Vec<EvidenceEntry>,
    /// All evidence references, kept or not.
    pub evidence_total: u64,
    /// Analytic measurements.
    pub details: BTreeMap<&'a str, &'a str>,
}

/// Totals over the scan.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// Files given (after expanding folders).
    pub files: usize,
    /// Files read as logs.
    pub files_read: usize,
    /// Files that could not be read.
    pub files_failed: usize,
    /// Lines read.
    pub lines: u64,
    /// Events parsed.
    pub events: u64,
    /// Lines that could not be read.
    pub line_errors: u64,
    /// Detections.
    pub detections: usize,
}

/// Builds the JSON document for a scan.
pub fn scan_document<'a>(outcome: &'a ScanOutcome, names: &dyn TechniqueNames) -> ScanDocument<'a> {
    let paths: Vec<String> = outcome
        .files
        .iter()
        .map(|file| file.path.display().to_string())
        .collect();
    let files = outcome
        .files
        .iter()
        .zip(&paths)
        .map(|(file, path)| file_entry(file, path.clone()))
        .collect();
    let detections = outcome
        .detections
        .iter()
        .map(|detection| detection_entry(detection, &paths, names))
        .collect();
    ScanDocument {
        threatlens_version: env!("CARGO_PKG_VERSION"),
        attack_version: names.attack_version(),
        files,
        detections,
        actors: Vec::new(),
        summary: summary(outcome),
    }
}

fn file_entry(file: &FileReport, path: String) -> FileEntry<'_> {
    FileEntry {
        path,
        format: file.format.map(|format| format.as_str()),
        compression: file.compression,
        lines: file.lines,
        parsed_lines: file.parsed_lines,
        events: file.events,
        skipped: file.skipped,
        skip_reasons: &file.skip_reasons,
        error_count: file.error_count,
        errors: &file.errors,
        warnings: &file.warnings,
        failure: file.failure.as_deref(),
    }
}

/// Builds one detection's entry; `paths` are the scan's file paths by index.
pub fn detection_entry<'a>(
    detection: &'a Detection,
    paths: &[String],
    names: &dyn TechniqueNames,
) -> DetectionEntry<'a> {
    DetectionEntry {
        rule_id: &detection.rule_id,
        title: &detection.title,
        severity: detection.severity,
        techniques: detection
            .techniques
            .iter()
            .map(|id| TechniqueEntry {
                id: id.clone(),
                name: names.name(id),
                tactics: names.tactics(id),
                replaced_by: names.replaced_by(id),
            })
            .collect(),
        tactics: &detection.tactics,
        first_seen: detection.first_seen.map(|time| time.to_string()),
        last_seen: detection.last_seen.map(|time| time.to_string()),
        count: detection.count,
        src_ip: detection.src_ip.as_deref(),
        dst_ip: detection.dst_ip.as_deref(),
        dst_port: detection.dst_port,
        user: detection.user.as_deref(),
        domain: detection.domain.as_deref(),
        evidence: detection
            .evidence
            .iter()
            .map(|location| EvidenceEntry {
                file: paths
                    .get(location.file as usize)
                    .cloned()
                    .unwrap_or_default(),
                line: location.line,
            })
            .collect(),
        evidence_total: detection.evidence_total,
        details: detection
            .details
            .iter()
            .map(|(key, value)| (key.as_str(), value.as_str()))
            .collect(),
    }
}

/// Totals over a scan.
pub fn summary(outcome: &ScanOutcome) -> Summary {
    let files_failed = outcome
        .files
        .iter()
        .filter(|file| file.failure.is_some())
        .count();
    Summary {
        files: outcome.files.len(),
        files_read: outcome.files.len() - files_failed,
        files_failed,
        lines: outcome.files.iter().map(|file| file.lines).sum(),
        events: outcome.events,
        line_errors: outcome.files.iter().map(|file| file.error_count).sum(),
        detections: outcome.detections.len(),
    }
}

/// Writes detections as CSV, one row per detection, evidence as `file:line` joined by spaces.
pub fn write_csv(document: &ScanDocument<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record([
        "severity",
        "rule_id",
        "title",
        "techniques",
        "tactics",
        "first_seen",
        "last_seen",
        "count",
        "src_ip",
        "dst_ip",
        "dst_port",
        "user",
        "domain",
        "evidence",
    ])?;
    for detection in &document.detections {
        let techniques: Vec<&str> = detection.techniques.iter().map(|t| t.id.as_str()).collect();
        let evidence: Vec<String> = detection
            .evidence
            .iter()
            .map(|e| format!("{}:{}", e.file, e.line))
            .collect();
        writer.write_record([
            detection.severity.as_str(),
            detection.rule_id,
            detection.title,
            &techniques.join(" "),
            &detection.tactics.join(" "),
            detection.first_seen.as_deref().unwrap_or_default(),
            detection.last_seen.as_deref().unwrap_or_default(),
            &detection.count.to_string(),
            detection.src_ip.unwrap_or_default(),
            detection.dst_ip.unwrap_or_default(),
            &detection
                .dst_port
                .map(|p| p.to_string())
                .unwrap_or_default(),
            detection.user.unwrap_or_default(),
            detection.domain.unwrap_or_default(),
            &evidence.join(" "),
        ])?;
    }
    writer.flush()
}

/// Writes one JSON object per line: a `file` record per input, a `detection` record each, then
/// an `actor` record per ranked group.
pub fn write_ndjson(document: &ScanDocument<'_>, out: &mut dyn Write) -> io::Result<()> {
    #[derive(Serialize)]
    struct Tagged<'a, T: Serialize> {
        record: &'static str,
        #[serde(flatten)]
        body: &'a T,
    }

    for file in &document.files {
        serde_json::to_writer(
            &mut *out,
            &Tagged {
                record: "file",
                body: file,
            },
        )?;
        out.write_all(b"\n")?;
    }
    for detection in &document.detections {
        let tagged = Tagged {
            record: "detection",
            body: detection,
        };
        serde_json::to_writer(&mut *out, &tagged)?;
        out.write_all(b"\n")?;
    }
    for actor in &document.actors {
        let tagged = Tagged {
            record: "actor",
            body: actor,
        };
        serde_json::to_writer(&mut *out, &tagged)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
