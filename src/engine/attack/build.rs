//! Turns raw STIX objects into a [`KnowledgeBase`]: objects first, then relationships by index.
//!
//! Several bundles (Enterprise, Mobile, ICS) can go into one base; an object or relationship that
//! appears in more than one of them (groups often do) is taken once. Relationships whose ends are
//! not in the data (dangling references) are counted and skipped.

use rustc_hash::{FxHashMap, FxHashSet};

use super::knowledge::{
    Analytic, Campaign, DataComponent, DetectionStrategy, Domain, Group, KnowledgeBase, LogSource,
    Meta, Mitigation, Software, Tactic, Technique,
};
use super::stix::{RawBundle, RawLogSource, RawObject};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Tactic,
    Technique,
    Group,
    Software,
    Campaign,
    Mitigation,
    DetectionStrategy,
    Analytic,
    DataComponent,
}

/// Collects bundles, then builds the knowledge base.
#[derive(Debug, Default)]
pub struct KnowledgeBuilder {
    base: KnowledgeBase,
    by_stix_id: FxHashMap<String, (Kind, u32)>,
    relationships: Vec<RawObject>,
    relationship_ids: FxHashSet<String>,
    technique_phases: Vec<(u32, Vec<(String, String)>)>,
    strategy_analytics: Vec<(u32, Vec<String>)>,
    analytic_sources: Vec<(u32, Vec<RawLogSource>)>,
    /// Per bundle: domain name, version and the tactic order of its live matrices.
    pending_domains: Vec<PendingDomain>,
    /// Relationships skipped because an end is missing.
    pub dangling: usize,
}

impl KnowledgeBuilder {
    /// Adds every object of a bundle; the bundle becomes one domain (Enterprise, Mobile, ICS).
    pub fn add_bundle(&mut self, bundle: RawBundle) {
        self.pending_domains.push(PendingDomain::default());
        for object in bundle.objects {
            self.add_object(object);
        }
    }

    fn add_object(&mut self, mut object: RawObject) {
        let kind = match object.kind.as_str() {
            "relationship" => {
                if self.relationship_ids.insert(object.id.clone()) {
                    self.relationships.push(object);
                }
                return;
            }
            "x-mitre-collection" => {
                if let Some(domain) = self.pending_domains.last_mut() {
                    domain.collection = object.name.clone();
                    domain.version = object.x_mitre_version.clone().unwrap_or_default();
                }
                return;
            }
            "x-mitre-matrix" => {
                let live = !object.revoked && !object.x_mitre_deprecated;
                if let Some(domain) = self.pending_domains.last_mut().filter(|_| live) {
                    domain
                        .matrix
                        .get_or_insert_with(|| object.name.clone().unwrap_or_default());
                    domain.tactic_refs.extend(object.tactic_refs);
                }
                return;
            }
            "x-mitre-tactic" => Kind::Tactic,
            "attack-pattern" => Kind::Technique,
            "intrusion-set" => Kind::Group,
            "malware" | "tool" => Kind::Software,
            "campaign" => Kind::Campaign,
            "course-of-action" => Kind::Mitigation,
            "x-mitre-detection-strategy" => Kind::DetectionStrategy,
            "x-mitre-analytic" => Kind::Analytic,
            "x-mitre-data-component" => Kind::DataComponent,
            _ => return,
        };
        if object.id.is_empty() || self.by_stix_id.contains_key(&object.id) {
            return;
        }

        let meta = meta_of(&object);
        let base = &mut self.base;
        let index = match kind {
            Kind::Tactic => push(
                &mut base.tactics,
                Tactic {
                    meta,
                    short_name: object.x_mitre_shortname.clone().unwrap_or_default(),
                    kill_chain: kill_chain_of(&object.x_mitre_domains),
                },
            ),
            Kind::Technique => {
                let index = push(
                    &mut base.techniques,
                    Technique {
                        meta,
                        is_subtechnique: object.x_mitre_is_subtechnique,
                        platforms: object.x_mitre_platforms.clone(),
                        ..Technique::default()
                    },
                );
                self.technique_phases.push((index, phases_of(&object)));
                index
            }
            Kind::Group => push(
                &mut base.groups,
                Group {
                    meta,
                    aliases: object.aliases.clone(),
                    ..Group::default()
                },
            ),
            Kind::Software => push(
                &mut base.software,
                Software {
                    meta,
                    is_malware: object.kind == "malware",
                    aliases: object.x_mitre_aliases.clone(),
                    ..Software::default()
                },
            ),
            Kind::Campaign => push(
                &mut base.campaigns,
                Campaign {
                    meta,
                    ..Campaign::default()
                },
            ),
            Kind::Mitigation => push(
                &mut base.mitigations,
                Mitigation {
                    meta,
                    ..Mitigation::default()
                },
            ),
            Kind::DetectionStrategy => {
                let index = push(
                    &mut base.detection_strategies,
                    DetectionStrategy {
                        meta,
                        ..DetectionStrategy::default()
                    },
                );
                self.strategy_analytics
                    .push((index, object.x_mitre_analytic_refs.clone()));
                index
            }
            Kind::Analytic => {
                let index = push(
                    &mut base.analytics,
                    Analytic {
                        meta,
                        platforms: object.x_mitre_platforms.clone(),
                        log_sources: Vec::new(),
                    },
                );
                let sources = std::mem::take(&mut object.x_mitre_log_source_references);
                self.analytic_sources.push((index, sources));
                index
            }
            Kind::DataComponent => push(&mut base.data_components, DataComponent { meta }),
        };
        self.by_stix_id.insert(object.id, (kind, index));
    }
}

impl KnowledgeBuilder {
    /// Links everything by index and returns the base.
    pub fn finish(mut self) -> KnowledgeBase {
        self.link_domains();
        self.link_tactics();
        self.link_relationships();
        self.link_analytics();

        let base = &mut self.base;
        for list in &mut base.techniques {
            for ids in [
                &mut list.groups,
                &mut list.software,
                &mut list.campaigns,
                &mut list.mitigations,
                &mut list.detection_strategies,
                &mut list.subtechniques,
            ] {
                ids.sort_unstable();
                ids.dedup();
            }
        }
        for group in &mut base.groups {
            for ids in [
                &mut group.techniques,
                &mut group.software,
                &mut group.campaigns,
            ] {
                ids.sort_unstable();
                ids.dedup();
            }
        }
        if self.dangling > 0 {
            tracing::warn!(
                relationships = self.dangling,
                "ATT&CK relationships point at objects that are not in the data; skipped"
            );
        }
        self.base.build_lookups();
        self.base
    }

    fn link_domains(&mut self) {
        for pending in std::mem::take(&mut self.pending_domains) {
            if pending.collection.is_none() && pending.matrix.is_none() {
                continue;
            }
            let mut tactics: Vec<u32> = Vec::new();
            for id in &pending.tactic_refs {
                if let Some(&(Kind::Tactic, index)) = self.by_stix_id.get(id)
                    && !tactics.contains(&index)
                {
                    tactics.push(index);
                }
            }
            self.base.domains.push(Domain {
                name: pending.collection.or(pending.matrix).unwrap_or_default(),
                version: pending.version,
                tactics,
            });
        }
    }

    fn link_tactics(&mut self) {
        let mut by_phase: FxHashMap<(&str, &str), u32> = FxHashMap::default();
        for (index, tactic) in self.base.tactics.iter().enumerate() {
            let key = (tactic.kill_chain.as_str(), tactic.short_name.as_str());
            by_phase.entry(key).or_insert(index as u32);
        }
        for (technique, phases) in &self.technique_phases {
            let tactics: Vec<u32> = phases
                .iter()
                .filter_map(|(chain, phase)| by_phase.get(&(chain.as_str(), phase.as_str())))
                .copied()
                .collect();
            self.base.techniques[*technique as usize].tactics = tactics;
        }
    }

    fn link_relationships(&mut self) {
        let relationships = std::mem::take(&mut self.relationships);
        for relationship in &relationships {
            let ends = (
                relationship
                    .source_ref
                    .as_deref()
                    .and_then(|id| self.by_stix_id.get(id)),
                relationship
                    .target_ref
                    .as_deref()
                    .and_then(|id| self.by_stix_id.get(id)),
            );
            let (Some(&(source_kind, source)), Some(&(target_kind, target))) = ends else {
                self.dangling += 1;
                continue;
            };
            let kind = relationship
                .relationship_type
                .as_deref()
                .unwrap_or_default();
            if relationship.revoked || relationship.x_mitre_deprecated {
                continue;
            }
            self.link(kind, (source_kind, source), (target_kind, target));
        }
    }

    fn link(
        &mut self,
        kind: &str,
        (source_kind, source): (Kind, u32),
        (target_kind, target): (Kind, u32),
    ) {
        let base = &mut self.base;
        let (s, t) = (source as usize, target as usize);
        match (kind, source_kind, target_kind) {
            ("uses", Kind::Group, Kind::Technique) => {
                base.groups[s].techniques.push(target);
                base.techniques[t].groups.push(source);
            }
            ("uses", Kind::Group, Kind::Software) => base.groups[s].software.push(target),
            ("uses", Kind::Software, Kind::Technique) => {
                base.software[s].techniques.push(target);
                base.techniques[t].software.push(source);
            }
            ("uses", Kind::Campaign, Kind::Technique) => {
                base.campaigns[s].techniques.push(target);
                base.techniques[t].campaigns.push(source);
            }
            ("uses", Kind::Campaign, Kind::Software) => base.campaigns[s].software.push(target),
            ("attributed-to", Kind::Campaign, Kind::Group) => {
                base.campaigns[s].groups.push(target);
                base.groups[t].campaigns.push(source);
            }
            ("mitigates", Kind::Mitigation, Kind::Technique) => {
                base.mitigations[s].techniques.push(target);
                base.techniques[t].mitigations.push(source);
            }
            ("detects", Kind::DetectionStrategy, Kind::Technique) => {
                base.detection_strategies[s].techniques.push(target);
                base.techniques[t].detection_strategies.push(source);
            }
            ("subtechnique-of", Kind::Technique, Kind::Technique) => {
                base.techniques[s].parent = Some(target);
                base.techniques[t].subtechniques.push(source);
            }
            ("revoked-by", Kind::Technique, Kind::Technique) => {
                base.techniques[s].revoked_by = Some(target);
            }
            ("revoked-by", Kind::Group, Kind::Group) => base.groups[s].revoked_by = Some(target),
            _ => {}
        }
    }

    fn link_analytics(&mut self) {
        for (strategy, refs) in std::mem::take(&mut self.strategy_analytics) {
            let analytics = refs
                .iter()
                .filter_map(|id| match self.by_stix_id.get(id) {
                    Some(&(Kind::Analytic, index)) => Some(index),
                    _ => None,
                })
                .collect();
            self.base.detection_strategies[strategy as usize].analytics = analytics;
        }
        for (analytic, sources) in std::mem::take(&mut self.analytic_sources) {
            let log_sources = sources
                .into_iter()
                .map(|source| LogSource {
                    data_component: match self.by_stix_id.get(&source.x_mitre_data_component_ref) {
                        Some(&(Kind::DataComponent, index)) => Some(index),
                        _ => None,
                    },
                    name: source.name,
                    channel: source.channel,
                })
                .collect();
            self.base.analytics[analytic as usize].log_sources = log_sources;
        }
    }
}

/// What one bundle says about its domain, resolved once all objects are in.
#[derive(Debug, Default)]
struct PendingDomain {
    collection: Option<String>,
    matrix: Option<String>,
    version: String,
    tactic_refs: Vec<String>,
}

fn push<T>(list: &mut Vec<T>, item: T) -> u32 {
    list.push(item);
    (list.len() - 1) as u32
}

fn meta_of(object: &RawObject) -> Meta {
    let reference = object.attack_reference();
    Meta {
        stix_id: object.id.clone(),
        attack_id: reference
            .and_then(|reference| reference.external_id.clone())
            .unwrap_or_default(),
        name: object.name.clone().unwrap_or_default(),
        description: object.description.clone().unwrap_or_default(),
        url: reference
            .and_then(|reference| reference.url.clone())
            .unwrap_or_default(),
        revoked: object.revoked,
        deprecated: object.x_mitre_deprecated,
    }
}

/// The kill-chain name techniques of a domain use for its tactics.
fn kill_chain_of(domains: &[String]) -> String {
    match domains.first().map(String::as_str) {
        Some("mobile-attack") => "mitre-mobile-attack".to_owned(),
        Some("ics-attack") => "mitre-ics-attack".to_owned(),
        _ => "mitre-attack".to_owned(),
    }
}

fn phases_of(object: &RawObject) -> Vec<(String, String)> {
    object
        .kill_chain_phases
        .iter()
        .filter(|phase| phase.kill_chain_name.starts_with("mitre-"))
        .map(|phase| (phase.kill_chain_name.clone(), phase.phase_name.clone()))
        .collect()
}
