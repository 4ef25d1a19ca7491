//! MISP events in JSON: a feed file (`{"Event": {…}}`), a bare event, or a REST search result
//! (`{"response": [{"Event": …}]}`).
//!
//! Attributes at the top of the event and inside its objects are read by MISP type. Those logs
//! can carry (addresses, domains, host names, URLs, MD5/SHA-1/SHA-256, e-mail addresses,
//! and the `a|b` composites holding one of those) become values of one indicator per event,
//! named by its `info`. Attributes flagged `to_ids: false` are context, not detection material,
//! and are skipped with that reason, as are types logs do not carry (`filename`, `regkey`…).
//! Threat-actor galaxy clusters become actors; ATT&CK galaxy clusters give technique ids.

use serde_json::Value as Json;

use crate::engine::intel::indicator::{ActorRef, Indicator, Observable};
use crate::engine::intel::report::IntelFileReport;
use crate::engine::intel::set::IntelSetBuilder;

/// True when the JSON document looks like a MISP event or a list of them.
pub fn is_misp(document: &Json) -> bool {
    document.get("Event").is_some()
        || document.get("response").is_some_and(Json::is_array)
        || (document.get("info").is_some()
            && (document.get("Attribute").is_some() || document.get("Object").is_some()))
}

/// Loads every event in the document.
pub fn load_misp(
    document: &Json,
    source: &str,
    builder: &mut IntelSetBuilder,
    report: &mut IntelFileReport,
) {
    let events: Vec<&Json> = if let Some(list) = document.get("response").and_then(Json::as_array) {
        list.iter()
            .map(|item| item.get("Event").unwrap_or(item))
            .collect()
    } else {
        vec![document.get("Event").unwrap_or(document)]
    };
    for event in events {
        load_event(event, source, builder, report);
    }
}

fn text<'a>(value: &'a Json, key: &str) -> &'a str {
    value.get(key).and_then(Json::as_str).unwrap_or_default()
}

fn array<'a>(value: &'a Json, key: &str) -> &'a [Json] {
    value
        .get(key)
        .and_then(Json::as_array)
        .map_or(&[], Vec::as_slice)
}

fn load_event(
    event: &Json,
    source: &str,
    builder: &mut IntelSetBuilder,
    report: &mut IntelFileReport,
) {
    let mut indicator = Indicator {
        id: format!("misp:{}", text(event, "uuid")),
        name: text(event, "info").to_owned(),
        source: source.to_owned(),
        labels: array(event, "Tag")
            .iter()
            .map(|tag| text(tag, "name").to_owned())
            .filter(|name| !name.is_empty())
            .collect(),
        ..Indicator::default()
    };
    read_galaxies(event, &mut indicator);

    let mut observables = Vec::new();
    let object_attributes = array(event, "Object")
        .iter()
        .flat_map(|object| array(object, "Attribute"));
    for attribute in array(event, "Attribute").iter().chain(object_attributes) {
        let kind = text(attribute, "type");
        let value = text(attribute, "value");
        let Some(found) = attribute_values(kind, value) else {
            report.skip(&format!("MISP type {kind} not in logs"));
            continue;
        };
        if attribute.get("to_ids").and_then(Json::as_bool) == Some(false) {
            report.skip("MISP to_ids is false");
            continue;
        }
        if found.is_empty() {
            report.invalid(0, value, format!("bad MISP {kind} value"));
            continue;
        }
        observables.extend(found);
    }
    if observables.is_empty() {
        return;
    }

    let number = builder.add_indicator(indicator);
    report.indicators += 1;
    for observable in observables {
        builder.add(observable, number);
        report.values += 1;
    }
}

/// The values of one attribute; `None` when its type is not one logs carry, empty when the
/// type is but the value does not parse.
fn attribute_values(kind: &str, value: &str) -> Option<Vec<Observable>> {
    let mut parts = value.split('|');
    let first = parts.next().unwrap_or_default();
    let second = parts.next().unwrap_or_default();
    let found = match kind {
        "ip-src" | "ip-dst" | "ip-src|port" | "ip-dst|port" => Observable::network(first),
        "domain" | "hostname" | "domain|ip" | "hostname|port" => Observable::domain(first),
        "url" | "uri" if value.contains("://") => Observable::url(value),
        "md5" | "sha1" | "sha256" => Observable::hash(value),
        "filename|md5" | "filename|sha1" | "filename|sha256" => Observable::hash(second),
        "email" | "email-src" | "email-dst" => Observable::email(value),
        _ => return None,
    };
    let mut values: Vec<Observable> = found.into_iter().collect();
    if kind == "domain|ip" {
        values.extend(Observable::network(second));
    }
    Some(values)
}

fn read_galaxies(event: &Json, indicator: &mut Indicator) {
    for galaxy in array(event, "Galaxy") {
        let galaxy_type = text(galaxy, "type");
        for cluster in array(galaxy, "GalaxyCluster") {
            let value = text(cluster, "value");
            if galaxy_type == "threat-actor" || galaxy_type == "mitre-intrusion-set" {
                indicator.actors.push(ActorRef {
                    id: format!("misp-galaxy-cluster:{}", text(cluster, "uuid")),
                    name: value.split(" - G").next().unwrap_or(value).to_owned(),
                });
            }
            if galaxy_type.starts_with("mitre-")
                && let Some(technique) = value.rsplit(" - ").next().filter(|id| is_technique(id))
            {
                indicator.techniques.push(technique.to_owned());
            }
        }
    }
}

fn is_technique(id: &str) -> bool {
    id.strip_prefix('T').is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .bytes()
                .all(|byte| byte.is_ascii_digit() || byte == b'.')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_composite_types_to_ids_and_galaxies() {
        let document: Json = serde_json::from_str(
            r#"{"Event":{"uuid":"u1","info":"Test event","Tag":[{"name":"tlp:white"}],
            "Galaxy":[{"type":"threat-actor","GalaxyCluster":[{"uuid":"c1","value":"Sofacy"}]},
                      {"type":"mitre-attack-pattern","GalaxyCluster":[{"uuid":"c2","value":"Spearphishing Link - T1566.002"}]}],
            "Attribute":[{"type":"domain|ip","value":"evil.example|192.0.2.1","to_ids":true},
                         {"type":"filename|md5","value":"a.exe|0749bae92ca336a02c83d126e04ec628","to_ids":true},
                         {"type":"ip-dst","value":"107.183.86","to_ids":true},
                         {"type":"link","value":"https://blog.example/post","to_ids":false},
                         {"type":"url","value":"http://evil.example/x","to_ids":false}],
            "Object":[{"Attribute":[{"type":"email-src","value":"a@evil.example","to_ids":true}]}]}}"#,
        )
        .unwrap();
        assert!(is_misp(&document));
        let mut builder = IntelSetBuilder::default();
        let mut report = IntelFileReport::default();
        load_misp(&document, "event.json", &mut builder, &mut report);
        assert_eq!(report.indicators, 1);
        assert_eq!(report.values, 4, "domain, ip, md5, email");
        assert_eq!(report.invalid, 1, "107.183.86 is not an address");
        assert_eq!(report.skip_reasons["MISP type link not in logs"], 1);
        assert_eq!(report.skip_reasons["MISP to_ids is false"], 1);
        let set = builder.build();
        let indicator = set.indicator(0).unwrap();
        assert_eq!(indicator.actors[0].name, "Sofacy");
        assert_eq!(indicator.techniques, ["T1566.002"]);
        assert_eq!(indicator.labels, ["tlp:white"]);
    }
}
