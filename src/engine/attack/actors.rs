//! Ranks known groups by how much their recorded behaviour looks like what was observed.
//!
//! This is similarity, not attribution: many groups share techniques, and ATT&CK records only
//! what was published. A group's score is the share of the observation its profile covers,
//! each observed technique weighted by detection confidence times its rarity (IDF over groups:
//! a technique few groups use says more than one everybody uses):
//!
//! ```text
//! score(g) = Σ conf(t)·idf(t)·credit(t, g) / Σ conf(t)·idf(t)   ×   n_g / (n_g + k)
//! ```
//!
//! - A group's profile comes from `uses` relationships: its own techniques at full weight,
//!   techniques of campaigns attributed to it at [`RankOptions::campaign_weight`], and
//!   techniques of its software at [`RankOptions::software_weight`].
//! - `credit` is the profile weight of the best match: the technique itself, else its parent or
//!   a sub-technique ([`RankOptions::parent_credit`]), else a sibling sub-technique.
//! - `n_g / (n_g + k)` damps groups with tiny profiles, so one shared technique does not make a
//!   one-technique group the best match.
//!
//! Coverage beat cosine and BM25-style length normalization on ATT&CK's own attributed
//! campaigns (`threatlens actors --self-test`): the groups with long records are the ones
//! campaigns get attributed to, so penalizing long profiles ranks the right group lower.
//! Revoked and deprecated groups, software and techniques take no part; revoked technique ids
//! are followed to their replacement.

use rustc_hash::FxHashMap;
use serde::Serialize;

use super::knowledge::KnowledgeBase;
use crate::engine::detect::{Detection, Severity};

/// Tuning of the ranking; the defaults are what `threatlens actors --self-test` measured best.
#[derive(Debug, Clone)]
pub struct RankOptions {
    /// Weight of a technique known only from the group's software.
    pub software_weight: f64,
    /// Weight of a technique known only from a campaign attributed to the group.
    pub campaign_weight: f64,
    /// Credit when the group has the parent or a sub-technique of an observed technique.
    pub parent_credit: f64,
    /// Credit when the group has a sibling sub-technique.
    pub sibling_credit: f64,
    /// Profiles of `n` techniques are damped by `n / (n + small_profile_damping)`.
    pub small_profile_damping: f64,
    /// A campaign whose contribution is left out of every profile (for leave-one-out tests).
    pub exclude_campaign: Option<u32>,
}

impl Default for RankOptions {
    fn default() -> Self {
        Self {
            software_weight: 0.5,
            campaign_weight: 1.0,
            parent_credit: 0.25,
            sibling_credit: 0.1,
            small_profile_damping: 3.0,
            exclude_campaign: None,
        }
    }
}

/// How a group is known to use a technique.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// A `uses` relationship from the group.
    Direct,
    /// A campaign attributed to the group.
    Campaign,
    /// Software the group uses.
    Software,
}

/// A technique of the observation that a group's profile matched.
#[derive(Debug, Clone, Serialize)]
pub struct SharedTechnique {
    /// The observed technique's ATT&CK id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The group's technique that matched (the same id, its parent, a sub-technique, a sibling).
    pub matched: String,
    /// How the group is known to use the matched technique.
    pub via: Via,
    /// 1 for the same technique, less for a related one.
    pub credit: f64,
    /// Rarity weight of the observed technique.
    pub idf: f64,
}

/// A technique the group is known for that was not observed.
#[derive(Debug, Clone, Serialize)]
pub struct HuntNext {
    /// ATT&CK id.
    pub id: String,
    /// Name.
    pub name: String,
}

/// One ranked group, with its explanation.
#[derive(Debug, Clone, Serialize)]
pub struct RankedGroup {
    /// Index in [`KnowledgeBase::groups`].
    #[serde(skip)]
    pub group: u32,
    /// G-number.
    pub id: String,
    /// Name.
    pub name: String,
    /// Similarity in 0..=1.
    pub score: f64,
    /// Observed techniques the group's profile matched, rarest first.
    pub shared_techniques: Vec<SharedTechnique>,
    /// The rarest exact matches: what sets this group apart.
    pub distinguishing: Vec<String>,
    /// The group's software that implements a shared technique.
    pub software: Vec<String>,
    /// Campaigns attributed to the group.
    pub campaigns: Vec<String>,
    /// Techniques the group is known for that were not observed, most telling first.
    pub hunt_next: Vec<HuntNext>,
    /// Threat intelligence named this group for an indicator that matched.
    pub named_by_intel: bool,
}

/// An observed technique with the confidence of what showed it.
#[derive(Debug, Clone)]
pub struct Observed {
    /// ATT&CK id as tagged (may be revoked; it is resolved).
    pub technique: String,
    /// Confidence in 0..=1.
    pub confidence: f64,
}

/// The techniques of detections, each with the confidence of its most severe detection.
pub fn observed_from_detections(detections: &[Detection]) -> Vec<Observed> {
    let mut observed: Vec<Observed> = Vec::new();
    for detection in detections {
        let confidence = match detection.severity {
            Severity::Critical => 1.0,
            Severity::High => 0.85,
            Severity::Medium => 0.6,
            Severity::Low => 0.4,
            Severity::Informational => 0.2,
        };
        for technique in &detection.techniques {
            match observed
                .iter_mut()
                .find(|seen| &seen.technique == technique)
            {
                Some(seen) => seen.confidence = seen.confidence.max(confidence),
                None => observed.push(Observed {
                    technique: technique.clone(),
                    confidence,
                }),
            }
        }
    }
    observed
}

/// A group's technique weights.
#[derive(Debug, Clone, Default)]
struct Profile {
    weights: FxHashMap<u32, (f64, Via)>,
}

/// Group profiles and technique rarity, built once per knowledge base (and options).
#[derive(Debug)]
pub struct ActorRanker<'a> {
    base: &'a KnowledgeBase,
    options: RankOptions,
    profiles: Vec<(u32, Profile)>,
    idf: FxHashMap<u32, f64>,
    idf_unseen: f64,
}

impl<'a> ActorRanker<'a> {
    /// Builds every live group's profile.
    pub fn new(base: &'a KnowledgeBase, options: RankOptions) -> Self {
        let profiles: Vec<(u32, Profile)> = base
            .groups
            .iter()
            .enumerate()
            .filter(|(_, group)| group.meta.is_live())
            .map(|(index, _)| (index as u32, raw_profile(base, index as u32, &options)))
            .filter(|(_, profile)| !profile.weights.is_empty())
            .collect();

        let mut document_frequency: FxHashMap<u32, usize> = FxHashMap::default();
        for (_, profile) in &profiles {
            for technique in profile.weights.keys() {
                *document_frequency.entry(*technique).or_default() += 1;
            }
        }
        let groups = profiles.len() as f64;
        let idf_of = |frequency: usize| ((groups + 1.0) / (frequency as f64 + 1.0)).ln() + 1.0;
        let idf: FxHashMap<u32, f64> = document_frequency
            .iter()
            .map(|(&technique, &frequency)| (technique, idf_of(frequency)))
            .collect();

        Self {
            base,
            options,
            profiles,
            idf,
            idf_unseen: idf_of(0),
        }
    }

    /// Rarity weight of a technique (by index).
    pub fn idf(&self, technique: u32) -> f64 {
        self.idf.get(&technique).copied().unwrap_or(self.idf_unseen)
    }

    /// Ranks groups for the observed techniques; at most `limit` groups, best first.
    pub fn rank(&self, observed: &[Observed], limit: usize) -> Vec<RankedGroup> {
        self.rank_with_intel(observed, &[], limit)
    }

    /// Ranks as [`Self::rank`], and lifts groups that threat intelligence named directly (an
    /// indicator `attributed-to` them, a MISP galaxy): such a group's score moves halfway to 1
    /// and it is listed even without a shared technique. `named` holds group indices.
    pub fn rank_with_intel(
        &self,
        observed: &[Observed],
        named: &[u32],
        limit: usize,
    ) -> Vec<RankedGroup> {
        let observation = self.observation(observed);
        if observation.is_empty() && named.is_empty() {
            return Vec::new();
        }
        let observation_total: f64 = observation
            .iter()
            .map(|(technique, confidence)| confidence * self.idf(*technique))
            .sum::<f64>()
            .max(f64::MIN_POSITIVE);

        let mut scored: Vec<(f64, usize, Vec<Match>)> = Vec::new();
        for (position, (_, profile)) in self.profiles.iter().enumerate() {
            let mut covered = 0.0;
            let mut matches = Vec::new();
            for &(technique, confidence) in &observation {
                if let Some(found) = self.best_match(technique, profile) {
                    covered += confidence * self.idf(technique) * found.weight;
                    matches.push(found);
                }
            }
            let group = self.profiles[position].0;
            let is_named = named.contains(&group);
            if matches.is_empty() && !is_named {
                continue;
            }
            let size = profile.weights.len() as f64;
            let damping = size / (size + self.options.small_profile_damping);
            let mut score = covered / observation_total * damping;
            if is_named {
                score += (1.0 - score) / 2.0;
            }
            scored.push((score, position, matches));
        }
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        scored.truncate(limit);

        scored
            .into_iter()
            .map(|(score, position, matches)| {
                let mut ranked = self.explain(position, score, matches, &observation);
                ranked.named_by_intel = named.contains(&ranked.group);
                ranked
            })
            .collect()
    }

    /// Observed techniques resolved to live indices, with the highest confidence of each.
    fn observation(&self, observed: &[Observed]) -> Vec<(u32, f64)> {
        let mut by_technique: FxHashMap<u32, f64> = FxHashMap::default();
        for item in observed {
            let Some(resolved) = self.base.resolve(&item.technique) else {
                continue;
            };
            if !resolved.technique.meta.is_live() {
                continue;
            }
            let confidence = item.confidence.clamp(0.0, 1.0);
            let entry = by_technique.entry(resolved.index).or_default();
            *entry = entry.max(confidence);
        }
        let mut observation: Vec<(u32, f64)> = by_technique
            .into_iter()
            .filter(|(_, confidence)| *confidence > 0.0)
            .collect();
        observation.sort_unstable_by_key(|(technique, _)| *technique);
        observation
    }

    /// The profile technique giving `technique` the most credit: itself, its parent or
    /// sub-techniques, or a sibling.
    fn best_match(&self, technique: u32, profile: &Profile) -> Option<Match> {
        let candidates = related(self.base, technique, &self.options);
        candidates
            .into_iter()
            .filter_map(|(candidate, credit)| {
                let &(weight, via) = profile.weights.get(&candidate)?;
                Some(Match {
                    observed: technique,
                    matched: candidate,
                    credit,
                    via,
                    weight: credit * weight,
                })
            })
            .max_by(|a, b| a.weight.total_cmp(&b.weight))
    }
}

/// One observed technique matched in a profile.
#[derive(Debug, Clone, Copy)]
struct Match {
    observed: u32,
    matched: u32,
    credit: f64,
    via: Via,
    weight: f64,
}

/// A technique and the techniques that share credit with it.
fn related(base: &KnowledgeBase, technique: u32, options: &RankOptions) -> Vec<(u32, f64)> {
    let mut related = vec![(technique, 1.0)];
    let Some(this) = base.techniques.get(technique as usize) else {
        return related;
    };
    for &child in &this.subtechniques {
        related.push((child, options.parent_credit));
    }
    if let Some(parent) = this.parent {
        related.push((parent, options.parent_credit));
        for &sibling in &base.techniques[parent as usize].subtechniques {
            if sibling != technique {
                related.push((sibling, options.sibling_credit));
            }
        }
    }
    related
}

/// A group's techniques with weights, before rarity.
fn raw_profile(base: &KnowledgeBase, group: u32, options: &RankOptions) -> Profile {
    let mut weights: FxHashMap<u32, (f64, Via)> = FxHashMap::default();
    let mut add = |technique: u32, weight: f64, via: Via| {
        let Some(technique) = live_technique(base, technique) else {
            return;
        };
        let entry = weights.entry(technique).or_insert((0.0, via));
        if weight > entry.0 {
            *entry = (weight, via);
        }
    };

    let group = &base.groups[group as usize];
    for &technique in &group.techniques {
        add(technique, 1.0, Via::Direct);
    }
    for &campaign in &group.campaigns {
        if Some(campaign) == options.exclude_campaign {
            continue;
        }
        for &technique in &base.campaigns[campaign as usize].techniques {
            add(technique, options.campaign_weight, Via::Campaign);
        }
    }
    for &software in &group.software {
        let software = &base.software[software as usize];
        if !software.meta.is_live() {
            continue;
        }
        for &technique in &software.techniques {
            add(technique, options.software_weight, Via::Software);
        }
    }
    Profile { weights }
}

/// The live technique standing for `technique`: itself, or its replacement when revoked.
fn live_technique(base: &KnowledgeBase, technique: u32) -> Option<u32> {
    let mut current = technique;
    for _ in 0..16 {
        let this = base.techniques.get(current as usize)?;
        match this.revoked_by {
            Some(next) if this.meta.revoked => current = next,
            _ => return this.meta.is_live().then_some(current),
        }
    }
    None
}

impl ActorRanker<'_> {
    fn explain(
        &self,
        position: usize,
        score: f64,
        mut matches: Vec<Match>,
        observation: &[(u32, f64)],
    ) -> RankedGroup {
        let base = self.base;
        let (group_index, profile) = &self.profiles[position];
        let group = &base.groups[*group_index as usize];
        let technique = |index: u32| &base.techniques[index as usize];

        matches.sort_by(|a, b| {
            let rarity = |m: &Match| self.idf(m.observed) * m.credit;
            rarity(b).total_cmp(&rarity(a))
        });
        let shared_techniques: Vec<SharedTechnique> = matches
            .iter()
            .map(|found| SharedTechnique {
                id: technique(found.observed).meta.attack_id.clone(),
                name: technique(found.observed).meta.name.clone(),
                matched: technique(found.matched).meta.attack_id.clone(),
                via: found.via,
                credit: found.credit,
                idf: round(self.idf(found.observed)),
            })
            .collect();
        let distinguishing = shared_techniques
            .iter()
            .filter(|shared| shared.credit >= 1.0)
            .take(3)
            .map(|shared| shared.id.clone())
            .collect();

        let matched: Vec<u32> = matches.iter().map(|found| found.matched).collect();
        let software = group
            .software
            .iter()
            .map(|&software| &base.software[software as usize])
            .filter(|software| software.meta.is_live())
            .filter(|software| software.techniques.iter().any(|t| matched.contains(t)))
            .map(|software| software.meta.name.clone())
            .collect();
        let campaigns = group
            .campaigns
            .iter()
            .filter(|&&campaign| Some(campaign) != self.options.exclude_campaign)
            .map(|&campaign| base.campaigns[campaign as usize].meta.name.clone())
            .collect();

        let mut unseen: Vec<(f64, u32)> = profile
            .weights
            .iter()
            .filter(|(technique, _)| !observation.iter().any(|(seen, _)| seen == *technique))
            .filter(|(technique, _)| !matched.contains(technique))
            .map(|(&technique, &(weight, _))| (weight * self.idf(technique), technique))
            .collect();
        unseen.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let hunt_next = unseen
            .into_iter()
            .take(5)
            .map(|(_, index)| HuntNext {
                id: technique(index).meta.attack_id.clone(),
                name: technique(index).meta.name.clone(),
            })
            .collect();

        RankedGroup {
            group: *group_index,
            id: group.meta.attack_id.clone(),
            name: group.meta.name.clone(),
            score: round(score),
            shared_techniques,
            distinguishing,
            software,
            campaigns,
            hunt_next,
            named_by_intel: false,
        }
    }
}

/// Live groups named by `names`: STIX ids, G-numbers, names or aliases (case-insensitive).
pub fn groups_named(base: &KnowledgeBase, names: &[String]) -> Vec<u32> {
    let wanted: Vec<String> = names
        .iter()
        .map(|name| name.trim().to_lowercase())
        .filter(|name| !name.is_empty())
        .collect();
    let mut found: Vec<u32> = Vec::new();
    for (index, group) in base.groups.iter().enumerate() {
        if !group.meta.is_live() {
            continue;
        }
        let mut keys = [&group.meta.stix_id, &group.meta.attack_id, &group.meta.name]
            .into_iter()
            .chain(&group.aliases);
        if keys.any(|key| wanted.contains(&key.to_lowercase())) {
            found.push(index as u32);
        }
    }
    found
}

fn round(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}
