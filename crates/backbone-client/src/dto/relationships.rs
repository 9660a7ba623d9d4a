//! Relationships (backbone-api §5.6, §6.1).

use serde::{Deserialize, Serialize};

string_enum! {
    /// Relationship status.
    pub enum RelationshipStatus {
        /// Created, waiting for the templator.
        Pending = "Pending",
        /// Accepted (or reactivated).
        Active = "Active",
        /// Rejected by the templator.
        Rejected = "Rejected",
        /// Revoked by the requestor.
        Revoked = "Revoked",
        /// Terminated by either party.
        Terminated = "Terminated",
        /// Decomposed by one party.
        DeletionProposed = "DeletionProposed",
        /// Decomposed by both parties.
        ReadyForDeletion = "ReadyForDeletion",
    }
}

string_enum! {
    /// Why an audit log entry was written.
    pub enum RelationshipAuditLogReason {
        /// Creation.
        Creation = "Creation",
        /// Accept.
        AcceptanceOfCreation = "AcceptanceOfCreation",
        /// Reject.
        RejectionOfCreation = "RejectionOfCreation",
        /// Revoke.
        RevocationOfCreation = "RevocationOfCreation",
        /// Terminate.
        Termination = "Termination",
        /// Reactivation request.
        ReactivationRequested = "ReactivationRequested",
        /// Reactivation accepted.
        AcceptanceOfReactivation = "AcceptanceOfReactivation",
        /// Reactivation rejected.
        RejectionOfReactivation = "RejectionOfReactivation",
        /// Reactivation revoked.
        RevocationOfReactivation = "RevocationOfReactivation",
        /// Decomposition by a party.
        Decomposition = "Decomposition",
        /// Decomposition on behalf of a deleted identity.
        DecompositionDueToIdentityDeletion = "DecompositionDueToIdentityDeletion",
    }
}

/// One audit log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelationshipAuditLogEntry {
    /// When.
    pub created_at: String,
    /// Who (address).
    pub created_by: String,
    /// Which device (`null` for system entries).
    pub created_by_device: Option<String>,
    /// Why.
    pub reason: RelationshipAuditLogReason,
    /// Status before (`null` on creation).
    pub old_status: Option<RelationshipStatus>,
    /// Status after.
    pub new_status: RelationshipStatus,
}

/// `RelationshipMetadataDTO` (returned by create and the state changes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelationshipMetadata {
    /// `REL…` id.
    pub id: String,
    /// The template it was created from.
    pub relationship_template_id: String,
    /// Requestor (creator of the relationship).
    pub from: String,
    /// Templator (creator of the template).
    pub to: String,
    /// Creation time.
    pub created_at: String,
    /// Current status.
    pub status: RelationshipStatus,
    /// Every transition, oldest first.
    #[serde(default)]
    pub audit_log: Vec<RelationshipAuditLogEntry>,
}

/// `RelationshipDTO` (GET): the metadata plus the encrypted contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Relationship {
    /// Metadata.
    #[serde(flatten)]
    pub metadata: RelationshipMetadata,
    /// Encrypted creation content (base64url).
    pub creation_content: Option<String>,
    /// Encrypted creation response content (base64url).
    pub creation_response_content: Option<String>,
}

/// Response of `GET /api/v2/Relationships/CanCreate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CanCreateRelationship {
    /// Whether a relationship may be created.
    pub can_create: bool,
    /// Why not (an error code).
    pub code: Option<String>,
}

/// Body of `POST /api/v2/Relationships`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateRelationshipRequest {
    /// `RLT…` id.
    pub relationship_template_id: String,
    /// Encrypted creation content (base64url).
    pub creation_content: String,
}

/// Body of Accept/Reject/Revoke: the optional encrypted creation response content.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreationResponseBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) creation_response_content: Option<String>,
}
