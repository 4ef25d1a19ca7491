//! Syncing a feed: find its collections through discovery, read what was added since the last
//! sync, merge it into the stored bundle, and swap the files in only when every page arrived.

use std::path::Path;

use reqwest::Url;

use super::client::{TaxiiClient, discovery_url, resolve_api_root};
use super::error::TaxiiError;
use super::feeds::FeedConfig;
use super::http::{ClientOptions, Credentials};
use super::resources::Collection;
use super::store::{self, CollectionState, MergeCounts};

/// What happened to one collection in a sync.
#[derive(Debug)]
pub struct CollectionSync {
    /// The collection id.
    pub id: String,
    /// Its title on the server (empty when it was never reached).
    pub title: String,
    /// The outcome: what changed, or why nothing was stored.
    pub result: Result<SyncedCollection, TaxiiError>,
}

/// A collection synced and stored.
#[derive(Debug, Clone)]
pub struct SyncedCollection {
    /// Objects received in this sync.
    pub received: usize,
    /// Pages read.
    pub pages: u32,
    /// How the stored bundle changed.
    pub merge: MergeCounts,
    /// Objects now stored.
    pub stored: usize,
    /// The `added_after` the next sync will send.
    pub added_after: Option<String>,
}

/// Progress of a sync, reported after every page.
#[derive(Debug, Clone, Copy)]
pub struct SyncProgress<'a> {
    /// The collection being read.
    pub collection: &'a str,
    /// Pages read so far in this collection.
    pub pages: u32,
    /// Objects received so far in this collection.
    pub objects: usize,
}

/// Syncs every collection of `feed` into `store_root` (normally [`store::taxii_data_dir`]).
/// Discovery failing (unreachable server, refused
/// credentials) is an error of the whole feed; a failing collection is reported in its
/// [`CollectionSync`] and the others still sync.
pub async fn sync_feed(
    feed: &FeedConfig,
    credentials: Credentials,
    options: ClientOptions,
    store_root: &Path,
    on_progress: &mut dyn FnMut(SyncProgress<'_>),
) -> Result<Vec<CollectionSync>, TaxiiError> {
    let client = TaxiiClient::new(credentials, options)?;
    let discovery = discovery_url(&feed.url)?;
    let located = locate_collections(&client, &discovery, feed).await?;

    let mut results = Vec::with_capacity(located.len());
    for entry in located {
        let (id, title, result) = match entry {
            Located::Found {
                api_root,
                collection,
            } => {
                let dir = store::collection_dir(store_root, &feed.name, &collection.id);
                let result =
                    sync_collection(&client, &dir, feed, &api_root, &collection, on_progress);
                (
                    collection.id.clone(),
                    collection.title.clone(),
                    result.await,
                )
            }
            Located::Missing(id) => {
                let error = TaxiiError::CollectionNotFound {
                    collection: id.clone(),
                    url: discovery.to_string(),
                };
                (id, String::new(), Err(error))
            }
        };
        match &result {
            Ok(synced) => tracing::info!(
                feed = feed.name,
                collection = id,
                "received {} objects in {} pages, {} stored",
                synced.received,
                synced.pages,
                synced.stored
            ),
            Err(error) => tracing::debug!(feed = feed.name, collection = id, %error, "sync failed"),
        }
        results.push(CollectionSync { id, title, result });
    }
    Ok(results)
}

enum Located {
    Found {
        api_root: Url,
        collection: Collection,
    },
    Missing(String),
}

/// The feed's collections with their API roots: the configured ids, or every readable one.
async fn locate_collections(
    client: &TaxiiClient,
    discovery: &Url,
    feed: &FeedConfig,
) -> Result<Vec<Located>, TaxiiError> {
    let server = client.discover(discovery).await?;
    let mut offered = Vec::new();
    for root in &server.api_roots {
        let api_root = resolve_api_root(discovery, root)?;
        for collection in client.collections(&api_root).await? {
            if collection.can_read {
                offered.push((api_root.clone(), collection));
            }
        }
    }

    if feed.collections.is_empty() {
        return Ok(offered
            .into_iter()
            .map(|(api_root, collection)| Located::Found {
                api_root,
                collection,
            })
            .collect());
    }
    Ok(feed
        .collections
        .iter()
        .map(|id| match offered.iter().find(|(_, c)| &c.id == id) {
            Some((api_root, collection)) => Located::Found {
                api_root: api_root.clone(),
                collection: collection.clone(),
            },
            None => Located::Missing(id.clone()),
        })
        .collect())
}

async fn sync_collection(
    client: &TaxiiClient,
    dir: &Path,
    feed: &FeedConfig,
    api_root: &Url,
    collection: &Collection,
    on_progress: &mut dyn FnMut(SyncProgress<'_>),
) -> Result<SyncedCollection, TaxiiError> {
    let previous = store::load_state(dir)?.unwrap_or_default();

    let mut on_page = |pages, objects| {
        on_progress(SyncProgress {
            collection: &collection.id,
            pages,
            objects,
        });
    };
    let read = client
        .all_objects(
            api_root,
            &collection.id,
            previous.added_after.clone(),
            &mut on_page,
        )
        .await?;

    let received = read.objects.len();
    let mut objects = store::load_objects(dir)?;
    let merge = store::merge_objects(&mut objects, read.objects);
    let now = jiff::Timestamp::now();
    let state = CollectionState {
        title: collection.title.clone(),
        api_root: api_root.to_string(),
        added_after: super::client::latest(previous.added_after, read.date_added_last),
        object_count: objects.len(),
        last_sync: Some(now.round(jiff::Unit::Second).unwrap_or(now).to_string()),
    };
    let bundle_id = store::bundle_id(&feed.name, &collection.id);
    if received == 0 && dir.join(store::BUNDLE_FILE).is_file() {
        store::save_state(dir, &state)?;
    } else {
        store::save(dir, &bundle_id, &objects, &state)?;
    }

    Ok(SyncedCollection {
        received,
        pages: read.pages,
        merge,
        stored: objects.len(),
        added_after: state.added_after,
    })
}
