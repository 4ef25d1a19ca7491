//! The detail pane: everything about the selected detection, its evidence and what ATT&CK
//! knows about its techniques and the groups that use them.

use crate::app::AppCommand;
use crate::app::case::TriageStatus;
use crate::app::state::AppState;
use crate::engine::attack::card::TechniqueCard;

use super::theme;

/// Longest technique description shown before "…".
const MAX_DESCRIPTION_CHARS: usize = 700;

/// The pane for the selected detection (or a hint when none is selected).
pub fn detail_pane_ui(ui: &mut egui::Ui, state: &mut AppState) {
    let Some(index) = state.selected else {
        ui.weak("Select a detection to see its evidence, techniques and groups.");
        return;
    };
    let Some(detection) = state.case.detections.get(index).cloned() else {
        return;
    };

    egui::ScrollArea::vertical()
        .id_salt("detail-pane")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                let color = theme::severity_color(detection.severity);
                ui.colored_label(color, detection.severity.as_str().to_uppercase());
                ui.heading(&detection.title);
            });
            triage_ui(ui, state, index);
            ui.separator();
            // What happened on the left, what ATT&CK knows about it on the right.
            ui.columns(2, |columns| {
                summary_ui(&mut columns[0], state, &detection);
                columns[0].separator();
                evidence_ui(&mut columns[0], state, &detection);
                attack_ui(&mut columns[1], state);
            });
        });
}

fn triage_ui(ui: &mut egui::Ui, state: &mut AppState, index: usize) {
    let current = state.case.status_of(&state.case.detections[index]);
    ui.horizontal(|ui| {
        ui.label("Triage:");
        for status in TriageStatus::ALL {
            if ui
                .selectable_label(current == status, status.label())
                .clicked()
            {
                state.commands.push(AppCommand::SetTriage(index, status));
            }
        }
    });
}

fn summary_ui(ui: &mut egui::Ui, state: &AppState, detection: &crate::engine::detect::Detection) {
    egui::Grid::new("detection-summary")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            let mut row = |name: &str, value: String| {
                if !value.is_empty() {
                    ui.label(name);
                    ui.label(value);
                    ui.end_row();
                }
            };
            let time = |time: Option<jiff::Timestamp>| {
                time.map(|t| state.settings.format_time(t))
                    .unwrap_or_default()
            };
            row("Rule", detection.rule_id.clone());
            row("First seen", time(detection.first_seen));
            row("Last seen", time(detection.last_seen));
            row("Events", detection.count.to_string());
            row("Source", detection.src_ip.clone().unwrap_or_default());
            row("Destination", detection.dst_ip.clone().unwrap_or_default());
            row(
                "Port",
                detection
                    .dst_port
                    .map(|port| port.to_string())
                    .unwrap_or_default(),
            );
            row("User", detection.user.clone().unwrap_or_default());
            row("Domain", detection.domain.clone().unwrap_or_default());
            row("Tactics", detection.tactics.join(", "));
            for (name, value) in &detection.details {
                row(name, value.clone());
            }
        });
}

fn evidence_ui(ui: &mut egui::Ui, state: &AppState, detection: &crate::engine::detect::Detection) {
    ui.strong(format!(
        "Evidence ({} of {} places)",
        detection.evidence.len(),
        detection.evidence_total
    ));
    if state.evidence.job.is_some() {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("reading evidence lines…");
        });
    }
    for (at, place) in detection.evidence.iter().enumerate() {
        let path = state.case.file_path(place.file).map_or_else(
            || format!("file {}", place.file),
            |path| path.display().to_string(),
        );
        let text = state
            .evidence
            .lines
            .get(at)
            .filter(|line| line.line == place.line);
        ui.horizontal_wrapped(|ui| {
            ui.monospace(format!("{path}:{}", place.line));
            match text.map(|line| &line.text) {
                Some(Ok(text)) => {
                    ui.label(egui::RichText::new(text).monospace().weak());
                }
                Some(Err(reason)) => {
                    ui.colored_label(ui.visuals().warn_fg_color, reason);
                }
                None => {}
            }
        });
    }
}

fn attack_ui(ui: &mut egui::Ui, state: &mut AppState) {
    let Some(version) = super::attack_version_ui(ui, &state.attack) else {
        return;
    };
    let Some(insight) = state.selected_insight() else {
        return;
    };
    ui.strong(format!("Techniques (MITRE ATT&CK v{version})"));
    for card in &insight.cards {
        technique_card_ui(ui, card);
    }
    for id in &insight.unknown {
        ui.label(format!("{id}: not in ATT&CK v{version}"));
    }

    ui.separator();
    ui.strong("Groups known for these techniques (similarity, not attribution)");
    if insight.groups.is_empty() {
        ui.weak("no group in ATT&CK uses these techniques");
    }
    for group in &insight.groups {
        ui.horizontal_wrapped(|ui| {
            ui.label(egui::RichText::new(&group.name).strong());
            ui.weak(format!("{} · score {:.2}", group.id, group.score));
            let shared: Vec<&str> = group
                .shared_techniques
                .iter()
                .map(|shared| shared.id.as_str())
                .collect();
            ui.label(format!("shares {}", shared.join(", ")));
            if !group.software.is_empty() {
                ui.weak(format!("software: {}", group.software.join(", ")));
            }
        });
    }
}

fn technique_card_ui(ui: &mut egui::Ui, card: &TechniqueCard) {
    let title = format!("{} {}", card.technique.id, card.technique.name);
    egui::CollapsingHeader::new(title)
        .id_salt(("technique-card", &card.technique.id))
        .default_open(true)
        .show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                ui.label(format!("Tactics: {}", card.tactics.join(", ")));
                ui.hyperlink_to("ATT&CK page", &card.technique.url);
            });
            if let Some(revoked) = &card.revoked_id {
                ui.weak(format!("{revoked} was revoked; this is its replacement"));
            }
            let mut description: String = card
                .description
                .chars()
                .take(MAX_DESCRIPTION_CHARS)
                .collect();
            if description.len() < card.description.len() {
                description.push('…');
            }
            ui.label(description);
            if let Some(parent) = &card.parent {
                ui.label(format!("Sub-technique of {} {}", parent.id, parent.name));
            }
            reference_list(ui, "Sub-techniques", &card.subtechniques);
            reference_list(ui, "Mitigations", &card.mitigations);
            let strategies: Vec<_> = card
                .detection_strategies
                .iter()
                .map(|strategy| strategy.strategy.clone())
                .collect();
            reference_list(ui, "Detection strategies", &strategies);
        });
}

fn reference_list(
    ui: &mut egui::Ui,
    title: &str,
    references: &[crate::engine::attack::card::Reference],
) {
    if references.is_empty() {
        return;
    }
    let names: Vec<String> = references
        .iter()
        .map(|reference| format!("{} {}", reference.id, reference.name))
        .collect();
    ui.label(format!("{title}: {}", names.join("; ")));
}
