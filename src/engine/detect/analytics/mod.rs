//! Statistical network analytics: beaconing, exfiltration volume, DNS tunnelling, long
//! connections.
//!
//! Each analytic keeps bounded state per key (a host pair, a domain) while events stream
//! through, and scores it when the stream ends. Thresholds and ATT&CK tags come from the
//! analytic documents in `assets/rules/analytics/` (see [`config`]), so analytics are tuned and
//! listed like Sigma rules.

pub mod beacon;
pub mod config;
pub mod dns_tunnel;
pub mod exfil;
pub mod long_conn;
pub mod stats;

use std::net::IpAddr;

use jiff::Timestamp;

use crate::engine::detect::detection::Detection;
use crate::engine::detect::meta::RuleMeta;
use crate::engine::event::{Event, Location};

use config::{AnalyticParams, AnalyticSpec};

/// A statistical analytic fed one event at a time.
pub trait Analytic {
    /// Looks at one event of a format the analytic asked for.
    fn observe(&mut self, event: &Event);

    /// Ends the stream and appends the findings.
    fn finish(self: Box<Self>, out: &mut Vec<Detection>);
}

/// The analytic a spec describes, with empty state.
pub fn build(spec: &AnalyticSpec) -> Box<dyn Analytic> {
    let meta = spec.meta.clone();
    match &spec.params {
        AnalyticParams::Beacon(params) => Box::new(beacon::Beacon::new(meta, params.clone())),
        AnalyticParams::Exfil(params) => Box::new(exfil::Exfil::new(meta, params.clone())),
        AnalyticParams::DnsTunnel(params) => {
            Box::new(dns_tunnel::DnsTunnel::new(meta, params.clone()))
        }
        AnalyticParams::LongConnection(params) => {
            Box::new(long_conn::LongConnection::new(meta, params.clone()))
        }
    }
}

/// A source, destination and destination port: the key most analytics track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HostPair {
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// Destination port, when the log has one.
    pub dst_port: Option<u16>,
}

impl HostPair {
    /// The pair of an event with both addresses.
    pub fn of(event: &Event) -> Option<Self> {
        Some(Self {
            src: event.src_ip?,
            dst: event.dst_ip?,
            dst_port: event.dst_port,
        })
    }
}

/// Time span and a few evidence references, shared by the per-key states.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    /// Events counted.
    pub count: u64,
    /// Earliest time.
    pub first: Option<Timestamp>,
    /// Latest time.
    pub last: Option<Timestamp>,
    /// The first few locations.
    pub evidence: Vec<Location>,
}

impl Seen {
    /// Counts `event`, keeping at most `max_evidence` locations.
    pub fn add(&mut self, event: &Event, max_evidence: usize) {
        self.count += 1;
        if let Some(time) = event.time {
            self.first = Some(self.first.map_or(time, |first| first.min(time)));
            self.last = Some(self.last.map_or(time, |last| last.max(time)));
        }
        if self.evidence.len() < max_evidence {
            self.evidence.push(event.location);
        }
    }

    /// Copies count, span and evidence into a detection.
    pub fn fill(&self, detection: &mut Detection) {
        detection.count = self.count;
        detection.first_seen = self.first;
        detection.last_seen = self.last;
        detection.evidence_total = self.count;
        detection.evidence = self.evidence.clone();
    }
}

/// An empty detection carrying the analytic's identity and tags.
pub fn detection_for(meta: &RuleMeta) -> Detection {
    let mut detection = Detection::new(&meta.id, &meta.title, meta.severity);
    detection.techniques = meta.techniques.clone();
    detection.tactics = meta.tactics.clone();
    detection
}

/// A detection for a host pair.
pub fn pair_detection(meta: &RuleMeta, pair: &HostPair, seen: &Seen) -> Detection {
    let mut detection = detection_for(meta);
    detection.src_ip = Some(pair.src.to_string());
    detection.dst_ip = Some(pair.dst.to_string());
    detection.dst_port = pair.dst_port;
    seen.fill(&mut detection);
    detection
}

/// Seconds since the epoch, with sub-second precision.
pub fn seconds(time: Timestamp) -> f64 {
    time.as_millisecond() as f64 / 1000.0
}
