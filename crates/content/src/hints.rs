//! `ValueHints` (in `RelationshipAttributeCreationHints.valueHints`) and `ValueHintsOverride`
//! (in Proprietary* values): normalized JSON, both always emit `propertyHints` (`{}` when empty).

use serde_json::{Map, Value};

use crate::error::{ContentError, Result};
use crate::json::{Obj, Out, number_json};

fn primitive(obj: &Obj<'_>, key: &str) -> Result<Option<Value>> {
    match obj.get(key) {
        None => Ok(None),
        Some(v @ (Value::String(_) | Value::Number(_) | Value::Bool(_))) => Ok(Some(v.clone())),
        Some(_) => Err(obj.err(key, "must be a string, a number or a boolean")),
    }
}

fn common(obj: &Obj<'_>, ty: &str) -> Result<Out> {
    let mut out = Out::new(ty)
        .opt("editHelp", obj.opt_str_len("editHelp", 0, 500)?)
        .opt("min", obj.opt_number("min")?.map(number_json))
        .opt("max", obj.opt_number("max")?.map(number_json))
        .opt("pattern", obj.opt_str_len("pattern", 0, 1000)?);
    if let Some(values) = obj.get("values") {
        let Value::Array(items) = values else {
            return Err(obj.err("values", "must be an array"));
        };
        let mut rendered = Vec::with_capacity(items.len());
        for item in items {
            let v = Obj::typed("ValueHintsValue", item)?;
            let key = primitive(&v, "key")?.ok_or_else(|| v.err("key", "is required"))?;
            let display_name = v.req_str_len("displayName", 0, 100)?;
            rendered.push(
                Out::new("ValueHintsValue")
                    .set("displayName", display_name)
                    .set("key", key)
                    .build(),
            );
        }
        out = out.set("values", rendered);
    }
    Ok(out.opt("defaultValue", primitive(obj, "defaultValue")?))
}

fn property_hints(obj: &Obj<'_>, position: &str) -> Result<Option<Value>> {
    match obj.get("propertyHints") {
        None => Ok(None),
        Some(Value::Object(map)) => {
            let mut out = Map::new();
            for (name, hints) in map {
                out.insert(
                    name.clone(),
                    value_hints(&format!("{position}.propertyHints.{name}"), hints)?,
                );
            }
            Ok(Some(Value::Object(out)))
        }
        Some(_) => Err(obj.err("propertyHints", "must be a JSON object")),
    }
}

/// Parses and normalizes a `ValueHints` object.
pub fn value_hints(position: &str, value: &Value) -> Result<Value> {
    let obj = Obj::typed("ValueHints", value)
        .map_err(|e| ContentError::invalid(format!("{position}: {}", e.message)))?;
    let hints = property_hints(&obj, position)?.unwrap_or_else(|| Value::Object(Map::new()));
    Ok(common(&obj, "ValueHints")?
        .set("propertyHints", hints)
        .build())
}

/// Parses and normalizes a `ValueHintsOverride` object.
pub fn value_hints_override(position: &str, value: &Value) -> Result<Value> {
    let obj = Obj::typed("ValueHintsOverride", value)
        .map_err(|e| ContentError::invalid(format!("{position}: {}", e.message)))?;
    let hints = property_hints(&obj, position)?.unwrap_or_else(|| Value::Object(Map::new()));
    Ok(common(&obj, "ValueHintsOverride")?
        .set("propertyHints", hints)
        .build())
}
