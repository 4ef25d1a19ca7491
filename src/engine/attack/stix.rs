//! The raw shape of an ATT&CK STIX bundle, as far as the knowledge base reads it.
//!
//! Every field is optional and unknown types and properties are skipped, so bundles of STIX 2.0
//! (with `spec_version` on the bundle) and 2.1 (on each object), older ATT&CK releases and future
//! ones all read. A UTF-8 byte-order mark and gzip, bzip2 or zstd compression are accepted.

use std::io::Read as _;

use serde::Deserialize;

use crate::engine::ingest::reader::Compression;

/// Largest decompressed bundle accepted (Enterprise v18.1 is 51 MB).
pub const MAX_BUNDLE_BYTES: u64 = 1 << 30;

/// A STIX bundle: only its objects matter here.
#[derive(Debug, Deserialize)]
pub struct RawBundle {
    /// Every object in the bundle, of any type.
    #[serde(default)]
    pub objects: Vec<RawObject>,
}

/// One STIX object with the properties ATT&CK uses; a union over all types.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawObject {
    /// STIX type (`attack-pattern`, `intrusion-set`, `relationship`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    /// STIX id (`attack-pattern--...`).
    pub id: String,
    /// Name.
    pub name: Option<String>,
    /// Description (Markdown with citations).
    pub description: Option<String>,
    /// Replaced by another object.
    pub revoked: bool,
    /// No longer maintained.
    pub x_mitre_deprecated: bool,
    /// References; the `mitre-attack` one carries the ATT&CK id and page.
    pub external_references: Vec<RawReference>,
    /// Tactics of a technique.
    pub kill_chain_phases: Vec<RawPhase>,
    /// True for sub-techniques.
    pub x_mitre_is_subtechnique: bool,
    /// Platforms (Linux, Windows, ...).
    pub x_mitre_platforms: Vec<String>,
    /// Tactic short name (`credential-access`).
    pub x_mitre_shortname: Option<String>,
    /// Tactic order of a matrix.
    pub tactic_refs: Vec<String>,
    /// Content version of a collection (`18.1`).
    pub x_mitre_version: Option<String>,
    /// Domains (`enterprise-attack`).
    pub x_mitre_domains: Vec<String>,
    /// Other names of groups and campaigns.
    pub aliases: Vec<String>,
    /// Other names of software.
    pub x_mitre_aliases: Vec<String>,
    /// Analytics of a detection strategy.
    pub x_mitre_analytic_refs: Vec<String>,
    /// Log sources of an analytic.
    pub x_mitre_log_source_references: Vec<RawLogSource>,
    /// Relationship kind (`uses`, `mitigates`, `revoked-by`, ...).
    pub relationship_type: Option<String>,
    /// Relationship source.
    pub source_ref: Option<String>,
    /// Relationship target.
    pub target_ref: Option<String>,
    /// Last modification time, as written.
    pub modified: Option<String>,
}

/// An external reference.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawReference {
    /// `mitre-attack` for ATT&CK's own id.
    pub source_name: String,
    /// The ATT&CK id (`T1110`).
    pub external_id: Option<String>,
    /// The ATT&CK page.
    pub url: Option<String>,
}

/// A kill-chain phase (tactic) of a technique.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawPhase {
    /// `mitre-attack`, `mitre-mobile-attack`, `mitre-ics-attack`.
    pub kill_chain_name: String,
    /// Tactic short name.
    pub phase_name: String,
}

/// A log source of an analytic, pointing at a data component.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RawLogSource {
    /// The data component's STIX id.
    pub x_mitre_data_component_ref: String,
    /// Log source name (`linux:syslog`).
    pub name: String,
    /// What to look for in it.
    pub channel: String,
}

impl RawObject {
    /// The ATT&CK id and page URL from the `mitre-attack` reference, if any.
    pub fn attack_reference(&self) -> Option<&RawReference> {
        self.external_references.iter().find(|reference| {
            reference.source_name.starts_with("mitre-") && reference.external_id.is_some()
        })
    }
}

/// Decompresses (by magic bytes) and parses a bundle.
pub fn parse_bundle(bytes: &[u8]) -> Result<RawBundle, BundleError> {
    let text = decompress(bytes)?;
    let text = text.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&text);
    Ok(serde_json::from_slice(text)?)
}

/// Why bytes are not a readable bundle.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// Decompression failed or the result is too large.
    #[error("cannot decompress: {0}")]
    Decompress(#[from] std::io::Error),
    /// Not JSON, or not a bundle.
    #[error("not a STIX bundle: {0}")]
    Json(#[from] serde_json::Error),
}

/// Decompresses gzip, bzip2 or zstd (recognized by magic bytes); plain bytes pass through.
pub fn decompress(bytes: &[u8]) -> std::io::Result<std::borrow::Cow<'_, [u8]>> {
    fn read_capped(reader: impl std::io::Read) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::new();
        reader.take(MAX_BUNDLE_BYTES + 1).read_to_end(&mut out)?;
        if out.len() as u64 > MAX_BUNDLE_BYTES {
            return Err(std::io::Error::other(format!(
                "decompressed data exceeds {MAX_BUNDLE_BYTES} bytes"
            )));
        }
        Ok(out)
    }
    Ok(match Compression::sniff(bytes) {
        Compression::None => std::borrow::Cow::Borrowed(bytes),
        Compression::Gzip => read_capped(flate2::read::MultiGzDecoder::new(bytes))?.into(),
        Compression::Bzip2 => read_capped(bzip2::read::MultiBzDecoder::new(bytes))?.into(),
        Compression::Zstd => read_capped(zstd::stream::read::Decoder::new(bytes)?)?.into(),
    })
}
