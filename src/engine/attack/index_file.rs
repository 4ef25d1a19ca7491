//! The compact derived index kept beside a bundle, so start-up does not parse 50 MB of JSON.
//!
//! The file is a header (magic, format version, the fingerprint of the bundles it was built
//! from) followed by the [`KnowledgeBase`] in postcard encoding. An index whose header does not
//! match (another format version, a changed bundle) is ignored and rebuilt.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::knowledge::KnowledgeBase;
use crate::engine::storage::{self, StorageError};

const MAGIC: &[u8; 8] = b"TLATTACK";

/// Bumped whenever [`KnowledgeBase`]'s encoding changes.
const FORMAT_VERSION: u32 = 1;

/// What identifies the bundles an index was built from: path, size and modification time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint(Vec<(String, u64, u128)>);

impl Fingerprint {
    /// Fingerprint of these bundle files as they are now.
    pub fn of(paths: &[PathBuf]) -> std::io::Result<Self> {
        let mut parts = Vec::with_capacity(paths.len());
        for path in paths {
            let metadata = std::fs::metadata(path)?;
            let modified = metadata
                .modified()?
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_nanos());
            parts.push((path.display().to_string(), metadata.len(), modified));
        }
        Ok(Self(parts))
    }

    /// A short stable name for the index file of these bundles.
    pub fn file_stem(&self) -> String {
        use std::hash::{Hash as _, Hasher as _};
        let mut hasher = rustc_hash::FxHasher::default();
        for (path, _, _) in &self.0 {
            path.hash(&mut hasher);
        }
        format!("{:016x}", hasher.finish())
    }
}

#[derive(Serialize, Deserialize)]
struct Header {
    format_version: u32,
    fingerprint: Fingerprint,
}

/// Writes `base` as the index of the bundles with `fingerprint`.
pub fn save(
    path: &Path,
    fingerprint: &Fingerprint,
    base: &KnowledgeBase,
) -> Result<(), StorageError> {
    let header = Header {
        format_version: FORMAT_VERSION,
        fingerprint: fingerprint.clone(),
    };
    let mut bytes = MAGIC.to_vec();
    let encoded = postcard::to_stdvec(&(header, base)).map_err(|error| StorageError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(error),
    })?;
    bytes.extend_from_slice(&encoded);
    storage::replace_file(path, &bytes)
}

/// Reads the index at `path` if it exists and was built from bundles with `fingerprint`.
///
/// Any mismatch or damage gives `None` (logged at debug): the caller rebuilds from the bundles.
pub fn load(path: &Path, fingerprint: &Fingerprint) -> Option<KnowledgeBase> {
    let bytes = std::fs::read(path).ok()?;
    let body = bytes.strip_prefix(MAGIC.as_slice())?;
    let (header, rest): (Header, &[u8]) = match postcard::take_from_bytes(body) {
        Ok(decoded) => decoded,
        Err(error) => {
            tracing::debug!(%error, path = %path.display(), "ATT&CK index header unreadable");
            return None;
        }
    };
    if header.format_version != FORMAT_VERSION || &header.fingerprint != fingerprint {
        tracing::debug!(path = %path.display(), "ATT&CK index is stale");
        return None;
    }
    match postcard::from_bytes::<KnowledgeBase>(rest) {
        Ok(mut base) => {
            base.build_lookups();
            Some(base)
        }
        Err(error) => {
            tracing::debug!(%error, path = %path.display(), "ATT&CK index damaged");
            None
        }
    }
}
