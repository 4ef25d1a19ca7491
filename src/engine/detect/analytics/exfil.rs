//! Large or unusual outbound transfers: bytes sent by a source to one destination.
//!
//! Per source and destination the analytic sums the bytes the source sent. A pair is reported
//! when its total reaches a fixed threshold, or when it is an outlier: at least a minimum
//! volume and many times the median total of all pairs seen (given enough pairs to compare).
//! By default only sources inside the network (private, loopback, link-local, unique-local
//! addresses) count, so an internet client uploading to a public server is not "exfiltration".

use std::collections::HashMap;
use std::net::IpAddr;

use crate::engine::detect::analytics::config::ExfilParams;
use crate::engine::detect::analytics::stats::{median, sorted};
use crate::engine::detect::analytics::{Analytic, Seen, detection_for};
use crate::engine::detect::detection::Detection;
use crate::engine::detect::meta::RuleMeta;
use crate::engine::event::{Event, Location};

/// The largest connections kept as evidence per pair.
const LARGEST_KEPT: usize = 5;

/// The exfiltration analytic.
pub struct Exfil {
    meta: RuleMeta,
    params: ExfilParams,
    pairs: HashMap<(IpAddr, IpAddr), Volume>,
    untracked_events: u64,
}

#[derive(Default)]
struct Volume {
    bytes: u64,
    seen: Seen,
    largest: Vec<(u64, Location)>,
    ports: Vec<u16>,
}

impl Exfil {
    /// An analytic with no pairs yet.
    pub fn new(meta: RuleMeta, params: ExfilParams) -> Self {
        Self {
            meta,
            params,
            pairs: HashMap::new(),
            untracked_events: 0,
        }
    }
}

impl Analytic for Exfil {
    fn observe(&mut self, event: &Event) {
        let (Some(src), Some(dst), Some(bytes)) = (event.src_ip, event.dst_ip, event.bytes_out)
        else {
            return;
        };
        if self.params.internal_sources_only && !is_internal(src) {
            return;
        }
        let key = (src, dst);
        if self.pairs.len() >= self.params.max_pairs && !self.pairs.contains_key(&key) {
            self.untracked_events += 1;
            return;
        }

        let volume = self.pairs.entry(key).or_default();
        volume.bytes = volume.bytes.saturating_add(bytes);
        volume.seen.add(event, 0);
        keep_largest(&mut volume.largest, bytes, event.location);
        if let Some(port) = event.dst_port
            && volume.ports.len() < 8
            && !volume.ports.contains(&port)
        {
            volume.ports.push(port);
        }
    }

    fn finish(self: Box<Self>, out: &mut Vec<Detection>) {
        if self.untracked_events > 0 {
            tracing::warn!(
                events = self.untracked_events,
                "exfiltration: too many host pairs; later pairs were not counted"
            );
        }
        let totals: Vec<f64> = self
            .pairs
            .values()
            .filter(|volume| volume.bytes > 0)
            .map(|volume| volume.bytes as f64)
            .collect();
        let population = totals.len();
        let typical = median(&sorted(totals)).unwrap_or(0.0);

        for ((src, dst), volume) in &self.pairs {
            let Some(reason) = self.reason(volume.bytes, population, typical) else {
                continue;
            };
            out.push(self.detection(*src, *dst, volume, reason, typical));
        }
    }
}

impl Exfil {
    fn reason(&self, bytes: u64, population: usize, typical: f64) -> Option<&'static str> {
        if bytes >= self.params.min_total_bytes {
            return Some("volume above threshold");
        }
        let comparable = population >= self.params.min_population_pairs && typical > 0.0;
        let outlier = comparable
            && bytes >= self.params.outlier_min_bytes
            && bytes as f64 >= self.params.outlier_factor * typical;
        outlier.then_some("outlier against typical pair volume")
    }

    fn detection(
        &self,
        src: IpAddr,
        dst: IpAddr,
        volume: &Volume,
        reason: &str,
        typical: f64,
    ) -> Detection {
        let mut detection = detection_for(&self.meta);
        detection.src_ip = Some(src.to_string());
        detection.dst_ip = Some(dst.to_string());
        if let [port] = volume.ports.as_slice() {
            detection.dst_port = Some(*port);
        }
        volume.seen.fill(&mut detection);
        detection.evidence = volume.largest.iter().map(|(_, at)| *at).collect();

        detection.set_detail("bytes_out", volume.bytes.to_string());
        detection.set_detail("connections", volume.seen.count.to_string());
        detection.set_detail("reason", reason.to_owned());
        detection.set_detail("typical_pair_bytes", format!("{typical:.0}"));
        detection.set_detail("dst_external", (!is_internal(dst)).to_string());
        detection
    }
}

/// Keeps the `LARGEST_KEPT` biggest transfers, largest first.
fn keep_largest(largest: &mut Vec<(u64, Location)>, bytes: u64, at: Location) {
    let position = largest.partition_point(|(kept, _)| *kept >= bytes);
    if position < LARGEST_KEPT {
        largest.insert(position, (bytes, at));
        largest.truncate(LARGEST_KEPT);
    }
}

/// True for addresses inside a network rather than on the internet.
pub fn is_internal(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => v4.is_private() || v4.is_loopback() || v4.is_link_local(),
        IpAddr::V6(v6) => {
            let first = v6.segments().first().copied().unwrap_or(0);
            v6.is_loopback() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn largest_transfers_are_kept_in_order() {
        let mut largest = Vec::new();
        for (line, bytes) in [10u64, 50, 20, 70, 30, 60, 5].into_iter().enumerate() {
            let at = Location {
                file: 0,
                line: line as u64 + 1,
            };
            keep_largest(&mut largest, bytes, at);
        }
        let sizes: Vec<u64> = largest.iter().map(|(bytes, _)| *bytes).collect();
        assert_eq!(sizes, vec![70, 60, 50, 30, 20]);
    }

    #[test]
    fn private_ranges_are_internal() {
        let internal = ["10.0.1.4", "192.168.1.2", "fd00::1", "fe80::1", "127.0.0.1"];
        for text in internal {
            let address: IpAddr = text.parse().unwrap_or(IpAddr::from([8, 8, 8, 8]));
            assert!(is_internal(address), "{text}");
        }
        assert!(!is_internal(IpAddr::from([8, 8, 8, 8])));
    }
}
