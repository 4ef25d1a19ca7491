//! Sliding-window state of one correlation group, updated in O(1) amortized time per event.
//!
//! Each window keeps what its correlation type needs to answer "does the condition hold now?"
//! without walking the window again: a run-length list of event seconds and a running total
//! for `event_count`, the last time each distinct value was seen for `value_count`, and each
//! referenced rule's hit times for `temporal` and `temporal_ordered`. The window covers the
//! `timespan` seconds up to the newest event, as rsigma's sliding window does: entries older
//! than `time - timespan` are dropped when an event arrives.

use std::collections::VecDeque;

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

/// The distinct values within the window, each with the last time it was seen.
#[derive(Debug, Default)]
pub struct ValueWindow {
    values: Vec<(u64, i64)>,
    newest: Option<i64>,
}

impl ValueWindow {
    /// Records `value` (if the event has one) at `time` and returns the number of distinct
    /// values within the window ending there.
    ///
    /// A group holds fewer distinct values than its threshold until it fires, so the list
    /// stays short and a linear search beats hashing.
    pub fn push(&mut self, value: Option<u64>, time: i64, timespan: i64) -> usize {
        let cutoff = time.saturating_sub(timespan);
        self.values.retain(|(_, seen)| *seen >= cutoff);
        self.newest = Some(self.newest.map_or(time, |newest| newest.max(time)));
        let Some(value) = value else {
            return self.values.len();
        };

        match self.values.iter_mut().find(|(known, _)| *known == value) {
            Some((_, seen)) => *seen = (*seen).max(time),
            None => {
                if self.values.len() >= MAX_WINDOW_ENTRIES
                    && let Some(oldest) = self.oldest_index()
                {
                    self.values.swap_remove(oldest);
                }
                self.values.push((value, time));
            }
        }
        self.values.len()
    }

    /// Time of the newest event seen.
    pub fn newest(&self) -> Option<i64> {
        self.newest
    }

    fn oldest_index(&self) -> Option<usize> {
        let indexed = self.values.iter().enumerate();
        indexed
            .min_by_key(|(_, (_, seen))| *seen)
            .map(|(index, _)| index)
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
