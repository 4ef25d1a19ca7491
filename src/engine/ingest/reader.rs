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

/// Reads the lines of one (possibly compressed) file.
pub struct LineReader {
    inner: Box<dyn BufRead + Send>,
    buffer: Vec<u8>,
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
        let mut buffered = BufReader::with_capacity(256 * 1024, reader);
        let magic = buffered.fill_buf()?;
        let compression = Compression::sniff(magic);
        let inner: Box<dyn BufRead + Send> = match compression {
            Compression::None => Box::new(buffered),
            Compression::Gzip => Box::new(BufReader::with_capacity(
                256 * 1024,
                MultiGzDecoder::new(buffered),
            )),
            Compression::Bzip2 => Box::new(BufReader::with_capacity(
                256 * 1024,
                MultiBzDecoder::new(buffered),
            )),
            Compression::Zstd => Box::new(BufReader::with_capacity(
                256 * 1024,
                zstd::stream::read::Decoder::with_buffer(buffered)?,
            )),
        };
        Ok(Self {
            inner,
            buffer: Vec::with_capacity(4096),
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
        self.buffer.clear();
        match read_line_capped(&mut *self.inner, &mut self.buffer, MAX_LINE_BYTES) {
            Ok((0, _)) => return None,
            Ok((_, was_cut)) => {
                if was_cut {
                    self.cut_lines += 1;
                }
            }
            Err(error) => {
                self.damage = Some(error.to_string());
                if self.buffer.is_empty() {
                    return None;
                }
                // A partial last line before the damage is still handed out.
            }
        }
        self.number += 1;

        let mut end = self.buffer.len();
        if end > 0 && self.buffer[end - 1] == b'\n' {
            end -= 1;
        }
        if end > 0 && self.buffer[end - 1] == b'\r' {
            end -= 1;
        }
        let raw = &self.buffer[..end];
        Some(Line {
            number: self.number,
            text: String::from_utf8_lossy(raw),
            raw,
        })
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

/// Reads up to and including the next `\n`, keeping at most `cap` bytes of the line.
/// Returns the number of bytes consumed and whether the line was cut.
fn read_line_capped(
    reader: &mut dyn BufRead,
    out: &mut Vec<u8>,
    cap: usize,
) -> io::Result<(usize, bool)> {
    let mut consumed = 0;
    let mut cut = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        if available.is_empty() {
            return Ok((consumed, cut));
        }
        let (take, done) = match memchr::memchr(b'\n', available) {
            Some(index) => (index + 1, true),
            None => (available.len(), false),
        };
        let room = cap.saturating_sub(out.len());
        if take > room {
            cut = true;
        }
        out.extend_from_slice(&available[..take.min(room)]);
        reader.consume(take);
        consumed += take;
        if done {
            return Ok((consumed, cut));
        }
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
