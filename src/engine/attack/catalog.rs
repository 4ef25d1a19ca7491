//! Technique names and tactics from an ATT&CK STIX 2.x bundle.
//!
//! Reads only what detections need: each `attack-pattern`'s ATT&CK id, name, tactics
//! (`kill_chain_phases`) and its revoked / deprecated flags. Unknown object types and
//! properties are ignored; 2.0 and 2.1 bundle shapes and a UTF-8 byte-order mark are accepted.
//! The file may be plain, gzip, bzip2 or zstd compressed.

use std::collections::HashMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::engine::export::TechniqueNames;
use crate::engine::ingest::reader::Compression;

/// Why ATT&CK data could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum AttackError {
    /// The file could not be read or decompressed.
    #[error("cannot read ATT&CK data {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not a STIX bundle.
    #[error("ATT&CK data {path} is not a STIX bundle: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: serde_json::Error,
    },
}

/// One technique as detections show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TechniqueInfo {
    /// ATT&CK id (`T1110.001`).
    pub id: String,
    /// Name (`Password Guessing`).
    pub name: String,
    /// Tactic short names in the bundle's order (`credential-access`).
    pub tactics: Vec<String>,
    /// Replaced by another object (`revoked: true`).
    pub revoked: bool,
    /// No longer maintained (`x_mitre_deprecated: true`).
    pub deprecated: bool,
}

/// Technique lookups by ATT&CK id.
#[derive(Debug, Clone, Default)]
pub struct TechniqueCatalog {
    techniques: HashMap<String, TechniqueInfo>,
}

#[derive(Deserialize)]
struct Bundle {
    #[serde(default)]
    objects: Vec<StixObject>,
}

#[derive(Deserialize)]
struct StixObject {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    revoked: bool,
    #[serde(default)]
    x_mitre_deprecated: bool,
    #[serde(default)]
    external_references: Vec<ExternalReference>,
    #[serde(default)]
    kill_chain_phases: Vec<KillChainPhase>,
}

#[derive(Deserialize)]
struct ExternalReference {
    #[serde(default)]
    source_name: String,
    #[serde(default)]
    external_id: Option<String>,
}

#[derive(Deserialize)]
struct KillChainPhase {
    #[serde(default)]
    kill_chain_name: String,
    #[serde(default)]
    phase_name: String,
}

impl TechniqueCatalog {
    /// Loads the techniques of a bundle file.
    pub fn load(path: &Path) -> Result<Self, AttackError> {
        let io_error = |source| AttackError::Io {
            path: path.to_path_buf(),
            source,
        };
        let bytes = std::fs::read(path).map_err(io_error)?;
        let text = decompress(&bytes).map_err(io_error)?;
        let text = text.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&text);
        let bundle: Bundle = serde_json::from_slice(text).map_err(|source| AttackError::Json {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Self::from_bundle(bundle))
    }

    fn from_bundle(bundle: Bundle) -> Self {
        let mut techniques = HashMap::new();
        for object in bundle.objects {
            if object.kind != "attack-pattern" {
                continue;
            }
            let Some(id) = object
                .external_references
                .iter()
                .find(|reference| reference.source_name == "mitre-attack")
                .and_then(|reference| reference.external_id.clone())
            else {
                continue;
            };
            let info = TechniqueInfo {
                id: id.clone(),
                name: object.name.unwrap_or_default(),
                tactics: object
                    .kill_chain_phases
                    .into_iter()
                    .filter(|phase| phase.kill_chain_name.starts_with("mitre-"))
                    .map(|phase| phase.phase_name)
                    .collect(),
                revoked: object.revoked,
                deprecated: object.x_mitre_deprecated,
            };
            // A live object wins over a revoked one that kept the same id.
            let keep_existing = techniques
                .get(&id)
                .is_some_and(|existing: &TechniqueInfo| !existing.revoked && info.revoked);
            if !keep_existing {
                techniques.insert(id, info);
            }
        }
        tracing::debug!(techniques = techniques.len(), "ATT&CK techniques loaded");
        Self { techniques }
    }

    /// The technique with this id (case-insensitive), if the bundle has it.
    pub fn get(&self, id: &str) -> Option<&TechniqueInfo> {
        self.techniques.get(&id.to_ascii_uppercase())
    }

    /// Number of techniques and sub-techniques loaded.
    pub fn len(&self) -> usize {
        self.techniques.len()
    }

    /// True when nothing is loaded.
    pub fn is_empty(&self) -> bool {
        self.techniques.is_empty()
    }
}

impl TechniqueNames for TechniqueCatalog {
    fn name(&self, technique_id: &str) -> Option<String> {
        self.get(technique_id).map(|info| info.name.clone())
    }
}

fn decompress(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    match Compression::sniff(bytes) {
        Compression::None => return Ok(bytes.to_vec()),
        Compression::Gzip => {
            flate2::read::MultiGzDecoder::new(bytes).read_to_end(&mut out)?;
        }
        Compression::Bzip2 => {
            bzip2::read::MultiBzDecoder::new(bytes).read_to_end(&mut out)?;
        }
        Compression::Zstd => {
            zstd::stream::read::Decoder::new(bytes)?.read_to_end(&mut out)?;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUNDLE: &str = r#"{"type":"bundle","id":"bundle--1","spec_version":"2.0","objects":[
      {"type":"x-mitre-collection","id":"x-mitre-collection--1","x_mitre_contents":[]},
      {"type":"attack-pattern","id":"attack-pattern--a","name":"Brute Force",
       "external_references":[{"source_name":"mitre-attack","external_id":"T1110"}],
       "kill_chain_phases":[{"kill_chain_name":"mitre-attack","phase_name":"credential-access"}],
       "x_mitre_platforms":["Linux"]},
      {"type":"attack-pattern","id":"attack-pattern--b","name":"Old Name","revoked":true,
       "external_references":[{"source_name":"mitre-attack","external_id":"T1046"}]},
      {"type":"attack-pattern","id":"attack-pattern--c","name":"Network Service Discovery",
       "external_references":[{"source_name":"mitre-attack","external_id":"T1046"}],
       "kill_chain_phases":[{"kill_chain_name":"mitre-attack","phase_name":"discovery"}]}
    ]}"#;

    #[test]
    fn reads_names_and_tactics_and_skips_unknown_types() {
        let bundle: Bundle =
            serde_json::from_slice(format!("\u{feff}{BUNDLE}").as_bytes().get(3..).unwrap())
                .unwrap();
        let catalog = TechniqueCatalog::from_bundle(bundle);
        assert_eq!(catalog.len(), 2);
        let brute = catalog.get("t1110").unwrap();
        assert_eq!(brute.name, "Brute Force");
        assert_eq!(brute.tactics, ["credential-access"]);
        let scan = catalog.get("T1046").unwrap();
        assert_eq!(scan.name, "Network Service Discovery", "live object wins");
        assert!(!scan.revoked);
    }
}
