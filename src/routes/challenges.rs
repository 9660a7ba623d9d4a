//! `/api/core/v1/Challenges*` (`connector-api.md` §7.4): create a signed challenge, validate a
//! peer's. Body validation follows the runtime's `CreateChallengeRequest` (one of three variants)
//! and `ValidateChallengeRequest` schemas.

use actix_web::{HttpResponse, web};
use connector_transport::TransportError;
use nmshd_crypto::{Signature, b64url_encode};
use nmshd_wire::{Challenge, ChallengeSigned, ChallengeType, WireObject};
use serde_json::{Map, Value};

use crate::envelope;
use crate::error::ConnectorError;
use crate::routes::input;
use crate::state::AppState;

/// `POST /Challenges`.
pub async fn create(
    state: web::Data<AppState>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ConnectorError> {
    let (challenge_type, relationship) = create_request(&body)?;
    let transport = state.transport()?;
    let signed = transport
        .create_challenge(challenge_type, relationship)
        .await?;
    Ok(envelope::created(&challenge_dto(&signed)?))
}

/// `POST /Challenges/Validate`.
pub async fn validate(
    state: web::Data<AppState>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ConnectorError> {
    let signed = validate_request(&body)?;
    let transport = state.transport()?;
    let outcome = match transport.validate_challenge(&signed).await {
        Err(TransportError::Rule { code, .. }) if code == "error.transport.notSupported" => {
            return Err(ConnectorError::application(
                "error.runtime.notSupported",
                "Validating challenges of the type 'Device' is not yet supported.",
            ));
        }
        other => other?,
    };
    let mut result = Map::new();
    result.insert("isValid".into(), outcome.is_valid.into());
    if let Some(relationship) = &outcome.relationship {
        result.insert("correspondingRelationship".into(), relationship.to_dto());
    }
    Ok(envelope::ok(&Value::Object(result)))
}

/// `ChallengeDTO`: the challenge's members, the signature as non-verbose `toBase64` and the
/// exact signed string.
fn challenge_dto(signed: &ChallengeSigned) -> Result<Value, ConnectorError> {
    let challenge = signed
        .parsed_challenge()
        .map_err(ConnectorError::unexpected)?;
    let mut dto = Map::new();
    dto.insert("id".into(), challenge.id.into());
    dto.insert(
        "expiresAt".into(),
        challenge.expires_at.to_iso_string().into(),
    );
    if let Some(by) = challenge.created_by {
        dto.insert("createdBy".into(), by.into());
    }
    if let Some(device) = challenge.created_by_device {
        dto.insert("createdByDevice".into(), device.into());
    }
    dto.insert("type".into(), challenge.challenge_type.as_str().into());
    dto.insert(
        "signature".into(),
        b64url_encode(signed.signature.to_json(false).as_bytes()).into(),
    );
    dto.insert("challengeString".into(), signed.challenge.clone().into());
    Ok(Value::Object(dto))
}

/// The create body: `{challengeType: "Identity"|"Device"}` or
/// `{challengeType: "Relationship", relationship: "REL…"}`, nothing else.
fn create_request(body: &Value) -> Result<(ChallengeType, Option<&str>), ConnectorError> {
    let object = body.as_object();
    let field = |name: &str| object.and_then(|o| o.get(name));
    let (challenge_type, allowed): (ChallengeType, &[&str]) = match field("challengeType") {
        Some(Value::String(t)) if t == "Identity" => (ChallengeType::Identity, &["challengeType"]),
        Some(Value::String(t)) if t == "Device" => (ChallengeType::Device, &["challengeType"]),
        Some(Value::String(t))
            if t == "Relationship" && matches!(field("relationship"), Some(Value::String(_))) =>
        {
            (
                ChallengeType::Relationship,
                &["challengeType", "relationship"],
            )
        }
        _ => {
            return Err(ConnectorError::application(
                "error.runtime.validation.invalidPayload",
                "The given combination of properties in the payload is not supported.",
            ));
        }
    };
    if let Some(o) = object
        && o.keys().any(|k| !allowed.contains(&k.as_str()))
    {
        return Err(ConnectorError::validation(
            "must NOT have additional properties",
        ));
    }
    let relationship = match field("relationship") {
        Some(Value::String(id)) => {
            if !is_relationship_id(id) {
                return Err(ConnectorError::validation(
                    "relationship must match pattern REL[A-Za-z0-9]{17}",
                ));
            }
            Some(id.as_str())
        }
        _ => None,
    };
    Ok((challenge_type, relationship))
}

/// `RelationshipIdString`: the runtime's pattern is unanchored, so it only has to occur.
fn is_relationship_id(id: &str) -> bool {
    id.as_bytes()
        .windows(20)
        .any(|w| w.starts_with(b"REL") && w[3..].iter().all(u8::is_ascii_alphanumeric))
}

/// The validate body `{challengeString, signature}`; the signature must be a serialized
/// signature and the string a serialized challenge.
fn validate_request(body: &Value) -> Result<ChallengeSigned, ConnectorError> {
    let object = input::object(body)?;
    for name in ["challengeString", "signature"] {
        match object.get(name) {
            None => {
                return Err(ConnectorError::validation(format!(
                    "must have required property '{name}'"
                )));
            }
            Some(Value::String(_)) => {}
            Some(_) => {
                return Err(ConnectorError::validation(format!("{name} must be string")));
            }
        }
    }
    if object
        .keys()
        .any(|k| k != "challengeString" && k != "signature")
    {
        return Err(ConnectorError::validation(
            "must NOT have additional properties",
        ));
    }
    let text = |name: &str| object.get(name).and_then(Value::as_str).unwrap_or_default();
    let signature = Signature::from_base64(text("signature"))
        .map_err(|_| ConnectorError::validation("The signature is invalid."))?;
    let challenge = text("challengeString");
    Challenge::from_json(challenge)
        .map_err(|_| ConnectorError::validation("The challengeString is invalid."))?;
    Ok(ChallengeSigned {
        challenge: challenge.to_owned(),
        signature,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn create_bodies_follow_the_runtime_variants() {
        let ok = |v: Value| create_request(&v).map(|(t, r)| (t, r.map(str::to_owned)));
        assert_eq!(
            ok(json!({"challengeType": "Identity"})).unwrap(),
            (ChallengeType::Identity, None)
        );
        assert_eq!(
            ok(json!({"challengeType": "Relationship", "relationship": "RELaaaaaaaaaaaaaaaaa"}))
                .unwrap(),
            (
                ChallengeType::Relationship,
                Some("RELaaaaaaaaaaaaaaaaa".to_owned())
            )
        );
        let code = |v: Value| ok(v).unwrap_err().code().to_owned();
        assert_eq!(
            code(json!({"challengeType": "Relationship"})),
            "error.runtime.validation.invalidPayload"
        );
        assert_eq!(code(json!({})), "error.runtime.validation.invalidPayload");
        assert_eq!(
            code(json!({"challengeType": "Identity", "x": 1})),
            "error.runtime.validation.invalidPropertyValue"
        );
        assert_eq!(
            code(json!({"challengeType": "Relationship", "relationship": "nope"})),
            "error.runtime.validation.invalidPropertyValue"
        );
    }
}
