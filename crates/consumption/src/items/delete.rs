//! `DeleteAttributeRequestItem` (content-model §5.6): the sender asks the recipient to delete
//! its copy of an attribute. The deletion info of the sender's side lives on the
//! OwnRelationshipAttribute itself when the recipient is its relationship peer, otherwise on
//! the ForwardingDetails for the recipient; always on every predecessor too.

use connector_transport::Result;
use connector_transport::documents;
use serde_json::{Map, Value, json};

use super::{item_error, params_error, text};
use crate::records::{AttributeKind, DeletionInfo, ForwardingDetails, LocalAttribute};
use crate::validation::ValidationResult;
use crate::{Consumption, now};

fn info(status: &str, date: &str) -> Option<DeletionInfo> {
    Some(DeletionInfo {
        deletion_status: status.to_owned(),
        deletion_date: date.to_owned(),
    })
}

fn status_of(info: Option<&DeletionInfo>) -> &str {
    info.map_or("", |i| i.deletion_status.as_str())
}

/// Sender: `canCreate`.
pub(crate) async fn can_create(
    c: &Consumption,
    item: &Value,
    recipient: Option<&str>,
) -> Result<ValidationResult> {
    let id = text(item, "attributeId");
    let Some(attribute) = c.find_attribute(id).await? else {
        return Ok(item_error(format!(
            "The Attribute '{id}' could not be found."
        )));
    };
    let Some(recipient) = recipient else {
        return Ok(item_error(
            "The recipient of a DeleteAttributeRequestItem must be known.",
        ));
    };
    let forwarded = c
        .forwarding_details(&attribute.id, crate::attributes::eq("peer", recipient)?)
        .await?
        .into_iter()
        .any(|f| {
            !matches!(
                status_of(f.deletion_info.as_ref()),
                "DeletedByRecipient" | "ToBeDeletedByRecipient"
            )
        });
    let is_peer = attribute.peer.as_deref() == Some(recipient);
    let ok = match attribute.kind {
        AttributeKind::OwnIdentityAttribute => forwarded,
        AttributeKind::OwnRelationshipAttribute if is_peer => !matches!(
            status_of(attribute.deletion_info.as_ref()),
            "DeletedByRecipient" | "ToBeDeletedByRecipient"
        ),
        AttributeKind::OwnRelationshipAttribute => forwarded,
        AttributeKind::PeerRelationshipAttribute => !is_peer && forwarded,
        _ => {
            return Ok(item_error(format!(
                "The Attribute '{id}' is not an OwnIdentityAttribute, OwnRelationshipAttribute or PeerRelationshipAttribute."
            )));
        }
    };
    Ok(if ok {
        ValidationResult::success()
    } else {
        item_error(format!(
            "The Attribute '{id}' is not shared with the recipient or already deleted by it."
        ))
    })
}

/// Sender: the request went out ⇒ `DeletionRequestSent` on each targeted attribute chain.
pub(crate) async fn sent(c: &Consumption, request: &crate::records::LocalRequest) -> Result<()> {
    let date = now();
    for item in super::flatten(&request.content) {
        if text(item, "@type") == "DeleteAttributeRequestItem" {
            let id = text(item, "attributeId");
            mark_sender_side(c, id, &request.peer, "DeletionRequestSent", &date).await?;
        }
    }
    Ok(())
}

/// Recipient: `canAccept` with `{accept: true, deletionDate}`.
pub(crate) async fn can_accept(
    c: &Consumption,
    item: &Value,
    params: &Map<String, Value>,
    sender: &str,
) -> Result<ValidationResult> {
    let id = text(item, "attributeId");
    let Some(attribute) = c.find_attribute(id).await? else {
        return Ok(ValidationResult::success());
    };
    let held = matches!(
        attribute.kind,
        AttributeKind::PeerIdentityAttribute
            | AttributeKind::PeerRelationshipAttribute
            | AttributeKind::ThirdPartyRelationshipAttribute
    ) && attribute.peer.as_deref() == Some(sender);
    if !held {
        return Ok(item_error(format!(
            "The Attribute '{id}' is not a copy the sender shared with you."
        )));
    }
    let date = params
        .get("deletionDate")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if nmshd_wire::CoreDate::parse(date).is_err() {
        return Ok(params_error("The deletionDate must be a valid date."));
    }
    if crate::requests::is_past(date, &now()) {
        return Ok(params_error("The deletionDate must be in the future."));
    }
    Ok(ValidationResult::success())
}

/// Recipient: `accept` ⇒ `ToBeDeleted` on the copy and its predecessors.
pub(crate) async fn accept(
    c: &Consumption,
    item: &Value,
    params: &Map<String, Value>,
) -> Result<Value> {
    let Some(attribute) = c.find_attribute(text(item, "attributeId")).await? else {
        return Ok(json!({"@type": "AcceptResponseItem", "result": "Accepted"}));
    };
    let date = params
        .get("deletionDate")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    for version in chain(c, attribute).await? {
        documents::update::<LocalAttribute>(c.store(), &version.id, |a| {
            a.deletion_info = info("ToBeDeleted", &date);
            Ok(())
        })
        .await?;
    }
    Ok(
        json!({"@type": "DeleteAttributeAcceptResponseItem", "result": "Accepted", "deletionDate": date}),
    )
}

/// Sender: `applyIncomingResponseItem`.
pub(crate) async fn apply(
    c: &Consumption,
    request_item: &Value,
    response_item: &Value,
    peer: &str,
) -> Result<()> {
    let id = text(request_item, "attributeId");
    match text(response_item, "@type") {
        "DeleteAttributeAcceptResponseItem" => {
            let date = text(response_item, "deletionDate");
            mark_sender_side(c, id, peer, "ToBeDeletedByRecipient", date).await
        }
        "RejectResponseItem" => {
            mark_sender_side(c, id, peer, "DeletionRequestRejected", &now()).await
        }
        _ => Ok(()),
    }
}

async fn chain(c: &Consumption, attribute: LocalAttribute) -> Result<Vec<LocalAttribute>> {
    let predecessors = c.predecessors(&attribute).await?;
    Ok(std::iter::once(attribute).chain(predecessors).collect())
}

/// The attribute itself when `recipient` is its relationship peer, else its forwardings to
/// `recipient`; with all predecessors.
async fn mark_sender_side(
    c: &Consumption,
    id: &str,
    recipient: &str,
    status: &str,
    date: &str,
) -> Result<()> {
    let Some(attribute) = c.find_attribute(id).await? else {
        return Ok(());
    };
    for version in chain(c, attribute).await? {
        if version.peer.as_deref() == Some(recipient) {
            documents::update::<LocalAttribute>(c.store(), &version.id, |a| {
                a.deletion_info = info(status, date);
                Ok(())
            })
            .await?;
            continue;
        }
        let to_recipient = crate::attributes::eq("peer", recipient)?;
        for f in c.forwarding_details(&version.id, to_recipient).await? {
            documents::update::<ForwardingDetails>(c.store(), &f.id, |f| {
                f.deletion_info = info(status, date);
                Ok(())
            })
            .await?;
        }
    }
    Ok(())
}
