//! The plots view: detections over time by tactic, top sources, top ports, severity mix and
//! events per file, each with "Save as PNG…".
//!
//! The series are worked out once per case change. While a plot is being saved it is drawn
//! alone, filling the view, so the screenshot it is cut from holds all of it.

use std::collections::BTreeMap;

use egui_plot::{Bar, BarChart, Legend, Line, Plot, PlotPoints};

use crate::app::state::AppState;
use crate::app::{AppCommand, PlotKind};
use crate::engine::detect::Detection;

use super::theme;

/// Bars in the "top" plots.
const TOP_N: usize = 10;

/// Time buckets in the over-time plot.
const TIME_BUCKETS: i64 = 60;

/// Height of each plot in the list.
const PLOT_HEIGHT: f32 = 240.0;

/// The plots' data, worked out once per case change.
#[derive(Debug, Default)]
pub struct PlotData {
    generation: Option<u64>,
    /// Per tactic: (bucket start in seconds since 1970, detections).
    over_time: Vec<(String, Vec<[f64; 2]>)>,
    top_sources: Vec<(String, u64)>,
    top_ports: Vec<(String, u64)>,
    severity_mix: Vec<(crate::engine::detect::Severity, u64)>,
    events_per_file: Vec<(String, u64)>,
}

impl PlotData {
    fn refresh(&mut self, state: &AppState) {
        if self.generation == Some(state.case.generation) {
            return;
        }
        let detections = &state.case.detections;
        self.over_time = over_time(detections);
        self.top_sources = top_counts(detections.iter().filter_map(|d| d.src_ip.clone()));
        self.top_ports = top_counts(
            detections
                .iter()
                .filter_map(|d| d.dst_port.map(|port| port.to_string())),
        );
        self.severity_mix = theme::SEVERITIES
            .iter()
            .map(|&severity| {
                let count = detections.iter().filter(|d| d.severity == severity).count();
                (severity, count as u64)
            })
            .collect();
        self.events_per_file = state
            .case
            .files
            .iter()
            .map(|report| {
                let name = report.path.file_name().map_or_else(
                    || report.path.display().to_string(),
                    |name| name.to_string_lossy().into_owned(),
                );
                (name, report.events)
            })
            .collect();
        self.generation = Some(state.case.generation);
    }
}

fn over_time(detections: &[Detection]) -> Vec<(String, Vec<[f64; 2]>)> {
    let times: Vec<i64> = detections
        .iter()
        .filter_map(|d| d.first_seen.map(|t| t.as_second()))
        .collect();
    let (Some(&start), Some(&end)) = (times.iter().min(), times.iter().max()) else {
        return Vec::new();
    };
    let bucket_secs = ((end - start) / TIME_BUCKETS).max(60);
    let mut series: BTreeMap<String, BTreeMap<i64, u64>> = BTreeMap::new();
    for detection in detections {
        let Some(time) = detection.first_seen else {
            continue;
        };
        let bucket = start + (time.as_second() - start) / bucket_secs * bucket_secs;
        let tactics = if detection.tactics.is_empty() {
            vec!["(no tactic)".to_owned()]
        } else {
            detection.tactics.clone()
        };
        for tactic in tactics {
            *series.entry(tactic).or_default().entry(bucket).or_default() += 1;
        }
    }
    series
        .into_iter()
        .map(|(tactic, buckets)| {
            let mut points = Vec::new();
            let mut at = start;
            while at <= end {
                let count = buckets.get(&at).copied().unwrap_or(0);
                points.push([at as f64, count as f64]);
                at += bucket_secs;
            }
            (tactic, points)
        })
        .collect()
}

fn top_counts(values: impl Iterator<Item = String>) -> Vec<(String, u64)> {
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for value in values {
        *counts.entry(value).or_default() += 1;
    }
    let mut counts: Vec<(String, u64)> = counts.into_iter().collect();
    counts.sort_by_key(|(_, count)| std::cmp::Reverse(*count));
    counts.truncate(TOP_N);
    counts
}

/// The plots, or the one being saved.
pub fn plots_view_ui(ui: &mut egui::Ui, state: &mut AppState) {
    let mut data = std::mem::take(&mut state.views.plot_data);
    data.refresh(state);

    if let Some(export) = &state.plot_export {
        let plot = export.plot;
        let height = ui.available_height() - 40.0;
        plot_block_ui(ui, state, &data, plot, height.max(PLOT_HEIGHT));
    } else {
        egui::ScrollArea::vertical()
            .id_salt("plots")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                for plot in PlotKind::ALL {
                    plot_block_ui(ui, state, &data, plot, PLOT_HEIGHT);
                    ui.add_space(12.0);
                }
            });
    }
    state.views.plot_data = data;
}

fn plot_block_ui(
    ui: &mut egui::Ui,
    state: &mut AppState,
    data: &PlotData,
    plot: PlotKind,
    height: f32,
) {
    ui.horizontal(|ui| {
        ui.strong(plot.title());
        if ui.button("Save as PNG…").clicked() {
            state.commands.push(AppCommand::PickPlotPng(plot));
        }
    });
    let scope = ui.scope(|ui| {
        ui.set_height(height);
        match plot {
            PlotKind::OverTime => over_time_ui(ui, data, height),
            PlotKind::TopSources => bars_ui(ui, "top-sources", &data.top_sources, height, "source"),
            PlotKind::TopPorts => bars_ui(ui, "top-ports", &data.top_ports, height, "port"),
            PlotKind::SeverityMix => severity_ui(ui, data, height),
            PlotKind::EventsPerFile => {
                bars_ui(ui, "events-per-file", &data.events_per_file, height, "file");
            }
        }
    });
    state.plot_rects.insert(plot, scope.response.rect);
}

fn over_time_ui(ui: &mut egui::Ui, data: &PlotData, height: f32) {
    Plot::new("over-time")
        .height(height)
        .legend(Legend::default())
        .x_axis_label("time (UTC)")
        .y_axis_label("detections")
        .x_axis_formatter(|mark, _| {
            jiff::Timestamp::from_second(mark.value as i64)
                .map(|time| time.strftime("%m-%d %H:%M").to_string())
                .unwrap_or_default()
        })
        .show(ui, |plot_ui| {
            for (index, (tactic, points)) in data.over_time.iter().enumerate() {
                let line = Line::new(tactic.clone(), PlotPoints::from(points.clone()))
                    .color(theme::series_color(index))
                    .width(2.0);
                plot_ui.line(line);
            }
        });
}

fn bars_ui(ui: &mut egui::Ui, id: &str, values: &[(String, u64)], height: f32, what: &str) {
    let labels: Vec<String> = values.iter().map(|(label, _)| label.clone()).collect();
    let bars: Vec<Bar> = values
        .iter()
        .enumerate()
        .map(|(index, (label, count))| {
            Bar::new(index as f64, *count as f64)
                .name(label)
                .fill(theme::series_color(index))
        })
        .collect();
    Plot::new(id)
        .height(height)
        .legend(Legend::default())
        .y_axis_label("count")
        .x_axis_label(what)
        .x_axis_formatter(move |mark, _| label_at(&labels, mark.value))
        .show(ui, |plot_ui| {
            plot_ui.bar_chart(BarChart::new(what, bars).width(0.7));
        });
}

fn severity_ui(ui: &mut egui::Ui, data: &PlotData, height: f32) {
    let labels: Vec<String> = data
        .severity_mix
        .iter()
        .map(|(severity, _)| severity.as_str().to_owned())
        .collect();
    let bars: Vec<Bar> = data
        .severity_mix
        .iter()
        .enumerate()
        .map(|(index, (severity, count))| {
            Bar::new(index as f64, *count as f64)
                .name(severity.as_str())
                .fill(theme::severity_color(*severity))
        })
        .collect();
    Plot::new("severity-mix")
        .height(height)
        .legend(Legend::default())
        .y_axis_label("detections")
        .x_axis_formatter(move |mark, _| label_at(&labels, mark.value))
        .show(ui, |plot_ui| {
            plot_ui.bar_chart(BarChart::new("severity", bars).width(0.7));
        });
}

/// The label of the bar at a whole-number axis mark; nothing between bars.
fn label_at(labels: &[String], value: f64) -> String {
    if value.fract().abs() > 1e-6 || value < 0.0 {
        return String::new();
    }
    labels.get(value as usize).cloned().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::detect::Severity;

    #[test]
    fn top_counts_are_most_frequent_first() {
        let values = ["a", "b", "b", "c", "b", "a"].map(String::from);
        let top = top_counts(values.into_iter());
        assert_eq!(top, vec![("b".into(), 3), ("a".into(), 2), ("c".into(), 1)]);
    }

    #[test]
    fn over_time_counts_each_tactic_in_its_bucket() {
        let mut early = Detection::new("a", "a", Severity::Low);
        early.first_seen = Some(jiff::Timestamp::from_second(1_000_000).expect("time"));
        early.tactics = vec!["discovery".into()];
        let mut late = early.clone();
        late.first_seen = Some(jiff::Timestamp::from_second(1_000_000 + 3_600).expect("time"));

        let series = over_time(&[early, late]);
        assert_eq!(series.len(), 1);
        let total: f64 = series[0].1.iter().map(|point| point[1]).sum();
        assert!((total - 2.0).abs() < f64::EPSILON);
        assert_eq!(series[0].1.first().map(|p| p[1]), Some(1.0));
        assert_eq!(series[0].1.last().map(|p| p[1]), Some(1.0));
    }

    #[test]
    fn labels_only_on_whole_marks() {
        let labels = vec!["22".to_owned(), "443".to_owned()];
        assert_eq!(label_at(&labels, 1.0), "443");
        assert_eq!(label_at(&labels, 0.5), "");
        assert_eq!(label_at(&labels, 7.0), "");
    }
}
