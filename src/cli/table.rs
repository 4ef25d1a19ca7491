//! The terminal table: a summary per file, then one row per detection.

use std::io::{self, Write};
use threatlens::engine::attack::actors::RankedGroup;

use threatlens::engine::detect::Severity;
use threatlens::engine::ingest::FileReport;
use threatlens::engine::scan::ScanOutcome;

const SEVERITY_WIDTH: usize = 13;
const TITLE_WIDTH: usize = 46;
const TECHNIQUE_WIDTH: usize = 20;

/// Writes the scan as text for a terminal; `color` adds ANSI colours to severities.
pub fn write_table(outcome: &ScanOutcome, color: bool, out: &mut dyn Write) -> io::Result<()> {
    write_files(outcome, out)?;
    writeln!(out)?;
    write_detections(outcome, color, out)
}

/// Files that were read but hold no log format we know; listed on one line, not as failures.
fn is_not_a_log(file: &FileReport) -> bool {
    file.format.is_none()
        && file
            .failure
            .as_deref()
            .is_some_and(|failure| failure.starts_with("not a recognized log format"))
}

fn write_files(outcome: &ScanOutcome, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "Files")?;
    for file in outcome.files.iter().filter(|file| !is_not_a_log(file)) {
        let path = file.path.display();
        match (&file.failure, file.format) {
            (Some(failure), _) => writeln!(out, "  {path}: NOT READ: {failure}")?,
            (None, None) => writeln!(out, "  {path}: {} lines, no events", file.lines)?,
            (None, Some(format)) => {
                writeln!(
                    out,
                    "  {path}: {format}, {} lines, {} events, {} skipped, {} unreadable",
                    file.lines, file.events, file.skipped, file.error_count
                )?;
                if let Some(error) = file.errors.first() {
                    writeln!(
                        out,
                        "      first unreadable: line {}: {}",
                        error.line, error.reason
                    )?;
                }
            }
        }
        for warning in &file.warnings {
            writeln!(out, "      warning: {warning}")?;
        }
    }

    let not_logs: Vec<String> = outcome
        .files
        .iter()
        .filter(|file| is_not_a_log(file))
        .map(|file| file.path.display().to_string())
        .collect();
    if !not_logs.is_empty() {
        writeln!(
            out,
            "  not a recognized log format (use --input-format to force one): {}",
            not_logs.join(", ")
        )?;
    }
    Ok(())
}

fn write_detections(outcome: &ScanOutcome, color: bool, out: &mut dyn Write) -> io::Result<()> {
    if outcome.detections.is_empty() {
        return writeln!(out, "No detections in {} events.", outcome.events);
    }
    writeln!(
        out,
        "{} detections in {} events",
        outcome.detections.len(),
        outcome.events
    )?;
    writeln!(
        out,
        "{:<SEVERITY_WIDTH$} {:<TITLE_WIDTH$} {:<TECHNIQUE_WIDTH$} {:>7}  {:<22} {:<26} FIRST SEEN (UTC)",
        "SEVERITY", "TITLE", "TECHNIQUES", "COUNT", "SOURCE", "TARGET"
    )?;
    for detection in &outcome.detections {
        let severity = paint(detection.severity, color);
        let target = match (&detection.dst_ip, detection.dst_port, &detection.domain) {
            (_, _, Some(domain)) => domain.clone(),
            (Some(ip), Some(port), None) => format!("{ip}:{port}"),
            (Some(ip), None, None) => ip.clone(),
            (None, Some(port), None) => format!("port {port}"),
            (None, None, None) => detection.user.clone().unwrap_or_default(),
        };
        writeln!(
            out,
            "{severity} {:<TITLE_WIDTH$} {:<TECHNIQUE_WIDTH$} {:>7}  {:<22} {:<26} {}",
            clip(&detection.title, TITLE_WIDTH),
            clip(&detection.techniques.join(","), TECHNIQUE_WIDTH),
            detection.count,
            clip(detection.src_ip.as_deref().unwrap_or("-"), 22),
            clip(&target, 26),
            detection.first_seen.map_or_else(
                || "-".to_owned(),
                |time| time.strftime("%Y-%m-%d %H:%M:%S").to_string()
            ),
        )?;
    }
    Ok(())
}

fn paint(severity: Severity, color: bool) -> String {
    let text = format!("{:<SEVERITY_WIDTH$}", severity.as_str());
    if !color {
        return text;
    }
    let code = match severity {
        Severity::Critical => "1;31",
        Severity::High => "31",
        Severity::Medium => "33",
        Severity::Low => "36",
        Severity::Informational => "2",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut clipped: String = text.chars().take(width.saturating_sub(1)).collect();
    clipped.push('…');
    clipped
}

/// Groups whose techniques look most like the detections', top five, after the table.
pub fn write_actors(
    actors: &[RankedGroup],
    attack_version: Option<&str>,
    out: &mut dyn Write,
) -> io::Result<()> {
    if actors.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "\nSimilar known groups in ATT&CK {} (similarity, not attribution)",
        attack_version.unwrap_or("?")
    )?;
    for group in actors.iter().take(5) {
        let shared: Vec<&str> = group
            .shared_techniques
            .iter()
            .map(|s| s.id.as_str())
            .collect();
        let hunt: Vec<&str> = group.hunt_next.iter().map(|h| h.id.as_str()).collect();
        writeln!(
            out,
            "  {:.3}  {} {}: shares {}; hunt next {}",
            group.score,
            group.id,
            group.name,
            shared.join(" "),
            hunt.join(" ")
        )?;
    }
    Ok(())
}
