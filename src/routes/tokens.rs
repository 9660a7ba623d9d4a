//! `/api/core/v1/Tokens/*` (`connector-api.md` §7.10), JSON answers.

use actix_web::{HttpRequest, HttpResponse, web};
use connector_transport::Transport;
use connector_transport::tokens::TokenRecord;
use serde_json::{Map, Value};

use crate::api::tokens::{CreateOwnToken, LoadPeerToken};
use crate::envelope;
use crate::error::ConnectorError;
use crate::http::body::Body;
use crate::query::{parse_query_string, translate};
use crate::routes::{input, qr};
use crate::state::AppState;
use actix_web::http::StatusCode;

const LIST_FILTERS: &[(&str, &str)] = &[
    ("isOwn", "isOwn"),
    ("createdAt", "createdAt"),
    ("createdBy", "createdBy"),
    ("createdByDevice", "createdByDevice"),
    ("expiresAt", "expiresAt"),
    ("forIdentity", "forIdentity"),
    ("passwordProtection", "passwordProtection"),
    ("passwordProtection.password", "passwordProtection.password"),
];

/// `TokenDTO`.
pub fn token_dto(
    transport: &Transport,
    t: &TokenRecord,
    ephemeral: bool,
) -> Result<Value, ConnectorError> {
    let mut dto = Map::new();
    dto.insert("id".into(), t.id.clone().into());
    dto.insert("isOwn".into(), t.is_own.into());
    dto.insert("createdBy".into(), t.created_by.clone().into());
    if let Some(device) = &t.created_by_device {
        dto.insert("createdByDevice".into(), device.clone().into());
    }
    dto.insert("content".into(), t.content.clone());
    dto.insert("createdAt".into(), t.created_at.clone().into());
    dto.insert("expiresAt".into(), t.expires_at.clone().into());
    if let Some(f) = &t.for_identity {
        dto.insert("forIdentity".into(), f.clone().into());
    }
    if let Some(p) = &t.password_protection {
        dto.insert("passwordProtection".into(), p.to_dto());
    }
    let reference = t.reference(&transport.config().base_url)?;
    dto.insert("reference".into(), input::reference_dto(&reference));
    dto.insert("isEphemeral".into(), ephemeral.into());
    Ok(Value::Object(dto))
}

async fn list(
    state: &AppState,
    request: &HttpRequest,
    is_own: bool,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let mut pairs = parse_query_string(request.query_string());
    pairs.retain(|(k, _)| k != "isOwn");
    pairs.push(("isOwn".into(), vec![is_own.to_string()]));
    let mut parts = input::take_protection_filters(&mut pairs)?;
    parts.push(translate(&pairs, LIST_FILTERS)?);
    let tokens = transport
        .tokens(&connector_store::Filter::And(parts))
        .await?;
    let dtos = tokens
        .iter()
        .map(|t| token_dto(transport, t, false))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(envelope::ok(&dtos))
}

/// `GET /Tokens/Own`.
pub async fn get_own(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ConnectorError> {
    list(&state, &request, true).await
}

/// `GET /Tokens/Peer`.
pub async fn get_peer(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ConnectorError> {
    list(&state, &request, false).await
}

/// `GET /Tokens/{id}` (local read).
pub async fn get_one(
    state: web::Data<AppState>,
    request: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let id = input::id(&id, "TOK")?;
    let token = transport.token(id).await?;
    qr::respond(
        &request,
        &token_dto(transport, &token, false)?,
        &format!("{id}.png"),
        StatusCode::OK,
    )
}

/// `POST /Tokens/Own`.
pub async fn create_own(
    state: web::Data<AppState>,
    body: Body<CreateOwnToken>,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let CreateOwnToken(new) = body.into_inner()?;
    let ephemeral = new.ephemeral;
    let token = transport.create_own_token(new).await?;
    Ok(envelope::created(&token_dto(transport, &token, ephemeral)?))
}

/// `POST /Tokens/Peer`.
pub async fn load_peer(
    state: web::Data<AppState>,
    body: Body<LoadPeerToken>,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let body = body.into_inner()?;
    let token = transport
        .load_peer_token(&body.reference, body.password.as_deref(), body.ephemeral)
        .await?;
    Ok(envelope::created(&token_dto(
        transport,
        &token,
        body.ephemeral,
    )?))
}

/// `DELETE /Tokens/{id}`.
pub async fn delete(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    transport.delete_token(input::id(&id, "TOK")?).await?;
    Ok(envelope::no_content())
}
