//! Finding where a JSON object ends when it spans several lines.
//!
//! Pretty-printed eve arrays put one object over dozens of lines. The scanner counts braces
//! outside strings (honouring `\"` escapes), so the parser can buffer lines until the outermost
//! object closes and then hand the whole text to serde_json.

/// Brace-depth state carried from one line to the next.
#[derive(Debug, Default, Clone)]
pub(super) struct ObjectScanner {
    depth: u32,
    in_string: bool,
    escaped: bool,
}

impl ObjectScanner {
    /// Feeds the next piece of text, which continues where the last one stopped (the first piece
    /// starts at the object's `{`). Returns the index just past the `}` that closes the object,
    /// or `None` when the object goes on.
    pub(super) fn feed(&mut self, text: &[u8]) -> Option<usize> {
        let mut index = 0;
        while let Some(rest) = text.get(index..).filter(|rest| !rest.is_empty()) {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                    index += 1;
                    continue;
                }
                // Only a backslash or a quote changes anything inside a string.
                let offset = memchr::memchr2(b'\\', b'"', rest)?;
                match rest.get(offset) {
                    Some(b'\\') => self.escaped = true,
                    _ => self.in_string = false,
                }
                index += offset + 1;
                continue;
            }
            // Outside strings only quotes and braces matter.
            let offset = memchr::memchr3(b'"', b'{', b'}', rest)?;
            match rest.get(offset) {
                Some(b'"') => self.in_string = true,
                Some(b'{') => self.depth += 1,
                _ => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth == 0 {
                        return Some(index + offset + 1);
                    }
                }
            }
            index += offset + 1;
        }
        None
    }

    /// True when the text fed so far stopped inside a string.
    pub(super) fn in_string(&self) -> bool {
        self.in_string
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn braces_inside_strings_do_not_count() {
        let mut scanner = ObjectScanner::default();
        let text = br#"{"a":"}{\"}","b":{"c":1}} tail"#;
        assert_eq!(scanner.feed(text), Some(text.len() - 5));
    }

    #[test]
    fn object_over_several_lines() {
        let mut scanner = ObjectScanner::default();
        assert_eq!(scanner.feed(b"{"), None);
        assert_eq!(scanner.feed(br#"  "alert": {"#), None);
        assert_eq!(scanner.feed(br#"    "signature": "a \"{\" b""#), None);
        assert_eq!(scanner.feed(b"  }"), None);
        assert_eq!(scanner.feed(b"},"), Some(1));
    }
}
