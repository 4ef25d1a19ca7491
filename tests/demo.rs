//! The bundled demo incident (`assets/samples/`): every stage of the story in its README is
//! found, with the entities and line numbers the README gives.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn scan_demo() -> Value {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples");
    let output = Command::new(env!("CARGO_BIN_EXE_threatlens"))
        .args(["scan", "--format", "json", "--year", "2026"])
        .arg(&samples)
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(0));
    serde_json::from_slice(&output.stdout).expect("JSON output")
}

fn find<'a>(document: &'a Value, technique: &str, src: &str) -> Vec<&'a Value> {
    document["detections"]
        .as_array()
        .expect("detections is a list")
        .iter()
        .filter(|detection| {
            detection["src_ip"] == src
                && detection["techniques"]
                    .as_array()
                    .expect("techniques is a list")
                    .iter()
                    .any(|t| t["id"] == technique)
        })
        .collect()
}

fn has_evidence(detection: &Value, file_name: &str, line: u64) -> bool {
    detection["evidence"]
        .as_array()
        .expect("evidence is a list")
        .iter()
        .any(|e| e["line"] == line && e["file"].as_str().is_some_and(|f| f.ends_with(file_name)))
}

#[test]
fn every_stage_of_the_demo_incident_is_found() {
    let document = scan_demo();
    let attacker = "203.0.113.45";

    // Stage 1: a vertical scan of 40 blocked ports on web01 (ufw.log lines 45-84).
    let scans = find(&document, "T1046", attacker);
    assert_eq!(scans.len(), 1, "{scans:#?}");
    assert_eq!(scans[0]["dst_ip"], "10.0.0.5");
    assert_eq!(scans[0]["details"]["distinct_dst_port"], "40");
    assert!(has_evidence(scans[0], "ufw.log", 45));

    // Stage 2: SSH brute force and invalid-user enumeration of 14 invented names.
    let brute = find(&document, "T1110.001", attacker);
    assert!(!brute.is_empty());
    let enumeration = brute
        .iter()
        .find(|d| d["details"]["distinct_user"].is_string())
        .expect("user enumeration");
    assert_eq!(enumeration["details"]["distinct_user"], "14");

    // Stage 3: `deploy` logs in from the attacker at auth.log line 707. Both login rules see it
    // (from the brute-forcing source, and on the host under attack); neither takes in the
    // admin's or the backup job's logins at other times.
    let valid = find(&document, "T1078", attacker);
    assert!(!valid.is_empty());
    for detection in &valid {
        assert_eq!(detection["user"], "deploy", "{detection:#}");
        assert_eq!(detection["evidence_total"], 1, "{detection:#}");
        assert!(has_evidence(detection, "auth.log", 707));
    }

    // Stage 5: beaconing to 198.51.100.77:443, 562 connections about 60 s apart.
    let beacons = find(&document, "T1071", "10.0.0.5");
    let beacon = beacons
        .iter()
        .find(|d| d["dst_ip"] == "198.51.100.77")
        .expect("the beacon");
    assert_eq!(beacon["dst_port"], 443);
    assert_eq!(beacon["count"], 562);
    let interval: f64 = beacon["details"]["median_interval_secs"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((interval - 60.0).abs() < 2.0, "{interval}");

    // Stage 6: 944,291,376 bytes to 198.51.100.91:443 at conn.log line 1633.
    let exfil = find(&document, "T1048", "10.0.0.5");
    assert_eq!(exfil.len(), 1, "{exfil:#?}");
    assert_eq!(exfil[0]["dst_ip"], "198.51.100.91");
    assert_eq!(exfil[0]["details"]["bytes_out"], "944291376");
    assert!(has_evidence(exfil[0], "conn.log", 1633));
}

#[test]
fn the_background_traffic_raises_nothing_severe() {
    let document = scan_demo();
    // The README's background: the admin's key logins from 10.0.1.20, the backup host
    // 10.0.0.30, web clients and workstations. None of them is the source of a high finding.
    for detection in document["detections"].as_array().unwrap() {
        let severe = matches!(detection["severity"].as_str(), Some("high" | "critical"));
        let src = detection["src_ip"].as_str().unwrap_or_default();
        if severe {
            assert!(
                src == "203.0.113.45" || src == "10.0.0.5",
                "unexpected severe finding: {detection:#}"
            );
        }
    }
}
