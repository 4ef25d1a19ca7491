//! Colours with a meaning: severities, node kinds, heat. Views take colours from here only.

use crate::engine::detect::Severity;

/// The colour of a severity, readable on both light and dark backgrounds.
pub fn severity_color(severity: Severity) -> egui::Color32 {
    match severity {
        Severity::Critical => egui::Color32::from_rgb(0xd6, 0x27, 0x28),
        Severity::High => egui::Color32::from_rgb(0xf0, 0x7a, 0x1a),
        Severity::Medium => egui::Color32::from_rgb(0xc9, 0xa2, 0x00),
        Severity::Low => egui::Color32::from_rgb(0x2e, 0x86, 0xc1),
        Severity::Informational => egui::Color32::from_rgb(0x80, 0x80, 0x80),
    }
}

/// Every severity, most severe first.
pub const SEVERITIES: [Severity; 5] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Informational,
];

/// Distinct colours for series (tactics in plots), cycled by index.
pub fn series_color(index: usize) -> egui::Color32 {
    const PALETTE: [egui::Color32; 10] = [
        egui::Color32::from_rgb(0x1f, 0x77, 0xb4),
        egui::Color32::from_rgb(0xff, 0x7f, 0x0e),
        egui::Color32::from_rgb(0x2c, 0xa0, 0x2c),
        egui::Color32::from_rgb(0xd6, 0x27, 0x28),
        egui::Color32::from_rgb(0x94, 0x67, 0xbd),
        egui::Color32::from_rgb(0x8c, 0x56, 0x4b),
        egui::Color32::from_rgb(0xe3, 0x77, 0xc2),
        egui::Color32::from_rgb(0x7f, 0x7f, 0x7f),
        egui::Color32::from_rgb(0xbc, 0xbd, 0x22),
        egui::Color32::from_rgb(0x17, 0xbe, 0xcf),
    ];
    PALETTE[index % PALETTE.len()]
}

/// Node colours in the graph.
pub const TECHNIQUE_COLOR: egui::Color32 = egui::Color32::from_rgb(0xf0, 0x7a, 0x1a);
/// Tactic nodes.
pub const TACTIC_COLOR: egui::Color32 = egui::Color32::from_rgb(0x2e, 0x86, 0xc1);
/// Group nodes.
pub const GROUP_COLOR: egui::Color32 = egui::Color32::from_rgb(0xd6, 0x27, 0x28);

/// A heat-map colour for `count` out of `max` (no detections: a faint neutral).
pub fn heat_color(count: usize, max: usize, dark: bool) -> egui::Color32 {
    if count == 0 || max == 0 {
        return if dark {
            egui::Color32::from_gray(40)
        } else {
            egui::Color32::from_gray(235)
        };
    }
    let share = (count as f32 / max as f32).clamp(0.0, 1.0);
    let low = egui::Color32::from_rgb(0xfd, 0xd4, 0x9e);
    let high = egui::Color32::from_rgb(0xd6, 0x27, 0x28);
    egui::Color32::from_rgb(
        lerp(low.r(), high.r(), share),
        lerp(low.g(), high.g(), share),
        lerp(low.b(), high.b(), share),
    )
}

fn lerp(from: u8, to: u8, share: f32) -> u8 {
    (f32::from(from) + (f32::from(to) - f32::from(from)) * share).round() as u8
}
