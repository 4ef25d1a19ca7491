//! What changed between two ATT&CK versions, for the techniques the user cares about (those of
//! their rules and detections): renamed, revoked (and by what), deprecated, moved between
//! tactics, and groups gained or lost.

use serde::Serialize;

use super::knowledge::{KnowledgeBase, Technique};

/// One change to one technique.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum TechniqueChange {
    /// The name changed.
    Renamed {
        /// Technique id.
        id: String,
        /// Old name.
        from: String,
        /// New name.
        to: String,
    },
    /// The technique was revoked; rules should use the replacement.
    Revoked {
        /// Technique id.
        id: String,
        /// Replacement id, when the data names one.
        replaced_by: Option<String>,
    },
    /// The technique is no longer maintained.
    Deprecated {
        /// Technique id.
        id: String,
    },
    /// The tactics changed.
    MovedTactics {
        /// Technique id.
        id: String,
        /// Old tactic short names.
        from: Vec<String>,
        /// New tactic short names.
        to: Vec<String>,
    },
    /// Groups now recorded as using it.
    GainedGroups {
        /// Technique id.
        id: String,
        /// Group names.
        groups: Vec<String>,
    },
    /// Groups no longer recorded as using it.
    LostGroups {
        /// Technique id.
        id: String,
        /// Group names.
        groups: Vec<String>,
    },
    /// The technique is not in the new data at all.
    Missing {
        /// Technique id.
        id: String,
    },
}

/// Changes between `old` and `new` for the technique ids given, in the order given.
pub fn diff(
    old: &KnowledgeBase,
    new: &KnowledgeBase,
    technique_ids: &[String],
) -> Vec<TechniqueChange> {
    let mut changes = Vec::new();
    for id in technique_ids {
        let Some((_, before)) = old.technique(id) else {
            continue;
        };
        let Some((_, after)) = new.technique(id) else {
            changes.push(TechniqueChange::Missing { id: id.clone() });
            continue;
        };
        let id = after.meta.attack_id.clone();

        if before.meta.name != after.meta.name {
            changes.push(TechniqueChange::Renamed {
                id: id.clone(),
                from: before.meta.name.clone(),
                to: after.meta.name.clone(),
            });
        }
        if after.meta.revoked && !before.meta.revoked {
            let replaced_by = new
                .resolve(&id)
                .filter(|resolved| resolved.revoked.is_some())
                .map(|resolved| resolved.technique.meta.attack_id.clone());
            changes.push(TechniqueChange::Revoked {
                id: id.clone(),
                replaced_by,
            });
        }
        if after.meta.deprecated && !before.meta.deprecated {
            changes.push(TechniqueChange::Deprecated { id: id.clone() });
        }
        let (from, to) = (old.tactic_names(before), new.tactic_names(after));
        if from != to {
            changes.push(TechniqueChange::MovedTactics {
                id: id.clone(),
                from,
                to,
            });
        }

        let (old_groups, new_groups) = (group_names(old, before), group_names(new, after));
        let gained: Vec<String> = new_groups
            .iter()
            .filter(|name| !old_groups.contains(name))
            .cloned()
            .collect();
        let lost: Vec<String> = old_groups
            .iter()
            .filter(|name| !new_groups.contains(name))
            .cloned()
            .collect();
        if !gained.is_empty() {
            changes.push(TechniqueChange::GainedGroups {
                id: id.clone(),
                groups: gained,
            });
        }
        if !lost.is_empty() {
            changes.push(TechniqueChange::LostGroups { id, groups: lost });
        }
    }
    changes
}

/// Names of the live groups using a technique directly, sorted.
fn group_names(base: &KnowledgeBase, technique: &Technique) -> Vec<String> {
    let mut names: Vec<String> = technique
        .groups
        .iter()
        .map(|&group| &base.groups[group as usize])
        .filter(|group| group.meta.is_live())
        .map(|group| group.meta.name.clone())
        .collect();
    names.sort_unstable();
    names
}

impl std::fmt::Display for TechniqueChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Renamed { id, from, to } => write!(f, "{id} renamed: {from:?} → {to:?}"),
            Self::Revoked { id, replaced_by } => match replaced_by {
                Some(replacement) => write!(f, "{id} revoked; use {replacement}"),
                None => write!(f, "{id} revoked"),
            },
            Self::Deprecated { id } => write!(f, "{id} deprecated"),
            Self::MovedTactics { id, from, to } => {
                write!(f, "{id} moved: {} → {}", from.join(", "), to.join(", "))
            }
            Self::GainedGroups { id, groups } => {
                write!(f, "{id} now used by {}", groups.join(", "))
            }
            Self::LostGroups { id, groups } => {
                write!(f, "{id} no longer used by {}", groups.join(", "))
            }
            Self::Missing { id } => write!(f, "{id} is not in the new data"),
        }
    }
}
