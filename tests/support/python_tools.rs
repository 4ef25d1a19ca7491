//! The Python programs some tests talk to: medallion (a TAXII 2.1 server) and stix2-validator
//! (the OASIS STIX validator), both from PyPI.
//!
//! A program is taken from its environment variable (`THREATLENS_MEDALLION`,
//! `THREATLENS_STIX_VALIDATOR`), else from `PATH`, else from a virtual environment under the
//! build's temporary folder, which the first test to need it creates with `python3 -m venv` and
//! `pip install` (about 20 seconds, once). So `cargo test --all-targets` needs nothing set up by
//! hand; with `THREATLENS_SKIP_PYTHON_TOOLS=1` the tests that need these programs skip instead.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The PyPI packages installed into the venv, pinned.
const PACKAGES: &[&str] = &["medallion==3.0.0", "stix2-validator==3.3.2"];

/// The program, or `None` when the tests are told to skip.
pub fn python_tool(program: &str, variable: &str) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(variable).filter(|path| !path.is_empty()) {
        return Some(PathBuf::from(path));
    }
    if let Some(found) = on_path(program) {
        return Some(found);
    }
    if std::env::var("THREATLENS_SKIP_PYTHON_TOOLS").is_ok_and(|value| value == "1") {
        eprintln!("note: {program} not found; tests needing it skipped");
        return None;
    }
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("test-tools-venv");
    let tool = venv.join("bin").join(program);
    if !tool.is_file() {
        install(&venv);
    }
    assert!(
        tool.is_file(),
        "{program} is missing from {} after installing; set {variable} to the program, or \
         THREATLENS_SKIP_PYTHON_TOOLS=1 to skip",
        venv.display()
    );
    Some(tool)
}

fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// Creates the venv once; test binaries running side by side wait on a lock file.
fn install(venv: &Path) {
    let lock = venv.with_extension("lock");
    std::fs::create_dir_all(venv.parent().expect("venv has a parent")).expect("tmp folder");
    let started = Instant::now();
    loop {
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&lock)
        {
            Ok(_) => break,
            Err(_) if started.elapsed() < Duration::from_secs(600) => {
                std::thread::sleep(Duration::from_millis(500));
                if venv.join("installed").is_file() {
                    return;
                }
            }
            Err(error) => panic!("waited 10 minutes for {}: {error}", lock.display()),
        }
    }

    let result = (|| -> Result<(), String> {
        if venv.join("installed").is_file() {
            return Ok(());
        }
        run(Command::new("python3").args(["-m", "venv"]).arg(venv))?;
        run(Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet"])
            .args(PACKAGES))?;
        std::fs::write(venv.join("installed"), PACKAGES.join("\n")).map_err(|e| e.to_string())
    })();
    let _ = std::fs::remove_file(&lock);
    if let Err(error) = result {
        panic!(
            "cannot install the Python test tools ({}) into {}: {error}; install them yourself \
             and set THREATLENS_MEDALLION / THREATLENS_STIX_VALIDATOR, or set \
             THREATLENS_SKIP_PYTHON_TOOLS=1 to skip the tests that need them",
            PACKAGES.join(", "),
            venv.display()
        );
    }
}

fn run(command: &mut Command) -> Result<(), String> {
    let output = command.output().map_err(|error| error.to_string())?;
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}
