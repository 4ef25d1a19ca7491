//! The compiled intelligence: every loaded indicator and the lookup tables its values went into.
//!
//! Exact addresses, domains, URLs, hashes and e-mail addresses live in hash maps; CIDR ranges in
//! [`RangeTable`]s. A domain lookup walks the name's suffixes (`a.b.evil.example`, then
//! `b.evil.example`, `evil.example`, `example`), so an indicator for a domain matches its
//! subdomains. Each lookup costs a few hash probes whatever the number of indicators.

use std::net::IpAddr;

use rustc_hash::FxHashMap;

use crate::engine::intel::indicator::{Indicator, Observable};
use crate::engine::intel::ranges::RangeTable;

/// Indicators that share one value: almost always one.
#[derive(Debug, Clone)]
enum Postings {
    One(u32),
    Many(Vec<u32>),
}

impl Postings {
    fn push(&mut self, indicator: u32) {
        match self {
            Self::One(first) if *first == indicator => {}
            Self::One(first) => *self = Self::Many(vec![*first, indicator]),
            Self::Many(list) if list.last() == Some(&indicator) => {}
            Self::Many(list) => list.push(indicator),
        }
    }

    fn each(&self, mut hit: impl FnMut(u32)) {
        match self {
            Self::One(indicator) => hit(*indicator),
            Self::Many(list) => list.iter().for_each(|indicator| hit(*indicator)),
        }
    }
}

/// One bit per IPv4 /24 block that holds any listed address or overlaps any listed range.
///
/// Most addresses in logs match nothing; for them one bit (in a 2 MiB table that stays in
/// cache far better than a million-entry hash map) answers instead of a hash probe and a
/// binary search.
#[derive(Debug, Clone, Default)]
struct BlockFilter {
    bits: Vec<u64>,
}

impl BlockFilter {
    const BLOCKS: usize = 1 << 24;

    fn mark(&mut self, first_block: u32, last_block: u32) {
        if self.bits.is_empty() {
            self.bits = vec![0; Self::BLOCKS / 64];
        }
        for block in first_block..=last_block {
            self.bits[block as usize / 64] |= 1 << (block % 64);
        }
    }

    fn may_hold(&self, address: u32) -> bool {
        let block = address >> 8;
        self.bits
            .get(block as usize / 64)
            .is_some_and(|word| word & (1 << (block % 64)) != 0)
    }
}

fn insert<K: std::hash::Hash + Eq>(map: &mut FxHashMap<K, Postings>, key: K, indicator: u32) {
    map.entry(key)
        .and_modify(|postings| postings.push(indicator))
        .or_insert(Postings::One(indicator));
}

/// Collects indicators and their values, then builds an [`IntelSet`].
#[derive(Debug, Default)]
pub struct IntelSetBuilder {
    indicators: Vec<Indicator>,
    v4_exact: FxHashMap<u32, Postings>,
    v6_exact: FxHashMap<u128, Postings>,
    v4_ranges: Vec<(u32, u32, u32)>,
    v6_ranges: Vec<(u128, u128, u32)>,
    domains: FxHashMap<Box<str>, Postings>,
    urls: FxHashMap<Box<str>, Postings>,
    hashes: FxHashMap<Box<str>, Postings>,
    emails: FxHashMap<Box<str>, Postings>,
}

impl IntelSetBuilder {
    /// Keeps an indicator; its values are added with [`IntelSetBuilder::add`] and this number.
    pub fn add_indicator(&mut self, indicator: Indicator) -> u32 {
        // More than four billion indicators would not fit in memory anyway.
        let number = u32::try_from(self.indicators.len()).unwrap_or(u32::MAX);
        self.indicators.push(indicator);
        number
    }

    /// Adds one value of indicator `indicator`.
    pub fn add(&mut self, observable: Observable, indicator: u32) {
        match observable {
            Observable::Network(net) => match net {
                ipnet::IpNet::V4(net) if net.prefix_len() == 32 => {
                    insert(&mut self.v4_exact, u32::from(net.addr()), indicator);
                }
                ipnet::IpNet::V6(net) if net.prefix_len() == 128 => {
                    insert(&mut self.v6_exact, u128::from(net.addr()), indicator);
                }
                ipnet::IpNet::V4(net) => self.v4_ranges.push((
                    u32::from(net.network()),
                    u32::from(net.broadcast()),
                    indicator,
                )),
                ipnet::IpNet::V6(net) => self.v6_ranges.push((
                    u128::from(net.network()),
                    u128::from(net.broadcast()),
                    indicator,
                )),
            },
            Observable::Domain(name) => insert(&mut self.domains, name.into(), indicator),
            Observable::Url(key) => insert(&mut self.urls, key.into(), indicator),
            Observable::Hash(_, digest) => insert(&mut self.hashes, digest.into(), indicator),
            Observable::Email(address) => insert(&mut self.emails, address.into(), indicator),
        }
    }

    /// Number of indicators added so far.
    pub fn indicator_count(&self) -> usize {
        self.indicators.len()
    }

    /// Sorts the ranges and freezes the set.
    pub fn build(self) -> IntelSet {
        let mut v4_blocks = BlockFilter::default();
        for address in self.v4_exact.keys() {
            v4_blocks.mark(address >> 8, address >> 8);
        }
        for (first, last, _) in &self.v4_ranges {
            v4_blocks.mark(first >> 8, last >> 8);
        }
        IntelSet {
            v4_blocks,
            indicators: self.indicators,
            v4_exact: self.v4_exact,
            v6_exact: self.v6_exact,
            v4_ranges: RangeTable::build(self.v4_ranges),
            v6_ranges: RangeTable::build(self.v6_ranges),
            domains: self.domains,
            urls: self.urls,
            hashes: self.hashes,
            emails: self.emails,
        }
    }
}

/// Loaded indicators, ready for lookups from many events.
#[derive(Debug, Default)]
pub struct IntelSet {
    indicators: Vec<Indicator>,
    v4_blocks: BlockFilter,
    v4_exact: FxHashMap<u32, Postings>,
    v6_exact: FxHashMap<u128, Postings>,
    v4_ranges: RangeTable<u32>,
    v6_ranges: RangeTable<u128>,
    domains: FxHashMap<Box<str>, Postings>,
    urls: FxHashMap<Box<str>, Postings>,
    hashes: FxHashMap<Box<str>, Postings>,
    emails: FxHashMap<Box<str>, Postings>,
}

impl IntelSet {
    /// The indicator with this number.
    pub fn indicator(&self, number: u32) -> Option<&Indicator> {
        self.indicators.get(number as usize)
    }

    /// Number of indicators.
    pub fn len(&self) -> usize {
        self.indicators.len()
    }

    /// True when nothing can match.
    pub fn is_empty(&self) -> bool {
        self.indicators.is_empty()
    }

    /// Number of values held, by kind: addresses, ranges, domains, URLs, hashes, e-mails.
    pub fn value_counts(&self) -> [usize; 6] {
        [
            self.v4_exact.len() + self.v6_exact.len(),
            self.v4_ranges.len() + self.v6_ranges.len(),
            self.domains.len(),
            self.urls.len(),
            self.hashes.len(),
            self.emails.len(),
        ]
    }

    /// Calls `hit` for every indicator holding the address (exactly or in a range).
    pub fn match_ip(&self, address: IpAddr, mut hit: impl FnMut(u32)) {
        match address.to_canonical() {
            IpAddr::V4(v4) => {
                let key = u32::from(v4);
                if !self.v4_blocks.may_hold(key) {
                    return;
                }
                if let Some(postings) = self.v4_exact.get(&key) {
                    postings.each(&mut hit);
                }
                self.v4_ranges.lookup(key, hit);
            }
            IpAddr::V6(v6) => {
                let key = u128::from(v6);
                if let Some(postings) = self.v6_exact.get(&key) {
                    postings.each(&mut hit);
                }
                self.v6_ranges.lookup(key, hit);
            }
        }
    }

    /// Calls `hit` for every indicator naming the domain or a parent of it, with the name that
    /// matched. `name` must be lower case without a trailing dot.
    pub fn match_domain<'n>(&self, name: &'n str, mut hit: impl FnMut(u32, &'n str)) {
        if self.domains.is_empty() {
            return;
        }
        let mut suffix = name;
        loop {
            if let Some(postings) = self.domains.get(suffix) {
                postings.each(|indicator| hit(indicator, suffix));
            }
            match suffix.split_once('.') {
                Some((_, parent)) if !parent.is_empty() => suffix = parent,
                _ => break,
            }
        }
    }

    /// Calls `hit` for every indicator of this URL key (see [`super::indicator::url_key`]).
    pub fn match_url(&self, key: &str, hit: impl FnMut(u32)) {
        if let Some(postings) = self.urls.get(key) {
            postings.each(hit);
        }
    }

    /// Calls `hit` for every indicator of this lower-case hex digest.
    pub fn match_hash(&self, digest: &str, hit: impl FnMut(u32)) {
        if let Some(postings) = self.hashes.get(digest) {
            postings.each(hit);
        }
    }

    /// Calls `hit` for every indicator of this lower-case e-mail address.
    pub fn match_email(&self, address: &str, hit: impl FnMut(u32)) {
        if let Some(postings) = self.emails.get(address) {
            postings.each(hit);
        }
    }

    /// True when the set holds any URL, hash or e-mail value (those need extra work per event).
    pub fn has_urls(&self) -> bool {
        !self.urls.is_empty()
    }

    /// True when the set holds any file hash.
    pub fn has_hashes(&self) -> bool {
        !self.hashes.is_empty()
    }

    /// True when the set holds any e-mail address.
    pub fn has_emails(&self) -> bool {
        !self.emails.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set_of(values: &[Observable]) -> IntelSet {
        let mut builder = IntelSetBuilder::default();
        for value in values {
            let number = builder.add_indicator(Indicator {
                name: value.to_text(),
                ..Indicator::default()
            });
            builder.add(value.clone(), number);
        }
        builder.build()
    }

    fn ip_hits(set: &IntelSet, address: &str) -> Vec<u32> {
        let mut hits = Vec::new();
        set.match_ip(address.parse().unwrap(), |number| hits.push(number));
        hits.sort_unstable();
        hits
    }

    #[test]
    fn addresses_match_exactly_and_by_range_including_mapped_v6() {
        let set = set_of(&[
            Observable::network("192.0.2.7").unwrap(),
            Observable::network("192.0.2.0/24").unwrap(),
            Observable::network("2001:db8::/32").unwrap(),
        ]);
        assert_eq!(ip_hits(&set, "192.0.2.7"), [0, 1]);
        assert_eq!(ip_hits(&set, "::ffff:192.0.2.8"), [1]);
        assert_eq!(ip_hits(&set, "192.0.3.1"), Vec::<u32>::new());
        assert_eq!(ip_hits(&set, "2001:db8:ffff::1"), [2]);
        assert_eq!(ip_hits(&set, "2001:db9::1"), Vec::<u32>::new());
    }

    #[test]
    fn domains_match_their_subdomains_only() {
        let set = set_of(&[Observable::domain("evil.example").unwrap()]);
        let hits = |name: &str| {
            let mut found = Vec::new();
            set.match_domain(name, |number, matched| {
                found.push((number, matched.to_owned()));
            });
            found
        };
        assert_eq!(hits("evil.example"), [(0, "evil.example".to_owned())]);
        assert_eq!(hits("a.b.evil.example"), [(0, "evil.example".to_owned())]);
        assert!(hits("notevil.example").is_empty());
        assert!(hits("example").is_empty());
    }
}
