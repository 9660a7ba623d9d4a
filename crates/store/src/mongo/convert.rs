//! JSON ↔ BSON by hand rather than through bson's extended-JSON conversion, so that numbers keep
//! their kind exactly: JSON integers become `Int64` (and come back as integers, also when a
//! server hands them back as `Int32`), JSON floats become `Double` and come back as floats.
//! Extended JSON would instead turn objects like `{"$date": ..}` in free-form content into BSON
//! types and back into something else.
//!
//! Keys starting with `$` are escaped with a private-use character ([`ESCAPE`]): MongoDB
//! restricts such field names (and before 5.0 refuses them), and the nx-27017 stand-in even
//! turns a stored `{"$date": "..."}` into a date. Free-form content may hold any key, so every
//! key starting with `$` or with the escape character itself gets one more escape character in
//! front; reading strips exactly one.

use std::borrow::Cow;

use mongodb::bson::{Bson, Document};
use serde_json::{Map, Number, Value};

/// U+E000, the first private-use code point: never produced by enmeshed data.
pub(crate) const ESCAPE: char = '\u{e000}';

/// The stored form of a field name.
pub(crate) fn escape_key(key: &str) -> Cow<'_, str> {
    if key.starts_with('$') || key.starts_with(ESCAPE) {
        Cow::Owned(format!("{ESCAPE}{key}"))
    } else {
        Cow::Borrowed(key)
    }
}

/// The caller's field name from its stored form.
fn unescape_key(key: String) -> String {
    match key.strip_prefix(ESCAPE) {
        Some(rest) => rest.to_owned(),
        None => key,
    }
}

/// The caller's dotted path from its stored form.
pub(crate) fn unescape_path(path: &str) -> String {
    path.split('.')
        .map(|segment| unescape_key(segment.to_owned()))
        .collect::<Vec<_>>()
        .join(".")
}

/// The stored form of a dotted path (each segment escaped like a key).
pub(crate) fn escape_path(path: &str) -> String {
    path.split('.')
        .map(escape_key)
        .collect::<Vec<_>>()
        .join(".")
}

use crate::error::{Result, StoreError};

/// A JSON value as BSON. Integers above `i64::MAX` have no exact BSON form and are refused.
pub(crate) fn to_bson(value: &Value) -> Result<Bson> {
    Ok(match value {
        Value::Null => Bson::Null,
        Value::Bool(b) => Bson::Boolean(*b),
        Value::Number(n) => number_to_bson(n)?,
        Value::String(s) => Bson::String(s.clone()),
        Value::Array(items) => Bson::Array(items.iter().map(to_bson).collect::<Result<_>>()?),
        Value::Object(map) => Bson::Document(to_document(map)?),
    })
}

/// A JSON object as a BSON document, keys in the same order.
pub(crate) fn to_document(map: &Map<String, Value>) -> Result<Document> {
    let mut document = Document::new();
    for (key, value) in map {
        document.insert(escape_key(key).into_owned(), to_bson(value)?);
    }
    Ok(document)
}

fn number_to_bson(n: &Number) -> Result<Bson> {
    if let Some(i) = n.as_i64() {
        Ok(Bson::Int64(i))
    } else if n.is_u64() {
        Err(StoreError::InvalidDocument(format!(
            "the integer {n} is larger than MongoDB can store (i64)"
        )))
    } else {
        // serde_json numbers without arbitrary_precision are i64, u64 or finite f64.
        Ok(Bson::Double(n.as_f64().unwrap_or_default()))
    }
}

/// A BSON value read back as JSON. The types written by [`to_bson`] map back exactly; other
/// types (written by somebody else) fall back to relaxed extended JSON rather than failing.
pub(crate) fn to_json(value: Bson) -> Value {
    match value {
        Bson::Null | Bson::Undefined => Value::Null,
        Bson::Boolean(b) => Value::Bool(b),
        Bson::Int32(i) => Value::from(i),
        Bson::Int64(i) => Value::from(i),
        Bson::Double(f) => Number::from_f64(f).map_or(Value::Null, Value::Number),
        Bson::String(s) => Value::String(s),
        Bson::Array(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Bson::Document(document) => Value::Object(document_to_map(document)),
        other => other.into_relaxed_extjson(),
    }
}

/// A BSON document as a JSON object, keys in the same order.
pub(crate) fn document_to_map(document: Document) -> Map<String, Value> {
    document
        .into_iter()
        .map(|(key, value)| (unescape_key(key), to_json(value)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_keep_their_kind() {
        let value =
            json!({"i": 1, "neg": -5, "big": 9_007_199_254_740_993_i64, "f": 1.0, "g": 2.5});
        let bson = to_bson(&value).unwrap();
        let Bson::Document(document) = &bson else {
            panic!("not a document")
        };
        assert_eq!(document.get("i"), Some(&Bson::Int64(1)));
        assert_eq!(document.get("f"), Some(&Bson::Double(1.0)));
        let back = to_json(bson);
        assert_eq!(back.to_string(), value.to_string());
        assert_eq!(to_json(Bson::Int32(7)), json!(7));
        assert!(to_bson(&json!(u64::MAX)).is_err());
    }

    #[test]
    fn dollar_keys_are_escaped_reversibly() {
        let value = json!({"$date": "x", "a": {"\u{e000}b": 1, "$$c": [{"$oid": 1}]}});
        let bson = to_bson(&value).unwrap();
        let Bson::Document(document) = &bson else {
            panic!("not a document")
        };
        assert!(document.keys().all(|k| !k.starts_with('$')));
        assert!(document.contains_key("\u{e000}$date"));
        assert_eq!(to_json(bson).to_string(), value.to_string());
        assert_eq!(escape_path("a.$b.c"), "a.\u{e000}$b.c");
        assert_eq!(
            unescape_path(&escape_path("a.$b.\u{e000}c")),
            "a.$b.\u{e000}c"
        );
    }

    #[test]
    fn key_order_and_nesting_survive() {
        let value =
            json!({"z": [1, {"b": null, "a": "x"}], "a": {"$date": "not a date"}, "@type": true});
        assert_eq!(
            to_json(to_bson(&value).unwrap()).to_string(),
            value.to_string()
        );
    }
}
