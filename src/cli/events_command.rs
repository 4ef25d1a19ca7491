//! `threatlens events`: normalized events as NDJSON, in file and line order.

use std::io::{BufWriter, Write as _};
use std::process::ExitCode;

use anyhow::Context as _;
use threatlens::engine::export::events::write_event;
use threatlens::engine::scan::{self, ScanOptions, ScanProgress};

use super::EventsArgs;

/// Runs the command.
pub fn run(args: &EventsArgs) -> anyhow::Result<ExitCode> {
    let options = ScanOptions {
        ingest: args.input.ingest_options()?,
        // One reader keeps files and lines in order, which is what people pipe into jq.
        workers: 1,
        intel: None,
    };
    let (inputs, mut problems) = scan::collect_inputs(&args.input.paths);
    let paths: Vec<String> = inputs
        .iter()
        .map(|input| input.path.display().to_string())
        .collect();

    let stdout = std::io::stdout().lock();
    let mut out = BufWriter::with_capacity(1 << 16, stdout);
    let mut write_error = None;
    let progress = ScanProgress::default();
    let mut reports = scan::read_inputs(&inputs, &options, &progress, &mut |batch| {
        if write_error.is_some() {
            return;
        }
        for event in batch {
            let path = paths
                .get(event.location.file as usize)
                .map_or("", String::as_str);
            if let Err(error) = write_event(event, path, &mut out) {
                if error.kind() == std::io::ErrorKind::BrokenPipe {
                    // The reader is gone (`| head`): nobody wants the rest, so stop reading now
                    // instead of parsing every remaining file for nothing.
                    std::process::exit(0);
                }
                write_error = Some(error);
                return;
            }
        }
    });
    if let Some(error) = write_error {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            return Ok(ExitCode::SUCCESS);
        }
        return Err(error).context("cannot write events");
    }
    out.flush().context("cannot write events")?;

    reports.append(&mut problems);
    super::scan_command::report_problems(&reports);
    if reports.iter().any(|r| r.failure.is_none()) {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("error: no input could be read");
        Ok(ExitCode::from(2))
    }
}
