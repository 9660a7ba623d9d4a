//! The request item processors (content-model §5): per item type the sender's `canCreate` and
//! `apply` of the response item, the recipient's `canAccept` and `accept`.

pub mod content;
pub(crate) mod delete;
mod queries;
mod transfer_file;

use connector_transport::Result;
use serde_json::{Map, Value, json};

use crate::records::{AttributeKind, LocalAttribute, LocalRequest};
use crate::validation::ValidationResult;
use crate::{Consumption, new_id, now};

pub(crate) const INVALID_ITEM: &str = "error.consumption.requests.invalidRequestItem";
pub(crate) const INVALID_PARAMS: &str = "error.consumption.requests.invalidAcceptParameters";
const KEY_UNIQUENESS: &str =
    "error.consumption.requests.violatedKeyUniquenessOfRelationshipAttributes";

fn kind(item: &Value) -> &str {
    item.get("@type")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn text<'a>(value: &'a Value, name: &str) -> &'a str {
    value.get(name).and_then(Value::as_str).unwrap_or_default()
}

fn item_error(message: impl Into<String>) -> ValidationResult {
    ValidationResult::error(INVALID_ITEM, message)
}

fn params_error(message: impl Into<String>) -> ValidationResult {
    ValidationResult::error(INVALID_PARAMS, message)
}

fn not_implemented(item: &Value) -> ValidationResult {
    ValidationResult::error(
        "error.connector.notImplemented",
        format!("The {} is not supported by this Connector yet.", kind(item)),
    )
}

/// `owner` with `""` resolved to `recipient`.
fn resolve_owner<'a>(owner: &'a str, recipient: &'a str) -> &'a str {
    if owner.is_empty() { recipient } else { owner }
}

/// The attribute with its `owner` `""` replaced by `owner`.
fn with_owner(attribute: &Value, owner: &str) -> Value {
    let mut out = attribute.clone();
    if out
        .get("owner")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        out["owner"] = owner.into();
    }
    out
}

/// Sender side: can this item be put into a Request to `recipient` (unknown for templates)?
pub(crate) async fn can_create(
    c: &Consumption,
    item: &Value,
    recipient: Option<&str>,
) -> Result<ValidationResult> {
    let me = c.address();
    Ok(match kind(item) {
        "AuthenticationRequestItem" | "ConsentRequestItem" => ValidationResult::success(),
        "FormFieldRequestItem" => form_field_can_create(&item["settings"]),
        "CreateAttributeRequestItem" => {
            let attribute = &item["attribute"];
            if let Err(message) = content::check_whitelist(attribute) {
                return Ok(item_error(message));
            }
            let owner = text(attribute, "owner");
            if kind(attribute) == "IdentityAttribute" {
                if owner == me {
                    return Ok(item_error(
                        "The owner of the provided IdentityAttribute for the `attribute` property can only be the Recipient's Address or an empty string. The latter will default to the Recipient's Address. If you want to share an own IdentityAttribute, use the ShareAttributeRequestItem instead.",
                    ));
                }
                if let Some(r) = recipient
                    && !owner.is_empty()
                    && owner != r
                {
                    return Ok(item_error(
                        "The owner of the provided IdentityAttribute for the `attribute` property can only be the Recipient's Address or an empty string. The latter will default to the Recipient's Address.",
                    ));
                }
                return Ok(tags_error(c, attribute)
                    .await?
                    .unwrap_or_else(ValidationResult::success));
            }
            if !owner.is_empty() && owner != me && recipient.is_some_and(|r| owner != r) {
                return Ok(item_error(
                    "The owner of the provided RelationshipAttribute for the `attribute` property can only be the Sender's Address, the Recipient's Address or an empty string. The latter will default to the Recipient's Address.",
                ));
            }
            if let Some(r) = recipient {
                let owner = resolve_owner(owner, r);
                let key = text(attribute, "key");
                let value_type = attribute.pointer("/value/@type").and_then(Value::as_str);
                if queries::relationship_key_taken(c, r, key, owner, value_type.unwrap_or_default())
                    .await?
                {
                    return Ok(item_error(format!(
                        "The creation of the provided RelationshipAttribute cannot be requested because there is already a RelationshipAttribute in the context of this Relationship with the same key '{key}', owner and value type."
                    )));
                }
            }
            ValidationResult::success()
        }
        "ReadAttributeRequestItem" => {
            let query = &item["query"];
            if let Some(error) = queries::can_create_query(query, me, recipient) {
                return Ok(error);
            }
            if kind(query) == "RelationshipAttributeQuery" {
                let owner = text(query, "owner");
                if !owner.is_empty() && owner != me {
                    return Ok(item_error(
                        "The owner of the given `query` can only be an empty string or yourself. This is because you can only request RelationshipAttributes using a ReadAttributeRequestitem with a RelationshipAttributeQuery where the Recipient of the Request or yourself is the owner.",
                    ));
                }
                if let Some(r) = recipient {
                    let key = text(query, "key");
                    let value_type = query
                        .pointer("/attributeCreationHints/valueType")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    if queries::relationship_key_taken(
                        c,
                        r,
                        key,
                        resolve_owner(owner, r),
                        value_type,
                    )
                    .await?
                    {
                        return Ok(item_error(format!(
                            "The creation of the provided RelationshipAttribute cannot be requested because there is already a RelationshipAttribute in the context of this Relationship with the same key '{key}', owner and value type."
                        )));
                    }
                }
            }
            ValidationResult::success()
        }
        "ProposeAttributeRequestItem" => {
            let query = &item["query"];
            let attribute = &item["attribute"];
            if let Some(error) = queries::can_create_query(query, me, recipient) {
                return Ok(error);
            }
            if kind(query) == "RelationshipAttributeQuery" && !text(query, "owner").is_empty() {
                return Ok(item_error(
                    "The owner of the given `query` can only be an empty string. This is because you can only propose RelationshipAttributes in the name of the Recipient.",
                ));
            }
            if !text(attribute, "owner").is_empty() {
                return Ok(item_error(
                    "The owner of the given `attribute` can only be an empty string. This is because you can only propose Attributes where the Recipient of the Request is the owner anyway. And in order to avoid mistakes, the owner will be automatically filled for you.",
                ));
            }
            if let Err(message) = content::check_whitelist(attribute) {
                return Ok(item_error(message));
            }
            if let Err(message) = queries::matches(attribute, query, "", me) {
                return Ok(item_error(message));
            }
            ValidationResult::success()
        }
        "ShareAttributeRequestItem" => can_create_share(c, item, recipient).await?,
        "DeleteAttributeRequestItem" => delete::can_create(c, item, recipient).await?,
        "TransferFileOwnershipRequestItem" => transfer_file::can_create(c, item).await?,
        _ => not_implemented(item),
    })
}

async fn can_create_share(
    c: &Consumption,
    item: &Value,
    recipient: Option<&str>,
) -> Result<ValidationResult> {
    let id = text(item, "attributeId");
    let Some(stored) = c.find_attribute(id).await? else {
        return Ok(item_error(format!(
            "The Attribute with the given attributeId '{id}' could not be found."
        )));
    };
    if !stored.kind.is_forwardable() {
        return Ok(item_error(format!(
            "The Attribute with the given attributeId '{id}' is not an OwnIdentityAttribute, OwnRelationshipAttribute or PeerRelationshipAttribute."
        )));
    }
    let attribute = content::attribute(&item["attribute"])?;
    if attribute != stored.content {
        return Ok(item_error(format!(
            "The Attribute with the given attributeId '{id}' does not match the given `attribute`."
        )));
    }
    if let Some(r) = recipient {
        let forwarded = c
            .forwarding_details(&stored.id, crate::attributes::eq("peer", r)?)
            .await?
            .iter()
            .any(crate::records::ForwardingDetails::is_live_and_kept);
        if forwarded || stored.peer.as_deref() == Some(r) {
            return Ok(item_error(format!(
                "The provided Attribute with id '{id}' already exists in the context of the Relationship with the peer."
            )));
        }
        for successor in c.successors(&stored).await? {
            if c.forwarding_to(&successor.id, r).await?.is_some() {
                return Ok(item_error(format!(
                    "The provided Attribute is outdated. Its successor '{}' is already shared with the peer.",
                    successor.id
                )));
            }
        }
        for predecessor in c.predecessors(&stored).await? {
            if c.forwarding_to(&predecessor.id, r).await?.is_some() {
                return Ok(item_error(format!(
                    "The provided Attribute is the successor of the Attribute '{}' that is already shared with the peer. Share the succession with a Notification instead.",
                    predecessor.id
                )));
            }
        }
    }
    let initial_peer = item.get("initialAttributePeer").and_then(Value::as_str);
    if kind(&attribute) == "IdentityAttribute" {
        if stored.kind != AttributeKind::OwnIdentityAttribute {
            return Ok(item_error(
                "Only OwnIdentityAttributes may be shared as IdentityAttributes.",
            ));
        }
        if initial_peer.is_some() {
            return Ok(item_error(
                "If the shared Attribute is an IdentityAttribute, the initialAttributePeer must not be set.",
            ));
        }
        return Ok(tags_error(c, &attribute)
            .await?
            .unwrap_or_else(ValidationResult::success));
    }
    let peer = stored.peer.as_deref().unwrap_or_default();
    if recipient.is_some_and(|r| r == peer || r == stored.owner()) {
        return Ok(item_error(
            "The provided RelationshipAttribute cannot be shared with the peer of its Relationship or with its owner.",
        ));
    }
    if initial_peer != Some(peer) {
        return Ok(item_error(
            "The initialAttributePeer must be the peer of the Relationship the shared RelationshipAttribute exists in.",
        ));
    }
    if text(&attribute, "confidentiality") == "private" {
        return Ok(item_error(
            "The confidentiality of the given `attribute` is private. Therefore you are not allowed to share it.",
        ));
    }
    let pending = c
        .transport()
        .relationship_to(peer)
        .await?
        .is_none_or(|r| r.record.status.as_str() == "Pending");
    if pending {
        return Ok(ValidationResult::error(
            "error.consumption.requests.cannotShareRelationshipAttributeOfPendingRelationship",
            "The provided RelationshipAttribute exists in the context of a pending Relationship and therefore cannot be shared.",
        ));
    }
    Ok(ValidationResult::success())
}

/// (owner, key, value type) of the RelationshipAttribute an item would lead to, if any.
fn relationship_triple(item: &Value, recipient: &str) -> Option<(String, String, String)> {
    let (source, owner_at, value_type) = match kind(item) {
        "CreateAttributeRequestItem" | "ProposeAttributeRequestItem"
            if kind(&item["attribute"]) == "RelationshipAttribute" =>
        {
            let a = &item["attribute"];
            (a, text(a, "owner"), a.pointer("/value/@type"))
        }
        "ReadAttributeRequestItem" if kind(&item["query"]) == "RelationshipAttributeQuery" => {
            let q = &item["query"];
            (
                q,
                text(q, "owner"),
                q.pointer("/attributeCreationHints/valueType"),
            )
        }
        _ => return None,
    };
    Some((
        resolve_owner(owner_at, recipient).to_owned(),
        text(source, "key").to_owned(),
        value_type
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
    ))
}

/// §5.11: among `mustBeAccepted` items no two may lead to the same RelationshipAttribute key.
pub(crate) fn key_uniqueness_within_request(
    request: &Value,
    recipient: Option<&str>,
) -> Option<ValidationResult> {
    let recipient = recipient.unwrap_or_default();
    let mut seen: Vec<(String, String, String)> = Vec::new();
    for item in flatten(request) {
        if item.get("mustBeAccepted") != Some(&Value::Bool(true)) {
            continue;
        }
        if let Some(triple) = relationship_triple(item, recipient) {
            if seen.contains(&triple) {
                return Some(ValidationResult::error(
                    KEY_UNIQUENESS,
                    format!(
                        "The Request cannot be created because its acceptance would lead to the creation of more than one RelationshipAttribute in the context of this Relationship with the same key '{}', owner and value type.",
                        triple.1
                    ),
                ));
            }
            seen.push(triple);
        }
    }
    None
}

/// Every request item, groups flattened.
pub(crate) fn flatten(request: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    for item in request["items"].as_array().map_or(&[][..], Vec::as_slice) {
        if kind(item) == "RequestItemGroup" {
            out.extend(item["items"].as_array().map_or(&[][..], Vec::as_slice));
        } else {
            out.push(item);
        }
    }
    out
}

/// Recipient side: may this item be decided with `params` (`accept: true`)?
pub(crate) async fn can_accept(
    c: &Consumption,
    item: &Value,
    params: &Map<String, Value>,
    sender: &str,
) -> Result<ValidationResult> {
    let me = c.address();
    Ok(match kind(item) {
        "AuthenticationRequestItem" | "ConsentRequestItem" => ValidationResult::success(),
        "FormFieldRequestItem" => match params.get("response") {
            Some(response) => form_field_can_accept(&item["settings"], response),
            None => params_error("The response is missing."),
        },
        "CreateAttributeRequestItem" => {
            let attribute = with_owner(&item["attribute"], me);
            if let Err(message) = content::check_whitelist(&attribute) {
                return Ok(params_error(message));
            }
            if kind(&attribute) == "RelationshipAttribute"
                && let Some(error) = key_uniqueness_vs(c, &attribute, sender, item).await?
            {
                return Ok(error);
            }
            tags_error(c, &attribute)
                .await?
                .unwrap_or_else(ValidationResult::success)
        }
        "ReadAttributeRequestItem" | "ProposeAttributeRequestItem" => {
            let read = kind(item) == "ReadAttributeRequestItem";
            let (existing_key, new_key) = if read {
                ("existingAttributeId", "newAttribute")
            } else {
                ("attributeId", "attribute")
            };
            let query = &item["query"];
            match (params.get(existing_key), params.get(new_key)) {
                (Some(Value::String(id)), None) => {
                    if kind(query) == "RelationshipAttributeQuery" {
                        return Ok(params_error(
                            "When responding to a RelationshipAttributeQuery, only new RelationshipAttributes may be provided.",
                        ));
                    }
                    let Some(existing) = c.find_attribute(id).await? else {
                        return Ok(params_error(format!(
                            "No LocalAttribute with the given id '{id}' was found."
                        )));
                    };
                    let allowed = if read {
                        existing.kind.is_forwardable()
                    } else {
                        existing.kind == AttributeKind::OwnIdentityAttribute
                    };
                    if !allowed {
                        return Ok(params_error(format!(
                            "The provided attribute '{id}' cannot be used to respond to this query."
                        )));
                    }
                    if existing.kind == AttributeKind::OwnIdentityAttribute {
                        for successor in c.successors(&existing).await? {
                            if c.forwarding_to(&successor.id, sender).await?.is_some() {
                                return Ok(ValidationResult::error(
                                    "error.consumption.requests.attributeQueryMismatch",
                                    format!(
                                        "The provided IdentityAttribute is outdated. You have already shared the successor '{}' of it.",
                                        successor.id
                                    ),
                                ));
                            }
                        }
                    }
                    if let Err(message) = queries::matches(&existing.content, query, me, sender) {
                        return Ok(ValidationResult::error(
                            "error.consumption.requests.attributeQueryMismatch",
                            message,
                        ));
                    }
                    ValidationResult::success()
                }
                (None, Some(attribute)) if attribute.is_object() => {
                    if kind(query) == "ThirdPartyRelationshipAttributeQuery" {
                        return Ok(params_error(
                            "When responding to a ThirdPartyRelationshipAttributeQuery, only RelationshipAttributes that already exist may be provided.",
                        ));
                    }
                    let attribute = match content::attribute(&with_owner(attribute, me)) {
                        Ok(a) => a,
                        Err(e) => return Ok(params_error(e.to_string())),
                    };
                    if let Err(message) = content::check_whitelist(&attribute) {
                        return Ok(params_error(message));
                    }
                    if let Err(message) = queries::matches(&attribute, query, me, sender) {
                        return Ok(ValidationResult::error(
                            "error.consumption.requests.attributeQueryMismatch",
                            message,
                        ));
                    }
                    if kind(&attribute) == "RelationshipAttribute"
                        && let Some(error) = key_uniqueness_vs(c, &attribute, sender, item).await?
                    {
                        return Ok(error);
                    }
                    tags_error(c, &attribute)
                        .await?
                        .unwrap_or_else(ValidationResult::success)
                }
                _ => params_error(format!(
                    "You have to specify either {new_key} or {existing_key}."
                )),
            }
        }
        "ShareAttributeRequestItem" => {
            let is_relationship = kind(&item["attribute"]) == "RelationshipAttribute";
            if item.get("initialAttributePeer").is_some() != is_relationship {
                return Ok(item_error(
                    "The initialAttributePeer must be set exactly for shared RelationshipAttributes.",
                ));
            }
            tags_error(c, &item["attribute"])
                .await?
                .unwrap_or_else(ValidationResult::success)
        }
        "DeleteAttributeRequestItem" => delete::can_accept(c, item, params, sender).await?,
        "TransferFileOwnershipRequestItem" => transfer_file::can_accept(c, item, sender).await?,
        _ => not_implemented(item),
    })
}

async fn key_uniqueness_vs(
    c: &Consumption,
    attribute: &Value,
    sender: &str,
    item: &Value,
) -> Result<Option<ValidationResult>> {
    let key = text(attribute, "key");
    let value_type = attribute
        .pointer("/value/@type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !queries::relationship_key_taken(c, sender, key, text(attribute, "owner"), value_type)
        .await?
    {
        return Ok(None);
    }
    let message = format!(
        "The provided RelationshipAttribute cannot be created because there is already a RelationshipAttribute in the context of this Relationship with the same key '{key}', owner and value type."
    );
    Ok(Some(
        if item.get("mustBeAccepted") == Some(&Value::Bool(true)) {
            ValidationResult::error(KEY_UNIQUENESS, message)
        } else {
            params_error(message)
        },
    ))
}

fn accept_item() -> Value {
    json!({"@type": "AcceptResponseItem", "result": "Accepted"})
}

/// `RejectResponseItem{code?, message?}` from the reject params.
pub(crate) fn reject_item(params: &Map<String, Value>) -> Value {
    let mut item = json!({"@type": "RejectResponseItem", "result": "Rejected"});
    for name in ["code", "message"] {
        if let Some(Value::String(text)) = params.get(name) {
            item[name] = text.clone().into();
        }
    }
    item
}

/// Recipient side: accepts the item (creating attributes and forwardings) and answers with its
/// response item.
pub(crate) async fn accept(
    c: &Consumption,
    item: &Value,
    params: &Map<String, Value>,
    sender: &str,
    request_id: &str,
) -> Result<Value> {
    let me = c.address().to_owned();
    match kind(item) {
        "FormFieldRequestItem" => Ok(json!({
            "@type": "FormFieldAcceptResponseItem",
            "result": "Accepted",
            "response": params.get("response").cloned().unwrap_or(Value::Null),
        })),
        "CreateAttributeRequestItem" => {
            let attribute = content::attribute(&with_owner(&item["attribute"], &me))?;
            if kind(&attribute) == "IdentityAttribute" {
                return appropriate_response(
                    c,
                    Appropriate::Create,
                    &attribute,
                    sender,
                    request_id,
                )
                .await;
            }
            let created = create_relationship_attribute(c, attribute, sender, request_id).await?;
            Ok(
                json!({"@type": "CreateAttributeAcceptResponseItem", "result": "Accepted", "attributeId": created.id}),
            )
        }
        "ReadAttributeRequestItem" | "ProposeAttributeRequestItem" => {
            let read = kind(item) == "ReadAttributeRequestItem";
            let (existing_key, new_key, answer, how) = if read {
                (
                    "existingAttributeId",
                    "newAttribute",
                    "ReadAttributeAcceptResponseItem",
                    Appropriate::Read,
                )
            } else {
                (
                    "attributeId",
                    "attribute",
                    "ProposeAttributeAcceptResponseItem",
                    Appropriate::Propose,
                )
            };
            if let Some(Value::String(id)) = params.get(existing_key) {
                let tags: Vec<String> = params
                    .get("tags")
                    .and_then(Value::as_array)
                    .map(|t| {
                        t.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default();
                let mut existing = c.attribute(id).await?;
                if existing.kind == AttributeKind::OwnIdentityAttribute
                    && let Some(merged) = crate::attributes::merged_tags(&existing.content, &tags)
                {
                    existing = c.succeed(existing, merged, new_id("ATT"), |k| k).await?.1;
                }
                return share_existing(c, &existing, answer, sender, request_id).await;
            }
            let attribute = content::attribute(&with_owner(
                params.get(new_key).unwrap_or(&Value::Null),
                &me,
            ))?;
            if kind(&attribute) == "IdentityAttribute" {
                return appropriate_response(c, how, &attribute, sender, request_id).await;
            }
            let created =
                create_relationship_attribute(c, attribute.clone(), sender, request_id).await?;
            Ok(
                json!({"@type": answer, "result": "Accepted", "attributeId": created.id, "attribute": attribute}),
            )
        }
        "ShareAttributeRequestItem" => accept_share(c, item, sender, request_id).await,
        "DeleteAttributeRequestItem" => delete::accept(c, item, params).await,
        "TransferFileOwnershipRequestItem" => {
            transfer_file::accept(c, item, sender, request_id).await
        }
        _ => Ok(accept_item()),
    }
}

/// A RelationshipAttribute in the relationship with `peer`: own when this identity owns it.
async fn create_relationship_attribute(
    c: &Consumption,
    attribute: Value,
    peer: &str,
    source_reference: &str,
) -> Result<LocalAttribute> {
    let kind = if text(&attribute, "owner") == c.address() {
        AttributeKind::OwnRelationshipAttribute
    } else {
        AttributeKind::PeerRelationshipAttribute
    };
    c.insert_attribute(
        LocalAttribute::new(kind, new_id("ATT"), attribute, now())
            .with_peer(peer, source_reference),
    )
    .await
}

/// Answer with an existing forwardable attribute (Read/Propose with an existing attribute).
async fn share_existing(
    c: &Consumption,
    existing: &LocalAttribute,
    answer: &str,
    sender: &str,
    request_id: &str,
) -> Result<Value> {
    let shared = c.latest_version_shared_with(existing, sender).await?;
    match shared {
        Some(shared) if shared.id == existing.id => {
            c.add_forwarding(&existing.id, sender, request_id).await?;
            Ok(
                json!({"@type": "AttributeAlreadySharedAcceptResponseItem", "result": "Accepted", "attributeId": existing.id}),
            )
        }
        Some(shared) => {
            c.add_forwarding(&existing.id, sender, request_id).await?;
            Ok(json!({
                "@type": "AttributeSuccessionAcceptResponseItem", "result": "Accepted",
                "predecessorId": shared.id, "successorId": existing.id, "successorContent": existing.content,
            }))
        }
        None => {
            c.add_forwarding(&existing.id, sender, request_id).await?;
            let mut item = json!({"@type": answer, "result": "Accepted", "attributeId": existing.id, "attribute": existing.content});
            if answer == "ReadAttributeAcceptResponseItem"
                && existing.content_type() == "RelationshipAttribute"
                && let Some(peer) = &existing.peer
            {
                item["initialAttributePeer"] = peer.clone().into();
            }
            Ok(item)
        }
    }
}

#[derive(Clone, Copy)]
enum Appropriate {
    Create,
    Read,
    Propose,
}

/// §5.10: the appropriate response for an IdentityAttribute to create/read/propose.
async fn appropriate_response(
    c: &Consumption,
    how: Appropriate,
    attribute: &Value,
    sender: &str,
    request_id: &str,
) -> Result<Value> {
    let attribute = content::trimmed_identity_attribute(attribute)?;
    let own = match c.own_identity_with_value(&attribute["value"]).await? {
        None => {
            c.insert_attribute(LocalAttribute::new(
                AttributeKind::OwnIdentityAttribute,
                new_id("ATT"),
                attribute.clone(),
                now(),
            ))
            .await?
        }
        Some(existing) => {
            let tags: Vec<String> = attribute
                .get("tags")
                .and_then(Value::as_array)
                .map(|t| {
                    t.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            match crate::attributes::merged_tags(&existing.content, &tags) {
                Some(merged) => c.succeed(existing, merged, new_id("ATT"), |k| k).await?.1,
                None => existing,
            }
        }
    };
    let shared = c.latest_version_shared_with(&own, sender).await?;
    c.add_forwarding(&own.id, sender, request_id).await?;
    Ok(match shared {
        Some(shared) if shared.id == own.id => {
            json!({"@type": "AttributeAlreadySharedAcceptResponseItem", "result": "Accepted", "attributeId": own.id})
        }
        Some(shared) => json!({
            "@type": "AttributeSuccessionAcceptResponseItem", "result": "Accepted",
            "predecessorId": shared.id, "successorId": own.id, "successorContent": own.content,
        }),
        None => match how {
            Appropriate::Create => {
                json!({"@type": "CreateAttributeAcceptResponseItem", "result": "Accepted", "attributeId": own.id})
            }
            Appropriate::Read => {
                json!({"@type": "ReadAttributeAcceptResponseItem", "result": "Accepted", "attributeId": own.id, "attribute": own.content})
            }
            Appropriate::Propose => {
                json!({"@type": "ProposeAttributeAcceptResponseItem", "result": "Accepted", "attributeId": own.id, "attribute": own.content})
            }
        },
    })
}

/// §5.3 accept: store the shared copy under the sender's id, or answer "already shared".
async fn accept_share(
    c: &Consumption,
    item: &Value,
    sender: &str,
    request_id: &str,
) -> Result<Value> {
    let attribute = content::attribute(&item["attribute"])?;
    let initial_peer = item.get("initialAttributePeer").and_then(Value::as_str);
    let kind = if initial_peer.is_some() {
        AttributeKind::ThirdPartyRelationshipAttribute
    } else {
        AttributeKind::PeerIdentityAttribute
    };
    let filter = connector_store::Filter::And(vec![
        crate::attributes::eq("@type", kind.as_str())?,
        crate::attributes::eq("peer", sender)?,
    ]);
    let existing = c.attributes(&filter).await?.into_iter().find(|a| {
        a.content == attribute
            && a.deletion_info
                .as_ref()
                .is_none_or(|i| i.deletion_status != "DeletedByEmitter")
    });
    if let Some(existing) = existing {
        if existing.deletion_info.is_some() {
            crate::flows::clear_deletion_info(c, &existing.id).await?;
        }
        return Ok(
            json!({"@type": "AttributeAlreadySharedAcceptResponseItem", "result": "Accepted", "attributeId": existing.id}),
        );
    }
    let mut copy =
        LocalAttribute::new(kind, text(item, "attributeId").to_owned(), attribute, now())
            .with_peer(sender, request_id);
    copy.initial_attribute_peer = initial_peer.map(str::to_owned);
    c.insert_attribute(copy).await?;
    Ok(accept_item())
}

/// Sender side: applies the peer's Response to the own request (§5.x "apply").
pub(crate) async fn apply_response(
    c: &Consumption,
    request: &LocalRequest,
    response: &Value,
) -> Result<()> {
    let request_items = request.items();
    let response_items = response["items"].as_array().map_or(&[][..], Vec::as_slice);
    for (request_item, response_item) in request_items.iter().zip(response_items) {
        if kind(request_item) == "RequestItemGroup" {
            let inner = request_item["items"]
                .as_array()
                .map_or(&[][..], Vec::as_slice);
            let answers = response_item["items"]
                .as_array()
                .map_or(&[][..], Vec::as_slice);
            for (i, a) in inner.iter().zip(answers) {
                apply_item(c, i, a, &request.peer, &request.id).await?;
            }
        } else {
            apply_item(c, request_item, response_item, &request.peer, &request.id).await?;
        }
    }
    Ok(())
}

/// Stores a peer's attribute copy under the id the peer chose (nothing if it exists already:
/// the response was applied before).
async fn store_copy(
    c: &Consumption,
    kind: AttributeKind,
    id: &str,
    content: Value,
    peer: &str,
    request_id: &str,
    initial_peer: Option<&str>,
) -> Result<()> {
    if id.is_empty() || c.find_attribute(id).await?.is_some() {
        return Ok(());
    }
    let mut attribute =
        LocalAttribute::new(kind, id.to_owned(), content, now()).with_peer(peer, request_id);
    attribute.initial_attribute_peer = initial_peer.map(str::to_owned);
    match c.insert_attribute(attribute).await {
        Err(connector_transport::TransportError::Store(e)) if e.is_conflict() => Ok(()),
        other => other.map(|_| ()),
    }
}

async fn apply_item(
    c: &Consumption,
    request_item: &Value,
    response_item: &Value,
    peer: &str,
    request_id: &str,
) -> Result<()> {
    let me = c.address().to_owned();
    let answer = kind(response_item);
    let attribute_id = text(response_item, "attributeId");
    match (kind(request_item), answer) {
        ("DeleteAttributeRequestItem", _) => {
            delete::apply(c, request_item, response_item, peer).await
        }
        ("TransferFileOwnershipRequestItem", _) => {
            transfer_file::apply(c, response_item, peer, request_id).await
        }
        (_, "RejectResponseItem" | "ErrorResponseItem") => Ok(()),
        (_, "AttributeSuccessionAcceptResponseItem") => {
            let predecessor_id = text(response_item, "predecessorId");
            let successor_id = text(response_item, "successorId").to_owned();
            let Some(predecessor) = c.find_attribute(predecessor_id).await? else {
                return Ok(());
            };
            if matches!(
                predecessor.kind,
                AttributeKind::PeerIdentityAttribute
                    | AttributeKind::ThirdPartyRelationshipAttribute
            ) && c.find_attribute(&successor_id).await?.is_none()
            {
                let content = response_item["successorContent"].clone();
                // One write of the successor, source reference included (no window without it).
                c.succeed_from(predecessor, content, successor_id, |k| k, Some(request_id))
                    .await?;
            }
            Ok(())
        }
        (_, "AttributeAlreadySharedAcceptResponseItem") => {
            if let Some(found) = c.find_attribute(attribute_id).await? {
                if found.kind.is_forwardable() && found.peer.as_deref() != Some(peer) {
                    c.add_forwarding(attribute_id, peer, request_id).await?;
                } else if found
                    .deletion_info
                    .as_ref()
                    .is_some_and(|i| i.deletion_status == "ToBeDeleted")
                {
                    crate::flows::clear_deletion_info(c, attribute_id).await?;
                }
            }
            Ok(())
        }
        ("CreateAttributeRequestItem", "CreateAttributeAcceptResponseItem") => {
            let attribute = with_owner(&request_item["attribute"], peer);
            let owner = text(&attribute, "owner").to_owned();
            let kind = match (kind(&attribute), owner == me) {
                ("IdentityAttribute", _) => AttributeKind::PeerIdentityAttribute,
                (_, true) => AttributeKind::OwnRelationshipAttribute,
                (_, false) => AttributeKind::PeerRelationshipAttribute,
            };
            let attribute = content::attribute(&attribute)?;
            store_copy(c, kind, attribute_id, attribute, peer, request_id, None).await
        }
        (_, "ReadAttributeAcceptResponseItem" | "ProposeAttributeAcceptResponseItem") => {
            let attribute = content::attribute(&response_item["attribute"])?;
            let initial_peer = response_item
                .get("initialAttributePeer")
                .or_else(|| response_item.get("thirdPartyAddress"))
                .and_then(Value::as_str);
            let kind = if kind(&attribute) == "IdentityAttribute" {
                AttributeKind::PeerIdentityAttribute
            } else if initial_peer.is_some() {
                AttributeKind::ThirdPartyRelationshipAttribute
            } else if text(&attribute, "owner") == me {
                AttributeKind::OwnRelationshipAttribute
            } else {
                AttributeKind::PeerRelationshipAttribute
            };
            store_copy(
                c,
                kind,
                attribute_id,
                attribute,
                peer,
                request_id,
                initial_peer,
            )
            .await
        }
        ("ShareAttributeRequestItem", "AcceptResponseItem") => {
            let shared = text(request_item, "attributeId");
            if c.find_attribute(shared).await?.is_some() {
                c.add_forwarding(shared, peer, request_id).await?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// `FormFieldSettings.canCreate` (connector-content) as an item result.
fn form_field_can_create(settings: &Value) -> ValidationResult {
    match connector_content::FormFieldSettings::from_json(settings).and_then(|s| s.can_create()) {
        Ok(()) => ValidationResult::success(),
        Err(e) => ValidationResult::error(e.code, e.message),
    }
}

/// `FormFieldSettings.canAccept(response)` (connector-content) as an item result.
fn form_field_can_accept(settings: &Value, response: &Value) -> ValidationResult {
    let checked = connector_content::FormFieldSettings::from_json(settings).and_then(|s| {
        let response = connector_content::FormFieldResponse::from_json("response", response)?;
        s.can_accept(&response)
    });
    match checked {
        Ok(()) => ValidationResult::success(),
        Err(e) => ValidationResult::error(INVALID_PARAMS, e.message),
    }
}

/// Tag validation (§3.6) as an item result; Backbone or store failures stay errors.
async fn tags_error(c: &Consumption, attribute: &Value) -> Result<Option<ValidationResult>> {
    match c.check_tags(attribute).await {
        Ok(()) => Ok(None),
        Err(connector_transport::TransportError::Rule { code, message }) => {
            Ok(Some(ValidationResult::error(code, message)))
        }
        Err(e) => Err(e),
    }
}
