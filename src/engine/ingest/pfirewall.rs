//! Windows Defender Firewall `pfirewall.log`, read through its W3C `#Fields:` header.

use crate::engine::event::Event;
use crate::engine::ingest::reader::Line;
use crate::engine::ingest::{LineParser, LineVerdict, ParseContext};

/// Reads pfirewall.log lines.
#[derive(Debug)]
pub struct PfirewallParser {
    context: ParseContext,
}

impl PfirewallParser {
    /// A parser for one file.
    pub fn new(context: ParseContext) -> Self {
        Self { context }
    }
}

impl LineParser for PfirewallParser {
    fn parse_line(&mut self, _line: &Line<'_>, _out: &mut Vec<Event>) -> LineVerdict {
        let _ = self.context.file;
        LineVerdict::Error("format not implemented yet".into())
    }
}
