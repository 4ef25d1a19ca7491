//! Detected techniques as an ATT&CK Navigator layer (layer format 4.5), scored by how many
//! detections carry each technique, for viewing as a heat map in the Navigator.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::engine::attack::KnowledgeBase;
use crate::engine::detect::Detection;

/// Builds the layer; `attack` supplies the version and resolves revoked ids.
pub fn navigator_layer(detections: &[Detection], attack: Option<&KnowledgeBase>) -> Value {
    let mut scores: BTreeMap<String, (u64, Vec<&str>)> = BTreeMap::new();
    for detection in detections {
        for technique in &detection.techniques {
            let id = attack
                .and_then(|base| base.resolve(technique))
                .map_or_else(|| technique.clone(), |r| r.technique.meta.attack_id.clone());
            let entry = scores.entry(id).or_default();
            entry.0 += 1;
            if !entry.1.contains(&detection.title.as_str()) {
                entry.1.push(&detection.title);
            }
        }
    }
    let max_score = scores.values().map(|(count, _)| *count).max().unwrap_or(1);

    let techniques: Vec<Value> = scores
        .iter()
        .map(|(id, (count, titles))| {
            json!({
                "techniqueID": id,
                "score": count,
                "comment": titles.join("; "),
                "enabled": true,
                "showSubtechniques": true,
            })
        })
        .collect();

    let mut versions = json!({"layer": "4.5", "navigator": "5.1.0"});
    if let Some(major) = attack
        .map(KnowledgeBase::version)
        .and_then(|version| version.split('.').next().map(str::to_owned))
        .filter(|major| major.chars().all(|c| c.is_ascii_digit()) && !major.is_empty())
    {
        versions["attack"] = major.into();
    }

    json!({
        "name": "ThreatLens detections",
        "versions": versions,
        "domain": "enterprise-attack",
        "description": format!(
            "Techniques detected by ThreatLens {}, scored by the number of detections{}",
            env!("CARGO_PKG_VERSION"),
            attack.map_or(String::new(), |base| format!(" (ATT&CK {})", base.version()))
        ),
        "techniques": techniques,
        "gradient": {
            "colors": ["#fff5eb", "#fd8d3c", "#a63603"],
            "minValue": 0,
            "maxValue": max_score,
        },
        "sorting": 3,
        "hideDisabled": false,
    })
}
