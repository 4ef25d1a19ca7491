//! The detections table: virtualized rows, sortable columns, a text filter and facets.
//!
//! The filtered and sorted row order is worked out only when the case, the filter, the facets
//! or the sort change, so a frame with a million detections only draws the rows on screen.

use egui_extras::{Column, TableBuilder};

use crate::app::AppCommand;
use crate::app::case::{Case, detection_key};
use crate::app::settings::Settings;
use crate::app::state::AppState;
use crate::engine::detect::{Detection, Severity};

use super::theme;

/// Columns the table can sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortColumn {
    /// Severity (the default, most severe first).
    #[default]
    Severity,
    /// First time seen.
    Time,
    /// Rule title.
    Title,
    /// Source address.
    Source,
    /// Destination address.
    Destination,
    /// Events behind the detection.
    Count,
}

/// Narrowing the table to one value per facet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facets {
    /// Only this severity.
    pub severity: Option<Severity>,
    /// Only detections with this tactic.
    pub tactic: Option<String>,
    /// Only detections with this technique.
    pub technique: Option<String>,
    /// Only this source address.
    pub source: Option<String>,
    /// Only detections with evidence in this file (by number).
    pub file: Option<u32>,
}

/// The table's filter, sort and cached row order.
#[derive(Debug, Default)]
pub struct TableState {
    /// Text every shown row contains (case-insensitive).
    pub filter: String,
    /// Sort column.
    pub sort: SortColumn,
    /// Sort direction (false: the column's natural "most interesting first").
    pub reversed: bool,
    /// Facet choices.
    pub facets: Facets,
    /// Case indices of the rows shown, in order.
    pub visible: Vec<usize>,
    cache_key: Option<(u64, String, SortColumn, bool, Facets)>,
    /// Scroll the selected row into view on the next frame.
    pub scroll_to_selected: bool,
}

impl TableState {
    /// Works the row order out again if anything it depends on changed.
    ///
    /// TODO(#5): this runs on the UI thread; with a million detections one filter change costs
    /// one slow frame (about 160 ms median in `benches/app_frame.rs`). Move it to a job.
    pub fn refresh(&mut self, generation: u64, detections: &[Detection]) {
        let key = (
            generation,
            self.filter.clone(),
            self.sort,
            self.reversed,
            self.facets.clone(),
        );
        if self.cache_key.as_ref() == Some(&key) {
            return;
        }
        let needle = self.filter.trim().to_lowercase();
        self.visible = (0..detections.len())
            .filter(|&i| matches(&detections[i], &needle, &self.facets))
            .collect();
        sort_rows(&mut self.visible, detections, self.sort, self.reversed);
        self.cache_key = Some(key);
    }
}

/// True when a detection passes the filter text (lower case) and the facets.
pub fn matches(detection: &Detection, needle: &str, facets: &Facets) -> bool {
    if facets
        .severity
        .is_some_and(|severity| severity != detection.severity)
    {
        return false;
    }
    if let Some(tactic) = &facets.tactic
        && !detection.tactics.contains(tactic)
    {
        return false;
    }
    if let Some(technique) = &facets.technique
        && !detection.techniques.contains(technique)
    {
        return false;
    }
    if facets.source.is_some() && facets.source != detection.src_ip {
        return false;
    }
    if let Some(file) = facets.file
        && !detection.evidence.iter().any(|place| place.file == file)
    {
        return false;
    }
    if needle.is_empty() {
        return true;
    }
    let fields = [
        Some(detection.title.as_str()),
        Some(detection.rule_id.as_str()),
        detection.src_ip.as_deref(),
        detection.dst_ip.as_deref(),
        detection.user.as_deref(),
        detection.domain.as_deref(),
    ];
    fields
        .into_iter()
        .flatten()
        .chain(detection.techniques.iter().map(String::as_str))
        .chain(detection.tactics.iter().map(String::as_str))
        .any(|field| contains_ignoring_case(field, needle))
}

/// True when `haystack` contains `needle` (already lower case), ignoring case. ASCII needles,
/// the usual case, are compared in place: no allocation per row and field.
fn contains_ignoring_case(haystack: &str, needle: &str) -> bool {
    if needle.is_ascii() {
        let needle = needle.as_bytes();
        haystack
            .as_bytes()
            .windows(needle.len())
            .any(|window| window.eq_ignore_ascii_case(needle))
    } else {
        haystack.to_lowercase().contains(needle)
    }
}

fn sort_rows(rows: &mut [usize], detections: &[Detection], sort: SortColumn, reversed: bool) {
    let at = |i: usize| &detections[i];
    match sort {
        // The case is already most severe first; a stable sort keeps the engine's order within.
        SortColumn::Severity => rows.sort_by_key(|&i| std::cmp::Reverse(at(i).severity)),
        SortColumn::Time => rows.sort_by_key(|&i| at(i).first_seen),
        SortColumn::Title => rows.sort_by(|&a, &b| at(a).title.cmp(&at(b).title)),
        SortColumn::Source => rows.sort_by(|&a, &b| at(a).src_ip.cmp(&at(b).src_ip)),
        SortColumn::Destination => rows.sort_by(|&a, &b| at(a).dst_ip.cmp(&at(b).dst_ip)),
        SortColumn::Count => rows.sort_by_key(|&i| std::cmp::Reverse(at(i).count)),
    }
    if reversed {
        rows.reverse();
    }
}

/// The filter row, the facets and the table.
pub fn detections_table_ui(ui: &mut egui::Ui, state: &mut AppState) {
    state
        .views
        .table
        .refresh(state.case.generation, &state.case.detections);
    super::facets::facets_ui(ui, state);
    keyboard_navigation(ui, state);

    let table = &mut state.views.table;
    ui.label(format!(
        "{} of {} detections",
        table.visible.len(),
        state.case.detections.len()
    ));
    ui.separator();

    let mut builder = TableBuilder::new(ui)
        .striped(true)
        .sense(egui::Sense::click())
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::auto().at_least(70.0))
        .column(Column::auto().at_least(140.0))
        .column(Column::initial(240.0).at_least(120.0).clip(true))
        .column(Column::initial(110.0).clip(true))
        .column(Column::initial(100.0).clip(true))
        .column(Column::initial(100.0).clip(true))
        .column(Column::auto().at_least(40.0))
        .column(Column::auto().at_least(50.0))
        .column(Column::remainder().at_least(90.0))
        .min_scrolled_height(0.0);
    let selected_row = state
        .selected
        .and_then(|index| table.visible.iter().position(|&i| i == index));
    if table.scroll_to_selected
        && let Some(row) = selected_row
    {
        builder = builder.scroll_to_row(row, Some(egui::Align::Center));
    }
    table.scroll_to_selected = false;

    let mut clicked = None;
    builder
        .header(22.0, |mut header| {
            for (title, column) in HEADERS {
                header.col(|ui| header_button(ui, title, column, table));
            }
        })
        .body(|body| {
            let row_height = 20.0;
            body.rows(row_height, table.visible.len(), |mut row| {
                let index = table.visible[row.index()];
                let detection = &state.case.detections[index];
                row.set_selected(state.selected == Some(index));
                let selected = state.selected == Some(index);
                let title_clicked =
                    row_cells(&mut row, detection, &state.case, &state.settings, selected);
                if title_clicked || row.response().clicked() {
                    clicked = Some(index);
                }
            });
        });
    if let Some(index) = clicked {
        state.commands.push(AppCommand::Select(Some(index)));
    }
}

const HEADERS: [(&str, Option<SortColumn>); 9] = [
    ("Severity", Some(SortColumn::Severity)),
    ("First seen", Some(SortColumn::Time)),
    ("Detection", Some(SortColumn::Title)),
    ("Techniques", None),
    ("Source", Some(SortColumn::Source)),
    ("Destination", Some(SortColumn::Destination)),
    ("Port", None),
    ("Events", Some(SortColumn::Count)),
    ("Triage", None),
];

fn header_button(
    ui: &mut egui::Ui,
    title: &str,
    column: Option<SortColumn>,
    table: &mut TableState,
) {
    let Some(column) = column else {
        ui.strong(title);
        return;
    };
    let arrow = match (table.sort == column, table.reversed) {
        (false, _) => "",
        (true, false) => " ⏷",
        (true, true) => " ⏶",
    };
    if ui.button(format!("{title}{arrow}")).clicked() {
        if table.sort == column {
            table.reversed = !table.reversed;
        } else {
            table.sort = column;
            table.reversed = false;
        }
    }
}

fn row_cells(
    row: &mut egui_extras::TableRow<'_, '_>,
    detection: &Detection,
    case: &Case,
    settings: &Settings,
    selected: bool,
) -> bool {
    let mut title_clicked = false;
    let severity = detection.severity;
    row.col(|ui| {
        ui.colored_label(theme::severity_color(severity), severity.as_str());
    });
    row.col(|ui| {
        let time = detection.first_seen.map(|time| settings.format_time(time));
        ui.label(time.unwrap_or_default());
    });
    row.col(|ui| {
        title_clicked = ui.selectable_label(selected, &detection.title).clicked();
    });
    row.col(|ui| {
        ui.label(detection.techniques.join(", "));
    });
    row.col(|ui| {
        ui.label(detection.src_ip.as_deref().unwrap_or(""));
    });
    row.col(|ui| {
        ui.label(detection.dst_ip.as_deref().unwrap_or(""));
    });
    row.col(|ui| {
        ui.label(
            detection
                .dst_port
                .map(|port| port.to_string())
                .unwrap_or_default(),
        );
    });
    row.col(|ui| {
        ui.label(detection.count.to_string());
    });
    row.col(|ui| {
        let status = case
            .triage
            .get(&detection_key(detection))
            .copied()
            .unwrap_or_default();
        ui.label(status.label());
    });
    title_clicked
}

/// Up and down move the selection through the shown rows while no text field has focus;
/// Escape clears the selection and the filter.
fn keyboard_navigation(ui: &egui::Ui, state: &mut AppState) {
    let typing = ui.ctx().memory(|memory| memory.focused().is_some());
    let (down, up, escape) = ui.input(|input| {
        (
            input.key_pressed(egui::Key::ArrowDown),
            input.key_pressed(egui::Key::ArrowUp),
            input.key_pressed(egui::Key::Escape),
        )
    });
    let table = &mut state.views.table;
    if escape {
        table.filter.clear();
        table.facets = Facets::default();
        state.commands.push(AppCommand::Select(None));
        return;
    }
    if typing || table.visible.is_empty() || !(down || up) {
        return;
    }
    let position = state
        .selected
        .and_then(|index| table.visible.iter().position(|&i| i == index));
    let next = match (position, down) {
        (None, _) => 0,
        (Some(at), true) => (at + 1).min(table.visible.len() - 1),
        (Some(at), false) => at.saturating_sub(1),
    };
    table.scroll_to_selected = true;
    state
        .commands
        .push(AppCommand::Select(Some(table.visible[next])));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detection(title: &str, severity: Severity, src: &str, tactic: &str) -> Detection {
        let mut detection = Detection::new(title, title, severity);
        detection.src_ip = Some(src.to_owned());
        detection.tactics = vec![tactic.to_owned()];
        detection
    }

    #[test]
    fn filter_and_facets_narrow_the_rows() {
        let detections = vec![
            detection("Port Scan", Severity::Medium, "203.0.113.45", "discovery"),
            detection(
                "Beaconing",
                Severity::High,
                "10.0.0.5",
                "command-and-control",
            ),
            detection(
                "Beaconing",
                Severity::High,
                "203.0.113.45",
                "command-and-control",
            ),
        ];
        let mut table = TableState {
            filter: "BEACON".into(),
            ..TableState::default()
        };
        table.refresh(1, &detections);
        assert_eq!(table.visible, vec![1, 2]);

        table.facets.source = Some("203.0.113.45".into());
        table.refresh(1, &detections);
        assert_eq!(table.visible, vec![2]);

        table.filter.clear();
        table.facets = Facets {
            tactic: Some("discovery".into()),
            ..Facets::default()
        };
        table.refresh(1, &detections);
        assert_eq!(table.visible, vec![0]);
    }

    #[test]
    fn case_is_ignored_with_and_without_ascii() {
        assert!(contains_ignoring_case("Brute-Force Login", "force"));
        assert!(!contains_ignoring_case("Brute", "brute-force"));
        assert!(contains_ignoring_case("Überprüfung", "überp"));
    }

    #[test]
    fn sorting_by_title_and_reversing() {
        let detections = vec![
            detection("b", Severity::Low, "x", "t"),
            detection("a", Severity::Low, "x", "t"),
            detection("c", Severity::Low, "x", "t"),
        ];
        let mut table = TableState {
            sort: SortColumn::Title,
            ..TableState::default()
        };
        table.refresh(1, &detections);
        assert_eq!(table.visible, vec![1, 0, 2]);
        table.reversed = true;
        table.refresh(1, &detections);
        assert_eq!(table.visible, vec![2, 0, 1]);
    }
}
