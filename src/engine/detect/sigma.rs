//! Running Sigma detection and correlation rules over the event stream, folding their matches.
//!
//! Each event is matched only against the compiled rules of its format's log source (see
//! [`super::matcher`]), through a borrowed [`SigmaView`]. A match of a simple rule is
//! folded into one detection per rule and fold key (by default source, destination, port and
//! user; a rule may name its own with `threatlens-fold`). A match of a rule that correlations
//! refer to is folded into each correlation's pending detection for its group, and counted with
//! the event's own time in the group's sliding window (see [`super::counting`]; the kinds of
//! correlation not counted there go to rsigma's correlation engines, see
//! [`super::correlate`]). A correlation fires again on every event past its threshold; we only
//! mark the group's detection as fired, so a source that failed 2,620 logins is one detection
//! with count 2,620. Its count covers every match of the group in the scan, before and after
//! the threshold was crossed.
//!
//! Memory follows the groups, not the events: a group that has not fired keeps a small
//! detection (no rule texts, fewer evidence references than its threshold in most cases), and
//! when [`MAX_PENDING_GROUPS`] is reached the groups that never fired and saw nothing within
//! their window are dropped. Such a group that comes back starts counting afresh, so a
//! detection's count can then miss matches from before a long quiet spell.

use std::sync::Arc;

use rsigma_eval::{CompiledRule, DetectionBody, EvaluationResult, ResultBody, RuleHeader};
use rsigma_parser::CorrelationType;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::engine::detect::RuleSet;
use crate::engine::detect::correlate::{Correlator, components};
use crate::engine::detect::counting::{FileClocks, WindowCounter};
use crate::engine::detect::detection::Detection;
use crate::engine::detect::fields::SigmaView;
use crate::engine::detect::keys::{chain_key, fields_key, group_key, pairs_key, value_key};
use crate::engine::detect::matcher::RuleMatcher;
use crate::engine::detect::meta::RuleMeta;
use crate::engine::detect::ruleset::LoadedCorrelation;
use crate::engine::event::Event;

/// Correlation groups followed at once; when reached, groups that never fired and are quiet
/// for longer than their window are dropped, and if that frees too little, new groups are
/// counted and skipped until it does.
pub const MAX_PENDING_GROUPS: usize = 50_000;

/// Distinct values remembered per group for a `value_count` correlation's detail.
const MAX_DISTINCT_VALUES: usize = 10_000;

/// Chained correlations followed at most this deep (as in rsigma).
const MAX_CHAIN_DEPTH: usize = 10;

/// A correlation group's detection, emitted once the correlation has fired. Rule texts and
/// tags are filled in at the end, so a group that never fires costs little.
struct Pending {
    detection: Detection,
    fired: bool,
    last_file: u32,
    distinct: FxHashSet<u64>,
}

impl Pending {
    fn new(event: &Event, view: &SigmaView<'_>, corr: &LoadedCorrelation) -> Self {
        let texts = endpoint_texts(view);
        let mut detection =
            Detection::from_event_with_texts("", "", corr.meta.severity, event, texts);
        detection.techniques = event.techniques.clone();
        Self {
            detection,
            fired: false,
            last_file: event.location.file,
            distinct: FxHashSet::default(),
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
    rule_ref_index: Vec<Vec<usize>>,
    correlation_by_id: FxHashMap<String, usize>,
    counter: WindowCounter,
    correlator: Correlator,
    simple: FxHashMap<(usize, u64), Detection>,
    pending: FxHashMap<(usize, u64), Pending>,
    newest: FileClocks,
    feed_components: Vec<bool>,
    skipped_groups: u64,
    dropped_groups: u64,
    skip_until_len: usize,
    untimed_events: u64,
}

impl SigmaStage {
    /// Compiles per-format matchers, the window counter and rsigma's correlation engines for
    /// the correlations left to it.
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
        let counter = WindowCounter::new(rules, &components(rules));
        let correlator = Correlator::new(rules, &rule_correlations, &|c| counter.counts(c));
        let rule_components = rule_correlations
            .iter()
            .map(|correlations| {
                let mut components: Vec<usize> = correlations
                    .iter()
                    .filter(|&&c| !counter.counts(c))
                    .filter_map(|&c| correlator.component_of(c))
                    .collect();
                components.sort_unstable();
                components.dedup();
                components
            })
            .collect();
        let rule_ref_index = reference_positions(rules, &rule_correlations);

        Self {
            matcher: RuleMatcher::new(rules),
            matched: Vec::new(),
            feed_components: vec![false; correlator.component_count()],
            newest: FileClocks::default(),
            counter,
            correlator,
            rules: rules.clone(),
            rule_components,
            rule_ref_index,
            emits,
            rule_correlations,
            correlation_by_id,
            simple: FxHashMap::default(),
            pending: FxHashMap::default(),
            skipped_groups: 0,
            dropped_groups: 0,
            skip_until_len: 0,
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
                    feed_any |= self.fold_pending(correlation, slot, nth, &view, time_secs);
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
                max_groups = MAX_PENDING_GROUPS,
                "correlation groups over the limit were not followed"
            );
        }
        if self.dropped_groups > 0 {
            tracing::debug!(
                groups = self.dropped_groups,
                "quiet correlation groups that never fired were forgotten"
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
            let Some(corr) = correlations.get(slot) else {
                continue;
            };
            let mut detection = pending.detection;
            label(&mut detection, &corr.meta);
            add_correlation_details(&mut detection, corr, &pending.distinct);
            out.push(detection);
        }
    }

    fn fold_simple(&mut self, slot: usize, view: &SigmaView<'_>) {
        let Some(rule) = self.rules.rules().get(slot) else {
            return;
        };
        let key = fields_key(view, rule.fold_fields.iter().map(String::as_str));
        match self.simple.get_mut(&(slot, key)) {
            Some(detection) => {
                let texts = (|| view.src_text(), || view.dst_text());
                detection.fold_event_with_texts(view.event(), texts.0, texts.1);
            }
            None => {
                let (event, texts) = (view.event(), endpoint_texts(view));
                let mut detection =
                    Detection::from_event_with_texts("", "", rule.meta.severity, event, texts);
                detection.techniques = view.event().techniques.clone();
                label(&mut detection, &rule.meta);
                self.simple.insert((slot, key), detection);
            }
        }
    }

    /// Folds a match into its correlation group and counts it in the group's window; returns
    /// whether rsigma's correlation engine must see the event (and marks its component).
    fn fold_pending(
        &mut self,
        correlation: usize,
        rule_slot: usize,
        nth: usize,
        view: &SigmaView<'_>,
        time_secs: Option<i64>,
    ) -> bool {
        // A reference-count increment, so the rules stay borrowed while `self` changes.
        let rules = self.rules.clone();
        let (Some(corr), Some(rule)) = (
            rules.correlations().get(correlation),
            rules.rules().get(rule_slot),
        ) else {
            return false;
        };
        let mut refs = [rule.meta.id.as_str(), ""];
        if let Some(name) = rule.sigma.name.as_deref() {
            refs[1] = name;
        }
        let group = group_key(view, &corr.compiled.group_by, &refs);
        if let Some(time) = time_secs {
            self.newest.advance(view.event().location.file, time);
        }

        let fired = self.fold_into_group(correlation, group, corr, view);

        let Some(time_secs) = time_secs else {
            self.untimed_events += 1;
            return false;
        };
        if self.counter.counts(correlation) {
            let index = self
                .rule_ref_index
                .get(rule_slot)
                .and_then(|positions| positions.get(nth))
                .copied()
                .unwrap_or(0);
            self.count(correlation, group, index, view, &refs, time_secs, fired);
            return false;
        }

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

    /// Folds the event into the group's pending detection; returns whether the group fired.
    fn fold_into_group(
        &mut self,
        correlation: usize,
        group: u64,
        corr: &LoadedCorrelation,
        view: &SigmaView<'_>,
    ) -> bool {
        let entry = (correlation, group);
        let pending = match self.pending.get_mut(&entry) {
            Some(pending) => {
                let event = view.event();
                let texts = (|| view.src_text(), || view.dst_text());
                pending
                    .detection
                    .fold_event_with_texts(event, texts.0, texts.1);
                pending.last_file = event.location.file;
                pending
            }
            None => {
                if !self.make_room() {
                    self.skipped_groups += 1;
                    return false;
                }
                self.pending
                    .entry(entry)
                    .or_insert_with(|| Pending::new(view.event(), view, corr))
            }
        };
        if let Some(fields) = &corr.compiled.condition.field
            && pending.distinct.len() < MAX_DISTINCT_VALUES
        {
            pending
                .distinct
                .insert(fields_key(view, fields.iter().map(String::as_str)));
        }
        pending.fired
    }

    /// Whether a new group may be followed, forgetting quiet unfired groups when full.
    fn make_room(&mut self) -> bool {
        if self.pending.len() < MAX_PENDING_GROUPS {
            return true;
        }
        if self.pending.len() < self.skip_until_len {
            return false;
        }
        let before = self.pending.len();
        let (rules, newest) = (&self.rules, &self.newest);
        self.pending.retain(|(correlation, _), pending| {
            if pending.fired {
                return true;
            }
            let timespan = rules
                .correlations()
                .get(*correlation)
                .map_or(0, |corr| corr.compiled.timespan_secs);
            let timespan = i64::try_from(timespan).unwrap_or(i64::MAX);
            let last = pending.detection.last_seen.map(|time| time.as_second());
            last.is_some_and(|last| !newest.expired(pending.last_file, last, timespan))
        });
        self.dropped_groups += (before - self.pending.len()) as u64;
        // Sweep again only once a tenth of the room has been taken since.
        self.skip_until_len = self.pending.len() + MAX_PENDING_GROUPS / 10;
        self.pending.len() < MAX_PENDING_GROUPS
    }

    /// Counts a match in the group's window; when the condition holds, marks the group fired
    /// and passes the firing on to the correlations that chain to this one.
    #[allow(clippy::too_many_arguments)]
    fn count(
        &mut self,
        correlation: usize,
        group: u64,
        index: usize,
        view: &SigmaView<'_>,
        refs: &[&str],
        time_secs: i64,
        fired: bool,
    ) {
        let chained = !self.counter.parents(correlation).is_empty();
        if fired && !chained {
            return;
        }
        let value = self
            .rules
            .correlations()
            .get(correlation)
            .and_then(|corr| corr.compiled.condition.field.as_deref())
            .and_then(|fields| value_key(view, fields));
        let at = (view.event().location.file, time_secs);
        if !self.counter.add(correlation, group, index, value, at) {
            return;
        }
        self.fire(correlation, group, view);
        if chained {
            self.chain(correlation, view, refs, time_secs, 1);
        } else {
            self.counter.forget(correlation, group);
        }
    }

    /// Passes a firing of `child` on to the correlations that refer to it.
    fn chain(
        &mut self,
        child: usize,
        view: &SigmaView<'_>,
        refs: &[&str],
        time_secs: i64,
        depth: usize,
    ) {
        if depth > MAX_CHAIN_DEPTH {
            return;
        }
        let parents = self.counter.parents(child).to_vec();
        let rules = self.rules.clone();
        let Some(child_corr) = rules.correlations().get(child) else {
            return;
        };
        for (parent, index) in parents {
            let Some(parent_corr) = rules.correlations().get(parent) else {
                continue;
            };
            let group = chain_key(
                view,
                &child_corr.compiled.group_by,
                &parent_corr.compiled.group_by,
                refs,
            );
            let chained = !self.counter.parents(parent).is_empty();
            let fired = self.pending.get(&(parent, group)).is_some_and(|p| p.fired);
            if fired && !chained {
                continue;
            }
            let at = (view.event().location.file, time_secs);
            if !self.counter.add(parent, group, index, None, at) {
                continue;
            }
            self.fire(parent, group, view);
            if chained {
                self.chain(parent, view, refs, time_secs, depth + 1);
            } else {
                self.counter.forget(parent, group);
            }
        }
    }

    /// Marks a group's detection fired, seeding it from the event if it was not followed.
    fn fire(&mut self, correlation: usize, group: u64, view: &SigmaView<'_>) {
        let Some(corr) = self.rules.correlations().get(correlation) else {
            return;
        };
        let pending = self
            .pending
            .entry((correlation, group))
            .or_insert_with(|| Pending::new(view.event(), view, corr));
        pending.fired = true;
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
            .or_insert_with(|| Pending::new(view.event(), view, corr));
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

/// The view's source and destination texts, owned, for a new detection.
fn endpoint_texts(view: &SigmaView<'_>) -> (Option<String>, Option<String>) {
    (
        view.src_text().map(str::to_owned),
        view.dst_text().map(str::to_owned),
    )
}

/// Gives a detection its rule's identity and ATT&CK tags, ahead of the techniques the sensor
/// attached to its events.
fn label(detection: &mut Detection, meta: &RuleMeta) {
    detection.rule_id.clone_from(&meta.id);
    detection.title.clone_from(&meta.title);
    detection.severity = meta.severity;
    let sensor = std::mem::replace(&mut detection.techniques, meta.techniques.clone());
    for technique in sensor {
        if !detection.techniques.contains(&technique) {
            detection.techniques.push(technique);
        }
    }
    detection.tactics.clone_from(&meta.tactics);
}

/// The correlation's kind and window, and for `value_count` the distinct values seen over all
/// the group's matches (not only those in one window).
fn add_correlation_details(
    detection: &mut Detection,
    corr: &LoadedCorrelation,
    distinct: &FxHashSet<u64>,
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

/// For each detection rule and each correlation it feeds (in [`correlations_per_rule`] order),
/// the rule's position among the correlation's references.
fn reference_positions(rules: &RuleSet, rule_correlations: &[Vec<usize>]) -> Vec<Vec<usize>> {
    rules
        .rules()
        .iter()
        .zip(rule_correlations)
        .map(|(rule, correlations)| {
            let name = rule.sigma.name.as_deref();
            correlations
                .iter()
                .map(|&correlation| {
                    let references = rules
                        .correlations()
                        .get(correlation)
                        .map_or(&[][..], |corr| corr.compiled.rule_refs.as_slice());
                    references
                        .iter()
                        .position(|r| *r == rule.meta.id || Some(r.as_str()) == name)
                        .unwrap_or(0)
                })
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
