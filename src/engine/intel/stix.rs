//! STIX 2.0 / 2.1 bundles: indicators with patterns, their relationships, and infrastructure
//! observables.
//!
//! Unknown object types and properties are ignored; an object that does not have the shape its
//! type needs is counted as invalid and the rest of the bundle still loads. Besides
//! `indicator` objects, address and domain observables that a malicious `infrastructure`
//! `consists-of` are loaded as indicators named after the infrastructure.

use std::collections::HashMap;

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value as Json;

use crate::engine::intel::indicator::{ActorRef, Indicator, Observable};
use crate::engine::intel::pattern;
use crate::engine::intel::report::IntelFileReport;
use crate::engine::intel::set::IntelSetBuilder;

#[derive(Deserialize, Default)]
struct StixObject {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    pattern: Option<String>,
    #[serde(default)]
    pattern_type: Option<String>,
    #[serde(default)]
    valid_from: Option<String>,
    #[serde(default)]
    valid_until: Option<String>,
    #[serde(default)]
    revoked: bool,
    #[serde(default)]
    labels: Vec<String>,
    #[serde(default)]
    indicator_types: Vec<String>,
    #[serde(default)]
    infrastructure_types: Vec<String>,
    #[serde(default)]
    confidence: Option<u64>,
    #[serde(default)]
    kill_chain_phases: Vec<KillChainPhase>,
    #[serde(default)]
    external_references: Vec<ExternalReference>,
    #[serde(default)]
    relationship_type: Option<String>,
    #[serde(default)]
    source_ref: Option<String>,
    #[serde(default)]
    target_ref: Option<String>,
    #[serde(default)]
    value: Option<String>,
}

#[derive(Deserialize)]
struct KillChainPhase {
    #[serde(default)]
    kill_chain_name: String,
    #[serde(default)]
    phase_name: String,
}

#[derive(Deserialize)]
struct ExternalReference {
    #[serde(default)]
    source_name: String,
    #[serde(default)]
    external_id: Option<String>,
}

/// Loads the indicators of one bundle (already decompressed JSON) into `builder`.
pub fn load_bundle(
    document: Json,
    source: &str,
    builder: &mut IntelSetBuilder,
    report: &mut IntelFileReport,
) {
    let objects = match document {
        Json::Object(mut map) => match map.remove("objects") {
            Some(Json::Array(objects)) => objects,
            _ => vec![Json::Object(map)],
        },
        Json::Array(objects) => objects,
        _ => Vec::new(),
    };

    let mut parsed = Vec::with_capacity(objects.len());
    for object in objects {
        let id = object
            .get("id")
            .and_then(Json::as_str)
            .unwrap_or("")
            .to_owned();
        match serde_json::from_value::<StixObject>(object) {
            Ok(object) => parsed.push(object),
            Err(error) => report.invalid(0, &id, format!("malformed object: {error}")),
        }
    }

    let graph = Graph::new(&parsed);
    for object in &parsed {
        match object.kind.as_str() {
            "indicator" => load_indicator(object, &graph, source, builder, report),
            "infrastructure" => load_infrastructure(object, &graph, source, builder, report),
            _ => {}
        }
    }
}

/// What the relationships of a bundle say, by object id.
struct Graph<'a> {
    objects: HashMap<&'a str, &'a StixObject>,
    /// `source_ref` → (`relationship_type`, `target_ref`).
    outgoing: HashMap<&'a str, Vec<(&'a str, &'a str)>>,
    /// `target_ref` → (`relationship_type`, `source_ref`).
    incoming: HashMap<&'a str, Vec<(&'a str, &'a str)>>,
}

impl<'a> Graph<'a> {
    fn new(parsed: &'a [StixObject]) -> Self {
        let mut graph = Graph {
            objects: HashMap::new(),
            outgoing: HashMap::new(),
            incoming: HashMap::new(),
        };
        for object in parsed {
            graph.objects.insert(object.id.as_str(), object);
            if object.kind != "relationship" {
                continue;
            }
            let (Some(kind), Some(source), Some(target)) = (
                object.relationship_type.as_deref(),
                object.source_ref.as_deref(),
                object.target_ref.as_deref(),
            ) else {
                continue;
            };
            graph
                .outgoing
                .entry(source)
                .or_default()
                .push((kind, target));
            graph
                .incoming
                .entry(target)
                .or_default()
                .push((kind, source));
        }
        graph
    }

    fn targets(&self, id: &str, kinds: &[&str]) -> Vec<&'a StixObject> {
        self.outgoing
            .get(id)
            .into_iter()
            .flatten()
            .filter(|(kind, _)| kinds.contains(kind))
            .filter_map(|(_, target)| self.objects.get(target).copied())
            .collect()
    }

    /// Intrusion sets and threat actors linked to `actor` by `attributed-to`, either way.
    fn attributed(&self, actor: &str) -> Vec<&'a StixObject> {
        let forward = self.targets(actor, &["attributed-to"]);
        let backward = self
            .incoming
            .get(actor)
            .into_iter()
            .flatten()
            .filter(|(kind, _)| *kind == "attributed-to")
            .filter_map(|(_, source)| self.objects.get(source).copied());
        forward
            .into_iter()
            .chain(backward)
            .filter(|object| is_actor(object))
            .collect()
    }

    /// Techniques, malware and actors an indicator (or infrastructure) points to.
    fn enrich(&self, id: &str, indicator: &mut Indicator) {
        for target in self.targets(id, &["indicates", "attributed-to", "controls", "uses"]) {
            match target.kind.as_str() {
                "attack-pattern" => {
                    if let Some(technique) = attack_id(target) {
                        push_new(&mut indicator.techniques, technique);
                    }
                }
                "malware" | "tool" => {
                    if let Some(name) = &target.name {
                        push_new(&mut indicator.malware, name.clone());
                    }
                }
                _ if is_actor(target) => {
                    add_actor(indicator, target);
                    for linked in self.attributed(&target.id) {
                        add_actor(indicator, linked);
                    }
                }
                _ => {}
            }
        }
    }
}

fn is_actor(object: &StixObject) -> bool {
    matches!(object.kind.as_str(), "intrusion-set" | "threat-actor")
}

fn add_actor(indicator: &mut Indicator, actor: &StixObject) {
    if indicator.actors.iter().any(|known| known.id == actor.id) {
        return;
    }
    indicator.actors.push(ActorRef {
        id: actor.id.clone(),
        name: actor.name.clone().unwrap_or_default(),
    });
}

fn attack_id(object: &StixObject) -> Option<String> {
    object
        .external_references
        .iter()
        .find(|reference| reference.source_name.starts_with("mitre-"))
        .and_then(|reference| reference.external_id.clone())
        .filter(|id| id.starts_with('T'))
}

fn push_new(list: &mut Vec<String>, value: String) {
    if !list.contains(&value) {
        list.push(value);
    }
}

fn timestamp(text: Option<&str>) -> Result<Option<Timestamp>, String> {
    text.map(|text| {
        text.parse::<Timestamp>()
            .map_err(|error| format!("bad timestamp {text:?}: {error}"))
    })
    .transpose()
}

fn metadata(object: &StixObject, source: &str) -> Result<Indicator, String> {
    let mut labels = object.labels.clone();
    for kind in object
        .indicator_types
        .iter()
        .chain(&object.infrastructure_types)
    {
        push_new(&mut labels, kind.clone());
    }
    Ok(Indicator {
        id: object.id.clone(),
        name: object.name.clone().unwrap_or_else(|| object.id.clone()),
        source: source.to_owned(),
        labels,
        confidence: object.confidence.map(|value| value.min(100) as u8),
        kill_chain_phases: object
            .kill_chain_phases
            .iter()
            .map(|phase| format!("{}:{}", phase.kill_chain_name, phase.phase_name))
            .collect(),
        valid_from: timestamp(object.valid_from.as_deref())?,
        valid_until: timestamp(object.valid_until.as_deref())?,
        ..Indicator::default()
    })
}

fn load_indicator(
    object: &StixObject,
    graph: &Graph<'_>,
    source: &str,
    builder: &mut IntelSetBuilder,
    report: &mut IntelFileReport,
) {
    if object.revoked {
        report.revoked += 1;
        return;
    }
    if let Some(kind) = object
        .pattern_type
        .as_deref()
        .filter(|kind| *kind != "stix")
    {
        report.unsupported(&object.id, &format!("pattern type {kind}"));
        return;
    }
    let Some(text) = object.pattern.as_deref() else {
        report.invalid(0, &object.id, "indicator without a pattern");
        return;
    };
    let parsed = match pattern::parse(text) {
        Ok(parsed) => parsed,
        Err(error) => {
            report.invalid(0, &object.id, format!("bad pattern: {error}"));
            return;
        }
    };
    let compiled = match pattern::compile(&parsed) {
        Ok(compiled) => compiled,
        Err(reason) => {
            report.unsupported(&object.id, &reason);
            return;
        }
    };
    let mut indicator = match metadata(object, source) {
        Ok(indicator) => indicator,
        Err(reason) => {
            report.invalid(0, &object.id, reason);
            return;
        }
    };
    graph.enrich(&object.id, &mut indicator);
    for reason in &compiled.skipped_branches {
        report.skip(&format!("pattern branch left out: {reason}"));
    }

    let number = builder.add_indicator(indicator);
    report.indicators += 1;
    for observable in compiled.observables {
        builder.add(observable, number);
        report.values += 1;
    }
}

fn load_infrastructure(
    object: &StixObject,
    graph: &Graph<'_>,
    source: &str,
    builder: &mut IntelSetBuilder,
    report: &mut IntelFileReport,
) {
    let members = graph.targets(&object.id, &["consists-of"]);
    let observables: Vec<Observable> = members
        .iter()
        .filter_map(|member| {
            let value = member.value.as_deref()?;
            match member.kind.as_str() {
                "ipv4-addr" | "ipv6-addr" => Observable::network(value),
                "domain-name" => Observable::domain(value),
                "url" => Observable::url(value),
                "email-addr" => Observable::email(value),
                _ => None,
            }
        })
        .collect();
    if observables.is_empty() || object.revoked {
        return;
    }
    let mut indicator = match metadata(object, source) {
        Ok(indicator) => indicator,
        Err(reason) => {
            report.invalid(0, &object.id, reason);
            return;
        }
    };
    graph.enrich(&object.id, &mut indicator);
    // Malware that `uses` this infrastructure points at it, not from it.
    for (kind, user) in graph.incoming.get(object.id.as_str()).into_iter().flatten() {
        if let Some(user) = graph.objects.get(user).filter(|_| *kind == "uses")
            && let Some(name) = user.name.as_ref().filter(|_| user.kind == "malware")
        {
            push_new(&mut indicator.malware, name.clone());
        }
    }

    let number = builder.add_indicator(indicator);
    report.indicators += 1;
    for observable in observables {
        builder.add(observable, number);
        report.values += 1;
    }
}
