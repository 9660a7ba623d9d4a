//! Relationship templates (backbone-api §5.5, §6.5).

use serde::{Deserialize, Serialize};

/// Body of `POST /api/v2/RelationshipTemplates`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateTemplateRequest {
    /// Encrypted content (base64url).
    pub content: String,
    /// Expiry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// Allocation limit (> 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_number_of_allocations: Option<u32>,
    /// Only this identity may load it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_identity: Option<String>,
    /// Standard base64 of the password hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// `RelationshipTemplateDTO`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Template {
    /// `RLT…` id.
    pub id: String,
    /// Creator address.
    pub created_by: String,
    /// Creator device.
    pub created_by_device: Option<String>,
    /// Allocation limit.
    pub max_number_of_allocations: Option<u32>,
    /// Expiry.
    pub expires_at: Option<String>,
    /// Encrypted content (base64url); `null` only for anonymised data.
    pub content: Option<String>,
    /// Creation time.
    pub created_at: String,
    /// Restriction to one identity.
    pub for_identity: Option<String>,
    /// Deletion time (in the client type; the real server does not send it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<String>,
}

/// One item of a template list query (`templates.N.id`, `templates.N.password`).
pub type TemplateQuery = super::IdWithPassword;
