//! DNS tunnelling: data smuggled in the names queried under one domain.
//!
//! Per registered domain (the last two labels, three under short second-level labels such as
//! `co.uk`) the analytic counts queries, distinct subdomains, subdomains that are long or look
//! random (high Shannon entropy), and TXT/NULL queries. A domain with many distinct
//! subdomains, most of them long or random or most queries TXT, is reported.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::net::IpAddr;

use crate::engine::detect::analytics::config::DnsTunnelParams;
use crate::engine::detect::analytics::{Analytic, Seen, detection_for};
use crate::engine::detect::detection::Detection;
use crate::engine::detect::meta::RuleMeta;
use crate::engine::event::Event;

/// Evidence references kept per domain while counting.
const EVIDENCE_PER_DOMAIN: usize = 10;

/// Subdomains shorter than this are never judged random.
const MIN_RANDOM_LENGTH: usize = 20;

/// Extra fields that hold the DNS query type in Zeek and Suricata.
const QUERY_TYPE_FIELDS: &[&str] = &["qtype_name", "rrtype", "qtype", "query_type"];

/// The DNS tunnelling analytic.
pub struct DnsTunnel {
    meta: RuleMeta,
    params: DnsTunnelParams,
    domains: HashMap<String, DomainStats>,
    untracked_events: u64,
}

#[derive(Default)]
struct DomainStats {
    seen: Seen,
    subdomains: HashSet<u64>,
    suspicious: u64,
    txt: u64,
    sources: Vec<IpAddr>,
}

impl DnsTunnel {
    /// An analytic with no domains yet.
    pub fn new(meta: RuleMeta, params: DnsTunnelParams) -> Self {
        Self {
            meta,
            params,
            domains: HashMap::new(),
            untracked_events: 0,
        }
    }
}

impl Analytic for DnsTunnel {
    fn observe(&mut self, event: &Event) {
        let Some(query) = event.domain.as_deref() else {
            return;
        };
        let query = query.trim_end_matches('.').to_ascii_lowercase();
        let Some((subdomain, domain)) = split_registered(&query) else {
            return;
        };
        if domain.ends_with(".arpa") || subdomain.is_empty() {
            return;
        }
        if self.domains.len() >= self.params.max_domains && !self.domains.contains_key(domain) {
            self.untracked_events += 1;
            return;
        }

        let suspicious = is_suspicious(subdomain, &self.params);
        let txt = is_txt_query(event);
        let stats = self.domains.entry(domain.to_owned()).or_default();
        stats.seen.add(event, EVIDENCE_PER_DOMAIN);
        stats.suspicious += u64::from(suspicious);
        stats.txt += u64::from(txt);
        if stats.subdomains.len() < self.params.max_subdomains_per_domain {
            stats.subdomains.insert(hash_of(subdomain));
        }
        if let Some(src) = event.src_ip
            && stats.sources.len() < 2
            && !stats.sources.contains(&src)
        {
            stats.sources.push(src);
        }
    }

    fn finish(self: Box<Self>, out: &mut Vec<Detection>) {
        if self.untracked_events > 0 {
            tracing::warn!(
                events = self.untracked_events,
                "DNS tunnelling: too many domains; later domains were not counted"
            );
        }
        for (domain, stats) in &self.domains {
            if !self.is_tunnel(stats) {
                continue;
            }
            let mut detection = detection_for(&self.meta);
            detection.domain = Some(domain.clone());
            if let [src] = stats.sources.as_slice() {
                detection.src_ip = Some(src.to_string());
            }
            stats.seen.fill(&mut detection);
            detection.set_detail("queries", stats.seen.count.to_string());
            detection.set_detail("distinct_subdomains", stats.subdomains.len().to_string());
            detection.set_detail("long_or_random", stats.suspicious.to_string());
            detection.set_detail("txt_queries", stats.txt.to_string());
            out.push(detection);
        }
    }
}

impl DnsTunnel {
    fn is_tunnel(&self, stats: &DomainStats) -> bool {
        if stats.subdomains.len() < self.params.min_distinct_subdomains {
            return false;
        }
        let queries = stats.seen.count.max(1) as f64;
        stats.suspicious as f64 / queries >= self.params.min_suspicious_share
            || stats.txt as f64 / queries >= self.params.min_txt_share
    }
}

/// Splits `a.b.example.co.uk` into (`a.b`, `example.co.uk`); `None` for a bare label.
pub fn split_registered(name: &str) -> Option<(&str, &str)> {
    let labels: Vec<&str> = name.split('.').collect();
    let count = labels.len();
    if count < 2 {
        return None;
    }
    let second = labels.get(count - 2).copied().unwrap_or_default();
    let top = labels.get(count - 1).copied().unwrap_or_default();
    let short_second_level = top.len() == 2 && second.len() <= 3 && count >= 3;
    let kept = if short_second_level { 3 } else { 2 };

    let domain_len: usize = labels
        .iter()
        .rev()
        .take(kept)
        .map(|l| l.len() + 1)
        .sum::<usize>()
        - 1;
    let start = name.len().checked_sub(domain_len)?;
    let domain = name.get(start..)?;
    let subdomain = name.get(..start.saturating_sub(1))?;
    Some((subdomain, domain))
}

fn is_suspicious(subdomain: &str, params: &DnsTunnelParams) -> bool {
    let letters: String = subdomain.chars().filter(|c| *c != '.').collect();
    if letters.len() >= params.long_label_length {
        return true;
    }
    letters.len() >= MIN_RANDOM_LENGTH && shannon_entropy(&letters) >= params.min_entropy
}

/// Bits per character of a string's character distribution.
pub fn shannon_entropy(text: &str) -> f64 {
    let mut counts: HashMap<char, usize> = HashMap::new();
    let mut total = 0usize;
    for c in text.chars() {
        *counts.entry(c).or_default() += 1;
        total += 1;
    }
    if total == 0 {
        return 0.0;
    }
    counts
        .values()
        .map(|&n| {
            let p = n as f64 / total as f64;
            -p * p.log2()
        })
        .sum()
}

fn is_txt_query(event: &Event) -> bool {
    QUERY_TYPE_FIELDS
        .iter()
        .filter_map(|name| event.extra(name))
        .any(|kind| {
            kind.eq_ignore_ascii_case("TXT")
                || kind.eq_ignore_ascii_case("NULL")
                || kind == "16"
                || kind == "10"
        })
}

fn hash_of(text: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_domain_split() {
        assert_eq!(
            split_registered("a.b.example.com"),
            Some(("a.b", "example.com"))
        );
        assert_eq!(
            split_registered("x.example.co.uk"),
            Some(("x", "example.co.uk"))
        );
        assert_eq!(split_registered("example.com"), Some(("", "example.com")));
        assert_eq!(split_registered("localhost"), None);
    }

    #[test]
    fn entropy_of_uniform_and_constant_strings() {
        assert!((shannon_entropy("abcd") - 2.0).abs() < 1e-9);
        assert_eq!(shannon_entropy("aaaa"), 0.0);
    }
}
