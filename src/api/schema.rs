//! Reading decoded JSON the way the runtime's request schemas (ajv) check it, with ajv's
//! messages (`connector-api.md` §4.1): `must be object`, `must have required property 'x'`,
//! `must NOT have additional properties`, `x/0 must match pattern …`, ….

use serde_json::{Map, Value};

use crate::error::ConnectorError;

/// The body's members: the body must be an object with only `allowed` members.
pub fn object_with(json: Value, allowed: &[&str]) -> Result<Map<String, Value>, ConnectorError> {
    let Value::Object(map) = json else {
        return Err(ConnectorError::validation("must be object"));
    };
    if map.keys().any(|k| !allowed.contains(&k.as_str())) {
        return Err(ConnectorError::validation(
            "must NOT have additional properties",
        ));
    }
    Ok(map)
}

/// A required member (`null` counts as present, as in ajv).
pub fn required<'a>(map: &'a Map<String, Value>, name: &str) -> Result<&'a Value, ConnectorError> {
    map.get(name)
        .ok_or_else(|| ConnectorError::validation(format!("must have required property '{name}'")))
}

/// A string array member with unique items, each read by `parse` (`pattern` names its check).
pub fn unique_strings<T>(
    value: &Value,
    name: &str,
    parse: impl Fn(&str) -> Option<T>,
    pattern: &str,
) -> Result<Vec<T>, ConnectorError> {
    let Value::Array(items) = value else {
        return Err(ConnectorError::validation(format!("{name} must be array")));
    };
    let mut out = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let Some(text) = item.as_str() else {
            return Err(ConnectorError::validation(format!(
                "{name}/{index} must be string"
            )));
        };
        let parsed = parse(text).ok_or_else(|| {
            ConnectorError::validation(format!("{name}/{index} must match pattern {pattern}"))
        })?;
        if let Some(first) = items[..index].iter().position(|o| o.as_str() == Some(text)) {
            return Err(ConnectorError::validation(format!(
                "{name} must NOT have duplicate items (items ## {index} and {first} are identical)"
            )));
        }
        out.push(parsed);
    }
    Ok(out)
}
