//! The settings view: look, clock, autosave and ATT&CK data.

use crate::app::AppCommand;
use crate::app::settings::{ThemeChoice, TimeDisplay};
use crate::app::state::{AppState, AttackState};
use crate::engine::attack::source::HOW_TO_GET_ATTACK;

/// The settings.
pub fn settings_view_ui(ui: &mut egui::Ui, state: &mut AppState) {
    let settings = &mut state.settings;
    ui.heading("Settings");
    ui.horizontal(|ui| {
        ui.label("Theme:");
        ui.selectable_value(
            &mut settings.theme,
            ThemeChoice::System,
            "follow the system",
        );
        ui.selectable_value(&mut settings.theme, ThemeChoice::Light, "light");
        ui.selectable_value(&mut settings.theme, ThemeChoice::Dark, "dark");
    });
    ui.horizontal(|ui| {
        ui.label("Times:");
        ui.selectable_value(&mut settings.time_display, TimeDisplay::Utc, "UTC");
        ui.selectable_value(&mut settings.time_display, TimeDisplay::Local, "local time");
    });
    ui.checkbox(
        &mut settings.autosave,
        "Save the case after every change (once it has been saved)",
    );
    ui.separator();

    ui.strong("ATT&CK data");
    match &state.attack {
        AttackState::Ready(loaded) => {
            ui.label(format!("MITRE ATT&CK v{}", loaded.base.version()));
            for bundle in &loaded.bundles {
                ui.monospace(bundle.display().to_string());
            }
        }
        AttackState::Loading => {
            ui.label("loading…");
        }
        AttackState::Missing => {
            ui.label(HOW_TO_GET_ATTACK);
        }
        AttackState::Failed(reason) => {
            ui.colored_label(ui.visuals().error_fg_color, reason.as_str());
        }
    }
    if ui.button("Load ATT&CK again").clicked() {
        state.commands.push(AppCommand::LoadAttack(Vec::new()));
    }
    // TODO(#5): "Update ATT&CK…" with download progress; `threatlens attack update` does it
    // from the command line today.
}
