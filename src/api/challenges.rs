//! `POST /Challenges` and `POST /Challenges/Validate`: the runtime's `CreateChallengeRequest`
//! (one of three variants) and `ValidateChallengeRequest` schemas.

use nmshd_crypto::Signature;
use nmshd_wire::{Challenge, ChallengeSigned, ChallengeType, WireObject};
use serde_json::Value;

use super::ids::RelationshipId;
use crate::error::ConnectorError;
use crate::error_codes::ErrorCode;
use crate::http::body::RequestBody;
use crate::routes::input;

/// `{challengeType: "Identity"|"Device"}` or `{challengeType: "Relationship", relationship}`.
#[derive(Debug, Clone)]
pub struct CreateChallenge {
    /// What the challenge is for.
    pub challenge_type: ChallengeType,
    /// For `Relationship` challenges (the runtime's pattern only has to occur in it).
    pub relationship: Option<String>,
}

impl RequestBody for CreateChallenge {
    fn from_json(json: Value) -> Result<Self, ConnectorError> {
        let (challenge_type, relationship) = create_request(&json)?;
        Ok(Self {
            challenge_type,
            relationship: relationship.map(str::to_owned),
        })
    }
}

/// `{challengeString, signature}`: a serialized challenge and a serialized signature.
#[derive(Debug, Clone)]
pub struct ValidateChallenge(pub ChallengeSigned);

impl RequestBody for ValidateChallenge {
    fn from_json(json: Value) -> Result<Self, ConnectorError> {
        validate_request(&json).map(Self)
    }
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
                ErrorCode::RuntimeValidationInvalidPayload,
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
        .any(|w| std::str::from_utf8(w).is_ok_and(|w| RelationshipId::parse(w).is_some()))
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
