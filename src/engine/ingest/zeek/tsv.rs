//! Zeek TSV rows, read through the header block that precedes them.

use std::borrow::Cow;

use super::fields::build_event;
use super::header::{Column, ColumnKind, Header, MetaLine, unescape};
use super::{LogType, Record, Value};
use crate::engine::event::{Event, Location};
use crate::engine::ingest::reader::Line;
use crate::engine::ingest::{LineParser, LineVerdict, ParseContext};

/// Reads the lines of one Zeek TSV file: header blocks and the rows they describe.
#[derive(Debug)]
pub struct ZeekTsvParser {
    context: ParseContext,
    header: Header,
}

impl ZeekTsvParser {
    /// A parser for one file. Until a header block is read, the defaults Zeek writes apply.
    pub fn new(context: ParseContext) -> Self {
        Self {
            context,
            header: Header::default(),
        }
    }
}

impl LineParser for ZeekTsvParser {
    fn parse_line(&mut self, line: &Line<'_>, out: &mut Vec<Event>) -> LineVerdict {
        let text = line.text.as_ref();
        match self.header.read_meta_line(text) {
            Some(MetaLine::Header) => return LineVerdict::Skipped("zeek header".into()),
            Some(MetaLine::Comment) => return LineVerdict::Skipped("comment line".into()),
            None => {}
        }

        let header = &self.header;
        let Some(columns) = header.columns.as_deref() else {
            return LineVerdict::Error("no #fields header".into());
        };
        let Some(record) = read_row(header, columns, text) else {
            return LineVerdict::Error("column count does not match #fields".into());
        };

        let log = match header.path.as_deref() {
            Some(path) => LogType::from_path(path),
            None => LogType::from_field_names(|name| record.has(name)),
        };
        let location = Location {
            file: self.context.file,
            line: line.number,
        };
        let time_field = header.time_field();
        let path = header.path.as_deref();
        match build_event(log, path, record, time_field, location, &self.context.zone) {
            Ok(event) => {
                out.push(event);
                LineVerdict::Parsed
            }
            Err(reason) => LineVerdict::Error(reason.into()),
        }
    }
}

/// Splits a row into named, unescaped values; `None` when the cells do not fit the columns.
///
/// One extra empty cell at the end (a trailing separator) is ignored, as is a missing cell for a
/// trailing unnamed column.
fn read_row<'h>(header: &'h Header, columns: &'h [Column], text: &'h str) -> Option<Record<'h>> {
    let cells = split_on(text, &header.separator);
    let fits = match cells.len() {
        n if n == columns.len() => true,
        n if n == columns.len() + 1 => cells.last().is_some_and(|cell| cell.is_empty()),
        n if n + 1 == columns.len() => columns.last().is_some_and(|c| c.name.is_empty()),
        _ => false,
    };
    if !fits {
        return None;
    }

    let mut record = Record::with_capacity(columns.len());
    for (column, cell) in columns.iter().zip(cells) {
        if column.name.is_empty() || cell == header.unset_field {
            continue;
        }
        record.push(
            Cow::Borrowed(column.name.as_str()),
            read_cell(header, column.kind, cell),
        );
    }
    Some(record)
}

fn read_cell<'t>(header: &Header, kind: ColumnKind, cell: &'t str) -> Value<'t> {
    let empty = cell == header.empty_field;
    match kind {
        ColumnKind::List if empty => Value::List(Vec::new()),
        _ if empty => Value::Cell(""),
        ColumnKind::List => Value::List(
            split_on(cell, &header.set_separator)
                .into_iter()
                .map(|item| unescape(item).into_owned())
                .collect(),
        ),
        ColumnKind::Bool => Value::Cell(match cell {
            "T" => "true",
            "F" => "false",
            other => other,
        }),
        ColumnKind::Scalar | ColumnKind::Time => match unescape(cell) {
            Cow::Borrowed(text) => Value::Cell(text),
            Cow::Owned(text) => Value::Text(text),
        },
    }
}

/// Splits on a separator, with a byte search when it is one ASCII character (it nearly always
/// is: a tab, a comma).
fn split_on<'t>(text: &'t str, separator: &str) -> Vec<&'t str> {
    let &[byte] = separator.as_bytes() else {
        return text.split(separator).collect();
    };
    let mut cells = Vec::with_capacity(32);
    let mut start = 0;
    for end in memchr::memchr_iter(byte, text.as_bytes()) {
        cells.push(text.get(start..end).unwrap_or_default());
        start = end + 1;
    }
    cells.push(text.get(start..).unwrap_or_default());
    cells
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::event::{Action, EventFormat};
    use crate::engine::ingest::testing::{context, feed_lines};
    use crate::engine::ingest::zeek::ZEEK_PLACEHOLDER_TIME;

    fn parse_all(lines: &[&str]) -> (Vec<LineVerdict>, Vec<Event>) {
        feed_lines(&mut ZeekTsvParser::new(context(2024)), lines)
    }

    const CONN_HEADER: [&str; 8] = [
        r"#separator \x09",
        "#set_separator\t,",
        "#empty_field\t(empty)",
        "#unset_field\t-",
        "#path\tconn",
        "#fields\t_node_name\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\torig_bytes\tresp_bytes\tlocal_orig\ttunnel_parents",
        "#types\tstring\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tcount\tcount\tbool\tset[string]",
        "#open\t2024-04-19-00-00-01",
    ];

    #[test]
    fn underscore_scope_separator_reads_as_dotted_names() {
        let (verdicts, events) = parse_all(&[
            "#separator \\x09",
            "#path\tconn",
            "#fields\tts\tuid\tid_orig_h\tid_orig_p\tid_resp_h\tid_resp_p\tproto",
            "#types\ttime\tstring\taddr\tport\taddr\tport\tenum",
            "1521835139.672014\tC1\t10.0.0.5\t51000\t198.51.100.7\t443\ttcp",
        ]);
        assert_eq!(verdicts.last(), Some(&LineVerdict::Parsed));
        let event = &events[0];
        assert_eq!(event.src_ip, "10.0.0.5".parse().ok());
        assert_eq!(event.src_port, Some(51000));
        assert_eq!(event.dst_ip, "198.51.100.7".parse().ok());
        assert_eq!(event.dst_port, Some(443));
    }

    #[test]
    fn conn_row_with_node_name_unset_and_empty() {
        let mut lines = CONN_HEADER.to_vec();
        lines.push("worker-1\t1713484802.146761\tCw7T\t80.67.208.99\t52598\t64.225.56.201\t445\ttcp\t-\t-\t0\tT\t(empty)");
        let (verdicts, events) = parse_all(&lines);
        assert!(
            verdicts[..8]
                .iter()
                .all(|v| *v == LineVerdict::Skipped("zeek header".into()))
        );
        assert_eq!(verdicts[8], LineVerdict::Parsed);

        let event = &events[0];
        assert_eq!(event.format, EventFormat::ZeekConn);
        assert_eq!(event.action, Some(Action::Connection));
        assert_eq!(event.location.line, 9);
        assert_eq!(event.reporter.as_deref(), Some("worker-1"));
        assert_eq!(event.src_ip, Some("80.67.208.99".parse().unwrap()));
        assert_eq!(event.src_port, Some(52598));
        assert_eq!(event.dst_port, Some(445));
        assert_eq!(event.process, None, "`-` is unset");
        assert_eq!(event.bytes_out, None);
        assert_eq!(event.bytes_in, Some(0));
        assert_eq!(event.extra("uid"), Some("Cw7T"));
        assert_eq!(event.extra("local_orig"), Some("true"));
        assert_eq!(event.extra("tunnel_parents"), Some(""));
    }

    #[test]
    fn column_count_mismatches() {
        let mut lines = CONN_HEADER.to_vec();
        let row = "w\t1713484802.146761\tC1\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\thttp,ssl\t5\t6\tF\t-";
        let trailing_tab = format!("{row}\t");
        let short = "w\t1713484802.146761\tC1\t10.0.0.1";
        let long = format!("{row}\tx\ty");
        lines.extend([trailing_tab.as_str(), short, long.as_str()]);
        let (verdicts, events) = parse_all(&lines);
        assert_eq!(verdicts[8], LineVerdict::Parsed);
        let mismatch = LineVerdict::Error("column count does not match #fields".into());
        assert_eq!(verdicts[9], mismatch);
        assert_eq!(verdicts[10], mismatch);
        assert_eq!(events[0].process.as_deref(), Some("http,ssl"));
    }

    #[test]
    fn rows_before_any_header_and_placeholder_times() {
        let mut lines = vec!["1.0\tC1\t10.0.0.1"];
        lines.extend(CONN_HEADER);
        let placeholder_row =
            format!("w\t{ZEEK_PLACEHOLDER_TIME}\tC1\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t-\t5\t6\tF\t-");
        lines.push(&placeholder_row);
        let (verdicts, events) = parse_all(&lines);
        assert_eq!(verdicts[0], LineVerdict::Error("no #fields header".into()));
        assert_eq!(verdicts[9], LineVerdict::Error("bad timestamp".into()));
        assert!(events.is_empty());
    }

    #[test]
    fn unnamed_columns_escapes_and_a_second_block() {
        let lines = [
            r"#separator \x09",
            "#path\tdns",
            "#fields\tts\tuid\t\tquery\tanswers",
            "#types\ttime\tstring\t\tstring\tvector[string]",
            r"1521835139.67	CVq1		ocsp.pki.goog	a\x2cb,1.2.3.4",
            r"#separator \x7c",
            "#fields|ts|uri",
            r"1521835139.67|/caf\xc3\xa9\x7c",
        ];
        let (verdicts, events) = parse_all(&lines);
        assert_eq!(verdicts[4], LineVerdict::Parsed);
        assert_eq!(verdicts[7], LineVerdict::Parsed);
        assert_eq!(events[0].format, EventFormat::ZeekDns);
        assert_eq!(events[0].domain.as_deref(), Some("ocsp.pki.goog"));
        assert_eq!(events[0].extra("answers"), Some("a,b,1.2.3.4"));
        assert_eq!(
            events[1].format,
            EventFormat::ZeekOther,
            "no #path in the new block"
        );
        assert_eq!(events[1].extra("uri"), Some("/café|"));
    }
}
