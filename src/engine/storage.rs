//! Where ThreatLens keeps its data on disk, and how it replaces stored files safely.
//!
//! Data (the ATT&CK cache, synced intelligence) lives in the OS data directory and settings in
//! the OS config directory, both found with `directories`. `THREATLENS_DATA_DIR` and
//! `THREATLENS_CONFIG_DIR` override them, which is how tests keep to a temporary folder.
//!
//! Stored files are only ever replaced whole: the new content is written to a temporary file in
//! the same folder, flushed, and renamed over the old one, so a crash or a failed download in
//! the middle leaves the previous content as it was.

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Environment variable that overrides the data directory.
pub const DATA_DIR_ENV: &str = "THREATLENS_DATA_DIR";

/// Environment variable that overrides the config directory.
pub const CONFIG_DIR_ENV: &str = "THREATLENS_CONFIG_DIR";

/// Why a stored file could not be written or no storage place exists.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The OS reports no home directory, and no override is set.
    #[error("no data directory: this system has no home directory; set {DATA_DIR_ENV}")]
    NoHome,
    /// Creating, writing or renaming failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("org", "ThreatLens", "ThreatLens")
}

/// The folder for downloaded and derived data (ATT&CK cache, synced feeds).
pub fn data_dir() -> Result<PathBuf, StorageError> {
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|dir| !dir.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    project_dirs()
        .map(|dirs| dirs.data_dir().to_path_buf())
        .ok_or(StorageError::NoHome)
}

/// The folder for settings (feed definitions, model settings; never secrets).
pub fn config_dir() -> Result<PathBuf, StorageError> {
    if let Some(dir) = std::env::var_os(CONFIG_DIR_ENV).filter(|dir| !dir.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    project_dirs()
        .map(|dirs| dirs.config_dir().to_path_buf())
        .ok_or(StorageError::NoHome)
}

/// Replaces `path` with `bytes` in one step: readers see the old content or the new, never a mix.
///
/// Missing parent folders are created.
pub fn replace_file(path: &Path, bytes: &[u8]) -> Result<(), StorageError> {
    let io_error = |source| StorageError::Io {
        path: path.to_path_buf(),
        source,
    };
    let parent = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(io_error)?;

    let mut temporary = tempfile_in(parent).map_err(io_error)?;
    temporary.file.write_all(bytes).map_err(io_error)?;
    temporary.file.sync_all().map_err(io_error)?;
    drop(temporary.file);

    std::fs::rename(&temporary.path, path).map_err(|source| {
        let _ = std::fs::remove_file(&temporary.path);
        io_error(source)
    })
}

struct Temporary {
    path: PathBuf,
    file: std::fs::File,
}

/// A new file with a unique name in `folder`, opened for writing.
fn tempfile_in(folder: &Path) -> std::io::Result<Temporary> {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos());
    for attempt in 0..100u32 {
        let name = format!(".tmp-{}-{stamp}-{attempt}", std::process::id());
        let path = folder.join(name);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(file) => return Ok(Temporary { path, file }),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(error) => return Err(error),
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        "no free temporary file name",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replace_file_creates_folders_and_overwrites_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/data.json");

        replace_file(&path, b"first").unwrap();
        replace_file(&path, b"second").unwrap();

        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        let leftovers = std::fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file is left behind");
    }
}
