//! Stored entities. Binary values are kept as base64url strings (already decoded once on input,
//! so they are known to be valid); passwords as raw bytes for byte-wise comparison.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::clock::{serde_ts, serde_ts_opt};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum IdentityStatus {
    Active,
    ToBeDeleted,
    /// The grace period is over and the actual deletion ran: its devices can no longer log in.
    Deleting,
}

impl IdentityStatus {
    pub fn name(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::ToBeDeleted => "ToBeDeleted",
            Self::Deleting => "Deleting",
        }
    }

    /// Started or finished its deletion: peers may not start a relationship with it.
    pub fn is_being_deleted(self) -> bool {
        matches!(self, Self::ToBeDeleted | Self::Deleting)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Identity {
    pub address: String,
    pub public_key: String,
    pub client_id: String,
    #[serde(with = "serde_ts")]
    pub created_at: OffsetDateTime,
    pub identity_version: u8,
    pub status: IdentityStatus,
    #[serde(with = "serde_ts_opt")]
    pub deletion_grace_period_ends_at: Option<OffsetDateTime>,
    /// Index of the next external event / datawallet modification / sync run (per identity, from 0).
    pub next_event_index: u64,
    pub next_modification_index: u64,
    pub next_sync_run_index: u64,
    /// `None` until the first datawallet version upgrade creates it.
    pub datawallet_version: Option<u16>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Device {
    pub id: String,
    pub address: String,
    pub username: String,
    /// SHA-256 over salt ‖ password (device passwords are long random strings).
    pub password_hash: String,
    pub password_salt: String,
    #[serde(with = "serde_ts")]
    pub created_at: OffsetDateTime,
    pub created_by_device: String,
    pub communication_language: String,
    pub is_backup_device: bool,
    #[serde(with = "serde_ts_opt")]
    pub last_login: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Challenge {
    pub id: String,
    #[serde(with = "serde_ts")]
    pub expires_at: OffsetDateTime,
    pub created_by: Option<String>,
    pub created_by_device: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Allocation {
    pub address: String,
    pub device: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Template {
    pub id: String,
    pub created_by: String,
    pub created_by_device: String,
    pub max_number_of_allocations: Option<u32>,
    #[serde(with = "serde_ts_opt")]
    pub expires_at: Option<OffsetDateTime>,
    pub content: Option<String>,
    #[serde(with = "serde_ts")]
    pub created_at: OffsetDateTime,
    pub for_identity: Option<String>,
    pub password: Option<Vec<u8>>,
    pub allocations: Vec<Allocation>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RelationshipStatus {
    Pending,
    Active,
    Rejected,
    Revoked,
    Terminated,
    DeletionProposed,
    ReadyForDeletion,
}

impl RelationshipStatus {
    pub fn name(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Active => "Active",
            Self::Rejected => "Rejected",
            Self::Revoked => "Revoked",
            Self::Terminated => "Terminated",
            Self::DeletionProposed => "DeletionProposed",
            Self::ReadyForDeletion => "ReadyForDeletion",
        }
    }

    /// States in which the two identities count as "related" (no second relationship allowed).
    pub fn blocks_new_relationship(self) -> bool {
        matches!(
            self,
            Self::Pending | Self::Active | Self::Terminated | Self::DeletionProposed
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuditReason {
    Creation,
    AcceptanceOfCreation,
    RejectionOfCreation,
    RevocationOfCreation,
    Termination,
    ReactivationRequested,
    AcceptanceOfReactivation,
    RejectionOfReactivation,
    RevocationOfReactivation,
    Decomposition,
    DecompositionDueToIdentityDeletion,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuditEntry {
    #[serde(with = "serde_ts")]
    pub created_at: OffsetDateTime,
    pub created_by: String,
    pub created_by_device: Option<String>,
    pub reason: AuditReason,
    pub old_status: Option<RelationshipStatus>,
    pub new_status: RelationshipStatus,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Relationship {
    pub id: String,
    pub template_id: String,
    /// The requestor (creator of the relationship).
    pub from: String,
    /// The templator.
    pub to: String,
    #[serde(with = "serde_ts")]
    pub created_at: OffsetDateTime,
    pub status: RelationshipStatus,
    pub audit_log: Vec<AuditEntry>,
    pub creation_content: Option<String>,
    pub creation_response_content: Option<String>,
    pub from_decomposed: bool,
    pub to_decomposed: bool,
}

impl Relationship {
    pub fn involves(&self, address: &str) -> bool {
        self.from == address || self.to == address
    }

    pub fn peer_of(&self, address: &str) -> &str {
        if self.from == address {
            &self.to
        } else {
            &self.from
        }
    }

    pub fn decomposed_by(&self, address: &str) -> bool {
        (self.from == address && self.from_decomposed) || (self.to == address && self.to_decomposed)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Recipient {
    pub address: String,
    pub encrypted_key: String,
    #[serde(with = "serde_ts_opt")]
    pub received_at: Option<OffsetDateTime>,
    pub received_by_device: Option<String>,
    pub relationship_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Message {
    pub id: String,
    #[serde(with = "serde_ts")]
    pub created_at: OffsetDateTime,
    pub created_by: String,
    pub created_by_device: String,
    pub body: String,
    pub attachments: Vec<String>,
    pub recipients: Vec<Recipient>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct File {
    pub id: String,
    #[serde(with = "serde_ts")]
    pub created_at: OffsetDateTime,
    pub created_by: String,
    pub created_by_device: String,
    #[serde(with = "serde_ts")]
    pub modified_at: OffsetDateTime,
    pub modified_by: String,
    pub modified_by_device: String,
    #[serde(with = "serde_ts_opt")]
    pub deleted_at: Option<OffsetDateTime>,
    pub deleted_by: Option<String>,
    pub deleted_by_device: Option<String>,
    pub owner: String,
    pub owner_signature: String,
    pub ownership_token: String,
    pub ownership_is_locked: bool,
    pub cipher_size: u64,
    pub cipher_hash: String,
    #[serde(with = "serde_ts")]
    pub expires_at: OffsetDateTime,
    pub encrypted_properties: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Token {
    pub id: String,
    pub created_by: Option<String>,
    pub created_by_device: Option<String>,
    pub for_identity: Option<String>,
    #[serde(with = "serde_ts")]
    pub created_at: OffsetDateTime,
    #[serde(with = "serde_ts")]
    pub expires_at: OffsetDateTime,
    pub content: Option<String>,
    pub password: Option<Vec<u8>>,
    pub allocations: Vec<String>,
    pub failed_password_attempts: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExternalEvent {
    pub id: String,
    pub event_type: String,
    pub owner: String,
    pub index: u64,
    #[serde(with = "serde_ts")]
    pub created_at: OffsetDateTime,
    pub payload: Value,
    /// The relationship the event belongs to (blocking and deletion act on it).
    pub context: Option<String>,
    pub sync_run_id: Option<String>,
    pub sync_error_count: u32,
    pub is_delivery_blocked: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SyncRunType {
    ExternalEventSync,
    DatawalletVersionUpgrade,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SyncRun {
    pub id: String,
    pub run_type: SyncRunType,
    #[serde(with = "serde_ts")]
    pub expires_at: OffsetDateTime,
    pub index: u64,
    #[serde(with = "serde_ts")]
    pub created_at: OffsetDateTime,
    pub created_by: String,
    pub created_by_device: String,
    /// Keys of the events assigned to this run, in delivery order.
    pub event_keys: Vec<String>,
    pub finalized: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DatawalletModification {
    pub id: String,
    pub owner: String,
    pub index: u64,
    pub object_identifier: String,
    pub payload_category: Option<String>,
    #[serde(with = "serde_ts")]
    pub created_at: OffsetDateTime,
    pub created_by_device: String,
    pub collection: String,
    pub modification_type: String,
    pub encrypted_payload: Option<String>,
    pub datawallet_version: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeletionProcessStatus {
    Active,
    Cancelled,
    /// The grace period ended and the actual deletion job took it over.
    Deleting,
}

impl DeletionProcessStatus {
    pub fn name(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Cancelled => "Cancelled",
            Self::Deleting => "Deleting",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeletionProcess {
    pub id: String,
    pub address: String,
    pub status: DeletionProcessStatus,
    #[serde(with = "serde_ts")]
    pub created_at: OffsetDateTime,
    pub created_by_device: String,
    #[serde(with = "serde_ts")]
    pub grace_period_ends_at: OffsetDateTime,
    #[serde(with = "serde_ts_opt")]
    pub cancelled_at: Option<OffsetDateTime>,
    pub cancelled_by_device: Option<String>,
}

/// Key of per-identity sequences (events, datawallet modifications): sorts by owner, then index.
pub fn sequence_key(owner: &str, index: u64) -> String {
    format!("{owner}|{index:020}")
}
