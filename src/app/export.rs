//! Saving a plot as PNG: ask the window for a screenshot, then crop it to the plot.
//!
//! The steps span frames: the plots view reports where each plot was drawn, the app then sends
//! `ViewportCommand::Screenshot`, and a later frame brings the image in an input event.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use super::command::PlotKind;

/// A plot export on its way.
#[derive(Debug, Clone)]
pub struct PlotExport {
    /// Which plot.
    pub plot: PlotKind,
    /// Where the PNG goes.
    pub path: PathBuf,
    /// Where the plot is on screen and when the screenshot was asked for; `None` until the
    /// plot has been drawn.
    pub requested: Option<(egui::Rect, std::time::Instant)>,
}

/// How long to wait for the window's screenshot before giving up.
pub const SCREENSHOT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Crops the screenshot to `rect` (in points) and writes it as PNG; returns its pixel size.
pub fn save_region(
    image: &egui::ColorImage,
    rect: egui::Rect,
    pixels_per_point: f32,
    path: &Path,
) -> anyhow::Result<[usize; 2]> {
    let region = image.region(&rect, Some(pixels_per_point));
    let [width, height] = region.size;
    anyhow::ensure!(width > 0 && height > 0, "the plot was not on screen");

    let bytes: Vec<u8> = region
        .pixels
        .iter()
        .flat_map(|pixel| pixel.to_array())
        .collect();
    let buffer = image::RgbaImage::from_raw(
        u32::try_from(width).context("image too wide")?,
        u32::try_from(height).context("image too tall")?,
        bytes,
    )
    .context("screenshot has the wrong size")?;
    buffer
        .save_with_format(path, image::ImageFormat::Png)
        .with_context(|| format!("cannot write PNG {}", path.display()))?;
    Ok([width, height])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_is_cropped_and_written() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("plot.png");
        let mut image = egui::ColorImage::filled([40, 30], egui::Color32::WHITE);
        image.pixels[0] = egui::Color32::RED;
        let rect = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(10.0, 5.0));

        let size = save_region(&image, rect, 2.0, &path).expect("saved");
        assert_eq!(size, [20, 10]);
        let read = image::open(&path).expect("png").to_rgba8();
        assert_eq!(read.dimensions(), (20, 10));
        assert_eq!(read.get_pixel(0, 0).0, [255, 0, 0, 255]);
    }
}
