//! One-value-per-line feeds: address and CIDR lists (Spamhaus DROP, Emerging Threats
//! compromised IPs, ThreatFox and DROPv6 mirrors), domain lists, and mixed lists (RITA).
//!
//! Comments start with `#`, `;` or `//`, on their own line or after the value (Spamhaus writes
//! `1.10.16.0/20 ; SBL256894`, and that SBL reference becomes the entry's name). Trailing
//! spaces and CRLF endings are ignored. A line that is none of address, range, domain or URL is
//! counted as invalid with its line number.

use crate::engine::intel::indicator::{Indicator, Observable};
use crate::engine::intel::report::IntelFileReport;
use crate::engine::intel::set::IntelSetBuilder;

/// Loads a list feed. `feed` is the indicator template shared by entries without their own name.
pub fn load_list(
    text: &str,
    feed: Indicator,
    builder: &mut IntelSetBuilder,
    report: &mut IntelFileReport,
) {
    let mut shared: Option<u32> = None;
    for (index, line) in text.lines().enumerate() {
        let number = index as u64 + 1;
        let line = line.trim();
        if line.is_empty() {
            report.skip("blank line");
            continue;
        }
        if line.starts_with(['#', ';']) || line.starts_with("//") {
            report.skip("comment");
            continue;
        }
        let (value, comment) = split_comment(line);
        let Some(observable) = list_value(value) else {
            report.invalid(number, value, "not an address, range, domain or URL");
            continue;
        };

        let indicator = if comment.is_empty() {
            *shared.get_or_insert_with(|| builder.add_indicator(feed.clone()))
        } else {
            let mut named = feed.clone();
            named.name = format!("{} {comment}", feed.name);
            report.indicators += 1;
            builder.add_indicator(named)
        };
        builder.add(observable, indicator);
        report.values += 1;
    }
    if shared.is_some() {
        report.indicators += 1;
    }
}

/// Splits `value ; comment` or `value # comment`; the mark must follow a space, so a URL's own
/// `#fragment` or `;param` stays in the value.
fn split_comment(line: &str) -> (&str, &str) {
    let bytes = line.as_bytes();
    let mark = (1..bytes.len())
        .find(|&at| matches!(bytes[at], b';' | b'#') && bytes[at - 1].is_ascii_whitespace());
    match mark {
        Some(at) => (line[..at].trim(), line[at + 1..].trim()),
        None => (line, ""),
    }
}

/// Reads one list entry: an address, a CIDR range, a URL (has `://`) or a domain.
fn list_value(value: &str) -> Option<Observable> {
    if value.contains("://") {
        return Observable::url(value);
    }
    let looks_numeric = value.contains(':')
        || value
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'/');
    if looks_numeric {
        return Observable::network(value);
    }
    Observable::domain(value)
}

/// What kind of list the first lines suggest, for the report.
pub fn list_kind(text: &str) -> &'static str {
    let mut addresses = 0usize;
    let mut names = 0usize;
    for line in text.lines().take(200) {
        let line = line.trim();
        if line.contains("; SBL") {
            return "spamhaus_drop";
        }
        if line.is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        match list_value(split_comment(line).0) {
            Some(Observable::Network(_)) => addresses += 1,
            Some(_) => names += 1,
            None => {}
        }
    }
    match (addresses, names) {
        (_, 0) => "address_list",
        (0, _) => "domain_list",
        _ => "mixed_list",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_drop_lines_comments_and_bad_entries() {
        let text = "; Spamhaus DROP List\n1.10.16.0/20 ; SBL256894\n\n2a12:2640::/29 \n\
                    not an entry!\nevil.example\r\nhttp://x.example/a # c\n";
        let mut builder = IntelSetBuilder::default();
        let mut report = IntelFileReport::default();
        let feed = Indicator {
            name: "drop".into(),
            ..Indicator::default()
        };
        load_list(text, feed, &mut builder, &mut report);
        assert_eq!(report.values, 4);
        assert_eq!(report.skipped, 2);
        assert_eq!(report.invalid, 1);
        assert_eq!(report.invalid_listed[0].line, 5);
        // Two named lines (SBL, and the URL's comment) and one shared indicator for the rest.
        assert_eq!(report.indicators, 3);
        let set = builder.build();
        assert_eq!(set.indicator(0).unwrap().name, "drop SBL256894");
        assert_eq!(list_kind(text), "spamhaus_drop");
        assert_eq!(list_kind("1.2.3.4\nx.example\n"), "mixed_list");
    }
}
