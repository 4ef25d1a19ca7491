//! Threat intelligence: indicators from STIX bundles and plain feeds, compiled into lookup sets
//! and matched against every event of a scan.
//!
//! ```text
//! files ─► feeds (STIX, MISP, OTX, abuse.ch CSV, lists) ─► IntelSetBuilder ─► IntelSet
//! Event ─► IntelMatcher (addresses, ranges, domains, URLs, hashes, e-mails) ─► Detection
//! ```
//!
//! Every file gets an [`IntelFileReport`]: indicators loaded, patterns that cannot be matched
//! against logs (by reason), revoked indicators, and invalid entries with their line numbers. A
//! file that cannot be read is reported by name and the others still load.
//!
//! ```
//! use threatlens::engine::intel::{IntelSetBuilder, load_text};
//!
//! let mut builder = IntelSetBuilder::default();
//! let report = load_text("198.51.100.0/24 ; SBL1\n", "drop.txt", &mut builder);
//! assert_eq!(report.kind, Some("spamhaus_drop"));
//! let set = builder.build();
//! let mut hits = 0;
//! set.match_ip("198.51.100.7".parse().unwrap(), |_| hits += 1);
//! assert_eq!(hits, 1);
//! ```

mod feeds;
pub mod indicator;
pub mod matcher;
pub mod pattern;
mod ranges;
pub mod report;
pub mod set;
mod stix;

use std::io::Read as _;
use std::path::{Path, PathBuf};

pub use indicator::{ActorRef, HashKind, Indicator, Observable};
pub use matcher::IntelMatcher;
pub use report::IntelFileReport;
pub use set::{IntelSet, IntelSetBuilder};

use crate::engine::ingest::reader::Compression;

/// Largest intelligence file read, after decompression; a bigger one is refused by name.
pub const MAX_INTEL_BYTES: u64 = 2 << 30;

/// Everything loaded from the files named on the command line.
#[derive(Debug, Default)]
pub struct IntelLoad {
    /// The compiled indicators.
    pub set: IntelSet,
    /// One report per file, in the order read.
    pub files: Vec<IntelFileReport>,
}

/// Loads files and folders (read recursively, sorted, hidden entries skipped).
pub fn load_paths(paths: &[PathBuf]) -> IntelLoad {
    let (inputs, problems) = crate::engine::scan::collect_inputs(paths);
    let mut builder = IntelSetBuilder::default();
    let mut files = Vec::with_capacity(inputs.len() + problems.len());
    for input in &inputs {
        let report = load_file(&input.path, &mut builder);
        if let Some(failure) = &report.failure {
            tracing::warn!(path = %input.path.display(), %failure, "intelligence file not loaded");
        } else {
            tracing::info!(path = %input.path.display(), "{}", report.summary());
        }
        files.push(report);
    }
    for problem in problems {
        let reason = problem.failure.unwrap_or_else(|| "cannot open".to_owned());
        tracing::warn!(path = %problem.path.display(), %reason, "intelligence file not loaded");
        files.push(IntelFileReport::failed(&problem.path, reason));
    }
    let set = builder.build();
    tracing::info!(
        files = files.len(),
        indicators = set.len(),
        "threat intelligence loaded"
    );
    IntelLoad { set, files }
}

/// Loads one file (plain, gzip, bzip2 or zstd) into `builder`.
pub fn load_file(path: &Path, builder: &mut IntelSetBuilder) -> IntelFileReport {
    let text = match read_text(path) {
        Ok(text) => text,
        Err(reason) => return IntelFileReport::failed(path, reason),
    };
    let source = path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    );
    let mut report = load_text(&text, &source, builder);
    report.path = path.to_path_buf();
    report
}

/// Loads decoded text named `source` (a file name, for reports and detections).
pub fn load_text(text: &str, source: &str, builder: &mut IntelSetBuilder) -> IntelFileReport {
    let mut report = IntelFileReport::new(Path::new(source));
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    feeds::load_text(text, source, builder, &mut report);
    report
}

fn read_text(path: &Path) -> Result<String, String> {
    let file = std::fs::File::open(path).map_err(|error| format!("cannot open: {error}"))?;
    let mut raw = Vec::new();
    file.take(MAX_INTEL_BYTES + 1)
        .read_to_end(&mut raw)
        .map_err(|error| format!("cannot read: {error}"))?;
    let mut bytes = Vec::new();
    let limit = MAX_INTEL_BYTES + 1;
    let decoded = match Compression::sniff(&raw) {
        Compression::None => {
            bytes = raw;
            Ok(0)
        }
        Compression::Gzip => flate2::read::MultiGzDecoder::new(raw.as_slice())
            .take(limit)
            .read_to_end(&mut bytes),
        Compression::Bzip2 => bzip2::read::MultiBzDecoder::new(raw.as_slice())
            .take(limit)
            .read_to_end(&mut bytes),
        Compression::Zstd => zstd::stream::read::Decoder::new(raw.as_slice())
            .and_then(|decoder| decoder.take(limit).read_to_end(&mut bytes)),
    };
    decoded.map_err(|error| format!("cannot decompress: {error}"))?;
    if bytes.len() as u64 > MAX_INTEL_BYTES {
        return Err(format!("larger than {MAX_INTEL_BYTES} bytes"));
    }
    Ok(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => String::from_utf8_lossy(error.as_bytes()).into_owned(),
    })
}
