//! The filter field and the facet pickers above the detections table.

use std::collections::{BTreeMap, BTreeSet};

use crate::app::state::AppState;
use crate::engine::detect::Detection;

use super::theme;

/// Source addresses offered in the facet picker (the most frequent).
const MAX_SOURCES: usize = 200;

/// The values each facet offers, worked out once per case change.
#[derive(Debug, Default)]
pub struct FacetValues {
    generation: Option<u64>,
    /// Tactics seen, sorted.
    pub tactics: Vec<String>,
    /// Techniques seen, sorted.
    pub techniques: Vec<String>,
    /// Source addresses, most detections first.
    pub sources: Vec<String>,
}

impl FacetValues {
    fn refresh(&mut self, generation: u64, detections: &[Detection]) {
        if self.generation == Some(generation) {
            return;
        }
        let mut tactics = BTreeSet::new();
        let mut techniques = BTreeSet::new();
        let mut sources: BTreeMap<&str, usize> = BTreeMap::new();
        for detection in detections {
            tactics.extend(detection.tactics.iter().cloned());
            techniques.extend(detection.techniques.iter().cloned());
            if let Some(source) = &detection.src_ip {
                *sources.entry(source).or_default() += 1;
            }
        }
        let mut sources: Vec<(&str, usize)> = sources.into_iter().collect();
        sources.sort_by_key(|&(_, count)| std::cmp::Reverse(count));
        self.sources = sources
            .into_iter()
            .take(MAX_SOURCES)
            .map(|(source, _)| source.to_owned())
            .collect();
        self.tactics = tactics.into_iter().collect();
        self.techniques = techniques.into_iter().collect();
        self.generation = Some(generation);
    }
}

/// The filter field and one picker per facet.
pub fn facets_ui(ui: &mut egui::Ui, state: &mut AppState) {
    let views = &mut state.views;
    views
        .facet_values
        .refresh(state.case.generation, &state.case.detections);
    let values = &views.facet_values;
    let facets = &mut views.table.facets;

    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Filter:");
        let response = ui
            .add(
                egui::TextEdit::singleline(&mut views.table.filter)
                    .hint_text("title, address, user, technique…")
                    .desired_width(220.0),
            )
            .labelled_by(label.id);
        if views.focus_filter {
            response.request_focus();
            views.focus_filter = false;
        }

        ui.label("Severity:");
        egui::ComboBox::from_id_salt("facet-severity")
            .selected_text(facets.severity.map_or("any", |severity| severity.as_str()))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut facets.severity, None, "any");
                for severity in theme::SEVERITIES {
                    let text = egui::RichText::new(severity.as_str())
                        .color(theme::severity_color(severity));
                    ui.selectable_value(&mut facets.severity, Some(severity), text);
                }
            });
        text_facet(ui, "Tactic", &mut facets.tactic, &values.tactics);
        text_facet(ui, "Technique", &mut facets.technique, &values.techniques);
        text_facet(ui, "Source", &mut facets.source, &values.sources);

        let file_name = |file: u32| {
            state
                .case
                .file_path(file)
                .and_then(|path| path.file_name())
                .map_or_else(
                    || format!("file {file}"),
                    |name| name.to_string_lossy().into(),
                )
        };
        ui.label("File:");
        egui::ComboBox::from_id_salt("facet-file")
            .selected_text(facets.file.map_or_else(|| "any".to_owned(), file_name))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut facets.file, None, "any");
                for file in 0..state.case.files.len() {
                    let file = u32::try_from(file).unwrap_or(u32::MAX);
                    ui.selectable_value(&mut facets.file, Some(file), file_name(file));
                }
            });
    });
}

fn text_facet(ui: &mut egui::Ui, label: &str, choice: &mut Option<String>, values: &[String]) {
    ui.label(format!("{label}:"));
    egui::ComboBox::from_id_salt(("facet", label))
        .selected_text(choice.as_deref().unwrap_or("any"))
        .show_ui(ui, |ui| {
            ui.selectable_value(choice, None, "any");
            for value in values {
                ui.selectable_value(choice, Some(value.clone()), value.as_str());
            }
        });
}
