//! `threatlens scan`: read logs, run the rules, print detections.

use std::fs::File;
use std::io::{BufWriter, IsTerminal as _, Write};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use threatlens::engine::attack::TechniqueCatalog;
use threatlens::engine::detect::RuleSet;
use threatlens::engine::export::{self, NoTechniqueNames, TechniqueNames};
use threatlens::engine::ingest::FileReport;
use threatlens::engine::scan::{self, ScanOptions, ScanProgress};

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

    let catalog = load_attack(args);
    let names: &dyn TechniqueNames = match &catalog {
        Some(catalog) => catalog,
        None => &NoTechniqueNames,
    };
    let written = match args.format {
        ScanFormat::Table => table::write_table(outcome, color, &mut out),
        ScanFormat::Json => {
            let document = export::scan_document(outcome, names);
            serde_json::to_writer_pretty(&mut out, &document)
                .map_err(std::io::Error::from)
                .and_then(|()| out.write_all(b"\n"))
        }
        ScanFormat::Ndjson => export::write_ndjson(outcome, names, &mut out),
        ScanFormat::Csv => export::write_csv(outcome, names, &mut out),
    };
    match written.and_then(|()| out.flush()) {
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write the output"),
    }
}

/// Loads ATT&CK technique names when the user named a bundle; without one, names stay empty.
fn load_attack(args: &ScanArgs) -> Option<TechniqueCatalog> {
    let path = args.attack.as_ref()?;
    match TechniqueCatalog::load(path) {
        Ok(catalog) => {
            tracing::info!(techniques = catalog.len(), "ATT&CK data loaded");
            Some(catalog)
        }
        Err(error) => {
            eprintln!("warning: {error}; technique names are left out");
            None
        }
    }
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
