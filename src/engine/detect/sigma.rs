//! Running Sigma detection and correlation rules over the event stream, folding their matches.
//!
//! Each event is matched only against the compiled rules of its format's log source (see
//! [`super::matcher`]), through a borrowed [`SigmaView`]. A match of a simple rule is
//! folded into one detection per rule and fold key (by default source, destination, port and
//! user; a rule may name its own with `threatlens-fold`). A match of a rule that correlations
//! refer to is folded into each correlation's pending detection for its group, and counted with
//! the event's own time in the group's sliding window (see [`super::counting`]; the kinds of
//! correlation not counted there go to rsigma's correlation engines, see
//! [`super::correlate`]).
//!
//! A group's detection holds only the matches that were inside a firing window: when the
//! condition starts to hold, the matches still within the window are folded in; while it keeps
//! holding, every further match is folded as it comes; a match that arrives while it does not
//! hold waits, and is folded only if the condition holds again before the match leaves the
//! window. Repeated firings of one group extend its one detection. Matches of the group that
//! fall in no firing window (an admin's daily logins hours before a brute force) are not
//! evidence. For correlations left to rsigma, which is not asked again once a group fired,
//! "keeps holding" is judged as "arrives within the window after the last folded match".
//!
//! Memory follows the groups, not the events: a group keeps its waiting matches only while
//! they are within its window, and at most `MAX_WAITING` of them or its threshold (an
//! `event_count` group never has more than its threshold waiting). When [`MAX_PENDING_GROUPS`] is reached, the groups that never fired and
//! saw nothing within their window are dropped.

use std::collections::VecDeque;
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
use crate::engine::detect::waiting::WaitingMatch;
use crate::engine::detect::window::MAX_WINDOW_ENTRIES;
use crate::engine::event::Event;

/// Correlation groups followed at once; when reached, groups that never fired and are quiet
/// for longer than their window are dropped, and if that frees too little, new groups are
/// counted and skipped until it does.
pub const MAX_PENDING_GROUPS: usize = 50_000;

/// Matches a group keeps waiting for its condition to hold, unless its threshold is higher
/// (an `event_count` group never waits for more than its threshold); past this the oldest are
/// dropped, so a `value_count` group flooded with repeats of too few values can under-count.
const MAX_WAITING: usize = 64;

/// Distinct values remembered per group for a `value_count` correlation's detail.
const MAX_DISTINCT_VALUES: usize = 10_000;

/// Chained correlations followed at most this deep (as in rsigma).
const MAX_CHAIN_DEPTH: usize = 10;

/// A correlation group: its detection once the correlation has fired, and the matches waiting
/// in its window for the condition to hold. Rule texts and tags are filled in at the end.
struct Pending {
    detection: Option<Detection>,
    waiting: VecDeque<WaitingMatch>,
    last_file: u32,
    newest: i64,
    holds_until: i64,
    distinct: FxHashSet<u64>,
}

impl Pending {
    fn new(file: u32) -> Self {
        Self {
            detection: None,
            waiting: VecDeque::new(),
            last_file: file,
            newest: i64::MIN,
            holds_until: i64::MIN,
            distinct: FxHashSet::default(),
        }
    }

    fn fired(&self) -> bool {
        self.detection.is_some()
    }

    /// Drops the waiting matches older than `cutoff`, oldest first (matches wait in arrival
    /// order; one arriving out of time order leaves with its neighbours).
    fn evict(&mut self, cutoff: i64) {
        while self
            .waiting
            .front()
            .is_some_and(|waiting| waiting.time_secs < cutoff)
        {
            self.waiting.pop_front();
        }
    }

    /// Keeps a match until the condition holds or it leaves the window.
    fn wait(&mut self, time: i64, view: &SigmaView<'_>, corr: &LoadedCorrelation) {
        let value = distinct_key(view, corr);
        self.waiting
            .push_back(WaitingMatch::new(view.event(), time, value));
        while self.waiting.len() > waiting_room(corr) {
            self.waiting.pop_front();
        }
    }

    /// Folds every waiting match from `cutoff` on into the detection (the condition holds).
    fn release(&mut self, cutoff: i64, corr: &LoadedCorrelation) {
        while let Some(waiting) = self.waiting.pop_front() {
            if waiting.time_secs >= cutoff {
                let value = waiting.value;
                let event = waiting.into_event();
                self.fold(&SigmaView::new(&event), corr, value);
            }
        }
    }

    /// Folds one match (with its `value_count` value key) into the detection, starting it if
    /// needed.
    fn fold(&mut self, view: &SigmaView<'_>, corr: &LoadedCorrelation, value: Option<u64>) {
        let event = view.event();
        match &mut self.detection {
            Some(detection) => {
                let texts = (|| view.src_text(), || view.dst_text());
                detection.fold_event_with_texts(event, texts.0, texts.1);
            }
            None => {
                let texts = endpoint_texts(view);
                let mut detection =
                    Detection::from_event_with_texts("", "", corr.meta.severity, event, texts);
                detection.techniques = event.techniques.clone();
                self.detection = Some(detection);
            }
        }
        if let Some(value) = value
            && self.distinct.len() < MAX_DISTINCT_VALUES
        {
            self.distinct.insert(value);
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
            let (Some(mut detection), Some(corr)) = (pending.detection, correlations.get(slot))
            else {
                continue;
            };
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
        let Some(time_secs) = time_secs else {
            self.untimed_events += 1;
            return false;
        };
        let group = group_key(view, &corr.compiled.group_by, &refs);
        let file = view.event().location.file;
        self.newest.advance(file, time_secs);
        if !self.follow(correlation, group, file, time_secs) {
            self.skipped_groups += 1;
            return false;
        }

        if self.counter.counts(correlation) {
            let index = self
                .rule_ref_index
                .get(rule_slot)
                .and_then(|positions| positions.get(nth))
                .copied()
                .unwrap_or(0);
            let holds = self.count(correlation, group, index, view, &refs, time_secs);
            if holds || self.counter.may_hold_later(correlation, index) {
                self.place(correlation, group, view, time_secs, holds);
            }
            return false;
        }

        // rsigma is not asked again while a fired group keeps matching within its window.
        let timespan = timespan_of(corr);
        let holding = self
            .pending
            .get(&(correlation, group))
            .is_some_and(|pending| pending.fired() && time_secs <= pending.holds_until);
        self.place(correlation, group, view, time_secs, holding);
        if holding && let Some(pending) = self.pending.get_mut(&(correlation, group)) {
            pending.holds_until = time_secs.saturating_add(timespan);
        }
        let needed = self
            .correlator
            .needs_event(correlation, group, holding, view, time_secs);
        if needed
            && let Some(component) = self.correlator.component_of(correlation)
            && let Some(flag) = self.feed_components.get_mut(component)
        {
            *flag = true;
        }
        needed
    }

    /// Makes sure the group is followed (returns false when there is no room for it) and notes
    /// the file and time of its newest match.
    fn follow(&mut self, correlation: usize, group: u64, file: u32, time: i64) -> bool {
        if !self.pending.contains_key(&(correlation, group)) && !self.make_room() {
            return false;
        }
        let pending = self
            .pending
            .entry((correlation, group))
            .or_insert_with(|| Pending::new(file));
        pending.last_file = file;
        pending.newest = pending.newest.max(time);
        true
    }

    /// Folds a match into the group's detection when the condition `holds` (with the matches
    /// still waiting within the window), or keeps it waiting.
    fn place(
        &mut self,
        correlation: usize,
        group: u64,
        view: &SigmaView<'_>,
        time: i64,
        holds: bool,
    ) {
        let Some(corr) = self.rules.correlations().get(correlation) else {
            return;
        };
        let Some(pending) = self.pending.get_mut(&(correlation, group)) else {
            return;
        };
        let cutoff = time.saturating_sub(timespan_of(corr));
        pending.evict(cutoff);
        if holds {
            pending.release(cutoff, corr);
            pending.fold(view, corr, distinct_key(view, corr));
        } else {
            pending.wait(time, view, corr);
        }
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
            if pending.fired() {
                return true;
            }
            let timespan = rules
                .correlations()
                .get(*correlation)
                .map_or(0, |corr| corr.compiled.timespan_secs);
            let timespan = i64::try_from(timespan).unwrap_or(i64::MAX);
            !newest.expired(pending.last_file, pending.newest, timespan)
        });
        self.dropped_groups += (before - self.pending.len()) as u64;
        // Sweep again only once a tenth of the room has been taken since.
        self.skip_until_len = self.pending.len() + MAX_PENDING_GROUPS / 10;
        self.pending.len() < MAX_PENDING_GROUPS
    }

    /// Counts a match in the group's window; when the condition holds, passes the firing on
    /// to the correlations that chain to this one. Returns whether the condition holds.
    fn count(
        &mut self,
        correlation: usize,
        group: u64,
        index: usize,
        view: &SigmaView<'_>,
        refs: &[&str],
        time_secs: i64,
    ) -> bool {
        let value = self
            .rules
            .correlations()
            .get(correlation)
            .and_then(|corr| corr.compiled.condition.field.as_deref())
            .and_then(|fields| value_key(view, fields));
        let at = (view.event().location.file, time_secs);
        if !self.counter.add(correlation, group, index, value, at) {
            return false;
        }
        if !self.counter.parents(correlation).is_empty() {
            self.chain(correlation, view, refs, time_secs, 1);
        }
        true
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
            let at = (view.event().location.file, time_secs);
            if !self.counter.add(parent, group, index, None, at) {
                continue;
            }
            self.fire(parent, group, view, time_secs);
            if !self.counter.parents(parent).is_empty() {
                self.chain(parent, view, refs, time_secs, depth + 1);
            }
        }
    }

    /// The group's condition holds at `time` through a chained correlation or rsigma: folds the
    /// matches waiting within the window, or, when none wait, the event that made it hold.
    fn fire(&mut self, correlation: usize, group: u64, view: &SigmaView<'_>, time: i64) {
        let Some(corr) = self.rules.correlations().get(correlation) else {
            return;
        };
        let file = view.event().location.file;
        let pending = self
            .pending
            .entry((correlation, group))
            .or_insert_with(|| Pending::new(file));
        let timespan = timespan_of(corr);
        let cutoff = time.saturating_sub(timespan);
        pending.evict(cutoff);
        pending.holds_until = time.saturating_add(timespan);
        if pending.waiting.is_empty() {
            if !pending.fired() {
                pending.fold(view, corr, distinct_key(view, corr));
            }
        } else {
            pending.release(cutoff, corr);
        }
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
                self.mark_fired(result, view, time_secs);
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

    fn mark_fired(&mut self, result: &EvaluationResult, view: &SigmaView<'_>, time: i64) {
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
        self.fire(slot, key, view, time);
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

/// The correlation's kind and window, and for `value_count` the distinct values among the
/// group's folded matches (over all its firing windows, not only one).
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

/// How many matches a group of `corr` keeps waiting: [`MAX_WAITING`], or the threshold when
/// higher (at most [`MAX_WINDOW_ENTRIES`]).
fn waiting_room(corr: &LoadedCorrelation) -> usize {
    let threshold = corr
        .compiled
        .condition
        .predicates
        .iter()
        .map(|(_, value)| value.ceil())
        .fold(0.0_f64, f64::max);
    (threshold as usize).clamp(MAX_WAITING, MAX_WINDOW_ENTRIES)
}

/// The key of the event's values for a `value_count` correlation's field, for its detail.
fn distinct_key(view: &SigmaView<'_>, corr: &LoadedCorrelation) -> Option<u64> {
    let fields = corr.compiled.condition.field.as_ref()?;
    Some(fields_key(view, fields.iter().map(String::as_str)))
}

/// The correlation's window in seconds.
fn timespan_of(corr: &LoadedCorrelation) -> i64 {
    i64::try_from(corr.compiled.timespan_secs).unwrap_or(i64::MAX)
}

fn generates(rules: &RuleSet, correlation: usize) -> bool {
    rules
        .correlations()
        .get(correlation)
        .is_some_and(|corr| corr.rule.generate)
}
