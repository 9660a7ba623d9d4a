//! Messages (backbone-api §5.7, §6.3).

use serde::{Deserialize, Serialize};

use super::IdRef;

/// A recipient of a message to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendMessageRecipient {
    /// Recipient address.
    pub address: String,
    /// The message key encrypted for this recipient (base64url).
    pub encrypted_key: String,
}

/// Body of `POST /api/v2/Messages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendMessageRequest {
    /// Recipients.
    pub recipients: Vec<SendMessageRecipient>,
    /// Encrypted body (base64url).
    pub body: String,
    /// Attached files.
    #[serde(default)]
    pub attachments: Vec<IdRef>,
}

/// A recipient entry of a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageRecipient {
    /// Recipient address (anonymised for decomposed relationships).
    pub address: String,
    /// The message key for this recipient (base64url).
    pub encrypted_key: String,
    /// When it was first fetched by the recipient.
    pub received_at: Option<String>,
    /// Which recipient device fetched it.
    pub received_by_device: Option<String>,
}

/// `MessageDTO`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    /// `MSG…` id.
    pub id: String,
    /// Sending time.
    pub created_at: String,
    /// Sender address.
    pub created_by: String,
    /// Sender device.
    pub created_by_device: Option<String>,
    /// Encrypted body (base64url).
    pub body: Option<String>,
    /// Attached files.
    #[serde(default)]
    pub attachments: Vec<IdRef>,
    /// Recipients (a recipient sees only itself).
    #[serde(default)]
    pub recipients: Vec<MessageRecipient>,
}
