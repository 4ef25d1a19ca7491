//! Where ATT&CK data comes from, in order: files the user names (`--attack`, the
//! `THREATLENS_ATTACK` variable, an import in the app), then the local cache in the data
//! directory. Downloading into the cache is [`super::download`]'s job.
//!
//! Loading goes through the derived index: when an index built from the same bundles (same
//! paths, sizes and times) exists it is read instead of the JSON; otherwise the bundles are
//! parsed and a fresh index is written for next time (in the data directory, so read-only
//! bundles work too).

use std::path::{Path, PathBuf};

use super::build::KnowledgeBuilder;
use super::index_file::{self, Fingerprint};
use super::knowledge::KnowledgeBase;
use super::stix;
use crate::engine::storage;

/// Environment variable naming bundle files (separated like `PATH`).
pub const ATTACK_ENV: &str = "THREATLENS_ATTACK";

/// What the user is told when no ATT&CK data is available.
pub const HOW_TO_GET_ATTACK: &str = "no ATT&CK data: run `threatlens attack update` when online, \
     or pass --attack FILE with enterprise-attack.json from github.com/mitre-attack/attack-stix-data";

/// Why ATT&CK data could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum AttackError {
    /// A bundle could not be read.
    #[error("cannot read ATT&CK data {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A bundle is not valid STIX.
    #[error("ATT&CK data {path} is not usable: {source}")]
    Bundle {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: stix::BundleError,
    },
    /// A bundle parsed but holds no techniques.
    #[error("ATT&CK data {path} holds no techniques")]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The data directory is unusable.
    #[error(transparent)]
    Storage(#[from] storage::StorageError),
    /// A download failed.
    #[error("ATT&CK download from {url} failed: {reason}")]
    Download {
        /// Where from.
        url: String,
        /// What went wrong.
        reason: String,
    },
}

/// A loaded knowledge base and where it came from.
#[derive(Debug)]
pub struct LoadedAttack {
    /// The data.
    pub base: KnowledgeBase,
    /// The bundle files it was built from.
    pub bundles: Vec<PathBuf>,
    /// True when read from the derived index rather than parsed.
    pub from_index: bool,
}

/// The folder holding the cached bundles, their index and MITRE's terms of use.
pub fn cache_dir() -> Result<PathBuf, storage::StorageError> {
    Ok(storage::data_dir()?.join("attack"))
}

/// Bundles in the cache (`*-attack.json`), sorted, Enterprise first.
pub fn cached_bundles() -> Vec<PathBuf> {
    let Ok(dir) = cache_dir() else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut bundles: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.ends_with("-attack.json"))
        })
        .collect();
    bundles.sort_by_key(|path| (!path.ends_with("enterprise-attack.json"), path.clone()));
    bundles
}

/// The bundles to load: those named, else `THREATLENS_ATTACK`, else the cache. Empty when none.
pub fn locate(named: &[PathBuf]) -> Vec<PathBuf> {
    if !named.is_empty() {
        return named.to_vec();
    }
    if let Some(value) = std::env::var_os(ATTACK_ENV).filter(|value| !value.is_empty()) {
        return std::env::split_paths(&value).collect();
    }
    cached_bundles()
}

/// Loads the bundles named (or found by [`locate`]); `Ok(None)` when there are none at all.
pub fn load(named: &[PathBuf]) -> Result<Option<LoadedAttack>, AttackError> {
    let bundles = locate(named);
    if bundles.is_empty() {
        return Ok(None);
    }
    load_bundles(&bundles).map(Some)
}

/// Loads these bundle files, through the derived index when it is current.
pub fn load_bundles(bundles: &[PathBuf]) -> Result<LoadedAttack, AttackError> {
    let fingerprint = Fingerprint::of(bundles).map_err(|source| AttackError::Io {
        path: bundles.first().cloned().unwrap_or_default(),
        source,
    })?;
    let index_path = index_path_for(bundles, &fingerprint);
    if let Some(path) = &index_path
        && let Some(base) = index_file::load(path, &fingerprint)
    {
        tracing::debug!(path = %path.display(), "ATT&CK loaded from index");
        return Ok(LoadedAttack {
            base,
            bundles: bundles.to_vec(),
            from_index: true,
        });
    }

    let base = parse_bundles(bundles)?;
    keep_index(bundles, &fingerprint, &base);
    Ok(LoadedAttack {
        base,
        bundles: bundles.to_vec(),
        from_index: false,
    })
}

/// Writes the derived index of `bundles` (built into `base`) for the next start; a failure is
/// only logged, as the next start then parses again.
pub fn keep_index(bundles: &[PathBuf], fingerprint: &Fingerprint, base: &KnowledgeBase) {
    if let Some(path) = index_path_for(bundles, fingerprint)
        && let Err(error) = index_file::save(&path, fingerprint, base)
    {
        tracing::warn!(%error, "cannot keep an ATT&CK index; the next start parses again");
    }
}

/// Parses bundle files into one knowledge base, without any index.
pub fn parse_bundles(bundles: &[PathBuf]) -> Result<KnowledgeBase, AttackError> {
    let mut builder = KnowledgeBuilder::default();
    for path in bundles {
        let bytes = std::fs::read(path).map_err(|source| AttackError::Io {
            path: path.clone(),
            source,
        })?;
        let raw = stix::parse_bundle(&bytes).map_err(|source| AttackError::Bundle {
            path: path.clone(),
            source,
        })?;
        builder.add_bundle(raw);
    }
    let base = builder.finish();
    if base.techniques.is_empty() {
        return Err(AttackError::Empty {
            path: bundles.first().cloned().unwrap_or_default(),
        });
    }
    tracing::info!(
        version = %base.version(),
        techniques = base.techniques.len(),
        groups = base.groups.len(),
        "ATT&CK data parsed"
    );
    Ok(base)
}

/// Where the index of these bundles lives: beside the cache's own bundles, else in the data
/// directory's index folder. `None` when no data directory can be found.
fn index_path_for(bundles: &[PathBuf], fingerprint: &Fingerprint) -> Option<PathBuf> {
    let cache = cache_dir().ok()?;
    let all_cached = bundles
        .iter()
        .all(|bundle| bundle.parent() == Some(cache.as_path()));
    if all_cached {
        return Some(cache.join("attack.index"));
    }
    Some(
        cache
            .join("index")
            .join(format!("{}.index", fingerprint.file_stem())),
    )
}

/// True when `path` names a file in the ATT&CK cache folder.
pub fn is_cached(path: &Path) -> bool {
    cache_dir().is_ok_and(|cache| path.parent() == Some(cache.as_path()))
}
