//! `scan --format stix` and `--format navigator` on the demo incident: the STIX bundle passes the
//! OASIS validator (`stix2-validator` from PyPI), and both agree with the JSON detections.

mod common;
#[path = "support/python_tools.rs"]
mod python_tools;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn scan(format: &str, data_dir: &Path) -> Output {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/samples");
    let mini = common::fixture("attack/mini-attack.json");
    Command::new(env!("CARGO_BIN_EXE_threatlens"))
        .args(["scan", "--year", "2026", "--format", format, "--attack"])
        .arg(mini)
        .arg(samples)
        .env_remove("RUST_LOG")
        .env("THREATLENS_DATA_DIR", data_dir)
        .output()
        .expect("the binary runs")
}

fn scan_value(format: &str) -> Value {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let output = scan(format, dir.path());
    assert_eq!(output.status.code(), Some(0));
    serde_json::from_slice(&output.stdout).expect("scan prints JSON")
}

fn validate(validator: &Path, bundle: &Value) -> (bool, String) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("bundle.json");
    let text = serde_json::to_vec_pretty(bundle).expect("serializable");
    std::fs::write(&path, text).expect("bundle written");
    let output = Command::new(validator)
        .arg("--strict")
        .arg("--no-cache")
        .arg(&path)
        .output()
        .expect("stix2_validator runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    (
        output.status.success() && text.contains("STIX JSON: Valid"),
        text,
    )
}

#[test]
fn stix_bundle_is_valid_and_matches_the_detections() {
    let bundle = scan_value("stix");
    let detections = scan_value("json");

    let objects = bundle["objects"].as_array().unwrap();
    let of_type = |kind: &'static str| objects.iter().filter(move |o| o["type"] == kind);
    assert_eq!(of_type("identity").count(), 1);

    // 203.0.113.45 is the demo's SSH brute forcer (assets/samples/README.md).
    let indicator = of_type("indicator")
        .find(|o| o["pattern"] == "[ipv4-addr:value = '203.0.113.45']")
        .expect("an indicator for the brute forcer");
    let sighting = of_type("sighting")
        .find(|o| o["sighting_of_ref"] == indicator["id"])
        .unwrap();
    let expected_count: u64 = detections["detections"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["src_ip"] == "203.0.113.45")
        .map(|d| d["count"].as_u64().unwrap())
        .sum();
    assert_eq!(sighting["count"].as_u64().unwrap(), expected_count);
    let indicates: Vec<&Value> = of_type("relationship")
        .filter(|r| r["source_ref"] == indicator["id"])
        .map(|r| &r["target_ref"])
        .collect();
    assert!(
        indicates.contains(&&Value::from(
            "attack-pattern--00000000-0000-4000-8000-000000001110"
        )),
        "Brute Force by its STIX id in our bundle: {indicates:?}"
    );

    let Some(validator) = python_tools::python_tool("stix2_validator", "THREATLENS_STIX_VALIDATOR")
    else {
        return;
    };
    let (valid, report) = validate(&validator, &bundle);
    assert!(valid, "{report}");

    let mut broken = bundle.clone();
    let first_indicator = broken["objects"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|o| o["type"] == "indicator")
        .unwrap();
    first_indicator
        .as_object_mut()
        .unwrap()
        .remove("pattern_type");
    let (valid, _) = validate(&validator, &broken);
    assert!(
        !valid,
        "the validator must reject an indicator without pattern_type"
    );
}

#[test]
fn navigator_layer_scores_techniques_by_detection_count() {
    let layer = scan_value("navigator");
    let detections = scan_value("json");

    assert_eq!(layer["versions"]["layer"], "4.5");
    assert_eq!(layer["domain"], "enterprise-attack");
    let with_t1110 = detections["detections"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| {
            d["techniques"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["id"] == "T1110")
        })
        .count();
    let brute = layer["techniques"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["techniqueID"] == "T1110")
        .unwrap();
    assert_eq!(brute["score"].as_u64().unwrap(), with_t1110 as u64);
    assert!(layer["gradient"]["maxValue"].as_u64().unwrap() >= with_t1110 as u64);
}
