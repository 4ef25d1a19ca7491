//! Throughput of the engine on fixed inputs, in bytes of log text per second.
//!
//! Each input is one file of the demo incident (`assets/samples/`) repeated to about
//! [`INPUT_BYTES`], written to a temporary directory before the benchmarks start: sshd lines in
//! syslog framing, UFW kernel lines, and Zeek `conn` TSV with one header block. The gzip case reads
//! the same auth.log compressed, and counts the decompressed bytes. `whole_scan` runs
//! [`threatlens::engine::scan::scan`] with all bundled rules over the three files together, with
//! a parser thread per core, as `threatlens scan` does.
//!
//! Before measuring, one pass over each input prints how its lines were accounted for and what a
//! scan found, so a number measured over a parser that rejects everything is visible as such.
//!
//! Run with `cargo bench --bench ingest`. The whole-run comparison with ripgrep over a gigabyte of
//! real lines is `benches/whole_run.sh`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use divan::Bencher;
use divan::counter::BytesCount;
use flate2::Compression;
use flate2::write::GzEncoder;
use threatlens::engine::detect::RuleSet;
use threatlens::engine::ingest::{FileReport, IngestOptions, ingest_file};
use threatlens::engine::scan::{self, Input, ScanOptions, ScanOutcome, ScanProgress};

/// Size each benchmark input is grown to.
const INPUT_BYTES: usize = 4 << 20;

/// Input size when the benchmarks only run once as tests (`cargo test --all-targets`).
const TEST_INPUT_BYTES: usize = 256 << 10;

/// The year of the demo incident, so year-less lines do not depend on file times.
const DEMO_YEAR: i16 = 2026;

/// Paths of the generated inputs and their sizes as log text.
struct Inputs {
    mixed: Vec<Input>,
    auth_log: PathBuf,
    auth_log_gz: PathBuf,
    ufw_log: PathBuf,
    zeek_conn: PathBuf,
    auth_log_bytes: u64,
    ufw_log_bytes: u64,
    zeek_conn_bytes: u64,
}

static INPUTS: OnceLock<Inputs> = OnceLock::new();

fn main() {
    // `cargo bench` passes `--bench`; without it divan runs each benchmark once, as a test.
    let measuring = std::env::args().any(|arg| arg == "--bench");
    let size_bytes = if measuring {
        INPUT_BYTES
    } else {
        TEST_INPUT_BYTES
    };

    let directory = tempfile::tempdir().expect("a temporary directory for benchmark inputs");
    let inputs = Inputs::write(directory.path(), size_bytes);
    inputs.print_accounting();
    if INPUTS.set(inputs).is_err() {
        unreachable!("inputs are written once, before any benchmark runs");
    }

    divan::main();
}

impl Inputs {
    fn write(directory: &Path, size_bytes: usize) -> Self {
        let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples");
        let read = |name: &str| {
            fs::read_to_string(samples.join(name))
                .unwrap_or_else(|error| panic!("demo sample {name} is readable: {error}"))
        };

        let auth = repeat_lines(&read("auth.log"), size_bytes);
        let ufw = repeat_lines(&read("ufw.log"), size_bytes);
        let conn = repeat_zeek_rows(&read("conn.log"), size_bytes);

        let auth_log = directory.join("auth.log");
        let auth_log_gz = directory.join("auth.log.gz");
        let ufw_log = directory.join("ufw.log");
        let zeek_conn = directory.join("conn.log");
        write_file(&auth_log, auth.as_bytes());
        write_file(&auth_log_gz, &gzip(auth.as_bytes()));
        write_file(&ufw_log, ufw.as_bytes());
        write_file(&zeek_conn, conn.as_bytes());

        let mixed = [(&auth_log, &auth), (&ufw_log, &ufw), (&zeek_conn, &conn)]
            .into_iter()
            .map(|(path, text)| Input {
                path: path.clone(),
                size_bytes: text.len() as u64,
            })
            .collect();

        Self {
            mixed,
            auth_log,
            auth_log_gz,
            ufw_log,
            zeek_conn,
            auth_log_bytes: auth.len() as u64,
            ufw_log_bytes: ufw.len() as u64,
            zeek_conn_bytes: conn.len() as u64,
        }
    }

    fn print_accounting(&self) {
        for path in [
            &self.auth_log,
            &self.auth_log_gz,
            &self.ufw_log,
            &self.zeek_conn,
        ] {
            let report = ingest(path);
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("?");
            eprintln!(
                "{name}: format {:?}, {} lines: {} parsed into {} events, {} skipped, {} errors{}",
                report.format,
                report.lines,
                report.parsed_lines,
                report.events,
                report.skipped,
                report.error_count,
                first_error(&report),
            );
        }

        let outcome = whole_scan_once(&self.mixed, &bundled_rules());
        let mut titles: Vec<&str> = outcome
            .detections
            .iter()
            .map(|detection| detection.title.as_str())
            .collect();
        titles.sort_unstable();
        titles.dedup();
        eprintln!(
            "whole scan: {} events, {} detections from {} rules: {}",
            outcome.events,
            outcome.detections.len(),
            titles.len(),
            titles.join("; ")
        );
    }

    fn mixed_bytes(&self) -> u64 {
        self.auth_log_bytes + self.ufw_log_bytes + self.zeek_conn_bytes
    }
}

fn first_error(report: &FileReport) -> String {
    match (&report.failure, report.errors.first()) {
        (Some(failure), _) => format!(" (file failed: {failure})"),
        (None, Some(error)) => format!(" (first: line {}: {})", error.line, error.reason),
        (None, None) => String::new(),
    }
}

/// The lines of `text` repeated until they fill `size_bytes`.
fn repeat_lines(text: &str, size_bytes: usize) -> String {
    let mut grown = String::with_capacity(size_bytes + text.len());
    while grown.len() < size_bytes {
        grown.push_str(text);
    }
    grown
}

/// One Zeek header block, the data rows repeated to `size_bytes`, then the `#close` line.
fn repeat_zeek_rows(text: &str, size_bytes: usize) -> String {
    let header: String = text
        .lines()
        .filter(|line| line.starts_with('#') && !line.starts_with("#close"))
        .map(|line| format!("{line}\n"))
        .collect();
    let rows: String = text
        .lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| format!("{line}\n"))
        .collect();
    let close: String = text
        .lines()
        .filter(|line| line.starts_with("#close"))
        .map(|line| format!("{line}\n"))
        .collect();

    let mut grown = header;
    while grown.len() < size_bytes {
        grown.push_str(&rows);
    }
    grown.push_str(&close);
    grown
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder
        .write_all(bytes)
        .and_then(|()| encoder.finish())
        .expect("gzip into memory cannot fail")
}

fn write_file(path: &Path, bytes: &[u8]) {
    fs::write(path, bytes)
        .unwrap_or_else(|error| panic!("benchmark input {} written: {error}", path.display()));
}

fn inputs() -> &'static Inputs {
    INPUTS
        .get()
        .expect("main writes the inputs before benchmarks run")
}

/// Reads one file the way a scan does, dropping the events after counting them.
fn ingest(path: &Path) -> FileReport {
    let options = IngestOptions {
        year: Some(DEMO_YEAR),
        ..IngestOptions::default()
    };
    let mut events = 0_usize;
    let report = ingest_file(path, 0, &options, &mut |batch| events += batch.len());
    divan::black_box(events);
    report
}

fn bundled_rules() -> RuleSet {
    RuleSet::bundled().unwrap_or_else(|error| panic!("bundled rules load: {error}"))
}

/// A whole scan of `inputs` with `rules`, as `threatlens scan` runs it.
fn whole_scan_once(inputs: &[Input], rules: &RuleSet) -> ScanOutcome {
    let options = ScanOptions {
        ingest: IngestOptions {
            year: Some(DEMO_YEAR),
            ..IngestOptions::default()
        },
        ..ScanOptions::default()
    };
    scan::scan(inputs, &options, rules, &ScanProgress::default())
}

fn bench_file(bencher: Bencher, path: &'static Path, bytes: u64) {
    bencher
        .counter(BytesCount::new(bytes))
        .bench(|| ingest(divan::black_box(path)));
}

/// sshd lines in RFC 3164 syslog framing (auth.log).
#[divan::bench(sample_count = 10, max_time = 5)]
fn syslog_sshd(bencher: Bencher) {
    bench_file(bencher, &inputs().auth_log, inputs().auth_log_bytes);
}

/// The same auth.log, gzip-compressed; the counter is the decompressed size.
#[divan::bench(sample_count = 10, max_time = 5)]
fn syslog_sshd_gzip(bencher: Bencher) {
    bench_file(bencher, &inputs().auth_log_gz, inputs().auth_log_bytes);
}

/// UFW `[UFW BLOCK]` kernel lines (ufw.log).
#[divan::bench(sample_count = 10, max_time = 5)]
fn netfilter_ufw(bencher: Bencher) {
    bench_file(bencher, &inputs().ufw_log, inputs().ufw_log_bytes);
}

/// Zeek `conn` TSV with one header block.
#[divan::bench(sample_count = 10, max_time = 5)]
fn zeek_conn_tsv(bencher: Bencher) {
    bench_file(bencher, &inputs().zeek_conn, inputs().zeek_conn_bytes);
}

/// The three files together through parsing and every bundled rule and analytic; rules are
/// loaded once, outside the measurement.
#[divan::bench(sample_count = 10, max_time = 10)]
fn whole_scan(bencher: Bencher) {
    let rules = bundled_rules();
    bencher
        .counter(BytesCount::new(inputs().mixed_bytes()))
        .bench_local(|| whole_scan_once(&inputs().mixed, &rules));
}
