//! `/api/core/v1/Messages/*` (`connector-api.md` §7.7).

use actix_web::{HttpRequest, HttpResponse, web};
use connector_store::{Condition, Filter};
use connector_transport::messages::NewMessage;
use serde_json::{Value, json};

use super::files::{download_response, file_dto};
use crate::api::ids::{FileId, MessageId};
use crate::api::messages::{MessageKind, SendMessage};
use crate::envelope;
use crate::error::ConnectorError;
use crate::http::body::Body;
use crate::http::extract::ListQuery;
use crate::query::translate;
use crate::state::AppState;

/// Query keys of `GET /Messages` and the stored field each filters (`participant` matches the
/// sender or any recipient, kept together in `participants`).
const MESSAGE_QUERY: &[(&str, &str)] = &[
    ("isOwn", "isOwn"),
    ("createdBy", "createdBy"),
    ("createdByDevice", "createdByDevice"),
    ("createdAt", "createdAt"),
    ("content.@type", "content.@type"),
    ("content.body", "content.body"),
    ("content.bodyFormat", "content.bodyFormat"),
    ("content.subject", "content.subject"),
    ("attachments", "attachments"),
    ("recipients.address", "recipients.address"),
    ("recipients.relationshipId", "recipients.relationshipId"),
    ("wasReadAt", "wasReadAt"),
    ("participant", "participants"),
];

fn path_param(req: &HttpRequest, name: &str) -> String {
    req.match_info().get(name).unwrap_or_default().to_owned()
}

/// `/Messages/{id}/Attachments/{attachmentId}`: both ids.
fn attachment_path(req: &HttpRequest) -> Result<(MessageId, FileId), ConnectorError> {
    Ok((
        MessageId::from_path(&path_param(req, "id"))?,
        FileId::from_path(&path_param(req, "attachmentId"))?,
    ))
}

/// Request contents need exactly one recipient and a Draft outgoing request with that content
/// for that recipient (the runtime's `SendMessage` rules).
async fn check_request(state: &AppState, message: &SendMessage) -> Result<(), ConnectorError> {
    if message.kind != MessageKind::Request {
        return Ok(());
    }
    let [recipient] = message.recipients.as_slice() else {
        return Err(ConnectorError::validation(
            "Only one recipient is allowed for sending Requests.",
        ));
    };
    let consumption = super::attributes::consumption(state)?;
    Ok(consumption
        .check_request_to_send(&message.content, recipient)
        .await?)
}

/// `POST /Messages`: `{recipients, content, attachments?}`.
pub async fn send(
    state: web::Data<AppState>,
    body: Body<SendMessage>,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let message = body.into_inner()?;
    let recipients = message.recipient_strings();
    if message.kind == MessageKind::Request && recipients.len() != 1 {
        check_request(&state, &message).await?;
    }
    transport
        .check_recipients(&recipients, message.kind == MessageKind::Notification)
        .await?;
    message.check_mail(false)?;
    check_request(&state, &message).await?;
    for id in &message.attachments {
        transport
            .file(id)
            .await
            .map_err(|_| ConnectorError::record_not_found("File"))?;
    }
    let request_id = message.request_id().map(str::to_owned);
    let new = NewMessage {
        recipients,
        content: message.content,
        attachments: message
            .attachments
            .into_iter()
            .map(FileId::into_string)
            .collect(),
    };
    let Some(request_id) = request_id else {
        let sent = state.send_message(new).await?;
        return Ok(envelope::created(&sent.to_dto()));
    };
    // Claim before the side effect: of concurrent sends of one request, one gets the claim.
    let consumption = super::attributes::consumption(&state)?;
    let claim = consumption.claim_request_send(&request_id).await?;
    connector_consumption::abort_at_test_hook("request-send-claimed");
    let sent = match state.send_message(new).await {
        Ok(sent) => sent,
        Err(error) => {
            // Refused (nothing left): the request may be sent again. An unexpected failure (e.g.
            // the messaging actor did not answer in time) may still send it: the claim stays
            // until it expires, and the sender taking it over finds the stored message.
            if !matches!(error, ConnectorError::Unexpected(_)) {
                consumption.release_request_send(claim).await;
            }
            return Err(error);
        }
    };
    // Draft → Open (compare-and-set, idempotent), as the runtime does on `MessageSent`. If this
    // fails, the claim stays: its taker completes the request with the stored message.
    consumption
        .outgoing_request_sent(&request_id, &sent.id)
        .await?;
    consumption.release_request_send(claim).await;
    Ok(envelope::created(&sent.to_dto()))
}

/// `GET /Messages`.
pub async fn get_all(
    state: web::Data<AppState>,
    query: ListQuery,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    if query.0.iter().any(|(k, v)| k == "isOwn" && v.len() > 1) {
        return Err(ConnectorError::validation("query/isOwn must be string"));
    }
    // `attachments=+`: at least one attachment.
    let has_attachments = query
        .0
        .iter()
        .any(|(k, v)| k == "attachments" && v.len() == 1 && v[0] == "+");
    let pairs: Vec<(String, Vec<String>)> = query
        .0
        .iter()
        .filter(|(k, v)| !(has_attachments && k == "attachments" && v.len() == 1))
        .cloned()
        .collect();
    let mut parts = vec![translate(&pairs, MESSAGE_QUERY)?];
    if has_attachments {
        parts.push(
            Filter::field("attachments", Condition::Ne(json!([])))
                .map_err(ConnectorError::unexpected)?,
        );
    }
    let messages = transport.messages(&Filter::And(parts)).await?;
    let dtos: Vec<Value> = messages.iter().map(|m| m.to_dto()).collect();
    Ok(envelope::ok(&dtos))
}

/// `GET /Messages/{id}`: the message with its attachments as `FileDTO`s.
pub async fn get_one(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let id = path_param(&req, "id");
    let message = transport.message(&MessageId::from_path(&id)?).await?;
    let mut files = Vec::with_capacity(message.attachments.len());
    for id in &message.attachments {
        files.push(file_dto(transport, &transport.file(id).await?)?);
    }
    let mut dto = message.to_dto();
    if let Some(map) = dto.as_object_mut() {
        map.insert("attachments".into(), json!(files));
    }
    Ok(envelope::ok(&dto))
}

/// `GET /Messages/{id}/Attachments/{attachmentId}`.
pub async fn attachment(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let (message, attachment) = attachment_path(&req)?;
    let file = transport.message_attachment(&message, &attachment).await?;
    Ok(envelope::ok(&file_dto(transport, &file)?))
}

/// `GET /Messages/{id}/Attachments/{attachmentId}/Download`.
pub async fn download_attachment(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let (message, attachment) = attachment_path(&req)?;
    let file = transport.message_attachment(&message, &attachment).await?;
    let (file, bytes) = transport.download_file(&file.id).await?;
    Ok(download_response(&file, bytes))
}
