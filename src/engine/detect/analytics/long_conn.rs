//! Long connections: a session held open far longer than usual (remote shells, tunnels, C2).
//!
//! Per source, destination and port the analytic counts the connections that lasted at least
//! the threshold and reports the longest and their total duration.

use std::collections::HashMap;

use crate::engine::detect::analytics::config::LongConnectionParams;
use crate::engine::detect::analytics::{Analytic, HostPair, Seen, pair_detection};
use crate::engine::detect::detection::{Detection, MAX_EVIDENCE};
use crate::engine::detect::meta::RuleMeta;
use crate::engine::event::Event;

/// The long connection analytic.
pub struct LongConnection {
    meta: RuleMeta,
    params: LongConnectionParams,
    pairs: HashMap<HostPair, Durations>,
    untracked_events: u64,
}

#[derive(Default)]
struct Durations {
    seen: Seen,
    longest_secs: f64,
    total_secs: f64,
}

impl LongConnection {
    /// An analytic with no pairs yet.
    pub fn new(meta: RuleMeta, params: LongConnectionParams) -> Self {
        Self {
            meta,
            params,
            pairs: HashMap::new(),
            untracked_events: 0,
        }
    }
}

impl Analytic for LongConnection {
    fn observe(&mut self, event: &Event) {
        let Some(duration) = event.duration_secs else {
            return;
        };
        if duration.is_nan() || duration < self.params.min_duration_secs {
            return;
        }
        let Some(pair) = HostPair::of(event) else {
            return;
        };
        if self.pairs.len() >= self.params.max_pairs && !self.pairs.contains_key(&pair) {
            self.untracked_events += 1;
            return;
        }

        let durations = self.pairs.entry(pair).or_default();
        durations.seen.add(event, MAX_EVIDENCE);
        durations.longest_secs = durations.longest_secs.max(duration);
        durations.total_secs += duration;
    }

    fn finish(self: Box<Self>, out: &mut Vec<Detection>) {
        if self.untracked_events > 0 {
            tracing::warn!(
                events = self.untracked_events,
                "long connections: too many host pairs; later pairs were not counted"
            );
        }
        for (pair, durations) in &self.pairs {
            let mut detection = pair_detection(&self.meta, pair, &durations.seen);
            detection.set_detail("longest_secs", format!("{:.0}", durations.longest_secs));
            detection.set_detail("total_secs", format!("{:.0}", durations.total_secs));
            out.push(detection);
        }
    }
}
