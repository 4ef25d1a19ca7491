//! Feeding rsigma's correlation engines only the events that can change their answer.
//!
//! Only the correlations [`super::counting`] does not count itself reach rsigma (value sums,
//! averages, `lt` conditions, tumbling or session windows...); for the bundled rules that is
//! none of them.
//!
//! Correlations are split into components: a correlation together with the correlations it
//! chains to (a `temporal_ordered` over a brute-force correlation, say). Each component has its
//! own rsigma [`CorrelationEngine`], so an event is handed only to the components that need it.
//!
//! A correlation only has to fire once per group: after that the [`super::sigma`] stage folds
//! the group's later matches itself while they keep arriving within the window, and feeds
//! rsigma again only after a longer gap. So an event is not fed to a correlation whose group
//! is in that state, and, for `value_count`, not when the same value
//! was fed for the group within the last quarter of the window (a repeat cannot raise the
//! distinct count). Without this, rsigma recounts a group's window on every event, which is
//! quadratic in a flood from one source.
//!
//! One exception: a correlation that another correlation chains to must keep firing so the
//! parent sees it within the parent's window. After its group fired it is fed the first
//! `threshold` events of every half window (a group's events are bucketed by
//! `time / (timespan / 2)`), which keeps it firing while the source keeps up the rate the rule
//! asks for, while a flood costs at most `threshold` feeds per half window.

use rustc_hash::FxHashMap as HashMap;

use rsigma_eval::{CorrelationConfig, CorrelationEngine, EvaluationResult};
use rsigma_parser::CorrelationType;

use crate::engine::detect::RuleSet;
use crate::engine::detect::fields::SigmaView;
use crate::engine::detect::keys::fields_key;
use crate::engine::detect::ruleset::LoadedCorrelation;

/// Window entries rsigma keeps per correlation group (bounds memory under floods).
const MAX_GROUP_ENTRIES: usize = 10_000;

/// Remembered (correlation, group, value) feeds; the memory is forgotten when it grows past
/// this, which only costs repeated feeds.
const MAX_REMEMBERED_VALUES: usize = 200_000;

struct Component {
    engine: CorrelationEngine,
}

/// The correlation engines and the feeding policy.
pub struct Correlator {
    components: Vec<Component>,
    component_of: Vec<usize>,
    value_fields: Vec<Option<Vec<String>>>,
    refeed_secs: Vec<i64>,
    chained_budget: Vec<Option<Budget>>,
    last_fed: HashMap<(usize, u64, u64), i64>,
    spent: HashMap<(usize, u64), (i64, u64)>,
}

/// How many feeds a fired, chained correlation gets per bucket of time.
#[derive(Debug, Clone, Copy)]
struct Budget {
    bucket_secs: i64,
    feeds: u64,
}

impl Correlator {
    /// Builds one engine per component of `rules`' correlations, loading the correlations
    /// `handled_elsewhere` leaves to it.
    pub fn new(
        rules: &RuleSet,
        rule_correlations: &[Vec<usize>],
        handled_elsewhere: &dyn Fn(usize) -> bool,
    ) -> Self {
        let component_of = components(rules);
        let count = component_of.iter().copied().max().map_or(0, |max| max + 1);
        let mut components: Vec<Component> = (0..count)
            .map(|_| Component {
                engine: CorrelationEngine::new(CorrelationConfig {
                    max_group_entries: Some(MAX_GROUP_ENTRIES),
                    ..CorrelationConfig::default()
                }),
            })
            .collect();

        let kept: Vec<Vec<usize>> = rule_correlations
            .iter()
            .map(|correlations| {
                let mut kept = correlations.clone();
                kept.retain(|&correlation| !handled_elsewhere(correlation));
                kept
            })
            .collect();
        add_rules(rules, &kept, &component_of, &mut components);
        for (slot, corr) in rules.correlations().iter().enumerate() {
            if handled_elsewhere(slot) {
                continue;
            }
            let Some(component) = component_of.get(slot).and_then(|&c| components.get_mut(c))
            else {
                continue;
            };
            if let Err(error) = component.engine.add_correlation(&corr.rule) {
                tracing::warn!(rule = corr.meta.title, %error, "correlation not loaded");
            }
        }

        let value_fields = rules
            .correlations()
            .iter()
            .map(|corr| match corr.rule.correlation_type {
                CorrelationType::ValueCount => corr.compiled.condition.field.clone(),
                _ => None,
            })
            .collect();
        let refeed_secs = rules
            .correlations()
            .iter()
            .map(|corr| i64::try_from(corr.compiled.timespan_secs / 4).unwrap_or(i64::MAX))
            .collect();

        let chained_budget = rules
            .correlations()
            .iter()
            .map(|corr| {
                let referenced = rules.correlations().iter().any(|other| {
                    other.rule.rules.iter().any(|r| {
                        *r == corr.meta.id || Some(r.as_str()) == corr.rule.name.as_deref()
                    })
                });
                referenced.then(|| budget(corr))
            })
            .collect();

        Self {
            components,
            component_of,
            value_fields,
            refeed_secs,
            chained_budget,
            last_fed: HashMap::default(),
            spent: HashMap::default(),
        }
    }

    /// The component a correlation belongs to.
    pub fn component_of(&self, correlation: usize) -> Option<usize> {
        self.component_of.get(correlation).copied()
    }

    /// Number of components.
    pub fn component_count(&self) -> usize {
        self.components.len()
    }

    /// Whether the event must reach `correlation` for `group`, given whether the group fired.
    pub fn needs_event(
        &mut self,
        correlation: usize,
        group: u64,
        fired: bool,
        view: &SigmaView<'_>,
        time_secs: i64,
    ) -> bool {
        if fired {
            let Some(Some(budget)) = self.chained_budget.get(correlation).copied() else {
                return false;
            };
            return self.within_budget(correlation, group, budget, time_secs);
        }
        let Some(Some(fields)) = self.value_fields.get(correlation) else {
            return true;
        };
        let value = fields_key(view, fields.iter().map(String::as_str));
        let refeed = self.refeed_secs.get(correlation).copied().unwrap_or(0);
        self.spaced(correlation, group, value, refeed, time_secs)
    }

    /// True while the group's bucket still has feeds left; counts the feed.
    fn within_budget(
        &mut self,
        correlation: usize,
        group: u64,
        budget: Budget,
        time_secs: i64,
    ) -> bool {
        if self.spent.len() >= MAX_REMEMBERED_VALUES {
            self.spent.clear();
        }
        let bucket = time_secs.div_euclid(budget.bucket_secs);
        let spent = self
            .spent
            .entry((correlation, group))
            .or_insert((bucket, 0));
        if spent.0 != bucket {
            *spent = (bucket, 0);
        }
        if spent.1 >= budget.feeds {
            return false;
        }
        spent.1 += 1;
        true
    }

    /// True when nothing was fed for this key within `spacing_secs`; records the feed.
    fn spaced(
        &mut self,
        correlation: usize,
        group: u64,
        value: u64,
        spacing_secs: i64,
        time_secs: i64,
    ) -> bool {
        if self.last_fed.len() >= MAX_REMEMBERED_VALUES {
            self.last_fed.clear();
        }
        let last = self
            .last_fed
            .entry((correlation, group, value))
            .or_insert(i64::MIN);
        if *last != i64::MIN && time_secs.saturating_sub(*last) < spacing_secs {
            return false;
        }
        *last = time_secs;
        true
    }

    /// Hands the event and its matches to one component; returns what fired.
    pub fn feed(
        &mut self,
        component: usize,
        view: &SigmaView<'_>,
        matches: Vec<EvaluationResult>,
        time_secs: i64,
    ) -> Vec<EvaluationResult> {
        let Some(component) = self.components.get_mut(component) else {
            return Vec::new();
        };
        let results = component
            .engine
            .process_with_detections(view, matches, time_secs);
        results.into_iter().filter(|r| r.is_correlation()).collect()
    }
}

/// The feeds per half window that keep a fired, chained correlation firing.
fn budget(corr: &LoadedCorrelation) -> Budget {
    let threshold = corr
        .compiled
        .condition
        .predicates
        .iter()
        .map(|(_, value)| *value)
        .fold(1.0_f64, f64::max);
    let half_window = i64::try_from(corr.compiled.timespan_secs / 2).unwrap_or(i64::MAX);
    Budget {
        bucket_secs: half_window.max(1),
        feeds: threshold.ceil() as u64,
    }
}

/// Component number per correlation: correlations that refer to each other share one.
pub fn components(rules: &RuleSet) -> Vec<usize> {
    let correlations = rules.correlations();
    let mut parent: Vec<usize> = (0..correlations.len()).collect();

    for (slot, corr) in correlations.iter().enumerate() {
        for reference in &corr.rule.rules {
            let target = correlations.iter().position(|other| {
                other.meta.id == *reference || other.rule.name.as_deref() == Some(reference)
            });
            if let Some(target) = target {
                let (a, b) = (root(&parent, slot), root(&parent, target));
                if let Some(entry) = parent.get_mut(a) {
                    *entry = b;
                }
            }
        }
    }

    let mut numbers: HashMap<usize, usize> = HashMap::default();
    (0..correlations.len())
        .map(|slot| {
            let next = numbers.len();
            *numbers.entry(root(&parent, slot)).or_insert(next)
        })
        .collect()
}

fn root(parent: &[usize], mut node: usize) -> usize {
    while let Some(&up) = parent.get(node) {
        if up == node {
            break;
        }
        node = up;
    }
    node
}

/// Adds each detection rule to the engines of the components whose correlations refer to it.
fn add_rules(
    rules: &RuleSet,
    rule_correlations: &[Vec<usize>],
    component_of: &[usize],
    components: &mut [Component],
) {
    for (rule, correlations) in rules.rules().iter().zip(rule_correlations) {
        let mut added: Vec<usize> = Vec::new();
        for correlation in correlations {
            let Some(&component) = component_of.get(*correlation) else {
                continue;
            };
            if added.contains(&component) {
                continue;
            }
            added.push(component);
            if let Some(target) = components.get_mut(component)
                && let Err(error) = target.engine.add_rule(&rule.sigma)
            {
                tracing::warn!(rule = rule.meta.title, %error, "rule left out of correlations");
            }
        }
    }
}
