//! Identities and identity deletion processes (backbone-api §3.3, §5.3).

use serde::{Deserialize, Serialize};

/// A challenge string and its signature (`ChallengeSigned` on the wire).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedChallenge {
    /// The exact signed challenge JSON string.
    pub challenge: String,
    /// base64url of the `CryptoSignature` JSON.
    pub signature: String,
}

/// What the caller supplies for `POST /api/v2/Identities`; the client adds its OAuth client id and
/// secret from the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateIdentityRequest {
    /// base64url of the `CryptoSignaturePublicKey` JSON of the identity key.
    pub identity_public_key: String,
    /// Password of the first device.
    pub device_password: String,
    /// Challenge signed with the identity key.
    pub signed_challenge: SignedChallenge,
    /// Identity version (the runtime sends 1).
    pub identity_version: u8,
}

/// The JSON body of `POST /api/v2/Identities`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreateIdentityBody<'a> {
    pub(crate) identity_public_key: &'a str,
    pub(crate) device_password: &'a str,
    pub(crate) signed_challenge: &'a SignedChallenge,
    pub(crate) client_id: &'a str,
    pub(crate) client_secret: &'a str,
    pub(crate) identity_version: u8,
}

/// The first device of a new identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedIdentityDevice {
    /// `DVC…` id.
    pub id: String,
    /// `USR…` username.
    pub username: String,
    /// Creation time.
    pub created_at: String,
}

/// Response of `POST /api/v2/Identities`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedIdentity {
    /// The identity address (must equal the locally derived one).
    pub address: String,
    /// Creation time.
    pub created_at: String,
    /// The first device.
    pub device: CreatedIdentityDevice,
}

/// Response of `GET /api/v2/Identities/IsDeleted`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IsDeletedResponse {
    /// True once the deletion grace period is over.
    pub is_deleted: bool,
    /// End of the grace period, when deleted.
    pub deletion_date: Option<String>,
}

/// Response of `GET /api/v2/Identities/Self` (not used by the TypeScript transport).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentitySelf {
    /// Address.
    pub address: String,
    /// Creation time.
    pub created_at: Option<String>,
    /// Identity version.
    pub identity_version: Option<u8>,
    /// Tier (`TIR…`).
    pub tier_id: Option<String>,
    /// `Active`, `ToBeDeleted`, …
    pub status: Option<String>,
    /// End of the deletion grace period, if any.
    pub deletion_grace_period_ends_at: Option<String>,
}

string_enum! {
    /// Status of an identity deletion process.
    pub enum DeletionProcessStatus {
        /// Running (grace period).
        Active = "Active",
        /// Cancelled by the owner.
        Cancelled = "Cancelled",
        /// The identity is being deleted.
        Deleting = "Deleting",
    }
}

/// `IdentityDeletionProcessOverviewDTO`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletionProcess {
    /// `IDP…` id.
    pub id: String,
    /// Status.
    pub status: DeletionProcessStatus,
    /// Start.
    pub created_at: String,
    /// Device that started it.
    pub created_by_device: Option<String>,
    /// Approval time.
    pub approved_at: Option<String>,
    /// Approving device.
    pub approved_by_device: Option<String>,
    /// End of the grace period.
    pub grace_period_ends_at: Option<String>,
    /// First reminder.
    pub grace_period_reminder1_sent_at: Option<String>,
    /// Second reminder.
    pub grace_period_reminder2_sent_at: Option<String>,
    /// Third reminder.
    pub grace_period_reminder3_sent_at: Option<String>,
    /// Cancellation time (listed by the client type; the real server does not send it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_at: Option<String>,
    /// Cancelling device (same remark).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_by_device: Option<String>,
}

/// Body of `POST /api/v2/Identities/Self/DeletionProcesses`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartDeletionProcessRequest {
    /// Grace period in days (server default when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub length_of_grace_period_in_days: Option<u32>,
}
