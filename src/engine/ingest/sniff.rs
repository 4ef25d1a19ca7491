//! Recognizing a file's format from its first lines, never from its name.
//!
//! Header-driven formats (Zeek TSV, W3C) and JSON are told apart by their first non-blank
//! characters and keys; line formats (syslog, access logs) by counting which grammar's
//! `looks_like` accepts more of the first lines.

use super::{InputFormat, syslog, web_access};

/// The format of a file whose first lines are `lines`, or `None` when nothing fits.
pub fn sniff_format(lines: &[&str]) -> Option<InputFormat> {
    let non_blank: Vec<&str> = lines
        .iter()
        .map(|line| line.trim_start_matches('\u{feff}'))
        .filter(|line| !line.trim().is_empty())
        .collect();
    let first = non_blank.first()?.trim_start();

    if first.starts_with('#') {
        return sniff_header(&non_blank);
    }
    if first.starts_with('{') || first.starts_with('[') {
        return sniff_json(&non_blank);
    }

    let syslog_votes = non_blank.iter().filter(|l| syslog::looks_like(l)).count();
    let web_votes = non_blank
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
    for line in lines.iter().take_while(|line| line.starts_with('#')) {
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
    fn prose_is_not_a_log() {
        assert_eq!(
            sniff_format(&["Lorem ipsum dolor sit amet, consectetur adipiscing elit."]),
            None
        );
        assert_eq!(sniff_format(&["", "  "]), None);
    }
}
