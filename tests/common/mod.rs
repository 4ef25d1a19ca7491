//! Helpers shared by the integration tests: where the public corpus and our fixtures live.

// Each test binary compiles this module and uses only some of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The shared public corpus (`../shared/corpus`), or `None` with a note when a plain clone has
/// none, so corpus tests skip instead of failing.
pub fn corpus() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if path.is_dir() {
        Some(path)
    } else {
        eprintln!("note: {} not found; corpus tests skipped", path.display());
        None
    }
}

/// A fixture of our own under `tests/data/`.
pub fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(relative)
}

/// A bundle of the shared ATT&CK v18.1 data (`../shared/attack/<name>`), or `None` with a note
/// when a plain clone has none.
pub fn attack_bundle(name: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/attack")
        .join(name);
    if path.is_file() {
        Some(path)
    } else {
        eprintln!(
            "note: {} not found; ATT&CK data tests skipped",
            path.display()
        );
        None
    }
}
