//! "Open this machine's logs": the usual places firewall, auth and sensor logs are kept on this
//! operating system, each either readable or with the reason it is not.

use std::path::{Path, PathBuf};

/// One usual place and whether it can be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogPlace {
    /// The file or folder.
    pub path: PathBuf,
    /// `Ok` when it can be opened; otherwise why not (permissions, ...).
    pub readable: Result<(), String>,
}

/// The usual log places of this operating system.
pub fn usual_places() -> Vec<PathBuf> {
    let names: &[&str] = if cfg!(target_os = "macos") {
        // TODO(#5): on macOS 12 and later appfirewall.log stays empty; read the application
        // firewall's entries from the unified log (`log show --style syslog`) instead.
        &[
            "/var/log/appfirewall.log",
            "/var/log/appfirewall.log.0.gz",
            "/var/log/appfirewall.log.0.bz2",
        ]
    } else if cfg!(windows) {
        &[r"C:\Windows\System32\LogFiles\Firewall\pfirewall.log"]
    } else {
        &[
            "/var/log/auth.log",
            "/var/log/ufw.log",
            "/var/log/syslog",
            "/var/log/secure",
            "/var/log/messages",
            "/opt/zeek/logs/current",
            "/usr/local/zeek/logs/current",
            "/var/log/zeek/current",
        ]
    };
    names.iter().map(PathBuf::from).collect()
}

/// The places among `candidates` that exist, each checked for reading.
pub fn existing_places(candidates: &[PathBuf]) -> Vec<LogPlace> {
    candidates
        .iter()
        .filter(|path| path.exists())
        .map(|path| LogPlace {
            path: path.clone(),
            readable: check_readable(path),
        })
        .collect()
}

fn check_readable(path: &Path) -> Result<(), String> {
    let result = if path.is_dir() {
        std::fs::read_dir(path).map(|_| ())
    } else {
        std::fs::File::open(path).map(|_| ())
    };
    result.map_err(|error| match error.kind() {
        std::io::ErrorKind::PermissionDenied => {
            "permission denied: run ThreatLens as a user who may read it (often the adm or \
             wheel group), or copy the file"
                .to_owned()
        }
        _ => error.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_existing_places_are_offered_and_missing_ones_are_left_out() {
        let dir = tempfile::tempdir().expect("temp dir");
        let present = dir.path().join("auth.log");
        std::fs::write(&present, "x\n").expect("written");
        let missing = dir.path().join("ufw.log");

        let places = existing_places(&[present.clone(), missing, dir.path().to_path_buf()]);
        assert_eq!(places.len(), 2);
        assert_eq!(places[0].path, present);
        assert_eq!(places[0].readable, Ok(()));
        assert_eq!(places[1].readable, Ok(()));
    }

    #[test]
    fn every_usual_place_is_absolute() {
        assert!(usual_places().iter().all(|path| path.is_absolute()));
    }
}
