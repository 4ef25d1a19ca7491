//! Native file dialogs (rfd), run on a worker thread so the window keeps drawing while one is
//! open. Without a desktop portal (as in CI) a dialog returns no choice at once, which the app
//! treats as "cancelled"; paths also come from the command line, drag and drop and tests.

use std::path::PathBuf;

use super::command::PlotKind;
use super::jobs::{Job, Wake};

/// What a dialog's answer is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogPurpose {
    /// Log files to open.
    OpenLogs,
    /// Where to write a plot.
    SavePlot(PlotKind),
    /// Where to write the case.
    SaveCase,
    /// Which case to open.
    OpenCase,
    /// Where to export detections.
    Export,
}

/// A dialog waiting for the user.
#[derive(Debug)]
pub struct DialogJob {
    /// What the answer is for.
    pub purpose: DialogPurpose,
    /// The paths chosen (empty when cancelled).
    pub job: Job<Vec<PathBuf>>,
}

impl DialogJob {
    /// Opens the dialog that fits `purpose`.
    pub fn start(purpose: DialogPurpose, wake: Wake) -> std::io::Result<Self> {
        let job = Job::spawn("file-dialog", wake, move || ask(purpose))?;
        Ok(Self { purpose, job })
    }
}

fn ask(purpose: DialogPurpose) -> Vec<PathBuf> {
    match purpose {
        DialogPurpose::OpenLogs => rfd::FileDialog::new()
            .set_title("Open logs")
            .pick_files()
            .unwrap_or_default(),
        DialogPurpose::SavePlot(plot) => rfd::FileDialog::new()
            .set_title("Save plot as PNG")
            .add_filter("PNG image", &["png"])
            .set_file_name(format!("{}.png", plot.file_stem()))
            .save_file()
            .into_iter()
            .collect(),
        DialogPurpose::SaveCase => rfd::FileDialog::new()
            .set_title("Save case")
            .add_filter("ThreatLens case", &["json"])
            .set_file_name("case.threatlens.json")
            .save_file()
            .into_iter()
            .collect(),
        DialogPurpose::Export => rfd::FileDialog::new()
            .set_title("Export detections")
            .add_filter("CSV", &["csv"])
            .add_filter("JSON", &["json"])
            .set_file_name("detections.csv")
            .save_file()
            .into_iter()
            .collect(),
        DialogPurpose::OpenCase => rfd::FileDialog::new()
            .set_title("Open case")
            .add_filter("ThreatLens case", &["json"])
            .pick_file()
            .into_iter()
            .collect(),
    }
}
