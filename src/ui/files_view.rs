//! The files view: reading progress per file, a cancel button, and what each file held.

use crate::app::state::AppState;
use crate::app::{AppCommand, machine_logs};
use crate::engine::ingest::FileReport;

/// How often the usual log places are checked again while their list is open.
const MACHINE_LOGS_REFRESH: std::time::Duration = std::time::Duration::from_secs(5);

/// Line errors listed per file before "and N more".
const ERRORS_SHOWN: usize = 5;

/// Progress of the running scan (if any), then one summary per file read.
pub fn files_view_ui(ui: &mut egui::Ui, state: &mut AppState) {
    ui.horizontal(|ui| {
        if ui.button("Open logs…").clicked() {
            state.commands.push(AppCommand::PickLogs);
        }
        ui.weak("or drop files and folders on the window");
    });
    machine_logs_ui(ui, state);
    recent_ui(ui, state);
    ui.separator();

    egui::ScrollArea::vertical()
        .id_salt("files")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            scan_progress_ui(ui, state);
            for report in &state.case.files {
                file_summary_ui(ui, report);
            }
        });
}

/// The usual log places of this machine that exist: readable ones open on click, the others
/// say why they cannot be read.
fn machine_logs_ui(ui: &mut egui::Ui, state: &mut AppState) {
    ui.collapsing("Open this machine's logs", |ui| {
        // Looked up again every few seconds while shown, not on every frame.
        let cached = &mut state.views.machine_logs;
        if cached
            .as_ref()
            .is_none_or(|(at, _)| at.elapsed() > MACHINE_LOGS_REFRESH)
        {
            let places = machine_logs::existing_places(&machine_logs::usual_places());
            *cached = Some((std::time::Instant::now(), places));
        }
        let places = cached
            .as_ref()
            .map(|(_, places)| places.clone())
            .unwrap_or_default();
        if places.is_empty() {
            ui.weak("none of the usual log places exists here");
        }
        let readable: Vec<_> = places
            .iter()
            .filter(|place| place.readable.is_ok())
            .map(|place| place.path.clone())
            .collect();
        for place in &places {
            match &place.readable {
                Ok(()) => {
                    if ui.link(place.path.display().to_string()).clicked() {
                        state
                            .commands
                            .push(AppCommand::OpenLogs(vec![place.path.clone()]));
                    }
                }
                Err(reason) => {
                    ui.label(format!("{}: {reason}", place.path.display()));
                }
            }
        }
        if readable.len() > 1 && ui.button("Open all readable").clicked() {
            state.commands.push(AppCommand::OpenLogs(readable));
        }
    });
}

fn recent_ui(ui: &mut egui::Ui, state: &mut AppState) {
    if state.settings.recent.is_empty() {
        return;
    }
    ui.collapsing("Recent", |ui| {
        for path in &state.settings.recent {
            if ui.link(path.display().to_string()).clicked() {
                state
                    .commands
                    .push(AppCommand::OpenLogs(vec![path.clone()]));
            }
        }
    });
}

/// The running scan's per-file bars and its cancel button.
pub fn scan_progress_ui(ui: &mut egui::Ui, state: &mut AppState) {
    let Some(scan) = &state.scan else {
        return;
    };
    ui.horizontal(|ui| {
        ui.spinner();
        ui.label(format!(
            "reading… {} events so far",
            scan.progress
                .events
                .load(std::sync::atomic::Ordering::Relaxed)
        ));
        if ui.button("Cancel").clicked() {
            state.commands.push(AppCommand::CancelScan);
        }
    });
    for file in scan.file_progress() {
        ui.horizontal(|ui| {
            let text = if file.done {
                "done".to_owned()
            } else {
                format!("{:.0}%", file.fraction * 100.0)
            };
            ui.add(
                egui::ProgressBar::new(file.fraction)
                    .desired_width(160.0)
                    .text(text),
            );
            ui.label(file.path.display().to_string());
        });
    }
    ui.separator();
}

fn file_summary_ui(ui: &mut egui::Ui, report: &FileReport) {
    let name = report.path.display().to_string();
    if let Some(failure) = &report.failure {
        ui.colored_label(ui.visuals().error_fg_color, format!("{name}: {failure}"));
        return;
    }
    let format = report.format.map_or("unknown", |format| format.as_str());
    let header = format!(
        "{name} — {format}, {} lines, {} events, {} skipped, {} errors",
        report.lines, report.events, report.skipped, report.error_count
    );
    egui::CollapsingHeader::new(header)
        .id_salt(("file-summary", &name))
        .show(ui, |ui| {
            if report.compression != "none" && !report.compression.is_empty() {
                ui.label(format!("compression: {}", report.compression));
            }
            for (reason, count) in &report.skip_reasons {
                ui.label(format!("skipped {count}: {reason}"));
            }
            for error in report.errors.iter().take(ERRORS_SHOWN) {
                ui.label(format!("line {}: {}", error.line, error.reason));
            }
            if report.errors.len() > ERRORS_SHOWN {
                ui.weak(format!(
                    "and {} more errors",
                    report.error_count.saturating_sub(ERRORS_SHOWN as u64)
                ));
            }
            for warning in &report.warnings {
                ui.colored_label(ui.visuals().warn_fg_color, warning);
            }
        });
}
