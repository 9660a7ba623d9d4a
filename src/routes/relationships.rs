//! `/api/core/v1/Relationships/*` (`connector-api.md` §7.9).

use actix_web::{HttpRequest, HttpResponse, web};
use connector_transport::relationship_lifecycle::RelationshipAction;
use serde_json::{Value, json};

use crate::api::relationships::{CanCreateRelationship, CreateRelationship};
use crate::envelope;
use crate::error::ConnectorError;
use crate::http::body::Body;
use crate::query::{parse_query_string, translate};
use crate::routes::input;
use crate::state::AppState;

const LIST_FILTERS: &[(&str, &str)] = &[
    ("peer", "peer"),
    ("status", "status"),
    ("templateId", "templateId"),
];

/// `PUT /Relationships/CanCreate`: business failures as `{isSuccess: false, code, message}`.
pub async fn can_create(
    state: web::Data<AppState>,
    body: Body<CanCreateRelationship>,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let CanCreateRelationship { template_id } = body.into_inner()?;
    match transport.can_create_relationship(&template_id).await {
        Ok(()) => Ok(envelope::ok(&json!({ "isSuccess": true }))),
        Err(error) => {
            let error = ConnectorError::from(error);
            if matches!(error, ConnectorError::Unexpected(_)) {
                return Err(error);
            }
            Ok(envelope::ok(&json!({
                "isSuccess": false,
                "code": error.code(),
                "message": error.to_string(),
            })))
        }
    }
}

/// `POST /Relationships`.
pub async fn create(
    state: web::Data<AppState>,
    body: Body<CreateRelationship>,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let CreateRelationship {
        template_id,
        creation_content,
    } = body.into_inner()?;
    let relationship = transport
        .create_relationship(&template_id, creation_content)
        .await?;
    Ok(envelope::created(&relationship.to_dto()))
}

/// `GET /Relationships`.
pub async fn get_all(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let pairs = parse_query_string(request.query_string());
    let relationships = transport
        .relationships(&translate(&pairs, LIST_FILTERS)?)
        .await?;
    let dtos: Vec<Value> = relationships.iter().map(|r| r.to_dto()).collect();
    Ok(envelope::ok(&dtos))
}

/// `GET /Relationships/{id}`.
pub async fn get_one(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let id = input::id(&id, "REL")?;
    Ok(envelope::ok(
        &transport.relationship(id).await?.record.to_dto(),
    ))
}

/// `PUT /Relationships/{id}/Accept`.
pub async fn accept(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let id = input::id(&id, "REL")?;
    Ok(envelope::ok(
        &transport.accept_relationship(id).await?.to_dto(),
    ))
}

async fn change(
    state: &AppState,
    id: &str,
    action: RelationshipAction,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let id = input::id(id, "REL")?;
    Ok(envelope::ok(
        &transport.change_relationship(id, action).await?.to_dto(),
    ))
}

/// `PUT /Relationships/{id}/Reject`.
pub async fn reject(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ConnectorError> {
    change(&state, &id, RelationshipAction::Reject).await
}

/// `PUT /Relationships/{id}/Revoke`.
pub async fn revoke(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ConnectorError> {
    change(&state, &id, RelationshipAction::Revoke).await
}

/// `PUT /Relationships/{id}/Terminate`.
pub async fn terminate(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ConnectorError> {
    change(&state, &id, RelationshipAction::Terminate).await
}

/// `PUT /Relationships/{id}/Reactivate`.
pub async fn reactivate(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ConnectorError> {
    change(&state, &id, RelationshipAction::RequestReactivation).await
}

/// `PUT /Relationships/{id}/Reactivate/Accept`.
pub async fn accept_reactivation(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ConnectorError> {
    change(&state, &id, RelationshipAction::AcceptReactivation).await
}

/// `PUT /Relationships/{id}/Reactivate/Reject`.
pub async fn reject_reactivation(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ConnectorError> {
    change(&state, &id, RelationshipAction::RejectReactivation).await
}

/// `PUT /Relationships/{id}/Reactivate/Revoke`.
pub async fn revoke_reactivation(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ConnectorError> {
    change(&state, &id, RelationshipAction::RevokeReactivation).await
}

/// `DELETE /Relationships/{id}`: decompose, then remove the peer's requests and attributes.
pub async fn decompose(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let id = input::id(&id, "REL")?;
    connector_consumption::Consumption::new(transport.clone())
        .decompose_relationship(id)
        .await?;
    Ok(envelope::no_content())
}
