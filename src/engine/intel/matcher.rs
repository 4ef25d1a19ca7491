//! Checking events against an [`IntelSet`] and folding the hits into detections.
//!
//! Every event's source and destination addresses, host names, domain (DNS query, HTTP host,
//! TLS SNI), URL, DNS answers, file hashes and e-mail addresses are looked up. Hits of one
//! indicator on one value fold into one [`Detection`], the way the rule detector folds repeats,
//! so a beacon to a known C2 address is one finding with a count, not thousands.

use std::net::IpAddr;

use rustc_hash::FxHashMap;

use crate::engine::detect::{Detection, Severity};
use crate::engine::event::Event;
use crate::engine::intel::indicator::{split_host_port, url_key};
use crate::engine::intel::set::IntelSet;

/// ATT&CK technique given to command-and-control indicators that name none.
pub const DEFAULT_C2_TECHNIQUE: &str = "T1071";

/// Which event field a value came from; named in the detection's details.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Field {
    SrcIp,
    DstIp,
    SrcHost,
    DstHost,
    Domain,
    Url,
    DnsAnswer,
    Hash,
    Email,
}

impl Field {
    fn as_str(self) -> &'static str {
        match self {
            Self::SrcIp => "src_ip",
            Self::DstIp => "dst_ip",
            Self::SrcHost => "src_host",
            Self::DstHost => "dst_host",
            Self::Domain => "domain",
            Self::Url => "url",
            Self::DnsAnswer => "dns_answer",
            Self::Hash => "file_hash",
            Self::Email => "email",
        }
    }

    fn is_network(self) -> bool {
        !matches!(self, Self::Hash | Self::Email)
    }
}

/// The value an indicator matched: an address is kept as one, so address hits (the common
/// kind) cost no allocation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Matched {
    Address(IpAddr),
    Text(String),
}

impl std::fmt::Display for Matched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Address(address) => address.fmt(f),
            Self::Text(text) => f.write_str(text),
        }
    }
}

/// One hit before folding: indicator number, field, and the value as it matched.
#[derive(Debug)]
struct Hit {
    indicator: u32,
    field: Field,
    value: Matched,
}

/// Matches events against loaded intelligence; one per scan.
#[derive(Debug)]
pub struct IntelMatcher<'s> {
    set: &'s IntelSet,
    found: FxHashMap<(u32, Matched), Detection>,
    lower: String,
    url: String,
}

impl<'s> IntelMatcher<'s> {
    /// A matcher over `set`.
    pub fn new(set: &'s IntelSet) -> Self {
        Self {
            set,
            found: FxHashMap::default(),
            lower: String::new(),
            url: String::new(),
        }
    }

    /// Checks one event.
    pub fn observe(&mut self, event: &Event) {
        if self.set.is_empty() {
            return;
        }
        let mut hits: Vec<Hit> = Vec::new();
        let set = self.set;

        for (address, field) in [(event.src_ip, Field::SrcIp), (event.dst_ip, Field::DstIp)] {
            if let Some(address) = address {
                set.match_ip(address, |indicator| {
                    hits.push(Hit {
                        indicator,
                        field,
                        value: Matched::Address(address),
                    });
                });
            }
        }
        for (name, field) in [
            (event.src_host.as_deref(), Field::SrcHost),
            (event.dst_host.as_deref(), Field::DstHost),
            (event.domain.as_deref(), Field::Domain),
        ] {
            if let Some(name) = name {
                self.check_name(name, field, &mut hits);
            }
        }
        if set.has_urls() {
            self.check_url(event, &mut hits);
        }
        for (key, value) in &event.extra {
            self.check_extra(key, value, &mut hits);
        }
        if set.has_emails()
            && let Some(user) = event.user.as_deref().filter(|user| user.contains('@'))
        {
            self.check_email(user, &mut hits);
        }

        for hit in hits {
            self.record(hit, event);
        }
    }

    /// A host name or domain: an address literal is looked up as an address.
    fn check_name(&mut self, name: &str, field: Field, hits: &mut Vec<Hit>) {
        let host = split_host_port(name).0.trim_end_matches('.');
        if let Ok(address) = host.parse::<IpAddr>() {
            self.set.match_ip(address, |indicator| {
                hits.push(Hit {
                    indicator,
                    field,
                    value: Matched::Address(address),
                });
            });
            return;
        }
        let host = if host.bytes().any(|byte| byte.is_ascii_uppercase()) {
            self.lower.clear();
            self.lower.push_str(host);
            self.lower.make_ascii_lowercase();
            self.lower.as_str()
        } else {
            host
        };
        self.set.match_domain(host, |indicator, matched| {
            hits.push(Hit {
                indicator,
                field,
                value: Matched::Text(matched.to_owned()),
            });
        });
    }

    /// The request URL, made absolute with the event's host when the log gives only a path.
    fn check_url(&mut self, event: &Event, hits: &mut Vec<Hit>) {
        let Some(url) = event.url.as_deref() else {
            return;
        };
        let key = if url.contains("://") {
            url_key(url)
        } else {
            let host = event
                .domain
                .clone()
                .or_else(|| event.dst_ip.map(|address| address.to_string()));
            host.and_then(|host| {
                self.url.clear();
                self.url.push_str("http://");
                self.url.push_str(&host);
                if !host.contains(':')
                    && let Some(port) = event.dst_port
                {
                    self.url.push(':');
                    self.url.push_str(&port.to_string());
                }
                if !url.starts_with('/') {
                    self.url.push('/');
                }
                self.url.push_str(url);
                url_key(&self.url).map(|key| key.replace(":443/", "/"))
            })
        };
        if let Some(key) = key {
            self.set.match_url(&key, |indicator| {
                hits.push(Hit {
                    indicator,
                    field: Field::Url,
                    value: Matched::Text(key.clone()),
                });
            });
        }
    }

    /// Unmodelled fields that hold hashes (`md5`, `fileinfo.sha256`), DNS answers or mail
    /// addresses.
    fn check_extra(&mut self, key: &str, value: &str, hits: &mut Vec<Hit>) {
        // Most extra fields are none of these; their last byte says so without a search.
        if !matches!(
            key.as_bytes().last(),
            Some(b'5' | b'1' | b'6' | b's' | b'm' | b'o' | b'r')
        ) {
            return;
        }
        let name = key.rsplit_once('.').map_or(key, |(_, name)| name);
        match name {
            "md5" | "sha1" | "sha256" if self.set.has_hashes() => {
                let digest = value.trim().to_ascii_lowercase();
                self.set.match_hash(&digest, |indicator| {
                    hits.push(Hit {
                        indicator,
                        field: Field::Hash,
                        value: Matched::Text(digest.clone()),
                    });
                });
            }
            "answers" => {
                for answer in value.split(',') {
                    self.check_name(answer.trim(), Field::DnsAnswer, hits);
                }
            }
            "mailfrom" | "rcptto" | "from" | "to" | "reply_to" | "sender"
                if self.set.has_emails() =>
            {
                for address in value.split(',') {
                    self.check_email(address, hits);
                }
            }
            _ => {}
        }
    }

    fn check_email(&mut self, text: &str, hits: &mut Vec<Hit>) {
        let address = text.trim().trim_matches(['<', '>']).to_ascii_lowercase();
        self.set.match_email(&address, |indicator| {
            hits.push(Hit {
                indicator,
                field: Field::Email,
                value: Matched::Text(address.clone()),
            });
        });
    }

    fn record(&mut self, hit: Hit, event: &Event) {
        let Some(indicator) = self.set.indicator(hit.indicator) else {
            return;
        };
        if !indicator.valid_at(event.time) {
            return;
        }
        let key = (hit.indicator, hit.value);
        if let Some(detection) = self.found.get_mut(&key) {
            detection.fold_event(event);
            return;
        }

        let title = format!("Threat intel match: {}", indicator.name);
        let rule_id = format!("intel:{}", indicator.id);
        let mut detection =
            Detection::from_event(&rule_id, &title, severity(indicator.confidence), event);
        detection.techniques.clone_from(&indicator.techniques);
        detection.tactics = indicator
            .kill_chain_phases
            .iter()
            .filter(|phase| phase.starts_with("mitre-"))
            .filter_map(|phase| phase.split_once(':').map(|(_, tactic)| tactic.to_owned()))
            .collect();
        if detection.techniques.is_empty()
            && hit.field.is_network()
            && indicator.is_command_and_control()
        {
            detection.techniques.push(DEFAULT_C2_TECHNIQUE.to_owned());
            if !detection
                .tactics
                .iter()
                .any(|tactic| tactic == "command-and-control")
            {
                detection.tactics.push("command-and-control".to_owned());
            }
        }
        for technique in &event.techniques {
            if !detection.techniques.contains(technique) {
                detection.techniques.push(technique.clone());
            }
        }

        let details = [
            ("indicator", indicator.name.clone()),
            ("indicator_id", indicator.id.clone()),
            ("source", indicator.source.clone()),
            ("matched", key.1.to_string()),
            ("matched_field", hit.field.as_str().to_owned()),
            ("labels", indicator.labels.join(",")),
            (
                "confidence",
                indicator
                    .confidence
                    .map(|c| c.to_string())
                    .unwrap_or_default(),
            ),
            ("malware", indicator.malware.join(",")),
            (
                "actors",
                indicator
                    .actors
                    .iter()
                    .map(|a| a.name.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            (
                "actor_ids",
                indicator
                    .actors
                    .iter()
                    .map(|a| a.id.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            ("kill_chain_phases", indicator.kill_chain_phases.join(",")),
        ];
        for (name, value) in details {
            if !value.is_empty() {
                detection.set_detail(name, value);
            }
        }
        self.found.insert(key, detection);
    }

    /// The detections, in a stable order (indicator, then value).
    pub fn finish(self) -> Vec<Detection> {
        let mut found: Vec<((u32, Matched), Detection)> = self.found.into_iter().collect();
        found.sort_by(|a, b| a.0.cmp(&b.0));
        found.into_iter().map(|(_, detection)| detection).collect()
    }
}

/// Severity from STIX confidence: 75 and up high, 40 and up medium, below that low; unknown
/// confidence (most plain feeds) reads as medium.
pub fn severity(confidence: Option<u8>) -> Severity {
    match confidence {
        Some(75..) => Severity::High,
        Some(40..) | None => Severity::Medium,
        Some(_) => Severity::Low,
    }
}

/// Adds intel detections to the detector's and restores its order: most severe first, then
/// most frequent, then by rule id and endpoints.
pub fn merge_detections(mut detections: Vec<Detection>, intel: Vec<Detection>) -> Vec<Detection> {
    if intel.is_empty() {
        return detections;
    }
    detections.extend(intel);
    crate::engine::detect::sort_most_severe_first(&mut detections);
    detections
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::event::{EventFormat, Location};
    use crate::engine::intel::{IntelSetBuilder, load_text};

    fn set_from(text: &str, name: &str) -> IntelSet {
        let mut builder = IntelSetBuilder::default();
        let report = load_text(text, name, &mut builder);
        assert_eq!(report.failure, None);
        builder.build()
    }

    fn matched(set: &IntelSet, event: &Event) -> Vec<(String, String)> {
        let mut matcher = IntelMatcher::new(set);
        matcher.observe(event);
        let detail = |detection: &Detection, name: &str| {
            let found = detection.details.iter().find(|(key, _)| key == name);
            found.map(|(_, value)| value.clone()).unwrap_or_default()
        };
        let found = matcher.finish();
        found
            .iter()
            .map(|d| (detail(d, "matched_field"), detail(d, "matched")))
            .collect()
    }

    fn event() -> Event {
        Event::new(Location { file: 0, line: 7 }, EventFormat::ZeekHttp)
    }

    #[test]
    fn a_path_url_is_joined_with_the_host_and_its_port() {
        let set = set_from("http://files.example.net:8080/a.bin\n", "urls.txt");
        let mut request = event();
        request.domain = Some("FILES.example.net".into());
        request.dst_port = Some(8080);
        request.url = Some("/a.bin".into());
        assert_eq!(
            matched(&set, &request),
            [("url".into(), "files.example.net:8080/a.bin".into())]
        );
        request.dst_port = Some(80);
        assert!(
            matched(&set, &request).is_empty(),
            "another port is another URL"
        );
        request.domain = Some("files.example.net:8080".into());
        assert_eq!(
            matched(&set, &request).len(),
            1,
            "a Host header with its port"
        );
    }

    #[test]
    fn dns_answers_hosts_and_mail_fields_are_checked() {
        let set = set_from(
            "{\"Event\":{\"uuid\":\"u\",\"info\":\"i\",\"Attribute\":[\
             {\"type\":\"ip-dst\",\"value\":\"192.0.2.50\"},\
             {\"type\":\"hostname\",\"value\":\"mx.bad.example\"},\
             {\"type\":\"email-src\",\"value\":\"boss@bad.example\"}]}}",
            "event.json",
        );
        let mut query = event();
        query.push_extra("answers", "198.51.100.1,192.0.2.50");
        query.dst_host = Some("MX.Bad.Example.".into());
        query.push_extra("mailfrom", "<Boss@Bad.Example>");
        let mut found = matched(&set, &query);
        found.sort();
        assert_eq!(
            found,
            [
                ("dns_answer".into(), "192.0.2.50".into()),
                ("dst_host".into(), "mx.bad.example".into()),
                ("email".into(), "boss@bad.example".into()),
            ]
        );
    }

    #[test]
    fn severity_follows_confidence() {
        assert_eq!(severity(Some(90)), Severity::High);
        assert_eq!(severity(Some(75)), Severity::High);
        assert_eq!(severity(Some(74)), Severity::Medium);
        assert_eq!(severity(None), Severity::Medium);
        assert_eq!(severity(Some(39)), Severity::Low);
    }
}
