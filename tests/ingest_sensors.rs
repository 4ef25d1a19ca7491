//! Network-sensor logs (Zeek TSV and JSON, Suricata eve) read end to end through `ingest_file`.
//!
//! Fixtures in `tests/data/{zeek,suricata}` keep a plain clone tested. When the shared corpus
//! (`../shared/corpus`) is present, every Zeek and Suricata file in it is read too, and the
//! expected numbers below were counted from those files by hand (zcat, awk, python3 -c), not
//! copied from this code's output.

use std::path::{Path, PathBuf};

use threatlens::engine::event::{Action, Event, EventFormat, Outcome};
use threatlens::engine::ingest::{FileReport, IngestOptions, InputFormat, ingest_file};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// The shared corpus directory `kind`, or `None` (with a note) in a plain clone.
fn corpus(kind: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus")
        .join(kind);
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("note: {} is absent; corpus checks skipped", dir.display());
        None
    }
}

fn read_with(path: &Path, options: &IngestOptions) -> (FileReport, Vec<Event>) {
    let mut events = Vec::new();
    let report = ingest_file(path, 0, options, &mut |batch| events.extend(batch));
    assert_eq!(
        report.lines,
        report.parsed_lines + report.skipped + report.error_count,
        "every line accounted for in {}",
        path.display()
    );
    (report, events)
}

fn read(path: &Path) -> (FileReport, Vec<Event>) {
    read_with(path, &IngestOptions::default())
}

fn error_reasons(report: &FileReport) -> Vec<(u64, &str)> {
    report
        .errors
        .iter()
        .map(|error| (error.line, error.reason.as_str()))
        .collect()
}

fn utc(text: &str) -> jiff::Timestamp {
    text.parse().expect("a valid RFC 3339 time in the test")
}

// ---------------------------------------------------------------- fixtures: Zeek

#[test]
fn custom_prefix_separator_and_markers() {
    let (report, events) = read(&fixture("zeek/custom_separator_ssh.log"));
    assert_eq!(report.format, Some(InputFormat::ZeekTsv));
    assert_eq!(
        (report.lines, report.parsed_lines, report.error_count),
        (13, 3, 0)
    );
    assert_eq!(report.skip_reasons.get("zeek header"), Some(&9));
    assert_eq!(report.skip_reasons.get("comment line"), Some(&1));

    let [failed, accepted, handshake] = events.as_slice() else {
        panic!("three events expected, got {}", events.len());
    };
    assert_eq!(failed.format, EventFormat::ZeekSsh);
    assert_eq!(failed.time, Some(utc("2024-05-01T10:00:00.25Z")));
    assert_eq!(failed.src_ip, Some("203.0.113.9".parse().unwrap()));
    assert_eq!(failed.dst_port, Some(22));
    assert_eq!(failed.action, Some(Action::Login));
    assert_eq!(failed.outcome, Some(Outcome::Failure));
    assert_eq!(failed.extra("tags"), Some("scan,brute"), "set split on `;`");
    assert_eq!(accepted.outcome, Some(Outcome::Success));
    assert_eq!(
        accepted.extra("client"),
        Some(""),
        "EMPTY marker is an empty string"
    );
    assert_eq!(accepted.extra("tags"), Some(""));
    assert_eq!(handshake.action, Some(Action::Handshake));
    assert_eq!(handshake.outcome, None, "NOT-SET marker is unset");
    assert_eq!(handshake.extra("client"), None);
}

#[test]
fn two_blocks_trailing_tabs_unnamed_columns_and_bad_rows() {
    let (report, events) = read(&fixture("zeek/two_blocks.log"));
    assert_eq!(report.format, Some(InputFormat::ZeekTsv));
    assert_eq!(report.lines, 23);
    assert_eq!(report.parsed_lines, 4);
    assert_eq!(report.skip_reasons.get("zeek header"), Some(&17));
    assert_eq!(
        error_reasons(&report),
        [
            (11, "column count does not match #fields"),
            (23, "bad timestamp")
        ]
    );

    let conn = &events[0];
    assert_eq!(conn.format, EventFormat::ZeekConn);
    assert_eq!(conn.bytes_out, Some(u64::MAX), "count kept exact");
    assert_eq!(conn.bytes_in, Some(4096));
    assert_eq!(conn.duration_secs, Some(120.5));
    assert_eq!(conn.process.as_deref(), Some("http,ssl"));
    assert_eq!(
        events[1].extra("conn_state"),
        Some("S0"),
        "trailing tab ignored"
    );
    assert_eq!(events[1].bytes_out, None);

    let dns = &events[2];
    assert_eq!(dns.format, EventFormat::ZeekDns);
    assert_eq!(
        dns.domain.as_deref(),
        Some(""),
        "(empty) is an empty string"
    );
    assert_eq!(dns.extra("answers"), Some("(empty)"), "escaped literal");
    assert_eq!(events[3].domain.as_deref(), Some("café.example"));
    assert_eq!(events[3].extra("answers"), Some("a,b,192.0.2.1"));
    assert_eq!(events[3].extra(""), None, "unnamed column ignored");
}

#[test]
fn underscore_keys_read_like_dotted_keys() {
    let (underscore_report, underscore) = read(&fixture("zeek/underscore_keys.json"));
    let (dotted_report, dotted) = read(&fixture("zeek/dotted_keys.json"));
    assert_eq!(underscore_report.format, Some(InputFormat::ZeekJson));
    assert_eq!(dotted_report.format, Some(InputFormat::ZeekJson));
    assert_eq!(underscore.len(), 2);
    assert_eq!(dotted.len(), 2);

    for (a, b) in underscore.iter().zip(&dotted) {
        assert_eq!(a.format, b.format);
        assert_eq!(a.time, b.time);
        assert_eq!((a.src_ip, a.src_port), (b.src_ip, b.src_port));
        assert_eq!((a.dst_ip, a.dst_port), (b.dst_ip, b.dst_port));
        assert_eq!(a.extra("uid"), b.extra("uid"));
    }
    let conn = &underscore[0];
    assert_eq!(conn.src_ip, Some("10.2.0.7".parse().unwrap()));
    assert_eq!(conn.dst_ip, Some("2001:db8::25".parse().unwrap()));
    assert_eq!(conn.time, Some(utc("2024-05-01T10:00:00.25Z")));
    assert_eq!(conn.reporter.as_deref(), Some("sensor-a"));
    assert_eq!(
        underscore[1].extra("answers"),
        Some("192.0.2.80,192.0.2.81")
    );
}

#[test]
fn mixed_streams_typed_by_their_fields() {
    let (report, events) = read(&fixture("zeek/mixed_streams.json"));
    assert_eq!(report.format, Some(InputFormat::ZeekJson));
    assert_eq!((report.lines, report.parsed_lines), (8, 7));
    assert_eq!(error_reasons(&report), [(8, "not a JSON object")]);

    let formats: Vec<EventFormat> = events.iter().map(|e| e.format).collect();
    assert_eq!(
        formats,
        [
            EventFormat::ZeekConn,
            EventFormat::ZeekHttp,
            EventFormat::ZeekSsl,
            EventFormat::ZeekSsh,
            EventFormat::ZeekNotice,
            EventFormat::ZeekDns,
            EventFormat::ZeekOther,
        ]
    );
    let http = &events[1];
    assert_eq!(http.http_method.as_deref(), Some("POST"));
    assert_eq!(http.domain.as_deref(), Some(""));
    assert_eq!(http.bytes_out, Some(5_242_880));
    assert_eq!(http.http_status, Some(200));
    assert_eq!(events[2].domain.as_deref(), Some("cdn.example.org"));
    assert_eq!(events[3].action, Some(Action::Login));
    assert_eq!(events[3].outcome, Some(Outcome::Success));
    assert_eq!(events[3].extra("direction"), Some("INBOUND"));
    let notice = &events[4];
    assert_eq!(notice.action, Some(Action::Alert));
    assert_eq!(notice.signature.as_deref(), Some("Scan::Port_Scan"));
    assert_eq!(notice.src_ip, Some("203.0.113.50".parse().unwrap()));
    assert_eq!(events[6].extra("_path"), Some("files"));
}

// ---------------------------------------------------------------- fixtures: Suricata

#[test]
fn dns_v1_v2_v3_and_grouped_soa() {
    let (report, events) = read(&fixture("suricata/dns_versions.ndjson"));
    assert_eq!(report.format, Some(InputFormat::SuricataEve));
    assert_eq!((report.lines, report.parsed_lines), (5, 5));
    assert!(events.iter().all(|e| e.format == EventFormat::SuricataDns));
    assert!(events.iter().all(|e| e.action == Some(Action::Query)));

    let domains: Vec<_> = events.iter().map(|e| e.domain.as_deref()).collect();
    assert_eq!(
        domains,
        [
            Some("v1.example.com"),
            Some("v1.example.com"),
            Some("v2.example.com"),
            Some("soa.example.com"),
            Some("v3.example.com"),
        ]
    );
    assert_eq!(events[0].extra("dns.type"), Some("query"));
    assert_eq!(events[1].extra("dns.answers"), Some("192.0.2.10"));
    assert_eq!(
        events[2].extra("dns.answers"),
        Some("192.0.2.20,192.0.2.21")
    );
    let soa = events[3].extra("dns.answers").unwrap();
    assert!(soa.contains(r#""mname":"ns1.example.com""#), "{soa}");
    assert_eq!(events[4].extra("dns.rrtype"), Some("AAAA"));
    assert_eq!(events[4].extra("dns.answers"), Some("2001:db8::30"));
}

#[test]
fn flow_ids_above_2_pow_53_stay_exact() {
    let (report, events) = read(&fixture("suricata/flow_ids.ndjson"));
    assert_eq!((report.lines, report.parsed_lines), (3, 3));

    let ids: Vec<_> = events.iter().map(|e| e.extra("flow_id")).collect();
    assert_eq!(
        ids,
        [
            Some("9007199254740993"),
            Some("18446744073709551615"),
            Some("9007199254740992")
        ]
    );
    let flow = &events[0];
    assert_eq!(flow.format, EventFormat::SuricataFlow);
    assert_eq!(flow.bytes_out, Some(9_007_199_254_740_993));
    assert_eq!(flow.bytes_in, Some(2048));
    assert_eq!(flow.duration_secs, Some(60.0));
    assert_eq!(flow.time, Some(utc("2024-05-01T10:00:00Z")));
    assert_eq!(flow.src_ip, Some("2001:db8::42".parse().unwrap()));
    assert_eq!(flow.extra("app_proto"), Some("failed"));

    let tls = &events[2];
    assert_eq!(tls.format, EventFormat::SuricataTls);
    assert_eq!(tls.domain.as_deref(), Some("login.example.com"));
    assert_eq!(
        tls.extra("tls.ja3.hash"),
        Some("e7d705a3286e19ea42f587b344ee6865")
    );
    assert_eq!(tls.time, Some(utc("2024-05-01T10:00:02Z")), "no zone: UTC");
}

#[test]
fn pretty_printed_array() {
    let (report, events) = read(&fixture("suricata/pretty_array.json"));
    assert_eq!(report.format, Some(InputFormat::SuricataEve));
    assert_eq!(report.lines, 41);
    assert_eq!(report.parsed_lines, 3);
    assert_eq!(report.error_count, 0);
    assert_eq!(report.skip_reasons.get("JSON array bracket"), Some(&2));

    let first_lines: Vec<u64> = events.iter().map(|e| e.location.line).collect();
    assert_eq!(first_lines, [2, 32, 40]);
    let alert = &events[0];
    assert_eq!(alert.signature_id, Some(2_034_125));
    assert_eq!(
        alert.signature.as_deref(),
        Some(r#"ET EXPLOIT Path Traversal Attempt "{..}" (CVE-2021-41773)"#)
    );
    assert_eq!(alert.techniques, ["T1190"]);
    assert_eq!(alert.extra("mitre_tactic_name"), Some("Initial_Access"));
    assert_eq!(alert.url.as_deref(), Some("/cgi-bin/.%2e/.%2e/bin/sh"));
    assert_eq!(alert.sensor_severity, Some(1));
    assert_eq!(events[2].format, EventFormat::SuricataOther);
}

#[test]
fn eve_relayed_in_syslog() {
    let options = IngestOptions {
        format: Some(InputFormat::SuricataEve),
        ..IngestOptions::default()
    };
    let (report, events) = read_with(&fixture("suricata/syslog_relay.log"), &options);
    assert_eq!((report.lines, report.parsed_lines), (3, 2));
    assert_eq!(error_reasons(&report), [(2, "bad timestamp")]);
    assert_eq!(events[0].reporter.as_deref(), Some("pfSense"));
    assert_eq!(events[0].time, Some(utc("2024-05-01T15:00:00Z")));
    assert_eq!(events[0].dst_port, Some(3389));
    assert_eq!(events[1].format, EventFormat::SuricataFlow);
    assert_eq!(events[1].bytes_in, Some(20));
}

// ---------------------------------------------------------------- the shared corpus

fn files_under(dir: &Path, keep: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("corpus directory readable") {
            let path = entry.expect("corpus directory entry readable").path();
            if path.is_dir() {
                pending.push(path);
            } else if keep(&path) {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn is_log(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    !name.ends_with(".md") && name != "README.upstream"
}

#[test]
fn every_zeek_corpus_file_is_read_or_rejected() {
    let Some(dir) = corpus("zeek") else { return };
    let files = files_under(&dir, &is_log);
    assert!(files.len() >= 70, "found {} files", files.len());

    for path in files {
        let (report, events) = read(&path);
        let name = path.file_name().unwrap().to_string_lossy();
        eprintln!(
            "{name}: format {:?} lines {} parsed {} skipped {} errors {} {:?}",
            report.format,
            report.lines,
            report.parsed_lines,
            report.skipped,
            report.error_count,
            report.errors.first()
        );
        if name == "rita_not_a_log_conn.log" {
            assert_eq!(report.format, None);
            assert!(report.failure.is_some());
            continue;
        }
        assert!(
            matches!(
                report.format,
                Some(InputFormat::ZeekTsv | InputFormat::ZeekJson)
            ),
            "{name}: {:?}",
            report.format
        );
        assert_eq!(events.len() as u64, report.events);
        if name.starts_with("zeekbtest") {
            // Test baselines replace every time with Zeek's placeholder time.
            assert!(
                report.errors.iter().all(|e| e.reason == "bad timestamp"),
                "{name}"
            );
        } else if name != "rita_truncated_conn.log" {
            assert_eq!(report.error_count, 0, "{name}: {:?}", report.errors);
        }
    }
}

#[test]
fn every_suricata_eve_corpus_file_is_read() {
    let Some(dir) = corpus("suricata") else {
        return;
    };
    let is_eve = |path: &Path| {
        path.extension()
            .is_some_and(|ext| ext == "json" || ext == "ndjson")
    };
    let files = files_under(&dir, &is_eve);
    assert_eq!(files.len(), 6);

    for path in files {
        let (report, events) = read(&path);
        let name = path.file_name().unwrap().to_string_lossy();
        eprintln!(
            "{name}: lines {} parsed {} skipped {} errors {}",
            report.lines, report.parsed_lines, report.skipped, report.error_count
        );
        assert_eq!(report.format, Some(InputFormat::SuricataEve), "{name}");
        assert_eq!(report.error_count, 0, "{name}: {:?}", report.errors);
        assert!(!events.is_empty(), "{name}");
    }
}

/// `zcat http.*.gz | awk -F'\t' '$3=="73.54.23.243" && $9=="(empty)" && $13=="Modzilla/0.0001
/// (Atari 7800)"' | wc -l` gives 317 (all 317 requests from that host have the blank Host).
#[test]
fn rita_beacon_blank_host_requests() {
    let Some(dir) = corpus("zeek/rita_beacon_2024-04-19") else {
        return;
    };
    let beacon_src = "73.54.23.243".parse().unwrap();
    let mut beacon_requests = 0;
    let mut from_beacon_src = 0;
    for path in files_under(&dir, &|p| {
        p.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("http."))
    }) {
        let (report, events) = read(&path);
        assert_eq!(report.error_count, 0, "{}", path.display());
        for event in events.iter().filter(|e| e.src_ip == Some(beacon_src)) {
            from_beacon_src += 1;
            if event.user_agent.as_deref() == Some("Modzilla/0.0001 (Atari 7800)")
                && event.domain.as_deref() == Some("")
            {
                beacon_requests += 1;
            }
        }
    }
    assert_eq!(beacon_requests, 317);
    assert_eq!(from_beacon_src, 317);
}

/// `python3 -c` over the file: the one conn from 10.0.1.4 to 10.0.1.6:445 above 4 MB has
/// orig_bytes 4261160, resp_bytes 3871, uid CE5Tb74JHZJJsCpgH8.
#[test]
fn apt29_smb_transfer_bytes() {
    let Some(dir) = corpus("zeek") else { return };
    let (report, events) = read(&dir.join("otrf_apt29_d1_NASHUA_conn.json.log"));
    assert_eq!((report.lines, report.parsed_lines), (479, 479));

    let src = "10.0.1.4".parse().unwrap();
    let dst = "10.0.1.6".parse().unwrap();
    let big: Vec<&Event> = events
        .iter()
        .filter(|e| e.src_ip == Some(src) && e.dst_ip == Some(dst) && e.dst_port == Some(445))
        .filter(|e| e.bytes_out.is_some_and(|bytes| bytes > 4_000_000))
        .collect();
    assert_eq!(big.len(), 1);
    assert_eq!(big[0].bytes_out, Some(4_261_160));
    assert_eq!(big[0].bytes_in, Some(3871));
    assert_eq!(big[0].extra("uid"), Some("CE5Tb74JHZJJsCpgH8"));
    assert_eq!(big[0].format, EventFormat::ZeekConn);
    assert_eq!(big[0].reporter.as_deref(), Some("bobs.bigwheel.local"));
}

/// 67 lines (the last has no newline and is cut after `0.065`): 8 header lines, 58 whole rows.
#[test]
fn rita_truncated_conn_keeps_whole_rows() {
    let Some(dir) = corpus("zeek") else { return };
    let (report, _) = read(&dir.join("rita_truncated_conn.log"));
    assert_eq!(report.lines, 67);
    assert_eq!(report.parsed_lines, 58);
    assert_eq!(report.skipped, 8);
    assert_eq!(
        error_reasons(&report),
        [(67, "column count does not match #fields")]
    );
}

/// 13 lines: a btest banner, 7 `PREFIX<>` header lines, 5 rows with the placeholder time.
#[test]
fn zeek_btest_custom_separator_file() {
    let Some(dir) = corpus("zeek") else { return };
    let (report, _) = read(&dir.join("zeekbtest_ascii_empty_custom_sep.log"));
    assert_eq!(report.format, Some(InputFormat::ZeekTsv));
    assert_eq!(report.lines, 13);
    assert_eq!(report.skip_reasons.get("zeek header"), Some(&7));
    assert_eq!(report.skip_reasons.get("comment line"), Some(&1));
    let reasons: Vec<_> = error_reasons(&report);
    assert_eq!(reasons.len(), 5);
    assert!(reasons.iter().all(|(_, reason)| *reason == "bad timestamp"));
}

/// `zcat | wc -l` gives 53624 lines, of which 9 start with `#` and 53615 have 24 fields.
#[test]
fn wrccdc_dns_streams() {
    let Some(dir) = corpus("zeek") else { return };
    let mut events = 0u64;
    let mut report = ingest_file(
        &dir.join("wrccdc_dns.log.gz"),
        0,
        &IngestOptions::default(),
        &mut |batch| events += batch.len() as u64,
    );
    report.errors.truncate(3);
    assert_eq!(report.compression, "gzip");
    assert_eq!(report.lines, 53_624);
    assert_eq!(report.parsed_lines, 53_615, "{:?}", report.errors);
    assert_eq!(report.skipped, 9);
    assert_eq!(events, 53_615);
}

/// `python3 -c 'import json; print(len(json.load(open(f))))'`: 44 objects over 930 lines, all
/// `event_type` alert; the first object opens on line 2.
#[test]
fn hassanabad_pretty_arrays() {
    let Some(dir) = corpus("suricata") else {
        return;
    };
    for (name, objects, lines) in [
        ("hassanabad_honeypot2018_alerts.json", 44, 930),
        ("hassanabad_firstorg2015_alerts.json", 136, 5136),
    ] {
        let (report, events) = read(&dir.join(name));
        assert_eq!(report.lines, lines, "{name}");
        assert_eq!(report.parsed_lines, objects, "{name}");
        assert_eq!(report.skipped, lines - objects, "{name}");
        assert_eq!(events.len() as u64, objects, "{name}");
        assert!(
            events
                .iter()
                .all(|e| e.format == EventFormat::SuricataAlert)
        );
        assert_eq!(events[0].location.line, 2);
    }
}

/// WRCCDC wrote the same notice and ssh logs as TSV and as JSON (207 and 22 rows, `zcat | grep
/// -vc '^#'`): both forms must give the same events.
#[test]
fn wrccdc_tsv_and_json_agree() {
    let Some(dir) = corpus("zeek") else { return };
    for (tsv, json, rows) in [
        ("wrccdc_notice.log.gz", "wrccdc_notice.json.gz", 207),
        ("wrccdc_ssh.log.gz", "wrccdc_ssh.json.gz", 22),
    ] {
        let (_, from_tsv) = read(&dir.join(tsv));
        let (_, from_json) = read(&dir.join(json));
        assert_eq!(from_tsv.len(), rows, "{tsv}");
        assert_eq!(from_json.len(), rows, "{json}");
        for (a, b) in from_tsv.iter().zip(&from_json) {
            assert_eq!(a.format, b.format);
            assert_eq!(a.time, b.time, "{tsv} line {}", a.location.line);
            assert_eq!((a.src_ip, a.src_port), (b.src_ip, b.src_port));
            assert_eq!((a.dst_ip, a.dst_port), (b.dst_ip, b.dst_port));
            assert_eq!((a.action, a.outcome), (b.action, b.outcome));
            assert_eq!(a.signature, b.signature);
            assert_eq!(a.extra("uid"), b.extra("uid"));
        }
    }
}
