//! The `threatlens` binary end to end: exit codes, output shapes, and per-file failure reports.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/cli")
        .join(name)
}

fn threatlens(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_threatlens"))
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("THREATLENS_ATTACK")
        .env("THREATLENS_DATA_DIR", private_dir("data"))
        .env("THREATLENS_CONFIG_DIR", private_dir("config"))
        .output()
        .expect("the binary runs")
}

/// A folder of this test process's own, so no test reads or writes the user's real data.
fn private_dir(name: &str) -> PathBuf {
    std::env::temp_dir()
        .join(format!("threatlens-cli-tests-{}", std::process::id()))
        .join(name)
}

fn scan_json(args: &[&str]) -> (Value, Output) {
    let mut full = vec!["scan", "--format", "json"];
    full.extend_from_slice(args);
    let output = threatlens(&full);
    let document = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "scan --format json must print JSON ({error}); stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (document, output)
}

#[test]
fn nothing_readable_exits_non_zero_and_names_the_path() {
    let missing = "/nonexistent/threatlens/auth.log";
    let output = threatlens(&["scan", missing]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(missing), "stderr names the path: {stderr}");
}

#[test]
fn a_bad_file_does_not_stop_the_batch() {
    let auth = data("auth.log");
    let notes = data("notes.txt");
    let (document, output) = scan_json(&[
        "--year",
        "2024",
        notes.to_str().unwrap(),
        auth.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "input was read");

    let files = document["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    let notes_entry = &files[0];
    assert!(
        notes_entry["failure"]
            .as_str()
            .unwrap()
            .contains("not a recognized log")
    );
    assert!(notes_entry["format"].is_null());

    // auth.log: 4 lines; 3 sshd events (two failures, one accepted key); the CRON line is
    // another program's and is skipped with a reason.
    let auth_entry = &files[1];
    assert_eq!(auth_entry["format"], "syslog");
    assert_eq!(auth_entry["lines"], 4);
    assert_eq!(auth_entry["events"], 3);
    assert_eq!(auth_entry["skipped"], 1);
    assert_eq!(auth_entry["error_count"], 0);
    assert_eq!(document["summary"]["files_failed"], 1);
}

#[test]
fn events_are_ndjson_with_normalized_fields() {
    let auth = data("auth.log");
    let output = threatlens(&["events", "--year", "2024", auth.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    let events: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(events.len(), 3);

    assert_eq!(events[0]["line"], 1);
    assert_eq!(events[0]["time"], "2024-03-03T10:00:01Z");
    assert_eq!(events[0]["format"], "sshd");
    assert_eq!(events[0]["src_ip"], "198.51.100.7");
    assert_eq!(events[0]["src_port"], 40022);
    assert_eq!(events[0]["user"], "oracle");
    assert_eq!(events[0]["action"], "login");
    assert_eq!(events[0]["outcome"], "failure");
    assert_eq!(events[0]["reporter"], "gateway");

    assert_eq!(events[1]["user"], "root");
    assert_eq!(events[1]["outcome"], "failure");

    assert_eq!(events[2]["line"], 4);
    assert_eq!(events[2]["src_ip"], "2001:db8::15");
    assert_eq!(events[2]["user"], "alice");
    assert_eq!(events[2]["outcome"], "success");
    assert_eq!(events[2]["auth_method"], "publickey");
}

#[test]
fn truncated_gzip_keeps_decoded_lines_and_warns() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auth.log.gz");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for second in 0..40_000u32 {
        writeln!(
            encoder,
            "Mar  3 10:{:02}:{:02} gateway sshd[4100]: Failed password for root from 198.51.100.{} port 40022 ssh2",
            (second / 60) % 60,
            second % 60,
            second % 200 + 1
        )
        .unwrap();
    }
    let bytes = encoder.finish().unwrap();
    std::fs::write(&path, &bytes[..bytes.len() * 2 / 3]).unwrap();

    let (document, output) = scan_json(&["--year", "2024", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    let file = &document["files"][0];
    assert_eq!(file["compression"], "gzip");
    let lines = file["lines"].as_u64().unwrap();
    assert!(
        lines > 1_000 && lines < 40_000,
        "kept the decoded part: {lines}"
    );
    let warnings = file["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains("stream ended early")),
        "warns about the cut: {warnings:?}"
    );
    // Every line is accounted for, including a partial last one.
    let parsed = file["parsed_lines"].as_u64().unwrap();
    let skipped = file["skipped"].as_u64().unwrap();
    let errors = file["error_count"].as_u64().unwrap();
    assert_eq!(parsed + skipped + errors, lines);
}

#[test]
fn every_output_format_is_well_formed() {
    let auth = data("auth.log");
    let path = auth.to_str().unwrap();

    let ndjson = threatlens(&["scan", "--format", "ndjson", "--year", "2024", path]);
    assert_eq!(ndjson.status.code(), Some(0));
    let first: Value = serde_json::from_str(
        String::from_utf8_lossy(&ndjson.stdout)
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(first["record"], "file");

    let csv = threatlens(&["scan", "--format", "csv", "--year", "2024", path]);
    assert_eq!(csv.status.code(), Some(0));
    let text = String::from_utf8_lossy(&csv.stdout);
    assert!(text.starts_with("severity,rule_id,title,techniques,"));

    let table = threatlens(&["scan", "--year", "2024", path]);
    assert_eq!(table.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&table.stdout).contains("syslog, 4 lines, 3 events"));
}

#[test]
fn non_utf8_bytes_are_decoded_lossily_and_kept_raw() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auth.log");
    std::fs::write(
        &path,
        b"Mar  3 10:00:01 gateway sshd[4100]: Failed password for j\xfcrgen from 198.51.100.9 port 2222 ssh2\n",
    )
    .unwrap();
    let output = threatlens(&["events", "--year", "2024", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    let event: Value =
        serde_json::from_str(String::from_utf8_lossy(&output.stdout).trim()).unwrap();
    assert_eq!(event["user"], "j\u{fffd}rgen");
    assert_eq!(event["src_ip"], "198.51.100.9");
    let raw = event["extra"]["raw"].as_str().unwrap();
    assert!(raw.contains("for j\\xfcrgen from"), "{raw}");
}

#[cfg(unix)]
#[test]
fn a_link_back_up_the_tree_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(data("auth.log"), dir.path().join("auth.log")).unwrap();
    std::os::unix::fs::symlink(".", dir.path().join("self")).unwrap();
    std::os::unix::fs::symlink(".", dir.path().join("again")).unwrap();

    let (document, output) = scan_json(&["--year", "2024", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    let files = document["files"].as_array().unwrap();
    assert_eq!(files.len(), 1, "read once: {files:#?}");
    assert_eq!(files[0]["events"], 3);
}

#[test]
fn an_empty_file_is_read_with_a_warning_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("appfirewall.log");
    std::fs::write(&path, b"").unwrap();
    let (document, output) = scan_json(&[path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    let file = &document["files"][0];
    assert!(file["failure"].is_null());
    let warning = file["warnings"][0].as_str().unwrap();
    assert!(warning.contains("log show"), "macOS 12 hint: {warning}");
}

#[test]
fn an_archive_damaged_before_its_first_line_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("auth.log.gz");
    std::fs::write(&path, [0x1f, 0x8b, 0x08]).unwrap();
    let (document, output) = scan_json(&[path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let failure = document["files"][0]["failure"].as_str().unwrap();
    assert!(
        failure.contains("damaged before its first line"),
        "{failure}"
    );
}

#[test]
fn implausible_years_are_refused() {
    let auth = data("auth.log");
    for year in ["0", "-5", "32767"] {
        let output = threatlens(&["scan", "--year", year, auth.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(2), "--year {year}");
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn a_mistyped_command_is_an_error_not_a_window() {
    let output = threatlens(&["scna", "assets/samples"]);

    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("\"scna\" is neither a command"), "{stderr}");
}
