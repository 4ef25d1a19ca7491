//! What threat-intelligence matching costs a scan: the same logs scanned with no indicators and
//! with one million generated ones.
//!
//! Inputs are the demo incident's auth.log, ufw.log and Zeek conn.log plus our Suricata
//! intel fixture (DNS, HTTP and file-hash events), each repeated to about [`INPUT_BYTES`]. The
//! generated set holds 1,000,000 indicators, each its own [`Indicator`]: 700,000 IPv4
//! addresses, 100,000 IPv4 ranges (/20 to /31), 20,000 IPv6 addresses, 150,000 domains, 20,000
//! URLs and 10,000 SHA-256 digests, plus four indicators for values in the Suricata fixture (so some events do match).
//!
//! - `whole_scan`: [`scan::scan`] with the bundled rules, as `threatlens scan` runs it but with
//!   one parser thread (see [`options`]), with `indicators` = 0 (no `--intel`) and 1,000,000.
//!   The goal is a drop of 10% or less.
//! - `match_only`: [`IntelMatcher::observe`] over events parsed beforehand, to show the
//!   matcher's own cost per event.
//!
//! Run with `cargo bench --bench intel`.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use divan::Bencher;
use divan::counter::{BytesCount, ItemsCount};
use threatlens::engine::detect::RuleSet;
use threatlens::engine::event::Event;
use threatlens::engine::ingest::IngestOptions;
use threatlens::engine::intel::{Indicator, IntelMatcher, IntelSet, IntelSetBuilder, Observable};
use threatlens::engine::scan::{self, Input, ScanOptions, ScanProgress};

/// Size each log input is grown to.
const INPUT_BYTES: usize = 4 << 20;

/// Input size when the benchmarks only run once as tests.
const TEST_INPUT_BYTES: usize = 128 << 10;

/// Indicators in the large set.
const MANY: usize = 1_000_000;

struct Fixture {
    inputs: Vec<Input>,
    input_bytes: u64,
    events: Vec<Event>,
    rules: RuleSet,
    many: Arc<IntelSet>,
}

static FIXTURE: OnceLock<Fixture> = OnceLock::new();

fn main() {
    let measuring = std::env::args().any(|arg| arg == "--bench");
    let size_bytes = if measuring {
        INPUT_BYTES
    } else {
        TEST_INPUT_BYTES
    };
    let indicators = if measuring { MANY } else { 10_000 };

    let directory = tempfile::tempdir().expect("a temporary directory for benchmark inputs");
    let inputs = write_inputs(directory.path(), size_bytes);
    let input_bytes = inputs.iter().map(|input| input.size_bytes).sum();
    let rules = RuleSet::bundled().unwrap_or_else(|error| panic!("bundled rules load: {error}"));

    let started = std::time::Instant::now();
    let many = Arc::new(generated_set(indicators));
    eprintln!(
        "intel set: {} indicators, values by kind {:?} (addresses, ranges, domains, URLs, \
         hashes, e-mails), built in {:.2?}",
        many.len(),
        many.value_counts(),
        started.elapsed()
    );

    let mut events = Vec::new();
    scan::read_inputs(
        &inputs,
        &options(None),
        &ScanProgress::default(),
        &mut |batch| {
            events.extend_from_slice(batch);
        },
    );
    let with_intel = scan::scan(
        &inputs,
        &options(Some(Arc::clone(&many))),
        &rules,
        &ScanProgress::default(),
    );
    let intel_hits: Vec<String> = with_intel
        .detections
        .iter()
        .filter(|detection| detection.rule_id.starts_with("intel:"))
        .map(|detection| format!("{} x{}", detection.title, detection.count))
        .collect();
    eprintln!(
        "scan input: {input_bytes} bytes, {} events; with the large set: {} intel detections: {}",
        events.len(),
        intel_hits.len(),
        intel_hits.join("; ")
    );

    let fixture = Fixture {
        inputs,
        input_bytes,
        events,
        rules,
        many,
    };
    if FIXTURE.set(fixture).is_err() {
        unreachable!("the fixture is built once, before any benchmark runs");
    }
    divan::main();
}

fn fixture() -> &'static Fixture {
    FIXTURE.get().expect("main builds the fixture first")
}

fn options(intel: Option<Arc<IntelSet>>) -> ScanOptions {
    ScanOptions {
        ingest: IngestOptions {
            year: Some(2026),
            ..IngestOptions::default()
        },
        intel,
        // One parser thread: events then reach the detector in the same order in both runs.
        // With several, batches interleave differently from run to run, and the detector's
        // temporal correlation (`TemporalWindow::in_order`, a quarter of the profile) costs
        // more or less with the interleaving, which hid the matcher's cost in noise.
        workers: 1,
    }
}

#[divan::bench(args = [0, MANY], sample_count = 10)]
fn whole_scan(bencher: Bencher, indicators: usize) {
    let fixture = fixture();
    let intel = (indicators > 0).then(|| Arc::clone(&fixture.many));
    let options = options(intel);
    bencher
        .counter(BytesCount::new(fixture.input_bytes))
        .bench(|| {
            scan::scan(
                &fixture.inputs,
                &options,
                &fixture.rules,
                &ScanProgress::default(),
            )
        });
}

#[divan::bench(args = [MANY])]
fn match_only(bencher: Bencher, indicators: usize) {
    let fixture = fixture();
    divan::black_box(indicators);
    bencher
        .counter(ItemsCount::new(fixture.events.len()))
        .bench(|| {
            let mut matcher = IntelMatcher::new(&fixture.many);
            for event in &fixture.events {
                matcher.observe(event);
            }
            matcher.finish()
        });
}

/// A small deterministic generator (xorshift64*), so every run builds the same set.
struct Numbers(u64);

impl Numbers {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

fn generated_set(count: usize) -> IntelSet {
    let mut builder = IntelSetBuilder::default();
    // What the Suricata fixture's C2 flows, DNS query, HTTP request and file carry, so the
    // scan has hits to fold as well as misses.
    let known = [
        "203.0.113.66",
        "evil-updates.example",
        "http://files.example.net/payload.bin",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    ];
    for value in known {
        let observable = Observable::network(value)
            .or_else(|| Observable::hash(value))
            .or_else(|| Observable::url(value).filter(|_| value.contains("://")))
            .or_else(|| Observable::domain(value));
        let number = builder.add_indicator(Indicator {
            id: format!("known:{value}"),
            name: value.to_owned(),
            source: "benchmark".to_owned(),
            labels: vec!["command-and-control".to_owned()],
            ..Indicator::default()
        });
        if let Some(observable) = observable {
            builder.add(observable, number);
        }
    }

    let mut numbers = Numbers(0x9E37_79B9_7F4A_7C15);
    for n in 0..count {
        let random = numbers.next();
        let share = n * 100 / count.max(1);
        let value = match share {
            0..70 => format!("{}", std::net::Ipv4Addr::from(random as u32)),
            70..80 => {
                let prefix = 20 + (random >> 40) as u32 % 12;
                format!("{}/{prefix}", std::net::Ipv4Addr::from(random as u32))
            }
            80..82 => format!("2001:db8:{:x}::{:x}", random as u16, (random >> 16) as u16),
            82..97 => format!("host{:x}.example-{}.test", random >> 20, random % 97),
            97..99 => format!("http://site{:x}.test/path/{}", random >> 24, random % 1000),
            _ => format!(
                "{:016x}{:016x}{:016x}{:016x}",
                random,
                !random,
                random.rotate_left(7),
                random ^ 0xff
            ),
        };
        let observable = match share {
            0..82 => Observable::network(&value),
            82..97 => Observable::domain(&value),
            97..99 => Observable::url(&value),
            _ => Observable::hash(&value),
        };
        let number = builder.add_indicator(Indicator {
            id: format!("generated:{n}"),
            name: value,
            source: "generated".to_owned(),
            ..Indicator::default()
        });
        if let Some(observable) = observable {
            builder.add(observable, number);
        }
    }
    builder.build()
}

fn write_inputs(directory: &Path, size_bytes: usize) -> Vec<Input> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sources: [(PathBuf, &str); 4] = [
        (root.join("assets/samples/auth.log"), "auth.log"),
        (root.join("assets/samples/ufw.log"), "ufw.log"),
        (root.join("assets/samples/conn.log"), "conn.log"),
        (root.join("tests/data/intel/logs/eve.json"), "eve.json"),
    ];
    let mut inputs = Vec::new();
    for (source, name) in sources {
        let text = fs::read_to_string(&source)
            .unwrap_or_else(|error| panic!("{} is readable: {error}", source.display()));
        let grown = if name == "conn.log" {
            repeat_zeek_rows(&text, size_bytes)
        } else {
            repeat_lines(&text, size_bytes)
        };
        let path = directory.join(name);
        fs::write(&path, &grown).unwrap_or_else(|error| panic!("{name} written: {error}"));
        inputs.push(Input {
            path,
            size_bytes: grown.len() as u64,
        });
    }
    inputs
}

fn repeat_lines(text: &str, size_bytes: usize) -> String {
    let mut grown = String::with_capacity(size_bytes + text.len());
    while grown.len() < size_bytes {
        grown.push_str(text);
    }
    grown
}

/// One Zeek header block, then the data rows repeated to `size_bytes`.
fn repeat_zeek_rows(text: &str, size_bytes: usize) -> String {
    let (header, rows): (Vec<&str>, Vec<&str>) = text
        .lines()
        .filter(|line| !line.starts_with("#close"))
        .partition(|line| line.starts_with('#'));
    let mut grown: String = header.iter().map(|line| format!("{line}\n")).collect();
    let rows: String = rows.iter().map(|line| format!("{line}\n")).collect();
    while grown.len() < size_bytes {
        grown.push_str(&rows);
    }
    grown
}
