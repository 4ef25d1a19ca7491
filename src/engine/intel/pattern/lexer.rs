//! Tokens of the STIX patterning language (STIX 2.1 part 9).
//!
//! Words (keywords, object types, property names) are one token kind; the parser decides from
//! context which a word is, so a property called `value` or `name` never clashes with a keyword.

use super::PatternError;

/// Longest pattern read; longer ones are refused rather than parsed.
pub const MAX_PATTERN_BYTES: usize = 64 * 1024;

/// One token with the byte offset where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// Byte offset in the pattern.
    pub offset: usize,
}

/// Token kinds.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenKind {
    /// A bare word: keyword, object type, property name (letters, digits, `-`, `_`).
    Word(String),
    /// `'…'` with `\'` and `\\` unescaped.
    Str(String),
    /// `t'…'`: a timestamp literal.
    Timestamp(String),
    /// `h'…'` or `b'…'`: a binary literal, kept as written.
    Binary(String),
    /// An integer or decimal number, as written.
    Number(String),
    /// `[`
    LeftBracket,
    /// `]`
    RightBracket,
    /// `(`
    LeftParen,
    /// `)`
    RightParen,
    /// `:`
    Colon,
    /// `.`
    Dot,
    /// `,`
    Comma,
    /// `*`
    Star,
    /// A comparison symbol: `=`, `==`, `!=`, `<`, `<=`, `>`, `>=`.
    Symbol(&'static str),
}

/// Splits a pattern into tokens.
pub fn tokenize(pattern: &str) -> Result<Vec<Token>, PatternError> {
    if pattern.len() > MAX_PATTERN_BYTES {
        return Err(PatternError::new(0, "pattern too long"));
    }
    let bytes = pattern.as_bytes();
    let mut tokens = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        let start = at;
        let single = match byte {
            b'[' => Some(TokenKind::LeftBracket),
            b']' => Some(TokenKind::RightBracket),
            b'(' => Some(TokenKind::LeftParen),
            b')' => Some(TokenKind::RightParen),
            b':' => Some(TokenKind::Colon),
            b'.' if !bytes.get(at + 1).is_some_and(u8::is_ascii_digit) => Some(TokenKind::Dot),
            b',' => Some(TokenKind::Comma),
            b'*' => Some(TokenKind::Star),
            _ => None,
        };
        if let Some(kind) = single {
            tokens.push(Token { kind, offset: at });
            at += 1;
            continue;
        }
        if byte.is_ascii_whitespace() {
            at += 1;
            continue;
        }

        let kind = if let Some(symbol) = symbol_at(&bytes[at..]) {
            at += symbol.len();
            TokenKind::Symbol(symbol)
        } else if byte == b'\'' {
            let (text, end) = quoted(pattern, at)?;
            at = end;
            TokenKind::Str(text)
        } else if matches!(byte, b't' | b'h' | b'b') && bytes.get(at + 1) == Some(&b'\'') {
            let (text, end) = quoted(pattern, at + 1)?;
            at = end;
            if byte == b't' {
                TokenKind::Timestamp(text)
            } else {
                TokenKind::Binary(text)
            }
        } else if byte.is_ascii_digit()
            || (matches!(byte, b'-' | b'+' | b'.') && next_is_digit(bytes, at))
        {
            at += 1;
            while at < bytes.len() && (bytes[at].is_ascii_digit() || bytes[at] == b'.') {
                at += 1;
            }
            TokenKind::Number(pattern[start..at].to_owned())
        } else if byte.is_ascii_alphabetic() || byte == b'_' || byte == b'-' {
            while at < bytes.len()
                && (bytes[at].is_ascii_alphanumeric() || matches!(bytes[at], b'_' | b'-'))
            {
                at += 1;
            }
            TokenKind::Word(pattern[start..at].to_owned())
        } else {
            return Err(PatternError::new(at, "unexpected character"));
        };
        tokens.push(Token {
            kind,
            offset: start,
        });
    }
    Ok(tokens)
}

fn next_is_digit(bytes: &[u8], at: usize) -> bool {
    bytes.get(at + 1).is_some_and(u8::is_ascii_digit)
}

fn symbol_at(rest: &[u8]) -> Option<&'static str> {
    const SYMBOLS: [&str; 7] = ["==", "!=", "<=", ">=", "=", "<", ">"];
    SYMBOLS
        .into_iter()
        .find(|symbol| rest.starts_with(symbol.as_bytes()))
}

/// Reads a single-quoted string starting at the quote `open`; returns it and the offset after it.
fn quoted(pattern: &str, open: usize) -> Result<(String, usize), PatternError> {
    let mut text = String::new();
    let mut chars = pattern[open + 1..].char_indices();
    while let Some((index, char)) = chars.next() {
        match char {
            '\'' => return Ok((text, open + 1 + index + 1)),
            '\\' => match chars.next() {
                Some((_, escaped @ ('\'' | '\\'))) => text.push(escaped),
                Some((at, _)) => {
                    return Err(PatternError::new(open + 1 + at, "unknown escape in string"));
                }
                None => break,
            },
            other => text.push(other),
        }
    }
    Err(PatternError::new(open, "unterminated string"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(pattern: &str) -> Vec<TokenKind> {
        tokenize(pattern)
            .unwrap()
            .into_iter()
            .map(|token| token.kind)
            .collect()
    }

    #[test]
    fn splits_a_hash_comparison_with_a_quoted_key() {
        let tokens = kinds("[file:hashes.'SHA-256' != 'a\\'b\\\\']");
        assert_eq!(
            tokens,
            [
                TokenKind::LeftBracket,
                TokenKind::Word("file".into()),
                TokenKind::Colon,
                TokenKind::Word("hashes".into()),
                TokenKind::Dot,
                TokenKind::Str("SHA-256".into()),
                TokenKind::Symbol("!="),
                TokenKind::Str("a'b\\".into()),
                TokenKind::RightBracket,
            ]
        );
    }

    #[test]
    fn reads_timestamps_numbers_and_refuses_bad_escapes() {
        let tokens = kinds("START t'2016-06-01T00:00:00Z' WITHIN 1.5 SECONDS");
        assert_eq!(
            tokens[1],
            TokenKind::Timestamp("2016-06-01T00:00:00Z".into())
        );
        assert_eq!(tokens[3], TokenKind::Number("1.5".into()));
        assert!(tokenize("[a:b = 'x\\n']").is_err());
        assert!(tokenize("[a:b = 'open").is_err());
    }
}
