//! The header block of a Zeek TSV log, and Zeek's `\xNN` escaping.
//!
//! Zeek writes `#separator \x09` first; every other header line is the meta prefix (`#` unless
//! `LogAscii::meta_prefix` was changed), a key, the separator and a value. The header says how to
//! read the rows: separators, the unset and empty markers, the column names and their types. A
//! new `separator` line starts a new block and resets everything.

use std::borrow::Cow;

/// The column layout and markers that the header lines set.
#[derive(Debug, Clone)]
pub(super) struct Header {
    /// Text that starts every header line.
    prefix: String,
    /// Between columns.
    pub(super) separator: String,
    /// Between elements of a set or vector.
    pub(super) set_separator: String,
    /// The whole cell for an empty string or set.
    pub(super) empty_field: String,
    /// The whole cell for a field with no value.
    pub(super) unset_field: String,
    /// The log type (`conn`, `dns`...).
    pub(super) path: Option<String>,
    /// Columns from `#fields`, with kinds from `#types`; `None` until a `#fields` line.
    pub(super) columns: Option<Vec<Column>>,
}

/// One column of the rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Column {
    /// Field name; empty for the unnamed columns `zeek-cut -C` can write (ignored).
    pub(super) name: String,
    /// How its cells are read.
    pub(super) kind: ColumnKind,
}

/// How a column's cells are read, from its `#types` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ColumnKind {
    /// A single value.
    Scalar,
    /// `bool`: `T` or `F`.
    Bool,
    /// `time`: epoch seconds.
    Time,
    /// `set[...]` or `vector[...]`: elements split on the set separator.
    List,
}

impl ColumnKind {
    fn from_type(zeek_type: &str) -> Self {
        if zeek_type.starts_with("set[") || zeek_type.starts_with("vector[") {
            Self::List
        } else if zeek_type == "bool" {
            Self::Bool
        } else if zeek_type == "time" {
            Self::Time
        } else {
            Self::Scalar
        }
    }
}

/// What a line that starts like a header turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MetaLine {
    /// A header line that was applied.
    Header,
    /// Starts with the meta prefix but is no header key Zeek writes (btest banners...).
    Comment,
}

impl Default for Header {
    fn default() -> Self {
        Self {
            prefix: "#".into(),
            separator: "\t".into(),
            set_separator: ",".into(),
            empty_field: "(empty)".into(),
            unset_field: "-".into(),
            path: None,
            columns: None,
        }
    }
}

impl Header {
    /// Applies `line` if it is a header or comment line; `None` means it is a data row.
    pub(super) fn read_meta_line(&mut self, line: &str) -> Option<MetaLine> {
        if let Some((prefix, separator)) = separator_line(line) {
            *self = Self {
                prefix: prefix.to_owned(),
                separator,
                ..Self::default()
            };
            return Some(MetaLine::Header);
        }

        let rest = line.strip_prefix(self.prefix.as_str())?;
        let (key, value) = rest
            .split_once(self.separator.as_str())
            .or_else(|| rest.split_once(' '))
            .unwrap_or((rest, ""));
        match key {
            "set_separator" => self.set_separator = unescape(value).into_owned(),
            "empty_field" => self.empty_field = unescape(value).into_owned(),
            "unset_field" => self.unset_field = unescape(value).into_owned(),
            "path" => self.path = Some(unescape(value).into_owned()),
            "fields" => self.set_fields(value),
            "types" => self.set_types(value),
            "open" | "close" => {}
            _ => return Some(MetaLine::Comment),
        }
        Some(MetaLine::Header)
    }

    fn set_fields(&mut self, value: &str) {
        let columns = value
            .split(self.separator.as_str())
            .map(|name| {
                let name = unescape(name);
                Column {
                    name: super::dotted_field_name(&name)
                        .map_or_else(|| name.clone().into_owned(), Cow::into_owned),
                    kind: ColumnKind::Scalar,
                }
            })
            .collect();
        self.columns = Some(columns);
    }

    fn set_types(&mut self, value: &str) {
        let Some(columns) = self.columns.as_mut() else {
            return;
        };
        for (column, zeek_type) in columns.iter_mut().zip(value.split(self.separator.as_str())) {
            column.kind = ColumnKind::from_type(zeek_type);
        }
    }

    /// The column holding the row's time: `ts`, else the first column typed `time`.
    pub(super) fn time_field(&self) -> &str {
        let columns = self.columns.as_deref().unwrap_or_default();
        if columns.iter().any(|column| column.name == "ts") {
            return "ts";
        }
        columns
            .iter()
            .find(|column| column.kind == ColumnKind::Time)
            .map_or("ts", |column| column.name.as_str())
    }
}

/// True for the line that opens a Zeek TSV header block (`#separator \x09`, or with a custom
/// meta prefix such as `PREFIX<>separator |`). Used by format sniffing.
pub fn looks_like_separator_line(line: &str) -> bool {
    separator_line(line).is_some()
}

/// Splits a `<prefix>separator <value>` line into the prefix and the unescaped separator.
fn separator_line(line: &str) -> Option<(&str, String)> {
    const KEY: &str = "separator ";
    const MAX_PREFIX_BYTES: usize = 16;
    // Only the first occurrence counts, and it must come within the longest prefix: a data row
    // needs no search past that.
    let head = line
        .as_bytes()
        .get(..MAX_PREFIX_BYTES + KEY.len())
        .unwrap_or(line.as_bytes());
    let index = memchr::memmem::find(head, KEY.as_bytes())?;
    let prefix = line.get(..index)?;
    let plausible_prefix = !prefix.is_empty()
        && prefix.len() <= MAX_PREFIX_BYTES
        && !prefix.ends_with("set_")
        && !prefix.contains(char::is_whitespace);
    if !plausible_prefix {
        return None;
    }
    let separator = unescape(line.get(index + KEY.len()..)?).into_owned();
    (!separator.is_empty()).then_some((prefix, separator))
}

/// Undoes Zeek's escaping: `\xNN` becomes that byte and `\\` a backslash. Bytes that do not
/// form UTF-8 (Latin-1 URLs) are replaced, as everywhere in the reader.
pub(super) fn unescape(text: &str) -> Cow<'_, str> {
    if memchr::memchr(b'\\', text.as_bytes()).is_none() {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        let escaped = match (byte, bytes.get(index + 1)) {
            (b'\\', Some(b'x')) => bytes
                .get(index + 2..index + 4)
                .and_then(hex_byte)
                .map(|value| (value, 4)),
            (b'\\', Some(b'\\')) => Some((b'\\', 2)),
            _ => None,
        };
        match escaped {
            Some((value, width)) => {
                out.push(value);
                index += width;
            }
            None => {
                out.push(byte);
                index += 1;
            }
        }
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

fn hex_byte(pair: &[u8]) -> Option<u8> {
    let text = std::str::from_utf8(pair).ok()?;
    u8::from_str_radix(text, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescape_hex_and_backslash() {
        assert_eq!(unescape(r"\x09"), "\t");
        assert_eq!(unescape(r"\x28empty)"), "(empty)");
        assert_eq!(unescape(r"a\x2cb"), "a,b");
        assert_eq!(unescape(r"\\\\10.0.0.1\\ADMIN$"), r"\\10.0.0.1\ADMIN$");
        assert_eq!(unescape(r"r\xfchma"), "r\u{fffd}hma");
        assert_eq!(unescape(r"broken \x2"), r"broken \x2");
        assert_eq!(unescape(r"\x"), r"\x");
    }

    #[test]
    fn separator_lines_with_default_and_custom_prefix() {
        assert_eq!(separator_line(r"#separator \x09"), Some(("#", "\t".into())));
        assert_eq!(
            separator_line("PREFIX<>separator |"),
            Some(("PREFIX<>", "|".into()))
        );
        assert_eq!(separator_line("#set_separator\t,"), None);
        assert_eq!(separator_line("1.0\tthe separator is"), None);
    }

    #[test]
    fn header_block_sets_markers_and_columns() {
        let mut header = Header::default();
        for line in [
            "PREFIX<>separator |",
            "PREFIX<>set_separator|;",
            "PREFIX<>empty_field|EMPTY",
            "PREFIX<>unset_field|NOT-SET",
            "PREFIX<>path|ssh",
            "PREFIX<>fields|t||tags",
            "PREFIX<>types|time||set[string]",
        ] {
            assert_eq!(
                header.read_meta_line(line),
                Some(MetaLine::Header),
                "{line}"
            );
        }
        assert_eq!(header.separator, "|");
        assert_eq!(header.set_separator, ";");
        assert_eq!(header.empty_field, "EMPTY");
        assert_eq!(header.unset_field, "NOT-SET");
        assert_eq!(header.path.as_deref(), Some("ssh"));
        assert_eq!(header.time_field(), "t");
        let columns = header.columns.clone().unwrap();
        assert_eq!(columns.len(), 3);
        assert_eq!(columns[1].name, "");
        assert_eq!(columns[2].kind, ColumnKind::List);

        assert_eq!(
            header.read_meta_line("PREFIX<>banner"),
            Some(MetaLine::Comment)
        );
        assert_eq!(header.read_meta_line("1.0|x|y"), None);
        assert_eq!(
            header.read_meta_line(r"#separator \x09"),
            Some(MetaLine::Header)
        );
        assert!(header.columns.is_none(), "a new block starts empty");
        assert_eq!(header.empty_field, "(empty)");
    }
}
