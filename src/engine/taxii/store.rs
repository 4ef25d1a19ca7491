//! Synced collections on disk: `data_dir()/intel/taxii/<feed>/<collection>/`, holding
//! `bundle.json` (a STIX 2.1 bundle of every object received so far) and `state.json` (where
//! the next incremental sync starts).
//!
//! New objects are merged into the stored ones in memory, and each file is replaced whole with
//! [`storage::replace_file`] only after every page arrived, so a failed sync leaves both files
//! as they were. The bundle is replaced before the state: if the process dies between the two,
//! the next sync starts from the older `added_after` and merges the same objects again, which
//! changes nothing.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::TaxiiError;
use crate::engine::storage;

/// The bundle file name inside a collection folder.
pub const BUNDLE_FILE: &str = "bundle.json";

/// The state file name inside a collection folder.
pub const STATE_FILE: &str = "state.json";

/// What the last sync of a collection left behind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionState {
    /// The collection's title on the server.
    #[serde(default)]
    pub title: String,
    /// The API root the collection lives in.
    #[serde(default)]
    pub api_root: String,
    /// The `added_after` of the next sync: the latest `X-TAXII-Date-Added-Last` seen.
    #[serde(default)]
    pub added_after: Option<String>,
    /// Objects in the stored bundle.
    #[serde(default)]
    pub object_count: usize,
    /// When the last successful sync finished (RFC 3339).
    #[serde(default)]
    pub last_sync: Option<String>,
}

/// How a merge changed the stored objects.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MergeCounts {
    /// Objects with an id not stored before.
    pub added: usize,
    /// Stored objects replaced by a newer version.
    pub updated: usize,
    /// Received objects that were not newer than the stored version.
    pub unchanged: usize,
}

/// The folder holding every synced TAXII collection.
pub fn taxii_data_dir() -> Result<PathBuf, TaxiiError> {
    Ok(storage::data_dir()?.join("intel").join("taxii"))
}

/// The folder of one collection of one feed under `root` (normally [`taxii_data_dir`]).
pub fn collection_dir(root: &Path, feed: &str, collection: &str) -> PathBuf {
    root.join(feed).join(safe_file_name(collection))
}

/// Every stored `bundle.json` of every synced collection in the data directory, sorted by
/// path; for loading the synced intelligence into a scan.
pub fn synced_bundle_paths() -> Result<Vec<PathBuf>, TaxiiError> {
    synced_bundle_paths_in(&taxii_data_dir()?)
}

/// Every stored `bundle.json` under `root`, sorted by path.
pub fn synced_bundle_paths_in(root: &Path) -> Result<Vec<PathBuf>, TaxiiError> {
    let mut paths = Vec::new();
    for feed in read_dir_sorted(root)? {
        for collection in read_dir_sorted(&feed)? {
            let bundle = collection.join(BUNDLE_FILE);
            if bundle.is_file() {
                paths.push(bundle);
            }
        }
    }
    Ok(paths)
}

fn read_dir_sorted(dir: &Path) -> Result<Vec<PathBuf>, TaxiiError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(TaxiiError::stored(dir, error)),
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_dir())
        .collect();
    paths.sort();
    Ok(paths)
}

/// The state in `dir`, or `None` when the collection was never synced.
pub fn load_state(dir: &Path) -> Result<Option<CollectionState>, TaxiiError> {
    let path = dir.join(STATE_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|error| TaxiiError::stored(&path, error)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(TaxiiError::stored(&path, error)),
    }
}

/// The objects of the bundle in `dir`; none when it does not exist yet.
pub fn load_objects(dir: &Path) -> Result<Vec<serde_json::Value>, TaxiiError> {
    #[derive(Deserialize)]
    struct StoredBundle {
        #[serde(default)]
        objects: Vec<serde_json::Value>,
    }

    let path = dir.join(BUNDLE_FILE);
    let file = match std::fs::File::open(&path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(TaxiiError::stored(&path, error)),
    };
    let bundle: StoredBundle = serde_json::from_reader(std::io::BufReader::new(file))
        .map_err(|error| TaxiiError::stored(&path, error))?;
    Ok(bundle.objects)
}

/// Replaces the bundle, then the state, of the collection in `dir`.
pub fn save(
    dir: &Path,
    bundle_id: &str,
    objects: &[serde_json::Value],
    state: &CollectionState,
) -> Result<(), TaxiiError> {
    let bundle = serde_json::json!({
        "type": "bundle",
        "id": bundle_id,
        "objects": objects,
    });
    let bundle_path = dir.join(BUNDLE_FILE);
    let bytes = serde_json::to_vec(&bundle).map_err(|e| TaxiiError::stored(&bundle_path, e))?;
    storage::replace_file(&bundle_path, &bytes)?;
    save_state(dir, state)
}

/// Replaces only the state of the collection in `dir` (a sync that received nothing).
pub fn save_state(dir: &Path, state: &CollectionState) -> Result<(), TaxiiError> {
    let state_path = dir.join(STATE_FILE);
    let mut bytes =
        serde_json::to_vec_pretty(state).map_err(|e| TaxiiError::stored(&state_path, e))?;
    bytes.push(b'\n');
    storage::replace_file(&state_path, &bytes)?;
    Ok(())
}

/// Merges `received` into `stored`: one object per id, the newest `modified` wins, and a
/// received object replaces a stored one of the same version. Stored order is kept; new ids
/// follow in the order received.
pub fn merge_objects(
    stored: &mut Vec<serde_json::Value>,
    received: Vec<serde_json::Value>,
) -> MergeCounts {
    let mut index: HashMap<String, usize> = stored
        .iter()
        .enumerate()
        .map(|(position, object)| (object_id(object).to_owned(), position))
        .collect();
    let mut counts = MergeCounts::default();
    for object in received {
        let id = object_id(&object).to_owned();
        match index.get(&id) {
            Some(&position) => {
                let old = &stored[position];
                if is_newer(&object, old) {
                    counts.updated += 1;
                    stored[position] = object;
                } else {
                    if !is_newer(old, &object) {
                        stored[position] = object;
                    }
                    counts.unchanged += 1;
                }
            }
            None => {
                counts.added += 1;
                index.insert(id, stored.len());
                stored.push(object);
            }
        }
    }
    counts
}

fn object_id(object: &serde_json::Value) -> &str {
    object
        .get("id")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("")
}

/// Whether `candidate` is a later version than `current` by `modified`.
fn is_newer(candidate: &serde_json::Value, current: &serde_json::Value) -> bool {
    let modified = |object: &serde_json::Value| {
        object
            .get("modified")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
    };
    match (modified(candidate), modified(current)) {
        (Some(a), Some(b)) => match (a.parse::<jiff::Timestamp>(), b.parse::<jiff::Timestamp>()) {
            (Ok(a), Ok(b)) => a > b,
            _ => a > b,
        },
        _ => false,
    }
}

/// `name` with every character that is not safe in a file name replaced by `_`.
fn safe_file_name(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe.is_empty() || safe.starts_with('.') {
        format!("_{safe}")
    } else {
        safe
    }
}

/// A stable STIX bundle id for a feed's collection (a UUID built from an FNV-1a hash).
pub fn bundle_id(feed: &str, collection: &str) -> String {
    let mut hash: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    for byte in feed.bytes().chain([0]).chain(collection.bytes()) {
        hash ^= u128::from(byte);
        hash = hash.wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013B);
    }
    let hex = format!("{hash:032x}");
    format!(
        "bundle--{}-{}-4{}-8{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn indicator(id: &str, modified: &str) -> serde_json::Value {
        json!({"type": "indicator", "id": id, "modified": modified})
    }

    #[test]
    fn merge_keeps_the_newest_version_of_each_id() {
        let mut stored = vec![
            indicator("indicator--a", "2025-01-01T00:00:00.000Z"),
            indicator("indicator--b", "2025-01-01T00:00:00.000Z"),
        ];
        let received = vec![
            indicator("indicator--b", "2025-02-01T00:00:00Z"),
            indicator("indicator--a", "2024-12-01T00:00:00.000Z"),
            indicator("indicator--c", "2025-01-01T00:00:00.000Z"),
            indicator("indicator--a", "2025-01-01T00:00:00.000Z"),
        ];

        let counts = merge_objects(&mut stored, received);

        let expected = MergeCounts {
            added: 1,
            updated: 1,
            unchanged: 2,
        };
        assert_eq!(counts, expected);
        let versions: Vec<_> = stored
            .iter()
            .map(|o| (o["id"].as_str().unwrap(), o["modified"].as_str().unwrap()))
            .collect();
        assert_eq!(
            versions,
            [
                ("indicator--a", "2025-01-01T00:00:00.000Z"),
                ("indicator--b", "2025-02-01T00:00:00Z"),
                ("indicator--c", "2025-01-01T00:00:00.000Z"),
            ]
        );
    }

    #[test]
    fn collection_ids_become_safe_folder_names() {
        assert_eq!(
            safe_file_name("x-mitre-collection--1f5f1533"),
            "x-mitre-collection--1f5f1533"
        );
        assert_eq!(safe_file_name("../x/y"), "_.._x_y");
    }

    #[test]
    fn bundle_ids_are_stable_uuid_shaped() {
        let id = bundle_id("mitre", "enterprise");

        assert_eq!(id, bundle_id("mitre", "enterprise"));
        assert_ne!(id, bundle_id("mitre", "ics"));
        let uuid = id.strip_prefix("bundle--").unwrap();
        let groups: Vec<usize> = uuid.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12]);
        assert_eq!(&uuid[14..15], "4");
    }
}
