//! What can go wrong while talking to a TAXII server or storing what it sent.
//!
//! Messages put the URL or path last, so the front of a message is safe to share.

use std::path::PathBuf;

use crate::engine::storage::StorageError;

/// Why a TAXII request, a sync or a stored feed failed.
#[derive(Debug, thiserror::Error)]
pub enum TaxiiError {
    /// A URL could not be parsed or resolved.
    #[error("invalid URL ({reason}): {url}")]
    InvalidUrl {
        /// The text that was given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },

    /// The server could not be reached, or the connection broke, after every retry.
    #[error("cannot reach the TAXII server after {attempts} attempt(s): {source}: {url}")]
    Unreachable {
        /// The requested URL.
        url: String,
        /// How many requests were sent.
        attempts: u32,
        /// The last transport error.
        source: reqwest::Error,
    },

    /// The HTTP client could not be set up (no TLS backend).
    #[error("cannot set up the HTTP client: {0}")]
    ClientSetup(reqwest::Error),

    /// The server refused the credentials (401) or the access (403).
    #[error(
        "the TAXII server refused access (HTTP {status}{detail}); check the user name and the \
         password or token: {url}"
    )]
    AccessDenied {
        /// 401 or 403.
        status: u16,
        /// The server's own explanation, with a leading "; ", or empty.
        detail: String,
        /// The requested URL.
        url: String,
    },

    /// The server kept answering 429 (or asked to wait longer than allowed).
    #[error("the TAXII server limits the request rate; it asked to wait {wait_secs} s: {url}")]
    RateLimited {
        /// The last wait the server asked for, in seconds.
        wait_secs: u64,
        /// The requested URL.
        url: String,
    },

    /// Any other unsuccessful HTTP status.
    #[error("the TAXII server answered HTTP {status}{detail}: {url}")]
    Status {
        /// The HTTP status code.
        status: u16,
        /// The server's own explanation, with a leading "; ", or empty.
        detail: String,
        /// The requested URL.
        url: String,
    },

    /// The response body is larger than the configured cap.
    #[error("the TAXII response is larger than {limit_bytes} bytes; not read: {url}")]
    TooLarge {
        /// The cap in bytes.
        limit_bytes: u64,
        /// The requested URL.
        url: String,
    },

    /// The response body is not the JSON a TAXII server must send.
    #[error("the TAXII response is not valid TAXII JSON ({source}): {url}")]
    Json {
        /// The requested URL.
        url: String,
        /// The parse error, with line and column.
        source: serde_json::Error,
    },

    /// The server's pagination cannot be followed (loops, endless pages, missing cursor).
    #[error("cannot page through the collection: {reason}: {url}")]
    Pagination {
        /// What the server did.
        reason: String,
        /// The objects URL.
        url: String,
    },

    /// A configured collection is not offered by any API root of the server.
    #[error("the TAXII server has no readable collection {collection}: {url}")]
    CollectionNotFound {
        /// The collection id.
        collection: String,
        /// The discovery URL.
        url: String,
    },

    /// A stored file (feed list, bundle, state) could not be read or parsed.
    #[error("cannot read stored TAXII data ({reason}): {}", path.display())]
    StoredFile {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },

    /// Writing to the data or config folder failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl TaxiiError {
    /// A [`TaxiiError::StoredFile`] for `path`.
    pub(crate) fn stored(path: impl Into<PathBuf>, reason: impl ToString) -> Self {
        Self::StoredFile {
            path: path.into(),
            reason: reason.to_string(),
        }
    }
}
