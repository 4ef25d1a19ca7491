//! Downloads ATT&CK into the local cache: MITRE's official JSON from the
//! `mitre-attack/attack-stix-data` repository (or a mirror with the same layout), or the
//! collections of MITRE's TAXII 2.1 server (or another TAXII server holding ATT&CK).
//!
//! Every bundle is fetched whole (size capped), parsed and checked to hold techniques before
//! anything in the cache changes; only then are the bundles swapped in one file at a time with
//! [`storage::replace_file`], the index rebuilt, and MITRE's terms of use saved beside them. A
//! failed or interrupted update leaves the previous data exactly as it was.

use std::path::PathBuf;

use super::build::KnowledgeBuilder;
use super::index_file::Fingerprint;
use super::source::{self, AttackError};
use super::stix;
use crate::engine::storage;
use crate::engine::taxii::{self, TaxiiClient};

/// Where the official JSON lives; `THREATLENS_ATTACK_URL` overrides it (mirrors, tests).
pub const DEFAULT_BASE_URL: &str =
    "https://raw.githubusercontent.com/mitre-attack/attack-stix-data/master";

/// Environment variable overriding [`DEFAULT_BASE_URL`].
pub const URL_ENV: &str = "THREATLENS_ATTACK_URL";

/// Largest bundle accepted from the network (Enterprise v18.1 is 51 MB).
pub const MAX_DOWNLOAD_BYTES: u64 = 512 << 20;

/// Shown and saved when MITRE's own terms file cannot be fetched.
pub const ATTACK_NOTICE: &str = "© The MITRE Corporation. This work is reproduced and \
     distributed with the permission of The MITRE Corporation. Terms of use: \
     https://attack.mitre.org/resources/legal-and-branding/terms-of-use/";

/// An ATT&CK domain with its own bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttackDomain {
    /// Enterprise ATT&CK.
    Enterprise,
    /// Mobile ATT&CK.
    Mobile,
    /// ICS ATT&CK.
    Ics,
}

/// Discovery URL of MITRE's public TAXII 2.1 server (rate limited: about 10 requests per 10
/// minutes per address, so pages are asked for large).
pub const MITRE_TAXII_URL: &str = "https://attack-taxii.mitre.org/taxii2/";

impl AttackDomain {
    /// The domain's collection id on MITRE's TAXII server.
    pub fn mitre_collection(self) -> &'static str {
        match self {
            Self::Enterprise => "x-mitre-collection--1f5f1533-f617-4ca8-9ab4-6a02367fa019",
            Self::Mobile => "x-mitre-collection--dac0d2d7-8653-445c-9bff-82f934c1e858",
            Self::Ics => "x-mitre-collection--90c00720-636b-4485-b342-8751d232bf09",
        }
    }

    /// The bundle's name in the repository and the cache (`enterprise-attack`).
    pub fn bundle_name(self) -> &'static str {
        match self {
            Self::Enterprise => "enterprise-attack",
            Self::Mobile => "mobile-attack",
            Self::Ics => "ics-attack",
        }
    }
}

/// Progress of one download, for a progress bar.
#[derive(Debug, Clone, Copy)]
pub struct DownloadProgress {
    /// Which bundle.
    pub domain: AttackDomain,
    /// Bytes received so far.
    pub bytes: u64,
    /// Size announced by the server, if any.
    pub total: Option<u64>,
}

/// What an update did.
#[derive(Debug)]
pub struct UpdateOutcome {
    /// Bundle files now in the cache.
    pub bundles: Vec<PathBuf>,
    /// Version of the new data.
    pub version: String,
    /// True when MITRE's terms file was fetched; false when our notice was saved instead
    /// (always after a TAXII update: the terms are not a STIX object).
    pub terms_fetched: bool,
}

/// The base URL to download from: `THREATLENS_ATTACK_URL` or the official repository.
pub fn base_url() -> String {
    std::env::var(URL_ENV)
        .ok()
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned())
}

/// Downloads the bundles of `domains` from `base_url` and, once all parsed, replaces the cache.
pub async fn update(
    client: &reqwest::Client,
    base_url: &str,
    domains: &[AttackDomain],
    progress: &mut (dyn FnMut(DownloadProgress) + Send),
) -> Result<UpdateOutcome, AttackError> {
    let base_url = base_url.trim_end_matches('/');
    let mut downloaded = Vec::with_capacity(domains.len());
    for &domain in domains {
        let name = domain.bundle_name();
        let url = format!("{base_url}/{name}/{name}.json");
        let bytes = fetch(client, &url, &mut |bytes, total| {
            progress(DownloadProgress {
                domain,
                bytes,
                total,
            });
        })
        .await?;
        downloaded.push(Downloaded { domain, url, bytes });
    }
    let terms = fetch(client, &format!("{base_url}/LICENSE.txt"), &mut |_, _| {})
        .await
        .ok();
    install(downloaded, terms)
}

/// Reads whole ATT&CK collections from a TAXII 2.1 server and, once all parsed, replaces the
/// cache. `collections` pairs each domain with its collection id on that server.
pub async fn update_from_taxii(
    client: &TaxiiClient,
    discovery_url: &str,
    collections: &[(AttackDomain, String)],
    progress: &mut (dyn FnMut(AttackDomain, usize) + Send),
) -> Result<UpdateOutcome, AttackError> {
    let failed = |reason: String| AttackError::Download {
        url: discovery_url.to_owned(),
        reason,
    };
    let discovery = taxii::discovery_url(discovery_url).map_err(|e| failed(e.to_string()))?;
    let server = client
        .discover(&discovery)
        .await
        .map_err(|e| failed(e.to_string()))?;
    let root = server
        .default
        .clone()
        .or_else(|| server.api_roots.first().cloned())
        .ok_or_else(|| failed("the server lists no API root".to_owned()))?;
    let api_root = taxii::resolve_api_root(&discovery, &root).map_err(|e| failed(e.to_string()))?;

    let mut downloaded = Vec::with_capacity(collections.len());
    for (domain, collection) in collections {
        let domain = *domain;
        let read = client
            .all_objects(&api_root, collection, None, &mut |_, objects| {
                progress(domain, objects);
            })
            .await
            .map_err(|e| failed(e.to_string()))?;
        let bundle = serde_json::json!({
            "type": "bundle",
            "id": format!("bundle--{}", uuid::Uuid::new_v4()),
            "objects": read.objects,
        });
        let bytes = serde_json::to_vec(&bundle).map_err(|e| failed(e.to_string()))?;
        let url = format!("{api_root}collections/{collection}/objects/");
        downloaded.push(Downloaded { domain, url, bytes });
    }
    install(downloaded, None)
}

/// One domain's bundle as fetched.
struct Downloaded {
    domain: AttackDomain,
    url: String,
    bytes: Vec<u8>,
}

/// Checks that the bundles parse into a base with techniques, then swaps them into the cache,
/// saves the terms of use (MITRE's file when fetched, else our notice) and rebuilds the index.
fn install(
    downloaded: Vec<Downloaded>,
    terms: Option<Vec<u8>>,
) -> Result<UpdateOutcome, AttackError> {
    let mut builder = KnowledgeBuilder::default();
    for bundle in &downloaded {
        let parsed = stix::parse_bundle(&bundle.bytes).map_err(|error| AttackError::Download {
            url: bundle.url.clone(),
            reason: format!("not a STIX bundle: {error}"),
        })?;
        builder.add_bundle(parsed);
    }
    let base = builder.finish();
    if base.techniques.is_empty() {
        return Err(AttackError::Download {
            url: downloaded
                .first()
                .map(|d| d.url.clone())
                .unwrap_or_default(),
            reason: "the data holds no ATT&CK techniques".to_owned(),
        });
    }

    let cache = source::cache_dir()?;
    let mut bundles = Vec::with_capacity(downloaded.len());
    for bundle in &downloaded {
        let path = cache.join(format!("{}.json", bundle.domain.bundle_name()));
        storage::replace_file(&path, &bundle.bytes)?;
        bundles.push(path);
    }
    let terms_fetched = terms.is_some();
    let terms = terms.unwrap_or_else(|| ATTACK_NOTICE.as_bytes().to_vec());
    storage::replace_file(&cache.join("ATTACK-TERMS-OF-USE.txt"), &terms)?;

    // The index covers every cached bundle in the cache's order: reuse the base just built
    // when the update replaced exactly those, else parse the cache as a whole once.
    let all = source::cached_bundles();
    if all == bundles {
        match Fingerprint::of(&all) {
            Ok(fingerprint) => source::keep_index(&all, &fingerprint, &base),
            Err(error) => tracing::warn!(%error, "the new ATT&CK data could not be indexed"),
        }
    } else if let Err(error) = source::load_bundles(&all) {
        tracing::warn!(%error, "the new ATT&CK data could not be indexed");
    }
    tracing::info!(version = %base.version(), "ATT&CK data updated");
    Ok(UpdateOutcome {
        bundles,
        version: base.version(),
        terms_fetched,
    })
}

/// GETs `url` whole, refusing bodies over [`MAX_DOWNLOAD_BYTES`].
async fn fetch(
    client: &reqwest::Client,
    url: &str,
    progress: &mut (dyn FnMut(u64, Option<u64>) + Send),
) -> Result<Vec<u8>, AttackError> {
    let failed = |reason: String| AttackError::Download {
        url: url.to_owned(),
        reason,
    };
    let response = client
        .get(url)
        .send()
        .await
        .map_err(|error| failed(error.to_string()))?;
    let status = response.status();
    if !status.is_success() {
        return Err(failed(format!("the server answered {status}")));
    }
    let total = response.content_length();
    if total.is_some_and(|total| total > MAX_DOWNLOAD_BYTES) {
        return Err(failed(format!("larger than {MAX_DOWNLOAD_BYTES} bytes")));
    }

    let mut body = Vec::with_capacity(total.unwrap_or(0) as usize);
    let mut response = response;
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|error| failed(format!("interrupted: {error}")))?
    {
        if (body.len() + chunk.len()) as u64 > MAX_DOWNLOAD_BYTES {
            return Err(failed(format!("larger than {MAX_DOWNLOAD_BYTES} bytes")));
        }
        body.extend_from_slice(&chunk);
        progress(body.len() as u64, total);
    }
    Ok(body)
}

/// An HTTP client for ATT&CK downloads: proxies from the environment, bounded waits.
pub fn client() -> Result<reqwest::Client, AttackError> {
    reqwest::Client::builder()
        .user_agent(concat!("ThreatLens/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(std::time::Duration::from_secs(20))
        .read_timeout(std::time::Duration::from_secs(60))
        .build()
        .map_err(|error| AttackError::Download {
            url: String::new(),
            reason: error.to_string(),
        })
}
