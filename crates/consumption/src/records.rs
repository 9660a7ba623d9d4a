//! The stored consumption models (content-model §4): local attributes with their forwarding
//! details, local requests and local notifications. Each stored document is its DTO plus internal
//! bookkeeping (`statusLog`), so the REST filters address the DTO's field paths directly.

use connector_transport::documents::Record;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The five `LocalAttribute` subtypes of v7.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AttributeKind {
    OwnIdentityAttribute,
    PeerIdentityAttribute,
    OwnRelationshipAttribute,
    PeerRelationshipAttribute,
    ThirdPartyRelationshipAttribute,
}

impl AttributeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OwnIdentityAttribute => "OwnIdentityAttribute",
            Self::PeerIdentityAttribute => "PeerIdentityAttribute",
            Self::OwnRelationshipAttribute => "OwnRelationshipAttribute",
            Self::PeerRelationshipAttribute => "PeerRelationshipAttribute",
            Self::ThirdPartyRelationshipAttribute => "ThirdPartyRelationshipAttribute",
        }
    }

    /// Own identity, own relationship and peer relationship attributes may be forwarded.
    pub fn is_forwardable(self) -> bool {
        matches!(
            self,
            Self::OwnIdentityAttribute
                | Self::OwnRelationshipAttribute
                | Self::PeerRelationshipAttribute
        )
    }
}

/// `{deletionStatus, deletionDate}` of an attribute or a forwarding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletionInfo {
    pub deletion_status: String,
    pub deletion_date: String,
}

/// A `LocalAttribute` as stored and as its `LocalAttributeDTO` (`numberOfForwards` is not kept).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalAttribute {
    #[serde(rename = "@type")]
    pub kind: AttributeKind,
    pub id: String,
    /// The IdentityAttribute or RelationshipAttribute JSON.
    pub content: Value,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub succeeds: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub succeeded_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub was_viewed_at: Option<String>,
    /// Only ever `true` (absent otherwise), as the runtime emits it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_default: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_attribute_peer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_info: Option<DeletionInfo>,
}

impl Record for LocalAttribute {
    const COLLECTION: &'static str = "Attributes";
}

impl LocalAttribute {
    /// A fresh attribute without succession links.
    pub fn new(kind: AttributeKind, id: String, content: Value, created_at: String) -> Self {
        Self {
            kind,
            id,
            content,
            created_at,
            succeeds: None,
            succeeded_by: None,
            was_viewed_at: None,
            is_default: None,
            peer: None,
            source_reference: None,
            initial_attribute_peer: None,
            deletion_info: None,
        }
    }

    /// The attribute shared with / received from `peer` because of `source_reference`.
    pub fn with_peer(mut self, peer: &str, source_reference: &str) -> Self {
        self.peer = Some(peer.to_owned());
        self.source_reference = Some(source_reference.to_owned());
        self
    }

    /// The `LocalAttributeDTO`.
    pub fn to_dto(&self) -> Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    /// `IdentityAttribute` or `RelationshipAttribute`.
    pub fn content_type(&self) -> &str {
        self.content
            .get("@type")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    pub fn owner(&self) -> &str {
        self.content
            .get("owner")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    pub fn value_type(&self) -> &str {
        self.content
            .pointer("/value/@type")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    pub fn key(&self) -> Option<&str> {
        self.content.get("key").and_then(Value::as_str)
    }
}

/// One forwarding of an attribute version to a peer (`AttributeForwardingDetails`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ForwardingDetails {
    #[serde(rename = "@type")]
    pub kind: String,
    pub id: String,
    pub attribute_id: String,
    pub peer: String,
    pub source_reference: String,
    pub shared_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletion_info: Option<DeletionInfo>,
}

impl Record for ForwardingDetails {
    const COLLECTION: &'static str = "AttributeForwardingDetails";
}

impl ForwardingDetails {
    /// The `LocalAttributeForwardingDetailsDTO`.
    pub fn to_dto(&self) -> Value {
        let mut dto = Map::new();
        dto.insert("peer".into(), self.peer.clone().into());
        dto.insert(
            "sourceReference".into(),
            self.source_reference.clone().into(),
        );
        dto.insert("sharedAt".into(), self.shared_at.clone().into());
        if let Some(info) = &self.deletion_info {
            dto.insert(
                "deletionInfo".into(),
                serde_json::to_value(info).unwrap_or_default(),
            );
        }
        Value::Object(dto)
    }

    /// Counts as "forwarded": not deleted by the recipient.
    pub fn is_live(&self) -> bool {
        self.deletion_info
            .as_ref()
            .is_none_or(|i| i.deletion_status != "DeletedByRecipient")
    }

    /// Counts as "forwarded" in the checks that also exclude `ToBeDeletedByRecipient`.
    pub fn is_live_and_kept(&self) -> bool {
        self.deletion_info.as_ref().is_none_or(|i| {
            i.deletion_status != "DeletedByRecipient"
                && i.deletion_status != "ToBeDeletedByRecipient"
        })
    }
}

/// `LocalRequestStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RequestStatus {
    Draft,
    Open,
    DecisionRequired,
    ManualDecisionRequired,
    Decided,
    Completed,
    Expired,
}

impl RequestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "Draft",
            Self::Open => "Open",
            Self::DecisionRequired => "DecisionRequired",
            Self::ManualDecisionRequired => "ManualDecisionRequired",
            Self::Decided => "Decided",
            Self::Completed => "Completed",
            Self::Expired => "Expired",
        }
    }
}

/// `{type, reference}` of a request's or response's carrier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    #[serde(rename = "type")]
    pub kind: String,
    pub reference: String,
}

/// `LocalResponse`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalResponse {
    pub created_at: String,
    /// The Response JSON.
    pub content: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
}

/// One entry of the stored status log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusLogEntry {
    pub created_at: String,
    pub old_status: RequestStatus,
    pub new_status: RequestStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// A stored `LocalRequest`; its DTO leaves out `statusLog`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalRequest {
    pub id: String,
    pub is_own: bool,
    pub peer: String,
    pub created_at: String,
    pub status: RequestStatus,
    /// The Request JSON (with `id`).
    pub content: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<LocalResponse>,
    /// Only ever `true` (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub was_automatically_decided: Option<bool>,
    #[serde(default)]
    pub status_log: Vec<StatusLogEntry>,
}

impl Record for LocalRequest {
    const COLLECTION: &'static str = "Requests";
}

impl LocalRequest {
    /// The `LocalRequestDTO`.
    pub fn to_dto(&self) -> Value {
        let mut dto = serde_json::to_value(self).unwrap_or_default();
        if let Some(map) = dto.as_object_mut() {
            map.remove("statusLog");
        }
        dto
    }

    /// Moves to `status`, logging the change.
    pub fn change_status(&mut self, status: RequestStatus, now: &str) {
        self.status_log.push(StatusLogEntry {
            created_at: now.to_owned(),
            old_status: self.status,
            new_status: status,
            data: None,
            code: None,
        });
        self.status = status;
    }

    /// `content.expiresAt`, if any.
    pub fn expires_at(&self) -> Option<&str> {
        self.content.get("expiresAt").and_then(Value::as_str)
    }

    /// The request's `items` (empty if missing).
    pub fn items(&self) -> &[Value] {
        self.content
            .get("items")
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice)
    }
}

/// `LocalNotificationStatus` values: `Open`, `Sent`, `Completed`, `Error`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocalNotification {
    pub id: String,
    pub is_own: bool,
    pub peer: String,
    pub created_at: String,
    /// The Notification JSON.
    pub content: Value,
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_by_device: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
}

impl Record for LocalNotification {
    const COLLECTION: &'static str = "Notifications";
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn request_dto_has_no_status_log_and_no_nulls() {
        let mut request = LocalRequest {
            id: "REQa".into(),
            is_own: true,
            peer: "did:e:localhost:dids:0123456789abcdef012345".into(),
            created_at: "2025-01-01T00:00:00.000Z".into(),
            status: RequestStatus::Draft,
            content: json!({"@type": "Request", "id": "REQa", "items": []}),
            source: None,
            response: None,
            was_automatically_decided: None,
            status_log: Vec::new(),
        };
        request.change_status(RequestStatus::Open, "2025-01-01T00:00:01.000Z");
        assert_eq!(request.status_log.len(), 1);
        assert_eq!(request.status_log[0].old_status, RequestStatus::Draft);
        let dto = request.to_dto();
        assert!(dto.get("statusLog").is_none());
        assert!(!dto.to_string().contains("null"), "{dto}");
        assert_eq!(dto["status"], "Open");
        let stored = serde_json::to_value(&request).unwrap();
        assert_eq!(stored["statusLog"][0]["newStatus"], "Open");
    }

    #[test]
    fn attribute_dto_carries_its_subtype_and_omits_absent_fields() {
        let attribute = LocalAttribute::new(
            AttributeKind::PeerIdentityAttribute,
            "ATTa".into(),
            json!({"@type": "IdentityAttribute", "owner": "x", "value": {"@type": "GivenName", "value": "A"}}),
            "2025-01-01T00:00:00.000Z".into(),
        )
        .with_peer("x", "REQa");
        assert_eq!(
            attribute.to_dto(),
            json!({"@type": "PeerIdentityAttribute", "id": "ATTa", "content": attribute.content,
                "createdAt": "2025-01-01T00:00:00.000Z", "peer": "x", "sourceReference": "REQa"})
        );
        let forwarding = ForwardingDetails {
            kind: "AttributeForwardingDetails".into(),
            id: "ATTFDa".into(),
            attribute_id: "ATTa".into(),
            peer: "y".into(),
            source_reference: "REQb".into(),
            shared_at: "2025-01-02T00:00:00.000Z".into(),
            deletion_info: None,
        };
        assert_eq!(
            forwarding.to_dto(),
            json!({"peer": "y", "sourceReference": "REQb", "sharedAt": "2025-01-02T00:00:00.000Z"})
        );
        assert!(forwarding.is_live());
    }
}
