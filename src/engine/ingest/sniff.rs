//! Recognizing a file's format from its first lines, never from its name.
//!
//! Header-driven formats (Zeek TSV, W3C) and JSON are told apart by their first non-blank
//! characters and keys; line formats (syslog, access logs) by counting which grammar's
//! `looks_like` accepts more of the first lines.

use super::{InputFormat, syslog, web_access, zeek};

/// The format of a file whose first lines are `lines`, or `None` when nothing fits.
pub fn sniff_format(lines: &[&str]) -> Option<InputFormat> {
    let non_blank: Vec<&str> = lines
        .iter()
        .map(|line| line.trim_start_matches('\u{feff}'))
        .filter(|line| !line.trim().is_empty())
        .collect();
    let first = non_blank.first()?.trim_start();

    if first.starts_with('#') {
        if let Some(format) = sniff_header(&non_blank) {
            return Some(format);
        }
    } else if first.starts_with('{') || first.starts_with('[') {
        return sniff_json(&non_blank);
    }

    // Line formats; `#` comment lines (annotated test logs, banners) carry no vote.
    let candidates: Vec<&str> = non_blank
        .iter()
        .copied()
        .filter(|line| !line.starts_with('#'))
        .collect();
    // Suricata eve relayed through syslog: a syslog header, then the JSON event.
    let relayed_eve = candidates
        .iter()
        .filter(|line| line.contains(": {\"") && line.contains("\"event_type\""))
        .count();
    if relayed_eve * 2 > candidates.len() {
        return Some(InputFormat::SuricataEve);
    }

    let syslog_votes = candidates.iter().filter(|l| syslog::looks_like(l)).count();
    let web_votes = candidates
        .iter()
        .filter(|l| web_access::looks_like(l))
        .count();
    match (syslog_votes, web_votes) {
        (0, 0) => None,
        (s, w) if w > s => Some(InputFormat::WebAccess),
        _ => Some(InputFormat::Syslog),
    }
}

fn sniff_header(lines: &[&str]) -> Option<InputFormat> {
    for (index, line) in lines.iter().enumerate() {
        if !line.starts_with('#') {
            return sniff_after_comments(lines.get(index..).unwrap_or_default());
        }
        if line.starts_with("#separator")
            || line.starts_with("#fields")
            || line.starts_with("#path")
        {
            return Some(InputFormat::ZeekTsv);
        }
        if let Some(fields) = line.strip_prefix("#Fields:") {
            let has = |name: &str| fields.split_whitespace().any(|field| field == name);
            if has("src-ip") && has("action") {
                return Some(InputFormat::WindowsFirewall);
            }
        }
        if line.contains("Microsoft Windows Firewall") {
            return Some(InputFormat::WindowsFirewall);
        }
    }
    None
}

/// The first line after a `#` banner that named no format: a Zeek header with a custom meta
/// prefix (`PREFIX<>separator |`), or JSON (Zeek's test baselines start with `### BTest`).
fn sniff_after_comments(lines: &[&str]) -> Option<InputFormat> {
    let first = lines.first()?.trim_start();
    if zeek::looks_like_separator_line(first) {
        return Some(InputFormat::ZeekTsv);
    }
    if first.starts_with('{') || first.starts_with('[') {
        return sniff_json(lines);
    }
    None
}

fn sniff_json(lines: &[&str]) -> Option<InputFormat> {
    let head: String = lines
        .iter()
        .take(32)
        .copied()
        .collect::<Vec<_>>()
        .join("\n");
    if head.contains("\"event_type\"") {
        return Some(InputFormat::SuricataEve);
    }
    let zeek_keys = [
        "\"_path\"",
        "\"@stream\"",
        "\"id.orig_h\"",
        "\"id_orig_h\"",
        "\"uid\"",
    ];
    if zeek_keys.iter().any(|key| head.contains(key)) {
        return Some(InputFormat::ZeekJson);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ingest::zeek::ZEEK_PLACEHOLDER_TIME;

    #[test]
    fn header_formats() {
        assert_eq!(
            sniff_format(&["#separator \\x09", "#set_separator\t,"]),
            Some(InputFormat::ZeekTsv)
        );
        assert_eq!(
            sniff_format(&[
                "#Version: 1.5",
                "#Software: Microsoft Windows Firewall",
                "#Time Format: Local",
                "#Fields: date time action protocol src-ip dst-ip src-port dst-port size"
            ]),
            Some(InputFormat::WindowsFirewall)
        );
    }

    #[test]
    fn json_formats() {
        assert_eq!(
            sniff_format(&[r#"{"timestamp":"2017-01-01T00:00:00Z","event_type":"alert"}"#]),
            Some(InputFormat::SuricataEve)
        );
        assert_eq!(
            sniff_format(&["[", "  {", r#"    "event_type": "alert","#]),
            Some(InputFormat::SuricataEve)
        );
        assert_eq!(
            sniff_format(&[r#"{"_path":"conn","ts":1.0,"uid":"C1"}"#]),
            Some(InputFormat::ZeekJson)
        );
    }

    #[test]
    fn zeek_after_a_comment_banner() {
        let banner = "### BTest baseline data generated by btest-diff. Do not edit.";
        assert_eq!(
            sniff_format(&[banner, "PREFIX<>separator |", "PREFIX<>set_separator|,"]),
            Some(InputFormat::ZeekTsv)
        );
        assert_eq!(
            sniff_format(&[
                banner,
                &format!(r#"{{"ts":{ZEEK_PLACEHOLDER_TIME},"uid":"C1","id.orig_h":"10.0.0.1"}}"#)
            ]),
            Some(InputFormat::ZeekJson)
        );
        assert_eq!(sniff_format(&[banner, "just prose"]), None);
    }

    #[test]
    fn comment_banners_do_not_hide_a_line_format() {
        assert_eq!(
            sniff_format(&[
                "# failJSON: { \"time\": \"2005-06-21T16:47:48\", \"match\": true }",
                "Jun 21 16:47:48 host sshd[2211]: Failed password for root from 192.0.2.1 port 2 ssh2",
            ]),
            Some(InputFormat::Syslog)
        );
    }

    #[test]
    fn eve_relayed_through_syslog() {
        assert_eq!(
            sniff_format(&[
                r#"<13>Feb 26 10:36:57 pfSense suricata: {"timestamp":"2021-02-26T10:36:57.000000-0500","event_type":"alert"}"#
            ]),
            Some(InputFormat::SuricataEve)
        );
    }

    #[test]
    fn prose_is_not_a_log() {
        assert_eq!(
            sniff_format(&["Lorem ipsum dolor sit amet, consectetur adipiscing elit."]),
            None
        );
        assert_eq!(sniff_format(&["", "  "]), None);
    }
}
