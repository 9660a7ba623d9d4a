//! `/api/core/v1/RelationshipTemplates/*` (`connector-api.md` §7.8), JSON answers.

use actix_web::{HttpRequest, HttpResponse, web};
use connector_store::Filter;
use connector_transport::Transport;
use connector_transport::templates::{NewTemplate, TemplateRecord};
use serde_json::{Map, Value};

use crate::envelope;
use crate::error::ConnectorError;
use crate::query::{parse_query_string, translate};
use crate::routes::tokens::token_dto;
use crate::routes::{input, qr};
use crate::state::AppState;
use actix_web::http::StatusCode;

const TEMPLATE_CONTENT_TYPES: [&str; 2] = [
    "RelationshipTemplateContent",
    "ArbitraryRelationshipTemplateContent",
];

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
    body: web::Json<Value>,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let body = input::object(&body)?;
    let mut content = input::required_object(body, "content")?.clone();
    input::required(body, "expiresAt")?;
    let expires_at = input::future_date(body, "expiresAt")?
        .ok_or_else(|| ConnectorError::validation("must have required property 'expiresAt'"))?;
    let ty = content.get("@type").and_then(Value::as_str).unwrap_or("");
    input::refuse_unregistered_type(ty)?;
    if !TEMPLATE_CONTENT_TYPES.contains(&ty) {
        // The runtime deserialises a known class of another kind first, which fails on its first
        // missing property before the kind is checked.
        if let Some(message) = connector_content::registry::first_missing_property(&content) {
            return Err(ConnectorError::application(
                "error.runtime.requestDeserialization",
                message,
            ));
        }
        return Err(ConnectorError::validation(
            "The content of a RelationshipTemplate must either be a RelationshipTemplateContent or an ArbitraryRelationshipTemplateContent.",
        ));
    }
    set_request_expiry(&mut content, expires_at)?;
    let max_number_of_allocations = match body.get("maxNumberOfAllocations") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_u64()
                .filter(|n| *n >= 1)
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| {
                    ConnectorError::validation("/maxNumberOfAllocations must be >= 1")
                })?,
        ),
    };
    let template = transport
        .create_own_template(NewTemplate {
            content,
            expires_at,
            max_number_of_allocations,
            for_identity: input::optional_address(body, "forIdentity")?,
            password_protection: input::password_protection(body)?,
        })
        .await?;
    Ok(envelope::created(&template_dto(transport, &template)?))
}

/// `POST /RelationshipTemplates/Peer`.
pub async fn load_peer(
    state: web::Data<AppState>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let body = input::object(&body)?;
    let reference = input::optional_string(body, "reference")?
        .ok_or_else(|| ConnectorError::validation("must have required property 'reference'"))?;
    let password = input::optional_string(body, "password")?;
    let template = transport.load_peer_template(reference, password).await?;
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
    body: Option<web::Json<Value>>,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let id = input::id(&id, "RLT")?;
    let empty = Value::Object(Map::new());
    let body = input::object(body.as_deref().unwrap_or(&empty))?;
    let expires_at = input::future_date(body, "expiresAt")?;
    // The QR code variant always makes an ephemeral token.
    let ephemeral =
        qr::wants_png(&request) || input::optional_bool(body, "ephemeral")?.unwrap_or(true);
    let for_identity = input::optional_address(body, "forIdentity")?;
    let token = transport
        .create_template_token_with(
            id,
            expires_at,
            ephemeral,
            for_identity,
            input::password_protection(body)?,
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

/// A `RelationshipTemplateContent`'s `onNewRelationship` Request must not expire after the template
/// and expires with it when it names no expiry (as the runtime does).
fn set_request_expiry(
    content: &mut Value,
    template_expires_at: nmshd_wire::CoreDate,
) -> Result<(), ConnectorError> {
    if content.get("@type").and_then(Value::as_str) != Some("RelationshipTemplateContent") {
        return Ok(());
    }
    let Some(request) = content
        .get_mut("onNewRelationship")
        .and_then(Value::as_object_mut)
    else {
        return Err(ConnectorError::validation(
            "content must have required property 'onNewRelationship'",
        ));
    };
    match request.get("expiresAt").and_then(Value::as_str) {
        Some(text) => {
            let expires_at = nmshd_wire::CoreDate::parse(text).map_err(|_| {
                ConnectorError::validation("onNewRelationship.expiresAt must be a date")
            })?;
            if expires_at.unix_millis() > template_expires_at.unix_millis() {
                return Err(ConnectorError::application(
                    "error.runtime.relationshipTemplates.requestCannotExpireAfterRelationshipTemplate",
                    "The expiration date of the Request within the onNewRelationship property of the RelationshipTemplateContent must be set such that the expiration date of the RelationshipTemplate is not exceeded.",
                ));
            }
        }
        None => {
            request.insert(
                "expiresAt".into(),
                template_expires_at.to_iso_string().into(),
            );
        }
    }
    Ok(())
}
