//! Correlations counted incrementally in our own sliding windows.
//!
//! rsigma's correlation engine re-walks a group's whole window on every event (and builds a
//! set of the window's values for `value_count`), which made it half of the detection
//! thread's time on a 180 MB mix. Correlations whose answer only grows with more events
//! (`event_count` and `value_count` with `gt`/`gte` conditions, `temporal` and
//! `temporal_ordered`) are counted here instead, with the same sliding-window semantics:
//! rsigma-parser still reads the rules, rsigma-eval still matches the detection rules, and the
//! rule format stays Sigma. Other correlations (value sums, averages, `lt` conditions, session
//! or tumbling windows, temporal condition expressions) stay on rsigma (see
//! [`super::correlate`]); correlations that chain to each other always land on the same side.
//!
//! A group keeps being counted after it fired, so the detection stage can tell which later
//! events still fall in a window where the condition holds (see [`super::sigma`]).
//!
//! Memory: a window holds at most [`super::window::MAX_WINDOW_ENTRIES`] entries. Windows whose newest entry
//! left the window are swept out when the map grows, so memory follows the groups active within
//! a window, not the length of the input. "Left the window" is judged against the newest time
//! of the file the group's last event came from: files read side by side can be years apart,
//! and one file's clock must not expire another's groups.

use rsigma_eval::CompiledCondition;
use rsigma_parser::{ConditionOperator, CorrelationType, WindowMode};
use rustc_hash::FxHashMap;

use crate::engine::detect::RuleSet;
use crate::engine::detect::window::{EventWindow, TemporalWindow, ValueWindow};

/// Windows kept before the first sweep of expired ones.
const FIRST_SWEEP_AT: usize = 10_000;

/// How a counted correlation aggregates its window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Events,
    Values,
    Temporal,
    TemporalOrdered,
}

/// A correlation counted here.
#[derive(Debug, Clone)]
struct Counted {
    kind: Kind,
    timespan: i64,
    condition: CompiledCondition,
    refs: usize,
}

enum Window {
    Events(EventWindow),
    Values(ValueWindow),
    Temporal(TemporalWindow),
}

impl Window {
    fn newest(&self) -> Option<i64> {
        match self {
            Self::Events(window) => window.newest(),
            Self::Values(window) => window.newest(),
            Self::Temporal(window) => window.newest(),
        }
    }
}

/// The windows of every counted correlation and group.
pub struct WindowCounter {
    counted: Vec<Option<Counted>>,
    parents: Vec<Vec<(usize, usize)>>,
    windows: FxHashMap<(usize, u64), (Window, u32)>,
    newest: FileClocks,
    sweep_at: usize,
}

/// The newest event time seen in each input file.
#[derive(Debug, Default)]
pub struct FileClocks {
    newest: Vec<i64>,
}

impl FileClocks {
    /// Notes an event of `file` at `time`.
    pub fn advance(&mut self, file: u32, time: i64) {
        let index = file as usize;
        if self.newest.len() <= index {
            self.newest.resize(index + 1, i64::MIN);
        }
        if let Some(newest) = self.newest.get_mut(index) {
            *newest = (*newest).max(time);
        }
    }

    /// True when `last`, the newest time of something last touched by `file`, is more than
    /// `timespan` seconds behind that file's newest event.
    pub fn expired(&self, file: u32, last: i64, timespan: i64) -> bool {
        let newest = self.newest.get(file as usize).copied().unwrap_or(i64::MIN);
        last < newest.saturating_sub(timespan)
    }
}

impl WindowCounter {
    /// Decides which correlations of `rules` are counted here (`component_of` gives each
    /// correlation's chain component: a component is counted here only as a whole).
    pub fn new(rules: &RuleSet, component_of: &[usize]) -> Self {
        let correlations = rules.correlations();
        let mut counted: Vec<Option<Counted>> = correlations
            .iter()
            .map(|corr| countable(&corr.compiled))
            .collect();
        for slot in 0..counted.len() {
            if counted.get(slot).is_some_and(Option::is_some) {
                continue;
            }
            let component = component_of.get(slot);
            for (other, entry) in counted.iter_mut().enumerate() {
                if component_of.get(other) == component {
                    *entry = None;
                }
            }
        }

        let parents = correlations
            .iter()
            .map(|child| {
                let mut found = Vec::new();
                for (parent, corr) in correlations.iter().enumerate() {
                    let position = corr.compiled.rule_refs.iter().position(|reference| {
                        *reference == child.meta.id
                            || Some(reference.as_str()) == child.rule.name.as_deref()
                    });
                    if let Some(index) = position {
                        found.push((parent, index));
                    }
                }
                found
            })
            .collect();

        Self {
            newest: FileClocks::default(),
            counted,
            parents,
            windows: FxHashMap::default(),
            sweep_at: FIRST_SWEEP_AT,
        }
    }

    /// Whether `correlation` is counted here rather than by rsigma.
    pub fn counts(&self, correlation: usize) -> bool {
        self.counted.get(correlation).is_some_and(Option::is_some)
    }

    /// Whether a match of reference `index` that does not make the condition hold on arrival
    /// can still become evidence. Not for the last rule of a `temporal_ordered` correlation:
    /// its hit completes the sequence or never will (short of an earlier rule's hit arriving
    /// later with an earlier time, as files read one after another can do).
    pub fn may_hold_later(&self, correlation: usize, index: usize) -> bool {
        match self.counted.get(correlation) {
            Some(Some(counted)) if counted.kind == Kind::TemporalOrdered => {
                index + 1 < counted.refs
            }
            _ => true,
        }
    }

    /// The correlations that chain to `correlation`, each with the position of `correlation`
    /// among its references.
    pub fn parents(&self, correlation: usize) -> &[(usize, usize)] {
        self.parents.get(correlation).map_or(&[], Vec::as_slice)
    }

    /// Adds a match of reference `index` (for `value_count`, with its value key) from `file`
    /// to the group's window at `time`; returns whether the correlation's condition holds.
    pub fn add(
        &mut self,
        correlation: usize,
        group: u64,
        index: usize,
        value: Option<u64>,
        (file, time): (u32, i64),
    ) -> bool {
        let Some(Some(counted)) = self.counted.get(correlation) else {
            return false;
        };
        self.newest.advance(file, time);
        let timespan = counted.timespan;
        let (window, last_file) = self.windows.entry((correlation, group)).or_insert_with(|| {
            let window = match counted.kind {
                Kind::Events => Window::Events(EventWindow::default()),
                Kind::Values => Window::Values(ValueWindow::default()),
                Kind::Temporal | Kind::TemporalOrdered => {
                    Window::Temporal(TemporalWindow::new(counted.refs))
                }
            };
            (window, file)
        });
        *last_file = file;

        let aggregate = match window {
            Window::Events(window) => window.push(time, timespan) as f64,
            Window::Values(window) => window.push(value, time, timespan) as f64,
            Window::Temporal(window) => {
                window.push(index, time, timespan);
                match counted.kind {
                    Kind::TemporalOrdered if window.in_order() => counted.refs as f64,
                    Kind::TemporalOrdered => 0.0,
                    _ => window.rules_hit() as f64,
                }
            }
        };
        let holds = counted.condition.check(aggregate);

        if self.windows.len() >= self.sweep_at {
            self.sweep();
        }
        holds
    }

    /// Drops the windows whose newest entry is older than their correlation's window.
    fn sweep(&mut self) {
        let (counted, newest) = (&self.counted, &self.newest);
        self.windows.retain(|(correlation, _), (window, file)| {
            let timespan = counted
                .get(*correlation)
                .and_then(Option::as_ref)
                .map_or(0, |counted| counted.timespan);
            window
                .newest()
                .is_some_and(|last| !newest.expired(*file, last, timespan))
        });
        self.sweep_at = (self.windows.len() * 2).max(FIRST_SWEEP_AT);
    }
}

/// How a correlation is counted here, or `None` when it is left to rsigma.
fn countable(compiled: &rsigma_eval::CompiledCorrelation) -> Option<Counted> {
    let kind = match compiled.correlation_type {
        CorrelationType::EventCount => Kind::Events,
        CorrelationType::ValueCount => Kind::Values,
        CorrelationType::Temporal => Kind::Temporal,
        CorrelationType::TemporalOrdered => Kind::TemporalOrdered,
        _ => return None,
    };
    let growing =
        compiled.condition.predicates.iter().all(|(operator, _)| {
            matches!(operator, ConditionOperator::Gt | ConditionOperator::Gte)
        });
    let plain = compiled.window_mode == WindowMode::Sliding
        && compiled.extended_expr.is_none()
        && compiled.suppress_secs.is_none()
        && compiled.action.is_none();
    if !growing || !plain || (kind == Kind::Values && compiled.condition.field.is_none()) {
        return None;
    }
    Some(Counted {
        kind,
        timespan: i64::try_from(compiled.timespan_secs).unwrap_or(i64::MAX),
        condition: compiled.condition.clone(),
        refs: compiled.rule_refs.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_clocks_judge_each_file_by_its_own_time() {
        let mut clocks = FileClocks::default();
        clocks.advance(0, 1_000);
        clocks.advance(1, 90_000);
        // File 0's newest event is at 1,000: a group last seen at 500 is within 600 s of it,
        // even though file 1 is a day ahead.
        assert!(!clocks.expired(0, 500, 600));
        assert!(clocks.expired(0, 300, 600));
        assert!(clocks.expired(1, 500, 600));
        // A file never seen expires nothing.
        assert!(!clocks.expired(7, 0, 600));
    }
}
