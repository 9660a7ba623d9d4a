//! `/api/core/v1/Challenges*` (`connector-api.md` §7.4): create a signed challenge, validate a
//! peer's. Body validation follows the runtime's `CreateChallengeRequest` (one of three variants)
//! and `ValidateChallengeRequest` schemas.

use actix_web::{HttpResponse, web};
use connector_transport::TransportError;
use nmshd_crypto::b64url_encode;
use nmshd_wire::ChallengeSigned;
use serde_json::{Map, Value};

use crate::api::challenges::{CreateChallenge, ValidateChallenge};
use crate::envelope;
use crate::error::ConnectorError;
use crate::http::body::Body;
use crate::state::AppState;

/// `POST /Challenges`.
pub async fn create(
    state: web::Data<AppState>,
    body: Body<CreateChallenge>,
) -> Result<HttpResponse, ConnectorError> {
    let CreateChallenge {
        challenge_type,
        relationship,
    } = body.into_inner()?;
    let transport = state.transport()?;
    let signed = transport
        .create_challenge(challenge_type, relationship.as_deref())
        .await?;
    Ok(envelope::created(&challenge_dto(&signed)?))
}

/// `POST /Challenges/Validate`.
pub async fn validate(
    state: web::Data<AppState>,
    body: Body<ValidateChallenge>,
) -> Result<HttpResponse, ConnectorError> {
    let ValidateChallenge(signed) = body.into_inner()?;
    let transport = state.transport()?;
    let outcome = match transport.validate_challenge(&signed).await {
        Err(TransportError::Rule { code, .. }) if code == "error.transport.notSupported" => {
            return Err(ConnectorError::application(
                crate::error_codes::ErrorCode::RuntimeNotSupported,
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
