//! Suricata `eve.json`: NDJSON or a (pretty-printed) JSON array of events.

use crate::engine::event::Event;
use crate::engine::ingest::reader::Line;
use crate::engine::ingest::{LineParser, LineVerdict, ParseContext};

/// Reads eve.json lines.
#[derive(Debug)]
pub struct EveParser {
    context: ParseContext,
}

impl EveParser {
    /// A parser for one file.
    pub fn new(context: ParseContext) -> Self {
        Self { context }
    }
}

impl LineParser for EveParser {
    fn parse_line(&mut self, _line: &Line<'_>, _out: &mut Vec<Event>) -> LineVerdict {
        let _ = self.context.file;
        LineVerdict::Error("format not implemented yet".into())
    }
}
