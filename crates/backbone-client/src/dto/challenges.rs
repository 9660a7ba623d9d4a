//! Challenges (backbone-api §3.1).

use serde::{Deserialize, Serialize};

/// `ChallengeDTO`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Challenge {
    /// `CHL…` id.
    pub id: String,
    /// Expiry (10 minutes after creation).
    pub expires_at: String,
    /// Creator address (authenticated creation only).
    pub created_by: Option<String>,
    /// Creator device (authenticated creation only).
    pub created_by_device: Option<String>,
}
