//! Apache and nginx access logs: common, combined and vhost-combined.

use crate::engine::event::Event;
use crate::engine::ingest::reader::Line;
use crate::engine::ingest::{LineParser, LineVerdict, ParseContext};

/// Reads access-log lines.
#[derive(Debug)]
pub struct AccessLogParser {
    context: ParseContext,
}

impl AccessLogParser {
    /// A parser for one file.
    pub fn new(context: ParseContext) -> Self {
        Self { context }
    }
}

impl LineParser for AccessLogParser {
    fn parse_line(&mut self, _line: &Line<'_>, _out: &mut Vec<Event>) -> LineVerdict {
        let _ = self.context.file;
        LineVerdict::Error("format not implemented yet".into())
    }
}

/// True when `line` looks like an access-log line; used to recognize files.
pub fn looks_like(line: &str) -> bool {
    let _ = line;
    false
}
