//! The views of the desktop app, one file each. Views draw from [`AppState`] and post
//! [`AppCommand`]s; they never start threads or touch files themselves.

pub mod detail_pane;
pub mod detections_table;
pub mod facets;
pub mod files_view;
pub mod graph;
pub mod guidance_panel;
pub mod matrix;
pub mod notifications;
pub mod plots;
pub mod settings_view;
pub mod theme;

use crate::app::state::{AppState, AttackState};
use crate::app::{AppCommand, View};
use crate::engine::attack::source::HOW_TO_GET_ATTACK;

/// State the views keep between frames (not saved between runs).
#[derive(Debug, Default)]
pub struct ViewState {
    /// The detections table.
    pub table: detections_table::TableState,
    /// Values the facet pickers offer.
    pub facet_values: facets::FacetValues,
    /// Plot series.
    pub plot_data: plots::PlotData,
    /// Matrix cells.
    pub matrix: matrix::MatrixData,
    /// The technique graph and its layout.
    pub graph: graph::GraphState,
    /// This machine's usual log places, with when they were last checked.
    pub machine_logs: Option<(std::time::Instant, Vec<crate::app::machine_logs::LogPlace>)>,
    /// Put the keyboard focus in the filter field on the next frame.
    pub focus_filter: bool,
}

/// The whole window: menu and tabs, status bar, guidance panel and the current view.
pub fn app_ui(ui: &mut egui::Ui, state: &mut AppState) {
    shortcuts(ui, state);

    egui::Panel::top("menu").show(ui, |ui| {
        egui::MenuBar::new().ui(ui, |ui| {
            file_menu_ui(ui, state);
            ui.separator();
            for (view, name) in [
                (View::Detections, "Detections"),
                (View::Files, "Files"),
                (View::Plots, "Plots"),
                (View::Graph, "Graph"),
                (View::Matrix, "ATT&CK matrix"),
                (View::Settings, "Settings"),
            ] {
                if ui.selectable_label(state.view == view, name).clicked() {
                    state.commands.push(AppCommand::Show(view));
                }
            }
            if state.scan.is_some() {
                ui.separator();
                ui.spinner();
                ui.label("reading logs…");
            }
        });
    });
    egui::Panel::bottom("status").show(ui, |ui| notifications::status_bar_ui(ui, state));

    if state.view == View::Detections {
        egui::Panel::right("guidance")
            .resizable(true)
            .default_size(320.0)
            .min_size(240.0)
            .show(ui, |ui| guidance_panel::guidance_panel_ui(ui, state));
    }

    egui::CentralPanel::default_margins().show(ui, |ui| match state.view {
        View::Detections => detections_view_ui(ui, state),
        View::Files => files_view::files_view_ui(ui, state),
        View::Plots => plots::plots_view_ui(ui, state),
        View::Graph => graph::graph_view_ui(ui, state),
        View::Matrix => matrix::matrix_view_ui(ui, state),
        View::Settings => settings_view::settings_view_ui(ui, state),
    });
}

fn detections_view_ui(ui: &mut egui::Ui, state: &mut AppState) {
    if state.case.detections.is_empty() {
        files_view::scan_progress_ui(ui, state);
        if state.scan.is_none() {
            ui.label(
                "No detections yet. Open logs with File ▸ Open logs… (Ctrl+O) or drop them here.",
            );
        }
        return;
    }
    let height = ui.available_height();
    egui::Panel::bottom("detail")
        .resizable(true)
        .default_size(height * 0.5)
        .min_size(height.min(600.0) * 0.3)
        .show(ui, |ui| detail_pane::detail_pane_ui(ui, state));
    detections_table::detections_table_ui(ui, state);
}

fn file_menu_ui(ui: &mut egui::Ui, state: &mut AppState) {
    ui.menu_button("File", |ui| {
        if ui.button("Open logs…").clicked() {
            state.commands.push(AppCommand::PickLogs);
        }
        if ui.button("Open case…").clicked() {
            state.commands.push(AppCommand::PickOpenCase);
        }
        if ui.button("Save case…").clicked() {
            state.commands.push(AppCommand::PickSaveCase);
        }
        if ui.button("Export detections… (CSV, JSON)").clicked() {
            state.commands.push(AppCommand::PickExport);
        }
        if ui.button("New case").clicked() {
            state.commands.push(AppCommand::NewCase);
        }
        if !state.settings.recent.is_empty() {
            ui.menu_button("Recent", |ui| {
                for path in &state.settings.recent {
                    if ui.button(path.display().to_string()).clicked() {
                        state
                            .commands
                            .push(AppCommand::OpenLogs(vec![path.clone()]));
                    }
                }
            });
        }
    });
}

/// Ctrl+O opens, Ctrl+F goes to the filter, Ctrl+S saves the case, Ctrl+E exports.
fn shortcuts(ui: &egui::Ui, state: &mut AppState) {
    let (open, find, save, export) = ui.input_mut(|input| {
        (
            input.consume_key(egui::Modifiers::COMMAND, egui::Key::O),
            input.consume_key(egui::Modifiers::COMMAND, egui::Key::F),
            input.consume_key(egui::Modifiers::COMMAND, egui::Key::S),
            input.consume_key(egui::Modifiers::COMMAND, egui::Key::E),
        )
    });
    if export {
        state.commands.push(AppCommand::PickExport);
    }
    if open {
        state.commands.push(AppCommand::PickLogs);
    }
    if find {
        state.view = View::Detections;
        state.views.focus_filter = true;
    }
    if save {
        match state.case.path.clone() {
            Some(path) => state.commands.push(AppCommand::SaveCase(path)),
            None => state.commands.push(AppCommand::PickSaveCase),
        }
    }
}

/// The loaded ATT&CK version, or `None` after telling the user why there is none yet (loading,
/// missing with how to get it, or failed); views that show ATT&CK data start with this.
pub fn attack_version_ui(ui: &mut egui::Ui, attack: &AttackState) -> Option<String> {
    match attack {
        AttackState::Ready(loaded) => Some(loaded.base.version()),
        AttackState::Loading => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("loading ATT&CK…");
            });
            None
        }
        AttackState::Missing => {
            ui.label(HOW_TO_GET_ATTACK);
            None
        }
        AttackState::Failed(reason) => {
            ui.colored_label(ui.visuals().error_fg_color, reason.as_str());
            None
        }
    }
}
