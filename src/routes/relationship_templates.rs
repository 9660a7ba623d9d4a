//! `/api/core/v1/RelationshipTemplates/*` (`connector-api.md` §7.8), JSON answers.

use actix_web::{HttpRequest, HttpResponse, web};
use connector_store::Filter;
use connector_transport::Transport;
use connector_transport::templates::TemplateRecord;
use serde_json::Value;

use crate::api::templates::{CreateOwnTemplate, LoadPeerTemplate};
use crate::api::tokens::TemplateTokenOptions;
use crate::envelope;
use crate::error::ConnectorError;
use crate::http::body::Body;
use crate::query::{parse_query_string, translate};
use crate::routes::tokens::token_dto;
use crate::routes::{input, qr};
use crate::state::AppState;
use actix_web::http::StatusCode;

const LIST_FILTERS: &[(&str, &str)] = &[
    ("isOwn", "isOwn"),
    ("createdAt", "createdAt"),
    ("expiresAt", "expiresAt"),
    ("createdBy", "createdBy"),
    ("createdByDevice", "createdByDevice"),
    ("maxNumberOfAllocations", "maxNumberOfAllocations"),
    ("forIdentity", "forIdentity"),
    ("passwordProtection", "passwordProtection"),
    ("passwordProtection.password", "passwordProtection.password"),
];

/// `RelationshipTemplateDTO`.
pub fn template_dto(transport: &Transport, t: &TemplateRecord) -> Result<Value, ConnectorError> {
    Ok(t.to_dto(&transport.config().base_url)?)
}

async fn list(
    state: &AppState,
    request: &HttpRequest,
    is_own: Option<bool>,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let mut pairs = parse_query_string(request.query_string());
    if let Some(own) = is_own {
        pairs.retain(|(k, _)| k != "isOwn");
        pairs.push(("isOwn".into(), vec![own.to_string()]));
    }
    let mut parts = input::take_protection_filters(&mut pairs)?;
    parts.push(translate(&pairs, LIST_FILTERS)?);
    let filter = Filter::And(parts);
    let templates = transport.templates(&filter).await?;
    let dtos = templates
        .iter()
        .map(|t| template_dto(transport, t))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(envelope::ok(&dtos))
}

/// `GET /RelationshipTemplates`.
pub async fn get_all(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ConnectorError> {
    list(&state, &request, None).await
}

/// `GET /RelationshipTemplates/Own`.
pub async fn get_own(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ConnectorError> {
    list(&state, &request, Some(true)).await
}

/// `GET /RelationshipTemplates/Peer`.
pub async fn get_peer(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ConnectorError> {
    list(&state, &request, Some(false)).await
}

/// `GET /RelationshipTemplates/{id}` (local read).
pub async fn get_one(
    state: web::Data<AppState>,
    request: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let id = input::id(&id, "RLT")?;
    let template = transport.template(id).await?;
    qr::respond(
        &request,
        &template_dto(transport, &template)?,
        &format!("{id}.png"),
        StatusCode::OK,
    )
}

/// `POST /RelationshipTemplates/Own`.
pub async fn create_own(
    state: web::Data<AppState>,
    body: Body<CreateOwnTemplate>,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let CreateOwnTemplate(new) = body.into_inner()?;
    let template = transport.create_own_template(new).await?;
    Ok(envelope::created(&template_dto(transport, &template)?))
}

/// `POST /RelationshipTemplates/Peer`.
pub async fn load_peer(
    state: web::Data<AppState>,
    body: Body<LoadPeerTemplate>,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let body = body.into_inner()?;
    let template = transport
        .load_peer_template(&body.reference, body.password.as_deref())
        .await?;
    transport
        .events()
        .publish(
            "transport.peerRelationshipTemplateLoaded",
            template_dto(transport, &template)?,
        )
        .await;
    Ok(envelope::created(&template_dto(transport, &template)?))
}

/// `POST /RelationshipTemplates/Own/{id}/Token` (JSON answer).
pub async fn create_token(
    state: web::Data<AppState>,
    request: HttpRequest,
    id: web::Path<String>,
    body: Option<Body<TemplateTokenOptions>>,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let id = input::id(&id, "RLT")?;
    let options = Body::optional(body)?;
    // The QR code variant always makes an ephemeral token.
    let ephemeral = qr::wants_png(&request) || options.ephemeral.unwrap_or(true);
    let token = transport
        .create_template_token_with(
            id,
            options.expires_at,
            ephemeral,
            options.for_identity,
            options.password_protection,
        )
        .await?;
    qr::respond(
        &request,
        &token_dto(transport, &token, ephemeral)?,
        &format!("{id}.png"),
        StatusCode::CREATED,
    )
}

/// `DELETE /RelationshipTemplates/{id}`.
pub async fn delete(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    transport.delete_template(input::id(&id, "RLT")?).await?;
    Ok(envelope::no_content())
}
