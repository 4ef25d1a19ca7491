//! `threatlens intel`: configure TAXII feeds, sync them, and list what is stored.

use std::io::{BufRead as _, IsTerminal as _};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use threatlens::engine::taxii::{
    self, AuthKind, ClientOptions, FeedConfig, FeedList, SyncProgress, feeds, secrets, store,
};

/// Arguments of `threatlens intel`.
#[derive(Debug, Args)]
pub struct IntelArgs {
    /// What to do with threat intelligence feeds.
    #[command(subcommand)]
    pub command: IntelCommand,
}

/// The `intel` subcommands.
#[derive(Debug, Subcommand)]
pub enum IntelCommand {
    /// Add (or replace) a TAXII 2.1 feed; secrets go to the OS keyring, never to the config.
    AddTaxii(AddTaxiiArgs),
    /// Fetch what is new in every collection of one feed, or of all feeds.
    Sync(SyncArgs),
    /// List the feeds, their collections, object counts and last sync.
    List,
}

/// Arguments of `threatlens intel add-taxii`.
#[derive(Debug, Args)]
pub struct AddTaxiiArgs {
    /// The server's discovery URL (e.g. https://attack-taxii.mitre.org/taxii2/).
    #[arg(value_name = "URL")]
    pub url: String,

    /// Collection id to sync (repeatable; default: every readable collection).
    #[arg(long = "collection", value_name = "ID")]
    pub collections: Vec<String>,

    /// User name for HTTP Basic authentication.
    #[arg(long, value_name = "U")]
    pub user: Option<String>,

    /// Use a bearer token read from this environment variable at every sync.
    #[arg(long, value_name = "VAR", conflicts_with = "user")]
    pub token_env: Option<String>,

    /// Read the password (with --user) or bearer token from standard input and store it in the
    /// OS keyring.
    #[arg(long)]
    pub password_stdin: bool,

    /// Name of the feed (default: the server's host and port).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

/// Arguments of `threatlens intel sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The feed to sync (default: all).
    #[arg(value_name = "NAME")]
    pub name: Option<String>,

    /// Objects per page to ask for (servers may send fewer).
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub page_limit: u32,
}

/// Runs `threatlens intel`.
pub fn run(args: &IntelArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        IntelCommand::AddTaxii(add) => add_taxii(add),
        IntelCommand::Sync(sync) => sync_feeds(sync),
        IntelCommand::List => list(),
    }
}

fn add_taxii(args: &AddTaxiiArgs) -> anyhow::Result<ExitCode> {
    let url = taxii::discovery_url(&args.url)?;
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| feeds::default_feed_name(&url));
    if !feeds::is_valid_feed_name(&name) {
        bail!("invalid feed name {name:?}: use letters, digits, '.', '-' and '_'");
    }
    let auth = match (&args.user, &args.token_env, args.password_stdin) {
        (Some(_), _, _) => AuthKind::Basic,
        (None, Some(_), _) | (None, None, true) => AuthKind::Bearer,
        (None, None, false) => AuthKind::None,
    };
    let feed = FeedConfig {
        name: name.clone(),
        url: url.to_string(),
        collections: args.collections.clone(),
        auth,
        user: args.user.clone(),
        token_env: args.token_env.clone(),
    };

    let secret = args.password_stdin.then(read_secret_line).transpose()?;
    let path = taxii::feeds_path()?;
    let mut list = FeedList::load(&path)?;
    let replaced = list.upsert(feed.clone());
    list.save(&path)?;
    let verb = if replaced { "replaced" } else { "added" };
    eprintln!("{verb} feed {name}; fetch it with `threatlens intel sync {name}`");

    if let Some(secret) = secret {
        secrets::store_secret(&feed, &secret)
            .context("the feed is saved, but its secret is not")?;
        eprintln!("stored the secret of feed {name} in the OS keyring");
    } else if let Some(variable) = secrets::secret_variable(&feed) {
        eprintln!("note: give the secret with --password-stdin (OS keyring) or set {variable}");
    }
    Ok(ExitCode::SUCCESS)
}

fn read_secret_line() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("secret: ");
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("cannot read the secret from standard input")?;
    let secret = line.trim_end_matches(['\r', '\n']).to_owned();
    if secret.is_empty() {
        bail!("no secret on standard input");
    }
    Ok(secret)
}

fn sync_feeds(args: &SyncArgs) -> anyhow::Result<ExitCode> {
    let path = taxii::feeds_path()?;
    let list = FeedList::load(&path)?;
    let chosen: Vec<&FeedConfig> = match &args.name {
        Some(name) => vec![
            list.get(name)
                .with_context(|| format!("no feed named {name}; see `threatlens intel list`"))?,
        ],
        None => list.feeds.iter().collect(),
    };
    if chosen.is_empty() {
        bail!("no feeds configured; add one with `threatlens intel add-taxii URL`");
    }

    let options = ClientOptions {
        page_limit: args.page_limit.max(1),
        ..ClientOptions::default()
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the network runtime")?;

    let store_root = store::taxii_data_dir()?;
    let mut failures = 0;
    for feed in chosen {
        let credentials = match secrets::credentials_for(feed) {
            Ok(credentials) => credentials,
            Err(error) => {
                eprintln!("error: {error}");
                failures += 1;
                continue;
            }
        };
        let show_progress = std::io::stderr().is_terminal();
        let mut on_progress = |progress: SyncProgress<'_>| {
            if show_progress {
                eprint!(
                    "\r{}: page {}, {} objects ",
                    progress.collection, progress.pages, progress.objects
                );
            }
        };
        let synced = runtime.block_on(taxii::sync_feed(
            feed,
            credentials,
            options.clone(),
            &store_root,
            &mut on_progress,
        ));
        if show_progress {
            eprint!("\r\x1b[2K");
        }
        let collections = match synced {
            Ok(collections) => collections,
            Err(error) => {
                eprintln!("error: feed {}: {error}", feed.name);
                failures += 1;
                continue;
            }
        };
        failures += print_outcomes(feed, collections);
    }
    Ok(if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Prints one line per synced collection and an error per failed one; returns the failures.
fn print_outcomes(feed: &FeedConfig, collections: Vec<taxii::CollectionSync>) -> usize {
    let mut failures = 0;
    for collection in collections {
        match collection.result {
            Ok(done) => println!(
                "{}  {}  {} received ({} new, {} updated) in {} page(s), {} stored",
                feed.name,
                collection.id,
                done.received,
                done.merge.added,
                done.merge.updated,
                done.pages,
                done.stored
            ),
            Err(error) => {
                eprintln!(
                    "error: feed {} collection {}: {error}",
                    feed.name, collection.id
                );
                failures += 1;
            }
        }
    }
    failures
}

fn list() -> anyhow::Result<ExitCode> {
    let list = FeedList::load(&taxii::feeds_path()?)?;
    if list.feeds.is_empty() {
        println!("no feeds; add one with `threatlens intel add-taxii URL`");
        return Ok(ExitCode::SUCCESS);
    }
    for feed in &list.feeds {
        let auth = match feed.auth {
            AuthKind::None => "no auth".to_owned(),
            AuthKind::Basic => format!("user {}", feed.user.as_deref().unwrap_or("")),
            AuthKind::Bearer => "bearer token".to_owned(),
        };
        println!("{}  {}  ({auth})", feed.name, feed.url);
        print_collections(feed)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn print_collections(feed: &FeedConfig) -> anyhow::Result<()> {
    let root = store::taxii_data_dir()?;
    let feed_dir = root.join(&feed.name);
    let mut ids = feed.collections.clone();
    if ids.is_empty()
        && let Ok(entries) = std::fs::read_dir(&feed_dir)
    {
        ids = entries
            .filter_map(Result::ok)
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .collect();
        ids.sort();
    }
    if ids.is_empty() {
        println!("  (every readable collection; never synced)");
    }
    for id in ids {
        let state = store::load_state(&store::collection_dir(&root, &feed.name, &id))?;
        match state {
            Some(state) => println!(
                "  {id}  {}  {} objects  last sync {}",
                state.title,
                state.object_count,
                state.last_sync.as_deref().unwrap_or("-")
            ),
            None => println!("  {id}  never synced"),
        }
    }
    Ok(())
}
