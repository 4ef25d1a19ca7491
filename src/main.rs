//! The `threatlens` binary: logging set-up and dispatch to the subcommands.

mod cli;

use std::io::IsTerminal as _;
use std::process::ExitCode;

use clap::Parser as _;
use tracing_subscriber::EnvFilter;

use cli::{Cli, Command};

/// Parsing makes and drops millions of small strings, often freed on another thread than the
/// one that made them; mimalloc handles that pattern far better than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The first argument when it looks like a mistyped command rather than a path: a bare word
/// (no separator, no dot) that names nothing on disk.
fn mistyped_command(paths: &[std::path::PathBuf]) -> Option<String> {
    let first = paths.first()?;
    let text = first.to_str()?;
    let bare_word = !text.contains(['/', '\\', '.']) && !text.is_empty();
    (bare_word && !first.exists()).then(|| text.to_owned())
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();

    let cli = Cli::parse();
    let result = match &cli.command {
        Some(Command::Scan(args)) => cli::scan_command::run(args),
        Some(Command::Events(args)) => cli::events_command::run(args),
        Some(Command::Attack(args)) => cli::attack_command::run(args),
        Some(Command::Actors(args)) => cli::actors_command::run(args),
        Some(Command::Intel(args)) => cli::intel_command::run(args),
        None => match mistyped_command(&cli.paths) {
            Some(word) => {
                eprintln!(
                    "error: {word:?} is neither a command (scan, events, attack, actors, intel) \
                     nor a file or folder; see `threatlens --help`"
                );
                return ExitCode::from(2);
            }
            None => threatlens::app::launch::run(cli.paths.clone()),
        },
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
