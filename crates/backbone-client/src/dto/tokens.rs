//! Tokens (backbone-api §5.8, §6.6).

use serde::{Deserialize, Serialize};

/// One item of a token list query (`tokens.N.id`, `tokens.N.password`).
pub type TokenQuery = super::IdWithPassword;

/// Body of `POST /api/v2/Tokens`; `content: None` creates an empty token (the only kind an
/// anonymous caller may create, with `expiresAt` less than 5 minutes ahead).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateTokenRequest {
    /// Encrypted content (base64url).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Expiry (required).
    pub expires_at: String,
    /// Only this identity may load it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_identity: Option<String>,
    /// Standard base64 of the password hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// `TokenDTO` (also the `UpdateContent` response, which has no `content`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Token {
    /// `TOK…` id.
    pub id: String,
    /// Creator (`null` for an anonymous empty token).
    pub created_by: Option<String>,
    /// Creator device.
    pub created_by_device: Option<String>,
    /// Restriction to one identity.
    pub for_identity: Option<String>,
    /// Creation time.
    pub created_at: String,
    /// Expiry.
    pub expires_at: String,
    /// Encrypted content (base64url), `null` for empty tokens.
    #[serde(default)]
    pub content: Option<String>,
    /// Whether a password is required.
    #[serde(default)]
    pub is_password_protected: bool,
}

/// Body of `POST /api/v2/Tokens/{id}/UpdateContent`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateTokenContentRequest {
    /// `TOK…` id (repeated in the path).
    pub id: String,
    /// Encrypted content (base64url).
    pub new_content: String,
    /// Standard base64 password hash, if protected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}
