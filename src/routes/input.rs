//! Body and path validation shared by the template, token and relationship routes, with the
//! runtime's codes (`error.runtime.validation.invalidPropertyValue`).

use connector_transport::PasswordProtectionInput;
use nmshd_wire::CoreDate;
use serde_json::{Map, Value};

use crate::error::ConnectorError;

/// The body as an object.
pub fn object(body: &Value) -> Result<&Map<String, Value>, ConnectorError> {
    body.as_object()
        .ok_or_else(|| ConnectorError::validation("the request body must be an object"))
}

/// A required member.
pub fn required<'a>(body: &'a Map<String, Value>, name: &str) -> Result<&'a Value, ConnectorError> {
    body.get(name)
        .filter(|v| !v.is_null())
        .ok_or_else(|| ConnectorError::validation(format!("must have required property '{name}'")))
}

/// A required object member.
pub fn required_object<'a>(
    body: &'a Map<String, Value>,
    name: &str,
) -> Result<&'a Value, ConnectorError> {
    let value = required(body, name)?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(ConnectorError::validation(format!(
            "/{name} must be object"
        )))
    }
}

/// An optional string member.
pub fn optional_string<'a>(
    body: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, ConnectorError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ConnectorError::validation(format!(
            "/{name} must be string"
        ))),
    }
}

/// An optional boolean member.
pub fn optional_bool(
    body: &Map<String, Value>,
    name: &str,
) -> Result<Option<bool>, ConnectorError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(ConnectorError::validation(format!(
            "/{name} must be boolean"
        ))),
    }
}

/// An optional ISO date member that must lie in the future.
pub fn future_date(
    body: &Map<String, Value>,
    name: &str,
) -> Result<Option<CoreDate>, ConnectorError> {
    let Some(text) = optional_string(body, name)? else {
        return Ok(None);
    };
    let date = CoreDate::parse(text).map_err(|_| {
        ConnectorError::validation(format!("/{name} must match format \"date-time\""))
    })?;
    if date.unix_millis() <= CoreDate::now().unix_millis() {
        return Err(ConnectorError::validation(format!(
            "'{name}' must be in the future"
        )));
    }
    Ok(Some(date))
}

/// An optional address member.
pub fn optional_address(
    body: &Map<String, Value>,
    name: &str,
) -> Result<Option<String>, ConnectorError> {
    let Some(text) = optional_string(body, name)? else {
        return Ok(None);
    };
    if !text.starts_with("did:e:") {
        return Err(ConnectorError::validation(format!(
            "/{name} must match format \"address\""
        )));
    }
    Ok(Some(text.to_owned()))
}

/// `passwordProtection: {password, passwordIsPin?, passwordLocationIndicator?}`.
pub fn password_protection(
    body: &Map<String, Value>,
) -> Result<Option<PasswordProtectionInput>, ConnectorError> {
    let Some(value) = body.get("passwordProtection").filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let protection = value
        .as_object()
        .ok_or_else(|| ConnectorError::validation("/passwordProtection must be object"))?;
    let password = optional_string(protection, "password")?
        .filter(|p| !p.is_empty())
        .ok_or_else(|| {
            ConnectorError::validation("/passwordProtection must have required property 'password'")
        })?;
    let password_is_pin = match protection.get("passwordIsPin") {
        None => false,
        Some(Value::Bool(true)) => true,
        Some(_) => {
            return Err(ConnectorError::validation(
                "passwordProtection/passwordIsPin must be equal to constant",
            ));
        }
    };
    if password_is_pin
        && !(password.len() >= 4
            && password.len() <= 16
            && password.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(ConnectorError::validation(
            "'passwordProtection.passwordIsPin' is true, hence 'passwordProtection.password' must consist of 4 to 16 digits from 0 to 9.",
        ));
    }
    let indicator = match protection.get("passwordLocationIndicator") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_u64()
                .filter(|i| (50..=99).contains(i))
                .and_then(|i| u8::try_from(i).ok())
                .or_else(|| {
                    let name = v.as_str()?;
                    // RecoveryKit (0) is reserved for the app.
                    let index = connector_transport::PASSWORD_LOCATION_OPTIONS
                        .iter()
                        .position(|o| *o == name)
                        .filter(|i| *i > 0)?;
                    u8::try_from(index).ok()
                })
                .ok_or_else(|| {
                    ConnectorError::validation(
                        "must be a number from 50 to 99 or one of the following strings: Self, Letter, RegistrationLetter, Email, SMS, Website",
                    )
                })?,
        ),
    };
    Ok(Some(PasswordProtectionInput {
        password: password.to_owned(),
        password_is_pin,
        password_location_indicator: indicator,
    }))
}

/// A path id with its prefix (e.g. `RLT`); a malformed one is a validation error.
pub fn id<'a>(id: &'a str, prefix: &str) -> Result<&'a str, ConnectorError> {
    if id.len() == 20 && id.starts_with(prefix) && id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(id)
    } else {
        Err(ConnectorError::validation(format!(
            "id must match pattern {prefix}[A-Za-z0-9]{{17}}"
        )))
    }
}

/// The `reference` object of template, token and file DTOs.
pub fn reference_dto(reference: &nmshd_crypto::Reference) -> Value {
    let mut dto = Map::new();
    dto.insert("truncated".into(), reference.truncate().into());
    if let Ok(url) = reference.to_url(None) {
        dto.insert("url".into(), url.into());
    }
    Value::Object(dto)
}

/// Takes `passwordProtection.password` (raw strings), `passwordProtection.passwordIsPin` (only
/// `true`, or `!` for password-protected) and
/// `passwordProtection.passwordLocationIndicator` (number or option name; unknown names match
/// nothing) out of `pairs` and returns their filters on the stored protection.
pub fn take_protection_filters(
    pairs: &mut crate::query::QueryPairs,
) -> Result<Vec<connector_store::Filter>, ConnectorError> {
    use connector_store::{Condition, Filter, Pattern};
    let store_error = |e: connector_store::StoreError| ConnectorError::validation(e.to_string());
    let mut filters = Vec::new();
    for (key, values) in pairs.iter() {
        match key.as_str() {
            // The runtime's custom rule: the raw string(s), no operators or number conversion.
            "passwordProtection.password" => {
                let passwords: Vec<Value> = values.iter().map(|v| v.clone().into()).collect();
                filters.push(
                    Filter::field("passwordProtection.password", Condition::In(passwords))
                        .map_err(store_error)?,
                );
            }
            "passwordProtection.passwordIsPin" => {
                for value in values {
                    let filter = match value.as_str() {
                        "true" => Filter::field(
                            "passwordProtection.passwordType",
                            Condition::Regex(Pattern::new("^pin", false).map_err(store_error)?),
                        ),
                        "!" => Filter::eq("passwordProtection.passwordType", "pw"),
                        _ => {
                            return Err(ConnectorError::validation(
                                "passwordProtection.passwordIsPin must be 'true' or '!'",
                            ));
                        }
                    };
                    filters.push(filter.map_err(store_error)?);
                }
            }
            "passwordProtection.passwordLocationIndicator" => {
                let indicators: Vec<Value> = values
                    .iter()
                    .map(|v| {
                        v.parse::<i64>()
                            .ok()
                            .or_else(|| {
                                connector_transport::PASSWORD_LOCATION_OPTIONS
                                    .iter()
                                    .position(|o| o == v)
                                    .and_then(|i| i64::try_from(i).ok())
                            })
                            .unwrap_or(-1)
                            .into()
                    })
                    .collect();
                filters.push(
                    Filter::field(
                        "passwordProtection.passwordLocationIndicator",
                        Condition::In(indicators),
                    )
                    .map_err(store_error)?,
                );
            }
            _ => {}
        }
    }
    pairs.retain(|(k, _)| {
        k != "passwordProtection.password"
            && k != "passwordProtection.passwordIsPin"
            && k != "passwordProtection.passwordLocationIndicator"
    });
    Ok(filters)
}

/// The runtime deserialises a content object before it checks its kind: an `@type` it has never
/// registered fails there, as `error.runtime.unknownType`.
pub fn refuse_unregistered_type(ty: &str) -> Result<(), ConnectorError> {
    if ty.is_empty() || connector_content::registry::is_registered(ty) {
        return Ok(());
    }
    let error = connector_content::registry::unknown_type(ty);
    Err(ConnectorError::application(error.code, error.message))
}
