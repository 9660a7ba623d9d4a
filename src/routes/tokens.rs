//! `/api/core/v1/Tokens/*` (`connector-api.md` §7.10), JSON answers.

use actix_web::{HttpRequest, HttpResponse, web};
use connector_transport::Transport;
use connector_transport::tokens::{NewToken, TokenRecord};
use nmshd_wire::token::TokenContent;
use serde_json::{Map, Value};

use crate::envelope;
use crate::error::ConnectorError;
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
    body: web::Json<Value>,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let body = input::object(&body)?;
    let content = input::required_object(body, "content")?;
    input::required(body, "expiresAt")?;
    let expires_at = input::future_date(body, "expiresAt")?
        .ok_or_else(|| ConnectorError::validation("must have required property 'expiresAt'"))?;
    let ephemeral = input::optional_bool(body, "ephemeral")?.unwrap_or(false);
    // As in the runtime: the request's own checks (password protection among them) come before
    // the content is deserialised.
    let for_identity = input::optional_address(body, "forIdentity")?;
    let password_protection = input::password_protection(body)?;
    let content = own_token_content(content)?;
    let token = transport
        .create_own_token(NewToken {
            content,
            expires_at,
            ephemeral,
            for_identity,
            password_protection,
        })
        .await?;
    Ok(envelope::created(&token_dto(transport, &token, ephemeral)?))
}

/// The content of a new own token, read as the runtime's `Serializable.fromUnknown` does: an
/// object without `@type` is free JSON (kept as sent), an object with a `@type` the runtime has
/// not registered cannot be read (`error.runtime.invalidTokenContent`).
fn own_token_content(content: &Value) -> Result<TokenContent, ConnectorError> {
    let invalid = || {
        ConnectorError::application(
            "error.runtime.invalidTokenContent",
            "The given content is not a valid token content.",
        )
    };
    match content.get("@type") {
        None => Ok(TokenContent::Other(content.clone())),
        Some(Value::String(ty)) if connector_content::registry::is_registered(ty) => {
            TokenContent::from_value(content).map_err(|_| invalid())
        }
        Some(_) => Err(invalid()),
    }
}

/// `POST /Tokens/Peer`.
pub async fn load_peer(
    state: web::Data<AppState>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let body = input::object(&body)?;
    let reference = input::optional_string(body, "reference")?
        .ok_or_else(|| ConnectorError::validation("must have required property 'reference'"))?;
    let ephemeral = input::optional_bool(body, "ephemeral")?.unwrap_or(false);
    let password = input::optional_string(body, "password")?;
    let token = transport
        .load_peer_token(reference, password, ephemeral)
        .await?;
    Ok(envelope::created(&token_dto(transport, &token, ephemeral)?))
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
