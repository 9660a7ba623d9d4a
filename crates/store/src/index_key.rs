//! Keys of secondary indexes: the scalar values a document holds at a field path, encoded so that
//! byte order is value order within each kind (numbers, strings, booleans).
//!
//! An index only ever narrows the candidates; every candidate is checked against the whole
//! filter afterwards. So the encoding only has to keep the superset property: equal values get
//! equal keys, and `a ≤ b` gives `key(a) ≤ key(b)`. That is why numbers may go through `f64`
//! (two large integers may share a key) and long strings are cut (many may share a key).

use std::collections::BTreeSet;
use std::ops::Bound;

use serde_json::Value;

use crate::document::resolve_path;

/// Kind tags: keys of different kinds never compare with each other in a query.
const NUMBER: u8 = 0x10;
const STRING: u8 = 0x20;
const BOOL: u8 = 0x30;

/// Longest key kept; longer strings are cut (cutting keeps equality and order non-strictly).
const MAX_KEY_LEN: usize = 256;

/// The key of a scalar value, or `None` for null, objects and arrays (not indexed).
pub(crate) fn encode(value: &Value) -> Option<Vec<u8>> {
    let mut key = match value {
        Value::Number(n) => {
            let mut float = n.as_f64()?;
            if float == 0.0 {
                float = 0.0; // -0 equals 0
            }
            let bits = float.to_bits();
            // Flip so that negative numbers sort below positive ones and by magnitude.
            let ordered = if bits >> 63 == 1 {
                !bits
            } else {
                bits | (1 << 63)
            };
            let mut key = vec![NUMBER];
            key.extend_from_slice(&ordered.to_be_bytes());
            key
        }
        Value::String(s) => {
            let mut key = Vec::with_capacity(1 + s.len());
            key.push(STRING);
            key.extend_from_slice(s.as_bytes());
            key
        }
        Value::Bool(b) => vec![BOOL, u8::from(*b)],
        Value::Null | Value::Array(_) | Value::Object(_) => return None,
    };
    key.truncate(MAX_KEY_LEN);
    Some(key)
}

/// The index keys of `document` at `path`: every scalar the filters compare there (the values
/// found and, for arrays, their elements), without duplicates.
pub(crate) fn keys(document: &Value, path: &str) -> BTreeSet<Vec<u8>> {
    let mut keys = BTreeSet::new();
    for value in resolve_path(document, path) {
        match value {
            Value::Array(items) => keys.extend(items.iter().filter_map(encode)),
            other => keys.extend(encode(other)),
        }
    }
    keys
}

/// A range of keys (bounds on the encoded form).
pub(crate) type KeyRange = (Bound<Vec<u8>>, Bound<Vec<u8>>);

/// Keys `≥ value` (`upward`) or `≤ value` within the value's kind, or `None` if the value has
/// no order. Strict comparisons use the same inclusive range: the candidates are checked anyway.
pub(crate) fn half_range(value: &Value, upward: bool) -> Option<KeyRange> {
    let key = encode(value)?;
    let tag = key[0];
    Some(if upward {
        (Bound::Included(key), Bound::Excluded(vec![tag + 1]))
    } else {
        (Bound::Included(vec![tag]), Bound::Included(key))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_keep_their_order_and_equality() {
        let values = [-1e300, -5.5, -1.0, 0.0, 0.25, 1.0, 3.0, 1e300];
        let encoded: Vec<_> = values.iter().map(|v| encode(&json!(v)).unwrap()).collect();
        assert!(encoded.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(encode(&json!(1)), encode(&json!(1.0)));
        assert_eq!(encode(&json!(-0.0)), encode(&json!(0)));
        assert!(encode(&json!(-3)) < encode(&json!(2)));
    }

    #[test]
    fn strings_keep_their_order_and_long_ones_are_cut() {
        assert!(encode(&json!("2025-01-01")) < encode(&json!("2025-01-02")));
        assert!(encode(&json!("a")) < encode(&json!("ab")));
        let long = "x".repeat(1000);
        assert_eq!(encode(&json!(long)).unwrap().len(), MAX_KEY_LEN);
        assert_eq!(encode(&json!(null)), None);
        assert_eq!(encode(&json!({"a": 1})), None);
    }

    #[test]
    fn keys_cover_array_elements_and_nested_paths() {
        let doc = json!({"r": [{"a": "x"}, {"a": ["y", "x"]}], "t": {"@type": "Mail"}, "n": null});
        let keys_of = |path| keys(&doc, path).len();
        assert_eq!(keys_of("r.a"), 2);
        assert_eq!(
            keys(&doc, "t.@type"),
            BTreeSet::from([encode(&json!("Mail")).unwrap()])
        );
        assert_eq!(keys_of("n"), 0);
        assert_eq!(keys_of("missing"), 0);
    }
}
