//! Measures the actor ranking on ATT&CK's own answers: campaigns attributed to groups.
//!
//! Each campaign with an `attributed-to` relationship is one case: its live techniques are the
//! observation, its groups the right answer, and the campaign's own contribution is removed from
//! every profile first (leave one out). The same cases are ranked by plain Jaccard similarity
//! between the observed set and each group's technique set, as the baseline to beat.

use serde::Serialize;

use super::actors::{ActorRanker, Observed, RankOptions};
use super::knowledge::KnowledgeBase;

/// Top-1 and top-5 accuracy of one method.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Accuracy {
    /// Cases whose answer ranked first.
    pub top1: usize,
    /// Cases whose answer ranked in the first five.
    pub top5: usize,
}

/// The self-test's result.
#[derive(Debug, Clone, Serialize)]
pub struct SelfTest {
    /// Campaigns used as cases.
    pub cases: usize,
    /// Our ranking.
    pub ranking: Accuracy,
    /// Plain Jaccard over technique sets.
    pub jaccard: Accuracy,
    /// Per case: campaign id, expected group ids, our top group, Jaccard's top group.
    pub details: Vec<CaseResult>,
}

/// One leave-one-out case.
#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    /// Campaign ATT&CK id.
    pub campaign: String,
    /// Attributed group ids.
    pub expected: Vec<String>,
    /// Rank of the first right answer in our ranking (1-based), if in the top 5.
    pub rank: Option<usize>,
    /// Rank in the Jaccard ranking, if in the top 5.
    pub jaccard_rank: Option<usize>,
}

/// Runs every case with `options` (its `exclude_campaign` is set per case).
pub fn run(base: &KnowledgeBase, options: &RankOptions) -> SelfTest {
    let mut result = SelfTest {
        cases: 0,
        ranking: Accuracy::default(),
        jaccard: Accuracy::default(),
        details: Vec::new(),
    };
    for (index, campaign) in base.campaigns.iter().enumerate() {
        let expected: Vec<u32> = campaign
            .groups
            .iter()
            .copied()
            .filter(|&group| base.groups[group as usize].meta.is_live())
            .collect();
        let observed: Vec<Observed> = campaign
            .techniques
            .iter()
            .map(|&technique| &base.techniques[technique as usize])
            .filter(|technique| technique.meta.is_live())
            .map(|technique| Observed {
                technique: technique.meta.attack_id.clone(),
                confidence: 1.0,
            })
            .collect();
        if expected.is_empty() || observed.is_empty() || !campaign.meta.is_live() {
            continue;
        }

        let case_options = RankOptions {
            exclude_campaign: Some(index as u32),
            ..options.clone()
        };
        let ranker = ActorRanker::new(base, case_options);
        let ours: Vec<u32> = ranker
            .rank(&observed, 5)
            .iter()
            .map(|group| group.group)
            .collect();
        let theirs = jaccard_top(base, index as u32, &observed, 5);

        let rank = ours.iter().position(|group| expected.contains(group));
        let jaccard_rank = theirs.iter().position(|group| expected.contains(group));
        tally(&mut result.ranking, rank);
        tally(&mut result.jaccard, jaccard_rank);
        result.cases += 1;
        result.details.push(CaseResult {
            campaign: campaign.meta.attack_id.clone(),
            expected: expected
                .iter()
                .map(|&group| base.groups[group as usize].meta.attack_id.clone())
                .collect(),
            rank: rank.map(|position| position + 1),
            jaccard_rank: jaccard_rank.map(|position| position + 1),
        });
    }
    result
}

fn tally(accuracy: &mut Accuracy, rank: Option<usize>) {
    match rank {
        Some(0) => {
            accuracy.top1 += 1;
            accuracy.top5 += 1;
        }
        Some(_) => accuracy.top5 += 1,
        None => {}
    }
}

/// Groups ranked by Jaccard similarity of technique sets (direct uses, software and other
/// attributed campaigns, the case's campaign left out), best first.
fn jaccard_top(
    base: &KnowledgeBase,
    campaign: u32,
    observed: &[Observed],
    limit: usize,
) -> Vec<u32> {
    let observed: Vec<u32> = observed
        .iter()
        .filter_map(|item| base.technique(&item.technique).map(|(index, _)| index))
        .collect();
    let mut scored: Vec<(f64, u32)> = Vec::new();
    for (index, group) in base.groups.iter().enumerate() {
        if !group.meta.is_live() {
            continue;
        }
        let mut techniques: Vec<u32> = group.techniques.clone();
        for &other in &group.campaigns {
            if other != campaign {
                techniques.extend(&base.campaigns[other as usize].techniques);
            }
        }
        for &software in &group.software {
            techniques.extend(&base.software[software as usize].techniques);
        }
        techniques.retain(|&t| base.techniques[t as usize].meta.is_live());
        techniques.sort_unstable();
        techniques.dedup();

        let shared = observed.iter().filter(|t| techniques.contains(t)).count();
        let union = observed.len() + techniques.len() - shared;
        if shared > 0 && union > 0 {
            scored.push((shared as f64 / union as f64, index as u32));
        }
    }
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    scored
        .into_iter()
        .take(limit)
        .map(|(_, group)| group)
        .collect()
}

/// The accuracy as a percentage of cases.
pub fn percent(count: usize, cases: usize) -> f64 {
    if cases == 0 {
        0.0
    } else {
        (count as f64 * 1000.0 / cases as f64).round() / 10.0
    }
}
