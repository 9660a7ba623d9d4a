//! Small areas of the REST API: IdentityMetadata (§7.6), Announcements (§7.2) and
//! BackboneNotifications (§7.3).

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Map, Value, json};

use crate::api::identity::{PutIdentityMetadata, SendBackboneNotification};
use crate::envelope;
use crate::error::ConnectorError;
use crate::http::body::Body;
use crate::query::parse_query_string;
use crate::routes::input;
use crate::state::AppState;

/// The query members of a route; unknown ones are refused like the runtime's schema does.
fn query_members(
    request: &HttpRequest,
    allowed: &[&str],
) -> Result<Map<String, Value>, ConnectorError> {
    let mut members = Map::new();
    for (key, mut values) in parse_query_string(request.query_string()) {
        if !allowed.contains(&key.as_str()) {
            return Err(ConnectorError::validation(
                "query must NOT have additional properties",
            ));
        }
        if values.len() != 1 {
            return Err(ConnectorError::validation(format!("/{key} must be string")));
        }
        members.insert(key, Value::String(values.remove(0)));
    }
    Ok(members)
}

pub(crate) fn required_address(
    body: &Map<String, Value>,
    name: &str,
) -> Result<String, ConnectorError> {
    input::required(body, name)?;
    input::optional_address(body, name)?
        .ok_or_else(|| ConnectorError::validation(format!("must have required property '{name}'")))
}

fn metadata_dto(metadata: &connector_transport::identity_metadata::IdentityMetadata) -> Value {
    let mut dto = json!({ "reference": metadata.reference, "value": metadata.value });
    if let Some(key) = &metadata.key {
        dto["key"] = key.clone().into();
    }
    dto
}

/// `PUT /IdentityMetadata`: upsert by (reference, key).
pub async fn put_identity_metadata(
    state: web::Data<AppState>,
    body: Body<PutIdentityMetadata>,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let PutIdentityMetadata {
        reference,
        key,
        value,
    } = body.into_inner()?;
    let stored = transport
        .upsert_identity_metadata(&reference, key.as_deref(), value)
        .await?;
    Ok(envelope::ok(&metadata_dto(&stored)))
}

fn reference_and_key(request: &HttpRequest) -> Result<(String, Option<String>), ConnectorError> {
    let query = query_members(request, &["reference", "key"])?;
    let reference = required_address(&query, "reference")?;
    let key = input::optional_string(&query, "key")?.map(str::to_owned);
    Ok((reference, key))
}

/// `GET /IdentityMetadata?reference=…&key=…`.
pub async fn get_identity_metadata(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let (reference, key) = reference_and_key(&request)?;
    let stored = transport
        .identity_metadata(&reference, key.as_deref())
        .await?;
    Ok(envelope::ok(&metadata_dto(&stored)))
}

/// `DELETE /IdentityMetadata?reference=…&key=…`.
pub async fn delete_identity_metadata(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let (reference, key) = reference_and_key(&request)?;
    transport
        .delete_identity_metadata(&reference, key.as_deref())
        .await?;
    Ok(envelope::no_content())
}

/// `GET /Announcements?language=xx`, fetched live from the Backbone.
pub async fn announcements(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let query = query_members(&request, &["language"])?;
    input::required(&query, "language")?;
    let language = input::optional_string(&query, "language")?.unwrap_or_default();
    if language.len() != 2 || !language.bytes().all(|b| b.is_ascii_lowercase()) {
        return Err(ConnectorError::validation(
            "/language must be equal to one of the allowed values",
        ));
    }
    let announcements: Vec<Value> = transport
        .announcements(language)
        .await?
        .into_iter()
        .map(|a| {
            let mut dto = json!({
                "id": a.id,
                "createdAt": a.created_at,
                "severity": a.severity,
                "title": a.title,
                "body": a.body,
                "actions": a.actions.iter().map(|x| json!({ "displayName": x.display_name, "link": x.link })).collect::<Vec<_>>(),
            });
            if let Some(expires_at) = a.expires_at {
                dto["expiresAt"] = expires_at.into();
            }
            dto
        })
        .collect();
    Ok(envelope::ok(&announcements))
}

/// `POST /BackboneNotifications` `{recipients, code}`: 204.
pub async fn backbone_notification(
    state: web::Data<AppState>,
    body: Body<SendBackboneNotification>,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let SendBackboneNotification { recipients, code } = body.into_inner()?;
    transport
        .send_backbone_notification(&recipients, &code)
        .await?;
    Ok(envelope::no_content())
}
