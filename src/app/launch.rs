//! Starting the desktop app: window options and the eframe run loop.

use std::path::PathBuf;
use std::process::ExitCode;

use super::{App, AppOptions};

/// Opens the window (on `paths`, if any) and returns when it closes.
pub fn run(paths: Vec<PathBuf>) -> anyhow::Result<ExitCode> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("ThreatLens")
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([640.0, 400.0])
            .with_drag_and_drop(true),
        ..eframe::NativeOptions::default()
    };
    let app_options = AppOptions {
        open: paths,
        ..AppOptions::default()
    };
    eframe::run_native(
        "ThreatLens",
        options,
        Box::new(move |creation| Ok(Box::new(App::new(creation, app_options)))),
    )
    .map_err(|error| anyhow::anyhow!("cannot open the window: {error}"))?;
    Ok(ExitCode::SUCCESS)
}
