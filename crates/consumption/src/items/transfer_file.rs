//! `TransferFileOwnershipRequestItem` (content-model §5.8): the sender hands an own file over
//! to the recipient, who claims the ownership at the Backbone with the ownership token and keeps
//! an `IdentityFileReference` OwnIdentityAttribute of it, shared back to the sender.

use connector_transport::Result;
use connector_transport::documents;
use connector_transport::files::FileRecord;
use nmshd_crypto::Reference;
use serde_json::{Value, json};

use super::{item_error, params_error, store_copy, text};
use crate::records::{AttributeKind, LocalAttribute};
use crate::validation::ValidationResult;
use crate::{Consumption, new_id, now};

/// The file id of the item's `fileReference`, if it is a file reference.
fn reference(item: &Value) -> Option<Reference> {
    Reference::parse(text(item, "fileReference"))
        .ok()
        .filter(|r| r.id.starts_with("FIL"))
}

fn expired(file: &FileRecord) -> bool {
    crate::requests::is_past(&file.expires_at, &now())
}

async fn token_valid(c: &Consumption, file_id: &str, token: &str) -> Result<bool> {
    Ok(c.transport()
        .backbone()
        .validate_file_ownership_token(file_id, token)
        .await?
        .is_valid)
}

/// Sender: `canCreate`.
pub(crate) async fn can_create(c: &Consumption, item: &Value) -> Result<ValidationResult> {
    let Some(reference) = reference(item) else {
        return Ok(item_error(
            "The fileReference is not a valid file reference.",
        ));
    };
    let Some(file) = documents::get::<FileRecord>(c.store(), &reference.id).await? else {
        return Ok(item_error(format!(
            "The File with the given fileReference '{}' could not be found.",
            reference.id
        )));
    };
    let file = file.record;
    if !file.is_own {
        return Ok(item_error(
            "You cannot request the transfer of ownership of a File you do not own.",
        ));
    }
    if expired(&file) {
        return Ok(item_error("The File is expired."));
    }
    if !token_valid(c, &file.id, text(item, "ownershipToken")).await? {
        return Ok(item_error("The ownershipToken is not valid for the File."));
    }
    Ok(ValidationResult::success())
}

/// Recipient: `canAccept`: the file loads, belongs to the sender, is not expired and the
/// token is valid.
pub(crate) async fn can_accept(
    c: &Consumption,
    item: &Value,
    sender: &str,
) -> Result<ValidationResult> {
    let Some(reference) = reference(item) else {
        return Ok(params_error(
            "The fileReference is not a valid file reference.",
        ));
    };
    let file = match c.transport().load_peer_file(&reference, None).await {
        Ok(file) => file,
        Err(e) => return Ok(params_error(format!("The File cannot be loaded: {e}"))),
    };
    if file.is_own || file.owner != sender {
        return Ok(params_error(
            "The File is not owned by the sender of the Request.",
        ));
    }
    if expired(&file) {
        return Ok(params_error("The File is expired."));
    }
    if !token_valid(c, &file.id, text(item, "ownershipToken")).await? {
        return Ok(params_error(
            "The ownershipToken is not valid for the File.",
        ));
    }
    Ok(ValidationResult::success())
}

/// Recipient: `accept`: claim the file, keep its reference as an OwnIdentityAttribute shared
/// with the sender.
pub(crate) async fn accept(
    c: &Consumption,
    item: &Value,
    sender: &str,
    request_id: &str,
) -> Result<Value> {
    let reference = reference(item)
        .ok_or_else(|| crate::invalid("The fileReference is not a valid file reference."))?;
    let file = c.transport().load_peer_file(&reference, None).await?;
    let claimed = c
        .transport()
        .backbone()
        .claim_file_ownership(&file.id, text(item, "ownershipToken"))
        .await?;
    let me = c.address().to_owned();
    let file = documents::update::<FileRecord>(c.store(), &file.id, |f| {
        f.is_own = true;
        f.owner = me.clone();
        f.ownership_token = Some(claimed.new_ownership_token.clone());
        f.ownership_is_locked = None;
        Ok(())
    })
    .await?
    .record;
    let truncated = file.reference(&c.transport().config().base_url)?.truncate();
    let mut attribute = json!({
        "@type": "IdentityAttribute",
        "owner": me,
        "value": {"@type": "IdentityFileReference", "value": truncated},
    });
    if let Some(tags) = file.tags.as_ref().filter(|t| !t.is_empty()) {
        attribute["tags"] = json!(tags);
    }
    let own = c
        .insert_attribute(LocalAttribute::new(
            AttributeKind::OwnIdentityAttribute,
            new_id("ATT"),
            attribute,
            now(),
        ))
        .await?;
    c.add_forwarding(&own.id, sender, request_id).await?;
    Ok(json!({
        "@type": "TransferFileOwnershipAcceptResponseItem", "result": "Accepted",
        "attributeId": own.id, "attribute": own.content,
    }))
}

/// Sender: `apply`: the recipient's attribute as a PeerIdentityAttribute.
pub(crate) async fn apply(
    c: &Consumption,
    response_item: &Value,
    peer: &str,
    request_id: &str,
) -> Result<()> {
    if text(response_item, "@type") != "TransferFileOwnershipAcceptResponseItem" {
        return Ok(());
    }
    let attribute = super::content::attribute(&response_item["attribute"])?;
    store_copy(
        c,
        AttributeKind::PeerIdentityAttribute,
        text(response_item, "attributeId"),
        attribute,
        peer,
        request_id,
        None,
    )
    .await
}
