//! Findings as a STIX 2.1 bundle, for other tools and TAXII collections.
//!
//! The bundle holds an `identity` for ThreatLens (the creator and the place of every sighting),
//! one `indicator` per observed bad address or domain, one `sighting` per indicator with the
//! total count and first and last time seen, and `indicates` relationships from each indicator
//! to the ATT&CK attack-patterns of its detections, by their STIX ids in the loaded ATT&CK data.
//! Without ATT&CK data those relationships are left out (the STIX ids are unknown) and the
//! techniques stay in the indicator's `kill_chain_phases` and description.
//!
//! The bad side of a detection is its external address: the source when it is on the internet
//! (a brute forcer, a scanner), else the destination when that is (a beacon, an exfiltration
//! target), else the source.

use std::collections::BTreeMap;
use std::net::IpAddr;

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::engine::attack::KnowledgeBase;
use crate::engine::detect::Detection;
use crate::engine::detect::analytics::exfil::is_internal;

/// ThreatLens's own identity, the same in every export so consumers can recognize the source.
const IDENTITY_ID: &str = "identity--5d1b6c2e-8f3a-4b7d-9e10-a2c4e6f81357";

/// STIX limits `count` of a sighting to this.
const MAX_SIGHTING_COUNT: u64 = 999_999_999;

/// What one indicator gathers over the detections that observed its value.
#[derive(Debug, Default)]
struct Observed<'a> {
    pattern: String,
    kind: &'static str,
    count: u64,
    first_seen: Option<Timestamp>,
    last_seen: Option<Timestamp>,
    titles: Vec<&'a str>,
    techniques: Vec<&'a str>,
    tactics: Vec<&'a str>,
}

/// Builds the bundle for `detections`; `now` stamps `created`/`modified`.
pub fn stix_bundle(
    detections: &[Detection],
    attack: Option<&KnowledgeBase>,
    now: Timestamp,
) -> Value {
    let identity_id = IDENTITY_ID;
    let created = stix_time(now);
    let mut objects = vec![json!({
        "type": "identity",
        "spec_version": "2.1",
        "id": identity_id,
        "created": created,
        "modified": created,
        "name": "ThreatLens",
        "identity_class": "system",
        "description": "ThreatLens log analysis: detections from firewall, auth and sensor logs",
    })];

    for (value, observed) in observed_values(detections) {
        let indicator_id = format!("indicator--{}", new_id());
        let valid_from = observed
            .first_seen
            .map_or_else(|| created.clone(), stix_time);
        let phases: Vec<Value> = observed
            .tactics
            .iter()
            .map(|tactic| json!({"kill_chain_name": "mitre-attack", "phase_name": tactic}))
            .collect();
        let mut indicator = json!({
            "type": "indicator",
            "spec_version": "2.1",
            "id": indicator_id,
            "created_by_ref": identity_id,
            "created": created,
            "modified": created,
            "name": format!("{} {value}", observed.kind),
            "description": format!(
                "Seen by ThreatLens in: {}. ATT&CK: {}.",
                observed.titles.join("; "),
                observed.techniques.join(", ")
            ),
            "indicator_types": ["malicious-activity"],
            "pattern": observed.pattern,
            "pattern_type": "stix",
            "pattern_version": "2.1",
            "valid_from": valid_from,
        });
        if !phases.is_empty() {
            indicator["kill_chain_phases"] = Value::Array(phases);
        }
        objects.push(indicator);

        let mut sighting = json!({
            "type": "sighting",
            "spec_version": "2.1",
            "id": format!("sighting--{}", new_id()),
            "created_by_ref": identity_id,
            "created": created,
            "modified": created,
            "sighting_of_ref": indicator_id,
            "where_sighted_refs": [identity_id],
            "count": observed.count.min(MAX_SIGHTING_COUNT),
        });
        if let (Some(first), Some(last)) = (observed.first_seen, observed.last_seen) {
            sighting["first_seen"] = stix_time(first).into();
            sighting["last_seen"] = stix_time(last).into();
        }
        objects.push(sighting);

        let Some(base) = attack else { continue };
        for technique in &observed.techniques {
            let Some(resolved) = base.resolve(technique) else {
                continue;
            };
            let target = &resolved.technique.meta.stix_id;
            objects.push(json!({
                "type": "relationship",
                "spec_version": "2.1",
                "id": format!("relationship--{}", new_id()),
                "created_by_ref": identity_id,
                "created": created,
                "modified": created,
                "relationship_type": "indicates",
                "source_ref": indicator_id,
                "target_ref": target,
            }));
        }
    }

    json!({
        "type": "bundle",
        "id": format!("bundle--{}", uuid::Uuid::new_v4()),
        "objects": objects,
    })
}

/// Observed bad values (addresses and domains) with what the detections say about them,
/// in a stable order.
fn observed_values(detections: &[Detection]) -> BTreeMap<String, Observed<'_>> {
    let mut values: BTreeMap<String, Observed<'_>> = BTreeMap::new();
    for detection in detections {
        let mut found = Vec::new();
        if let Some(address) = bad_address(detection) {
            let kind = if address.is_ipv4() {
                "ipv4-addr"
            } else {
                "ipv6-addr"
            };
            let pattern = format!("[{kind}:value = '{address}']");
            found.push((address.to_string(), kind, pattern));
        }
        if let Some(domain) = detection.domain.as_deref().filter(|d| is_domain(d)) {
            let domain = domain.trim_end_matches('.').to_ascii_lowercase();
            let pattern = format!("[domain-name:value = '{domain}']");
            found.push((domain, "domain-name", pattern));
        }
        for (value, kind, pattern) in found {
            let entry = values.entry(value).or_default();
            entry.pattern = pattern;
            entry.kind = kind;
            entry.count += detection.count;
            entry.first_seen = earliest(entry.first_seen, detection.first_seen);
            entry.last_seen = latest(entry.last_seen, detection.last_seen);
            push_unique(&mut entry.titles, &detection.title);
            for technique in &detection.techniques {
                push_unique(&mut entry.techniques, technique);
            }
            for tactic in &detection.tactics {
                push_unique(&mut entry.tactics, tactic);
            }
        }
    }
    values
}

/// The external side of a detection (see the module docs).
fn bad_address(detection: &Detection) -> Option<IpAddr> {
    let parse = |text: Option<&String>| text.and_then(|t| t.parse::<IpAddr>().ok());
    let source = parse(detection.src_ip.as_ref());
    let destination = parse(detection.dst_ip.as_ref());
    match (source, destination) {
        (Some(source), _) if !is_internal(source) => Some(source),
        (_, Some(destination)) if !is_internal(destination) => Some(destination),
        (source, _) => source,
    }
}

/// A plausible DNS name: letters, digits, hyphens and dots, with at least one dot, and nothing
/// that would need escaping inside a STIX pattern string.
fn is_domain(text: &str) -> bool {
    text.contains('.')
        && text.len() <= 253
        && text.parse::<IpAddr>().is_err()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
}

fn push_unique<'a>(list: &mut Vec<&'a str>, value: &'a str) {
    if !list.contains(&value) {
        list.push(value);
    }
}

fn earliest(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn latest(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// RFC 3339 in UTC with millisecond precision, as STIX timestamps are written.
fn stix_time(time: Timestamp) -> String {
    time.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// A fresh id: STIX 2.1 asks for UUIDv4 in the ids of domain objects and relationships.
fn new_id() -> uuid::Uuid {
    uuid::Uuid::new_v4()
}
