//! The TAXII 2.1 client against a real server (medallion, the OASIS reference implementation,
//! on 127.0.0.1) and against a scripted server for the faults medallion cannot produce.
//!
//! Expected values come from the fixtures: `tests/data/taxii/collection.json` holds 159 objects
//! (see its generate.py), added one second apart from 2025-10-01T00:00:00 (so the last one at
//! 00:02:38); `update.json` adds 12 indicators and a revoked new version of indicator 0.

#[path = "taxii/fault_server.rs"]
mod fault_server;
#[path = "taxii/medallion.rs"]
mod medallion;
#[path = "support/python_tools.rs"]
mod python_tools;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};
use threatlens::engine::taxii::{
    self, AuthKind, ClientOptions, CollectionSync, Credentials, FeedConfig, PageCursor,
    TaxiiClient, TaxiiError, store,
};

use fault_server::{FaultServer, Reply};
use medallion::Medallion;

fn test_options(page_limit: u32) -> ClientOptions {
    ClientOptions {
        request_timeout: Duration::from_secs(60),
        connect_timeout: Duration::from_secs(5),
        max_retries: 1,
        retry_base_delay: Duration::from_millis(50),
        page_limit,
        ..ClientOptions::default()
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn medallion_feed(server: &Medallion) -> FeedConfig {
    FeedConfig {
        name: "medallion".into(),
        url: server.discovery_url(),
        collections: vec![medallion::COLLECTION.into()],
        auth: AuthKind::Basic,
        user: Some(medallion::USER.into()),
        token_env: None,
    }
}

fn analyst() -> Credentials {
    Credentials::Basic {
        user: medallion::USER.into(),
        password: medallion::PASSWORD.into(),
    }
}

/// Syncs `feed` into `root` and returns the one collection's outcome.
fn sync_one(
    feed: &FeedConfig,
    credentials: Credentials,
    options: ClientOptions,
    root: &Path,
    on_page: &mut dyn FnMut(u32, usize),
) -> CollectionSync {
    let mut on_progress = |progress: taxii::SyncProgress<'_>| {
        on_page(progress.pages, progress.objects);
    };
    let future = taxii::sync_feed(feed, credentials, options, root, &mut on_progress);
    let mut collections = runtime().block_on(future).expect("discovery works");
    assert_eq!(collections.len(), 1);
    collections.remove(0)
}

fn stored_bundle(root: &Path, feed: &str, collection: &str) -> Vec<Value> {
    let path = store::collection_dir(root, feed, collection).join(store::BUNDLE_FILE);
    let bytes = std::fs::read(path).expect("bundle");
    let bundle: Value = serde_json::from_slice(&bytes).expect("bundle is JSON");
    assert_eq!(bundle["type"], "bundle");
    bundle["objects"].as_array().expect("objects").clone()
}

fn stored_files(root: &Path, feed: &str, collection: &str) -> (Vec<u8>, Vec<u8>) {
    let dir = store::collection_dir(root, feed, collection);
    (
        std::fs::read(dir.join(store::BUNDLE_FILE)).expect("bundle"),
        std::fs::read(dir.join(store::STATE_FILE)).expect("state"),
    )
}

/// Adds `update.json` to the collection through medallion's own POST endpoint, as a producer
/// would; medallion stamps the objects with the current time as `date_added`.
fn post_update(server: &Medallion) {
    post_objects(server, medallion::fixture_objects("update.json"));
}

/// POSTs `objects` into medallion's collection and checks it accepted them.
fn post_objects(server: &Medallion, objects: Vec<Value>) {
    let url = format!(
        "{}collections/{}/objects/",
        server.api_root_url(),
        medallion::COLLECTION
    );
    let body = json!({ "objects": objects });
    let response = runtime().block_on(async {
        reqwest::Client::new()
            .post(&url)
            .basic_auth(medallion::USER, Some(medallion::PASSWORD))
            .header("Accept", taxii::TAXII_MEDIA_TYPE)
            .header("Content-Type", taxii::TAXII_MEDIA_TYPE)
            .body(body.to_string())
            .send()
            .await
            .expect("POST reaches medallion")
    });
    assert_eq!(
        response.status().as_u16(),
        202,
        "medallion accepts the objects"
    );
}

#[test]
fn discovery_resolves_the_relative_api_root_and_reads_every_endpoint() {
    let Some(server) = Medallion::start() else {
        return;
    };
    let fixture = medallion::fixture_objects("collection.json");
    let client = TaxiiClient::new(analyst(), test_options(10)).unwrap();
    let discovery_url = taxii::discovery_url(&server.discovery_url()).unwrap();

    runtime().block_on(async {
        let discovery = client.discover(&discovery_url).await.unwrap();
        assert_eq!(discovery.api_roots, ["threatlens/"]);
        let root = taxii::resolve_api_root(&discovery_url, &discovery.api_roots[0]).unwrap();
        assert_eq!(root.as_str(), server.api_root_url());

        let information = client.api_root(&root).await.unwrap();
        assert_eq!(information.title, "ThreatLens test root");
        assert_eq!(information.versions, [taxii::TAXII_MEDIA_TYPE]);

        let collections = client.collections(&root).await.unwrap();
        assert_eq!(collections.len(), 1);
        assert!(collections[0].can_read && collections[0].can_write);
        let collection = client
            .collection(&root, medallion::COLLECTION)
            .await
            .unwrap();
        assert_eq!(collection.title, "Test indicators");

        let id = fixture[5]["id"].as_str().unwrap();
        let object = client
            .object(&root, medallion::COLLECTION, id)
            .await
            .unwrap();
        assert_eq!(object.unwrap()["name"], "Test indicator 4");
        let absent = "indicator--00000000-0000-4000-8000-000000000000";
        let missing = client.object(&root, medallion::COLLECTION, absent).await;
        assert!(missing.unwrap().is_none());

        let first = PageCursor::default();
        let manifest = client
            .manifest_page(&root, medallion::COLLECTION, &first)
            .await
            .unwrap();
        assert!(manifest.body.more);
        assert_eq!(manifest.body.objects.len(), 10);
        assert_eq!(
            manifest.body.objects[0].id,
            fixture[0]["id"].as_str().unwrap()
        );
        assert_eq!(
            manifest.dates.first.as_deref(),
            Some(&*medallion::date_added(0))
        );
        assert_eq!(
            manifest.dates.last.as_deref(),
            Some(&*medallion::date_added(9))
        );
    });
}

#[test]
fn sync_follows_every_page_and_stores_a_bundle() {
    let Some(server) = Medallion::start() else {
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let feed = medallion_feed(&server);
    let mut progress = Vec::new();

    let outcome = sync_one(
        &feed,
        analyst(),
        test_options(25),
        root.path(),
        &mut |p, n| {
            progress.push((p, n));
        },
    );

    let synced = outcome.result.expect("sync succeeds");
    assert_eq!(outcome.title, "Test indicators");
    assert_eq!(
        (synced.received, synced.pages, synced.stored),
        (159, 7, 159)
    );
    let expected_progress = [
        (1, 25),
        (2, 50),
        (3, 75),
        (4, 100),
        (5, 125),
        (6, 150),
        (7, 159),
    ];
    assert_eq!(progress, expected_progress);
    assert_eq!(synced.added_after, Some(medallion::date_added(158)));

    let mut stored: Vec<String> = stored_bundle(root.path(), "medallion", medallion::COLLECTION)
        .iter()
        .map(|object| object["id"].as_str().unwrap().to_owned())
        .collect();
    let mut expected: Vec<String> = medallion::fixture_objects("collection.json")
        .iter()
        .map(|object| object["id"].as_str().unwrap().to_owned())
        .collect();
    stored.sort();
    expected.sort();
    assert_eq!(stored, expected);
    let paths = taxii::synced_bundle_paths_in(root.path()).unwrap();
    assert_eq!(paths.len(), 1);
    assert!(paths[0].ends_with(format!("medallion/{}/bundle.json", medallion::COLLECTION)));
}

#[test]
fn a_second_sync_fetches_only_what_was_added() {
    let Some(server) = Medallion::start() else {
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let feed = medallion_feed(&server);
    let first = sync_one(
        &feed,
        analyst(),
        test_options(100),
        root.path(),
        &mut |_, _| {},
    );
    assert_eq!(first.result.expect("first sync").received, 159);

    post_update(&server);
    let second = sync_one(
        &feed,
        analyst(),
        test_options(5),
        root.path(),
        &mut |_, _| {},
    );

    let second = second.result.expect("second sync");
    assert_eq!((second.received, second.pages), (13, 3));
    assert_eq!((second.merge.added, second.merge.updated), (12, 1));
    assert_eq!(second.stored, 171);
    let stored = stored_bundle(root.path(), "medallion", medallion::COLLECTION);
    let first_indicator = medallion::fixture_objects("collection.json")[1]["id"].clone();
    let revised = stored.iter().find(|o| o["id"] == first_indicator).unwrap();
    assert_eq!(revised["revoked"], true);
    assert_eq!(revised["modified"], "2025-12-01T08:00:00.000Z");

    let (bundle_before, _) = stored_files(root.path(), "medallion", medallion::COLLECTION);
    let third = sync_one(
        &feed,
        analyst(),
        test_options(5),
        root.path(),
        &mut |_, _| {},
    );
    let third = third.result.expect("third sync");
    assert_eq!((third.received, third.stored), (0, 171));
    let (bundle_after, _) = stored_files(root.path(), "medallion", medallion::COLLECTION);
    assert!(
        bundle_after == bundle_before,
        "an empty sync leaves the bundle untouched"
    );
}

#[test]
fn a_wrong_password_is_refused_with_a_clear_error() {
    let Some(server) = Medallion::start() else {
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let wrong = Credentials::Basic {
        user: medallion::USER.into(),
        password: "wrong".into(),
    };
    let mut ignore = |_: taxii::SyncProgress<'_>| {};

    let feed = medallion_feed(&server);
    let future = taxii::sync_feed(&feed, wrong, test_options(10), root.path(), &mut ignore);
    let error = runtime().block_on(future).unwrap_err();

    assert!(
        matches!(error, TaxiiError::AccessDenied { status: 401, .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains("HTTP 401"), "{message}");
    assert!(message.ends_with(&server.discovery_url()), "{message}");
    assert_eq!(
        std::fs::read_dir(root.path()).unwrap().count(),
        0,
        "nothing stored"
    );
}

#[test]
fn a_server_stopped_mid_sync_leaves_the_stored_data_as_it_was() {
    let Some(mut server) = Medallion::start() else {
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let feed = medallion_feed(&server);
    let first = sync_one(
        &feed,
        analyst(),
        test_options(100),
        root.path(),
        &mut |_, _| {},
    );
    assert!(first.result.is_ok());
    post_update(&server);
    let before = stored_files(root.path(), "medallion", medallion::COLLECTION);

    let outcome = sync_one(
        &feed,
        analyst(),
        test_options(5),
        root.path(),
        &mut |page, _| {
            if page == 1 {
                server.stop();
            }
        },
    );

    let error = outcome.result.unwrap_err();
    assert!(
        matches!(error, TaxiiError::Unreachable { attempts: 2, .. }),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .starts_with("cannot reach the TAXII server"),
        "{error}"
    );
    assert_eq!(
        stored_files(root.path(), "medallion", medallion::COLLECTION),
        before
    );
    let dir = store::collection_dir(root.path(), "medallion", medallion::COLLECTION);
    assert_eq!(
        std::fs::read_dir(dir).unwrap().count(),
        2,
        "no temporary files left"
    );
}

fn fault_feed(server: &FaultServer) -> FeedConfig {
    FeedConfig {
        name: "faults".into(),
        url: server.discovery_url(),
        collections: vec![fault_server::COLLECTION.into()],
        auth: AuthKind::None,
        user: None,
        token_env: None,
    }
}

fn page(more: bool, next: Option<&str>, ids: &[&str]) -> String {
    let objects: Vec<Value> = ids
        .iter()
        .map(|id| json!({"type": "indicator", "id": id, "modified": "2025-01-01T00:00:00.000Z"}))
        .collect();
    json!({"more": more, "next": next, "objects": objects}).to_string()
}

fn sync_faults(server: &FaultServer, options: ClientOptions, root: &Path) -> CollectionSync {
    let feed = fault_feed(server);
    sync_one(&feed, Credentials::Anonymous, options, root, &mut |_, _| {})
}

#[test]
fn a_malformed_page_is_an_error_naming_the_url_and_keeps_the_store() {
    let server = FaultServer::start(|number, _| match number {
        0 => Reply::json(page(false, None, &["indicator--a", "indicator--b"]))
            .header("X-TAXII-Date-Added-Last", "2025-10-01T00:00:01.000000Z"),
        _ => Reply::json(r#"{"more": false, "objects": [{"id": "indicator--c"#),
    });
    let root = tempfile::tempdir().unwrap();
    let first = sync_faults(&server, test_options(50), root.path());
    assert_eq!(first.result.expect("first sync").stored, 2);
    let before = stored_files(root.path(), "faults", "c1");

    let error = sync_faults(&server, test_options(50), root.path())
        .result
        .unwrap_err();

    assert!(matches!(error, TaxiiError::Json { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("not valid TAXII JSON"), "{message}");
    assert!(
        message.contains("/api/collections/c1/objects/?added_after="),
        "{message}"
    );
    assert_eq!(stored_files(root.path(), "faults", "c1"), before);
    let second_request = &server.objects_requests()[1].target;
    assert!(second_request.contains("added_after=2025-10-01T00%3A00%3A01.000000Z"));
}

#[test]
fn a_server_repeating_its_page_forever_is_stopped() {
    let server = FaultServer::start(|_, _| {
        Reply::json(page(true, Some("same"), &["indicator--a", "indicator--b"]))
    });
    let root = tempfile::tempdir().unwrap();

    let error = sync_faults(&server, test_options(50), root.path())
        .result
        .unwrap_err();

    assert!(matches!(error, TaxiiError::Pagination { .. }), "{error:?}");
    assert!(error.to_string().contains("page 2 repeats"), "{error}");
    assert_eq!(server.objects_requests().len(), 2);
    assert!(
        taxii::synced_bundle_paths_in(root.path())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn an_endless_listing_stops_at_the_page_budget() {
    let server = FaultServer::start(|number, _| {
        let id = format!("indicator--{number}");
        Reply::json(page(true, Some(&format!("n{number}")), &[&id]))
    });
    let root = tempfile::tempdir().unwrap();
    let options = ClientOptions {
        max_pages: 20,
        ..test_options(50)
    };

    let error = sync_faults(&server, options, root.path())
        .result
        .unwrap_err();

    assert!(error.to_string().contains("more than 20 pages"), "{error}");
    assert_eq!(server.objects_requests().len(), 20);
}

#[test]
fn paging_resends_the_limit_and_falls_back_to_the_date_header() {
    let server = FaultServer::start(|number, _| match number {
        0 => Reply::json(page(true, Some("tok"), &["indicator--a"])),
        1 => Reply::json(page(true, None, &["indicator--b"]))
            .header("X-TAXII-Date-Added-Last", "2025-10-01T00:00:02.000000Z"),
        _ => Reply::json(page(false, None, &["indicator--c"])),
    });
    let root = tempfile::tempdir().unwrap();

    let synced = sync_faults(&server, test_options(7), root.path())
        .result
        .unwrap();

    assert_eq!((synced.received, synced.pages), (3, 3));
    let targets: Vec<String> = server
        .objects_requests()
        .into_iter()
        .map(|request| request.target)
        .collect();
    let base = "/api/collections/c1/objects/";
    assert_eq!(
        targets,
        [
            format!("{base}?limit=7"),
            format!("{base}?limit=7&next=tok"),
            format!("{base}?added_after=2025-10-01T00%3A00%3A02.000000Z&limit=7"),
        ]
    );
}

#[test]
fn a_rate_limited_request_waits_for_retry_after() {
    let server = FaultServer::start(|number, _| match number {
        0 => Reply {
            status: 429,
            headers: vec![("Retry-After".into(), "1".into())],
            body: br#"{"title":"slow down"}"#.to_vec(),
        },
        _ => Reply::json(page(false, None, &["indicator--a"])),
    });
    let root = tempfile::tempdir().unwrap();

    let synced = sync_faults(&server, test_options(50), root.path())
        .result
        .unwrap();

    assert_eq!(synced.stored, 1);
    let requests = server.objects_requests();
    assert_eq!(requests.len(), 2);
    let waited = requests[1].at.duration_since(requests[0].at);
    assert!(waited >= Duration::from_secs(1), "waited only {waited:?}");
}

#[test]
fn a_retry_after_longer_than_allowed_fails_at_once() {
    let server = FaultServer::start(|_, _| Reply {
        status: 429,
        headers: vec![("Retry-After".into(), "3600".into())],
        body: Vec::new(),
    });
    let root = tempfile::tempdir().unwrap();
    let options = ClientOptions {
        max_retry_after: Duration::from_secs(60),
        ..test_options(50)
    };

    let error = sync_faults(&server, options, root.path())
        .result
        .unwrap_err();

    assert!(
        matches!(
            error,
            TaxiiError::RateLimited {
                wait_secs: 3600,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(server.objects_requests().len(), 1);
}

#[test]
fn an_oversized_page_is_refused() {
    let ids: Vec<String> = (0..100).map(|n| format!("indicator--{n}")).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let body = page(false, None, &ids);
    assert!(body.len() > 4000);
    let server = FaultServer::start(move |_, _| Reply::json(body.clone()));
    let root = tempfile::tempdir().unwrap();
    let options = ClientOptions {
        max_body_bytes: 4000,
        ..test_options(50)
    };

    let error = sync_faults(&server, options, root.path())
        .result
        .unwrap_err();

    assert!(
        matches!(
            error,
            TaxiiError::TooLarge {
                limit_bytes: 4000,
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn the_cli_adds_syncs_and_lists_a_feed_without_storing_the_password() {
    let Some(server) = Medallion::start() else {
        return;
    };
    let config = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let threatlens = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_threatlens"))
            .args(args)
            .env("THREATLENS_CONFIG_DIR", config.path())
            .env("THREATLENS_DATA_DIR", data.path())
            .env("THREATLENS_TAXII_PASSWORD", medallion::PASSWORD)
            .env_remove("RUST_LOG")
            .output()
            .expect("the binary runs")
    };

    let url = server.discovery_url();
    let add = [
        "intel",
        "add-taxii",
        &url,
        "--collection",
        medallion::COLLECTION,
    ];
    let added = threatlens(&[&add[..], &["--user", medallion::USER, "--name", "lab"]].concat());
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let feeds = std::fs::read_to_string(config.path().join("intel/feeds.json")).unwrap();
    assert!(feeds.contains(medallion::USER) && !feeds.contains(medallion::PASSWORD));

    let synced = threatlens(&["intel", "sync", "lab", "--page-limit", "60"]);
    let stdout = String::from_utf8_lossy(&synced.stdout);
    assert!(
        synced.status.success(),
        "{}",
        String::from_utf8_lossy(&synced.stderr)
    );
    assert!(
        stdout.contains("159 received (159 new, 0 updated) in 3 page(s)"),
        "{stdout}"
    );

    let listed = threatlens(&["intel", "list"]);
    let stdout = String::from_utf8_lossy(&listed.stdout);
    assert!(stdout.contains("Test indicators  159 objects"), "{stdout}");
    assert!(data.path().join("intel/taxii/lab").is_dir());
}

#[test]
fn a_page_cut_off_in_transfer_is_fetched_again() {
    let server = FaultServer::start(|number, _| {
        let full = page(false, None, &["indicator--a", "indicator--b"]);
        match number {
            0 => Reply::json(&full.as_bytes()[..20]).header("Content-Length", "5000"),
            _ => Reply::json(full),
        }
    });
    let root = tempfile::tempdir().unwrap();

    let synced = sync_faults(&server, test_options(50), root.path())
        .result
        .unwrap();

    assert_eq!(synced.stored, 2);
    assert_eq!(server.objects_requests().len(), 2);
}

#[test]
fn the_cli_sends_the_bearer_token_from_the_named_variable_and_never_stores_it() {
    let server = FaultServer::start(|_, _| Reply::json(page(false, None, &["indicator--a"])));
    let config = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let threatlens = |args: &[&str], token: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_threatlens"));
        command
            .args(args)
            .env("THREATLENS_CONFIG_DIR", config.path())
            .env("THREATLENS_DATA_DIR", data.path())
            .env_remove("LAB_TOKEN")
            .env_remove("THREATLENS_TAXII_TOKEN")
            .env_remove("RUST_LOG");
        if let Some(token) = token {
            command.env("LAB_TOKEN", token);
        }
        command.output().expect("the binary runs")
    };

    let url = server.discovery_url();
    let add = [
        "intel",
        "add-taxii",
        &url,
        "--collection",
        "c1",
        "--token-env",
        "LAB_TOKEN",
    ];
    let added = threatlens(&[&add[..], &["--name", "bearer-lab"]].concat(), None);
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );

    let without = threatlens(&["intel", "sync", "bearer-lab"], None);
    let stderr = String::from_utf8_lossy(&without.stderr);
    assert!(!without.status.success());
    assert!(stderr.contains("set LAB_TOKEN"), "{stderr}");
    assert!(
        server.authorizations().is_empty(),
        "nothing sent without a token"
    );

    let synced = threatlens(&["intel", "sync", "bearer-lab"], Some("tok-42"));
    assert!(
        synced.status.success(),
        "{}",
        String::from_utf8_lossy(&synced.stderr)
    );
    let authorizations = server.authorizations();
    assert_eq!(authorizations.len(), 3, "discovery, collections, objects");
    assert!(
        authorizations
            .iter()
            .all(|a| a.as_deref() == Some("Bearer tok-42"))
    );
    let feeds = std::fs::read_to_string(config.path().join("intel/feeds.json")).unwrap();
    assert!(
        feeds.contains("LAB_TOKEN") && !feeds.contains("tok-42"),
        "{feeds}"
    );
}

/// `threatlens attack update --taxii` reads ATT&CK from a TAXII collection: our small ATT&CK
/// bundle is posted into medallion's collection beside the intelligence fixtures, and the
/// knowledge base built from the collection holds its techniques and version.
#[test]
fn attack_update_reads_attack_from_a_taxii_collection() {
    let Some(server) = Medallion::start() else {
        return;
    };
    let bundle: Value = serde_json::from_slice(
        &std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/attack/mini-attack.json"),
        )
        .expect("our ATT&CK fixture"),
    )
    .expect("it is JSON");
    // medallion versions objects by `modified`; our fixture leaves the common properties out.
    let objects: Vec<Value> = bundle["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .map(|object| {
            let mut object = object.clone();
            for (key, value) in [
                ("spec_version", "2.1"),
                ("created", "2025-01-01T00:00:00.000Z"),
                ("modified", "2025-01-01T00:00:00.000Z"),
            ] {
                object
                    .as_object_mut()
                    .expect("an object")
                    .entry(key)
                    .or_insert(json!(value));
            }
            object
        })
        .collect();
    post_objects(&server, objects);

    let data = tempfile::tempdir().unwrap();
    let threatlens = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_threatlens"))
            .args(args)
            .env("THREATLENS_DATA_DIR", data.path())
            .env("THREATLENS_TAXII_PASSWORD", medallion::PASSWORD)
            .env_remove("THREATLENS_ATTACK")
            .output()
            .unwrap()
    };
    let discovery = server.discovery_url();
    let updated = threatlens(&[
        "attack",
        "update",
        "--taxii",
        &discovery,
        "--collection",
        medallion::COLLECTION,
        "--user",
        medallion::USER,
    ]);
    assert!(
        updated.status.success(),
        "{}",
        String::from_utf8_lossy(&updated.stderr)
    );
    assert!(String::from_utf8_lossy(&updated.stdout).contains("ATT&CK none → 0.9-test"));

    let shown = threatlens(&["attack", "show", "T1110"]);
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(
        text.starts_with("T1110 Brute Force (ATT&CK 0.9-test)"),
        "{text}"
    );
}
