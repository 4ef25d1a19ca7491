//! Opening a log file: transparent gzip, bzip2 and zstd by magic bytes, then line splitting.
//!
//! Lines are split on `\n` with one trailing `\r` stripped, so CRLF files read like LF files.
//! Bytes are decoded lossily: the text a parser sees is valid UTF-8, and whether replacement
//! happened is reported so the raw bytes can be shown instead. A compressed stream that breaks
//! part way (a truncated download, a cut rotation) keeps every line decoded before the damage and
//! reports the damage as a warning.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bzip2::read::MultiBzDecoder;
use flate2::read::MultiGzDecoder;

/// Longest line kept whole; longer lines are cut here so one hostile line cannot take all memory.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// How the bytes of a file are packed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Plain text.
    None,
    /// gzip, possibly several members concatenated.
    Gzip,
    /// bzip2, possibly several streams concatenated.
    Bzip2,
    /// Zstandard.
    Zstd,
}

impl Compression {
    /// Recognizes compression from the first bytes of a file, never from its name.
    pub fn sniff(magic: &[u8]) -> Self {
        if magic.starts_with(&[0x1f, 0x8b]) {
            Self::Gzip
        } else if magic.starts_with(b"BZh") {
            Self::Bzip2
        } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Self::Zstd
        } else {
            Self::None
        }
    }

    /// Lower-case name for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Gzip => "gzip",
            Self::Bzip2 => "bzip2",
            Self::Zstd => "zstd",
        }
    }
}

/// One line of decoded text with its 1-based number.
#[derive(Debug)]
pub struct Line<'a> {
    /// 1-based line number in the decompressed stream.
    pub number: u64,
    /// The line as UTF-8; invalid bytes replaced by U+FFFD.
    pub text: Cow<'a, str>,
    /// The line's bytes without the line ending.
    pub raw: &'a [u8],
}

impl Line<'_> {
    /// True when the raw bytes were not valid UTF-8 and `text` holds replacements.
    pub fn is_lossy(&self) -> bool {
        matches!(self.text, Cow::Owned(_))
    }
}

/// Bytes read from the stream at a time; lines are cut out of this block without copying.
const READ_BYTES: usize = 256 * 1024;

/// Reads the lines of one (possibly compressed) file.
///
/// Lines are handed out as slices of one block buffer; only a line longer than
/// [`MAX_LINE_BYTES`] is copied (its first [`MAX_LINE_BYTES`] bytes).
pub struct LineReader {
    inner: Box<dyn Read + Send>,
    /// Bytes read and not yet handed out live in `buffer[start..filled]`.
    buffer: Vec<u8>,
    start: usize,
    filled: usize,
    /// The stream has ended (or broke): nothing more will come from `inner`.
    exhausted: bool,
    /// The kept head of the last overlong line.
    overlong: Vec<u8>,
    number: u64,
    compression: Compression,
    /// Set once a decompression or read error ended the stream early.
    damage: Option<String>,
    /// Lines longer than [`MAX_LINE_BYTES`] that were cut.
    pub cut_lines: u64,
}

impl std::fmt::Debug for LineReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LineReader")
            .field("number", &self.number)
            .field("compression", &self.compression)
            .finish_non_exhaustive()
    }
}

/// Where the bytes of the next line are.
enum Found {
    /// `buffer[start..end]`, without the newline.
    Block { start: usize, end: usize },
    /// The kept head of an overlong line, in `overlong`.
    Overlong,
}

impl LineReader {
    /// Opens `path`, sniffing gzip, bzip2 or zstd from its first bytes.
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = File::open(path)?;
        if file.metadata()?.is_dir() {
            return Err(io::Error::other("is a directory"));
        }
        Self::from_reader(Box::new(file))
    }

    /// Opens `path` like [`LineReader::open`], adding the file bytes read to `progress`.
    pub fn open_counted(path: &Path, progress: Arc<AtomicU64>) -> io::Result<Self> {
        let file = File::open(path)?;
        if file.metadata()?.is_dir() {
            return Err(io::Error::other("is a directory"));
        }
        Self::from_reader(Box::new(CountingReader {
            inner: file,
            progress,
        }))
    }

    /// Wraps any byte source, sniffing compression from its first bytes.
    pub fn from_reader(reader: Box<dyn Read + Send>) -> io::Result<Self> {
        let mut buffered = BufReader::with_capacity(READ_BYTES, reader);
        let magic = buffered.fill_buf()?;
        let compression = Compression::sniff(magic);
        let mut buffer = vec![0; READ_BYTES];
        let mut filled = 0;
        let inner: Box<dyn Read + Send> = match compression {
            Compression::None => {
                // Plain text is read straight into the line buffer, after the sniffed bytes.
                let sniffed = buffered.buffer();
                filled = sniffed.len().min(buffer.len());
                buffer
                    .get_mut(..filled)
                    .unwrap_or_default()
                    .copy_from_slice(sniffed.get(..filled).unwrap_or_default());
                buffered.consume(filled);
                if buffered.buffer().is_empty() {
                    buffered.into_inner()
                } else {
                    Box::new(buffered)
                }
            }
            Compression::Gzip => Box::new(MultiGzDecoder::new(buffered)),
            Compression::Bzip2 => Box::new(MultiBzDecoder::new(buffered)),
            Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(buffered)?),
        };
        Ok(Self {
            inner,
            buffer,
            start: 0,
            filled,
            exhausted: false,
            overlong: Vec::new(),
            number: 0,
            compression,
            damage: None,
            cut_lines: 0,
        })
    }

    /// The compression that was sniffed.
    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// Why the stream ended early, if it did (corrupt or truncated archive, read error).
    pub fn damage(&self) -> Option<&str> {
        self.damage.as_deref()
    }

    /// The next line, or `None` at the end of the stream (or at the first damage).
    pub fn next_line(&mut self) -> Option<Line<'_>> {
        if self.damage.is_some() {
            return None;
        }
        let found = self.find_line()?;
        self.number += 1;

        let mut raw = match found {
            Found::Block { start, end } => self.buffer.get(start..end).unwrap_or_default(),
            Found::Overlong => self.overlong.as_slice(),
        };
        if let Some(stripped) = raw.strip_suffix(b"\r") {
            raw = stripped;
        }
        let text = match std::str::from_utf8(raw) {
            Ok(text) => Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(raw),
        };
        Some(Line {
            number: self.number,
            text,
            raw,
        })
    }

    /// Finds the next line (a line cut by the end of the stream or by damage included) and
    /// moves past it.
    fn find_line(&mut self) -> Option<Found> {
        // Bytes after `start` already searched for a newline.
        let mut searched = 0;
        loop {
            let from = self.start + searched;
            let pending = self.buffer.get(from..self.filled).unwrap_or_default();
            if let Some(offset) = memchr::memchr(b'\n', pending) {
                let newline = from + offset;
                let start = self.start;
                self.start = newline + 1;
                if newline + 1 - start > MAX_LINE_BYTES {
                    // The line and its newline do not fit: keep the head, as for longer lines.
                    self.keep_overlong_head(start);
                    self.cut_lines += 1;
                    return Some(Found::Overlong);
                }
                return Some(Found::Block {
                    start,
                    end: newline,
                });
            }
            searched = self.filled - self.start;

            if searched > MAX_LINE_BYTES {
                return self.skip_overlong_rest();
            }
            if self.exhausted {
                return self.last_piece();
            }
            if let Err(error) = self.refill() {
                self.damage = Some(error.to_string());
                self.exhausted = true;
                // A partial last line before the damage is still handed out.
                return self.damaged_piece();
            }
        }
    }

    /// The bytes after the last newline at the end of the stream, if any.
    fn last_piece(&mut self) -> Option<Found> {
        if self.start == self.filled {
            return None;
        }
        let start = self.start;
        self.start = self.filled;
        Some(Found::Block {
            start,
            end: self.filled,
        })
    }

    /// Like [`LineReader::last_piece`], for a stream that broke (cut lines are not counted).
    fn damaged_piece(&mut self) -> Option<Found> {
        if self.start == self.filled {
            return None;
        }
        if self.filled - self.start > MAX_LINE_BYTES {
            self.keep_overlong_head(self.start);
            self.start = self.filled;
            return Some(Found::Overlong);
        }
        self.last_piece()
    }

    fn keep_overlong_head(&mut self, start: usize) {
        self.overlong.clear();
        let end = (start + MAX_LINE_BYTES).min(self.buffer.len());
        self.overlong
            .extend_from_slice(self.buffer.get(start..end).unwrap_or_default());
    }

    /// Keeps the head of a line longer than [`MAX_LINE_BYTES`] and drops the rest of it, up to
    /// and including its newline.
    fn skip_overlong_rest(&mut self) -> Option<Found> {
        self.keep_overlong_head(self.start);
        self.start = self.filled;
        loop {
            let pending = self.buffer.get(self.start..self.filled).unwrap_or_default();
            if let Some(offset) = memchr::memchr(b'\n', pending) {
                self.start += offset + 1;
                self.cut_lines += 1;
                return Some(Found::Overlong);
            }
            self.start = self.filled;
            if self.exhausted {
                self.cut_lines += 1;
                return Some(Found::Overlong);
            }
            if let Err(error) = self.refill() {
                self.damage = Some(error.to_string());
                self.exhausted = true;
                return Some(Found::Overlong);
            }
        }
    }

    /// Reads more bytes after `filled`, first moving the pending bytes to the front (and
    /// growing the buffer when a line fills it). Sets `exhausted` at the end of the stream.
    fn refill(&mut self) -> io::Result<()> {
        if self.start > 0 {
            self.buffer.copy_within(self.start..self.filled, 0);
            self.filled -= self.start;
            self.start = 0;
        }
        if self.filled == self.buffer.len() {
            let grown = (self.buffer.len() * 2).min(MAX_LINE_BYTES + READ_BYTES);
            self.buffer.resize(grown.max(self.filled + READ_BYTES), 0);
        }
        loop {
            let room = self.buffer.get_mut(self.filled..).unwrap_or_default();
            match self.inner.read(room) {
                Ok(0) => {
                    self.exhausted = true;
                    return Ok(());
                }
                Ok(read) => {
                    self.filled += read;
                    return Ok(());
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
    }
}

/// Adds every byte read to a shared counter, for progress bars over compressed input.
struct CountingReader<R> {
    inner: R,
    progress: Arc<AtomicU64>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.progress.fetch_add(read as u64, Ordering::Relaxed);
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    fn lines_of(bytes: Vec<u8>) -> (Vec<String>, Option<String>) {
        let mut reader = LineReader::from_reader(Box::new(Cursor::new(bytes))).unwrap();
        let mut out = Vec::new();
        while let Some(line) = reader.next_line() {
            out.push(line.text.into_owned());
        }
        (out, reader.damage().map(str::to_owned))
    }

    #[test]
    fn crlf_and_missing_final_newline() {
        let (lines, damage) = lines_of(b"a\r\nb\r\n\r\nc".to_vec());
        assert_eq!(lines, ["a", "b", "", "c"]);
        assert!(damage.is_none());
    }

    #[test]
    fn invalid_utf8_is_replaced_not_dropped() {
        let mut reader =
            LineReader::from_reader(Box::new(Cursor::new(b"user \xfc\xe9\n".to_vec()))).unwrap();
        let line = reader.next_line().unwrap();
        assert!(line.is_lossy());
        assert_eq!(line.raw, b"user \xfc\xe9");
        assert_eq!(line.text, "user \u{fffd}\u{fffd}");
    }

    #[test]
    fn gzip_is_sniffed_and_truncation_keeps_decoded_lines() {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        for index in 0..20_000 {
            writeln!(encoder, "line number {index} with some padding text").unwrap();
        }
        let whole = encoder.finish().unwrap();

        let (lines, damage) = lines_of(whole.clone());
        assert_eq!(lines.len(), 20_000);
        assert!(damage.is_none());

        let truncated = whole[..whole.len() / 2].to_vec();
        let (lines, damage) = lines_of(truncated);
        assert!(damage.is_some(), "a cut archive must be reported");
        assert!(lines.len() > 1000, "decoded lines before the cut are kept");
        assert!(lines[..lines.len() - 1]
            .iter()
            .enumerate()
            .all(|(index, line)| line == &format!("line number {index} with some padding text")));
    }

    #[test]
    fn bzip2_is_sniffed() {
        let mut encoder = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
        encoder.write_all(b"one\ntwo\n").unwrap();
        let (lines, _) = lines_of(encoder.finish().unwrap());
        assert_eq!(lines, ["one", "two"]);
    }

    /// Hands out a few bytes per read, so lines straddle every kind of block boundary.
    struct Trickle {
        bytes: Vec<u8>,
        at: usize,
        step: usize,
    }

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.step = self.step % 7 + 1;
            let end = (self.at + self.step).min(self.bytes.len());
            let take = (end - self.at).min(buf.len());
            buf[..take].copy_from_slice(&self.bytes[self.at..self.at + take]);
            self.at += take;
            Ok(take)
        }
    }

    #[test]
    fn lines_split_across_reads_come_out_whole() {
        let text = "first line\r\nsecond\n\nfourth \u{e9}t\u{e9}\r\n\rfifth\nlast";
        let trickle = Trickle {
            bytes: text.as_bytes().to_vec(),
            at: 0,
            step: 0,
        };
        let mut reader = LineReader::from_reader(Box::new(trickle)).unwrap();
        let mut lines = Vec::new();
        while let Some(line) = reader.next_line() {
            lines.push((line.number, line.text.into_owned()));
        }
        let expected = [
            "first line",
            "second",
            "",
            "fourth \u{e9}t\u{e9}",
            "\rfifth",
            "last",
        ];
        let expected: Vec<(u64, String)> = (1..).zip(expected.map(String::from)).collect();
        assert_eq!(lines, expected);
    }

    #[test]
    fn line_limit_counts_the_newline() {
        // MAX_LINE_BYTES - 1 bytes and a newline fit; MAX_LINE_BYTES and a newline do not.
        let mut bytes = vec![b'a'; MAX_LINE_BYTES - 1];
        bytes.push(b'\n');
        bytes.extend(vec![b'b'; MAX_LINE_BYTES]);
        bytes.push(b'\n');
        bytes.extend(vec![b'c'; MAX_LINE_BYTES + 3]);
        let mut reader = LineReader::from_reader(Box::new(Cursor::new(bytes))).unwrap();
        assert_eq!(reader.next_line().unwrap().raw.len(), MAX_LINE_BYTES - 1);
        assert_eq!(reader.cut_lines, 0);
        let second = reader.next_line().unwrap();
        assert_eq!((second.number, second.raw.len()), (2, MAX_LINE_BYTES));
        assert_eq!(reader.cut_lines, 1);
        let last = reader.next_line().unwrap();
        assert_eq!((last.number, last.raw.len()), (3, MAX_LINE_BYTES));
        assert!(last.raw.iter().all(|&b| b == b'c'));
        assert_eq!(
            reader.cut_lines, 2,
            "a cut last line without newline counts too"
        );
        assert!(reader.next_line().is_none());
    }

    #[test]
    fn overlong_line_is_cut_and_counted() {
        let mut bytes = vec![b'x'; MAX_LINE_BYTES + 10];
        bytes.extend_from_slice(b"\nnext\n");
        let mut reader = LineReader::from_reader(Box::new(Cursor::new(bytes))).unwrap();
        assert_eq!(reader.next_line().unwrap().raw.len(), MAX_LINE_BYTES);
        assert_eq!(reader.next_line().unwrap().text, "next");
        assert_eq!(reader.cut_lines, 1);
    }
}
