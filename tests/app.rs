//! The desktop app driven as a user would, through its accessibility tree (egui_kittest; no
//! display needed). The logs are the demo incident in `assets/samples` read with year 2026, and
//! ATT&CK is the hand-made `tests/data/attack/mini-attack.json`.
//!
//! Expected values were read off `threatlens scan assets/samples --year 2026 --attack
//! tests/data/attack/mini-attack.json` and the fixture itself: 14 detections, the critical
//! "Successful Login From A Brute-Forcing Source" first (T1078, T1110), two "Beaconing Between
//! Two Hosts"; T1110 is "Brute Force", mitigated by "Account Lockout Test"; ranking T1078 +
//! T1110 puts G9001 "Alpha Bear" first.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use threatlens::app::case::TriageStatus;
use threatlens::app::{App, AppCommand, AppOptions, PlotKind, View};
use threatlens::engine::ingest::IngestOptions;

const FIRST_DETECTION: &str = "Successful Login From A Brute-Forcing Source";
const DEMO_DETECTIONS: usize = 14;

/// Frames to wait for a job before giving up (each frame sleeps a little).
const MAX_WAIT_FRAMES: usize = 3_000;

fn demo_paths() -> Vec<PathBuf> {
    vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples")]
}

fn options() -> AppOptions {
    AppOptions {
        open: Vec::new(),
        attack_files: vec![common::fixture("attack/mini-attack.json")],
        ingest: IngestOptions {
            year: Some(2026),
            ..IngestOptions::default()
        },
    }
}

fn harness() -> Harness<'static, App> {
    Harness::builder()
        .with_size(egui::vec2(1400.0, 900.0))
        .wgpu()
        .build_eframe(|creation| App::new(creation, options()))
}

/// Runs frames until no job is left (scan, ATT&CK load, evidence read, plot export).
fn wait_until_idle(harness: &mut Harness<'_, App>) {
    for _ in 0..MAX_WAIT_FRAMES {
        harness.run_steps(1);
        if !harness.state().is_busy() {
            harness.run_steps(2);
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("the app was still busy after {MAX_WAIT_FRAMES} frames");
}

fn open_demo(harness: &mut Harness<'_, App>) {
    harness
        .state_mut()
        .command(AppCommand::OpenLogs(demo_paths()));
    wait_until_idle(harness);
    assert_eq!(harness.state().state.case.detections.len(), DEMO_DETECTIONS);
}

#[test]
fn clicking_the_first_detection_shows_its_technique_and_groups() {
    let mut harness = harness();
    open_demo(&mut harness);
    harness.get_by_label(&format!(
        "{DEMO_DETECTIONS} of {DEMO_DETECTIONS} detections"
    ));
    // Technique names appear only once a detection is selected (the table shows ids).
    assert!(harness.query_by_label_contains("Brute Force").is_none());
    assert!(harness.query_by_label("Alpha Bear").is_none());

    harness.get_by_label(FIRST_DETECTION).click();
    wait_until_idle(&mut harness);

    // Once as a technique card in the detail pane, once as a heading in the guidance panel.
    assert_eq!(harness.query_all_by_label("T1110 Brute Force").count(), 2);
    harness.get_by_label("Alpha Bear");
    // The ATT&CK version is named where ATT&CK data is shown.
    harness.get_by_label("Techniques (MITRE ATT&CK v0.9-test)");
    // The guidance panel lists the technique's live mitigation from ATT&CK (its deprecated
    // "M9002 Old Advice" is left out), with the label saying where the guidance comes from.
    harness.get_by_label("M9001 Account Lockout Test");
    assert!(harness.query_by_label_contains("Old Advice").is_none());
    harness.get_by_label_contains("Offline guidance from MITRE ATT&CK v0.9-test");
    // Evidence is shown as file:line with the line read back from the log.
    harness.get_by_label_contains("Accepted password for deploy from 203.0.113.45");
}

#[test]
fn typing_a_filter_narrows_the_table() {
    let mut harness = harness();
    open_demo(&mut harness);

    let filter = harness.get_by_role(Role::TextInput);
    filter.focus();
    harness.run_steps(1);
    harness.get_by_role(Role::TextInput).type_text("beacon");
    harness.run_steps(3);

    harness.get_by_label(&format!("2 of {DEMO_DETECTIONS} detections"));
    assert_eq!(
        harness
            .query_all_by_label("Beaconing Between Two Hosts")
            .count(),
        2
    );
    assert!(harness.query_by_label(FIRST_DETECTION).is_none());
}

#[test]
fn arrow_keys_move_the_selection() {
    let mut harness = harness();
    open_demo(&mut harness);

    harness.key_press(egui::Key::ArrowDown);
    harness.run_steps(2);
    harness.key_press(egui::Key::ArrowDown);
    wait_until_idle(&mut harness);

    let state = &harness.state().state;
    let selected = state.selected.expect("a row is selected");
    // Second row in severity order: the first of the high ones, "Beaconing Between Two Hosts".
    assert_eq!(
        state.case.detections[selected].title,
        "Beaconing Between Two Hosts"
    );
}

#[test]
fn a_plot_is_saved_as_a_png_with_content() {
    let mut harness = harness();
    open_demo(&mut harness);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("severity.png");

    harness
        .state_mut()
        .command(AppCommand::SavePlotPng(PlotKind::SeverityMix, path.clone()));
    wait_until_idle(&mut harness);

    if let Some(keep) = std::env::var_os("THREATLENS_KEEP_TEST_PNG") {
        std::fs::copy(&path, keep).expect("copied for a look");
    }
    let image = image::open(&path).expect("the PNG was written").to_rgba8();
    let (width, height) = image.dimensions();
    assert!(width >= 400 && height >= 200, "too small: {width}x{height}");
    let first = *image.get_pixel(0, 0);
    let colours: std::collections::HashSet<[u8; 4]> = image.pixels().map(|pixel| pixel.0).collect();
    assert!(colours.len() > 10, "only {} colours", colours.len());
    assert!(image.pixels().any(|pixel| *pixel != first));
    // The critical bar is drawn in the critical colour.
    let critical =
        threatlens::ui::theme::severity_color(threatlens::engine::detect::Severity::Critical);
    assert!(
        image
            .pixels()
            .any(|pixel| pixel.0[..3] == [critical.r(), critical.g(), critical.b()]),
        "no critical-coloured bar"
    );
}

#[test]
fn a_triage_mark_survives_saving_and_reopening_the_case() {
    let dir = tempfile::tempdir().expect("temp dir");
    let case_path = dir.path().join("case.json");
    {
        let mut harness = harness();
        open_demo(&mut harness);
        harness.get_by_label(FIRST_DETECTION).click();
        wait_until_idle(&mut harness);
        harness.get_by_label("false positive").click();
        harness.run_steps(2);
        harness
            .state_mut()
            .command(AppCommand::SaveCase(case_path.clone()));
        wait_until_idle(&mut harness);
        // A later mark reaches the file by autosave, without another save.
        harness
            .state_mut()
            .command(AppCommand::SetTriage(1, TriageStatus::Confirmed));
        wait_until_idle(&mut harness);
    }
    assert!(case_path.is_file());

    let mut harness = harness();
    harness
        .state_mut()
        .command(AppCommand::OpenCase(case_path.clone()));
    wait_until_idle(&mut harness);

    let state = &harness.state().state;
    assert_eq!(state.case.detections.len(), DEMO_DETECTIONS);
    let marked: Vec<&str> = state
        .case
        .detections
        .iter()
        .filter(|detection| state.case.status_of(detection) == TriageStatus::FalsePositive)
        .map(|detection| detection.title.as_str())
        .collect();
    assert_eq!(marked, vec![FIRST_DETECTION]);
    let confirmed: Vec<&str> = state
        .case
        .detections
        .iter()
        .filter(|detection| state.case.status_of(detection) == TriageStatus::Confirmed)
        .map(|detection| detection.title.as_str())
        .collect();
    assert_eq!(confirmed, vec!["Beaconing Between Two Hosts"]);
    // The mark is on screen in the reopened table's triage column.
    harness.get_by_label("false positive");
}

#[test]
fn the_matrix_counts_detections_per_technique_and_filters_the_table() {
    let mut harness = harness();
    open_demo(&mut harness);
    harness.state_mut().command(AppCommand::Show(View::Matrix));
    harness.run_steps(3);

    harness.get_by_label("MITRE ATT&CK v0.9-test matrix");
    // T1110 or a sub-technique of it is on 5 of the demo's detections: the brute-forcing
    // source's login, spraying, brute force, user name enumeration and many failed logins.
    harness.get_by_label("Brute Force (5)").click();
    harness.run_steps(3);
    harness.get_by_label(&format!("5 of {DEMO_DETECTIONS} detections"));
}

#[test]
fn the_graph_joins_techniques_tactics_and_groups_and_settles() {
    let mut harness = harness();
    open_demo(&mut harness);
    harness.state_mut().command(AppCommand::Show(View::Graph));
    harness.run_steps(3);

    let graph = &harness.state().state.views.graph;
    // Six demo techniques are in the fixture (T1110, .001, .003, T1046, T1071, T1041), on four
    // tactics, and all three fixture groups share some of them.
    assert_eq!(graph.node_count(), 6 + 4 + 3);
    // Each technique joins its one tactic (6 edges). Groups join the shown techniques they use
    // (the fixture's `uses` relationships, directly, through software or a campaign), one edge
    // per pair: Alpha Bear T1110, T1110.001, T1046, T1071 and T1041 (through HiddenTunnel);
    // Beta Kitten T1110.003 and T1046; Gamma Spider T1071 and T1110 (through Operation Test).
    assert_eq!(graph.edge_count(), 6 + 5 + 2 + 2);
    let steps = graph.settled_after_steps().expect("layout ran");
    assert!(steps > 0);
    harness.get_by_label_contains("Techniques, tactics and groups (MITRE ATT&CK v0.9-test");
}

#[test]
fn the_files_view_summarizes_each_file_and_names_the_unreadable() {
    let mut harness = harness();
    open_demo(&mut harness);
    harness.state_mut().command(AppCommand::Show(View::Files));
    harness.run_steps(3);

    // Counts from `wc -l` and the CLI's JSON report of the same files.
    harness
        .get_by_label_contains("auth.log — syslog, 882 lines, 708 events, 174 skipped, 0 errors");
    harness.get_by_label_contains("conn.log — zeek_tsv, 2939 lines, 2930 events, 9 skipped");
    harness.get_by_label_contains("ufw.log — syslog, 319 lines, 319 events, 0 skipped");
    // The folder's README is not a log: said by name, and the rest was read.
    assert_eq!(
        harness
            .query_all_by_label_contains("README.md: not a recognized log format")
            .count(),
        1
    );
}

#[test]
fn a_missing_file_is_reported_in_the_window() {
    let mut harness = harness();
    let missing = PathBuf::from("/nonexistent/threatlens/auth.log");
    harness
        .state_mut()
        .command(AppCommand::OpenLogs(vec![missing]));
    wait_until_idle(&mut harness);

    harness.get_by_label_contains("cannot open");
    harness.get_by_label_contains("/nonexistent/threatlens/auth.log");
    assert!(harness.state().state.case.detections.is_empty());
}

#[test]
fn detections_export_as_csv_and_json() {
    let mut harness = harness();
    open_demo(&mut harness);
    let dir = tempfile::tempdir().expect("temp dir");
    let csv_path = dir.path().join("detections.csv");
    let json_path = dir.path().join("detections.json");

    harness
        .state_mut()
        .command(AppCommand::ExportDetections(csv_path.clone()));
    wait_until_idle(&mut harness);
    harness
        .state_mut()
        .command(AppCommand::ExportDetections(json_path.clone()));
    wait_until_idle(&mut harness);

    let mut reader = csv::Reader::from_path(&csv_path).expect("CSV written");
    let rows: Vec<csv::StringRecord> = reader.records().map(|row| row.expect("row")).collect();
    assert_eq!(rows.len(), DEMO_DETECTIONS);
    assert_eq!(&rows[0][2], FIRST_DETECTION);

    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json_path).expect("JSON written")).expect("JSON");
    assert_eq!(
        json["detections"].as_array().map(Vec::len),
        Some(DEMO_DETECTIONS)
    );
    assert_eq!(json["attack_version"], "0.9-test");
    harness.get_by_label_contains("exported 14 detection(s)");
}
