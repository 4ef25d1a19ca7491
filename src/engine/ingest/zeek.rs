//! Zeek logs: TSV driven by the `#` header lines, and JSON.

use crate::engine::event::Event;
use crate::engine::ingest::reader::Line;
use crate::engine::ingest::{LineParser, LineVerdict, ParseContext};

/// Reads Zeek TSV lines.
#[derive(Debug)]
pub struct ZeekTsvParser {
    context: ParseContext,
}

impl ZeekTsvParser {
    /// A parser for one file.
    pub fn new(context: ParseContext) -> Self {
        Self { context }
    }
}

impl LineParser for ZeekTsvParser {
    fn parse_line(&mut self, _line: &Line<'_>, _out: &mut Vec<Event>) -> LineVerdict {
        let _ = self.context.file;
        LineVerdict::Error("format not implemented yet".into())
    }
}

/// Reads Zeek JSON lines.
#[derive(Debug)]
pub struct ZeekJsonParser {
    context: ParseContext,
}

impl ZeekJsonParser {
    /// A parser for one file.
    pub fn new(context: ParseContext) -> Self {
        Self { context }
    }
}

impl LineParser for ZeekJsonParser {
    fn parse_line(&mut self, _line: &Line<'_>, _out: &mut Vec<Event>) -> LineVerdict {
        let _ = self.context.file;
        LineVerdict::Error("format not implemented yet".into())
    }
}
