//! The TAXII 2.1 resources as they arrive on the wire (discovery, API root, collections,
//! envelopes, manifests).
//!
//! Fields the spec marks optional default to empty values: medallion answers an empty result
//! with `{}` (no `objects`, no `more`), and MITRE's manifest has non-RFC 3339 dates, so dates
//! stay text here. STIX objects stay [`serde_json::Value`]s: the sync stores them as they came,
//! and the intelligence loader interprets them.

use serde::{Deserialize, Serialize};

/// The discovery resource (`GET /taxii2/`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Discovery {
    /// Human-readable name of the server.
    #[serde(default)]
    pub title: String,
    /// Longer description.
    #[serde(default)]
    pub description: Option<String>,
    /// Contact information.
    #[serde(default)]
    pub contact: Option<String>,
    /// The default API root, as given (may be relative).
    #[serde(default)]
    pub default: Option<String>,
    /// The API roots, as given (absolute or relative URLs).
    #[serde(default)]
    pub api_roots: Vec<String>,
}

/// The API root information resource (`GET {api_root}/`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ApiRootInfo {
    /// Human-readable name.
    #[serde(default)]
    pub title: String,
    /// Longer description.
    #[serde(default)]
    pub description: Option<String>,
    /// Supported TAXII media types.
    #[serde(default)]
    pub versions: Vec<String>,
    /// Largest request body the server accepts, in bytes.
    #[serde(default)]
    pub max_content_length: Option<u64>,
}

/// One collection (`GET {api_root}/collections/{id}/`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Collection {
    /// The collection id (a UUID, or a STIX id on MITRE's server).
    pub id: String,
    /// Human-readable name.
    #[serde(default)]
    pub title: String,
    /// Longer description.
    #[serde(default)]
    pub description: Option<String>,
    /// Whether objects can be read.
    #[serde(default)]
    pub can_read: bool,
    /// Whether objects can be added.
    #[serde(default)]
    pub can_write: bool,
    /// Media types of the objects.
    #[serde(default)]
    pub media_types: Vec<String>,
}

/// The collections resource (`GET {api_root}/collections/`).
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct CollectionList {
    #[serde(default)]
    pub collections: Vec<Collection>,
}

/// One page of objects (`GET …/objects/`, `…/objects/{id}/`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Envelope {
    /// Whether more objects follow.
    #[serde(default)]
    pub more: bool,
    /// The cursor for the next page, when the server gives one.
    #[serde(default)]
    pub next: Option<String>,
    /// The STIX objects of this page.
    #[serde(default)]
    pub objects: Vec<serde_json::Value>,
}

/// One manifest record: what the collection holds, without the objects.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ManifestRecord {
    /// The STIX id.
    pub id: String,
    /// When the server added this version (text as sent; not always RFC 3339).
    #[serde(default)]
    pub date_added: String,
    /// The object's version (its `modified`).
    #[serde(default)]
    pub version: String,
    /// The object's media type.
    #[serde(default)]
    pub media_type: Option<String>,
}

/// One page of the manifest (`GET …/manifest/`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ManifestPage {
    /// Whether more records follow.
    #[serde(default)]
    pub more: bool,
    /// The cursor for the next page.
    #[serde(default)]
    pub next: Option<String>,
    /// The records of this page.
    #[serde(default)]
    pub objects: Vec<ManifestRecord>,
}

/// The TAXII date headers of a paged response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DateHeaders {
    /// `X-TAXII-Date-Added-First`: when the first object of the page was added.
    pub first: Option<String>,
    /// `X-TAXII-Date-Added-Last`: when the last object of the page was added.
    pub last: Option<String>,
}

/// A response body together with its TAXII date headers.
#[derive(Debug, Clone)]
pub struct Paged<T> {
    /// The decoded body.
    pub body: T,
    /// The date headers.
    pub dates: DateHeaders,
}
