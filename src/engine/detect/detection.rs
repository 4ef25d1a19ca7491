//! The finding type every rule and analytic produces.

use jiff::Timestamp;
use serde::Serialize;

use std::net::IpAddr;

use crate::engine::event::{Event, Location};

/// How many evidence references a detection keeps; the total is always counted.
pub const MAX_EVIDENCE: usize = 50;

/// How urgent a finding is, in Sigma's levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing; no action expected.
    Informational,
    /// Unusual; look when there is time.
    Low,
    /// Suspicious; look today.
    Medium,
    /// Likely malicious; look now.
    High,
    /// Compromise or active attack.
    Critical,
}

impl Severity {
    /// Reads a Sigma `level`; unknown words read as medium.
    pub fn from_sigma(level: &str) -> Self {
        match level.to_ascii_lowercase().as_str() {
            "informational" | "info" => Self::Informational,
            "low" => Self::Low,
            "high" => Self::High,
            "critical" => Self::Critical,
            _ => Self::Medium,
        }
    }

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Informational => "informational",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

/// One finding: a rule or analytic that fired, folded over all the events that made it fire.
#[derive(Debug, Clone, Serialize)]
pub struct Detection {
    /// Sigma rule id (or the analytic's id).
    pub rule_id: String,
    /// Rule title.
    pub title: String,
    /// How urgent.
    pub severity: Severity,
    /// ATT&CK technique ids, upper case (`T1110.001`).
    pub techniques: Vec<String>,
    /// ATT&CK tactic short names from the rule's tags (`credential-access`).
    pub tactics: Vec<String>,
    /// Time of the earliest event.
    pub first_seen: Option<Timestamp>,
    /// Time of the latest event.
    pub last_seen: Option<Timestamp>,
    /// Events (or, for correlations, matching events) behind the finding.
    pub count: u64,
    /// Source address or host.
    pub src_ip: Option<String>,
    /// Destination address or host.
    pub dst_ip: Option<String>,
    /// Destination port.
    pub dst_port: Option<u16>,
    /// User name.
    pub user: Option<String>,
    /// Domain (DNS name, HTTP host, SNI).
    pub domain: Option<String>,
    /// The first [`MAX_EVIDENCE`] event locations, in order seen.
    pub evidence: Vec<Location>,
    /// Evidence references in all, including those not kept.
    pub evidence_total: u64,
    /// Analytic measurements worth showing (`score`, `interval_secs`, `bytes_out`...).
    pub details: Vec<(String, String)>,
}

impl Detection {
    /// A detection with no events yet, for analytics that build findings from their own state.
    pub fn new(rule_id: &str, title: &str, severity: Severity) -> Self {
        Self {
            rule_id: rule_id.to_owned(),
            title: title.to_owned(),
            severity,
            techniques: Vec::new(),
            tactics: Vec::new(),
            first_seen: None,
            last_seen: None,
            count: 0,
            src_ip: None,
            dst_ip: None,
            dst_port: None,
            user: None,
            domain: None,
            evidence: Vec::new(),
            evidence_total: 0,
            details: Vec::new(),
        }
    }

    /// Folds one more event in, and forgets any key entity on which the events disagree, so
    /// the entities shown are the ones every folded event shares.
    pub fn fold_event(&mut self, event: &Event) {
        if self.src_ip.is_some()
            && !same_endpoint(
                self.src_ip.as_deref(),
                event.src_ip,
                event.src_host.as_deref(),
            )
        {
            self.src_ip = None;
        }
        if self.dst_ip.is_some()
            && !same_endpoint(
                self.dst_ip.as_deref(),
                event.dst_ip,
                event.dst_host.as_deref(),
            )
        {
            self.dst_ip = None;
        }
        self.fold_rest(event);
    }

    /// [`Detection::fold_event`] for an event whose endpoint texts (address as text, else host
    /// name: [`Event::src_text`]) the caller can give cheaply; they are asked for only while the
    /// detection still keeps that endpoint, and save parsing the kept texts back.
    pub fn fold_event_with_texts<'t>(
        &mut self,
        event: &Event,
        src_text: impl FnOnce() -> Option<&'t str>,
        dst_text: impl FnOnce() -> Option<&'t str>,
    ) {
        if self.src_ip.is_some() && self.src_ip.as_deref() != src_text() {
            self.src_ip = None;
        }
        if self.dst_ip.is_some() && self.dst_ip.as_deref() != dst_text() {
            self.dst_ip = None;
        }
        self.fold_rest(event);
    }

    fn fold_rest(&mut self, event: &Event) {
        self.add_event(event);
        if self.dst_port.is_some() && self.dst_port != event.dst_port {
            self.dst_port = None;
        }
        if self.user.is_some() && self.user != event.user {
            self.user = None;
        }
        if self.domain.is_some() && self.domain != event.domain {
            self.domain = None;
        }
        for technique in &event.techniques {
            if !self.techniques.contains(technique) {
                self.techniques.push(technique.clone());
            }
        }
    }

    /// Sets or replaces a detail value.
    pub fn set_detail(&mut self, name: &str, value: String) {
        match self.details.iter_mut().find(|(key, _)| key == name) {
            Some(slot) => slot.1 = value,
            None => self.details.push((name.to_owned(), value)),
        }
    }

    /// A detection seeded from its first event.
    pub fn from_event(rule_id: &str, title: &str, severity: Severity, event: &Event) -> Self {
        let texts = (event.src_text(), event.dst_text());
        Self::from_event_with_texts(rule_id, title, severity, event, texts)
    }

    /// [`Detection::from_event`] with the event's endpoint texts already at hand.
    pub fn from_event_with_texts(
        rule_id: &str,
        title: &str,
        severity: Severity,
        event: &Event,
        (src_text, dst_text): (Option<String>, Option<String>),
    ) -> Self {
        let mut detection = Self {
            src_ip: src_text,
            dst_ip: dst_text,
            dst_port: event.dst_port,
            user: event.user.clone(),
            domain: event.domain.clone(),
            ..Self::new(rule_id, title, severity)
        };
        detection.add_event(event);
        detection
    }

    /// Folds one more event in: count, time span and evidence.
    pub fn add_event(&mut self, event: &Event) {
        self.count += 1;
        if let Some(time) = event.time {
            self.first_seen = Some(self.first_seen.map_or(time, |first| first.min(time)));
            self.last_seen = Some(self.last_seen.map_or(time, |last| last.max(time)));
        }
        self.add_evidence(event.location);
    }

    /// Adds an evidence reference, keeping at most [`MAX_EVIDENCE`].
    pub fn add_evidence(&mut self, location: Location) {
        self.evidence_total += 1;
        if self.evidence.len() < MAX_EVIDENCE {
            self.evidence.push(location);
        }
    }
}

/// True when a detection's endpoint text names the same endpoint as an event's address or host.
fn same_endpoint(text: Option<&str>, ip: Option<IpAddr>, host: Option<&str>) -> bool {
    match (text, ip) {
        (Some(text), Some(ip)) => text.parse::<IpAddr>().is_ok_and(|known| known == ip),
        (text, None) => text == host,
        (None, Some(_)) => false,
    }
}

/// Orders detections as every output shows them: most severe first, then most events, then by
/// rule, addresses and time so the order is the same on every run.
pub fn sort_most_severe_first(detections: &mut [Detection]) {
    detections.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.count.cmp(&a.count))
            .then_with(|| a.rule_id.cmp(&b.rule_id))
            .then_with(|| a.src_ip.cmp(&b.src_ip))
            .then_with(|| a.dst_ip.cmp(&b.dst_ip))
            .then_with(|| a.first_seen.cmp(&b.first_seen))
    });
}
