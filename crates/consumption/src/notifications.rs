//! Notifications (content-model §6): a received `Notification` message becomes a
//! `LocalNotification` whose items are processed once; the sending side of attribute
//! successions (`NotifyPeer`) and of deletions records its own notifications.
//!
//! Idempotent across replicas and redeliveries: the `LocalNotification` is stored under the
//! notification's id (a second insert conflicts), its items only change what is not changed yet,
//! and `Open` → `Completed`/`Error` is a compare-and-set, so the status moves once. A
//! notification left `Open` (crash mid-way) is processed again by the catch-up.

use connector_transport::documents;
use connector_transport::{Result, TransportError};
use serde_json::{Value, json};

use crate::records::{
    AttributeKind, DeletionInfo, ForwardingDetails, LocalAttribute, LocalNotification, Source,
};
use crate::{Consumption, new_id, now, rule};

/// Events of the deletion notifications (payload: the changed `LocalAttributeDTO`).
pub const OWN_ATTRIBUTE_DELETED_BY_OWNER: &str = "consumption.ownAttributeDeletedByOwner";
pub const PEER_RELATIONSHIP_ATTRIBUTE_DELETED_BY_PEER: &str =
    "consumption.peerRelationshipAttributeDeletedByPeer";
pub const FORWARDED_ATTRIBUTE_DELETED_BY_PEER: &str = "consumption.forwardedAttributeDeletedByPeer";

const OPEN: &str = "Open";
const SENT: &str = "Sent";
const COMPLETED: &str = "Completed";
const ERROR: &str = "Error";
const PREREQUISITES: &str = "error.consumption.notifications.prerequisitesNotMet";

fn text<'a>(value: &'a Value, name: &str) -> &'a str {
    value.get(name).and_then(Value::as_str).unwrap_or_default()
}

fn deletion(status: &str) -> DeletionInfo {
    DeletionInfo {
        deletion_status: status.to_owned(),
        deletion_date: now(),
    }
}

fn refused<T>(message: impl Into<String>) -> Result<T> {
    Err(rule(PREREQUISITES, message))
}

fn message_source(message_id: &str) -> Option<Source> {
    Some(Source {
        kind: "Message".into(),
        reference: message_id.to_owned(),
    })
}

impl Consumption {
    /// A received `Notification` (the message's content) from `sender` in message `message_id`.
    /// Returns the stored `LocalNotification` (`None` for one without an id).
    pub async fn notification_received(
        &self,
        content: &Value,
        sender: &str,
        message_id: &str,
    ) -> Result<Option<LocalNotification>> {
        let id = text(content, "id");
        if id.is_empty() {
            tracing::warn!(
                message = message_id,
                "a received Notification without an id is ignored"
            );
            return Ok(None);
        }
        let local = LocalNotification {
            id: id.to_owned(),
            is_own: false,
            peer: sender.to_owned(),
            created_at: now(),
            content: content.clone(),
            status: OPEN.into(),
            received_by_device: None,
            source: message_source(message_id),
        };
        let stored = match documents::insert(self.store(), &local).await {
            Ok(stored) => stored.record,
            Err(TransportError::Store(e)) if e.is_conflict() => self.notification(id).await?,
            Err(e) => return Err(e),
        };
        if stored.status != OPEN || stored.peer != sender || stored.is_own {
            return Ok(Some(stored));
        }
        let status = match self.process_notification_items(&stored).await {
            Ok(()) => COMPLETED,
            Err(TransportError::Rule { code, message }) => {
                tracing::info!(
                    notification = id,
                    code,
                    message,
                    "a notification was refused"
                );
                ERROR
            }
            // Store or Backbone trouble: it stays Open and the catch-up tries again.
            Err(e) => return Err(e),
        };
        let done = documents::update::<LocalNotification>(self.store(), id, |n| {
            if n.status == OPEN {
                n.status = status.into();
            }
            Ok(())
        })
        .await?
        .record;
        Ok(Some(done))
    }

    /// Checks every item's prerequisites first (one failing ⇒ nothing is processed), then
    /// processes them in order.
    async fn process_notification_items(&self, notification: &LocalNotification) -> Result<()> {
        let items = notification.content["items"]
            .as_array()
            .map_or(&[][..], Vec::as_slice);
        let sender = notification.peer.as_str();
        for item in items {
            self.check_notification_item(item, sender).await?;
        }
        for item in items {
            self.process_notification_item(item, sender, &notification.id)
                .await?;
        }
        Ok(())
    }

    async fn check_notification_item(&self, item: &Value, sender: &str) -> Result<()> {
        let attribute_id = text(item, "attributeId");
        match text(item, "@type") {
            "PeerAttributeSucceededNotificationItem" => {
                let content = &item["successorContent"];
                if text(content, "owner") != sender {
                    return refused(
                        "The sender of the Notification is not the owner of the successor.",
                    );
                }
                let successor_id = text(item, "successorId");
                if let Some(existing) = self.find_attribute(successor_id).await? {
                    // Processed before (a redelivery or another replica).
                    if existing.succeeds.as_deref() == Some(text(item, "predecessorId")) {
                        return Ok(());
                    }
                    return refused(format!("The successor '{successor_id}' exists already."));
                }
                let predecessor_id = text(item, "predecessorId");
                let Some(predecessor) = self.find_attribute(predecessor_id).await? else {
                    return refused(format!(
                        "The predecessor '{predecessor_id}' does not exist."
                    ));
                };
                let fits = match predecessor.kind {
                    AttributeKind::PeerIdentityAttribute => {
                        text(content, "@type") == "IdentityAttribute"
                    }
                    AttributeKind::PeerRelationshipAttribute => {
                        text(content, "@type") == "RelationshipAttribute"
                    }
                    _ => false,
                };
                if !fits || predecessor.peer.as_deref() != Some(sender) {
                    return refused(format!(
                        "The predecessor '{predecessor_id}' is not an attribute of the sender with a matching content type."
                    ));
                }
                Ok(())
            }
            "OwnAttributeDeletedByOwnerNotificationItem" => {
                self.check_held_from(
                    attribute_id,
                    sender,
                    &[
                        AttributeKind::PeerIdentityAttribute,
                        AttributeKind::PeerRelationshipAttribute,
                        AttributeKind::ThirdPartyRelationshipAttribute,
                    ],
                )
                .await
            }
            "PeerRelationshipAttributeDeletedByPeerNotificationItem" => {
                self.check_held_from(
                    attribute_id,
                    sender,
                    &[
                        AttributeKind::OwnRelationshipAttribute,
                        AttributeKind::ThirdPartyRelationshipAttribute,
                    ],
                )
                .await
            }
            "ForwardedAttributeDeletedByPeerNotificationItem" => {
                match self.find_attribute(attribute_id).await? {
                    Some(a) if !a.kind.is_forwardable() => refused(format!(
                        "The Attribute '{attribute_id}' is not an attribute that can be forwarded."
                    )),
                    _ => Ok(()),
                }
            }
            other => refused(format!("The notification item '{other}' is not supported.")),
        }
    }

    /// Missing is fine; otherwise it must be of one of `kinds` and held with `sender`.
    async fn check_held_from(&self, id: &str, sender: &str, kinds: &[AttributeKind]) -> Result<()> {
        let Some(attribute) = self.find_attribute(id).await? else {
            return Ok(());
        };
        if !kinds.contains(&attribute.kind) || attribute.peer.as_deref() != Some(sender) {
            return refused(format!(
                "The Attribute '{id}' is not one held in the Relationship with the sender."
            ));
        }
        Ok(())
    }

    async fn process_notification_item(
        &self,
        item: &Value,
        sender: &str,
        notification_id: &str,
    ) -> Result<()> {
        let attribute_id = text(item, "attributeId");
        match text(item, "@type") {
            "PeerAttributeSucceededNotificationItem" => {
                let successor_id = text(item, "successorId");
                if self.find_attribute(successor_id).await?.is_some() {
                    return Ok(());
                }
                let predecessor = self.attribute(text(item, "predecessorId")).await?;
                let content = crate::items::content::attribute(&item["successorContent"])?;
                self.succeed_from(
                    predecessor,
                    content,
                    successor_id.to_owned(),
                    |k| k,
                    Some(notification_id),
                )
                .await?;
                Ok(())
            }
            "OwnAttributeDeletedByOwnerNotificationItem" => {
                self.mark_chain(
                    attribute_id,
                    OWN_ATTRIBUTE_DELETED_BY_OWNER,
                    |_| "DeletedByEmitter",
                )
                .await
            }
            "PeerRelationshipAttributeDeletedByPeerNotificationItem" => {
                self.mark_chain(
                    attribute_id,
                    PEER_RELATIONSHIP_ATTRIBUTE_DELETED_BY_PEER,
                    |a| {
                        if a.kind == AttributeKind::OwnRelationshipAttribute {
                            "DeletedByRecipient"
                        } else {
                            "DeletedByEmitter"
                        }
                    },
                )
                .await
            }
            "ForwardedAttributeDeletedByPeerNotificationItem" => {
                self.forwarding_deleted_by(attribute_id, sender).await
            }
            _ => Ok(()),
        }
    }

    /// Sets the deletion info `status_of(attribute)` on the attribute and its predecessors
    /// (never over `ToBeDeleted` or the same status), announcing each change.
    async fn mark_chain(
        &self,
        id: &str,
        event: &'static str,
        status_of: impl Fn(&LocalAttribute) -> &'static str,
    ) -> Result<()> {
        let Some(attribute) = self.find_attribute(id).await? else {
            return Ok(());
        };
        let mut chain = vec![attribute.clone()];
        chain.extend(self.predecessors(&attribute).await?);
        for version in chain {
            let status = status_of(&version);
            let mut changed = false;
            let stored = documents::update::<LocalAttribute>(self.store(), &version.id, |a| {
                changed = a.deletion_info.as_ref().is_none_or(|i| {
                    i.deletion_status != status && i.deletion_status != "ToBeDeleted"
                });
                if changed {
                    a.deletion_info = Some(deletion(status));
                }
                Ok(())
            })
            .await?
            .record;
            if changed {
                self.publish(event, stored.to_dto()).await;
            }
        }
        Ok(())
    }

    /// The forwardings of the attribute (and its predecessors) to `peer` ⇒ `DeletedByRecipient`.
    async fn forwarding_deleted_by(&self, id: &str, peer: &str) -> Result<()> {
        let Some(attribute) = self.find_attribute(id).await? else {
            return Ok(());
        };
        let mut chain = vec![attribute.clone()];
        chain.extend(self.predecessors(&attribute).await?);
        let mut changed = false;
        for version in &chain {
            let to_peer = crate::attributes::eq("peer", peer)?;
            for f in self.forwarding_details(&version.id, to_peer).await? {
                if !f.is_live() {
                    continue;
                }
                documents::update::<ForwardingDetails>(self.store(), &f.id, |f| {
                    f.deletion_info = Some(deletion("DeletedByRecipient"));
                    Ok(())
                })
                .await?;
                changed = true;
            }
        }
        if changed {
            self.publish(FORWARDED_ATTRIBUTE_DELETED_BY_PEER, attribute.to_dto())
                .await;
        }
        Ok(())
    }

    /// `POST /Attributes/{id}/NotifyPeer`: tells `peer`, which holds an earlier version of this
    /// OwnIdentityAttribute, about the succession and records the forwarding. Returns
    /// `(predecessor the peer holds, successor, Notification JSON)`; the caller sends it and
    /// then calls [`Consumption::notification_sent`].
    pub async fn notify_peer_about_own_identity_attribute_succession(
        &self,
        id: &str,
        peer: &str,
    ) -> Result<(LocalAttribute, LocalAttribute, Value)> {
        let successor = self.attribute(id).await?;
        if successor.kind != AttributeKind::OwnIdentityAttribute {
            return Err(rule(
                "error.runtime.attributes.isNotOwnIdentityAttribute",
                format!("Attribute '{id}' is not an OwnIdentityAttribute."),
            ));
        }
        if self.forwarding_to(&successor.id, peer).await?.is_some() {
            return Err(rule(
                "error.runtime.attributes.ownIdentityAttributeHasAlreadyBeenSharedWithPeer",
                format!("The OwnIdentityAttribute '{id}' has already been shared with the peer."),
            ));
        }
        for later in self.successors(&successor).await? {
            if self.forwarding_to(&later.id, peer).await?.is_some() {
                return Err(rule(
                    "error.runtime.attributes.successorOfOwnIdentityAttributeHasAlreadyBeenSharedWithPeer",
                    format!(
                        "The successor '{}' of the OwnIdentityAttribute has already been shared with the peer.",
                        later.id
                    ),
                ));
            }
        }
        let mut predecessor = None;
        for earlier in self.predecessors(&successor).await? {
            if self.forwarding_to(&earlier.id, peer).await?.is_some() {
                predecessor = Some(earlier);
                break;
            }
        }
        let Some(predecessor) = predecessor else {
            return Err(rule(
                "error.runtime.attributes.peerHasNoPreviousVersionOfAttribute",
                format!("The peer does not have any previous version of the Attribute '{id}'."),
            ));
        };
        let notification_id = new_id("NOT");
        let notification = json!({
            "@type": "Notification",
            "id": notification_id,
            "items": [{
                "@type": "PeerAttributeSucceededNotificationItem",
                "predecessorId": predecessor.id,
                "successorId": successor.id,
                "successorContent": successor.content,
            }],
        });
        self.add_forwarding(&successor.id, peer, &notification_id)
            .await?;
        Ok((predecessor, successor, notification))
    }

    /// `POST /Attributes/{id}/Succeed` for an OwnRelationshipAttribute: the successor keeps the
    /// predecessor's key, owner, confidentiality and isTechnical and takes `value` (and the
    /// optional validity); returns `(predecessor, successor, Notification JSON)` for the
    /// relationship's peer, whose id is the successor's `sourceReference`.
    pub async fn succeed_relationship_attribute(
        &self,
        predecessor_id: &str,
        successor_content: &Value,
    ) -> Result<(LocalAttribute, LocalAttribute, Value)> {
        let predecessor = self.attribute(predecessor_id).await?;
        if predecessor.kind != AttributeKind::OwnRelationshipAttribute {
            return Err(rule(
                "error.runtime.attributes.isNotOwnRelationshipAttribute",
                format!("Attribute '{predecessor_id}' is not an OwnRelationshipAttribute."),
            ));
        }
        let mut content = json!({"@type": "RelationshipAttribute"});
        for name in ["owner", "key", "confidentiality", "isTechnical"] {
            if let Some(v) = predecessor.content.get(name) {
                content[name] = v.clone();
            }
        }
        for name in ["value", "validFrom", "validTo"] {
            if let Some(v) = successor_content.get(name).filter(|v| !v.is_null()) {
                content[name] = v.clone();
            }
        }
        let content = crate::items::content::attribute(&content)?;
        crate::items::content::check_whitelist(&content).map_err(|message| {
            rule(
                "error.consumption.attributes.forbiddenCharactersInAttribute",
                message,
            )
        })?;
        let notification_id = new_id("NOT");
        let (predecessor, successor) = self
            .succeed_from(
                predecessor,
                content,
                new_id("ATT"),
                |k| k,
                Some(&notification_id),
            )
            .await?;
        let notification = json!({
            "@type": "Notification",
            "id": notification_id,
            "items": [{
                "@type": "PeerAttributeSucceededNotificationItem",
                "predecessorId": predecessor.id,
                "successorId": successor.id,
                "successorContent": successor.content,
            }],
        });
        Ok((predecessor, successor, notification))
    }

    /// Records an own notification sent to `peer` in message `message_id` (status `Sent`).
    pub async fn notification_sent(
        &self,
        notification: &Value,
        peer: &str,
        message_id: &str,
    ) -> Result<LocalNotification> {
        let local = LocalNotification {
            id: text(notification, "id").to_owned(),
            is_own: true,
            peer: peer.to_owned(),
            created_at: now(),
            content: notification.clone(),
            status: SENT.into(),
            received_by_device: None,
            source: message_source(message_id),
        };
        Ok(documents::insert(self.store(), &local).await?.record)
    }

    /// One stored notification.
    pub async fn notification(&self, id: &str) -> Result<LocalNotification> {
        documents::require::<LocalNotification>(self.store(), id, "LocalNotification").await
    }
}
