//! Relationships: the stored record, its secrets, and the accessors other areas build on.
//!
//! # Stable API for other areas (messages, files)
//!
//! * [`RelationshipRecord`]: one per Backbone relationship (`REL…` id), collection `Relationships`.
//!   `peer`, `status` and `templateId` are plain top-level fields (filterable).
//! * [`Transport::relationship`]: the record by id (`NotFound` otherwise).
//! * [`Transport::active_relationship_to`]: the `Active` relationship to a peer address, or a
//!   `Rule` error `error.transport.messages.missingOrInactiveRelationship`.
//! * [`Transport::relationship_to`]: the newest relationship to a peer in any status (`None` if there
//!   is none); for receiving, where a terminated relationship may still decrypt.
//! * [`Transport::with_secrets_mut`]: runs `f` on the stored [`RelationshipSecrets`] and writes them
//!   back with compare-and-set; on a lost race it re-reads and runs `f` again, so `f` must not have
//!   side effects outside the secrets and its result. Use it (or [`Transport::take_send_counter`],
//!   which reserves counters in blocks through it) for every encryption: the transmit counter
//!   advances inside and is persisted before the cipher leaves.
//! * [`Transport::with_secrets`]: read-only access for decryption and signature checks.
//!
//! The secrets themselves are never serialized anywhere else and never logged.

use backbone_client::dto::{RelationshipAuditLogEntry, RelationshipStatus};
use connector_store::Filter;
use nmshd_crypto::RelationshipSecrets;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Transport;
use crate::documents::{self, Record, Stored};
use crate::error::{Result, TransportError};

/// Which side of the relationship this identity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RelationshipRole {
    /// We created the relationship from a peer's template.
    Requestor,
    /// We own the template the peer answered.
    Templator,
}

/// The peer's identity as the relationship learned it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PeerIdentity {
    pub address: String,
    /// `CryptoSignaturePublicKey.toBase64(false)`.
    pub public_key: String,
}

/// One relationship. Secrets are private fields; read them through the accessors.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelationshipRecord {
    /// `REL…`.
    pub id: String,
    pub template_id: String,
    pub status: RelationshipStatus,
    /// The peer's address.
    pub peer: String,
    pub peer_identity: PeerIdentity,
    /// `{deletionStatus, deletionDate}` once the peer is being deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer_deletion_info: Option<Value>,
    /// The decrypted creation content (the inner content object).
    pub creation_content: Value,
    #[serde(default)]
    pub audit_log: Vec<RelationshipAuditLogEntry>,
    pub role: RelationshipRole,
    pub created_at: String,
    /// `CryptoRelationshipSecrets` JSON once established (templator: on receipt; requestor: on accept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    secrets: Option<String>,
    /// `CryptoRelationshipRequestSecrets` JSON while the requestor waits for the answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    request_secrets: Option<String>,
}

impl std::fmt::Debug for RelationshipRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelationshipRecord")
            .field("id", &self.id)
            .field("peer", &self.peer)
            .field("status", &self.status)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

impl Record for RelationshipRecord {
    const COLLECTION: &'static str = "Relationships";
}

impl RelationshipRecord {
    /// A new record; `secrets` or `request_secrets` per role.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        id: String,
        template_id: String,
        status: RelationshipStatus,
        peer_identity: PeerIdentity,
        creation_content: Value,
        audit_log: Vec<RelationshipAuditLogEntry>,
        role: RelationshipRole,
        created_at: String,
    ) -> Self {
        Self {
            id,
            template_id,
            status,
            peer: peer_identity.address.clone(),
            peer_identity,
            peer_deletion_info: None,
            creation_content,
            audit_log,
            role,
            created_at,
            secrets: None,
            request_secrets: None,
        }
    }

    /// `RelationshipDTO` (connector-api §10): no secrets, optional members omitted.
    pub fn to_dto(&self) -> Value {
        let audit_log: Vec<Value> = self
            .audit_log
            .iter()
            .map(|e| {
                let mut entry = serde_json::Map::new();
                entry.insert("createdAt".into(), e.created_at.clone().into());
                entry.insert("createdBy".into(), e.created_by.clone().into());
                if let Some(device) = &e.created_by_device {
                    entry.insert("createdByDevice".into(), device.clone().into());
                }
                entry.insert("reason".into(), e.reason.as_str().into());
                if let Some(old) = &e.old_status {
                    entry.insert("oldStatus".into(), old.as_str().into());
                }
                entry.insert("newStatus".into(), e.new_status.as_str().into());
                Value::Object(entry)
            })
            .collect();
        let mut dto = serde_json::Map::new();
        dto.insert("id".into(), self.id.clone().into());
        dto.insert("templateId".into(), self.template_id.clone().into());
        dto.insert("status".into(), self.status.as_str().into());
        dto.insert("peer".into(), self.peer.clone().into());
        dto.insert(
            "peerIdentity".into(),
            serde_json::json!({
                "address": self.peer_identity.address,
                "publicKey": self.peer_identity.public_key,
            }),
        );
        if let Some(info) = &self.peer_deletion_info {
            dto.insert("peerDeletionInfo".into(), info.clone());
        }
        dto.insert("creationContent".into(), self.creation_content.clone());
        dto.insert("auditLog".into(), Value::Array(audit_log));
        Value::Object(dto)
    }

    /// Whether the relationship secrets are established.
    pub fn has_secrets(&self) -> bool {
        self.secrets.is_some()
    }

    pub(crate) fn set_secrets(&mut self, secrets: &RelationshipSecrets) {
        self.secrets = Some(secrets.to_json(true));
        self.request_secrets = None;
    }

    pub(crate) fn set_request_secrets(
        &mut self,
        secrets: &nmshd_crypto::RelationshipRequestSecrets,
    ) {
        self.request_secrets = Some(secrets.to_json(true));
    }

    pub(crate) fn request_secrets(
        &self,
    ) -> Result<Option<nmshd_crypto::RelationshipRequestSecrets>> {
        self.request_secrets
            .as_deref()
            .map(nmshd_crypto::RelationshipRequestSecrets::from_json)
            .transpose()
            .map_err(|e| corrupt(&e))
    }

    /// The stored secrets, or a rule error when they are not established yet.
    pub fn secrets(&self) -> Result<RelationshipSecrets> {
        let json = self.secrets.as_deref().ok_or_else(|| {
            TransportError::rule(
                "error.transport.relationships.secretsMissing",
                format!(
                    "the relationship '{}' has no established secrets (status {})",
                    self.id,
                    self.status.as_str()
                ),
            )
        })?;
        RelationshipSecrets::from_json(json).map_err(|e| corrupt(&e))
    }
}

fn corrupt(e: &nmshd_crypto::CryptoError) -> TransportError {
    TransportError::Corrupt {
        collection: RelationshipRecord::COLLECTION,
        why: format!("stored relationship secrets do not parse: {e}"),
    }
}

impl Transport {
    /// The relationship by id.
    pub async fn relationship(&self, id: &str) -> Result<Stored<RelationshipRecord>> {
        documents::get::<RelationshipRecord>(self.store(), id)
            .await?
            .ok_or_else(|| TransportError::not_found("Relationship", id))
    }

    /// All relationships matching `filter`.
    pub async fn relationships(&self, filter: &Filter) -> Result<Vec<RelationshipRecord>> {
        documents::find_records(self.store(), filter).await
    }

    /// The newest relationship to `peer` in any status.
    pub async fn relationship_to(&self, peer: &str) -> Result<Option<Stored<RelationshipRecord>>> {
        let mut found =
            documents::find::<RelationshipRecord>(self.store(), &Filter::eq("peer", peer)?).await?;
        found.sort_by(|a, b| a.record.created_at.cmp(&b.record.created_at));
        Ok(found.pop())
    }

    /// The `Active` relationship to `peer`.
    pub async fn active_relationship_to(&self, peer: &str) -> Result<Stored<RelationshipRecord>> {
        let filter = Filter::And(vec![
            Filter::eq("peer", peer)?,
            Filter::eq("status", RelationshipStatus::Active.as_str())?,
        ]);
        documents::find::<RelationshipRecord>(self.store(), &filter)
            .await?
            .pop()
            .ok_or_else(|| {
                TransportError::rule(
                    "error.transport.messages.missingOrInactiveRelationship",
                    format!("there is no active relationship to '{peer}'"),
                )
            })
    }

    /// Runs `f` on the stored secrets and persists the change with compare-and-set (retried on lost
    /// races, so `f` may run more than once). Returns `f`'s result of the run that was stored.
    pub async fn with_secrets_mut<R: Send>(
        &self,
        relationship_id: &str,
        mut f: impl FnMut(&mut RelationshipSecrets) -> Result<R> + Send,
    ) -> Result<R> {
        let mut output = None;
        documents::update::<RelationshipRecord>(self.store(), relationship_id, |record| {
            let mut secrets = record.secrets()?;
            output = Some(f(&mut secrets)?);
            record.set_secrets(&secrets);
            Ok(())
        })
        .await?;
        output.ok_or_else(|| {
            TransportError::rule(
                "error.transport.unknown",
                "the secrets update produced no result",
            )
        })
    }

    /// Read-only access to the stored secrets (decryption, signature checks).
    pub async fn with_secrets<R>(
        &self,
        relationship_id: &str,
        f: impl FnOnce(&RelationshipSecrets) -> Result<R>,
    ) -> Result<R> {
        let stored = self.relationship(relationship_id).await?;
        f(&stored.record.secrets()?)
    }
}
