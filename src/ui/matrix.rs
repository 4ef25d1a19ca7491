//! The ATT&CK matrix: tactics as columns in the matrix's order, techniques as cells coloured by
//! how many detections carry them (a sub-technique's detections count for its parent too).
//! Clicking a cell filters the table to that technique.

use std::collections::HashMap;

use crate::app::state::AppState;
use crate::app::{AppCommand, View};
use crate::engine::attack::KnowledgeBase;
use crate::engine::attack::source::HOW_TO_GET_ATTACK;
use crate::engine::detect::Detection;

use super::theme;

/// Width of one tactic column.
const COLUMN_WIDTH: f32 = 150.0;

/// One cell of the matrix.
#[derive(Debug, Clone)]
pub struct Cell {
    /// Technique id.
    pub id: String,
    /// Technique name.
    pub name: String,
    /// Detections with this technique or one of its sub-techniques.
    pub count: usize,
}

/// The matrix's columns, worked out once per case or ATT&CK change.
#[derive(Debug, Default)]
pub struct MatrixData {
    key: Option<(u64, String)>,
    /// (tactic name, cells sorted by count then name).
    pub columns: Vec<(String, Vec<Cell>)>,
    /// Highest cell count.
    pub max_count: usize,
    /// Show only techniques with detections.
    pub only_detected: bool,
}

impl MatrixData {
    /// Works the columns out again when the case or ATT&CK changed.
    pub fn refresh(&mut self, generation: u64, base: &KnowledgeBase, detections: &[Detection]) {
        let key = (generation, base.version());
        if self.key.as_ref() == Some(&key) {
            return;
        }
        let counts = technique_counts(detections);
        let tactic_order = base.domains.first().map(|domain| domain.tactics.clone());
        let tactic_order = tactic_order.unwrap_or_default();

        self.columns = tactic_order
            .iter()
            .filter_map(|&tactic| {
                let tactic_info = base.tactics.get(tactic as usize)?;
                let mut cells: Vec<Cell> = base
                    .techniques
                    .iter()
                    .filter(|technique| {
                        technique.meta.is_live()
                            && !technique.is_subtechnique
                            && technique.tactics.contains(&tactic)
                    })
                    .map(|technique| Cell {
                        id: technique.meta.attack_id.clone(),
                        name: technique.meta.name.clone(),
                        count: counts.get(&technique.meta.attack_id).copied().unwrap_or(0),
                    })
                    .collect();
                cells.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
                Some((tactic_info.meta.name.clone(), cells))
            })
            .collect();
        self.max_count = self
            .columns
            .iter()
            .flat_map(|(_, cells)| cells.iter().map(|cell| cell.count))
            .max()
            .unwrap_or(0);
        self.key = Some(key);
    }
}

/// Detections per technique id, with sub-techniques also counted for their parent.
pub fn technique_counts(detections: &[Detection]) -> HashMap<String, usize> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for detection in detections {
        let mut ids: Vec<&str> = detection
            .techniques
            .iter()
            .map(|id| id.split('.').next().unwrap_or(id))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            *counts.entry(id.to_owned()).or_default() += 1;
        }
        for id in detection.techniques.iter().filter(|id| id.contains('.')) {
            *counts.entry(id.clone()).or_default() += 1;
        }
    }
    counts
}

/// The matrix view.
pub fn matrix_view_ui(ui: &mut egui::Ui, state: &mut AppState) {
    let Some(base) = state.attack.base() else {
        ui.label(HOW_TO_GET_ATTACK);
        return;
    };
    let matrix = &mut state.views.matrix;
    matrix.refresh(state.case.generation, base, &state.case.detections);
    ui.horizontal(|ui| {
        ui.strong(format!("MITRE ATT&CK v{} matrix", base.version()));
        ui.checkbox(&mut matrix.only_detected, "only techniques with detections");
    });
    ui.separator();

    let dark = ui.visuals().dark_mode;
    let mut clicked = None;
    egui::ScrollArea::both()
        .id_salt("matrix")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            ui.horizontal_top(|ui| {
                for (tactic, cells) in &matrix.columns {
                    ui.vertical(|ui| {
                        ui.set_width(COLUMN_WIDTH);
                        ui.strong(tactic);
                        for cell in cells {
                            if matrix.only_detected && cell.count == 0 {
                                continue;
                            }
                            let fill = theme::heat_color(cell.count, matrix.max_count, dark);
                            let text_color = if cell.count > 0 {
                                egui::Color32::BLACK
                            } else {
                                ui.visuals().weak_text_color()
                            };
                            let text = if cell.count > 0 {
                                format!("{} ({})", cell.name, cell.count)
                            } else {
                                cell.name.clone()
                            };
                            let button = egui::Button::new(
                                egui::RichText::new(text).color(text_color).small(),
                            )
                            .fill(fill)
                            .wrap()
                            .min_size(egui::vec2(COLUMN_WIDTH, 0.0));
                            let response = ui.add(button).on_hover_text(&cell.id);
                            if response.clicked() && cell.count > 0 {
                                clicked = Some(cell.id.clone());
                            }
                        }
                    });
                }
            });
        });
    if let Some(technique) = clicked {
        state.views.table.facets.technique = Some(technique);
        state.commands.push(AppCommand::Show(View::Detections));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::detect::Severity;

    #[test]
    fn sub_techniques_count_for_their_parent_once_per_detection() {
        let mut spray = Detection::new("a", "a", Severity::High);
        spray.techniques = vec!["T1110".into(), "T1110.003".into()];
        let mut guess = Detection::new("b", "b", Severity::High);
        guess.techniques = vec!["T1110.001".into()];

        let counts = technique_counts(&[spray, guess]);
        assert_eq!(counts.get("T1110"), Some(&2));
        assert_eq!(counts.get("T1110.003"), Some(&1));
        assert_eq!(counts.get("T1110.001"), Some(&1));
    }
}
