//! The ATT&CK knowledge base: techniques as a tree, tactics in matrix order, groups, software,
//! campaigns, mitigations, detection strategies and analytics, joined by index.
//!
//! Objects refer to each other by position in their list (`u32`), so the whole base serializes
//! compactly (see [`super::index_file`]) and queries such as "groups using T1110" are a lookup
//! and a slice, not a scan over relationships. Revoked and deprecated objects are kept and
//! flagged: a rule tagged with an old id still resolves, through [`KnowledgeBase::resolve`].

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// What every ATT&CK object has.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    /// STIX id.
    pub stix_id: String,
    /// ATT&CK id (`T1110`, `G0007`, `M1032`, `DET0463`); empty when the object has none.
    pub attack_id: String,
    /// Name.
    pub name: String,
    /// Description as written (Markdown with citations).
    pub description: String,
    /// The object's ATT&CK page.
    pub url: String,
    /// Replaced by another object.
    pub revoked: bool,
    /// No longer maintained.
    pub deprecated: bool,
}

impl Meta {
    /// Neither revoked nor deprecated.
    pub fn is_live(&self) -> bool {
        !self.revoked && !self.deprecated
    }
}

/// One ATT&CK domain (Enterprise, Mobile, ICS) that was loaded.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Domain {
    /// Collection name (`Enterprise ATT&CK`).
    pub name: String,
    /// Content version (`18.1`).
    pub version: String,
    /// Tactics in the matrix's own column order.
    pub tactics: Vec<u32>,
}

/// A tactic: a column of the matrix.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Tactic {
    /// Common fields.
    pub meta: Meta,
    /// Short name used in kill-chain phases (`credential-access`).
    pub short_name: String,
    /// Kill chain it belongs to (`mitre-attack`).
    pub kill_chain: String,
}

/// A technique or sub-technique.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Technique {
    /// Common fields.
    pub meta: Meta,
    /// Tactics, in the order the object lists them.
    pub tactics: Vec<u32>,
    /// True for a sub-technique (`T1110.001`).
    pub is_subtechnique: bool,
    /// Parent technique of a sub-technique.
    pub parent: Option<u32>,
    /// Sub-techniques of a technique.
    pub subtechniques: Vec<u32>,
    /// Platforms.
    pub platforms: Vec<String>,
    /// The replacement when revoked.
    pub revoked_by: Option<u32>,
    /// Groups with a direct `uses` relationship.
    pub groups: Vec<u32>,
    /// Software with a `uses` relationship.
    pub software: Vec<u32>,
    /// Campaigns with a `uses` relationship.
    pub campaigns: Vec<u32>,
    /// Mitigations (`mitigates`).
    pub mitigations: Vec<u32>,
    /// Detection strategies (`detects`).
    pub detection_strategies: Vec<u32>,
}

/// A group (intrusion set).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Group {
    /// Common fields.
    pub meta: Meta,
    /// Other names.
    pub aliases: Vec<String>,
    /// Techniques the group uses directly.
    pub techniques: Vec<u32>,
    /// Software the group uses.
    pub software: Vec<u32>,
    /// Campaigns attributed to the group.
    pub campaigns: Vec<u32>,
    /// The replacement when revoked.
    pub revoked_by: Option<u32>,
}

/// Malware or a tool.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Software {
    /// Common fields.
    pub meta: Meta,
    /// True for malware, false for tools.
    pub is_malware: bool,
    /// Other names.
    pub aliases: Vec<String>,
    /// Techniques the software implements.
    pub techniques: Vec<u32>,
}

/// A campaign.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Campaign {
    /// Common fields.
    pub meta: Meta,
    /// Techniques used.
    pub techniques: Vec<u32>,
    /// Software used.
    pub software: Vec<u32>,
    /// Groups it is attributed to.
    pub groups: Vec<u32>,
}

/// A mitigation (course of action).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Mitigation {
    /// Common fields.
    pub meta: Meta,
    /// Techniques it mitigates.
    pub techniques: Vec<u32>,
}

/// A detection strategy (ATT&CK v18 and later).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DetectionStrategy {
    /// Common fields.
    pub meta: Meta,
    /// Techniques it detects.
    pub techniques: Vec<u32>,
    /// Its analytics.
    pub analytics: Vec<u32>,
}

/// An analytic of a detection strategy.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Analytic {
    /// Common fields.
    pub meta: Meta,
    /// Platforms.
    pub platforms: Vec<String>,
    /// Log sources: data component, log name, what to look for.
    pub log_sources: Vec<LogSource>,
}

/// A log source an analytic reads.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LogSource {
    /// The data component, when the bundle has it.
    pub data_component: Option<u32>,
    /// Log name (`linux:syslog`).
    pub name: String,
    /// What to look for.
    pub channel: String,
}

/// A data component.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DataComponent {
    /// Common fields.
    pub meta: Meta,
}

/// Everything loaded from one or more ATT&CK bundles.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct KnowledgeBase {
    /// Loaded domains with their versions.
    pub domains: Vec<Domain>,
    /// Tactics of all domains.
    pub tactics: Vec<Tactic>,
    /// Techniques and sub-techniques, live or not.
    pub techniques: Vec<Technique>,
    /// Groups.
    pub groups: Vec<Group>,
    /// Malware and tools.
    pub software: Vec<Software>,
    /// Campaigns.
    pub campaigns: Vec<Campaign>,
    /// Mitigations.
    pub mitigations: Vec<Mitigation>,
    /// Detection strategies.
    pub detection_strategies: Vec<DetectionStrategy>,
    /// Analytics.
    pub analytics: Vec<Analytic>,
    /// Data components.
    pub data_components: Vec<DataComponent>,
    #[serde(skip)]
    technique_by_id: FxHashMap<String, u32>,
    #[serde(skip)]
    group_by_id: FxHashMap<String, u32>,
}

/// A technique found by id, and the id it was asked for when that was revoked.
#[derive(Debug, Clone, Copy)]
pub struct Resolved<'a> {
    /// Index of the technique in [`KnowledgeBase::techniques`].
    pub index: u32,
    /// The technique (the replacement when the asked-for one was revoked).
    pub technique: &'a Technique,
    /// The revoked technique that was asked for, when the answer is its replacement.
    pub revoked: Option<&'a Technique>,
}

impl KnowledgeBase {
    /// Builds the id lookups; call after building or deserializing.
    pub fn build_lookups(&mut self) {
        self.technique_by_id = id_lookup(self.techniques.iter().map(|t| &t.meta));
        self.group_by_id = id_lookup(self.groups.iter().map(|g| &g.meta));
    }

    /// The content version, e.g. `18.1`, or `Enterprise 18.1, Mobile 18.1` for several domains.
    pub fn version(&self) -> String {
        match self.domains.as_slice() {
            [] => String::new(),
            [one] => one.version.clone(),
            many => many
                .iter()
                .map(|domain| {
                    let short = domain.name.trim_end_matches(" ATT&CK");
                    format!("{short} {}", domain.version)
                })
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    /// The technique with this ATT&CK id (case-insensitive), exactly as stored (maybe revoked).
    pub fn technique(&self, attack_id: &str) -> Option<(u32, &Technique)> {
        let index = *self
            .technique_by_id
            .get(attack_id.trim().to_ascii_uppercase().as_str())?;
        Some((index, &self.techniques[index as usize]))
    }

    /// The technique with this id, following `revoked-by` to the replacement.
    pub fn resolve(&self, attack_id: &str) -> Option<Resolved<'_>> {
        let (mut index, asked) = self.technique(attack_id)?;
        let mut steps = 0;
        while let Some(next) = self.techniques[index as usize].revoked_by {
            steps += 1;
            if steps > 16 || next as usize >= self.techniques.len() {
                break;
            }
            index = next;
        }
        let technique = &self.techniques[index as usize];
        let revoked = (asked.meta.revoked && !std::ptr::eq(asked, technique)).then_some(asked);
        Some(Resolved {
            index,
            technique,
            revoked,
        })
    }

    /// The group with this G-number (case-insensitive).
    pub fn group(&self, attack_id: &str) -> Option<(u32, &Group)> {
        let index = *self
            .group_by_id
            .get(attack_id.trim().to_ascii_uppercase().as_str())?;
        Some((index, &self.groups[index as usize]))
    }

    /// Tactic short names of a technique, in the matrix's order.
    pub fn tactic_names(&self, technique: &Technique) -> Vec<String> {
        let mut tactics: Vec<u32> = technique.tactics.clone();
        tactics.sort_by_key(|tactic| self.tactic_column(*tactic));
        tactics
            .iter()
            .filter_map(|&tactic| self.tactics.get(tactic as usize))
            .map(|tactic| tactic.short_name.clone())
            .collect()
    }

    /// Column of a tactic within its domain's matrix (unplaced tactics sort last).
    pub fn tactic_column(&self, tactic: u32) -> usize {
        self.domains
            .iter()
            .find_map(|domain| domain.tactics.iter().position(|&t| t == tactic))
            .unwrap_or(usize::MAX)
    }

    /// Live groups with a direct `uses` relationship to the technique.
    pub fn groups_using(&self, technique: u32) -> impl Iterator<Item = &Group> {
        self.techniques
            .get(technique as usize)
            .map_or(&[][..], |technique| technique.groups.as_slice())
            .iter()
            .map(|&group| &self.groups[group as usize])
            .filter(|group| group.meta.is_live())
    }

    /// Live groups using the technique directly or through a campaign attributed to them.
    pub fn groups_using_with_campaigns(&self, technique: u32) -> Vec<u32> {
        let Some(technique) = self.techniques.get(technique as usize) else {
            return Vec::new();
        };
        let mut groups: Vec<u32> = technique.groups.clone();
        for &campaign in &technique.campaigns {
            groups.extend(&self.campaigns[campaign as usize].groups);
        }
        groups.sort_unstable();
        groups.dedup();
        groups.retain(|&group| self.groups[group as usize].meta.is_live());
        groups
    }

    /// Live techniques and sub-techniques: `(techniques, sub_techniques)`.
    pub fn live_counts(&self) -> (usize, usize) {
        let live = self.techniques.iter().filter(|t| t.meta.is_live());
        let (subs, tops): (Vec<_>, Vec<_>) = live.partition(|t| t.is_subtechnique);
        (tops.len(), subs.len())
    }
}

/// ATT&CK id (upper case) to position; a live object wins over a revoked one with the same id.
fn id_lookup<'a>(metas: impl Iterator<Item = &'a Meta>) -> FxHashMap<String, u32> {
    let mut lookup: FxHashMap<String, (u32, bool)> = FxHashMap::default();
    for (index, meta) in metas.enumerate() {
        if meta.attack_id.is_empty() {
            continue;
        }
        let id = meta.attack_id.to_ascii_uppercase();
        let keep_existing = lookup.get(&id).is_some_and(|&(_, live)| live);
        if !keep_existing {
            lookup.insert(id, (index as u32, meta.is_live()));
        }
    }
    lookup
        .into_iter()
        .map(|(id, (index, _))| (id, index))
        .collect()
}

impl crate::engine::export::TechniqueNames for KnowledgeBase {
    fn name(&self, technique_id: &str) -> Option<String> {
        self.resolve(technique_id)
            .map(|resolved| resolved.technique.meta.name.clone())
    }

    fn tactics(&self, technique_id: &str) -> Vec<String> {
        self.resolve(technique_id)
            .map(|resolved| self.tactic_names(resolved.technique))
            .unwrap_or_default()
    }

    fn replaced_by(&self, technique_id: &str) -> Option<String> {
        let resolved = self.resolve(technique_id)?;
        resolved.revoked?;
        Some(resolved.technique.meta.attack_id.clone())
    }

    fn attack_version(&self) -> Option<String> {
        Some(self.version())
    }
}
