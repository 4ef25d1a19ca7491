//! The command line: argument definitions and one module per subcommand.

pub mod actors_command;
pub mod attack_command;
pub mod events_command;
pub mod intel_command;
pub mod progress;
pub mod scan_command;
pub mod table;

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand, ValueEnum};
use jiff::tz::TimeZone;
use threatlens::engine::attack;
use threatlens::engine::ingest::{IngestOptions, InputFormat};

/// ThreatLens: find out what happened on a network from its firewall, auth and sensor logs.
#[derive(Debug, Parser)]
#[command(name = "threatlens", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Log files and folders to open in the desktop app (no command: the app opens).
    #[arg(value_name = "FILES|DIRS")]
    pub paths: Vec<PathBuf>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read logs, run every rule and analytic, and print the detections.
    Scan(ScanArgs),
    /// Print the normalized events of logs as NDJSON, one per parsed line.
    Events(EventsArgs),
    /// Show, update or inspect the MITRE ATT&CK data.
    Attack(AttackCommandArgs),
    /// Rank known groups for a set of ATT&CK techniques (similarity, not attribution).
    Actors(ActorsArgs),
    /// Threat intelligence feeds: add TAXII 2.1 servers, sync them, list what is stored.
    Intel(intel_command::IntelArgs),
}

/// How to read the input files; shared by `scan` and `events`.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Log files and folders (folders are read recursively; compressed files are fine).
    #[arg(required = true, value_name = "FILES|DIRS")]
    pub paths: Vec<PathBuf>,

    /// Read every file as this format instead of recognizing it from its content
    /// (syslog, zeek_tsv, zeek_json, suricata_eve, windows_firewall, web_access).
    #[arg(long, value_name = "FORMAT")]
    pub input_format: Option<InputFormat>,

    /// Year of the first line of logs whose dates have no year (default: from the file's
    /// modification time).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(i16).range(1970..=9999))]
    pub year: Option<i16>,

    /// Time zone for timestamps written without one (IANA name, e.g. Europe/Berlin).
    #[arg(long, value_name = "ZONE", default_value = "UTC")]
    pub tz: String,

    /// Parser threads (default: one per core).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub threads: usize,
}

impl InputArgs {
    /// Ingest options from the arguments.
    pub fn ingest_options(&self) -> anyhow::Result<IngestOptions> {
        let zone = if self.tz.eq_ignore_ascii_case("utc") {
            TimeZone::UTC
        } else {
            TimeZone::get(&self.tz).with_context(|| format!("unknown time zone {:?}", self.tz))?
        };
        Ok(IngestOptions {
            year: self.year,
            zone,
            format: self.input_format,
        })
    }
}

/// Output formats of `scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    /// Aligned columns for a terminal.
    Table,
    /// One JSON document with `files` and `detections`.
    Json,
    /// One JSON object per line: `file` records, then `detection` records.
    Ndjson,
    /// One CSV row per detection.
    Csv,
    /// A STIX 2.1 bundle: indicators for bad addresses and domains, sightings, and relationships
    /// to ATT&CK attack-patterns.
    Stix,
    /// An ATT&CK Navigator layer (format 4.5) scoring detected techniques by count.
    Navigator,
}

/// Arguments of `threatlens scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Input files and how to read them.
    #[command(flatten)]
    pub input: InputArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ScanFormat::Table)]
    pub format: ScanFormat,

    /// Also load every Sigma rule (`.yml`, `.yaml`) under this folder.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,

    /// ATT&CK data to use.
    #[command(flatten)]
    pub attack: AttackArgs,

    /// Threat intelligence to match every event against: STIX bundles, MISP events, OTX
    /// exports, abuse.ch CSVs, address/domain lists (files or folders; repeatable).
    #[arg(long, value_name = "FILE|DIR")]
    pub intel: Vec<PathBuf>,

    /// Write the output to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Never show a progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// Which ATT&CK data to load; shared by the commands that use it.
#[derive(Debug, Args)]
pub struct AttackArgs {
    /// ATT&CK STIX bundle (JSON, optionally gzip/bzip2/zstd); repeat for Mobile and ICS.
    /// Default: the THREATLENS_ATTACK variable, else the data `threatlens attack update` cached.
    #[arg(long = "attack", value_name = "FILE", global = true)]
    pub files: Vec<PathBuf>,
}

/// Arguments of `threatlens attack`.
#[derive(Debug, Args)]
pub struct AttackCommandArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: AttackAction,

    /// ATT&CK data to use.
    #[command(flatten)]
    pub attack: AttackArgs,
}

/// The `attack` subcommands.
#[derive(Debug, Subcommand)]
pub enum AttackAction {
    /// Which ATT&CK data is loaded, from where, and what it holds.
    Info,
    /// Download MITRE's current ATT&CK into the cache (the old data stays if anything fails).
    Update {
        /// Domains to fetch: enterprise (default), mobile, ics; repeatable.
        #[arg(long = "domain", value_name = "DOMAIN")]
        domains: Vec<attack_command::DomainArg>,
        /// Base URL of a mirror laid out like github.com/mitre-attack/attack-stix-data
        /// (default: THREATLENS_ATTACK_URL, else MITRE's repository).
        #[arg(long, value_name = "URL", conflicts_with = "taxii")]
        url: Option<String>,
        /// Read ATT&CK from a TAXII 2.1 server instead (default URL: MITRE's,
        /// https://attack-taxii.mitre.org/taxii2/, which allows about 10 requests per 10 minutes).
        #[arg(long, value_name = "DISCOVERY_URL", num_args = 0..=1,
              default_missing_value = attack::download::MITRE_TAXII_URL)]
        taxii: Option<String>,
        /// Collection id on the TAXII server (default: MITRE's id of the domain; with one
        /// --domain only).
        #[arg(long, value_name = "ID", requires = "taxii")]
        collection: Option<String>,
        /// User for HTTP Basic authentication on the TAXII server; the password comes from
        /// THREATLENS_TAXII_PASSWORD.
        #[arg(long, value_name = "USER", requires = "taxii")]
        user: Option<String>,
    },
    /// Everything ATT&CK says about one technique.
    Show {
        /// Technique id (T1110, T1110.001); revoked ids show their replacement.
        #[arg(value_name = "TECHNIQUE")]
        technique: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Arguments of `threatlens actors`.
#[derive(Debug, Args)]
pub struct ActorsArgs {
    /// Observed technique ids (T1110 T1046 T1041).
    #[arg(value_name = "TECHNIQUE")]
    pub techniques: Vec<String>,

    /// How many groups to show.
    #[arg(long, default_value_t = 10)]
    pub limit: usize,

    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,

    /// Measure the ranking on ATT&CK's attributed campaigns (leave one out) against Jaccard.
    #[arg(long)]
    pub self_test: bool,

    /// ATT&CK data to use.
    #[command(flatten)]
    pub attack: AttackArgs,
}

/// Arguments of `threatlens events`.
#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Input files and how to read them.
    #[command(flatten)]
    pub input: InputArgs,
}
