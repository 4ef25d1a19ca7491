//! The command line: argument definitions and one module per subcommand.

pub mod events_command;
pub mod progress;
pub mod scan_command;
pub mod table;

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand, ValueEnum};
use jiff::tz::TimeZone;
use threatlens::engine::ingest::{IngestOptions, InputFormat};

/// ThreatLens: find out what happened on a network from its firewall, auth and sensor logs.
#[derive(Debug, Parser)]
#[command(name = "threatlens", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read logs, run every rule and analytic, and print the detections.
    Scan(ScanArgs),
    /// Print the normalized events of logs as NDJSON, one per parsed line.
    Events(EventsArgs),
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

    /// ATT&CK STIX bundle (JSON, optionally gzip/bzip2/zstd) for technique names.
    #[arg(long, value_name = "FILE", env = "THREATLENS_ATTACK")]
    pub attack: Option<PathBuf>,

    /// Write the output to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Never show a progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// Arguments of `threatlens events`.
#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Input files and how to read them.
    #[command(flatten)]
    pub input: InputArgs,
}
