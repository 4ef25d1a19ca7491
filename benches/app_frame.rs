//! CPU time of one frame of the desktop app with a large case loaded (the budget is
//! 8 ms per frame with a million detections).
//!
//! The app runs in egui_kittest's harness without a renderer, so a sample is the app's own
//! work for a frame: polling jobs, laying out the views and building the shapes egui would
//! paint (rasterizing is the GPU's or lavapipe's job and is not counted). The detections are
//! made up here (20 rules, 50,000 source addresses, times a second apart); ATT&CK is the small
//! test fixture, so ATT&CK lookups are cheap in these numbers.

use std::path::Path;
use std::time::Duration;

use divan::Bencher;
use egui_kittest::Harness;
use threatlens::app::{App, AppCommand, AppOptions, View};
use threatlens::engine::detect::{Detection, Severity};
use threatlens::engine::event::Location;
use threatlens::engine::scan::ScanOutcome;

fn main() {
    divan::main();
}

const MILLION: usize = 1_000_000;

const TECHNIQUES: [&str; 6] = ["T1110", "T1110.001", "T1046", "T1071", "T1041", "T1078"];
const TACTICS: [&str; 4] = [
    "credential-access",
    "discovery",
    "command-and-control",
    "exfiltration",
];
const SEVERITIES: [Severity; 4] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
];

fn made_up_detections(count: usize) -> Vec<Detection> {
    let start = jiff::Timestamp::from_second(1_773_453_600).expect("valid time");
    (0..count)
        .map(|i| {
            let rule = format!("rule-{}", i % 20);
            let mut detection = Detection::new(
                &rule,
                &format!("Made-up finding {}", i % 20),
                SEVERITIES[i % 4],
            );
            detection.techniques = vec![TECHNIQUES[i % 6].to_owned()];
            detection.tactics = vec![TACTICS[i % 4].to_owned()];
            detection.src_ip = Some(format!("198.51.{}.{}", (i / 250) % 200, i % 250));
            detection.dst_ip = Some("10.0.0.5".to_owned());
            detection.dst_port = Some([22, 80, 443, 8080][i % 4]);
            detection.first_seen = start
                .checked_add(jiff::SignedDuration::from_secs(i as i64))
                .ok();
            detection.count = (i % 97) as u64 + 1;
            detection.evidence = vec![Location {
                file: 0,
                line: i as u64 + 1,
            }];
            detection
        })
        .collect()
}

/// The app with `count` made-up detections, settled (ATT&CK loaded, caches built).
fn loaded_app(count: usize) -> Harness<'static, App> {
    let attack = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/attack/mini-attack.json");
    let options = AppOptions {
        attack_files: vec![attack],
        ..AppOptions::default()
    };
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_eframe(|creation| App::new(creation, options));
    harness.state_mut().state.case.add_outcome(ScanOutcome {
        files: Vec::new(),
        detections: made_up_detections(count),
        events: count as u64,
    });
    for _ in 0..500 {
        harness.run_steps(1);
        if !harness.state().is_busy() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    harness.run_steps(3);
    harness
}

/// A frame of the detections table with nothing selected.
#[divan::bench(sample_count = 50)]
fn table_frame_1m(bencher: Bencher) {
    let mut harness = loaded_app(MILLION);
    bencher.bench_local(|| harness.step());
}

/// A frame of the table with a row selected (detail pane and guidance panel filled).
#[divan::bench(sample_count = 50)]
fn table_frame_1m_selected(bencher: Bencher) {
    let mut harness = loaded_app(MILLION);
    harness.state_mut().command(AppCommand::Select(Some(0)));
    harness.run_steps(5);
    bencher.bench_local(|| harness.step());
}

/// Typing one character in the filter: the frame that filters and sorts a million rows again.
#[divan::bench(sample_count = 10)]
fn refilter_1m(bencher: Bencher) {
    let mut harness = loaded_app(MILLION);
    let mut flip = false;
    bencher.bench_local(|| {
        flip = !flip;
        harness.state_mut().state.views.table.filter = if flip {
            "198.51.7".into()
        } else {
            String::new()
        };
        harness.step();
    });
}

/// A frame of the plots view (series cached) with a million detections.
#[divan::bench(sample_count = 30)]
fn plots_frame_1m(bencher: Bencher) {
    let mut harness = loaded_app(MILLION);
    harness.state_mut().command(AppCommand::Show(View::Plots));
    harness.run_steps(3);
    bencher.bench_local(|| harness.step());
}

/// A frame of the graph view once its layout has settled.
#[divan::bench(sample_count = 30)]
fn graph_frame(bencher: Bencher) {
    let mut harness = loaded_app(MILLION);
    harness.state_mut().command(AppCommand::Show(View::Graph));
    harness.run_steps(3);
    bencher.bench_local(|| harness.step());
}
