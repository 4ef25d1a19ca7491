//! `threatlens attack`, `threatlens actors` and the ATT&CK parts of `scan`, end to end, with our
//! own small bundle and a local HTTP server standing in for MITRE's repository.

mod common;

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn threatlens(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_threatlens"))
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("THREATLENS_ATTACK")
        .env_remove("THREATLENS_ATTACK_URL")
        .env("THREATLENS_DATA_DIR", data_dir)
        .env("THREATLENS_CONFIG_DIR", data_dir.join("config"))
        .output()
        .expect("the binary runs")
}

/// `scan --format json` with `args`; checks the exit code and parses the document.
fn scan_json(data_dir: &Path, args: &[&str]) -> (Value, Output) {
    let mut full = vec!["scan", "--format", "json"];
    full.extend_from_slice(args);
    let output = threatlens(data_dir, &full);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let document = serde_json::from_slice(&output.stdout).expect("scan prints JSON");
    (document, output)
}

fn mini() -> String {
    common::fixture("attack/mini-attack.json")
        .display()
        .to_string()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn scan_names_techniques_and_ranks_groups_from_the_loaded_version() {
    let dir = tempfile::tempdir().unwrap();
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples");
    let mini = mini();
    let (document, _) = scan_json(
        dir.path(),
        &[
            "--year",
            "2026",
            "--attack",
            &mini,
            samples.to_str().unwrap(),
        ],
    );

    assert_eq!(document["attack_version"], "0.9-test");
    let techniques: Vec<&Value> = document["detections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["techniques"].as_array().unwrap())
        .collect();
    let brute = techniques.iter().find(|t| t["id"] == "T1110").unwrap();
    assert_eq!(brute["name"], "Brute Force");
    assert_eq!(brute["tactics"], serde_json::json!(["credential-access"]));
    let valid_accounts = techniques.iter().find(|t| t["id"] == "T1078").unwrap();
    assert!(valid_accounts["name"].is_null(), "not in our small bundle");

    // The demo's detections carry T1110(.001/.003), T1046, T1071 and T1041. Alpha Bear uses
    // all of them (T1041 through its malware, T1110.003 by its parent), so it ranks first;
    // Delta Retired is deprecated and never ranks.
    let actors = document["actors"].as_array().unwrap();
    assert_eq!(actors[0]["id"], "G9001");
    assert_eq!(actors[0]["name"], "Alpha Bear");
    assert!(actors.iter().all(|a| a["id"] != "G9004"));
    assert!(actors[0]["shared_techniques"].as_array().unwrap().len() >= 5);
}

#[test]
fn without_data_scan_works_and_says_how_to_get_it() {
    let dir = tempfile::tempdir().unwrap();
    let log = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/cli/auth.log");

    let (document, output) = scan_json(dir.path(), &["--year", "2024", log.to_str().unwrap()]);

    assert!(document["attack_version"].is_null());
    assert_eq!(document["actors"], serde_json::json!([]));
    assert!(stderr(&output).contains("threatlens attack update"));

    let info = threatlens(dir.path(), &["attack", "info"]);
    assert_eq!(info.status.code(), Some(2));
    assert!(stderr(&info).contains("--attack FILE"));
}

#[test]
fn show_follows_a_revoked_id_and_lists_mitigations_and_groups() {
    let dir = tempfile::tempdir().unwrap();

    let revoked = threatlens(
        dir.path(),
        &["attack", "show", "T1043", "--attack", &mini()],
    );
    let text = stdout(&revoked);
    assert!(
        text.starts_with("T1071 Application Layer Protocol (ATT&CK 0.9-test)"),
        "{text}"
    );
    assert!(text.contains("T1043 was revoked"));

    let brute = threatlens(
        dir.path(),
        &["attack", "show", "t1110", "--json", "--attack", &mini()],
    );
    let card: Value = serde_json::from_slice(&brute.stdout).unwrap();
    assert_eq!(card["tactics"], serde_json::json!(["Credential Access"]));
    let mitigations: Vec<&str> = card["mitigations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(mitigations, ["M9001"], "the deprecated M9002 is left out");
    assert_eq!(card["groups"][0]["name"], "Alpha Bear");
    assert_eq!(card["groups_through_campaigns"][0]["name"], "Gamma Spider");
    assert_eq!(card["detection_strategies"][0]["strategy"]["id"], "DET9001");
}

#[test]
fn actors_ranks_a_hand_given_set() {
    let dir = tempfile::tempdir().unwrap();

    let output = threatlens(
        dir.path(),
        &[
            "actors",
            "T1110.003",
            "T1046",
            "--json",
            "--attack",
            &mini(),
        ],
    );

    // Beta Kitten uses exactly these two; Alpha has T1046 and only the parent of T1110.003.
    let ranked: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(ranked[0]["id"], "G9002");
    assert_eq!(ranked[1]["id"], "G9001");
}

/// Serves `routes` (path → body) on 127.0.0.1 until the test ends; other paths get 404.
fn serve(routes: Vec<(&'static str, Vec<u8>)>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a local port");
    let address = listener.local_addr().expect("its address");
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let Ok(reading) = stream.try_clone() else {
                continue;
            };
            let mut request_line = String::new();
            let mut reader = BufReader::new(reading);
            reader.read_line(&mut request_line).unwrap_or_default();
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) <= 2 {
                    break;
                }
            }
            let path = request_line.split_whitespace().nth(1).unwrap_or_default();
            let (status, body) = match routes.iter().find(|(route, _)| *route == path) {
                Some((_, body)) => ("200 OK", body.clone()),
                None => ("404 Not Found", b"not here".to_vec()),
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    format!("http://{address}")
}

fn cached_bundle(dir: &Path) -> PathBuf {
    dir.join("attack/enterprise-attack.json")
}

#[test]
fn update_downloads_into_the_cache_and_a_failed_update_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = std::fs::read(common::fixture("attack/mini-attack.json")).unwrap();
    let good = serve(vec![
        ("/enterprise-attack/enterprise-attack.json", bundle.clone()),
        ("/LICENSE.txt", b"terms of use (test copy)".to_vec()),
    ]);

    let updated = threatlens(dir.path(), &["attack", "update", "--url", &good]);
    assert_eq!(updated.status.code(), Some(0), "{}", stderr(&updated));
    assert!(
        stdout(&updated).contains("ATT&CK none → 0.9-test"),
        "{}",
        stdout(&updated)
    );
    assert_eq!(std::fs::read(cached_bundle(dir.path())).unwrap(), bundle);
    let terms = std::fs::read_to_string(dir.path().join("attack/ATTACK-TERMS-OF-USE.txt")).unwrap();
    assert_eq!(terms, "terms of use (test copy)");

    let info = threatlens(dir.path(), &["attack", "info"]);
    assert!(
        stdout(&info).contains("Enterprise ATT&CK 0.9-test"),
        "{}",
        stdout(&info)
    );
    assert!(
        stdout(&info).contains("derived index"),
        "the update left an index"
    );

    let broken = serve(vec![(
        "/enterprise-attack/enterprise-attack.json",
        b"{\"type\":\"bundle\",\"objects\":[{\"type\":".to_vec(),
    )]);
    let failed = threatlens(dir.path(), &["attack", "update", "--url", &broken]);
    assert_ne!(failed.status.code(), Some(0));
    assert!(stderr(&failed).contains("unchanged"), "{}", stderr(&failed));
    assert_eq!(std::fs::read(cached_bundle(dir.path())).unwrap(), bundle);

    let missing = serve(Vec::new());
    let failed = threatlens(dir.path(), &["attack", "update", "--url", &missing]);
    assert!(stderr(&failed).contains("404"), "{}", stderr(&failed));
    assert_eq!(std::fs::read(cached_bundle(dir.path())).unwrap(), bundle);
}

#[test]
fn update_reports_what_changed_for_the_rules_techniques() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = std::fs::read(common::fixture("attack/mini-attack.json")).unwrap();
    let first = serve(vec![(
        "/enterprise-attack/enterprise-attack.json",
        bundle.clone(),
    )]);
    let updated = threatlens(dir.path(), &["attack", "update", "--url", &first]);
    assert_eq!(updated.status.code(), Some(0), "{}", stderr(&updated));

    // The next release renames T1110, moves T1046 to Credential Access too, and records Beta
    // Kitten using T1071: all three techniques are tagged in the bundled rules.
    let mut next: Value = serde_json::from_slice(&bundle).unwrap();
    let objects = next["objects"].as_array_mut().unwrap();
    for object in objects.iter_mut() {
        if object["id"] == "attack-pattern--00000000-0000-4000-8000-000000001110" {
            object["name"] = "Brute Force Attempts".into();
        }
        if object["id"] == "attack-pattern--00000000-0000-4000-8000-000000001046" {
            object["kill_chain_phases"]
                .as_array_mut()
                .unwrap()
                .push(serde_json::json!({"kill_chain_name": "mitre-attack", "phase_name": "credential-access"}));
        }
    }
    objects.push(serde_json::json!({
        "type": "relationship", "id": "relationship--00000000-0000-4000-8000-0000000000ff", "relationship_type": "uses",
        "source_ref": "intrusion-set--00000000-0000-4000-8000-00000000000b",
        "target_ref": "attack-pattern--00000000-0000-4000-8000-000000001071"
    }));
    let second = serve(vec![(
        "/enterprise-attack/enterprise-attack.json",
        serde_json::to_vec(&next).unwrap(),
    )]);

    let output = threatlens(dir.path(), &["attack", "update", "--url", &second]);

    let text = stdout(&output);
    assert!(
        text.contains("T1110 renamed: \"Brute Force\" → \"Brute Force Attempts\""),
        "{text}"
    );
    assert!(
        text.contains("T1046 moved: discovery → discovery, credential-access"),
        "matrix order puts discovery first in our bundle: {text}"
    );
    assert!(text.contains("T1071 now used by Beta Kitten"), "{text}");
}
