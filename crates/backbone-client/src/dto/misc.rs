//! Version, announcements, tags, notifications, public template references (backbone-api §5.1, §5.11).

use serde::{Deserialize, Deserializer, Serialize};

/// Response of `GET /api/v2/Version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionInfo {
    /// Major version, as a string (the real server sends `"6"`, a number is accepted too).
    #[serde(deserialize_with = "string_or_number")]
    pub major_version: String,
}

impl VersionInfo {
    /// The major version as a number, if it is one.
    pub fn major(&self) -> Option<u32> {
        self.major_version.trim().parse().ok()
    }
}

fn string_or_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "expected a string or number, got {other}"
        ))),
    }
}

string_enum! {
    /// Announcement severity.
    pub enum AnnouncementSeverity {
        /// Low.
        Low = "Low",
        /// Medium.
        Medium = "Medium",
        /// High.
        High = "High",
    }
}

/// A link in an announcement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnnouncementAction {
    /// Label.
    pub display_name: String,
    /// Target.
    pub link: String,
}

/// An announcement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Announcement {
    /// `ANC…` id.
    pub id: String,
    /// Creation time.
    pub created_at: String,
    /// Expiry.
    pub expires_at: Option<String>,
    /// Severity.
    pub severity: AnnouncementSeverity,
    /// Title in the requested language.
    pub title: String,
    /// Body in the requested language.
    pub body: String,
    /// Optional IQL query.
    pub iql_query: Option<String>,
    /// Links.
    #[serde(default)]
    pub actions: Vec<AnnouncementAction>,
}

/// The attribute tag catalogue of `GET /api/v2/Tags`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tags {
    /// Languages with display names.
    pub supported_languages: Vec<String>,
    /// `{ValueType: {tag: {displayNames, children}}}`, in the server's order.
    pub tags_for_attribute_value_types: serde_json::Map<String, serde_json::Value>,
}

/// Result of `GET /api/v2/Tags` with an optional `If-None-Match`.
#[derive(Debug, Clone, PartialEq)]
pub enum TagsResponse {
    /// The catalogue and its `ETag`.
    Modified {
        /// The catalogue.
        tags: Tags,
        /// The `ETag` header, if sent.
        etag: Option<String>,
    },
    /// 304: the caller's copy is current.
    NotModified,
}

/// Body of `POST /api/v2/Notifications`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendNotificationRequest {
    /// Recipient addresses (each needs a relationship).
    pub recipients: Vec<String>,
    /// A configured notification code.
    pub code: String,
}

/// An item of `GET /api/poc/PublicRelationshipTemplateReferences`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicTemplateReference {
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Truncated template reference.
    pub truncated_reference: String,
}
