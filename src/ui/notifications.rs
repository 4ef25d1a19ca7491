//! The status bar: ATT&CK version, case totals and the notification area.

use crate::app::notify::Level;
use crate::app::state::{AppState, AttackState};

/// News messages shown in the bar without opening the list (besides the newest problem).
const SHOWN_IN_BAR: usize = 1;

/// The bottom bar.
pub fn status_bar_ui(ui: &mut egui::Ui, state: &mut AppState) {
    ui.horizontal_wrapped(|ui| {
        match &state.attack {
            AttackState::Ready(loaded) => {
                ui.label(format!("ATT&CK v{}", loaded.base.version()));
            }
            AttackState::Loading => {
                ui.spinner();
                ui.label("loading ATT&CK…");
            }
            AttackState::Missing => {
                ui.label("no ATT&CK data");
            }
            AttackState::Failed(_) => {
                ui.colored_label(ui.visuals().error_fg_color, "ATT&CK not loaded");
            }
        }
        ui.separator();
        ui.label(format!(
            "{} files · {} events · {} detections",
            state.case.files.len(),
            state.case.events,
            state.case.detections.len()
        ));
        ui.separator();

        // The newest problem stays in view until a newer one replaces it; news comes after.
        if let Some(problem) = state.notifications.problems().last() {
            notice_label(ui, problem.level, &problem.text);
        }
        let news = state.notifications.notices.iter().rev();
        for notice in news
            .filter(|notice| notice.level == Level::Info)
            .take(SHOWN_IN_BAR)
        {
            notice_label(ui, notice.level, &notice.text);
        }
        let count = state.notifications.notices.len();
        if count > 1 {
            ui.menu_button(format!("{count} messages"), |ui| {
                egui::ScrollArea::vertical()
                    .max_height(300.0)
                    .show(ui, |ui| {
                        for notice in state.notifications.notices.iter().rev() {
                            notice_label(ui, notice.level, &notice.text);
                        }
                    });
            });
        }
    });
}

fn notice_label(ui: &mut egui::Ui, level: Level, text: &str) {
    let color = match level {
        Level::Info => ui.visuals().text_color(),
        Level::Warning => ui.visuals().warn_fg_color,
        Level::Error => ui.visuals().error_fg_color,
    };
    ui.colored_label(color, text);
}
