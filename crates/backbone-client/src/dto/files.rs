//! Files (backbone-api §5.9, §6.7).

use serde::{Deserialize, Serialize};

/// The multipart upload of `POST /api/v2/Files`.
#[derive(Clone, PartialEq, Eq)]
pub struct UploadFileRequest {
    /// The encrypted bytes (part `content`, file name `cipher.bin`).
    pub content: Vec<u8>,
    /// base64url of SHA-512 over `content`.
    pub cipher_hash: String,
    /// Uploader address (ignored by the server).
    pub owner: String,
    /// base64url of the owner's `CryptoSignature` JSON.
    pub owner_signature: String,
    /// Expiry (ISO date in the future).
    pub expires_at: String,
    /// base64url of the encrypted metadata cipher JSON.
    pub encrypted_properties: String,
}

impl std::fmt::Debug for UploadFileRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadFileRequest")
            .field("content_len", &self.content.len())
            .field("owner", &self.owner)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Response of `POST /api/v2/Files`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedFile {
    /// `FIL…` id.
    pub id: String,
    /// Creation time.
    pub created_at: String,
    /// Uploader address.
    pub created_by: String,
    /// Uploader device.
    pub created_by_device: Option<String>,
    /// Modification time.
    pub modified_at: Option<String>,
    /// Modifier.
    pub modified_by: Option<String>,
    /// Deletion time.
    pub deleted_at: Option<String>,
    /// Deleter.
    pub deleted_by: Option<String>,
    /// Owner address.
    pub owner: String,
    /// Owner signature (base64url).
    pub owner_signature: String,
    /// The ownership token (only ever returned here).
    pub ownership_token: String,
    /// Size of `content` in bytes.
    pub cipher_size: u64,
    /// SHA-512 of `content` (base64url).
    pub cipher_hash: String,
    /// Expiry.
    pub expires_at: String,
}

/// `FileMetadataDTO`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileMetadata {
    /// `FIL…` id.
    pub id: String,
    /// Creation time.
    pub created_at: String,
    /// Uploader address.
    pub created_by: String,
    /// Uploader device.
    pub created_by_device: Option<String>,
    /// Modification time.
    pub modified_at: Option<String>,
    /// Modifier.
    pub modified_by: Option<String>,
    /// Modifying device.
    pub modified_by_device: Option<String>,
    /// Deletion time.
    pub deleted_at: Option<String>,
    /// Deleter.
    pub deleted_by: Option<String>,
    /// Deleting device.
    pub deleted_by_device: Option<String>,
    /// Owner address.
    pub owner: String,
    /// Owner signature (base64url).
    pub owner_signature: String,
    /// Whether ownership is locked after a wrong ownership token.
    #[serde(default)]
    pub ownership_is_locked: bool,
    /// Size of the encrypted content in bytes.
    pub cipher_size: u64,
    /// SHA-512 of the encrypted content (base64url).
    pub cipher_hash: String,
    /// Expiry.
    pub expires_at: String,
    /// Encrypted metadata (base64url).
    pub encrypted_properties: String,
}

/// Body of `ValidateOwnershipToken` and `ClaimOwnership`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OwnershipTokenBody<'a> {
    pub(crate) ownership_token: &'a str,
}

/// Response of `ValidateOwnershipToken`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OwnershipTokenValidation {
    /// Whether the token is the current ownership token.
    pub is_valid: bool,
}

/// Response of `RegenerateOwnershipToken` and `ClaimOwnership`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewOwnershipToken {
    /// The new ownership token.
    pub new_ownership_token: String,
}
