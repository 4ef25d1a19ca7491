//! Beaconing: connections between the same pair at regular intervals with regular sizes.
//!
//! Scored in the manner of RITA. Timing: the inter-arrival times of a pair's connections
//! should be symmetric (Bowley skewness near 0) and tight (median absolute deviation small
//! next to the median interval), and there should be many of them. Size: the bytes the source
//! sends each time should be equally regular and small. Each part is a score from 0 to 1; the
//! timing score is the mean of skew, dispersion and count scores, the size score the mean of
//! skew, dispersion and smallness scores, and the pair's score is the mean of the two (timing
//! only when the log has no sizes).

use std::collections::HashMap;

use crate::engine::detect::analytics::config::BeaconParams;
use crate::engine::detect::analytics::stats::{
    bowley_skewness, median, median_absolute_deviation, sorted,
};
use crate::engine::detect::analytics::{Analytic, HostPair, Seen, pair_detection};
use crate::engine::detect::detection::Detection;
use crate::engine::detect::meta::RuleMeta;
use crate::engine::event::Event;

/// Evidence references kept per pair while counting.
const EVIDENCE_PER_PAIR: usize = 10;

/// Sizes at or above this count as large (the smallness score reaches 0).
const LARGE_SIZE_BYTES: f64 = 65_535.0;

/// The beaconing analytic.
pub struct Beacon {
    meta: RuleMeta,
    params: BeaconParams,
    pairs: HashMap<HostPair, Series>,
    samples: usize,
    untracked_events: u64,
}

#[derive(Default)]
struct Series {
    seen: Seen,
    times_ms: Vec<i64>,
    sizes: Vec<u64>,
}

/// How regular a series is; every score runs from 0 (irregular) to 1 (machine-like).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BeaconScore {
    /// Overall score.
    pub score: f64,
    /// Timing regularity and count.
    pub timing: f64,
    /// Size regularity and smallness, when sizes are known.
    pub size: Option<f64>,
    /// Median time between connections, seconds.
    pub median_interval_secs: f64,
    /// Median absolute deviation of the intervals, seconds.
    pub interval_mad_secs: f64,
}

impl Beacon {
    /// An analytic with no pairs yet.
    pub fn new(meta: RuleMeta, params: BeaconParams) -> Self {
        Self {
            meta,
            params,
            pairs: HashMap::new(),
            samples: 0,
            untracked_events: 0,
        }
    }
}

impl Analytic for Beacon {
    fn observe(&mut self, event: &Event) {
        let Some(pair) = HostPair::of(event) else {
            return;
        };
        let tracked = self.pairs.len() < self.params.max_pairs || self.pairs.contains_key(&pair);
        if !tracked {
            self.untracked_events += 1;
            return;
        }

        let series = self.pairs.entry(pair).or_default();
        series.seen.add(event, EVIDENCE_PER_PAIR);
        let has_room = series.times_ms.len() < self.params.max_samples_per_pair
            && self.samples < self.params.max_total_samples;
        if !has_room {
            return;
        }
        if let Some(time) = event.time {
            series.times_ms.push(time.as_millisecond());
            self.samples += 1;
        }
        if let Some(bytes) = event.bytes_out {
            series.sizes.push(bytes);
        }
    }

    fn finish(self: Box<Self>, out: &mut Vec<Detection>) {
        if self.untracked_events > 0 {
            tracing::warn!(
                events = self.untracked_events,
                max_pairs = self.params.max_pairs,
                "beaconing: too many host pairs; later pairs were not scored"
            );
        }
        for (pair, series) in &self.pairs {
            if series.seen.count < self.params.min_connections as u64 {
                continue;
            }
            let Some(score) = score_series(&series.times_ms, &series.sizes, &self.params) else {
                continue;
            };
            if score.score < self.params.min_score || score.timing < self.params.min_score {
                continue;
            }
            let mut detection = pair_detection(&self.meta, pair, &series.seen);
            add_details(&mut detection, &score, series);
            out.push(detection);
        }
    }
}

fn add_details(detection: &mut Detection, score: &BeaconScore, series: &Series) {
    detection.set_detail("score", format!("{:.3}", score.score));
    detection.set_detail("timing_score", format!("{:.3}", score.timing));
    if let Some(size) = score.size {
        detection.set_detail("size_score", format!("{size:.3}"));
    }
    detection.set_detail("connections", series.seen.count.to_string());
    detection.set_detail(
        "median_interval_secs",
        format!("{:.1}", score.median_interval_secs),
    );
    detection.set_detail(
        "interval_mad_secs",
        format!("{:.1}", score.interval_mad_secs),
    );
    if series.times_ms.len() as u64 != series.seen.count {
        detection.set_detail("scored_samples", series.times_ms.len().to_string());
    }
}

/// Scores a series of connection times (milliseconds, any order) and sizes; `None` when there
/// are too few timed connections to judge.
pub fn score_series(times_ms: &[i64], sizes: &[u64], params: &BeaconParams) -> Option<BeaconScore> {
    let mut times = times_ms.to_vec();
    times.sort_unstable();
    let intervals: Vec<f64> = times
        .windows(2)
        .filter_map(|window| match window {
            [earlier, later] => Some((later - earlier) as f64 / 1000.0),
            _ => None,
        })
        .collect();
    if intervals.len() < 3 {
        return None;
    }

    let intervals = sorted(intervals);
    let median_interval_secs = median(&intervals)?;
    let interval_mad_secs = median_absolute_deviation(&intervals)?;
    let skew_score = 1.0 - bowley_skewness(&intervals)?.abs();
    let dispersion_score = dispersion_score(median_interval_secs, interval_mad_secs);
    let full = params.full_score_connections.max(1) as f64;
    let count_score = (times.len() as f64 / full).min(1.0);
    let timing = (skew_score + dispersion_score + count_score) / 3.0;

    let size = size_score(sizes, params.min_connections);
    let score = size.map_or(timing, |size| (timing + size) / 2.0);
    Some(BeaconScore {
        score,
        timing,
        size,
        median_interval_secs,
        interval_mad_secs,
    })
}

/// 1 when every sample equals the median, falling to 0 as the deviation reaches the median.
fn dispersion_score(center: f64, deviation: f64) -> f64 {
    if center <= f64::EPSILON {
        return if deviation <= f64::EPSILON { 1.0 } else { 0.0 };
    }
    (1.0 - deviation / center).clamp(0.0, 1.0)
}

fn size_score(sizes: &[u64], min_samples: usize) -> Option<f64> {
    if sizes.len() < min_samples.max(3) {
        return None;
    }
    let sizes = sorted(sizes.iter().map(|&bytes| bytes as f64).collect());
    let center = median(&sizes)?;
    let skew_score = 1.0 - bowley_skewness(&sizes)?.abs();
    let dispersion = dispersion_score(center, median_absolute_deviation(&sizes)?);
    let smallness = (1.0 - center / LARGE_SIZE_BYTES).clamp(0.0, 1.0);
    Some((skew_score + dispersion + smallness) / 3.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator, so tests need no randomness crate.
    fn next_unit(state: &mut u64) -> f64 {
        *state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (*state >> 11) as f64 / (1u64 << 53) as f64
    }

    #[test]
    fn regular_series_scores_high() {
        let mut state = 7;
        let mut time_ms = 0i64;
        let mut times = Vec::new();
        for _ in 0..200 {
            time_ms += 300_000 + ((next_unit(&mut state) - 0.5) * 10_000.0) as i64;
            times.push(time_ms);
        }
        let sizes = vec![512; 200];

        let score = score_series(&times, &sizes, &BeaconParams::default());
        let score = score.map(|s| s.score).unwrap_or_default();
        assert!(score > 0.95, "{score}");
    }

    #[test]
    fn random_series_scores_low() {
        let mut state = 11;
        let mut time_ms = 0i64;
        let mut times = Vec::new();
        let mut sizes = Vec::new();
        for _ in 0..200 {
            let gap_secs = -300.0 * (1.0 - next_unit(&mut state)).ln();
            time_ms += (gap_secs * 1000.0) as i64;
            times.push(time_ms);
            sizes.push((next_unit(&mut state) * 200_000.0) as u64);
        }

        let score = score_series(&times, &sizes, &BeaconParams::default());
        let timing = score.map(|s| s.timing).unwrap_or(1.0);
        assert!(timing < 0.75, "{timing}");
    }

    #[test]
    fn too_few_connections_are_not_scored() {
        assert_eq!(
            score_series(&[0, 1000, 2000], &[], &BeaconParams::default()),
            None
        );
    }
}
