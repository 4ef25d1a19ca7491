//! Sliding-window state of one correlation group, updated in O(1) amortized time per event.
//!
//! Each window keeps what its correlation type needs to answer "does the condition hold now?"
//! without walking the window again: a run-length list of event seconds and a running total
//! for `event_count`, the last sighting of each distinct value (with the sightings in arrival
//! order) for `value_count`, and each referenced rule's hit times for `temporal` and `temporal_ordered`. The window covers the
//! `timespan` seconds up to the newest event, as rsigma's sliding window does: entries older
//! than `time - timespan` are dropped when an event arrives.

use std::collections::VecDeque;

use rustc_hash::FxHashMap;

/// Entries a window keeps at most; past this the oldest are dropped, which can only
/// under-count (the same bound rsigma applied per group).
pub const MAX_WINDOW_ENTRIES: usize = 10_000;

/// Event counts per second within the window, with their running total.
#[derive(Debug, Default)]
pub struct EventWindow {
    seconds: VecDeque<(i64, u64)>,
    total: u64,
}

impl EventWindow {
    /// Counts an event at `time` and returns the count within the window ending there.
    pub fn push(&mut self, time: i64, timespan: i64) -> u64 {
        self.evict(time.saturating_sub(timespan));
        match self.seconds.back_mut() {
            Some((second, count)) if *second == time => *count += 1,
            _ => self.seconds.push_back((time, 1)),
        }
        self.total += 1;
        while self.seconds.len() > MAX_WINDOW_ENTRIES {
            if let Some((_, count)) = self.seconds.pop_front() {
                self.total -= count;
            }
        }
        self.total
    }

    /// Time of the newest event kept.
    pub fn newest(&self) -> Option<i64> {
        self.seconds.back().map(|(second, _)| *second)
    }

    fn evict(&mut self, cutoff: i64) {
        while let Some(&(second, count)) = self.seconds.front() {
            if second >= cutoff {
                break;
            }
            self.seconds.pop_front();
            self.total -= count;
        }
    }
}

/// The distinct values within the window, each with the last time it was seen, and the
/// sightings in arrival order so that values leave the window without a search.
#[derive(Debug, Default)]
pub struct ValueWindow {
    sightings: VecDeque<(i64, u64)>,
    last_seen: FxHashMap<u64, i64>,
    newest: Option<i64>,
}

/// Sightings kept beyond twice the distinct values before they are rebuilt from the values.
const SIGHTING_SLACK: usize = 64;

impl ValueWindow {
    /// Records `value` (if the event has one) at `time` and returns the number of distinct
    /// values within the window ending there.
    ///
    /// A value leaves when its last sighting leaves the window; older sightings of it are
    /// skipped. Sightings are rebuilt from the values when they outnumber them twice over, so
    /// memory follows the distinct values (fewer than the threshold until a group fires), and
    /// the work per event stays constant amortized (logarithmic for the rebuild's sort).
    pub fn push(&mut self, value: Option<u64>, time: i64, timespan: i64) -> usize {
        let cutoff = time.saturating_sub(timespan);
        while self
            .sightings
            .front()
            .is_some_and(|(seen, _)| *seen < cutoff)
        {
            self.pop_oldest();
        }
        self.newest = Some(self.newest.map_or(time, |newest| newest.max(time)));
        let Some(value) = value else {
            return self.last_seen.len();
        };

        let seen = self.last_seen.entry(value).or_insert(i64::MIN);
        if time > *seen {
            *seen = time;
            self.sightings.push_back((time, value));
        }
        while self.last_seen.len() > MAX_WINDOW_ENTRIES {
            self.pop_oldest();
        }
        if self.sightings.len() > 2 * self.last_seen.len() + SIGHTING_SLACK {
            self.rebuild();
        }
        self.last_seen.len()
    }

    /// Time of the newest event seen.
    pub fn newest(&self) -> Option<i64> {
        self.newest
    }

    /// Drops the oldest sighting, and its value when that was the value's last sighting.
    fn pop_oldest(&mut self) {
        let Some((time, value)) = self.sightings.pop_front() else {
            return;
        };
        if self.last_seen.get(&value) == Some(&time) {
            self.last_seen.remove(&value);
        }
    }

    /// Keeps only each value's last sighting, oldest first.
    fn rebuild(&mut self) {
        let mut sightings: Vec<(i64, u64)> = self
            .last_seen
            .iter()
            .map(|(&value, &time)| (time, value))
            .collect();
        sightings.sort_unstable();
        self.sightings = sightings.into();
    }
}

/// Hit times of each rule a temporal correlation refers to, in arrival order.
#[derive(Debug)]
pub struct TemporalWindow {
    hits: Vec<VecDeque<i64>>,
}

impl TemporalWindow {
    /// An empty window over `refs` referenced rules.
    pub fn new(refs: usize) -> Self {
        Self {
            hits: vec![VecDeque::new(); refs],
        }
    }

    /// Records a hit of reference `index` at `time`, dropping hits older than the window.
    pub fn push(&mut self, index: usize, time: i64, timespan: i64) {
        let cutoff = time.saturating_sub(timespan);
        for hits in &mut self.hits {
            while hits.front().is_some_and(|&hit| hit < cutoff) {
                hits.pop_front();
            }
        }
        let Some(hits) = self.hits.get_mut(index) else {
            return;
        };
        if hits.back() != Some(&time) {
            hits.push_back(time);
        }
        if hits.len() > MAX_WINDOW_ENTRIES {
            hits.pop_front();
        }
    }

    /// How many referenced rules have a hit in the window.
    pub fn rules_hit(&self) -> usize {
        self.hits.iter().filter(|hits| !hits.is_empty()).count()
    }

    /// True when the rules have hits in their listed order: one hit per rule, each no earlier
    /// than the previous rule's. Taking the earliest usable hit of each rule in turn finds
    /// such a sequence whenever one exists.
    pub fn in_order(&self) -> bool {
        let mut previous = i64::MIN;
        for hits in &self.hits {
            let usable = hits.iter().copied().filter(|&hit| hit >= previous).min();
            match usable {
                Some(hit) => previous = hit,
                None => return false,
            }
        }
        true
    }

    /// Time of the newest hit kept.
    pub fn newest(&self) -> Option<i64> {
        self.hits
            .iter()
            .filter_map(|hits| hits.back().copied())
            .max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_window_slides() {
        let mut window = EventWindow::default();
        // Times 0, 0, 100, 300, 601 with a 600 s window: at 601 the two events at 0 left.
        assert_eq!(window.push(0, 600), 1);
        assert_eq!(window.push(0, 600), 2);
        assert_eq!(window.push(100, 600), 3);
        assert_eq!(window.push(300, 600), 4);
        assert_eq!(window.push(601, 600), 3);
        // An event exactly `timespan` after another still sees it (cutoff is inclusive).
        assert_eq!(window.push(700, 600), 4);
        assert_eq!(window.newest(), Some(700));
    }

    #[test]
    fn value_window_counts_distinct_values_in_the_window() {
        let mut window = ValueWindow::default();
        assert_eq!(window.push(Some(1), 0, 3600), 1);
        assert_eq!(window.push(Some(1), 10, 3600), 1);
        assert_eq!(window.push(Some(2), 20, 3600), 2);
        assert_eq!(window.push(None, 30, 3600), 2);
        // At 3615 the value 1 (last seen at 10) left the window; 2 (seen at 20) stays.
        assert_eq!(window.push(Some(3), 3615, 3600), 2);
        assert_eq!(window.push(Some(1), 3616, 3600), 3);
    }

    #[test]
    fn value_window_keeps_a_repeated_value_until_its_last_sighting_leaves() {
        let mut window = ValueWindow::default();
        assert_eq!(window.push(Some(7), 0, 600), 1);
        assert_eq!(window.push(Some(7), 0, 600), 1);
        assert_eq!(window.push(Some(7), 500, 600), 1);
        assert_eq!(window.push(Some(8), 550, 600), 2);
        // At 700 the two sightings at 0 left; the one at 500 keeps 7 in the window.
        assert_eq!(window.push(Some(9), 700, 600), 3);
        // At 1101 the sighting at 500 left too.
        assert_eq!(window.push(None, 1_101, 600), 2);
        assert_eq!(window.newest(), Some(1_101));
    }

    #[test]
    fn value_window_memory_follows_the_distinct_values() {
        let mut window = ValueWindow::default();
        for time in 0..10_000 {
            let expected = (time as usize + 1).min(3);
            assert_eq!(window.push(Some(time as u64 % 3), time, 3600), expected);
        }
        assert!(window.sightings.len() <= 2 * 3 + SIGHTING_SLACK);
        // The rebuilds kept each value's last sighting: at 13,598 the value seen last at 9,997
        // (9,997 % 3 = 1) is still in the window, the other two (9,998 and 9,999) too.
        assert_eq!(window.push(None, 13_597, 3600), 3);
        assert_eq!(window.push(None, 13_598, 3600), 2);
    }

    #[test]
    fn temporal_window_checks_order_within_the_window() {
        let mut window = TemporalWindow::new(2);
        window.push(1, 50, 3600);
        assert_eq!(window.rules_hit(), 1);
        assert!(!window.in_order());
        window.push(0, 100, 3600);
        assert_eq!(window.rules_hit(), 2);
        assert!(!window.in_order(), "the second rule hit before the first");
        window.push(1, 200, 3600);
        assert!(window.in_order());
        // Far later, only the newest hit is in the window.
        window.push(1, 10_000, 3600);
        assert_eq!(window.rules_hit(), 1);
        assert!(!window.in_order());
    }
}
