//! `threatlens scan`: read logs, run the rules, print detections.

use std::fs::File;
use std::io::{BufWriter, IsTerminal as _, Write};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use threatlens::engine::attack::actors::{self, ActorRanker, RankOptions};
use threatlens::engine::attack::{self, KnowledgeBase};
use threatlens::engine::detect::RuleSet;
use threatlens::engine::export::{self, NoTechniqueNames, TechniqueNames};
use threatlens::engine::ingest::FileReport;
use threatlens::engine::intel::{self, IntelSet};
use threatlens::engine::scan::{self, ScanOptions, ScanProgress};
use threatlens::engine::taxii;

use super::progress::ProgressDisplay;
use super::{ScanArgs, ScanFormat, table};

/// Runs the command.
pub fn run(args: &ScanArgs) -> anyhow::Result<ExitCode> {
    let rules = match &args.rules {
        Some(dir) => RuleSet::with_dir(dir)?,
        None => RuleSet::bundled()?,
    };
    tracing::info!(rules = rules.len(), "rules loaded");

    let options = ScanOptions {
        ingest: args.input.ingest_options()?,
        workers: args.input.threads,
        intel: load_intel(args),
    };
    // Open the output first: an unwritable path should fail before a long scan, not after.
    let output_file = match &args.output {
        Some(path) => {
            Some(File::create(path).with_context(|| format!("cannot create {}", path.display()))?)
        }
        None => None,
    };
    let (inputs, problems) = scan::collect_inputs(&args.input.paths);
    let total_bytes = inputs.iter().map(|input| input.size_bytes).sum();

    let progress = Arc::new(ScanProgress::default());
    let display = ProgressDisplay::start(Arc::clone(&progress), total_bytes, args.quiet);
    let mut outcome = scan::scan(&inputs, &options, &rules, &progress);
    drop(display);
    outcome.files.extend(problems);

    write_output(args, output_file, &outcome)?;
    let table_on_stdout = matches!(args.format, ScanFormat::Table) && args.output.is_none();
    if !table_on_stdout || !outcome.read_anything() {
        report_problems(&outcome.files);
    }

    if outcome.read_anything() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("error: no input could be read; see the reasons above");
        Ok(ExitCode::from(2))
    }
}

fn write_output(
    args: &ScanArgs,
    output_file: Option<File>,
    outcome: &scan::ScanOutcome,
) -> anyhow::Result<()> {
    let (mut out, color): (Box<dyn Write>, bool) = match output_file {
        Some(file) => (Box::new(BufWriter::new(file)), false),
        None => {
            let stdout = std::io::stdout();
            let color = stdout.is_terminal();
            (Box::new(BufWriter::new(stdout.lock())), color)
        }
    };

    let attack = load_attack(args);
    let names: &dyn TechniqueNames = match &attack {
        Some(base) => base,
        None => &NoTechniqueNames,
    };
    let mut document = export::scan_document(outcome, names);
    if let Some(base) = &attack {
        let observed = actors::observed_from_detections(&outcome.detections);
        let named = actors::groups_named(base, &intel_actor_names(&outcome.detections));
        let ranker = ActorRanker::new(base, RankOptions::default());
        document.actors = ranker.rank_with_intel(&observed, &named, 10);
    }
    let written = match args.format {
        ScanFormat::Table => table::write_table(outcome, color, &mut out).and_then(|()| {
            let version = document.attack_version.as_deref();
            table::write_actors(&document.actors, version, &mut out)
        }),
        ScanFormat::Json => write_pretty(&mut out, &document),
        ScanFormat::Ndjson => export::write_ndjson(&document, &mut out),
        ScanFormat::Csv => export::write_csv(&document, &mut out),
        ScanFormat::Stix => {
            let now = jiff::Timestamp::now();
            let bundle = export::stix::stix_bundle(&outcome.detections, attack.as_ref(), now);
            write_pretty(&mut out, &bundle)
        }
        ScanFormat::Navigator => {
            let layer = export::navigator::navigator_layer(&outcome.detections, attack.as_ref());
            write_pretty(&mut out, &layer)
        }
    };
    match written.and_then(|()| out.flush()) {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write the output"),
    }
}

/// Groups that matched intelligence names: STIX ids and names from intel detections' details.
fn intel_actor_names(detections: &[threatlens::engine::detect::Detection]) -> Vec<String> {
    detections
        .iter()
        .flat_map(|detection| &detection.details)
        .filter(|(name, _)| name == "actor_ids" || name == "actors")
        .flat_map(|(_, value)| value.split(',').map(str::to_owned))
        .collect()
}

fn write_pretty(out: &mut dyn Write, value: &impl serde::Serialize) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    out.write_all(b"\n")
}

/// Loads ATT&CK data (named files, `THREATLENS_ATTACK`, or the cache); without it, technique
/// names and actors are left out and the user is told how to get the data.
fn load_attack(args: &ScanArgs) -> Option<KnowledgeBase> {
    match attack::source::load(&args.attack.files) {
        Ok(Some(loaded)) => Some(loaded.base),
        Ok(None) => {
            eprintln!("note: {}", attack::source::HOW_TO_GET_ATTACK);
            None
        }
        Err(error) => {
            eprintln!("warning: {error}; technique names are left out");
            None
        }
    }
}

/// Loads `--intel` files and folders, telling the user on stderr what each one gave.
fn load_intel(args: &ScanArgs) -> Option<Arc<IntelSet>> {
    let mut paths = args.intel.clone();
    match taxii::synced_bundle_paths() {
        Ok(synced) => paths.extend(synced),
        Err(error) => tracing::warn!(%error, "synced TAXII collections left out"),
    }
    if paths.is_empty() {
        return None;
    }
    let loaded = intel::load_paths(&paths);
    for file in &loaded.files {
        let problem = file.failure.is_some() || file.invalid > 0;
        if problem || !args.quiet {
            eprintln!("intel: {}: {}", file.path.display(), file.summary());
        }
    }
    Some(Arc::new(loaded.set))
}

/// Tells the user on stderr about files that could not be read and files with bad lines.
pub fn report_problems(files: &[FileReport]) {
    for file in files {
        if let Some(failure) = &file.failure {
            eprintln!("{}: {failure}", file.path.display());
            continue;
        }
        for warning in &file.warnings {
            eprintln!("{}: warning: {warning}", file.path.display());
        }
        if file.error_count > 0 {
            let first = file.errors.first();
            eprintln!(
                "{}: {} of {} lines could not be read{}",
                file.path.display(),
                file.error_count,
                file.lines,
                first.map_or(String::new(), |error| format!(
                    " (first at line {}: {})",
                    error.line, error.reason
                ))
            );
        }
    }
}
