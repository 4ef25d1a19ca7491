//! Settings kept between runs (eframe storage), apart from everything that lives only while
//! the app runs.

use serde::{Deserialize, Serialize};

/// The storage key the settings are saved under.
pub const SETTINGS_KEY: &str = "threatlens.settings";

/// How many recently opened paths are remembered.
pub const MAX_RECENT: usize = 10;

/// Light or dark look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ThemeChoice {
    /// Follow the operating system.
    #[default]
    System,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

/// Which clock times are shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum TimeDisplay {
    /// Coordinated universal time.
    #[default]
    Utc,
    /// This computer's time zone.
    Local,
}

/// Everything persisted between runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Light, dark or the system's choice.
    pub theme: ThemeChoice,
    /// UTC or local time.
    pub time_display: TimeDisplay,
    /// Paths opened recently, newest first.
    pub recent: Vec<std::path::PathBuf>,
    /// Save the case beside its file after every change (when it has been saved once).
    pub autosave: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            theme: ThemeChoice::default(),
            time_display: TimeDisplay::default(),
            recent: Vec::new(),
            autosave: true,
        }
    }
}

impl Settings {
    /// Remembers opened paths, newest first, without duplicates.
    pub fn remember(&mut self, paths: &[std::path::PathBuf]) {
        for path in paths.iter().rev() {
            self.recent.retain(|known| known != path);
            self.recent.insert(0, path.clone());
        }
        self.recent.truncate(MAX_RECENT);
    }

    /// Formats a time for display in the chosen clock.
    pub fn format_time(&self, time: jiff::Timestamp) -> String {
        match self.time_display {
            TimeDisplay::Utc => time.strftime("%Y-%m-%d %H:%M:%S").to_string(),
            TimeDisplay::Local => time
                .to_zoned_datetime(jiff::tz::TimeZone::system())
                .strftime("%Y-%m-%d %H:%M:%S %Z")
                .to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn recent_paths_are_newest_first_without_duplicates() {
        let mut settings = Settings::default();
        settings.remember(&[PathBuf::from("a"), PathBuf::from("b")]);
        settings.remember(&[PathBuf::from("a")]);
        assert_eq!(
            settings.recent,
            vec![PathBuf::from("a"), PathBuf::from("b")]
        );
    }

    #[test]
    fn utc_times_show_without_zone() {
        let settings = Settings::default();
        let time: jiff::Timestamp = "2026-03-14T02:31:48Z".parse().expect("valid time");
        assert_eq!(settings.format_time(time), "2026-03-14 02:31:48");
    }
}
