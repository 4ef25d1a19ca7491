//! Reading log files into normalized [`Event`]s, one grammar per file.
//!
//! A file's format is recognized from its content (see [`sniff`]), never from its name; the user
//! can override it. Each format has a [`LineParser`] that turns one line into zero or more events
//! and says why when it does not. Every line of every file ends up counted in the file's
//! [`FileReport`] as parsed, skipped (with a reason) or an error (with its line number): nothing
//! is dropped silently, and a bad line never stops the file.

pub mod address;
pub mod appfirewall;
pub mod netfilter;
pub mod pfirewall;
pub mod reader;
pub mod sniff;
pub mod sshd;
pub mod suricata;
pub mod syslog;
#[cfg(test)]
mod testing;
pub mod time;
pub mod web_access;
pub mod zeek;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use jiff::tz::TimeZone;
use serde::Serialize;

use crate::engine::event::Event;
use reader::{Line, LineReader};
use time::YearResolver;

/// How many line errors a report keeps with their text; the rest are only counted.
pub const MAX_ERRORS_KEPT: usize = 200;

/// How many lines are read ahead to recognize a file's format.
const SNIFF_LINES: usize = 64;

/// The grammar of a whole file. Several event formats can come out of one input format (a
/// syslog file holds sshd, netfilter and application-firewall lines).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputFormat {
    /// Syslog in any framing (RFC 3164, RFC 5424, BSD `-vv`, ISO 8601), and bare netfilter lines:
    /// auth.log, secure, ufw.log, kern.log, appfirewall.log, system.log.
    Syslog,
    /// Zeek logs in their TSV form, read through their `#` header lines.
    ZeekTsv,
    /// Zeek logs written as JSON, one object per line.
    ZeekJson,
    /// Suricata `eve.json`: NDJSON or a JSON array.
    SuricataEve,
    /// Windows Defender Firewall `pfirewall.log` (W3C `#Fields:` header).
    WindowsFirewall,
    /// Apache or nginx access log (common, combined, vhost).
    WebAccess,
}

impl InputFormat {
    /// Every input format, for listings.
    pub const ALL: [Self; 6] = [
        Self::Syslog,
        Self::ZeekTsv,
        Self::ZeekJson,
        Self::SuricataEve,
        Self::WindowsFirewall,
        Self::WebAccess,
    ];

    /// The name used in reports and accepted by `--input-format`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Syslog => "syslog",
            Self::ZeekTsv => "zeek_tsv",
            Self::ZeekJson => "zeek_json",
            Self::SuricataEve => "suricata_eve",
            Self::WindowsFirewall => "windows_firewall",
            Self::WebAccess => "web_access",
        }
    }

    /// Makes the parser for one file of this format.
    pub fn parser(self, context: ParseContext) -> Box<dyn LineParser> {
        match self {
            Self::Syslog => Box::new(syslog::SyslogParser::new(context)),
            Self::ZeekTsv => Box::new(zeek::ZeekTsvParser::new(context)),
            Self::ZeekJson => Box::new(zeek::ZeekJsonParser::new(context)),
            Self::SuricataEve => Box::new(suricata::EveParser::new(context)),
            Self::WindowsFirewall => Box::new(pfirewall::PfirewallParser::new(context)),
            Self::WebAccess => Box::new(web_access::AccessLogParser::new(context)),
        }
    }
}

impl fmt::Display for InputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for InputFormat {
    type Err = String;

    /// Accepts the canonical names and the names analysts use for the same files.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let format = match text.to_ascii_lowercase().replace('-', "_").as_str() {
            "syslog" | "auth" | "auth_log" | "sshd" | "secure" | "appfirewall" | "alf" | "ufw"
            | "iptables" | "netfilter" | "nftables" | "kern" => Self::Syslog,
            "zeek_tsv" | "zeek" | "bro" => Self::ZeekTsv,
            "zeek_json" => Self::ZeekJson,
            "suricata_eve" | "suricata" | "eve" => Self::SuricataEve,
            "windows_firewall" | "pfirewall" => Self::WindowsFirewall,
            "web_access" | "access" | "apache" | "nginx" | "combined" => Self::WebAccess,
            _ => {
                let names: Vec<_> = Self::ALL.iter().map(|f| f.as_str()).collect();
                return Err(format!(
                    "unknown input format {text:?}; expected one of {}",
                    names.join(", ")
                ));
            }
        };
        Ok(format)
    }
}

/// What a parser needs to know about the file it reads.
#[derive(Debug, Clone)]
pub struct ParseContext {
    /// Index of the file in the scan, for [`crate::engine::event::Location`].
    pub file: u32,
    /// Gives year-less timestamps a year.
    pub years: YearResolver,
    /// Zone for timestamps written without one.
    pub zone: TimeZone,
}

/// What became of one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineVerdict {
    /// One or more events were produced.
    Parsed,
    /// The line is understood and holds no event: a header, a comment, noise from another
    /// program. The reason is a short fixed phrase so reports can count by it.
    Skipped(Cow<'static, str>),
    /// The line could not be read. The reason says what was wrong.
    Error(Cow<'static, str>),
}

/// Turns the lines of one file into events. One instance per file, fed lines in order.
pub trait LineParser: Send {
    /// Parses one line, pushing its events onto `out`.
    fn parse_line(&mut self, line: &Line<'_>, out: &mut Vec<Event>) -> LineVerdict;

    /// Called once after the last line: what was left unfinished (a multi-line record still
    /// open), as a warning for the file's report.
    fn finish(&mut self) -> Option<String> {
        None
    }
}

/// Options for reading files.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Year for the first line of year-less logs; from each file's mtime when `None`.
    pub year: Option<i16>,
    /// Zone for timestamps written without one.
    pub zone: TimeZone,
    /// Skip content sniffing and read every file as this format.
    pub format: Option<InputFormat>,
}

impl Default for IngestOptions {
    fn default() -> Self {
        Self {
            year: None,
            zone: TimeZone::UTC,
            format: None,
        }
    }
}

/// One bad line, as shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineError {
    /// 1-based line number.
    pub line: u64,
    /// What was wrong.
    pub reason: String,
}

/// Everything the scan learned about one file, good and bad.
///
/// `lines == parsed_lines + skipped + error_count` always holds.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    /// The file as given.
    pub path: PathBuf,
    /// The recognized (or forced) format; `None` when the file was not read.
    pub format: Option<InputFormat>,
    /// `none`, `gzip`, `bzip2` or `zstd`.
    pub compression: &'static str,
    /// Lines read.
    pub lines: u64,
    /// Lines that produced at least one event.
    pub parsed_lines: u64,
    /// Events produced.
    pub events: u64,
    /// Lines understood to hold no event.
    pub skipped: u64,
    /// Skipped lines by reason.
    pub skip_reasons: BTreeMap<String, u64>,
    /// Lines that could not be read.
    pub error_count: u64,
    /// The first [`MAX_ERRORS_KEPT`] bad lines with reasons.
    pub errors: Vec<LineError>,
    /// Problems with the file as a whole that did not stop it (truncated archive...).
    pub warnings: Vec<String>,
    /// Why the file could not be read at all.
    pub failure: Option<String>,
}

impl FileReport {
    fn new(path: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
            format: None,
            compression: "none",
            lines: 0,
            parsed_lines: 0,
            events: 0,
            skipped: 0,
            skip_reasons: BTreeMap::new(),
            error_count: 0,
            errors: Vec::new(),
            warnings: Vec::new(),
            failure: None,
        }
    }

    /// A report for a path that could not be read at all.
    pub fn failed(path: &Path, reason: String) -> Self {
        let mut report = Self::new(path);
        report.failure = Some(reason);
        report
    }

    /// Counts a skipped line; the reason is copied only the first time it is seen.
    fn count_skip(&mut self, reason: Cow<'static, str>) {
        self.skipped += 1;
        match self.skip_reasons.get_mut(reason.as_ref()) {
            Some(count) => *count += 1,
            None => {
                self.skip_reasons.insert(reason.into_owned(), 1);
            }
        }
    }

    fn count(&mut self, line: u64, verdict: LineVerdict, events: usize) {
        self.lines += 1;
        match verdict {
            LineVerdict::Parsed if events > 0 => {
                self.parsed_lines += 1;
                self.events += events as u64;
            }
            LineVerdict::Parsed => self.count_skip(Cow::Borrowed("no event in line")),
            LineVerdict::Skipped(reason) => self.count_skip(reason),
            LineVerdict::Error(reason) => {
                self.error_count += 1;
                if self.errors.len() < MAX_ERRORS_KEPT {
                    self.errors.push(LineError {
                        line,
                        reason: reason.into_owned(),
                    });
                }
            }
        }
    }
}

/// Reads one file, handing events to `sink` in batches, and reports what happened.
///
/// Never fails: a file that cannot be opened or recognized comes back with
/// [`FileReport::failure`] set, so a batch goes on with the other files.
pub fn ingest_file(
    path: &Path,
    file: u32,
    options: &IngestOptions,
    sink: &mut dyn FnMut(Vec<Event>),
) -> FileReport {
    let progress = Arc::new(AtomicU64::new(0));
    ingest_file_recycling(path, file, options, progress, &mut |batch| {
        sink(batch);
        Vec::with_capacity(BATCH_EVENTS)
    })
}

/// [`ingest_file`], adding the file bytes read (before decompression) to `progress`, with a
/// sink that hands back an empty vector for the next batch.
///
/// A consumer on another thread can return the batches it is done with, so their events are
/// freed, and their vectors reused, on the thread that allocated them: freeing across threads
/// costs the allocator a lock per block.
pub fn ingest_file_recycling(
    path: &Path,
    file: u32,
    options: &IngestOptions,
    progress: Arc<AtomicU64>,
    sink: &mut dyn FnMut(Vec<Event>) -> Vec<Event>,
) -> FileReport {
    let mut report = FileReport::new(path);
    let mut reader = match LineReader::open_counted(path, progress) {
        Ok(reader) => reader,
        Err(error) => {
            report.failure = Some(format!("cannot open: {error}"));
            return report;
        }
    };
    report.compression = reader.compression().as_str();

    let mut head: Vec<(u64, String, Vec<u8>)> = Vec::new();
    while head.len() < SNIFF_LINES {
        match reader.next_line() {
            Some(line) => head.push((line.number, line.text.into_owned(), line.raw.to_vec())),
            None => break,
        }
    }

    let format = match options.format {
        Some(format) => format,
        None => {
            let texts: Vec<&str> = head.iter().map(|(_, text, _)| text.as_str()).collect();
            match sniff::sniff_format(&texts) {
                Some(format) => format,
                None if head.is_empty() && reader.damage().is_some() => {
                    let damage = reader.damage().unwrap_or_default();
                    report.failure = Some(format!(
                        "compressed stream is damaged before its first line: {damage}"
                    ));
                    return report;
                }
                None if texts.iter().all(|text| text.trim().is_empty()) => {
                    report.warnings.push(empty_file_message(path));
                    for (number, _, _) in &head {
                        report.count(*number, LineVerdict::Skipped("blank line".into()), 0);
                    }
                    return report;
                }
                None => {
                    report.failure = Some(
                        "not a recognized log format (use --input-format to force one)".into(),
                    );
                    return report;
                }
            }
        }
    };
    report.format = Some(format);
    tracing::debug!(path = %path.display(), %format, "reading file");

    let context = ParseContext {
        file,
        years: year_resolver(path, options),
        zone: options.zone.clone(),
    };
    let mut parser = format.parser(context);
    let mut batch = Vec::with_capacity(BATCH_EVENTS);

    for (number, text, raw) in &head {
        // Replayed text is owned already; mark it lossy again where decoding replaced bytes.
        let text = if text.as_bytes() == raw.as_slice() {
            Cow::Borrowed(text.as_str())
        } else {
            Cow::Owned(text.clone())
        };
        let line = Line {
            number: *number,
            text,
            raw,
        };
        feed(&mut *parser, &line, &mut batch, &mut report);
        flush_if_full(&mut batch, sink);
    }
    while let Some(line) = reader.next_line() {
        feed(&mut *parser, &line, &mut batch, &mut report);
        flush_if_full(&mut batch, sink);
    }
    if !batch.is_empty() {
        sink(batch);
    }
    if let Some(unfinished) = parser.finish() {
        report.warnings.push(unfinished);
    }

    if let Some(damage) = reader.damage() {
        tracing::debug!(path = %path.display(), "compressed stream is damaged; kept decoded lines");
        report.warnings.push(format!(
            "stream ended early after line {}: {damage}; kept what decoded",
            report.lines
        ));
    }
    if reader.cut_lines > 0 {
        report.warnings.push(format!(
            "{} lines longer than {} bytes were cut",
            reader.cut_lines,
            reader::MAX_LINE_BYTES
        ));
    }
    report
}

/// Events per batch handed to the sink.
pub(crate) const BATCH_EVENTS: usize = 4096;

fn feed(
    parser: &mut dyn LineParser,
    line: &Line<'_>,
    batch: &mut Vec<Event>,
    report: &mut FileReport,
) {
    if line.text.trim().is_empty() {
        report.count(line.number, LineVerdict::Skipped("blank line".into()), 0);
        return;
    }
    let before = batch.len();
    let verdict = parser.parse_line(line, batch);
    let produced = batch.len() - before;
    if produced > 0 && line.is_lossy() {
        // The text parsers saw had replacement characters; keep the bytes as they were.
        let raw = escape_invalid_utf8(line.raw);
        for event in batch.iter_mut().skip(before) {
            event.push_extra("raw", raw.as_str());
        }
    }
    report.count(line.number, verdict, produced);
}

/// The line with valid UTF-8 kept as it is and every invalid byte written as `\xNN`.
fn escape_invalid_utf8(raw: &[u8]) -> String {
    let mut escaped = String::with_capacity(raw.len() + 8);
    for chunk in raw.utf8_chunks() {
        escaped.push_str(chunk.valid());
        for byte in chunk.invalid() {
            escaped.push_str(&format!("\\x{byte:02x}"));
        }
    }
    escaped
}

fn flush_if_full(batch: &mut Vec<Event>, sink: &mut dyn FnMut(Vec<Event>) -> Vec<Event>) {
    if batch.len() >= BATCH_EVENTS {
        let full = std::mem::take(batch);
        *batch = sink(full);
    }
}

fn year_resolver(path: &Path, options: &IngestOptions) -> YearResolver {
    if let Some(year) = options.year {
        return YearResolver::given(year);
    }
    let modified = std::fs::metadata(path)
        .and_then(|meta| meta.modified())
        .ok()
        .and_then(|time| jiff::Timestamp::try_from(time).ok())
        .unwrap_or_else(jiff::Timestamp::now);
    let civil = modified.to_zoned_datetime(options.zone.clone());
    YearResolver::from_modified(civil.year(), civil.month(), civil.day())
}

fn empty_file_message(path: &Path) -> String {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    if name.starts_with("appfirewall") {
        "no events: the file is empty; on macOS 12 and later the application firewall logs only \
         to the unified log (export it with `log show --style syslog --predicate \
         'subsystem == \"com.apple.alf\"'`)"
            .into()
    } else {
        "no events: the file is empty".into()
    }
}

/// A protocol name as events carry it: lower case, `ICMPv6` as `ipv6-icmp`, numbers as written
/// (`2` for IGMP). Shared by the firewall grammars, which write protocols in upper case.
fn event_protocol_name(proto: &str) -> String {
    let lower = proto.to_ascii_lowercase();
    if lower == "icmpv6" {
        "ipv6-icmp".into()
    } else {
        lower
    }
}
