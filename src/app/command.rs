//! What views ask the app to do. Views push commands; the app carries them out once per frame,
//! so no view starts a thread or touches a file itself.

use std::path::PathBuf;

use super::case::TriageStatus;

/// The plots the app can draw (and save as PNG).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlotKind {
    /// Detections over time, one series per tactic.
    OverTime,
    /// Source addresses with the most detections.
    TopSources,
    /// Destination ports with the most detections.
    TopPorts,
    /// Detections per severity.
    SeverityMix,
    /// Events read per file.
    EventsPerFile,
}

impl PlotKind {
    /// Every plot, in the order the plots view shows them.
    pub const ALL: [Self; 5] = [
        Self::OverTime,
        Self::TopSources,
        Self::TopPorts,
        Self::SeverityMix,
        Self::EventsPerFile,
    ];

    /// Title shown above the plot.
    pub fn title(self) -> &'static str {
        match self {
            Self::OverTime => "Detections over time by tactic",
            Self::TopSources => "Top source addresses",
            Self::TopPorts => "Top destination ports",
            Self::SeverityMix => "Severity mix",
            Self::EventsPerFile => "Events per file",
        }
    }

    /// File name suggested when saving.
    pub fn file_stem(self) -> &'static str {
        match self {
            Self::OverTime => "detections-over-time",
            Self::TopSources => "top-sources",
            Self::TopPorts => "top-ports",
            Self::SeverityMix => "severity-mix",
            Self::EventsPerFile => "events-per-file",
        }
    }
}

/// The views of the central area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum View {
    /// The detections table and the detail pane.
    #[default]
    Detections,
    /// Opened files with their progress and summaries.
    Files,
    /// Plots.
    Plots,
    /// Techniques, tactics and groups as a graph.
    Graph,
    /// The ATT&CK matrix heat map.
    Matrix,
    /// Settings.
    Settings,
}

/// An intent from a view, a menu, the command line or a test.
#[derive(Debug, Clone)]
pub enum AppCommand {
    /// Read these log files and folders and add what they hold to the case.
    OpenLogs(Vec<PathBuf>),
    /// Ask for files with the native dialog, then open them.
    PickLogs,
    /// Stop waiting for the running scan and drop its results.
    CancelScan,
    /// Load ATT&CK from these bundles (empty: the usual places).
    LoadAttack(Vec<PathBuf>),
    /// Select a detection (an index into the case's detections) or clear the selection.
    Select(Option<usize>),
    /// Show a view in the central area.
    Show(View),
    /// Write a plot to this PNG file.
    SavePlotPng(PlotKind, PathBuf),
    /// Ask where to save a plot, then save it.
    PickPlotPng(PlotKind),
    /// Set the triage status of a detection (by index into the case's detections).
    SetTriage(usize, TriageStatus),
    /// Save the case to this file.
    SaveCase(PathBuf),
    /// Ask where to save the case, then save it.
    PickSaveCase,
    /// Open a saved case: its files are read again and its triage applied.
    OpenCase(PathBuf),
    /// Ask for a case file, then open it.
    PickOpenCase,
    /// Start over with an empty case.
    NewCase,
    /// Write the case's detections to this file (CSV for `.csv`, else JSON).
    ExportDetections(PathBuf),
    /// Ask where to export, then export.
    PickExport,
}
