//! Rules for documents, ids and names that every backend enforces the same way.

use serde_json::{Map, Value};

use crate::error::{Result, StoreError};

/// The field holding a document's id (mapped to `_id` by a MongoDB backend).
pub const ID_FIELD: &str = "id";
/// The field holding a document's version, the compare-and-set token.
pub const VERSION_FIELD: &str = "version";

/// Longest accepted id; far above enmeshed ids (20 chars) and addresses, but bounded so a
/// hostile id cannot bloat keys.
const MAX_ID_LEN: usize = 512;
const MAX_NAME_LEN: usize = 64;

/// Checks that `id` can be stored: non-empty, bounded, no control characters.
pub fn validate_id(id: &str) -> Result<()> {
    if id.is_empty() {
        return Err(StoreError::InvalidId("the id is empty".into()));
    }
    if id.len() > MAX_ID_LEN {
        return Err(StoreError::InvalidId(format!(
            "the id is longer than {MAX_ID_LEN} bytes"
        )));
    }
    if id.chars().any(char::is_control) {
        return Err(StoreError::InvalidId(
            "the id contains control characters".into(),
        ));
    }
    Ok(())
}

/// Checks a collection name: `[A-Za-z0-9_-]`, 1–64 chars, not starting with `__` (reserved for
/// the store's own bookkeeping). The same rule keeps names valid as MongoDB collection names.
pub fn validate_collection(name: &str) -> Result<()> {
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if name.is_empty() || name.len() > MAX_NAME_LEN || !ok_chars || name.starts_with("__") {
        return Err(StoreError::InvalidName(format!(
            "collection name '{name}' must be 1-{MAX_NAME_LEN} characters of A-Z, a-z, 0-9, '_' or '-' and not start with '__'"
        )));
    }
    Ok(())
}

/// Checks a (dotted) field path used by unique indexes, filters and sorting.
pub fn validate_field_path(path: &str) -> Result<()> {
    if path.is_empty() || path.split('.').any(|s| s.is_empty() || s.starts_with('$')) {
        return Err(StoreError::InvalidName(format!(
            "field path '{path}' is not valid"
        )));
    }
    Ok(())
}

/// The object map of a document, its id and (if present) its version.
pub(crate) struct Parts<'a> {
    pub map: &'a mut Map<String, Value>,
    pub id: String,
    pub version: Option<u64>,
}

/// Splits a document into its object map, validated id and optional version.
pub(crate) fn parts(document: &mut Value) -> Result<Parts<'_>> {
    let Value::Object(map) = document else {
        return Err(StoreError::InvalidDocument(
            "a document must be a JSON object".into(),
        ));
    };
    let id = match map.get(ID_FIELD) {
        Some(Value::String(id)) => id.clone(),
        Some(_) => return Err(StoreError::InvalidDocument("'id' must be a string".into())),
        None => {
            return Err(StoreError::InvalidDocument(
                "the document has no 'id'".into(),
            ));
        }
    };
    validate_id(&id)?;
    let version = match map.get(VERSION_FIELD) {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_u64().ok_or_else(|| {
            StoreError::InvalidDocument("'version' must be a non-negative integer".into())
        })?),
    };
    Ok(Parts { map, id, version })
}

/// The version stored in a document read back from a backend.
pub(crate) fn stored_version(document: &Value) -> Result<u64> {
    document
        .get(VERSION_FIELD)
        .and_then(Value::as_u64)
        .ok_or_else(|| StoreError::Corrupt("a stored document has no version".into()))
}

/// Resolves a dotted path like MongoDB does: arrays on the way are traversed element-wise, so
/// `recipients.address` yields every recipient's address. Each returned value is a leaf
/// candidate; arrays themselves are also returned so that whole-array equality works.
pub fn resolve_path<'a>(document: &'a Value, path: &str) -> Vec<&'a Value> {
    let mut current = vec![document];
    for segment in path.split('.') {
        let mut next = Vec::new();
        for value in current {
            match value {
                Value::Object(map) => {
                    if let Some(v) = map.get(segment) {
                        next.push(v);
                    }
                }
                Value::Array(items) => {
                    for item in items {
                        if let Value::Object(map) = item
                            && let Some(v) = map.get(segment)
                        {
                            next.push(v);
                        }
                    }
                }
                _ => {}
            }
        }
        current = next;
    }
    current
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_are_checked() {
        assert!(validate_id("MSGabc").is_ok());
        assert!(validate_id("").is_err());
        assert!(validate_id("a\u{0}b").is_err());
        assert!(validate_id(&"x".repeat(513)).is_err());
    }

    #[test]
    fn collection_names_are_checked() {
        assert!(validate_collection("messages").is_ok());
        assert!(validate_collection("__meta").is_err());
        assert!(validate_collection("a.b").is_err());
        assert!(validate_collection("").is_err());
    }

    #[test]
    fn paths_traverse_arrays() {
        let doc = json!({"recipients": [{"address": "a"}, {"address": "b"}], "x": {"y": 1}});
        assert_eq!(
            resolve_path(&doc, "recipients.address"),
            vec![&json!("a"), &json!("b")]
        );
        assert_eq!(resolve_path(&doc, "x.y"), vec![&json!(1)]);
        assert!(resolve_path(&doc, "x.z").is_empty());
    }
}
