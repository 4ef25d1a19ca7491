//! `threatlens attack info|update|show`: the ATT&CK data behind detections.

use std::io::IsTerminal as _;
use std::process::ExitCode;

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use threatlens::engine::attack::download::{self, AttackDomain, DownloadProgress};
use threatlens::engine::attack::{self, KnowledgeBase, diff, source};
use threatlens::engine::detect::RuleSet;
use threatlens::engine::taxii::{ClientOptions, Credentials, TaxiiClient, secrets};

use super::{AttackAction, AttackArgs, AttackCommandArgs};

/// Runs the command.
pub fn run(args: &AttackCommandArgs) -> anyhow::Result<ExitCode> {
    match &args.action {
        AttackAction::Info => info(&args.attack),
        AttackAction::Update {
            domains,
            url,
            taxii,
            collection,
            user,
        } => {
            let source = match taxii {
                Some(discovery) => UpdateSource::Taxii {
                    discovery,
                    collection: collection.as_deref(),
                    user: user.as_deref(),
                },
                None => UpdateSource::Json {
                    base_url: url.clone().unwrap_or_else(download::base_url),
                },
            };
            update(domains, &source)
        }
        AttackAction::Show { technique, json } => show(&args.attack, technique, *json),
    }
}

/// Loads the data or explains how to get it; `None` means "told the user, exit 2".
pub fn load_or_explain(attack: &AttackArgs) -> anyhow::Result<Option<attack::LoadedAttack>> {
    let loaded = source::load(&attack.files)?;
    if loaded.is_none() {
        eprintln!("{}", source::HOW_TO_GET_ATTACK);
    }
    Ok(loaded)
}

fn info(attack: &AttackArgs) -> anyhow::Result<ExitCode> {
    let cache = source::cache_dir().map(|dir| dir.display().to_string());
    println!("cache folder: {}", cache.as_deref().unwrap_or("(none)"));
    let Some(loaded) = load_or_explain(attack)? else {
        return Ok(ExitCode::from(2));
    };
    let base = &loaded.base;
    for bundle in &loaded.bundles {
        println!("bundle:       {}", bundle.display());
    }
    println!(
        "read from:    {}",
        if loaded.from_index {
            "derived index"
        } else {
            "bundle JSON (index written)"
        }
    );
    for domain in &base.domains {
        println!("domain:       {} {}", domain.name, domain.version);
    }
    let live = |metas: &mut dyn Iterator<Item = &attack::knowledge::Meta>| {
        metas.filter(|meta| meta.is_live()).count()
    };
    let (techniques, subtechniques) = base.live_counts();
    println!("tactics:      {}", base.tactics.len());
    println!("techniques:   {techniques} (+ {subtechniques} sub-techniques), live");
    println!(
        "groups:       {}",
        live(&mut base.groups.iter().map(|g| &g.meta))
    );
    println!(
        "software:     {}",
        live(&mut base.software.iter().map(|s| &s.meta))
    );
    println!(
        "campaigns:    {}",
        live(&mut base.campaigns.iter().map(|c| &c.meta))
    );
    println!(
        "mitigations:  {}",
        live(&mut base.mitigations.iter().map(|m| &m.meta))
    );
    println!(
        "detection strategies: {}, analytics: {}, data components: {}",
        base.detection_strategies.len(),
        base.analytics.len(),
        base.data_components.len()
    );
    println!("{}", download::ATTACK_NOTICE);
    Ok(ExitCode::SUCCESS)
}

/// Where `attack update` reads from.
enum UpdateSource<'a> {
    /// MITRE's JSON repository or a mirror.
    Json { base_url: String },
    /// A TAXII 2.1 server.
    Taxii {
        discovery: &'a str,
        collection: Option<&'a str>,
        user: Option<&'a str>,
    },
}

fn update(domains: &[DomainArg], from: &UpdateSource<'_>) -> anyhow::Result<ExitCode> {
    let domains: Vec<AttackDomain> = if domains.is_empty() {
        vec![AttackDomain::Enterprise]
    } else {
        domains.iter().map(|domain| domain.0).collect()
    };
    let before = source::load(&[]).ok().flatten();

    let bar = progress_bar();
    let mut on_progress = |progress: DownloadProgress| {
        if let Some(total) = progress.total {
            bar.set_length(total);
        }
        bar.set_position(progress.bytes);
        bar.set_message(progress.domain.bundle_name());
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the network runtime")?;
    let outcome = match from {
        UpdateSource::Json { base_url } => {
            let client = download::client()?;
            runtime.block_on(download::update(
                &client,
                base_url,
                &domains,
                &mut on_progress,
            ))
        }
        UpdateSource::Taxii {
            discovery,
            collection,
            user,
        } => {
            let collections = taxii_collections(&domains, *collection)?;
            let client = taxii_client(*user)?;
            let mut on_objects = |domain: AttackDomain, objects: usize| {
                bar.set_message(format!("{}: {objects} objects", domain.bundle_name()));
                bar.tick();
            };
            runtime.block_on(download::update_from_taxii(
                &client,
                discovery,
                &collections,
                &mut on_objects,
            ))
        }
    };
    bar.finish_and_clear();
    let outcome = outcome.context("ATT&CK update failed; the cached data is unchanged")?;

    let was = before.as_ref().map(|old| old.base.version());
    println!(
        "ATT&CK {} → {} ({} bundle(s) in the cache)",
        was.as_deref().unwrap_or("none"),
        outcome.version,
        outcome.bundles.len()
    );
    if !outcome.terms_fetched {
        eprintln!("note: MITRE's terms file could not be fetched; a notice was saved instead");
    }
    if let (Some(before), Ok(Some(after))) = (before, source::load(&[])) {
        report_changes(&before.base, &after.base);
    }
    Ok(ExitCode::SUCCESS)
}

fn taxii_collections(
    domains: &[AttackDomain],
    collection: Option<&str>,
) -> anyhow::Result<Vec<(AttackDomain, String)>> {
    match (collection, domains) {
        (Some(id), [domain]) => Ok(vec![(*domain, id.to_owned())]),
        (Some(_), _) => anyhow::bail!("--collection names one collection: give one --domain"),
        (None, _) => Ok(domains
            .iter()
            .map(|domain| (*domain, domain.mitre_collection().to_owned()))
            .collect()),
    }
}

fn taxii_client(user: Option<&str>) -> anyhow::Result<TaxiiClient> {
    let credentials = match user {
        None => Credentials::Anonymous,
        Some(user) => Credentials::Basic {
            user: user.to_owned(),
            password: std::env::var(secrets::PASSWORD_ENV).with_context(|| {
                format!("--user needs the password in {}", secrets::PASSWORD_ENV)
            })?,
        },
    };
    // MITRE's server allows about ten requests in ten minutes: ask for large pages.
    let options = ClientOptions {
        page_limit: 10_000,
        ..ClientOptions::default()
    };
    Ok(TaxiiClient::new(credentials, options)?)
}

/// Prints what changed for the techniques the bundled rules are tagged with.
fn report_changes(before: &KnowledgeBase, after: &KnowledgeBase) {
    let techniques = RuleSet::bundled()
        .map(|rules| rules.technique_ids())
        .unwrap_or_default();
    let changes = diff::diff(before, after, &techniques);
    if changes.is_empty() {
        println!(
            "no changes for the {} techniques the rules use",
            techniques.len()
        );
    }
    for change in changes {
        println!("  {change}");
    }
}

fn progress_bar() -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {msg} {bar:30} {bytes}/{total_bytes} {bytes_per_sec}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

fn show(attack: &AttackArgs, id: &str, json: bool) -> anyhow::Result<ExitCode> {
    let Some(loaded) = load_or_explain(attack)? else {
        return Ok(ExitCode::from(2));
    };
    let base = &loaded.base;
    let Some(resolved) = base.resolve(id) else {
        eprintln!("{id} is not a technique in ATT&CK {}", base.version());
        return Ok(ExitCode::FAILURE);
    };
    let card = attack::card::TechniqueCard::new(base, &resolved);
    if json {
        println!("{}", serde_json::to_string_pretty(&card)?);
    } else {
        print!("{card}");
    }
    Ok(ExitCode::SUCCESS)
}

/// An ATT&CK domain on the command line.
#[derive(Debug, Clone, Copy)]
pub struct DomainArg(pub AttackDomain);

impl std::str::FromStr for DomainArg {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "enterprise" => Ok(Self(AttackDomain::Enterprise)),
            "mobile" => Ok(Self(AttackDomain::Mobile)),
            "ics" => Ok(Self(AttackDomain::Ics)),
            other => Err(format!(
                "unknown ATT&CK domain {other:?} (enterprise, mobile, ics)"
            )),
        }
    }
}
