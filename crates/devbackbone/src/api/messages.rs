//! Messages: delivery rules, blocked events, "received" marking (backbone-api §5.7, §6.3).

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::clock::{format, json_opt};
use crate::config::MAX_CONTENT;
use crate::error::{ApiError, ApiResult};
use crate::ids;
use crate::model::*;
use crate::server::{Backend, Caller, Reply, Request, Tx, binary_field, check_length, id_field};

const MAX_ATTACHMENTS: usize = 20;

fn message_error(rule: &str, message: impl Into<String>) -> ApiError {
    ApiError::bad_request(format!("error.platform.validation.message.{rule}"), message)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RecipientInput {
    address: String,
    encrypted_key: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AttachmentInput {
    id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SendMessage {
    recipients: Vec<RecipientInput>,
    body: String,
    #[serde(default)]
    attachments: Vec<AttachmentInput>,
}

/// The youngest relationship between two identities.
fn youngest_relationship<'a>(tx: &'a Tx<'_>, a: &str, b: &str) -> Option<&'a Relationship> {
    tx.state
        .relationships
        .rows_by(&crate::db::pair_key(a, b))
        .filter(|r| r.involves(a) && r.involves(b))
        .max_by_key(|r| r.created_at)
}

/// `POST /api/v2/Messages`.
pub fn send(backend: &Backend, req: &Request) -> ApiResult<Reply> {
    let caller = req.caller()?;
    let body: SendMessage = req.json()?;
    let max_recipients = backend.config.max_message_recipients;
    if body.recipients.is_empty() || body.recipients.len() > max_recipients {
        return Err(ApiError::invalid_value(format!(
            "'recipients' must contain between 1 and {max_recipients} entries."
        )));
    }
    let unique: HashSet<&str> = body.recipients.iter().map(|r| r.address.as_str()).collect();
    if unique.len() != body.recipients.len() {
        return Err(ApiError::invalid_value("'recipients' must be unique."));
    }
    let message_body = binary_field("body", &body.body)?;
    check_length("body", &message_body, 1, MAX_CONTENT)?;
    let mut keys = Vec::new();
    for recipient in &body.recipients {
        let key = binary_field("recipients.encryptedKey", &recipient.encrypted_key)?;
        check_length("recipients.encryptedKey", &key, 30, 300)?;
        keys.push(crate::bytes::encode(&key));
    }
    if body.attachments.len() > MAX_ATTACHMENTS {
        return Err(ApiError::invalid_value(
            "A message can have at most 20 attachments.",
        ));
    }
    let attachments = body
        .attachments
        .iter()
        .map(|a| id_field(&a.id, "FIL"))
        .collect::<ApiResult<Vec<_>>>()?;
    let max_unreceived = backend.config.max_unreceived_messages_from_one_sender;
    backend.write(|tx| {
        let mut recipients = Vec::new();
        for (input, key) in body.recipients.iter().zip(keys) {
            let relationship = youngest_relationship(tx, &caller.address, &input.address)
                .ok_or_else(|| {
                    message_error(
                        "noRelationshipToRecipientExists",
                        format!(
                            "There is no relationship to the recipient {}.",
                            input.address
                        ),
                    )
                })?;
            if !matches!(
                relationship.status,
                RelationshipStatus::Active
                    | RelationshipStatus::Pending
                    | RelationshipStatus::Terminated
            ) {
                return Err(message_error(
                    "relationshipToRecipientNotActive",
                    format!(
                        "The relationship to the recipient {} is not active.",
                        input.address
                    ),
                ));
            }
            let unreceived = tx
                .state
                .messages
                .count_by(&crate::db::unreceived_key(&caller.address, &input.address));
            if unreceived >= max_unreceived {
                return Err(message_error(
                    "maxNumberOfUnreceivedMessagesReached",
                    format!(
                        "The recipient {} has too many unreceived messages from you.",
                        input.address
                    ),
                ));
            }
            recipients.push((
                Recipient {
                    address: input.address.clone(),
                    encrypted_key: key,
                    received_at: None,
                    received_by_device: None,
                    relationship_id: relationship.id.clone(),
                },
                relationship.status,
            ));
        }
        let message = Message {
            id: ids::new_id("MSG"),
            created_at: tx.now,
            created_by: caller.address.clone(),
            created_by_device: caller.device.clone(),
            body: crate::bytes::encode(&message_body),
            attachments,
            recipients: recipients.iter().map(|(r, _)| r.clone()).collect(),
        };
        let id = message.id.clone();
        let dto = json!({ "id": id, "createdAt": format(message.created_at) });
        tx.state.messages.insert(id.clone(), message);
        for (recipient, status) in recipients {
            // Held back until the relationship is (again) active.
            let blocked = matches!(
                status,
                RelationshipStatus::Pending | RelationshipStatus::Terminated
            );
            tx.emit(
                &recipient.address,
                "MessageReceived",
                json!({ "id": id }),
                Some(&recipient.relationship_id),
                blocked,
            );
        }
        Ok(Reply::Created(dto))
    })
}

fn recipient_dto(r: &Recipient, anonymised: Option<&str>) -> Value {
    json!({
        "address": anonymised.unwrap_or(&r.address),
        "encryptedKey": r.encrypted_key,
        "receivedAt": json_opt(r.received_at),
        "receivedByDevice": r.received_by_device,
    })
}

/// Reads a message as `caller` (marking it received for a recipient); `None` if not visible.
fn read_as(tx: &mut Tx<'_>, caller: &Caller, id: &str, anonymous_address: &str) -> Option<Value> {
    let message = tx.state.messages.get(id)?;
    let is_sender = message.created_by == caller.address;
    let is_recipient = message
        .recipients
        .iter()
        .any(|r| r.address == caller.address);
    if !is_sender && !is_recipient {
        return None;
    }
    if is_recipient {
        let now = tx.now;
        tx.state.messages.update(id, |m| {
            for r in m
                .recipients
                .iter_mut()
                .filter(|r| r.address == caller.address)
            {
                if r.received_at.is_none() {
                    r.received_at = Some(now);
                    r.received_by_device = Some(caller.device.clone());
                }
            }
        });
    }
    let message = tx.state.messages.get(id)?;
    let recipients: Vec<Value> = message
        .recipients
        .iter()
        .filter(|r| is_sender || r.address == caller.address)
        .map(|r| {
            // The sender sees the anonymised address of recipients whose relationship it decomposed.
            let decomposed = is_sender
                && tx
                    .state
                    .relationships
                    .get(&r.relationship_id)
                    .is_some_and(|rel| rel.decomposed_by(&caller.address));
            recipient_dto(r, decomposed.then_some(anonymous_address))
        })
        .collect();
    Some(json!({
        "id": message.id,
        "createdAt": format(message.created_at),
        "createdBy": message.created_by,
        "createdByDevice": message.created_by_device,
        "body": message.body,
        "attachments": message.attachments.iter().map(|a| json!({ "id": a })).collect::<Vec<_>>(),
        "recipients": recipients,
    }))
}

/// `GET /api/v2/Messages/{id}`.
pub fn get(backend: &Backend, req: &Request, id: &str) -> ApiResult<Reply> {
    let caller = req.caller()?;
    let id = id_field(id, "MSG")?;
    let anonymous = crate::anonymous_address(&backend.config.did_domain);
    backend.write(|tx| {
        read_as(tx, caller, &id, &anonymous)
            .map(Reply::Ok)
            .ok_or_else(|| ApiError::not_found("Message"))
    })
}

/// `GET /api/v2/Messages?ids=…`.
pub fn list(backend: &Backend, req: &Request) -> ApiResult<Reply> {
    let caller = req.caller()?;
    let wanted = req.query.all("ids");
    let anonymous = crate::anonymous_address(&backend.config.did_domain);
    backend.write(|tx| {
        let found = wanted
            .iter()
            .filter_map(|id| read_as(tx, caller, id, &anonymous))
            .collect();
        Ok(Reply::Ok(Value::Array(found)))
    })
}
