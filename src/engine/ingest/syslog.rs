//! Syslog framing (RFC 3164, RFC 5424, BSD `-vv`, ISO 8601) and dispatch of the message to sshd, netfilter and application-firewall grammars.

use crate::engine::event::Event;
use crate::engine::ingest::reader::Line;
use crate::engine::ingest::{LineParser, LineVerdict, ParseContext};

/// Reads syslog lines.
#[derive(Debug)]
pub struct SyslogParser {
    context: ParseContext,
}

impl SyslogParser {
    /// A parser for one file.
    pub fn new(context: ParseContext) -> Self {
        Self { context }
    }
}

impl LineParser for SyslogParser {
    fn parse_line(&mut self, _line: &Line<'_>, _out: &mut Vec<Event>) -> LineVerdict {
        let _ = self.context.file;
        LineVerdict::Error("format not implemented yet".into())
    }
}

/// True when `line` has syslog framing (or is a bare netfilter line); used to recognize files.
pub fn looks_like(line: &str) -> bool {
    let _ = line;
    false
}
