//! Sync runs, external events and the datawallet (backbone-api §5.10, §6.2, §6.4).

use serde::{Deserialize, Serialize};

string_enum! {
    /// Kind of sync run.
    pub enum SyncRunType {
        /// Fetch and acknowledge external events.
        ExternalEventSync = "ExternalEventSync",
        /// Create or upgrade the datawallet.
        DatawalletVersionUpgrade = "DatawalletVersionUpgrade",
    }
}

string_enum! {
    /// Outcome of starting a sync run.
    pub enum StartSyncRunStatus {
        /// A run was created.
        Created = "Created",
        /// Nothing to sync; no run.
        NoNewEvents = "NoNewEvents",
    }
}

/// Body of `POST /api/v2/SyncRuns`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartSyncRunRequest {
    /// Kind of run.
    #[serde(rename = "type")]
    pub sync_run_type: SyncRunType,
    /// Lifetime in seconds (server default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<u16>,
}

/// `SyncRunDTO`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncRun {
    /// `SYR…` id.
    pub id: String,
    /// Kind of run.
    #[serde(rename = "type")]
    pub sync_run_type: SyncRunType,
    /// Expiry.
    pub expires_at: String,
    /// Per-identity index.
    pub index: i64,
    /// Start time.
    pub created_at: String,
    /// Identity.
    pub created_by: String,
    /// Device that started it.
    pub created_by_device: String,
    /// Number of events in the run.
    pub event_count: u64,
}

/// Response of `POST /api/v2/SyncRuns`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartSyncRunResponse {
    /// `Created` or `NoNewEvents`.
    pub status: StartSyncRunStatus,
    /// The run (absent for `NoNewEvents`).
    pub sync_run: Option<SyncRun>,
}

string_enum! {
    /// External event types (backbone-api §6.2).
    pub enum ExternalEventType {
        /// A message arrived (`{"id"}`).
        MessageReceived = "MessageReceived",
        /// A message was delivered (never produced by the server).
        MessageDelivered = "MessageDelivered",
        /// A relationship changed (`{"relationshipId"}`).
        RelationshipStatusChanged = "RelationshipStatusChanged",
        /// The peer requested reactivation.
        RelationshipReactivationRequested = "RelationshipReactivationRequested",
        /// A reactivation request was answered.
        RelationshipReactivationCompleted = "RelationshipReactivationCompleted",
        /// Someone else started a deletion process for this identity.
        IdentityDeletionProcessStarted = "IdentityDeletionProcessStarted",
        /// A deletion process changed (not by the owner).
        IdentityDeletionProcessStatusChanged = "IdentityDeletionProcessStatusChanged",
        /// A peer will be deleted.
        PeerToBeDeleted = "PeerToBeDeleted",
        /// A peer cancelled its deletion.
        PeerDeletionCancelled = "PeerDeletionCancelled",
        /// A peer was deleted.
        PeerDeleted = "PeerDeleted",
        /// A template reached its allocation limit.
        RelationshipTemplateAllocationsExhausted = "RelationshipTemplateAllocationsExhausted",
        /// File ownership was locked.
        FileOwnershipLocked = "FileOwnershipLocked",
        /// File ownership was claimed by someone else.
        FileOwnershipClaimed = "FileOwnershipClaimed",
        /// A token was locked after too many wrong passwords.
        TokenLocked = "TokenLocked",
        /// A peer's feature flags changed.
        PeerFeatureFlagsChanged = "PeerFeatureFlagsChanged",
    }
}

/// `ExternalEventDTO`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalEvent {
    /// `SYI…` id.
    pub id: String,
    /// Type.
    #[serde(rename = "type")]
    pub event_type: ExternalEventType,
    /// Per-identity index.
    pub index: i64,
    /// Creation time.
    pub created_at: String,
    /// Failed deliveries so far.
    #[serde(default)]
    pub sync_error_count: u32,
    /// Type-specific payload (camelCase keys).
    #[serde(default)]
    pub payload: serde_json::Value,
}

/// The result of processing one external event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalEventResult {
    /// `SYI…` id.
    pub external_event_id: String,
    /// Set when processing failed (≤ 100 chars).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
}

impl ExternalEventResult {
    /// A successfully processed event.
    pub fn ok(id: impl Into<String>) -> Self {
        Self {
            external_event_id: id.into(),
            error_code: None,
        }
    }

    /// A failed event.
    pub fn failed(id: impl Into<String>, code: impl Into<String>) -> Self {
        Self {
            external_event_id: id.into(),
            error_code: Some(code.into()),
        }
    }
}

string_enum! {
    /// Kind of datawallet modification.
    pub enum DatawalletModificationType {
        /// Create.
        Create = "Create",
        /// Update.
        Update = "Update",
        /// Delete.
        Delete = "Delete",
        /// Cache changed.
        CacheChanged = "CacheChanged",
    }
}

/// A datawallet modification to push (also inside finalize bodies).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushDatawalletModification {
    /// Object id (≤ 100 chars).
    pub object_identifier: String,
    /// Payload category (≤ 50 chars).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_category: Option<String>,
    /// Collection (≤ 50 chars).
    pub collection: String,
    /// Kind.
    #[serde(rename = "type")]
    pub modification_type: DatawalletModificationType,
    /// Encrypted payload (base64url).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encrypted_payload: Option<String>,
    /// Datawallet version of the payload.
    pub datawallet_version: u16,
}

/// `DatawalletModificationDTO`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatawalletModification {
    /// `DWM…` id.
    pub id: String,
    /// Per-identity index (from 0).
    pub index: i64,
    /// Object id.
    pub object_identifier: String,
    /// Payload category.
    pub payload_category: Option<String>,
    /// Creation time.
    pub created_at: String,
    /// Device that pushed it.
    pub created_by_device: Option<String>,
    /// Collection.
    pub collection: String,
    /// Kind.
    #[serde(rename = "type")]
    pub modification_type: DatawalletModificationType,
    /// Encrypted payload (base64url).
    pub encrypted_payload: Option<String>,
    /// Datawallet version of the payload.
    pub datawallet_version: u16,
}

/// A pushed modification as acknowledged by the Backbone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedDatawalletModification {
    /// `DWM…` id.
    pub id: String,
    /// Its index.
    pub index: i64,
    /// Creation time.
    pub created_at: String,
}

/// Body of `PUT /api/v2/SyncRuns/{id}/FinalizeExternalEventSync`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FinalizeExternalEventSyncRequest {
    /// One result per processed event.
    pub external_event_results: Vec<ExternalEventResult>,
    /// Datawallet modifications to append.
    #[serde(default)]
    pub datawallet_modifications: Vec<PushDatawalletModification>,
}

/// Response of `FinalizeExternalEventSync`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FinalizeExternalEventSyncResponse {
    /// Index of the latest datawallet modification.
    pub new_datawallet_modification_index: Option<i64>,
    /// The appended modifications.
    #[serde(default)]
    pub datawallet_modifications: Vec<CreatedDatawalletModification>,
    /// Whether another run would find new events.
    #[serde(default)]
    pub new_unsynced_external_events_exist: bool,
}

/// Body of `PUT /api/v2/SyncRuns/{id}/FinalizeDatawalletVersionUpgrade`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FinalizeDatawalletVersionUpgradeRequest {
    /// The datawallet version after the upgrade.
    pub new_datawallet_version: u16,
    /// Datawallet modifications to append.
    #[serde(default)]
    pub datawallet_modifications: Vec<PushDatawalletModification>,
}

/// Response of `FinalizeDatawalletVersionUpgrade`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FinalizeDatawalletVersionUpgradeResponse {
    /// Index of the latest datawallet modification.
    pub new_datawallet_modification_index: Option<i64>,
    /// The appended modifications.
    #[serde(default)]
    pub datawallet_modifications: Vec<CreatedDatawalletModification>,
}

/// Response of `GET /api/v2/Datawallet`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Datawallet {
    /// Datawallet version.
    pub version: u16,
}

/// Body of `POST /api/v2/Datawallet/Modifications`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushDatawalletModificationsRequest {
    /// The latest index the client knows (`None` when it knows none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_index: Option<i64>,
    /// Non-empty list of modifications.
    pub modifications: Vec<PushDatawalletModification>,
}

/// Response of `POST /api/v2/Datawallet/Modifications`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushDatawalletModificationsResponse {
    /// Highest new index.
    pub new_index: i64,
    /// The created modifications.
    pub modifications: Vec<CreatedDatawalletModification>,
}
