//! Local attributes (content-model §3, §4.2): own identity attributes with trimming, the
//! duplicate check and succession; versions; forwardings to peers; the attribute queries; and
//! deletion with the notifications the affected peers get.

use connector_store::{Condition, Filter};
use connector_transport::documents::{self, Record};
use connector_transport::{Result, TransportError};
use serde_json::{Value, json};

use crate::records::{AttributeKind, ForwardingDetails, LocalAttribute};
use crate::{Consumption, invalid, new_id, now, rule};

const ENTITY: &str = "LocalAttribute";

fn store_error(e: connector_store::StoreError) -> TransportError {
    TransportError::Store(e)
}

/// `field == value` as a filter.
pub(crate) fn eq(path: &str, value: impl Into<Value>) -> Result<Filter> {
    Filter::eq(path, value).map_err(store_error)
}

fn field(path: &str, condition: Condition) -> Result<Filter> {
    Filter::field(path, condition).map_err(store_error)
}

impl Consumption {
    /// One attribute, or `recordNotFound`.
    pub async fn attribute(&self, id: &str) -> Result<LocalAttribute> {
        documents::require::<LocalAttribute>(self.store(), id, ENTITY).await
    }

    /// The attribute, if it exists.
    pub async fn find_attribute(&self, id: &str) -> Result<Option<LocalAttribute>> {
        Ok(documents::get::<LocalAttribute>(self.store(), id)
            .await?
            .map(|s| s.record))
    }

    /// Attributes matching `filter`, oldest first.
    pub async fn attributes(&self, filter: &Filter) -> Result<Vec<LocalAttribute>> {
        let mut found = documents::find_records::<LocalAttribute>(self.store(), filter).await?;
        found.sort_by(|a, b| a.created_at.cmp(&b.created_at));
        Ok(found)
    }

    /// `PUT /Attributes/CanCreate`: `Ok(())` or the rule the content breaks.
    pub async fn can_create_own_identity_attribute(&self, content: &Value) -> Result<Value> {
        let attribute = self.own_identity_content(content).await?;
        self.check_no_duplicate(&attribute).await?;
        Ok(attribute)
    }

    /// `{value, tags?}` → the IdentityAttribute JSON owned by this identity, parsed, trimmed,
    /// whitelisted and with valid tags.
    async fn own_identity_content(&self, content: &Value) -> Result<Value> {
        let Some(map) = content.as_object() else {
            return Err(invalid("content must be object"));
        };
        let mut attribute = json!({
            "@type": "IdentityAttribute",
            "owner": self.address(),
            "value": map.get("value").cloned().unwrap_or(Value::Null),
        });
        if let Some(tags) = map.get("tags").filter(|t| !t.is_null()) {
            attribute["tags"] = tags.clone();
        }
        let attribute = crate::items::content::trimmed_identity_attribute(&attribute)?;
        crate::items::content::check_whitelist(&attribute).map_err(|message| {
            rule(
                "error.consumption.attributes.forbiddenCharactersInAttribute",
                message,
            )
        })?;
        self.check_tags(&attribute).await?;
        Ok(attribute)
    }

    async fn check_no_duplicate(&self, attribute: &Value) -> Result<()> {
        if self
            .own_identity_with_value(&attribute["value"])
            .await?
            .is_some()
        {
            return Err(rule(
                "error.runtime.attributes.cannotCreateDuplicateOwnIdentityAttribute",
                "The OwnIdentityAttribute cannot be created because it has the same content.value as the already existing OwnIdentityAttribute with id ''.",
            ));
        }
        Ok(())
    }

    /// The latest OwnIdentityAttribute carrying `value` (stored values are trimmed; so must
    /// `value` be).
    pub async fn own_identity_with_value(&self, value: &Value) -> Result<Option<LocalAttribute>> {
        let filter = Filter::And(vec![
            eq("@type", AttributeKind::OwnIdentityAttribute.as_str())?,
            field("succeededBy", Condition::Exists(false))?,
            eq(
                "content.value.@type",
                value.get("@type").cloned().unwrap_or(Value::Null),
            )?,
        ]);
        Ok(self
            .attributes(&filter)
            .await?
            .into_iter()
            .find(|a| a.content["value"] == *value))
    }

    /// `POST /Attributes`.
    pub async fn create_own_identity_attribute(&self, content: &Value) -> Result<LocalAttribute> {
        let attribute = self.own_identity_content(content).await?;
        if let Some(existing) = self.own_identity_with_value(&attribute["value"]).await? {
            return Err(rule(
                "error.runtime.attributes.cannotCreateDuplicateOwnIdentityAttribute",
                format!(
                    "The OwnIdentityAttribute cannot be created because it has the same content.value as the already existing OwnIdentityAttribute with id '{}'.",
                    existing.id
                ),
            ));
        }
        self.insert_attribute(LocalAttribute::new(
            AttributeKind::OwnIdentityAttribute,
            new_id("ATT"),
            attribute,
            now(),
        ))
        .await
    }

    /// Stores a new attribute and announces it.
    pub(crate) async fn insert_attribute(
        &self,
        attribute: LocalAttribute,
    ) -> Result<LocalAttribute> {
        let stored = documents::insert(self.store(), &attribute).await?.record;
        self.publish(crate::events::ATTRIBUTE_CREATED, stored.to_dto())
            .await;
        Ok(stored)
    }

    /// `POST /Attributes/{id}/Succeed` for an OwnIdentityAttribute: `(predecessor, successor)`.
    pub async fn succeed_own_identity_attribute(
        &self,
        predecessor_id: &str,
        successor_content: &Value,
    ) -> Result<(LocalAttribute, LocalAttribute)> {
        let predecessor = self.attribute(predecessor_id).await?;
        if predecessor.kind != AttributeKind::OwnIdentityAttribute {
            return Err(rule(
                "error.runtime.attributes.isNotOwnIdentityAttribute",
                format!("Attribute '{predecessor_id}' is not an OwnIdentityAttribute."),
            ));
        }
        let content = self.own_identity_content(successor_content).await?;
        self.succeed(predecessor, content, new_id("ATT"), |kind| kind)
            .await
    }

    /// Validates the succession (§4.2 `validateAttributeSuccession`), links the predecessor
    /// (compare-and-set, so only one successor can win) and stores the successor.
    pub(crate) async fn succeed(
        &self,
        predecessor: LocalAttribute,
        content: Value,
        successor_id: String,
        kind: impl FnOnce(AttributeKind) -> AttributeKind,
    ) -> Result<(LocalAttribute, LocalAttribute)> {
        self.succeed_from(predecessor, content, successor_id, kind, None)
            .await
    }

    /// [`Self::succeed`] with the successor's `sourceReference` known up front (the notification
    /// that announced it), so that the stored successor and the `attributeSucceeded` event
    /// carry it.
    pub(crate) async fn succeed_from(
        &self,
        predecessor: LocalAttribute,
        content: Value,
        successor_id: String,
        kind: impl FnOnce(AttributeKind) -> AttributeKind,
        source_reference: Option<&str>,
    ) -> Result<(LocalAttribute, LocalAttribute)> {
        if let Some(by) = &predecessor.succeeded_by {
            return Err(rule(
                "error.consumption.attributes.cannotSucceedAttributesWithASuccessor",
                format!(
                    "The Attribute you want to succeed has a successor (id: {by}). You cannot succeed Attributes with a successor. Instead, succeed the successor."
                ),
            ));
        }
        if predecessor.content == content {
            return Err(rule(
                "error.consumption.attributes.successionMustChangeContent",
                "The content of the successor matches that of the predecessor. An Attribute succession must change the Attribute's content.",
            ));
        }
        if content["owner"] != predecessor.content["owner"] {
            return Err(rule(
                "error.consumption.attributes.successionMustNotChangeOwner",
                "The successor Attribute's owner does not match that of the predecessor. An Attribute succession must not change the Attribute's owner.",
            ));
        }
        if content["@type"] != predecessor.content["@type"] {
            return Err(rule(
                "error.consumption.attributes.successionMustNotChangeContentType",
                "The successor Attribute's content type does not match that of the predecessor. An Attribute succession must not change the Attribute's content type, i.e. an IdentityAttribute must not be succeeded by a RelationshipAttribute and v.v.",
            ));
        }
        if content.pointer("/value/@type") != predecessor.content.pointer("/value/@type") {
            return Err(rule(
                "error.consumption.attributes.successionMustNotChangeValueType",
                "The successor Attribute's value type does not match that of the predecessor. An Attribute succession must not change the Attribute's value type.",
            ));
        }
        if content.get("key") != predecessor.content.get("key") {
            return Err(rule(
                "error.consumption.attributes.successionMustNotChangeKey",
                "The predecessor RelationshipAttribute's key does not match that of the successor. The succession of a RelationshipAttribute must not change the key.",
            ));
        }
        if predecessor.deletion_info.as_ref().is_some_and(|i| {
            i.deletion_status == "DeletedByEmitter" || i.deletion_status == "DeletedByRecipient"
        }) {
            return Err(rule(
                "error.consumption.attributes.cannotSucceedAttributesWithDeletionInfo",
                "You cannot succeed Attributes with a deletionInfo, since the peer may have already deleted it or marked it for deletion.",
            ));
        }
        if self.find_attribute(&successor_id).await?.is_some() {
            return Err(rule(
                "error.consumption.attributes.successorMustNotYetExist",
                "The predecessor Attribute's successor must not exist. It will be created by the succession handlers and must not be created manually.",
            ));
        }
        let mut successor = LocalAttribute {
            kind: kind(predecessor.kind),
            id: successor_id.clone(),
            content,
            created_at: now(),
            succeeds: Some(predecessor.id.clone()),
            succeeded_by: None,
            was_viewed_at: None,
            is_default: predecessor.is_default,
            peer: predecessor.peer.clone(),
            source_reference: None,
            initial_attribute_peer: predecessor.initial_attribute_peer.clone(),
            deletion_info: None,
        };
        if successor.kind != AttributeKind::OwnIdentityAttribute {
            successor.source_reference = predecessor.source_reference.clone();
        }
        if let Some(reference) = source_reference {
            successor.source_reference = Some(reference.to_owned());
        }
        let linked = documents::update::<LocalAttribute>(self.store(), &predecessor.id, |p| {
            if p.succeeded_by.is_some() {
                return Err(rule(
                    "error.consumption.attributes.cannotSucceedAttributesWithASuccessor",
                    "The Attribute you want to succeed has a successor. Instead, succeed the successor.",
                ));
            }
            p.succeeded_by = Some(successor_id.clone());
            p.is_default = None;
            Ok(())
        })
        .await?
        .record;
        let successor = documents::insert(self.store(), &successor).await?.record;
        self.publish(
            crate::events::ATTRIBUTE_SUCCEEDED,
            json!({"predecessor": linked.to_dto(), "successor": successor.to_dto()}),
        )
        .await;
        Ok((linked, successor))
    }

    /// Every predecessor of `attribute`, nearest first.
    pub async fn predecessors(&self, attribute: &LocalAttribute) -> Result<Vec<LocalAttribute>> {
        let mut out = Vec::new();
        let mut next = attribute.succeeds.clone();
        while let Some(id) = next {
            let Some(found) = self.find_attribute(&id).await? else {
                break;
            };
            next = found.succeeds.clone();
            out.push(found);
            if out.len() > 10_000 {
                break;
            }
        }
        Ok(out)
    }

    /// Every successor of `attribute`, nearest first.
    pub async fn successors(&self, attribute: &LocalAttribute) -> Result<Vec<LocalAttribute>> {
        let mut out = Vec::new();
        let mut next = attribute.succeeded_by.clone();
        while let Some(id) = next {
            let Some(found) = self.find_attribute(&id).await? else {
                break;
            };
            next = found.succeeded_by.clone();
            out.push(found);
            if out.len() > 10_000 {
                break;
            }
        }
        Ok(out)
    }

    /// `GET /Attributes/{id}/Versions`: newest first (successors, self, predecessors).
    pub async fn versions(&self, id: &str) -> Result<Vec<LocalAttribute>> {
        let attribute = self.attribute(id).await?;
        let mut successors = self.successors(&attribute).await?;
        successors.reverse();
        let predecessors = self.predecessors(&attribute).await?;
        Ok(successors
            .into_iter()
            .chain(std::iter::once(attribute))
            .chain(predecessors)
            .collect())
    }

    /// The forwardings of one attribute version matching `filter`.
    pub async fn forwarding_details(
        &self,
        attribute_id: &str,
        filter: Filter,
    ) -> Result<Vec<ForwardingDetails>> {
        let filter = Filter::And(vec![eq("attributeId", attribute_id)?, filter]);
        let mut found = documents::find_records::<ForwardingDetails>(self.store(), &filter).await?;
        found.sort_by(|a, b| a.shared_at.cmp(&b.shared_at));
        Ok(found)
    }

    /// The live forwarding of `attribute_id` to `peer`, if any.
    pub async fn forwarding_to(
        &self,
        attribute_id: &str,
        peer: &str,
    ) -> Result<Option<ForwardingDetails>> {
        Ok(self
            .forwarding_details(attribute_id, eq("peer", peer)?)
            .await?
            .into_iter()
            .find(ForwardingDetails::is_live))
    }

    /// Records that `attribute_id` was shared with `peer` (by a request or notification); an
    /// existing forwarding not deleted by the recipient gets its deletion info cleared instead.
    /// After a `DeletedByRecipient` one a new record is written, as the runtime does, so that
    /// record stays and `numberOfForwards` counts both.
    pub(crate) async fn add_forwarding(
        &self,
        attribute_id: &str,
        peer: &str,
        source_reference: &str,
    ) -> Result<ForwardingDetails> {
        let existing = self
            .forwarding_details(attribute_id, eq("peer", peer)?)
            .await?;
        if let Some(found) = existing.into_iter().find(ForwardingDetails::is_live) {
            let stored = documents::update::<ForwardingDetails>(self.store(), &found.id, |f| {
                f.deletion_info = None;
                Ok(())
            })
            .await?;
            return Ok(stored.record);
        }
        let details = ForwardingDetails {
            kind: "AttributeForwardingDetails".into(),
            id: new_id("ATTFD"),
            attribute_id: attribute_id.to_owned(),
            peer: peer.to_owned(),
            source_reference: source_reference.to_owned(),
            shared_at: now(),
            deletion_info: None,
        };
        let stored = documents::insert(self.store(), &details).await?.record;
        // The runtime's event carries the forwarded attribute (a LocalAttributeDTO).
        if let Some(attribute) =
            documents::get::<LocalAttribute>(self.store(), attribute_id).await?
        {
            self.publish(
                crate::events::ATTRIBUTE_FORWARDING_DETAILS_CHANGED,
                attribute.record.to_dto(),
            )
            .await;
        }
        Ok(stored)
    }

    /// The newest version of `attribute`'s chain that is forwarded to (or owned in the
    /// relationship with) `peer`.
    pub async fn latest_version_shared_with(
        &self,
        attribute: &LocalAttribute,
        peer: &str,
    ) -> Result<Option<LocalAttribute>> {
        for version in self.versions(&attribute.id).await? {
            if version.peer.as_deref() == Some(peer)
                || self.forwarding_to(&version.id, peer).await?.is_some()
            {
                return Ok(Some(version));
            }
        }
        Ok(None)
    }

    /// `GET /Attributes/Own/Shared/{peer}`.
    pub async fn own_attributes_shared_with(
        &self,
        peer: &str,
        filter: Filter,
        only_latest: bool,
        hide_technical: bool,
    ) -> Result<Vec<LocalAttribute>> {
        let forwarded: Vec<Value> =
            documents::find_records::<ForwardingDetails>(self.store(), &eq("peer", peer)?)
                .await?
                .into_iter()
                .filter(ForwardingDetails::is_live)
                .map(|f| Value::String(f.attribute_id))
                .collect();
        let shared = Filter::Or(vec![
            eq("peer", peer)?,
            field("id", Condition::In(forwarded))?,
        ]);
        let mut parts = vec![shared, filter];
        latest_and_technical(&mut parts, only_latest, hide_technical)?;
        self.attributes(&Filter::And(parts)).await
    }

    /// `GET /Attributes/Peer/{peer}`.
    pub async fn peer_attributes(
        &self,
        peer: &str,
        filter: Filter,
        only_latest: bool,
        hide_technical: bool,
    ) -> Result<Vec<LocalAttribute>> {
        let kinds = [
            AttributeKind::PeerIdentityAttribute,
            AttributeKind::PeerRelationshipAttribute,
            AttributeKind::ThirdPartyRelationshipAttribute,
        ]
        .map(|k| Value::from(k.as_str()));
        let mut parts = vec![
            filter,
            field("@type", Condition::In(kinds.to_vec()))?,
            eq("peer", peer)?,
        ];
        latest_and_technical(&mut parts, only_latest, hide_technical)?;
        self.attributes(&Filter::And(parts)).await
    }

    /// `GET /Attributes/{id}/Versions/Shared`.
    pub async fn versions_shared_with(
        &self,
        id: &str,
        peer: &str,
        only_latest: bool,
    ) -> Result<Vec<LocalAttribute>> {
        let attribute = self.attribute(id).await?;
        if !attribute.kind.is_forwardable() {
            return Err(rule(
                "error.runtime.attributes.isNotOwnIdentityAttributeOrRelationshipAttribute",
                format!(
                    "Attribute '{id}' is not an OwnIdentityAttribute, OwnRelationshipAttribute or PeerRelationshipAttribute."
                ),
            ));
        }
        let mut out = Vec::new();
        for version in self.versions(id).await? {
            if self.forwarding_to(&version.id, peer).await?.is_some() {
                out.push(version);
                if only_latest {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// `POST /Attributes/ExecuteIdentityAttributeQuery`.
    pub async fn execute_identity_attribute_query(
        &self,
        query: &Value,
    ) -> Result<Vec<LocalAttribute>> {
        let value_type = query
            .get("valueType")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("IdentityAttributeQuery.valueType :: Value is not defined"))?;
        let filter = Filter::And(vec![
            eq("@type", AttributeKind::OwnIdentityAttribute.as_str())?,
            eq("content.@type", "IdentityAttribute")?,
            eq("content.owner", self.address())?,
            eq("content.value.@type", value_type)?,
            field("succeededBy", Condition::Exists(false))?,
        ]);
        let tags: Vec<&str> = query
            .get("tags")
            .and_then(Value::as_array)
            .map(|t| t.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        Ok(self
            .attributes(&filter)
            .await?
            .into_iter()
            .filter(|a| tags.is_empty() || has_any_tag(&a.content, &tags))
            .collect())
    }

    /// `POST /Attributes/ExecuteRelationshipAttributeQuery`: the first match.
    pub async fn execute_relationship_attribute_query(
        &self,
        query: &Value,
    ) -> Result<LocalAttribute> {
        let key = query.get("key").and_then(Value::as_str).unwrap_or_default();
        let owner = match query.get("owner").and_then(Value::as_str) {
            None | Some("") => self.address().to_owned(),
            Some(owner) => owner.to_owned(),
        };
        let filter = Filter::And(vec![
            eq("content.@type", "RelationshipAttribute")?,
            eq("content.key", key)?,
            eq("content.owner", owner)?,
            field("content.confidentiality", Condition::Ne("private".into()))?,
            field("succeededBy", Condition::Exists(false))?,
        ]);
        let value_type = query.pointer("/attributeCreationHints/valueType");
        self.attributes(&filter)
            .await?
            .into_iter()
            .find(|a| value_type.is_none_or(|t| a.content.pointer("/value/@type") == Some(t)))
            .ok_or_else(|| TransportError::not_found(ENTITY, key))
    }

    /// `POST /Attributes/ExecuteThirdPartyRelationshipAttributeQuery`.
    pub async fn execute_third_party_relationship_attribute_query(
        &self,
        query: &Value,
    ) -> Result<Vec<LocalAttribute>> {
        let key = query.get("key").and_then(Value::as_str).unwrap_or_default();
        let mode = query
            .get("owner")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let third_party: Vec<String> = match query.get("thirdParty") {
            Some(Value::String(one)) => vec![one.clone()],
            Some(Value::Array(all)) => all
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        };
        let filter = Filter::And(vec![
            eq("content.@type", "RelationshipAttribute")?,
            eq("content.key", key)?,
            field("content.confidentiality", Condition::Ne("private".into()))?,
            field("succeededBy", Condition::Exists(false))?,
            field(
                "@type",
                Condition::In(vec![
                    AttributeKind::OwnRelationshipAttribute.as_str().into(),
                    AttributeKind::PeerRelationshipAttribute.as_str().into(),
                ]),
            )?,
        ]);
        let me = self.address();
        let any_third = third_party.iter().any(String::is_empty);
        Ok(self
            .attributes(&filter)
            .await?
            .into_iter()
            .filter(|a| {
                let owner = a.owner();
                let in_third = any_third || third_party.iter().any(|t| t == owner);
                let peer_listed = any_third
                    || a.peer
                        .as_deref()
                        .is_some_and(|p| third_party.iter().any(|t| t == p));
                peer_listed
                    && match mode {
                        "recipient" => owner == me,
                        "thirdParty" => owner != me && in_third,
                        _ => owner == me || in_third,
                    }
            })
            .collect())
    }

    /// `DELETE /Attributes/{id}`: deletes the attribute, its predecessors and their forwardings
    /// and detaches a successor. Returns the notifications to send: `(peer, Notification JSON)`,
    /// one per affected peer with an Active or Terminated relationship.
    pub async fn delete_attribute(&self, id: &str) -> Result<Vec<(String, Value)>> {
        use backbone_status::*;
        let attribute = self.attribute(id).await?;
        let mut versions = vec![attribute.clone()];
        versions.extend(self.predecessors(&attribute).await?);
        // Which id each affected peer knows (the newest version it holds).
        let mut peers: Vec<(String, String)> = Vec::new();
        let mut note = |peer: &str, id: &str| {
            if !peers.iter().any(|(p, _)| p == peer) {
                peers.push((peer.to_owned(), id.to_owned()));
            }
        };
        let mut forwardings = Vec::new();
        for version in &versions {
            if let Some(peer) = &version.peer {
                note(peer, &version.id);
            }
            for f in self.forwarding_details(&version.id, Filter::All).await? {
                if f.is_live() {
                    note(&f.peer, &version.id);
                }
                forwardings.push(f);
            }
        }
        let mut notify = Vec::new();
        for (peer, known_id) in &peers {
            let status = self
                .transport()
                .relationship_to(peer)
                .await?
                .map(|r| r.record.status.as_str().to_owned());
            match status.as_deref() {
                Some(PENDING) => {
                    return Err(rule(
                        "error.runtime.attributes.cannotDeleteSharedAttributeWhileRelationshipIsPending",
                        "The shared Attribute cannot be deleted while the Relationship to the peer is pending.",
                    ));
                }
                Some(ACTIVE | TERMINATED) => notify.push((peer.clone(), known_id.clone())),
                _ => {}
            }
        }
        let item_type = match attribute.kind {
            AttributeKind::OwnIdentityAttribute | AttributeKind::OwnRelationshipAttribute => {
                "OwnAttributeDeletedByOwnerNotificationItem"
            }
            AttributeKind::PeerRelationshipAttribute => {
                "PeerRelationshipAttributeDeletedByPeerNotificationItem"
            }
            _ => "ForwardedAttributeDeletedByPeerNotificationItem",
        };
        for f in forwardings {
            self.store()
                .delete(<ForwardingDetails as Record>::COLLECTION, &f.id, None)
                .await?;
        }
        for version in &versions {
            self.store()
                .delete(<LocalAttribute as Record>::COLLECTION, &version.id, None)
                .await?;
            self.publish(crate::events::ATTRIBUTE_DELETED, version.to_dto())
                .await;
        }
        if let Some(successor) = &attribute.succeeded_by {
            let _ = documents::update::<LocalAttribute>(self.store(), successor, |s| {
                s.succeeds = None;
                Ok(())
            })
            .await;
        }
        Ok(notify
            .into_iter()
            .map(|(peer, known_id)| {
                let notification = json!({
                    "@type": "Notification",
                    "id": new_id("NOT"),
                    "items": [{"@type": item_type, "attributeId": known_id}],
                });
                (peer, notification)
            })
            .collect())
    }
}

/// Relationship status names (the transport's enum as text).
mod backbone_status {
    pub const PENDING: &str = "Pending";
    pub const ACTIVE: &str = "Active";
    pub const TERMINATED: &str = "Terminated";
}

fn latest_and_technical(
    parts: &mut Vec<Filter>,
    only_latest: bool,
    hide_technical: bool,
) -> Result<()> {
    if only_latest {
        parts.push(field("succeededBy", Condition::Exists(false))?);
    }
    if hide_technical {
        parts.push(field("content.isTechnical", Condition::Ne(true.into()))?);
    }
    Ok(())
}

/// Whether the attribute's tags contain any of `tags`.
pub(crate) fn has_any_tag(content: &Value, tags: &[&str]) -> bool {
    content
        .get("tags")
        .and_then(Value::as_array)
        .is_some_and(|have| {
            have.iter()
                .any(|t| t.as_str().is_some_and(|t| tags.contains(&t)))
        })
}

/// Merges `extra` tags into the attribute content's tags (keeping order, no duplicates).
pub(crate) fn merged_tags(content: &Value, extra: &[String]) -> Option<Value> {
    let mut tags: Vec<String> = content
        .get("tags")
        .and_then(Value::as_array)
        .map(|t| {
            t.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let before = tags.len();
    for tag in extra {
        if !tags.contains(tag) {
            tags.push(tag.clone());
        }
    }
    if tags.len() == before {
        return None;
    }
    let mut merged = content.clone();
    if let Some(map) = merged.as_object_mut() {
        map.insert("tags".into(), json!(tags));
    }
    Some(merged)
}
