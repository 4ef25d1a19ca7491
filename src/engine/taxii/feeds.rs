//! The configured TAXII feeds: `config_dir()/intel/feeds.json`.
//!
//! A feed is a server, the collections to pull and how to log in. The file never holds a
//! secret: passwords and tokens live in the OS keyring or an environment variable
//! (see [`super::secrets`]).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::TaxiiError;
use crate::engine::storage;

/// How a feed authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthKind {
    /// No authentication.
    #[default]
    None,
    /// HTTP Basic with [`FeedConfig::user`] and a password.
    Basic,
    /// A bearer token.
    Bearer,
}

/// One configured TAXII feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedConfig {
    /// Short name, used for folders and keyring entries (letters, digits, `.`, `-`, `_`).
    pub name: String,
    /// The discovery URL (`https://host/taxii2/`).
    pub url: String,
    /// Collection ids to sync; empty means every readable collection of every API root.
    #[serde(default)]
    pub collections: Vec<String>,
    /// The authentication scheme.
    #[serde(default)]
    pub auth: AuthKind,
    /// User name for Basic authentication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Name of the environment variable that holds the bearer token, if the user chose one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_env: Option<String>,
}

/// All configured feeds, in the order they were added.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedList {
    /// The feeds.
    #[serde(default)]
    pub feeds: Vec<FeedConfig>,
}

/// Where the feed list lives: `config_dir()/intel/feeds.json`.
pub fn feeds_path() -> Result<PathBuf, TaxiiError> {
    Ok(storage::config_dir()?.join("intel").join("feeds.json"))
}

impl FeedList {
    /// Reads the feed list at `path`; a missing file is an empty list.
    pub fn load(path: &Path) -> Result<Self, TaxiiError> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Self::default());
            }
            Err(error) => return Err(TaxiiError::stored(path, error)),
        };
        serde_json::from_slice(&bytes).map_err(|error| TaxiiError::stored(path, error))
    }

    /// Writes the feed list to `path`, replacing the old file whole.
    pub fn save(&self, path: &Path) -> Result<(), TaxiiError> {
        let mut text = serde_json::to_vec_pretty(self).map_err(|e| TaxiiError::stored(path, e))?;
        text.push(b'\n');
        storage::replace_file(path, &text)?;
        Ok(())
    }

    /// The feed called `name`.
    pub fn get(&self, name: &str) -> Option<&FeedConfig> {
        self.feeds.iter().find(|feed| feed.name == name)
    }

    /// Adds `feed`, or replaces the feed of the same name; true when it replaced one.
    pub fn upsert(&mut self, feed: FeedConfig) -> bool {
        match self.feeds.iter_mut().find(|old| old.name == feed.name) {
            Some(old) => {
                *old = feed;
                true
            }
            None => {
                self.feeds.push(feed);
                false
            }
        }
    }
}

/// Whether `name` is usable as a feed name (a folder name on every OS).
pub fn is_valid_feed_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// A feed name made from a URL's host and port (`attack-taxii.mitre.org`, `127.0.0.1-5000`).
pub fn default_feed_name(url: &reqwest::Url) -> String {
    let host = url.host_str().unwrap_or("taxii");
    let name = match url.port() {
        Some(port) => format!("{host}-{port}"),
        None => host.to_owned(),
    };
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(name: &str) -> FeedConfig {
        FeedConfig {
            name: name.into(),
            url: "https://attack-taxii.mitre.org/taxii2/".into(),
            collections: vec!["x-mitre-collection--1f5f1533-f617-4ca8-9ab4-6a02367fa019".into()],
            auth: AuthKind::Basic,
            user: Some("analyst".into()),
            token_env: None,
        }
    }

    #[test]
    fn feed_list_round_trips_and_replaces_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("intel/feeds.json");
        let mut list = FeedList::load(&path).unwrap();
        assert!(list.feeds.is_empty());

        assert!(!list.upsert(feed("mitre")));
        assert!(list.upsert(feed("mitre")));
        list.save(&path).unwrap();

        let loaded = FeedList::load(&path).unwrap();
        assert_eq!(loaded, list);
        assert_eq!(loaded.feeds.len(), 1);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"auth\": \"basic\""), "{text}");
    }

    #[test]
    fn feed_names_are_safe_folder_names() {
        assert!(is_valid_feed_name("attack-taxii.mitre.org"));
        assert!(!is_valid_feed_name("../etc"));
        assert!(!is_valid_feed_name(".hidden"));
        assert!(!is_valid_feed_name("a/b"));

        let url = reqwest::Url::parse("http://127.0.0.1:5000/taxii2/").unwrap();
        assert_eq!(default_feed_name(&url), "127.0.0.1-5000");
    }
}
