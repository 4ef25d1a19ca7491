//! ThreatLens analytic documents: the YAML that tunes and tags a statistical analytic.
//!
//! An analytic document looks like a Sigma rule's header (`title`, `id`, `description`,
//! `tags`, `level`, `falsepositives`) plus a `threatlens-analytic:` block naming the analytic
//! `kind` and its thresholds. Thresholds left out take the defaults below.
//!
//! ```yaml
//! title: Beaconing
//! id: 4c1b8b8e-0000-4000-8000-000000000000
//! tags: [attack.command-and-control, attack.t1071]
//! level: high
//! threatlens-analytic:
//!   kind: beacon
//!   formats: [zeek_conn, suricata_flow]
//!   min_connections: 20
//! ```

use serde::Deserialize;

use crate::engine::detect::meta::RuleMeta;
use crate::engine::event::EventFormat;

/// The key that marks a YAML file as an analytic document.
pub const ANALYTIC_KEY: &str = "threatlens-analytic:";

/// One analytic, ready to instantiate.
#[derive(Debug, Clone)]
pub struct AnalyticSpec {
    /// Identity and ATT&CK tagging, as for Sigma rules.
    pub meta: RuleMeta,
    /// The formats whose events the analytic sees.
    pub formats: Vec<EventFormat>,
    /// The analytic and its thresholds.
    pub params: AnalyticParams,
}

/// Which analytic, with its thresholds.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AnalyticParams {
    /// Regular connections between a pair (see [`super::beacon`]).
    Beacon(BeaconParams),
    /// Large transfers per source and destination (see [`super::exfil`]).
    Exfil(ExfilParams),
    /// Many long or random subdomains under one domain (see [`super::dns_tunnel`]).
    DnsTunnel(DnsTunnelParams),
    /// Connections open for a long time (see [`super::long_conn`]).
    LongConnection(LongConnectionParams),
}

/// Beaconing thresholds.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BeaconParams {
    /// Fewer connections than this are never scored.
    pub min_connections: usize,
    /// Score (0 to 1) that both the overall and the timing score must reach to be reported.
    pub min_score: f64,
    /// Connection count at which the count part of the score reaches 1.
    pub full_score_connections: usize,
    /// Timestamps and sizes kept per pair (the count is always exact).
    pub max_samples_per_pair: usize,
    /// Pairs tracked at most; later pairs are counted as untracked.
    pub max_pairs: usize,
    /// Samples kept over all pairs.
    pub max_total_samples: usize,
}

impl Default for BeaconParams {
    fn default() -> Self {
        Self {
            min_connections: 20,
            min_score: 0.8,
            full_score_connections: 96,
            max_samples_per_pair: 5_000,
            max_pairs: 100_000,
            max_total_samples: 4_000_000,
        }
    }
}

/// Exfiltration thresholds.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExfilParams {
    /// A pair that sent at least this many bytes is reported.
    pub min_total_bytes: u64,
    /// An outlier must have sent at least this many bytes...
    pub outlier_min_bytes: u64,
    /// ...and this many times the median pair volume of the population.
    pub outlier_factor: f64,
    /// Outliers need at least this many pairs to compare against.
    pub min_population_pairs: usize,
    /// Only sources in private, loopback or link-local ranges count (outbound from inside).
    pub internal_sources_only: bool,
    /// Pairs tracked at most.
    pub max_pairs: usize,
}

impl Default for ExfilParams {
    fn default() -> Self {
        Self {
            min_total_bytes: 100_000_000,
            outlier_min_bytes: 1_000_000,
            outlier_factor: 20.0,
            min_population_pairs: 20,
            internal_sources_only: true,
            max_pairs: 200_000,
        }
    }
}

/// DNS tunnelling thresholds.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DnsTunnelParams {
    /// A domain needs at least this many distinct subdomains.
    pub min_distinct_subdomains: usize,
    /// A subdomain at least this long counts as long.
    pub long_label_length: usize,
    /// Shannon entropy (bits per character) at which a subdomain of 20+ characters counts as
    /// random.
    pub min_entropy: f64,
    /// Share of queries with long or random subdomains needed.
    pub min_suspicious_share: f64,
    /// Share of TXT/NULL queries that is suspicious on its own.
    pub min_txt_share: f64,
    /// Domains tracked at most.
    pub max_domains: usize,
    /// Distinct subdomains remembered per domain.
    pub max_subdomains_per_domain: usize,
}

impl Default for DnsTunnelParams {
    fn default() -> Self {
        Self {
            min_distinct_subdomains: 50,
            long_label_length: 40,
            min_entropy: 3.8,
            min_suspicious_share: 0.5,
            min_txt_share: 0.5,
            max_domains: 100_000,
            max_subdomains_per_domain: 10_000,
        }
    }
}

/// Long connection thresholds.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LongConnectionParams {
    /// A single connection this long (seconds) is reported.
    pub min_duration_secs: f64,
    /// Pairs tracked at most.
    pub max_pairs: usize,
}

impl Default for LongConnectionParams {
    fn default() -> Self {
        Self {
            min_duration_secs: 3_600.0,
            max_pairs: 100_000,
        }
    }
}

#[derive(Debug, Deserialize)]
struct AnalyticDocument {
    title: String,
    id: String,
    #[serde(default)]
    tags: Vec<String>,
    level: Option<String>,
    #[serde(rename = "threatlens-analytic")]
    analytic: yaml_serde::Value,
}

/// The analytic documents in `text` (one or more YAML documents), read from `source`.
pub fn parse_analytics(text: &str, source: &str) -> Result<Vec<AnalyticSpec>, String> {
    let mut specs = Vec::new();
    for document in yaml_serde::Deserializer::from_str(text) {
        let document = AnalyticDocument::deserialize(document).map_err(|e| e.to_string())?;
        specs.push(spec_from(document, source)?);
    }
    Ok(specs)
}

fn spec_from(document: AnalyticDocument, source: &str) -> Result<AnalyticSpec, String> {
    let title = document.title;
    let formats = match document.analytic.get("formats") {
        Some(list) => parse_formats(list).map_err(|e| format!("analytic '{title}': {e}"))?,
        None => Vec::new(),
    };

    let mut block = document.analytic;
    if let Some(mapping) = block.as_mapping_mut() {
        mapping.remove("formats");
    }
    let params = AnalyticParams::deserialize(block)
        .map_err(|error| format!("analytic '{title}': {error}"))?;
    let formats = if formats.is_empty() {
        default_formats(&params)
    } else {
        formats
    };

    let level = document
        .level
        .as_deref()
        .and_then(|level| level.parse::<rsigma_parser::Level>().ok());
    let meta = RuleMeta::new(document.id, &title, level, &document.tags, source);
    Ok(AnalyticSpec {
        meta,
        formats,
        params,
    })
}

fn parse_formats(list: &yaml_serde::Value) -> Result<Vec<EventFormat>, String> {
    let items = list
        .as_sequence()
        .ok_or_else(|| "formats must be a list".to_owned())?;
    items
        .iter()
        .map(|item| {
            let name = item.as_str().unwrap_or_default();
            EventFormat::ALL
                .iter()
                .copied()
                .find(|format| format.as_str() == name)
                .ok_or_else(|| format!("unknown format {item:?}"))
        })
        .collect()
}

/// Where each analytic looks when its document does not list formats.
fn default_formats(params: &AnalyticParams) -> Vec<EventFormat> {
    match params {
        AnalyticParams::DnsTunnel(_) => vec![EventFormat::ZeekDns, EventFormat::SuricataDns],
        AnalyticParams::Beacon(_)
        | AnalyticParams::Exfil(_)
        | AnalyticParams::LongConnection(_) => {
            vec![EventFormat::ZeekConn, EventFormat::SuricataFlow]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analytic_document_reads_thresholds_and_keeps_defaults() {
        let text = "title: Beacons\nid: b-1\ntags: [attack.t1071]\nlevel: high\n\
                    threatlens-analytic:\n  kind: beacon\n  min_connections: 30\n";
        let specs = parse_analytics(text, "test.yml").unwrap_or_default();

        assert_eq!(specs.len(), 1);
        let spec = &specs[0];
        assert_eq!(spec.meta.techniques, vec!["T1071"]);
        assert_eq!(
            spec.formats,
            vec![EventFormat::ZeekConn, EventFormat::SuricataFlow]
        );
        let AnalyticParams::Beacon(params) = &spec.params else {
            panic!("expected a beacon analytic");
        };
        assert_eq!(params.min_connections, 30);
        assert_eq!(params.max_samples_per_pair, 5_000);
    }

    #[test]
    fn unknown_threshold_is_an_error() {
        let text = "title: X\nid: x\nthreatlens-analytic:\n  kind: beacon\n  min_conections: 3\n";
        let error = parse_analytics(text, "x.yml").err().unwrap_or_default();
        assert!(error.contains("min_conections"), "{error}");
    }
}
