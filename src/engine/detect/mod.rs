//! Turning events into detections: Sigma rules and statistical network analytics.
//!
//! Rules are Sigma YAML evaluated by the rsigma crates behind [`Detector`]; the analytics
//! (beaconing, exfiltration volume, DNS tunnelling, long connections) are Rust code whose
//! thresholds and ATT&CK tags live in YAML documents next to the rules. Both produce
//! [`Detection`]s into one list.
//!
//! ```text
//! RuleSet (assets/rules + --rules DIR) ─► Detector
//!   Event ─► fields::SigmaView ─► rules of the event's log source ─► fold per rule and key
//!                                   └► correlations (event time) ─► fold per group
//!                                        counting: sliding windows, O(1) per event
//!                                        correlate: rsigma, for the kinds counting leaves
//!         ─► analytics of the event's format (bounded state per key)
//!   finish() ─► detections, most severe first
//! ```
//!
//! ```
//! use threatlens::engine::detect::{Detector, RuleSet};
//! use threatlens::engine::event::{Action, Event, EventFormat, Location, Outcome};
//!
//! let rules = RuleSet::bundled()?;
//! let mut detector = Detector::new(&rules);
//! for n in 0..12 {
//!     let mut event = Event::new(Location { file: 0, line: n + 1 }, EventFormat::Sshd);
//!     event.time = jiff::Timestamp::from_second(1_700_000_000 + n as i64).ok();
//!     event.action = Some(Action::Login);
//!     event.outcome = Some(Outcome::Failure);
//!     event.src_ip = "198.51.100.7".parse().ok();
//!     event.user = Some("root".to_owned());
//!     detector.observe(&event);
//! }
//! let detections = detector.finish();
//! assert_eq!(detections[0].title, "Brute-Force Login From One Source");
//! assert_eq!(detections[0].count, 12);
//! # Ok::<(), threatlens::engine::detect::RuleError>(())
//! ```

pub mod analytics;
pub mod correlate;
pub mod counting;
pub mod detection;
pub mod fields;
pub mod keys;
pub mod logsource;
pub mod matcher;
pub mod meta;
pub mod ruleset;
pub mod sigma;
pub mod waiting;
pub mod window;

pub use detection::{Detection, MAX_EVIDENCE, Severity, sort_most_severe_first};
pub use ruleset::RuleSet;

use crate::engine::event::{Event, EventFormat};
use analytics::Analytic;

use sigma::SigmaStage;

/// Why rules could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    /// A rule file could not be read.
    #[error("cannot read rules from {path}")]
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

/// Runs every rule over a stream of events. Feed events with [`Detector::observe`], then
/// [`Detector::finish`] for the detections.
pub struct Detector {
    sigma: SigmaStage,
    analytics: Vec<Box<dyn Analytic>>,
    analytics_by_format: Vec<Vec<usize>>,
}

impl std::fmt::Debug for Detector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Detector")
            .field("analytics", &self.analytics.len())
            .finish_non_exhaustive()
    }
}

impl Detector {
    /// A detector over `rules`.
    pub fn new(rules: &RuleSet) -> Self {
        let analytics = rules.analytics().iter().map(analytics::build).collect();
        let analytics_by_format = EventFormat::ALL
            .iter()
            .map(|format| {
                let specs = rules.analytics().iter().enumerate();
                specs
                    .filter(|(_, spec)| spec.formats.contains(format))
                    .map(|(index, _)| index)
                    .collect()
            })
            .collect();
        Self {
            sigma: SigmaStage::new(rules),
            analytics,
            analytics_by_format,
        }
    }

    /// Looks at one event.
    pub fn observe(&mut self, event: &Event) {
        self.sigma.observe(event);

        let Some(indices) = self.analytics_by_format.get(event.format.index()) else {
            return;
        };
        for &index in indices {
            if let Some(analytic) = self.analytics.get_mut(index) {
                analytic.observe(event);
            }
        }
    }

    /// Ends the stream and returns the detections, most severe first, then by count.
    pub fn finish(self) -> Vec<Detection> {
        let mut detections = Vec::new();
        self.sigma.finish(&mut detections);
        for analytic in self.analytics {
            analytic.finish(&mut detections);
        }

        sort_most_severe_first(&mut detections);
        detections
    }
}
