//! Running a whole scan: files and folders in, per-file reports and detections out.
//!
//! Files are parsed on worker threads, each file by one worker in line order; their events go in
//! batches through a bounded channel to the consuming thread, which runs the detector (or prints
//! events). Memory stays bounded by the channel, not by the size of the input: a 1 GB log streams.
//! The detector only looks at each batch, so [`scan`] sends it back to the worker that made it,
//! which frees the events on their own thread and reuses the vector for its next batch.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;

use crate::engine::detect::{Detection, Detector, RuleSet};
use crate::engine::event::Event;
use crate::engine::ingest::{self, FileReport, IngestOptions};
use crate::engine::intel::IntelSet;
use crate::engine::intel::matcher::{IntelMatcher, merge_detections};

/// Batches waiting between parser threads and the consumer.
const CHANNEL_BATCHES: usize = 8;

/// One input file, found directly or inside a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// The file.
    pub path: PathBuf,
    /// Its size on disk, for progress.
    pub size_bytes: u64,
}

/// Expands files and folders (recursively, sorted, hidden entries skipped) into input files.
///
/// Inside folders, links to folders are not followed (a link back up the tree would loop), and
/// a file reached twice (named twice, or through a link) is read once. Paths that do not exist
/// or cannot be listed come back as failed [`FileReport`]s so they are reported by name
/// alongside the files that were read.
pub fn collect_inputs(paths: &[PathBuf]) -> (Vec<Input>, Vec<FileReport>) {
    let mut walk = Walk::default();
    for path in paths {
        walk.visit(path, true);
    }
    (walk.inputs, walk.problems)
}

#[derive(Default)]
struct Walk {
    inputs: Vec<Input>,
    problems: Vec<FileReport>,
    seen_files: HashSet<PathBuf>,
}

impl Walk {
    fn visit(&mut self, path: &Path, named_by_user: bool) {
        if !named_by_user
            && std::fs::symlink_metadata(path).is_ok_and(|meta| meta.file_type().is_symlink())
            && path.is_dir()
        {
            tracing::debug!(path = %path.display(), "link to a folder not followed");
            return;
        }
        let metadata = match std::fs::metadata(path) {
            Ok(metadata) => metadata,
            Err(error) => {
                let reason = format!("cannot open: {error}");
                self.problems.push(FileReport::failed(path, reason));
                return;
            }
        };
        if metadata.is_file() {
            let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
            if self.seen_files.insert(canonical) {
                self.inputs.push(Input {
                    path: path.to_path_buf(),
                    size_bytes: metadata.len(),
                });
            }
            return;
        }
        if !metadata.is_dir() {
            if named_by_user {
                let reason = "not a regular file".to_owned();
                self.problems.push(FileReport::failed(path, reason));
            }
            return;
        }
        self.visit_folder(path);
    }

    fn visit_folder(&mut self, path: &Path) {
        let entries = match std::fs::read_dir(path) {
            Ok(entries) => entries,
            Err(error) => {
                let reason = format!("cannot list folder: {error}");
                self.problems.push(FileReport::failed(path, reason));
                return;
            }
        };
        let mut children: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|child| {
                !child
                    .file_name()
                    .and_then(|name| name.to_str())
                    .is_some_and(|name| name.starts_with('.'))
            })
            .collect();
        children.sort();
        for child in children {
            self.visit(&child, false);
        }
    }
}

/// Shared counters a progress display can read while a scan runs.
#[derive(Debug, Default)]
pub struct ScanProgress {
    /// File bytes read so far (before decompression).
    pub bytes_read: Arc<AtomicU64>,
    /// Events produced so far.
    pub events: AtomicU64,
    /// Files finished.
    pub files_done: AtomicUsize,
}

/// Options for a scan.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// How to read files.
    pub ingest: IngestOptions,
    /// Parser threads; 0 picks one per core.
    pub workers: usize,
    /// Threat intelligence every event is checked against.
    pub intel: Option<Arc<IntelSet>>,
}

/// What a scan found.
#[derive(Debug)]
pub struct ScanOutcome {
    /// One report per input, in input order (then paths that could not be opened).
    pub files: Vec<FileReport>,
    /// Detections, most severe first.
    pub detections: Vec<Detection>,
    /// Events parsed in all.
    pub events: u64,
}

impl ScanOutcome {
    /// True when at least one file was read as a log (possibly with no events).
    ///
    /// An empty file counts as read: it is reported with a warning, not as a failure.
    pub fn read_anything(&self) -> bool {
        self.files.iter().any(|file| file.failure.is_none())
    }
}

/// Reads `inputs` and runs `rules` over every event.
pub fn scan(
    inputs: &[Input],
    options: &ScanOptions,
    rules: &RuleSet,
    progress: &ScanProgress,
) -> ScanOutcome {
    let mut detector = Detector::new(rules);
    let mut intel = options.intel.as_deref().map(IntelMatcher::new);
    let mut events = 0u64;
    let files = read_inputs(inputs, options, progress, &mut |batch| {
        events += batch.len() as u64;
        for event in batch {
            detector.observe(event);
        }
        if let Some(intel) = &mut intel {
            batch.iter().for_each(|event| intel.observe(event));
        }
    });
    let intel_found = intel.map(IntelMatcher::finish).unwrap_or_default();
    let detections = merge_detections(detector.finish(), intel_found);
    tracing::info!(
        files = files.len(),
        events,
        detections = detections.len(),
        "scan finished"
    );
    ScanOutcome {
        files,
        detections,
        events,
    }
}

/// Reads `inputs`, showing each batch of events to `consume` on the calling thread.
///
/// With one worker, batches arrive in input order and line order; with more, files are read
/// side by side and their batches interleave (each file's own batches stay in line order).
/// Each batch then goes back to the parser thread that made it, which frees its events and
/// reuses the vector: freeing memory on another thread than the one that allocated it makes the
/// allocator take a lock per block, which costs the consumer more than its own work.
pub fn read_inputs(
    inputs: &[Input],
    options: &ScanOptions,
    progress: &ScanProgress,
    consume: &mut dyn FnMut(&[Event]),
) -> Vec<FileReport> {
    let workers = match options.workers {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    }
    .clamp(1, inputs.len().max(1));

    let next_input = AtomicUsize::new(0);
    let (sender, receiver) = mpsc::sync_channel::<Batch>(CHANNEL_BATCHES);
    let mut returns = Vec::with_capacity(workers);
    let mut reports: Vec<Option<FileReport>> = vec![None; inputs.len()];

    std::thread::scope(|scope| {
        let mut handles = Vec::with_capacity(workers);
        for worker in 0..workers {
            let sender = sender.clone();
            let (give_back, returned) = mpsc::channel::<Vec<Event>>();
            let next_input = &next_input;
            let handle = std::thread::Builder::new()
                .name(format!("parse-{worker}"))
                .spawn_scoped(scope, move || {
                    let mut done = Vec::new();
                    let channel = WorkerChannel {
                        worker,
                        sender,
                        returned,
                    };
                    loop {
                        let index = next_input.fetch_add(1, Ordering::Relaxed);
                        let Some(input) = inputs.get(index) else {
                            break;
                        };
                        let report = read_one(index, input, options, progress, &channel);
                        done.push((index, report));
                    }
                    done
                });
            // Indexed by worker number; a thread that failed to start leaves a closed channel.
            returns.push(give_back);
            match handle {
                Ok(handle) => handles.push(handle),
                Err(error) => tracing::error!(%error, "cannot start a parser thread"),
            }
        }
        drop(sender);

        for batch in &receiver {
            consume(&batch.events);
            if let Some(give_back) = returns.get(batch.worker) {
                // A parser that has finished no longer listens; the batch is then freed here.
                let _ = give_back.send(batch.events);
            }
        }
        for handle in handles {
            match handle.join() {
                Ok(done) => {
                    for (index, report) in done {
                        reports[index] = Some(report);
                    }
                }
                Err(_) => tracing::error!("a parser thread panicked"),
            }
        }
    });

    reports
        .into_iter()
        .zip(inputs)
        .map(|(report, input)| {
            report.unwrap_or_else(|| {
                FileReport::failed(&input.path, "internal error: file was not read".into())
            })
        })
        .collect()
}

/// A batch on its way to the consumer, with the parser thread it goes back to.
struct Batch {
    worker: usize,
    events: Vec<Event>,
}

/// A parser thread's ends of the channels: batches out, used batches back.
struct WorkerChannel {
    worker: usize,
    sender: mpsc::SyncSender<Batch>,
    returned: mpsc::Receiver<Vec<Event>>,
}

impl WorkerChannel {
    /// Sends a full batch and returns an empty vector for the next one, reusing a batch the
    /// consumer gave back when there is one (its events are freed here, on their own thread).
    fn send(&self, events: Vec<Event>) -> Vec<Event> {
        // The consumer only stops early when it is gone; then there is nobody to tell.
        let _ = self.sender.send(Batch {
            worker: self.worker,
            events,
        });
        let mut spare = None;
        while let Ok(mut used) = self.returned.try_recv() {
            used.clear();
            spare = Some(used);
        }
        spare.unwrap_or_else(|| Vec::with_capacity(ingest::BATCH_EVENTS))
    }
}

fn read_one(
    index: usize,
    input: &Input,
    options: &ScanOptions,
    progress: &ScanProgress,
    channel: &WorkerChannel,
) -> FileReport {
    let file_id = u32::try_from(index).unwrap_or(u32::MAX);
    let mut sink = |batch: Vec<Event>| {
        progress
            .events
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        channel.send(batch)
    };
    let report = ingest::ingest_file_recycling(
        &input.path,
        file_id,
        &options.ingest,
        Arc::clone(&progress.bytes_read),
        &mut sink,
    );
    progress.files_done.fetch_add(1, Ordering::Relaxed);
    if let Some(failure) = &report.failure {
        tracing::debug!(path = %input.path.display(), %failure, "file not read");
    } else {
        tracing::debug!(
            path = %input.path.display(),
            lines = report.lines,
            events = report.events,
            errors = report.error_count,
            "file read"
        );
    }
    report
}
