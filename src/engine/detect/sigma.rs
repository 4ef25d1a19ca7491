//! Running Sigma detection and correlation rules over the event stream, folding their matches.
//!
//! Each event is matched only against the compiled rules of its format's log source (see
//! [`super::matcher`]), through a borrowed [`SigmaView`]. A match of a simple rule is
//! folded into one detection per rule and fold key (by default source, destination, port and
//! user; a rule may name its own with `threatlens-fold`). A match of a rule that correlations
//! refer to is folded into each correlation's pending detection for its group, and handed to
//! rsigma's correlation engines with the event's own time when it can change their answer (see
//! [`super::correlate`]). A correlation fires again on every event past its threshold; we only
//! mark the group's detection as fired, so a source that failed 2,620 logins is one detection
//! with count 2,620. Its count covers every match of the group in the scan, before and after
//! the threshold was crossed.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use rsigma_eval::{CompiledRule, DetectionBody, EvaluationResult, ResultBody, RuleHeader};
use rsigma_parser::CorrelationType;

use crate::engine::detect::RuleSet;
use crate::engine::detect::correlate::Correlator;
use crate::engine::detect::detection::Detection;
use crate::engine::detect::fields::SigmaView;
use crate::engine::detect::keys::{fields_key, group_key, pairs_key};
use crate::engine::detect::matcher::RuleMatcher;
use crate::engine::detect::meta::RuleMeta;
use crate::engine::detect::ruleset::LoadedCorrelation;
use crate::engine::event::Event;

/// Correlation groups followed at most before they fire; later groups are counted and skipped.
const MAX_PENDING_GROUPS: usize = 50_000;

/// Distinct values remembered per group for a `value_count` correlation's detail.
const MAX_DISTINCT_VALUES: usize = 10_000;

/// A correlation group's detection, emitted once the correlation has fired.
struct Pending {
    detection: Detection,
    fired: bool,
    distinct: HashSet<u64>,
}

impl Pending {
    fn new(detection: Detection) -> Self {
        Self {
            detection,
            fired: false,
            distinct: HashSet::new(),
        }
    }
}

/// The Sigma part of a detector.
pub struct SigmaStage {
    rules: RuleSet,
    matcher: RuleMatcher,
    matched: Vec<usize>,
    emits: Vec<bool>,
    rule_correlations: Vec<Vec<usize>>,
    rule_components: Vec<Vec<usize>>,
    correlation_by_id: HashMap<String, usize>,
    correlator: Correlator,
    simple: HashMap<(usize, u64), Detection>,
    pending: HashMap<(usize, u64), Pending>,
    feed_components: Vec<bool>,
    skipped_groups: u64,
    untimed_events: u64,
}

impl SigmaStage {
    /// Compiles per-format engines and the correlation engines for `rules`.
    pub fn new(rules: &RuleSet) -> Self {
        let rule_correlations = correlations_per_rule(rules);
        let emits = rule_correlations
            .iter()
            .map(|corrs| corrs.is_empty() || corrs.iter().any(|&c| generates(rules, c)))
            .collect();
        let correlation_by_id = rules
            .correlations()
            .iter()
            .enumerate()
            .map(|(slot, corr)| (corr.meta.id.clone(), slot))
            .collect();
        let correlator = Correlator::new(rules, &rule_correlations);
        let rule_components = rule_correlations
            .iter()
            .map(|correlations| {
                let mut components: Vec<usize> = correlations
                    .iter()
                    .filter_map(|&c| correlator.component_of(c))
                    .collect();
                components.sort_unstable();
                components.dedup();
                components
            })
            .collect();

        Self {
            matcher: RuleMatcher::new(rules),
            matched: Vec::new(),
            feed_components: vec![false; correlator.component_count()],
            correlator,
            rules: rules.clone(),
            rule_components,
            emits,
            rule_correlations,
            correlation_by_id,
            simple: HashMap::new(),
            pending: HashMap::new(),
            skipped_groups: 0,
            untimed_events: 0,
        }
    }

    /// Evaluates one event.
    pub fn observe(&mut self, event: &Event) {
        let view = SigmaView::new(event);
        let mut matched = std::mem::take(&mut self.matched);
        self.matcher.find(&view, &mut matched);
        if matched.is_empty() {
            self.matched = matched;
            return;
        }

        let time_secs = event.time.map(|time| time.as_second());
        let mut feed_any = false;
        for &slot in &matched {
            if self.emits.get(slot).copied().unwrap_or(true) {
                self.fold_simple(slot, &view);
            }
            let linked = self.rule_correlations.get(slot).map_or(0, Vec::len);
            for nth in 0..linked {
                let correlation = self.rule_correlations.get(slot).and_then(|c| c.get(nth));
                if let Some(&correlation) = correlation {
                    feed_any |= self.fold_pending(correlation, slot, &view, time_secs);
                }
            }
        }

        if feed_any && let Some(time_secs) = time_secs {
            self.correlate(&view, &matched, time_secs);
        }
        matched.clear();
        self.matched = matched;
    }

    /// Ends the stream: simple detections and the correlation detections that fired.
    pub fn finish(self, out: &mut Vec<Detection>) {
        if self.skipped_groups > 0 {
            tracing::warn!(
                events = self.skipped_groups,
                "correlation groups over the limit were not followed"
            );
        }
        if self.untimed_events > 0 {
            tracing::debug!(
                events = self.untimed_events,
                "events without a time were left out of correlations"
            );
        }
        out.extend(self.simple.into_values());

        let correlations = self.rules.correlations();
        for ((slot, _), pending) in self.pending {
            if !pending.fired {
                continue;
            }
            let mut detection = pending.detection;
            if let Some(corr) = correlations.get(slot) {
                add_correlation_details(&mut detection, corr, &pending.distinct);
            }
            out.push(detection);
        }
    }

    fn fold_simple(&mut self, slot: usize, view: &SigmaView<'_>) {
        let Some(rule) = self.rules.rules().get(slot) else {
            return;
        };
        let key = fields_key(view, rule.fold_fields.iter().map(String::as_str));
        match self.simple.get_mut(&(slot, key)) {
            Some(detection) => detection.fold_event(view.event()),
            None => {
                let detection = seed(&rule.meta, view.event());
                self.simple.insert((slot, key), detection);
            }
        }
    }

    /// Folds a match into its correlation group; returns whether the correlation engine must
    /// see the event (and marks its component).
    fn fold_pending(
        &mut self,
        correlation: usize,
        rule_slot: usize,
        view: &SigmaView<'_>,
        time_secs: Option<i64>,
    ) -> bool {
        let (Some(corr), Some(rule)) = (
            self.rules.correlations().get(correlation),
            self.rules.rules().get(rule_slot),
        ) else {
            return false;
        };
        let mut refs = [rule.meta.id.as_str(), ""];
        if let Some(name) = rule.sigma.name.as_deref() {
            refs[1] = name;
        }
        let group = group_key(view, &corr.compiled.group_by, &refs);

        let entry = (correlation, group);
        let full = self.pending.len() >= MAX_PENDING_GROUPS;
        let fired = match self.pending.get_mut(&entry) {
            Some(pending) => {
                pending.detection.fold_event(view.event());
                pending.fired
            }
            None if full => {
                self.skipped_groups += 1;
                false
            }
            None => {
                let pending = Pending::new(seed(&corr.meta, view.event()));
                self.pending.insert(entry, pending);
                false
            }
        };
        if let (Some(fields), Some(pending)) =
            (&corr.compiled.condition.field, self.pending.get_mut(&entry))
            && pending.distinct.len() < MAX_DISTINCT_VALUES
        {
            pending
                .distinct
                .insert(fields_key(view, fields.iter().map(String::as_str)));
        }

        let Some(time_secs) = time_secs else {
            self.untimed_events += 1;
            return false;
        };
        let needed = self
            .correlator
            .needs_event(correlation, group, fired, view, time_secs);
        if needed
            && let Some(component) = self.correlator.component_of(correlation)
            && let Some(flag) = self.feed_components.get_mut(component)
        {
            *flag = true;
        }
        needed
    }

    fn correlate(&mut self, view: &SigmaView<'_>, matched: &[usize], time_secs: i64) {
        for component in 0..self.feed_components.len() {
            let marked = self.feed_components.get_mut(component).map(std::mem::take);
            if marked != Some(true) {
                continue;
            }
            let matches = self.matches_for(component, matched);
            let fired = self.correlator.feed(component, view, matches, time_secs);
            for result in &fired {
                self.mark_fired(result, view);
            }
        }
    }

    /// Bare match results (rule id only) for the matched rules a component refers to.
    fn matches_for(&self, component: usize, matched: &[usize]) -> Vec<EvaluationResult> {
        matched
            .iter()
            .filter(|&&slot| {
                self.rule_components
                    .get(slot)
                    .is_some_and(|components| components.contains(&component))
            })
            .filter_map(|&slot| self.rules.rules().get(slot))
            .map(|rule| bare_match(&rule.compiled))
            .collect()
    }

    fn mark_fired(&mut self, result: &EvaluationResult, view: &SigmaView<'_>) {
        let Some(body) = result.as_correlation() else {
            return;
        };
        let Some(&slot) = result
            .header
            .rule_id
            .as_ref()
            .and_then(|id| self.correlation_by_id.get(id))
        else {
            return;
        };
        let Some(corr) = self.rules.correlations().get(slot) else {
            return;
        };
        let key = pairs_key(&body.group_key, &corr.compiled.group_by);
        let pending = self
            .pending
            .entry((slot, key))
            .or_insert_with(|| Pending::new(seed(&corr.meta, view.event())));
        pending.fired = true;
    }
}

/// A match result carrying only what the correlation engine reads: the rule id.
fn bare_match(rule: &CompiledRule) -> EvaluationResult {
    EvaluationResult {
        header: RuleHeader {
            rule_title: String::new(),
            rule_id: rule.id.clone(),
            level: None,
            tags: Vec::new(),
            custom_attributes: Arc::clone(&rule.custom_attributes),
            enrichments: None,
        },
        body: ResultBody::Detection(DetectionBody {
            matched_selections: Vec::new(),
            matched_fields: Vec::new(),
            event: None,
        }),
    }
}

/// A detection seeded from its first event, tagged with the rule's and the sensor's ATT&CK ids.
fn seed(meta: &RuleMeta, event: &Event) -> Detection {
    let mut detection = Detection::from_event(&meta.id, &meta.title, meta.severity, event);
    detection.techniques = meta.techniques.clone();
    detection.tactics = meta.tactics.clone();
    for technique in &event.techniques {
        if !detection.techniques.contains(technique) {
            detection.techniques.push(technique.clone());
        }
    }
    detection
}

/// The correlation's kind and window, and for `value_count` the distinct values seen over all
/// the group's matches (not only those in one window).
fn add_correlation_details(
    detection: &mut Detection,
    corr: &LoadedCorrelation,
    distinct: &HashSet<u64>,
) {
    let kind = match corr.rule.correlation_type {
        CorrelationType::EventCount => "event_count",
        CorrelationType::ValueCount => "value_count",
        CorrelationType::Temporal => "temporal",
        CorrelationType::TemporalOrdered => "temporal_ordered",
        _ => "aggregate",
    };
    detection.set_detail("correlation", kind.to_owned());
    detection.set_detail("timespan_secs", corr.compiled.timespan_secs.to_string());
    if let Some(fields) = &corr.compiled.condition.field {
        let shown = if distinct.len() >= MAX_DISTINCT_VALUES {
            format!("{}+", distinct.len())
        } else {
            distinct.len().to_string()
        };
        detection.set_detail(&format!("distinct_{}", fields.join("_")), shown);
    }
}

/// For each detection rule, the correlations that refer to it by id or name.
fn correlations_per_rule(rules: &RuleSet) -> Vec<Vec<usize>> {
    rules
        .rules()
        .iter()
        .map(|rule| {
            let name = rule.sigma.name.as_deref();
            rules
                .correlations()
                .iter()
                .enumerate()
                .filter(|(_, corr)| {
                    corr.rule
                        .rules
                        .iter()
                        .any(|r| *r == rule.meta.id || Some(r.as_str()) == name)
                })
                .map(|(slot, _)| slot)
                .collect()
        })
        .collect()
}

fn generates(rules: &RuleSet, correlation: usize) -> bool {
    rules
        .correlations()
        .get(correlation)
        .is_some_and(|corr| corr.rule.generate)
}
