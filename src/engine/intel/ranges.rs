//! Address ranges (CIDR blocks) that may overlap or nest, searched by binary search.
//!
//! Ranges are sorted by first address. Next to each range we keep the highest last address of
//! it and every range before it; a lookup finds the last range starting at or below the address
//! and walks back only while that running maximum still reaches the address. Nested blocks cost
//! a few steps; disjoint blocks (the usual feed) cost one.

/// Ranges over one address width (`u32` for IPv4, `u128` for IPv6).
#[derive(Debug, Clone)]
pub struct RangeTable<T> {
    firsts: Vec<T>,
    lasts: Vec<T>,
    reach: Vec<T>,
    indicators: Vec<u32>,
}

impl<T> Default for RangeTable<T> {
    fn default() -> Self {
        Self {
            firsts: Vec::new(),
            lasts: Vec::new(),
            reach: Vec::new(),
            indicators: Vec::new(),
        }
    }
}

impl<T: Copy + Ord> RangeTable<T> {
    /// Builds the table from `(first, last, indicator)` triples in any order.
    pub fn build(mut ranges: Vec<(T, T, u32)>) -> Self {
        ranges.sort_unstable();
        ranges.dedup();
        let mut table = Self::default();
        let mut reach: Option<T> = None;
        for (first, last, indicator) in ranges {
            let running = reach.map_or(last, |reach| reach.max(last));
            reach = Some(running);
            table.firsts.push(first);
            table.lasts.push(last);
            table.reach.push(running);
            table.indicators.push(indicator);
        }
        table
    }

    /// Calls `hit` with the indicator of every range holding `address`.
    pub fn lookup(&self, address: T, mut hit: impl FnMut(u32)) {
        let mut at = self.firsts.partition_point(|first| *first <= address);
        while at > 0 {
            at -= 1;
            if self.reach[at] < address {
                break;
            }
            if self.lasts[at] >= address {
                hit(self.indicators[at]);
            }
        }
    }

    /// Number of ranges.
    pub fn len(&self) -> usize {
        self.firsts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(table: &RangeTable<u32>, address: u32) -> Vec<u32> {
        let mut found = Vec::new();
        table.lookup(address, |indicator| found.push(indicator));
        found.sort_unstable();
        found
    }

    #[test]
    fn finds_nested_and_disjoint_ranges() {
        // 0 covers 10..=100, 1 nests 20..=30, 2 sits after 0 ends: 200..=210.
        let table = RangeTable::build(vec![(200, 210, 2), (10, 100, 0), (20, 30, 1)]);
        assert_eq!(hits(&table, 9), Vec::<u32>::new());
        assert_eq!(hits(&table, 10), [0]);
        assert_eq!(hits(&table, 25), [0, 1]);
        assert_eq!(hits(&table, 31), [0]);
        assert_eq!(hits(&table, 150), Vec::<u32>::new());
        assert_eq!(hits(&table, 210), [2]);
        assert_eq!(hits(&table, 211), Vec::<u32>::new());
    }

    #[test]
    fn a_long_range_is_found_behind_many_short_ones() {
        let mut ranges = vec![(0, 1000, 99)];
        ranges.extend((1..100).map(|n| (n * 10, n * 10 + 1, n)));
        let table = RangeTable::build(ranges);
        assert_eq!(hits(&table, 995), [99]);
        assert_eq!(hits(&table, 500), [50, 99]);
    }
}
