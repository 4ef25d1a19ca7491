//! Every file of the shared public corpus through the whole scan: no panic, every line
//! accounted for, and each file recognized as the format its provenance says it is.
//!
//! Runs only when `../shared/corpus` exists; a plain clone skips it with a note.

mod common;

use std::path::Path;

use common::corpus;
use threatlens::engine::detect::RuleSet;
use threatlens::engine::ingest::{FileReport, InputFormat};
use threatlens::engine::scan::{self, ScanOptions, ScanProgress};

fn scan_all(root: &Path) -> Vec<FileReport> {
    let (inputs, problems) = scan::collect_inputs(&[root.to_path_buf()]);
    assert!(problems.is_empty(), "{problems:?}");
    let rules = RuleSet::bundled().expect("bundled rules load");
    let outcome = scan::scan(
        &inputs,
        &ScanOptions::default(),
        &rules,
        &ScanProgress::default(),
    );
    outcome.files
}

/// The format a corpus file must be recognized as, from its folder and name; `None` for files
/// that hold no log we read (provenance notes, ground-truth CSVs, feeds, other vendors' logs).
fn expected_format(relative: &str) -> Option<InputFormat> {
    let name = relative.rsplit('/').next().unwrap_or(relative);
    let folder = relative.split('/').next().unwrap_or_default();
    if name.ends_with(".md") || name.ends_with(".csv") || name.ends_with(".tsv") {
        return None;
    }
    match folder {
        "syslog_auth" | "appfirewall" => Some(InputFormat::Syslog),
        "iptables_ufw" if name.starts_with("f2b_") => None,
        "iptables_ufw" => Some(InputFormat::Syslog),
        "zeek" if name == "rita_not_a_log_conn.log" || name.starts_with("README") => None,
        "zeek" if name.contains(".json") || name.starts_with("rita_json") => {
            Some(InputFormat::ZeekJson)
        }
        "zeek" => Some(InputFormat::ZeekTsv),
        "suricata" if name.ends_with(".ndjson") || name.ends_with("_alerts.json") => {
            Some(InputFormat::SuricataEve)
        }
        "firewall_other" if name.contains("pfirewall") => Some(InputFormat::WindowsFirewall),
        "web_access" if name.contains("access") || name.starts_with("crowdsec_nginx") => {
            Some(InputFormat::WebAccess)
        }
        _ => None,
    }
}

#[test]
fn every_corpus_line_is_accounted_for() {
    let Some(root) = corpus() else { return };
    let files = scan_all(&root);
    assert!(
        files.len() > 150,
        "the corpus has 180-odd files: {}",
        files.len()
    );

    for file in &files {
        assert_eq!(
            file.lines,
            file.parsed_lines + file.skipped + file.error_count,
            "{}: lines must be parsed, skipped or errors",
            file.path.display()
        );
        assert!(file.errors.len() as u64 <= file.error_count);
        for error in &file.errors {
            assert!(error.line >= 1 && error.line <= file.lines, "{error:?}");
            assert!(!error.reason.is_empty());
        }
    }
}

#[test]
fn corpus_files_are_recognized_by_content() {
    let Some(root) = corpus() else { return };
    let files = scan_all(&root);

    let mut wrong = Vec::new();
    for file in &files {
        let relative = file
            .path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let Some(expected) = expected_format(&relative) else {
            continue;
        };
        if file.format != Some(expected) || file.failure.is_some() {
            wrong.push(format!(
                "{relative}: expected {expected}, got {:?} ({:?})",
                file.format, file.failure
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "misrecognized files:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn a_not_a_log_file_is_rejected_by_name() {
    let Some(root) = corpus() else { return };
    let junk = root.join("zeek/rita_not_a_log_conn.log");
    let (inputs, _) = scan::collect_inputs(&[junk]);
    let rules = RuleSet::bundled().unwrap();
    let outcome = scan::scan(
        &inputs,
        &ScanOptions::default(),
        &rules,
        &ScanProgress::default(),
    );
    let report = &outcome.files[0];
    assert!(report.format.is_none());
    assert!(
        report
            .failure
            .as_deref()
            .is_some_and(|failure| failure.contains("not a recognized log format")),
        "{report:?}"
    );
    assert!(!outcome.read_anything());
}
