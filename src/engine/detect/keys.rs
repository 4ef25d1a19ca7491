//! Hashed keys for folding matches: one `u64` per combination of field values.
//!
//! Folding needs a key per match, and building a `Vec<String>` for every matching line costs
//! more than matching it. Values are hashed as the text rsigma renders for group keys (strings
//! as they are, integers in decimal), so a key hashed from an event equals the key hashed from
//! the `group_key` pairs of a correlation result for the same group. The hasher is a fast
//! non-cryptographic one: the inputs are log fields, and a 64-bit key of well-mixed words makes
//! an accidental merge of two groups vanishingly rare.

use std::hash::Hasher;

use rustc_hash::FxHasher;

use rsigma_eval::{Event as _, EventValue, GroupByField};

use crate::engine::detect::fields::SigmaView;

/// Builds a key from a sequence of optional texts.
#[derive(Default)]
pub struct KeyHasher {
    hasher: FxHasher,
}

impl KeyHasher {
    /// Adds one value (or its absence).
    pub fn add_text(&mut self, text: Option<&str>) {
        match text {
            Some(text) => {
                self.hasher.write_u8(1);
                self.hasher.write(text.as_bytes());
                self.hasher.write_u8(0xff);
            }
            None => self.hasher.write_u8(0),
        }
    }

    /// Adds one event value, rendered as rsigma renders group-key values.
    pub fn add_value(&mut self, value: Option<&EventValue<'_>>) {
        match value {
            Some(EventValue::Str(text)) => self.add_text(Some(text)),
            Some(EventValue::Int(number)) => {
                let mut digits = [0u8; 20];
                self.add_text(Some(decimal(*number, &mut digits)));
            }
            Some(EventValue::Float(number)) => self.add_text(Some(&number.to_string())),
            Some(EventValue::Bool(flag)) => {
                self.add_text(Some(if *flag { "true" } else { "false" }));
            }
            _ => self.add_text(None),
        }
    }

    /// The key.
    pub fn finish(&self) -> u64 {
        self.hasher.finish()
    }
}

/// The key of an event's values for `fields`.
pub fn fields_key<'a>(view: &SigmaView<'_>, fields: impl IntoIterator<Item = &'a str>) -> u64 {
    let mut key = KeyHasher::default();
    for field in fields {
        key.add_value(view.get_field(field).as_ref());
    }
    key.finish()
}

/// The key of an event's values for a correlation's group-by fields, as seen from `refs`.
pub fn group_key(view: &SigmaView<'_>, group_by: &[GroupByField], refs: &[&str]) -> u64 {
    fields_key(view, group_by.iter().map(|field| field.resolve(refs)))
}

/// The key of an event's values for a `value_count` correlation's fields; `None` when the
/// event lacks one of them (such an event adds no value, as in rsigma).
pub fn value_key(view: &SigmaView<'_>, fields: &[String]) -> Option<u64> {
    let mut key = KeyHasher::default();
    for field in fields {
        let value = view.get_field(field)?;
        if !matches!(
            value,
            EventValue::Str(_) | EventValue::Int(_) | EventValue::Float(_) | EventValue::Bool(_)
        ) {
            return None;
        }
        key.add_value(Some(&value));
    }
    Some(key.finish())
}

/// The key of the group a chained correlation (`parent_by`) gets from a child's firing: each
/// parent field the child also groups by takes the event's value for it (resolved as the child
/// resolves it for `refs`), the others are absent. Equals [`group_key`] of the parent for an
/// event with the same values.
pub fn chain_key(
    view: &SigmaView<'_>,
    child_by: &[GroupByField],
    parent_by: &[GroupByField],
    refs: &[&str],
) -> u64 {
    let mut key = KeyHasher::default();
    for field in parent_by {
        let shared = child_by.iter().find(|child| child.name() == field.name());
        let value = shared.and_then(|child| view.get_field(child.resolve(refs)));
        key.add_value(value.as_ref());
    }
    key.finish()
}

/// The key of a correlation result's `group_key` pairs.
pub fn pairs_key(pairs: &[(String, String)], group_by: &[GroupByField]) -> u64 {
    let mut key = KeyHasher::default();
    for field in group_by {
        let value = pairs
            .iter()
            .find(|(name, _)| name == field.name())
            .map(|(_, value)| value.as_str());
        key.add_text(value);
    }
    key.finish()
}

/// `number` in decimal, written into `buffer`.
fn decimal(number: i64, buffer: &mut [u8; 20]) -> &str {
    let mut rest = number.unsigned_abs();
    let mut start = buffer.len();
    loop {
        start -= 1;
        if let Some(slot) = buffer.get_mut(start) {
            *slot = b'0' + (rest % 10) as u8;
        }
        rest /= 10;
        if rest == 0 || start == 1 {
            break;
        }
    }
    if number < 0 {
        start -= 1;
        if let Some(slot) = buffer.get_mut(start) {
            *slot = b'-';
        }
    }
    std::str::from_utf8(buffer.get(start..).unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::event::{Event, EventFormat, Location};

    #[test]
    fn decimal_matches_to_string() {
        for number in [0, 7, 10, 443, 65_535, -12, i64::MAX, i64::MIN + 1] {
            let mut buffer = [0u8; 20];
            assert_eq!(decimal(number, &mut buffer), number.to_string());
        }
    }

    #[test]
    fn event_key_equals_result_pairs_key() {
        let mut event = Event::new(Location { file: 0, line: 1 }, EventFormat::Netfilter);
        event.src_ip = "192.0.2.1".parse().ok();
        event.dst_port = Some(22);
        let view = SigmaView::new(&event);
        let group_by = [
            GroupByField::Direct("src_ip".to_owned()),
            GroupByField::Direct("dst_port".to_owned()),
            GroupByField::Direct("user".to_owned()),
        ];
        let pairs = vec![
            ("src_ip".to_owned(), "192.0.2.1".to_owned()),
            ("dst_port".to_owned(), "22".to_owned()),
        ];

        assert_eq!(
            group_key(&view, &group_by, &[]),
            pairs_key(&pairs, &group_by)
        );
    }
}
