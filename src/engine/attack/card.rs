//! Everything ATT&CK says about one technique, gathered for a reader: the CLI's
//! `attack show`, the app's detail pane and the offline guidance all start from a card.

use serde::Serialize;

use super::knowledge::{KnowledgeBase, Meta, Resolved};

/// A named ATT&CK object with its id and page.
#[derive(Debug, Clone, Serialize)]
pub struct Reference {
    /// ATT&CK id.
    pub id: String,
    /// Name.
    pub name: String,
    /// ATT&CK page.
    pub url: String,
}

impl Reference {
    fn of(meta: &Meta) -> Self {
        Self {
            id: meta.attack_id.clone(),
            name: meta.name.clone(),
            url: meta.url.clone(),
        }
    }
}

/// A detection strategy with the analytics under it.
#[derive(Debug, Clone, Serialize)]
pub struct StrategyCard {
    /// The strategy.
    pub strategy: Reference,
    /// Its analytics: id and what they look for.
    pub analytics: Vec<AnalyticCard>,
}

/// One analytic of a detection strategy.
#[derive(Debug, Clone, Serialize)]
pub struct AnalyticCard {
    /// ATT&CK id (`AN0110`).
    pub id: String,
    /// Platforms.
    pub platforms: Vec<String>,
    /// What it looks for.
    pub description: String,
    /// Log sources as `name: channel`.
    pub log_sources: Vec<String>,
}

/// One technique, with everything around it.
#[derive(Debug, Clone, Serialize)]
pub struct TechniqueCard {
    /// The technique.
    pub technique: Reference,
    /// The id asked for, when it was revoked and this is its replacement.
    pub revoked_id: Option<String>,
    /// ATT&CK version of the data.
    pub attack_version: String,
    /// Tactic names in matrix order.
    pub tactics: Vec<String>,
    /// Description as written.
    pub description: String,
    /// Platforms.
    pub platforms: Vec<String>,
    /// Parent technique of a sub-technique.
    pub parent: Option<Reference>,
    /// Live sub-techniques.
    pub subtechniques: Vec<Reference>,
    /// Live mitigations.
    pub mitigations: Vec<Reference>,
    /// Detection strategies and their analytics.
    pub detection_strategies: Vec<StrategyCard>,
    /// Live groups using it directly.
    pub groups: Vec<Reference>,
    /// Live groups using it only through a campaign attributed to them.
    pub groups_through_campaigns: Vec<Reference>,
}

impl TechniqueCard {
    /// Gathers the card of a resolved technique.
    pub fn new(base: &KnowledgeBase, resolved: &Resolved<'_>) -> Self {
        let technique = resolved.technique;
        let live_refs = |metas: &mut dyn Iterator<Item = &Meta>| -> Vec<Reference> {
            metas
                .filter(|meta| meta.is_live())
                .map(Reference::of)
                .collect()
        };
        let direct: Vec<u32> = technique.groups.clone();
        let through_campaigns = base
            .groups_using_with_campaigns(resolved.index)
            .into_iter()
            .filter(|group| !direct.contains(group))
            .map(|group| Reference::of(&base.groups[group as usize].meta))
            .collect();

        Self {
            technique: Reference::of(&technique.meta),
            revoked_id: resolved.revoked.map(|old| old.meta.attack_id.clone()),
            attack_version: base.version(),
            tactics: tactic_display_names(base, technique),
            description: technique.meta.description.clone(),
            platforms: technique.platforms.clone(),
            parent: technique
                .parent
                .map(|parent| Reference::of(&base.techniques[parent as usize].meta)),
            subtechniques: live_refs(
                &mut technique
                    .subtechniques
                    .iter()
                    .map(|&sub| &base.techniques[sub as usize].meta),
            ),
            mitigations: live_refs(
                &mut technique
                    .mitigations
                    .iter()
                    .map(|&m| &base.mitigations[m as usize].meta),
            ),
            detection_strategies: technique
                .detection_strategies
                .iter()
                .map(|&s| strategy_card(base, s))
                .collect(),
            groups: live_refs(
                &mut technique
                    .groups
                    .iter()
                    .map(|&g| &base.groups[g as usize].meta),
            ),
            groups_through_campaigns: through_campaigns,
        }
    }
}

fn tactic_display_names(
    base: &KnowledgeBase,
    technique: &super::knowledge::Technique,
) -> Vec<String> {
    let mut tactics = technique.tactics.clone();
    tactics.sort_by_key(|&tactic| base.tactic_column(tactic));
    tactics
        .iter()
        .filter_map(|&tactic| base.tactics.get(tactic as usize))
        .map(|tactic| tactic.meta.name.clone())
        .collect()
}

fn strategy_card(base: &KnowledgeBase, strategy: u32) -> StrategyCard {
    let strategy = &base.detection_strategies[strategy as usize];
    StrategyCard {
        strategy: Reference::of(&strategy.meta),
        analytics: strategy
            .analytics
            .iter()
            .map(|&a| &base.analytics[a as usize])
            .map(|analytic| AnalyticCard {
                id: analytic.meta.attack_id.clone(),
                platforms: analytic.platforms.clone(),
                description: analytic.meta.description.clone(),
                log_sources: analytic
                    .log_sources
                    .iter()
                    .map(|source| format!("{}: {}", source.name, source.channel))
                    .collect(),
            })
            .collect(),
    }
}

impl std::fmt::Display for TechniqueCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names = |refs: &[Reference]| {
            refs.iter()
                .map(|r| format!("{} {}", r.id, r.name))
                .collect::<Vec<_>>()
                .join("; ")
        };
        writeln!(
            f,
            "{} {} (ATT&CK {})",
            self.technique.id, self.technique.name, self.attack_version
        )?;
        if let Some(old) = &self.revoked_id {
            writeln!(f, "  ({old} was revoked; this is its replacement)")?;
        }
        writeln!(f, "  tactics:      {}", self.tactics.join(", "))?;
        writeln!(f, "  platforms:    {}", self.platforms.join(", "))?;
        writeln!(f, "  page:         {}", self.technique.url)?;
        if let Some(parent) = &self.parent {
            writeln!(f, "  parent:       {} {}", parent.id, parent.name)?;
        }
        if !self.subtechniques.is_empty() {
            writeln!(f, "  sub-techniques: {}", names(&self.subtechniques))?;
        }
        writeln!(f, "  mitigations:  {}", names(&self.mitigations))?;
        for strategy in &self.detection_strategies {
            writeln!(
                f,
                "  detection:    {} {}",
                strategy.strategy.id, strategy.strategy.name
            )?;
        }
        writeln!(
            f,
            "  groups ({}):  {}",
            self.groups.len(),
            names(&self.groups)
        )?;
        if !self.groups_through_campaigns.is_empty() {
            writeln!(
                f,
                "  through campaigns: {}",
                names(&self.groups_through_campaigns)
            )?;
        }
        let first_paragraph = self.description.split("\n\n").next().unwrap_or_default();
        writeln!(f, "\n{first_paragraph}")
    }
}
