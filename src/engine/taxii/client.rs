//! The TAXII 2.1 endpoints: discovery, API root, collections, objects, manifest, one object;
//! and the paged walk through a whole collection.

use reqwest::Url;

use super::error::TaxiiError;
use super::http::{ClientOptions, Credentials, Transport};
use super::pagination::{PageCursor, PageOutcome, Pager};
use super::resources::{
    ApiRootInfo, Collection, CollectionList, Discovery, Envelope, ManifestPage, Paged,
};

/// A TAXII 2.1 client for one server.
#[derive(Debug, Clone)]
pub struct TaxiiClient {
    transport: Transport,
}

/// Everything a full or incremental read of a collection returned.
#[derive(Debug, Default)]
pub struct CollectionObjects {
    /// The objects, in the order the server sent them.
    pub objects: Vec<serde_json::Value>,
    /// Pages read.
    pub pages: u32,
    /// The latest `X-TAXII-Date-Added-Last` seen; the `added_after` of the next sync.
    pub date_added_last: Option<String>,
}

impl TaxiiClient {
    /// A client that sends `credentials` with every request.
    pub fn new(credentials: Credentials, options: ClientOptions) -> Result<Self, TaxiiError> {
        Ok(Self {
            transport: Transport::new(credentials, options)?,
        })
    }

    /// `GET /taxii2/`: the server's API roots. Relative roots are resolved with
    /// [`resolve_api_root`].
    pub async fn discover(&self, discovery_url: &Url) -> Result<Discovery, TaxiiError> {
        Ok(self.transport.get_json(discovery_url).await?.body)
    }

    /// `GET {api_root}/`.
    pub async fn api_root(&self, api_root: &Url) -> Result<ApiRootInfo, TaxiiError> {
        Ok(self.transport.get_json(api_root).await?.body)
    }

    /// `GET {api_root}/collections/`.
    pub async fn collections(&self, api_root: &Url) -> Result<Vec<Collection>, TaxiiError> {
        let url = join(api_root, &["collections"])?;
        let list: Paged<CollectionList> = self.transport.get_json(&url).await?;
        Ok(list.body.collections)
    }

    /// `GET {api_root}/collections/{id}/`.
    pub async fn collection(&self, api_root: &Url, id: &str) -> Result<Collection, TaxiiError> {
        let url = join(api_root, &["collections", id])?;
        Ok(self.transport.get_json(&url).await?.body)
    }

    /// One page of `GET …/objects/` with `limit` and the cursor's `added_after`/`next`.
    pub async fn objects_page(
        &self,
        api_root: &Url,
        collection: &str,
        cursor: &PageCursor,
    ) -> Result<Paged<Envelope>, TaxiiError> {
        let url = self.paged_url(api_root, &["collections", collection, "objects"], cursor)?;
        self.transport.get_json(&url).await
    }

    /// One page of `GET …/manifest/`.
    pub async fn manifest_page(
        &self,
        api_root: &Url,
        collection: &str,
        cursor: &PageCursor,
    ) -> Result<Paged<ManifestPage>, TaxiiError> {
        let url = self.paged_url(api_root, &["collections", collection, "manifest"], cursor)?;
        self.transport.get_json(&url).await
    }

    /// `GET …/objects/{id}/`: the latest version of one object, or `None` when it is absent.
    pub async fn object(
        &self,
        api_root: &Url,
        collection: &str,
        object_id: &str,
    ) -> Result<Option<serde_json::Value>, TaxiiError> {
        let url = join(api_root, &["collections", collection, "objects", object_id])?;
        match self.transport.get_json::<Envelope>(&url).await {
            Ok(page) => Ok(page.body.objects.into_iter().next()),
            Err(TaxiiError::Status { status: 404, .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Reads every object added after `added_after` (all when `None`), page by page.
    ///
    /// `on_page` is called after each page with the number of pages and objects so far.
    pub async fn all_objects(
        &self,
        api_root: &Url,
        collection: &str,
        added_after: Option<String>,
        on_page: &mut dyn FnMut(u32, usize),
    ) -> Result<CollectionObjects, TaxiiError> {
        let mut pager = Pager::new(added_after, self.transport.options().max_pages);
        let mut read = CollectionObjects::default();
        loop {
            let page = self
                .objects_page(api_root, collection, pager.cursor())
                .await?;

            let records = page.body.objects.len();
            let mut new_records = 0;
            for object in &page.body.objects {
                let id = text_field(object, "id");
                let version = text_field(object, "modified");
                new_records += usize::from(pager.note_record(id, version));
            }
            read.date_added_last = latest(read.date_added_last.take(), page.dates.last.clone());
            read.objects.extend(page.body.objects);

            let outcome = PageOutcome {
                more: page.body.more,
                next: page.body.next,
                date_added_last: page.dates.last,
                records,
                new_records,
            };
            let more = pager.advance(&outcome).map_err(|reason| {
                let url = join(api_root, &["collections", collection, "objects"]);
                TaxiiError::Pagination {
                    reason,
                    url: url.map(String::from).unwrap_or_default(),
                }
            })?;
            read.pages = pager.pages();
            on_page(read.pages, read.objects.len());
            if !more {
                return Ok(read);
            }
        }
    }

    fn paged_url(
        &self,
        api_root: &Url,
        segments: &[&str],
        cursor: &PageCursor,
    ) -> Result<Url, TaxiiError> {
        let mut url = join(api_root, segments)?;
        {
            let mut query = url.query_pairs_mut();
            if let Some(added_after) = &cursor.added_after {
                query.append_pair("added_after", added_after);
            }
            query.append_pair("limit", &self.transport.options().page_limit.to_string());
            if let Some(next) = &cursor.next {
                query.append_pair("next", next);
            }
        }
        Ok(url)
    }
}

/// The discovery URL for what a user typed: a bare server address gets `/taxii2/`, and every
/// path ends in `/` (TAXII servers redirect or refuse otherwise).
pub fn discovery_url(text: &str) -> Result<Url, TaxiiError> {
    let mut url = Url::parse(text.trim()).map_err(|error| TaxiiError::InvalidUrl {
        url: text.to_owned(),
        reason: error.to_string(),
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(TaxiiError::InvalidUrl {
            url: text.to_owned(),
            reason: "not an http(s) URL with a host".into(),
        });
    }
    if url.path() == "/" || url.path().is_empty() {
        url.set_path("/taxii2/");
    } else if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// An API root as discovery lists it, made absolute. A relative root (`api/v21` on MITRE's
/// server) is relative to the server's origin, not to the discovery path.
pub fn resolve_api_root(discovery: &Url, api_root: &str) -> Result<Url, TaxiiError> {
    let invalid = |reason: String| TaxiiError::InvalidUrl {
        url: api_root.to_owned(),
        reason,
    };
    let absolute = if api_root.contains("://") {
        Url::parse(api_root)
    } else {
        discovery
            .join("/")
            .and_then(|origin| origin.join(api_root.trim_start_matches('/')))
    };
    let mut url = absolute.map_err(|error| invalid(error.to_string()))?;
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// `base` with `segments` appended as path segments and a trailing `/`.
fn join(base: &Url, segments: &[&str]) -> Result<Url, TaxiiError> {
    let mut url = base.clone();
    url.set_query(None);
    url.path_segments_mut()
        .map_err(|()| TaxiiError::InvalidUrl {
            url: base.to_string(),
            reason: "cannot hold a path".into(),
        })?
        .pop_if_empty()
        .extend(segments)
        .push("");
    Ok(url)
}

fn text_field<'a>(object: &'a serde_json::Value, name: &str) -> &'a str {
    object
        .get(name)
        .and_then(serde_json::Value::as_str)
        .unwrap_or("")
}

/// The later of two TAXII timestamps (compared as instants when both parse, else as text).
pub(crate) fn latest(current: Option<String>, candidate: Option<String>) -> Option<String> {
    match (current, candidate) {
        (Some(current), Some(candidate)) => {
            let later = match (
                current.parse::<jiff::Timestamp>(),
                candidate.parse::<jiff::Timestamp>(),
            ) {
                (Ok(a), Ok(b)) => b > a,
                _ => candidate > current,
            };
            Some(if later { candidate } else { current })
        }
        (current, candidate) => current.or(candidate),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_url_adds_the_standard_path_and_slash() {
        let bare = discovery_url("https://attack-taxii.mitre.org").unwrap();
        let no_slash = discovery_url("http://127.0.0.1:5000/taxii2").unwrap();

        assert_eq!(bare.as_str(), "https://attack-taxii.mitre.org/taxii2/");
        assert_eq!(no_slash.as_str(), "http://127.0.0.1:5000/taxii2/");
        assert!(discovery_url("ftp://example.org/").is_err());
        assert!(discovery_url("not a url").is_err());
    }

    #[test]
    fn relative_api_roots_resolve_against_the_origin() {
        let discovery = discovery_url("https://attack-taxii.mitre.org/taxii2/").unwrap();

        let relative = resolve_api_root(&discovery, "api/v21").unwrap();
        let rooted = resolve_api_root(&discovery, "/api/v21/").unwrap();
        let absolute = resolve_api_root(&discovery, "http://other.example:8080/root").unwrap();

        assert_eq!(relative.as_str(), "https://attack-taxii.mitre.org/api/v21/");
        assert_eq!(rooted.as_str(), "https://attack-taxii.mitre.org/api/v21/");
        assert_eq!(absolute.as_str(), "http://other.example:8080/root/");
    }

    #[test]
    fn join_appends_segments_with_a_trailing_slash() {
        let root = Url::parse("http://127.0.0.1:1/api/v21/").unwrap();

        let url = join(
            &root,
            &["collections", "x-mitre-collection--1f5f", "objects"],
        )
        .unwrap();

        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:1/api/v21/collections/x-mitre-collection--1f5f/objects/"
        );
    }

    #[test]
    fn latest_compares_instants_not_text() {
        let earlier = Some("2025-10-01T00:00:09.5Z".to_owned());
        let later = Some("2025-10-01T00:00:10.000000Z".to_owned());

        assert_eq!(latest(earlier.clone(), later.clone()), later);
        assert_eq!(latest(later.clone(), earlier.clone()), later);
        assert_eq!(latest(None, earlier.clone()), earlier);
    }
}
