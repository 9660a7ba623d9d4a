//! Relationship lifecycle hooks (content-model §7.3), as the runtime's RequestModule and
//! DecomposeRelationship use case apply them:
//!
//! * Rejected / Revoked: every attribute held with the peer is deleted (with its predecessors,
//!   each announced by `consumption.attributeDeleted`), and the forwardings of own attributes to
//!   the peer are removed (`consumption.attributeForwardingDetailsChanged`).
//! * DeletionProposed (the peer decomposed): deletion infos dated with the last audit-log entry —
//!   `DeletedByRecipient` on forwardings to the peer and on own relationship attributes with it,
//!   `DeletedByEmitter` on what was received from it. No events (the runtime publishes none).
//!   Reactivation cannot follow a decomposition, so nothing is ever cleared again.
//! * Decomposed by us: the peer's requests and attributes go, and the forwardings to it
//!   (`consumption.attributeForwardingDetailsChanged`); nothing else is announced.
//!
//! Several replicas may apply the same change: deletions publish only when this call removed
//! the document, and deletion infos are written with compare-and-set and only where still unset.

use backbone_client::dto::RelationshipStatus;
use connector_store::Filter;
use connector_transport::documents::{self, Record};
use connector_transport::relationships::RelationshipRecord;
use connector_transport::{Result, TransportError};
use serde_json::Value;

use crate::Consumption;
use crate::attributes::eq;
use crate::events;
use crate::records::{
    AttributeKind, DeletionInfo, ForwardingDetails, LocalAttribute, LocalRequest,
};

const DELETED_BY_RECIPIENT: &str = "DeletedByRecipient";
const TO_BE_DELETED_BY_RECIPIENT: &str = "ToBeDeletedByRecipient";
const DELETED_BY_EMITTER: &str = "DeletedByEmitter";
const TO_BE_DELETED: &str = "ToBeDeleted";

fn deletion_status(info: Option<&DeletionInfo>) -> Option<&str> {
    info.map(|i| i.deletion_status.as_str())
}

/// `Ok(None)` for a record deleted meanwhile (another replica, a decomposition).
fn gone_is_none<T>(result: Result<T>) -> Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(TransportError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

impl Consumption {
    /// `transport.relationshipChanged`: the hooks of the status the relationship (its
    /// `RelationshipDTO`) reached. The stored relationship decides, so a stale or repeated
    /// event does nothing.
    pub async fn apply_relationship_lifecycle(&self, relationship: &Value) -> Result<()> {
        let Some(id) = relationship.get("id").and_then(Value::as_str) else {
            return Ok(());
        };
        match relationship.get("status").and_then(Value::as_str) {
            Some("Rejected" | "Revoked") => {
                self.delete_shared_attributes_for_rejected_or_revoked_relationship(id)
                    .await
            }
            Some("DeletionProposed") => {
                self.set_attribute_deletion_info_of_deletion_proposed_relationship(id)
                    .await
            }
            _ => Ok(()),
        }
    }

    /// The newest relationship to its peer, if `id` is that one: a hook must not touch what a
    /// newer relationship to the same peer exchanged.
    async fn current_relationship(&self, id: &str) -> Result<Option<RelationshipRecord>> {
        let Some(stored) = gone_is_none(self.transport().relationship(id).await)? else {
            return Ok(None);
        };
        let newest = self
            .transport()
            .relationship_to(&stored.record.peer)
            .await?;
        Ok(newest.filter(|n| n.record.id == id).map(|_| stored.record))
    }

    /// Rejected or Revoked: deletes the attributes exchanged in the relationship.
    pub async fn delete_shared_attributes_for_rejected_or_revoked_relationship(
        &self,
        id: &str,
    ) -> Result<()> {
        let Some(relationship) = self.current_relationship(id).await? else {
            return Ok(());
        };
        if !matches!(
            relationship.status,
            RelationshipStatus::Rejected | RelationshipStatus::Revoked
        ) {
            return Ok(());
        }
        let peer = relationship.peer.as_str();
        for listed in self.attributes(&eq("peer", peer)?).await? {
            // An earlier round may have removed it as another one's predecessor.
            if let Some(attribute) = self.find_attribute(&listed.id).await? {
                self.delete_attribute_fully(&attribute).await?;
            }
        }
        self.delete_forwardings_to(peer).await
    }

    /// Deletes `attribute` and its predecessors (with all their forwardings), and detaches its
    /// successor.
    async fn delete_attribute_fully(&self, attribute: &LocalAttribute) -> Result<()> {
        if let Some(successor) = &attribute.succeeded_by {
            gone_is_none(
                documents::update::<LocalAttribute>(self.store(), successor, |s| {
                    s.succeeds = None;
                    Ok(())
                })
                .await,
            )?;
        }
        let mut versions = self.predecessors(attribute).await?;
        versions.push(attribute.clone());
        for version in versions {
            let removed = self
                .store()
                .delete(LocalAttribute::COLLECTION, &version.id, None)
                .await?;
            let filter = eq("attributeId", version.id.as_str())?;
            for forwarding in
                documents::find_records::<ForwardingDetails>(self.store(), &filter).await?
            {
                self.store()
                    .delete(ForwardingDetails::COLLECTION, &forwarding.id, None)
                    .await?;
            }
            if removed {
                self.publish(events::ATTRIBUTE_DELETED, version.to_dto())
                    .await;
            }
        }
        Ok(())
    }

    /// Removes every forwarding of an own identity, own relationship or peer relationship
    /// attribute to `peer`; each attribute that lost one is announced once.
    async fn delete_forwardings_to(&self, peer: &str) -> Result<()> {
        let forwardings =
            documents::find_records::<ForwardingDetails>(self.store(), &eq("peer", peer)?).await?;
        let mut announced: Vec<String> = Vec::new();
        for forwarding in forwardings {
            let attribute = self.find_attribute(&forwarding.attribute_id).await?;
            if attribute.as_ref().is_some_and(|a| !a.kind.is_forwardable()) {
                continue;
            }
            let removed = self
                .store()
                .delete(ForwardingDetails::COLLECTION, &forwarding.id, None)
                .await?;
            if let Some(attribute) = attribute.filter(|a| removed && !announced.contains(&a.id)) {
                announced.push(attribute.id.clone());
                self.publish(
                    events::ATTRIBUTE_FORWARDING_DETAILS_CHANGED,
                    attribute.to_dto(),
                )
                .await;
            }
        }
        Ok(())
    }

    /// DeletionProposed: the peer decomposed, so everything shared with it counts as deleted by
    /// it, dated with the relationship's last audit-log entry.
    pub async fn set_attribute_deletion_info_of_deletion_proposed_relationship(
        &self,
        id: &str,
    ) -> Result<()> {
        let Some(relationship) = self.current_relationship(id).await? else {
            return Ok(());
        };
        if relationship.status != RelationshipStatus::DeletionProposed {
            return Ok(());
        }
        let Some(date) = relationship.audit_log.last().map(|e| e.created_at.clone()) else {
            return Ok(());
        };
        let peer = relationship.peer.as_str();
        self.mark_forwardings_deleted_by(peer, &date).await?;
        self.mark_attributes_with_peer_deleted(peer, &date).await
    }

    /// `DeletedByRecipient` on one forwarding per forwarded attribute version, unless the peer
    /// already deleted it or agreed to delete it.
    async fn mark_forwardings_deleted_by(&self, peer: &str, date: &str) -> Result<()> {
        let mut forwardings =
            documents::find_records::<ForwardingDetails>(self.store(), &eq("peer", peer)?).await?;
        forwardings.sort_by(|a, b| a.shared_at.cmp(&b.shared_at));
        let mut attribute_ids: Vec<String> = Vec::new();
        for f in &forwardings {
            if f.is_live() && !attribute_ids.contains(&f.attribute_id) {
                attribute_ids.push(f.attribute_id.clone());
            }
        }
        for attribute_id in attribute_ids {
            let Some(attribute) = self.find_attribute(&attribute_id).await? else {
                continue;
            };
            if !attribute.kind.is_forwardable() {
                continue;
            }
            let of_attribute: Vec<&ForwardingDetails> = forwardings
                .iter()
                .filter(|f| f.attribute_id == attribute_id)
                .collect();
            // As the runtime: left alone when every forwarding to the peer is already deleted
            // or to be deleted by it.
            if of_attribute.iter().all(|f| !f.is_live_and_kept()) {
                continue;
            }
            let Some(target) = of_attribute.iter().find(|f| f.is_live()) else {
                continue;
            };
            gone_is_none(
                documents::update::<ForwardingDetails>(self.store(), &target.id, |f| {
                    if f.is_live() {
                        f.deletion_info = Some(DeletionInfo {
                            deletion_status: DELETED_BY_RECIPIENT.into(),
                            deletion_date: date.to_owned(),
                        });
                    }
                    Ok(())
                })
                .await,
            )?;
        }
        Ok(())
    }

    /// `DeletedByRecipient` on own relationship attributes with the peer, `DeletedByEmitter` on
    /// what was received from it; attributes already (to be) deleted keep their info.
    async fn mark_attributes_with_peer_deleted(&self, peer: &str, date: &str) -> Result<()> {
        for attribute in self.attributes(&eq("peer", peer)?).await? {
            let Some(status) = new_deletion_status(&attribute) else {
                continue;
            };
            gone_is_none(
                documents::update::<LocalAttribute>(self.store(), &attribute.id, |a| {
                    if new_deletion_status(a) == Some(status) {
                        a.deletion_info = Some(DeletionInfo {
                            deletion_status: status.into(),
                            deletion_date: date.to_owned(),
                        });
                    }
                    Ok(())
                })
                .await,
            )?;
        }
        Ok(())
    }

    /// `DELETE /Relationships/{id}`: decomposes the relationship on the Backbone, then removes
    /// the peer's requests and attributes and the forwardings to it, as the runtime's
    /// DecomposeRelationship use case does.
    pub async fn decompose_relationship(&self, id: &str) -> Result<()> {
        let peer = self.transport().relationship(id).await?.record.peer;
        self.transport().decompose_relationship(id).await?;
        self.cleanup_data_of_decomposed_relationship(&peer).await
    }

    /// Everything exchanged with `peer` goes. The runtime deletes the attributes and requests
    /// silently and announces each attribute whose forwarding to the peer went. (It only looks
    /// at the latest forwarded versions; all forwardings to the peer go here, since none can be
    /// used again.)
    pub async fn cleanup_data_of_decomposed_relationship(&self, peer: &str) -> Result<()> {
        let with_peer = eq("peer", peer)?;
        for attribute in documents::find_records::<LocalAttribute>(self.store(), &with_peer).await?
        {
            self.store()
                .delete(LocalAttribute::COLLECTION, &attribute.id, None)
                .await?;
            let filter = eq("attributeId", attribute.id.as_str())?;
            for forwarding in
                documents::find_records::<ForwardingDetails>(self.store(), &filter).await?
            {
                self.store()
                    .delete(ForwardingDetails::COLLECTION, &forwarding.id, None)
                    .await?;
            }
        }
        self.delete_forwardings_to(peer).await?;
        for request in documents::find_records::<LocalRequest>(self.store(), &with_peer).await? {
            self.store()
                .delete(LocalRequest::COLLECTION, &request.id, None)
                .await?;
        }
        Ok(())
    }

    /// Re-applies the DeletionProposed hook to every such relationship (idempotent), for the
    /// catch-up after missed events. Rejected/Revoked are left to the live event: a later
    /// relationship to the same peer may already be exchanging attributes.
    pub async fn catch_up_deletion_proposed(&self) -> Result<()> {
        let filter = Filter::eq("status", RelationshipStatus::DeletionProposed.as_str())
            .map_err(TransportError::Store)?;
        for relationship in self.transport().relationships(&filter).await? {
            if let Err(e) = self
                .set_attribute_deletion_info_of_deletion_proposed_relationship(&relationship.id)
                .await
            {
                tracing::warn!(error = %e, relationship = %relationship.id, "catch-up of a DeletionProposed relationship failed");
            }
        }
        Ok(())
    }
}

/// The deletion status a DeletionProposed relationship gives `attribute`, if it changes it.
fn new_deletion_status(attribute: &LocalAttribute) -> Option<&'static str> {
    let current = deletion_status(attribute.deletion_info.as_ref());
    match attribute.kind {
        AttributeKind::OwnRelationshipAttribute => (!matches!(
            current,
            Some(DELETED_BY_RECIPIENT | TO_BE_DELETED_BY_RECIPIENT)
        ))
        .then_some(DELETED_BY_RECIPIENT),
        AttributeKind::PeerIdentityAttribute
        | AttributeKind::PeerRelationshipAttribute
        | AttributeKind::ThirdPartyRelationshipAttribute => {
            (!matches!(current, Some(DELETED_BY_EMITTER | TO_BE_DELETED)))
                .then_some(DELETED_BY_EMITTER)
        }
        AttributeKind::OwnIdentityAttribute => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn attribute(kind: AttributeKind, status: Option<&str>) -> LocalAttribute {
        let mut a = LocalAttribute::new(
            kind,
            "ATTa".into(),
            json!({}),
            "2025-01-01T00:00:00.000Z".into(),
        );
        a.deletion_info = status.map(|s| DeletionInfo {
            deletion_status: s.into(),
            deletion_date: "2025-01-01T00:00:00.000Z".into(),
        });
        a
    }

    #[test]
    fn deletion_proposed_marks_what_is_not_already_being_deleted() {
        use AttributeKind::*;
        let cases = [
            (OwnRelationshipAttribute, None, Some(DELETED_BY_RECIPIENT)),
            (
                OwnRelationshipAttribute,
                Some("DeletionRequestSent"),
                Some(DELETED_BY_RECIPIENT),
            ),
            (
                OwnRelationshipAttribute,
                Some(TO_BE_DELETED_BY_RECIPIENT),
                None,
            ),
            (OwnRelationshipAttribute, Some(DELETED_BY_RECIPIENT), None),
            (PeerIdentityAttribute, None, Some(DELETED_BY_EMITTER)),
            (PeerRelationshipAttribute, Some(TO_BE_DELETED), None),
            (
                ThirdPartyRelationshipAttribute,
                Some(DELETED_BY_EMITTER),
                None,
            ),
            (OwnIdentityAttribute, None, None),
        ];
        for (kind, status, expected) in cases {
            assert_eq!(
                new_deletion_status(&attribute(kind, status)),
                expected,
                "{kind:?} {status:?}"
            );
        }
    }
}
