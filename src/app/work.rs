//! The work the app hands to background threads: scanning logs, loading ATT&CK, and reading
//! evidence lines back from their files. Each function starts a [`Job`] and returns at once.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use crate::engine::attack::source::{self, LoadedAttack};
use crate::engine::detect::RuleSet;
use crate::engine::ingest::IngestOptions;
use crate::engine::ingest::reader::LineReader;
use crate::engine::scan::{self, Input, ScanOptions, ScanOutcome, ScanProgress};

use super::jobs::{Job, Wake};

/// Longest evidence line shown, in characters; the rest is cut.
const MAX_EVIDENCE_CHARS: usize = 2_000;

/// Evidence lines read back for one detection.
pub const MAX_EVIDENCE_SHOWN: usize = 10;

/// A scan running in the background, with what a progress display needs.
#[derive(Debug)]
pub struct ScanJob {
    /// The job itself.
    pub job: Job<anyhow::Result<ScanOutcome>>,
    /// Counters the scan updates as it reads.
    pub progress: Arc<ScanProgress>,
    /// The input files, once the folders named have been walked.
    pub inputs: Arc<OnceLock<Vec<Input>>>,
    /// What the user asked to open.
    pub paths: Vec<PathBuf>,
}

/// How far one input file has been read.
#[derive(Debug, Clone, PartialEq)]
pub struct FileProgress {
    /// The file.
    pub path: PathBuf,
    /// 0..=1.
    pub fraction: f32,
    /// Finished.
    pub done: bool,
}

impl ScanJob {
    /// Starts reading `paths` with the bundled rules.
    pub fn start(paths: Vec<PathBuf>, ingest: IngestOptions, wake: Wake) -> std::io::Result<Self> {
        let progress = Arc::new(ScanProgress::default());
        let inputs = Arc::new(OnceLock::new());
        let (worker_progress, worker_inputs, worker_paths) =
            (Arc::clone(&progress), Arc::clone(&inputs), paths.clone());
        let job = Job::spawn("scan", wake, move || {
            run_scan(&worker_paths, ingest, &worker_progress, &worker_inputs)
        })?;
        Ok(Self {
            job,
            progress,
            inputs,
            paths,
        })
    }

    /// Per-file progress. The scan reads one file at a time in input order, so the files
    /// before `files_done` are finished and the bytes past them belong to the current one.
    pub fn file_progress(&self) -> Vec<FileProgress> {
        let Some(inputs) = self.inputs.get() else {
            return Vec::new();
        };
        let files_done = self
            .progress
            .files_done
            .load(std::sync::atomic::Ordering::Relaxed);
        let bytes_read = self
            .progress
            .bytes_read
            .load(std::sync::atomic::Ordering::Relaxed);
        let before: u64 = inputs
            .iter()
            .take(files_done)
            .map(|input| input.size_bytes)
            .sum();
        inputs
            .iter()
            .enumerate()
            .map(|(index, input)| {
                let fraction = if index < files_done {
                    1.0
                } else if index == files_done && input.size_bytes > 0 {
                    (bytes_read.saturating_sub(before) as f64 / input.size_bytes as f64).min(1.0)
                        as f32
                } else {
                    0.0
                };
                FileProgress {
                    path: input.path.clone(),
                    fraction,
                    done: index < files_done,
                }
            })
            .collect()
    }
}

fn run_scan(
    paths: &[PathBuf],
    ingest: IngestOptions,
    progress: &ScanProgress,
    inputs_slot: &OnceLock<Vec<Input>>,
) -> anyhow::Result<ScanOutcome> {
    let rules = RuleSet::bundled().map_err(|error| anyhow::anyhow!("bundled rules: {error}"))?;
    let (inputs, problems) = scan::collect_inputs(paths);
    let inputs = inputs_slot.get_or_init(|| inputs);

    // One parser thread reads the files in order, which makes per-file progress exact; the
    // detector runs on this thread beside it, so both cores stay busy.
    let options = ScanOptions {
        ingest,
        workers: 1,
        intel: None,
    };
    let mut outcome = scan::scan(inputs, &options, &rules, progress);
    outcome.files.extend(problems);
    Ok(outcome)
}

/// Starts loading ATT&CK from `bundles` (empty: the variable, then the cache).
pub fn start_attack_load(
    bundles: Vec<PathBuf>,
    wake: Wake,
) -> std::io::Result<Job<Result<Option<LoadedAttack>, String>>> {
    Job::spawn("attack-load", wake, move || {
        source::load(&bundles).map_err(|error| error.to_string())
    })
}

/// One evidence line read back from its file.
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceLine {
    /// The file.
    pub path: PathBuf,
    /// 1-based line number.
    pub line: u64,
    /// The text, or why it could not be read.
    pub text: Result<String, String>,
}

/// Starts reading these `(file, line)` places back, each file once up to its last line asked.
pub fn start_evidence_read(
    places: Vec<(PathBuf, u64)>,
    wake: Wake,
) -> std::io::Result<Job<Vec<EvidenceLine>>> {
    Job::spawn("evidence", wake, move || read_evidence(&places))
}

/// Reads the lines at these places (the same order back).
pub fn read_evidence(places: &[(PathBuf, u64)]) -> Vec<EvidenceLine> {
    let mut found: Vec<EvidenceLine> = places
        .iter()
        .map(|(path, line)| EvidenceLine {
            path: path.clone(),
            line: *line,
            text: Err("line not found (the file may have changed)".to_owned()),
        })
        .collect();

    let mut files: Vec<&PathBuf> = places.iter().map(|(path, _)| path).collect();
    files.sort();
    files.dedup();
    for path in files {
        let wanted: Vec<usize> = (0..places.len())
            .filter(|&i| &places[i].0 == path)
            .collect();
        let last = wanted.iter().map(|&i| places[i].1).max().unwrap_or(0);
        let mut reader = match LineReader::open(path) {
            Ok(reader) => reader,
            Err(error) => {
                for &i in &wanted {
                    found[i].text = Err(format!("cannot open: {error}"));
                }
                continue;
            }
        };
        while let Some(line) = reader.next_line() {
            if line.number > last {
                break;
            }
            for &i in wanted.iter().filter(|&&i| places[i].1 == line.number) {
                found[i].text = Ok(line.text.chars().take(MAX_EVIDENCE_CHARS).collect());
            }
        }
    }
    found
}

/// Starts writing the case's detections to `path`: CSV when it ends in `.csv`, else the same
/// JSON document `threatlens scan --format json` writes.
pub fn start_export(
    outcome: crate::engine::scan::ScanOutcome,
    attack: Option<Arc<LoadedAttack>>,
    path: PathBuf,
    wake: Wake,
) -> std::io::Result<Job<anyhow::Result<PathBuf>>> {
    Job::spawn("export", wake, move || {
        write_export(&outcome, attack.as_deref(), &path).map(|()| path)
    })
}

fn write_export(
    outcome: &crate::engine::scan::ScanOutcome,
    attack: Option<&LoadedAttack>,
    path: &std::path::Path,
) -> anyhow::Result<()> {
    use crate::engine::export::{self, NoTechniqueNames, TechniqueNames};
    use anyhow::Context as _;
    use std::io::Write as _;

    let names: &dyn TechniqueNames = match attack {
        Some(loaded) => &loaded.base,
        None => &NoTechniqueNames,
    };
    let document = export::scan_document(outcome, names);
    let file = std::fs::File::create(path)
        .with_context(|| format!("cannot create export file {}", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    let is_csv = path
        .extension()
        .is_some_and(|extension| extension.eq_ignore_ascii_case("csv"));
    if is_csv {
        export::write_csv(&document, &mut out)?;
    } else {
        serde_json::to_writer_pretty(&mut out, &document)?;
        out.write_all(b"\n")?;
    }
    out.flush()
        .with_context(|| format!("cannot write export file {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_lines_are_read_back_by_number() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("auth.log");
        std::fs::write(&path, "first\nsecond\nthird\n").expect("written");

        let lines = read_evidence(&[(path.clone(), 3), (path.clone(), 1), (path.clone(), 9)]);
        assert_eq!(lines[0].text.as_deref(), Ok("third"));
        assert_eq!(lines[1].text.as_deref(), Ok("first"));
        assert!(lines[2].text.is_err());
    }

    #[test]
    fn a_missing_file_is_named_in_each_line() {
        let lines = read_evidence(&[(PathBuf::from("/nonexistent/x.log"), 1)]);
        let error = lines[0].text.clone().expect_err("missing");
        assert!(error.starts_with("cannot open"), "{error}");
    }
}
