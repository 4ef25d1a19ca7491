//! The guidance panel: what to do about the selected detection.
//!
//! Until the guidance issue (#6) lands, this is offline guidance taken from ATT&CK: the
//! mitigations MITRE lists for the detection's techniques, with their descriptions.

use crate::app::state::AppState;

/// Longest mitigation description shown before "…".
const MAX_MITIGATION_CHARS: usize = 500;

/// The right-hand panel.
pub fn guidance_panel_ui(ui: &mut egui::Ui, state: &mut AppState) {
    ui.heading("Guidance");
    let Some(version) = super::attack_version_ui(ui, &state.attack) else {
        return;
    };
    ui.weak(format!(
        "Offline guidance from MITRE ATT&CK v{version}: the mitigations ATT&CK lists for the \
         selected detection's techniques."
    ));
    ui.separator();

    let Some(insight) = state.selected_insight().cloned() else {
        ui.weak("Select a detection.");
        return;
    };
    let Some(base) = state.attack.base() else {
        return;
    };

    egui::ScrollArea::vertical()
        .id_salt("guidance")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            let mut shown = std::collections::BTreeSet::new();
            for card in &insight.cards {
                ui.strong(format!("{} {}", card.technique.id, card.technique.name));
                if card.mitigations.is_empty() {
                    ui.weak("ATT&CK lists no mitigation for this technique.");
                }
                for mitigation in &card.mitigations {
                    let description = base
                        .mitigations
                        .iter()
                        .find(|known| known.meta.attack_id == mitigation.id)
                        .map(|known| known.meta.description.as_str())
                        .unwrap_or_default();
                    egui::CollapsingHeader::new(format!("{} {}", mitigation.id, mitigation.name))
                        .id_salt(("mitigation", &card.technique.id, &mitigation.id))
                        .default_open(shown.insert(mitigation.id.clone()))
                        .show(ui, |ui| {
                            let mut text: String =
                                description.chars().take(MAX_MITIGATION_CHARS).collect();
                            if text.len() < description.len() {
                                text.push('…');
                            }
                            ui.label(text);
                            ui.hyperlink_to("ATT&CK page", &mitigation.url);
                        });
                }
                ui.add_space(6.0);
            }
        });
}
