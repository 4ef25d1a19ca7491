//! What ATT&CK says about the case and about the selected detection: technique cards and
//! ranked groups. Worked out when the selection or the case changes, never per frame.

use crate::engine::attack::actors::{self, ActorRanker, RankOptions, RankedGroup};
use crate::engine::attack::card::TechniqueCard;
use crate::engine::attack::knowledge::KnowledgeBase;
use crate::engine::detect::Detection;

/// Groups ranked for a detection or a case.
pub const GROUPS_SHOWN: usize = 10;

/// ATT&CK's view of one detection.
#[derive(Debug, Clone, Default)]
pub struct DetectionInsight {
    /// One card per technique ATT&CK knows, in the detection's order.
    pub cards: Vec<TechniqueCard>,
    /// Technique ids this ATT&CK version does not know.
    pub unknown: Vec<String>,
    /// Groups whose known techniques best match this detection's.
    pub groups: Vec<RankedGroup>,
}

impl DetectionInsight {
    /// Looks the detection's techniques up and ranks groups for them.
    pub fn of(base: &KnowledgeBase, detection: &Detection) -> Self {
        let mut insight = Self::default();
        for id in &detection.techniques {
            match base.resolve(id) {
                Some(resolved) => insight.cards.push(TechniqueCard::new(base, &resolved)),
                None => insight.unknown.push(id.clone()),
            }
        }
        insight.groups = rank_groups(base, std::slice::from_ref(detection));
        insight
    }
}

/// Groups ranked by how well their known techniques match these detections' techniques.
pub fn rank_groups(base: &KnowledgeBase, detections: &[Detection]) -> Vec<RankedGroup> {
    let observed = actors::observed_from_detections(detections);
    if observed.is_empty() {
        return Vec::new();
    }
    ActorRanker::new(base, RankOptions::default()).rank(&observed, GROUPS_SHOWN)
}
