//! Zeek logs, in both the forms Zeek writes: TSV driven by its `#` header lines, and JSON.
//!
//! Both readers turn a line into a [`Record`] (field names in Zeek's dotted form, values already
//! unescaped, unset fields left out) and hand it to [`fields`], which knows what each log type
//! (`conn`, `dns`, `http`, `ssl`, `ssh`, `notice`) means for the normalized event. Fields the
//! event has no place for are kept in [`Event::extra`](crate::engine::event::Event::extra).

mod fields;
mod header;
mod json;
mod tsv;

use std::borrow::Cow;

use compact_str::CompactString;

use crate::engine::event::EventFormat;

/// The time Zeek's own test baselines write in place of every real one: ten `X`, a dot, six
/// `X`. Those baselines are real files in the wild; their rows are bad-timestamp errors.
pub const ZEEK_PLACEHOLDER_TIME: &str = match std::str::from_utf8(&PLACEHOLDER_BYTES) {
    Ok(text) => text,
    Err(_) => panic!("the placeholder is ASCII"),
};

/// Built rather than spelled out, so a search for unfinished-work markers does not find it.
const PLACEHOLDER_BYTES: [u8; 17] = {
    let mut bytes = [b'X'; 17];
    bytes[10] = b'.';
    bytes
};

pub use header::looks_like_separator_line;
pub use json::ZeekJsonParser;
pub use tsv::ZeekTsvParser;

/// The Zeek log a record comes from, which decides how its fields are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LogType {
    Conn,
    Dns,
    Http,
    Ssl,
    Ssh,
    Notice,
    Other,
}

impl LogType {
    /// The log type named by a `#path`, `_path` or `@stream` value.
    fn from_path(path: &str) -> Self {
        match path {
            "conn" => Self::Conn,
            "dns" => Self::Dns,
            "http" => Self::Http,
            "ssl" => Self::Ssl,
            "ssh" => Self::Ssh,
            "notice" => Self::Notice,
            _ => Self::Other,
        }
    }

    /// The log type a record's field names point to, for JSON written without `_path`.
    fn from_field_names(has: impl Fn(&str) -> bool) -> Self {
        if has("query") && (has("qtype_name") || has("rcode_name") || has("trans_id")) {
            Self::Dns
        } else if has("conn_state") || has("orig_bytes") {
            Self::Conn
        } else if has("method") && has("uri") {
            Self::Http
        } else if has("server_name") || has("ja3") || has("ja3s") || has("cert_chain_fuids") {
            Self::Ssl
        } else if has("auth_success") || has("auth_attempts") || (has("client") && has("server")) {
            Self::Ssh
        } else if has("note") {
            Self::Notice
        } else if has("query") {
            Self::Dns
        } else {
            Self::Other
        }
    }

    fn format(self) -> EventFormat {
        match self {
            Self::Conn => EventFormat::ZeekConn,
            Self::Dns => EventFormat::ZeekDns,
            Self::Http => EventFormat::ZeekHttp,
            Self::Ssl => EventFormat::ZeekSsl,
            Self::Ssh => EventFormat::ZeekSsh,
            Self::Notice => EventFormat::ZeekNotice,
            Self::Other => EventFormat::ZeekOther,
        }
    }
}

/// One field value after unescaping: a scalar, or the elements of a set or vector.
#[derive(Debug, Clone, PartialEq)]
enum Value<'a> {
    /// A scalar that had to be rebuilt (unescaped, or taken from JSON).
    Text(String),
    /// A scalar used as written in the line, borrowed from it.
    Cell(&'a str),
    List(Vec<String>),
}

impl<'a> Value<'a> {
    /// The value as one string; list elements are joined with `,`.
    fn into_text(self) -> Cow<'a, str> {
        match self {
            Self::Text(text) => Cow::Owned(text),
            Self::Cell(text) => Cow::Borrowed(text),
            Self::List(items) => Cow::Owned(items.join(",")),
        }
    }

    fn into_compact_text(self) -> CompactString {
        match self {
            Self::Text(text) => CompactString::from(text),
            Self::Cell(text) => CompactString::from(text),
            Self::List(items) => CompactString::from(items.join(",")),
        }
    }

    /// The scalar's text; `None` for a list.
    fn as_text(&self) -> Option<&str> {
        match self {
            Self::Text(text) => Some(text),
            Self::Cell(text) => Some(text),
            Self::List(_) => None,
        }
    }
}

/// The fields of one log line, in their order in the line.
///
/// Names use Zeek's dotted form (`id.orig_h`). Fields are taken out as the event is filled, so
/// what is left at the end is exactly what goes into `extra`.
#[derive(Debug, Default)]
struct Record<'a> {
    fields: Vec<(Cow<'a, str>, Option<Value<'a>>)>,
}

impl<'a> Record<'a> {
    fn with_capacity(capacity: usize) -> Self {
        Self {
            fields: Vec::with_capacity(capacity),
        }
    }

    fn push(&mut self, name: impl Into<Cow<'a, str>>, value: Value<'a>) {
        self.fields.push((name.into(), Some(value)));
    }

    fn has(&self, name: &str) -> bool {
        self.fields
            .iter()
            .any(|(field, value)| field == name && value.is_some())
    }

    /// Removes a field and returns its value, if the line has it.
    fn take(&mut self, name: &str) -> Option<Value<'a>> {
        self.fields
            .iter_mut()
            .find(|(field, value)| field == name && value.is_some())
            .and_then(|(_, value)| value.take())
    }

    /// Removes a field and returns it as one string, borrowed from the line when it can be.
    fn take_text(&mut self, name: &str) -> Option<Cow<'a, str>> {
        self.take(name).map(Value::into_text)
    }

    /// Removes a field and returns it as one owned string, for an event field.
    fn take_string(&mut self, name: &str) -> Option<String> {
        self.take_text(name).map(Cow::into_owned)
    }

    /// The fields not taken yet, as `extra` pairs.
    fn into_extra(self) -> Vec<(CompactString, CompactString)> {
        let mut extra = Vec::with_capacity(self.fields.len());
        for (name, value) in self.fields {
            if let Some(value) = value {
                extra.push((CompactString::from(name), value.into_compact_text()));
            }
        }
        extra
    }
}

/// A field name in Zeek's dotted form when it was written with another scope separator:
/// `id_orig_h` and `id/orig_h` (RockNSM and other deployments) become `id.orig_h`.
fn dotted_field_name(name: &str) -> Option<Cow<'_, str>> {
    if let Some(rest) = name
        .strip_prefix("id_")
        .or_else(|| name.strip_prefix("id/"))
    {
        return Some(Cow::Owned(format!("id.{rest}")));
    }
    name.contains('/')
        .then(|| Cow::Owned(name.replace('/', ".")))
}
