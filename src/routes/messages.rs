//! `/api/core/v1/Messages/*` (`connector-api.md` §7.7).

use actix_web::{HttpRequest, HttpResponse, web};
use connector_store::{Condition, Filter};
use connector_transport::messages::NewMessage;
use serde_json::{Value, json};

use super::files::{download_response, file_dto};
use super::input;
use crate::envelope;
use crate::error::ConnectorError;
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

/// Content types a message may carry (checked by the runtime, not by transport).
const CONTENT_TYPES: &[&str] = &[
    "Mail",
    "Request",
    "ResponseWrapper",
    "Notification",
    "ArbitraryMessageContent",
];

fn path_param(req: &HttpRequest, name: &str) -> String {
    req.match_info().get(name).unwrap_or_default().to_owned()
}

fn is_address(text: &str) -> bool {
    text.strip_prefix("did:e:")
        .and_then(|rest| rest.split_once(":dids:"))
        .is_some_and(|(host, hex)| {
            !host.is_empty() && hex.len() == 22 && hex.bytes().all(|b| b.is_ascii_hexdigit())
        })
}

fn is_file_id(text: &str) -> bool {
    text.len() == 20
        && text.starts_with("FIL")
        && text[3..].bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A unique string array member with every item passing `valid` (`pattern` names the check).
fn string_array(
    value: &Value,
    name: &str,
    valid: fn(&str) -> bool,
    pattern: &str,
) -> Result<Vec<String>, ConnectorError> {
    let Value::Array(items) = value else {
        return Err(ConnectorError::validation(format!("{name} must be array")));
    };
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let Some(text) = item.as_str() else {
            return Err(ConnectorError::validation(format!(
                "{name}/{index} must be string"
            )));
        };
        if !valid(text) {
            return Err(ConnectorError::validation(format!(
                "{name}/{index} must match pattern {pattern}"
            )));
        }
        if let Some(first) = out.iter().position(|o| o == text) {
            return Err(ConnectorError::validation(format!(
                "{name} must NOT have duplicate items (items ## {index} and {first} are identical)"
            )));
        }
        out.push(text.to_owned());
    }
    Ok(out)
}

/// Mail rules of the runtime (`SendMessage.validateMailRecipients`): `to` present and non-empty,
/// no duplicates in `to` or `cc`, none in both, and `to` ∪ `cc` equal to the message recipients.
/// With `shape_only`, only what deserialising the Mail checks (that comes before the
/// relationship rules in the runtime).
fn check_mail(
    content: &Value,
    recipients: &[String],
    shape_only: bool,
) -> Result<(), ConnectorError> {
    if content.get("@type").and_then(Value::as_str) != Some("Mail") {
        return Ok(());
    }
    let deserialization = |message: &str| {
        ConnectorError::application("error.runtime.requestDeserialization", message)
    };
    let list = |name: &str| -> Result<Vec<String>, ConnectorError> {
        match content.get(name) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => Ok(items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect()),
            Some(_) => Err(deserialization(&format!(
                "Mail.{name} :: Value is not an array"
            ))),
        }
    };
    if content.get("to").is_none_or(Value::is_null) {
        return Err(deserialization("Mail.to :: Value is not defined"));
    }
    let to = list("to")?;
    if to.is_empty() {
        return Err(deserialization("Mail.to:Array :: may not be empty"));
    }
    for name in ["subject", "body"] {
        if content.get(name).is_none_or(Value::is_null) {
            return Err(deserialization(&format!(
                "Mail.{name} :: Value is not defined"
            )));
        }
    }
    let cc = list("cc")?;
    if shape_only {
        return Ok(());
    }
    let has_duplicates = |items: &[String]| {
        items
            .iter()
            .enumerate()
            .any(|(i, a)| items[..i].contains(a))
    };
    if has_duplicates(&cc) {
        return Err(ConnectorError::validation(
            "Some recipients in 'cc' are listed multiple times.",
        ));
    }
    if has_duplicates(&to) {
        return Err(ConnectorError::validation(
            "Some recipients in 'to' are listed multiple times.",
        ));
    }
    let both: Vec<&String> = cc.iter().filter(|a| to.contains(a)).collect();
    if !both.is_empty() {
        let names: Vec<&str> = both.iter().map(|a| a.as_str()).collect();
        return Err(ConnectorError::validation(format!(
            "The recipients '{}' are put into both 'to' and 'cc'.",
            names.join("', '")
        )));
    }
    let mail: Vec<&String> = cc.iter().chain(&to).collect();
    let mut mismatch: Vec<&str> = recipients
        .iter()
        .filter(|r| !mail.contains(r))
        .map(String::as_str)
        .collect();
    mismatch.extend(
        mail.iter()
            .filter(|m| !recipients.contains(m))
            .map(|m| m.as_str()),
    );
    if !mismatch.is_empty() {
        return Err(ConnectorError::validation(format!(
            "The identities '{}' are not listed among both the Message recipients and the recipients in 'to'/'cc'.",
            mismatch.join("', '")
        )));
    }
    Ok(())
}

/// Request contents need exactly one recipient and a Draft outgoing request with that content
/// for that recipient (the runtime's `SendMessage` rules).
async fn check_request(
    state: &AppState,
    content: &Value,
    recipients: &[String],
) -> Result<(), ConnectorError> {
    if content.get("@type").and_then(Value::as_str) != Some("Request") {
        return Ok(());
    }
    if recipients.len() != 1 {
        return Err(ConnectorError::validation(
            "Only one recipient is allowed for sending Requests.",
        ));
    }
    let consumption = super::attributes::consumption(state)?;
    Ok(consumption
        .check_request_to_send(content, &recipients[0])
        .await?)
}

/// `POST /Messages`: `{recipients, content, attachments?}`.
pub async fn send(
    state: web::Data<AppState>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let Value::Object(map) = body.into_inner() else {
        return Err(ConnectorError::validation("must be object"));
    };
    if map
        .keys()
        .any(|k| !["recipients", "content", "attachments"].contains(&k.as_str()))
    {
        return Err(ConnectorError::validation(
            "must NOT have additional properties",
        ));
    }
    let recipients = map
        .get("recipients")
        .ok_or_else(|| ConnectorError::validation("must have required property 'recipients'"))?;
    let content = map
        .get("content")
        .ok_or_else(|| ConnectorError::validation("must have required property 'content'"))?;
    let recipients = string_array(
        recipients,
        "recipients",
        is_address,
        "^did:e:((([A-Za-z0-9]+(-[A-Za-z0-9]+)*)\\.)+[a-z]{2,}|localhost):dids:[0-9a-f]{22}$",
    )?;
    if recipients.is_empty() {
        return Err(ConnectorError::validation(
            "recipients must NOT have fewer than 1 items",
        ));
    }
    if !content.is_object() {
        return Err(ConnectorError::validation("content must be object"));
    }
    let kind = content
        .get("@type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    super::input::refuse_unregistered_type(kind)?;
    if !CONTENT_TYPES.contains(&kind) {
        return Err(ConnectorError::application(
            "error.runtime.validation.invalidPropertyValue",
            "The content of a Message must either be a Mail, Request, ResponseWrapper, Notification or an ArbitraryMessageContent.",
        ));
    }
    let attachments = match map.get("attachments") {
        None => Vec::new(),
        Some(value) => string_array(value, "attachments", is_file_id, "FIL[A-Za-z0-9]{17}")?,
    };
    check_mail(content, &recipients, true)?;
    if kind == "Request" && recipients.len() != 1 {
        check_request(&state, content, &recipients).await?;
    }
    transport
        .check_recipients(&recipients, kind == "Notification")
        .await?;
    check_mail(content, &recipients, false)?;
    check_request(&state, content, &recipients).await?;
    for id in &attachments {
        transport
            .file(id)
            .await
            .map_err(|_| ConnectorError::record_not_found("File"))?;
    }
    let message = state
        .send_message(NewMessage {
            recipients,
            content: content.clone(),
            attachments,
        })
        .await?;
    if kind == "Request" {
        // Draft → Open (compare-and-set, idempotent), as the runtime does on `MessageSent`.
        let request_id = content
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        super::attributes::consumption(&state)?
            .outgoing_request_sent(request_id, &message.id)
            .await?;
    }
    Ok(envelope::created(&message.to_dto()))
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
    let message = transport.message(input::id(&id, "MSG")?).await?;
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
    let file = transport
        .message_attachment(
            input::id(&path_param(&req, "id"), "MSG")?,
            input::id(&path_param(&req, "attachmentId"), "FIL")?,
        )
        .await?;
    Ok(envelope::ok(&file_dto(transport, &file)?))
}

/// `GET /Messages/{id}/Attachments/{attachmentId}/Download`.
pub async fn download_attachment(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let file = transport
        .message_attachment(
            input::id(&path_param(&req, "id"), "MSG")?,
            input::id(&path_param(&req, "attachmentId"), "FIL")?,
        )
        .await?;
    let (file, bytes) = transport.download_file(&file.id).await?;
    Ok(download_response(&file, bytes))
}
