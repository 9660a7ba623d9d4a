//! `POST /Files/Peer` and `POST /Files/{id}/Token`.

use connector_transport::PasswordProtectionInput;
use nmshd_crypto::Reference;
use nmshd_wire::CoreDate;
use serde_json::{Map, Value};

use crate::error::ConnectorError;
use crate::http::body::RequestBody;
use crate::routes::files::parse_future_date;

/// `{reference, password?}`: a file or token reference.
#[derive(Debug, Clone)]
pub struct LoadPeerFile {
    /// A reference to a `FIL…` or a `TOK…`.
    pub reference: Reference,
    /// For a password-protected token.
    pub password: Option<String>,
}

impl RequestBody for LoadPeerFile {
    fn from_json(json: Value) -> Result<Self, ConnectorError> {
        let map = object_body(&json, &["reference", "password"])?;
        // The runtime's custom message covers a missing, null or malformed reference alike.
        let invalid = || ConnectorError::validation("token / file reference invalid");
        let reference = map
            .get("reference")
            .and_then(Value::as_str)
            .ok_or_else(invalid)?
            .to_owned();
        let password = optional_string(&map, "password")?;
        let reference = Reference::parse(&reference)
            .ok()
            .filter(|r| r.id.starts_with("FIL") || r.id.starts_with("TOK"))
            .ok_or_else(invalid)?;
        Ok(Self {
            reference,
            password,
        })
    }
}

/// `{expiresAt?, ephemeral? (default true), forIdentity?, passwordProtection?}`; a missing or
/// `null` body is `{}`.
#[derive(Debug, Clone)]
pub struct CreateFileToken {
    /// In the future.
    pub expires_at: Option<CoreDate>,
    /// As sent (the route's default is true).
    pub ephemeral: Option<bool>,
    /// The only identity that may load the token.
    pub for_identity: Option<String>,
    /// Password or PIN.
    pub password_protection: Option<PasswordProtectionInput>,
}

impl RequestBody for CreateFileToken {
    fn from_json(json: Value) -> Result<Self, ConnectorError> {
        let map = object_body(
            &json,
            &[
                "expiresAt",
                "ephemeral",
                "forIdentity",
                "passwordProtection",
            ],
        )?;
        let expires_at = optional_string(&map, "expiresAt")?
            .map(|text| parse_future_date("expiresAt", &text))
            .transpose()?;
        let ephemeral = match map.get("ephemeral") {
            None => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => return Err(ConnectorError::validation("ephemeral must be boolean")),
        };
        let for_identity = optional_string(&map, "forIdentity")?;
        if let Some(address) = &for_identity
            && !address.starts_with("did:e:")
        {
            return Err(ConnectorError::validation(
                "forIdentity must match pattern ^did:e:",
            ));
        }
        let password_protection = password_protection(&map)?;
        Ok(Self {
            expires_at,
            ephemeral,
            for_identity,
            password_protection,
        })
    }
}

fn object_body(body: &Value, allowed: &[&str]) -> Result<Map<String, Value>, ConnectorError> {
    let map = match body {
        Value::Null => Map::new(),
        Value::Object(map) => map.clone(),
        _ => return Err(ConnectorError::validation("must be object")),
    };
    if map.keys().any(|k| !allowed.contains(&k.as_str())) {
        return Err(ConnectorError::validation(
            "must NOT have additional properties",
        ));
    }
    Ok(map)
}

fn optional_string(map: &Map<String, Value>, name: &str) -> Result<Option<String>, ConnectorError> {
    match map.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ConnectorError::validation(format!("{name} must be string"))),
    }
}

fn password_protection(
    map: &Map<String, Value>,
) -> Result<Option<PasswordProtectionInput>, ConnectorError> {
    let Some(value) = map.get("passwordProtection") else {
        return Ok(None);
    };
    let inner = object_body(
        value,
        &["password", "passwordIsPin", "passwordLocationIndicator"],
    )
    .map_err(|e| ConnectorError::validation(format!("passwordProtection {e}")))?;
    let password = match inner.get("password") {
        Some(Value::String(p)) if !p.is_empty() => p.clone(),
        Some(Value::String(_)) => {
            return Err(ConnectorError::validation(
                "passwordProtection/password must NOT have fewer than 1 characters",
            ));
        }
        Some(_) => {
            return Err(ConnectorError::validation(
                "passwordProtection/password must be string",
            ));
        }
        None => {
            return Err(ConnectorError::validation(
                "passwordProtection must have required property 'password'",
            ));
        }
    };
    let password_is_pin = match inner.get("passwordIsPin") {
        None => false,
        Some(Value::Bool(true)) => {
            let digits = password.bytes().all(|b| b.is_ascii_digit());
            if !(4..=16).contains(&password.len()) || !digits {
                return Err(ConnectorError::validation(
                    "'passwordProtection.passwordIsPin' is true, hence 'passwordProtection.password' must consist of 4 to 16 digits from 0 to 9.",
                ));
            }
            true
        }
        Some(_) => {
            return Err(ConnectorError::validation(
                "passwordProtection/passwordIsPin must be equal to constant",
            ));
        }
    };
    const NAMES: &[(&str, u8)] = &[
        ("Self", 1),
        ("Letter", 2),
        ("RegistrationLetter", 3),
        ("Email", 4),
        ("SMS", 5),
        ("Website", 6),
    ];
    let indicator = match inner.get("passwordLocationIndicator") {
        None => None,
        Some(Value::Number(n)) if n.as_u64().is_some_and(|n| (50..=99).contains(&n)) => {
            n.as_u64().and_then(|n| u8::try_from(n).ok())
        }
        Some(Value::String(s)) if NAMES.iter().any(|(name, _)| name == s) => {
            NAMES.iter().find(|(name, _)| name == s).map(|(_, n)| *n)
        }
        Some(_) => {
            return Err(ConnectorError::validation(
                "must be a number from 50 to 99 or one of the following strings: Self, Letter, RegistrationLetter, Email, SMS, Website",
            ));
        }
    };
    Ok(Some(PasswordProtectionInput {
        password,
        password_is_pin,
        password_location_indicator: indicator,
    }))
}
