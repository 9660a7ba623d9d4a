//! Contents of templates, relationship creations and messages (§2.8–§2.12) and the message router.

use serde_json::Value;

use crate::attributes::Attribute;
use crate::error::Result;
use crate::json::{Obj, Out, type_of, unknown_type};
use crate::requests::Request;
use crate::responses::Response;

/// `RelationshipTemplateContent`.
#[derive(Debug, Clone, PartialEq)]
pub struct RelationshipTemplateContent {
    pub title: Option<String>,
    pub metadata: Option<Value>,
    pub on_new_relationship: Request,
    pub on_existing_relationship: Option<Request>,
}

impl RelationshipTemplateContent {
    pub fn from_json(value: &Value) -> Result<Self> {
        let obj = Obj::typed("RelationshipTemplateContent", value)?;
        Ok(Self {
            title: obj.opt_str_len("title", 0, 200)?,
            metadata: obj.opt_metadata("metadata"),
            on_new_relationship: Request::from_json(obj.req("onNewRelationship")?)?,
            on_existing_relationship: obj
                .get("onExistingRelationship")
                .map(Request::from_json)
                .transpose()?,
        })
    }

    pub fn to_json(&self) -> Value {
        Out::new("RelationshipTemplateContent")
            .opt("title", self.title.clone())
            .opt("metadata", self.metadata.clone())
            .set("onNewRelationship", self.on_new_relationship.to_json())
            .opt(
                "onExistingRelationship",
                self.on_existing_relationship.as_ref().map(Request::to_json),
            )
            .build()
    }
}

/// `RelationshipCreationContent`: the Response to a template's `onNewRelationship` Request.
#[derive(Debug, Clone, PartialEq)]
pub struct RelationshipCreationContent {
    pub response: Response,
}

impl RelationshipCreationContent {
    pub fn from_json(value: &Value) -> Result<Self> {
        let obj = Obj::typed("RelationshipCreationContent", value)?;
        Ok(Self {
            response: Response::from_json(obj.req("response")?)?,
        })
    }

    pub fn to_json(&self) -> Value {
        Out::new("RelationshipCreationContent")
            .set("response", self.response.to_json())
            .build()
    }
}

/// Which of the three `Arbitrary*` contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArbitraryKind {
    RelationshipTemplate,
    RelationshipCreation,
    Message,
}

impl ArbitraryKind {
    pub fn type_name(self) -> &'static str {
        match self {
            Self::RelationshipTemplate => "ArbitraryRelationshipTemplateContent",
            Self::RelationshipCreation => "ArbitraryRelationshipCreationContent",
            Self::Message => "ArbitraryMessageContent",
        }
    }
}

/// `ArbitraryRelationshipTemplateContent` / `ArbitraryRelationshipCreationContent` / `ArbitraryMessageContent`:
/// one required `value` of any JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct ArbitraryContent {
    pub kind: ArbitraryKind,
    pub value: Value,
}

impl ArbitraryContent {
    pub fn from_json(value: &Value) -> Result<Self> {
        let ty = type_of("content", value)?;
        let kind = [
            ArbitraryKind::RelationshipTemplate,
            ArbitraryKind::RelationshipCreation,
            ArbitraryKind::Message,
        ]
        .into_iter()
        .find(|k| k.type_name() == ty)
        .ok_or_else(|| {
            unknown_type(
                "content",
                ty,
                &[
                    "ArbitraryRelationshipTemplateContent",
                    "ArbitraryRelationshipCreationContent",
                    "ArbitraryMessageContent",
                ],
            )
        })?;
        let obj = Obj::new(kind.type_name(), value)?;
        Ok(Self {
            kind,
            value: obj.req("value")?.clone(),
        })
    }

    pub fn to_json(&self) -> Value {
        Out::new(self.kind.type_name())
            .set("value", self.value.clone())
            .build()
    }
}

/// `Mail.bodyFormat` (≥7.1; defaulted to `PlainText`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    PlainText,
    Markdown,
}

/// `Mail`.
#[derive(Debug, Clone, PartialEq)]
pub struct Mail {
    pub to: Vec<String>,
    /// Defaulted to `[]`, always emitted.
    pub cc: Vec<String>,
    pub subject: String,
    pub body: String,
    pub body_format: BodyFormat,
}

impl Mail {
    pub fn from_json(value: &Value) -> Result<Self> {
        let obj = Obj::typed("Mail", value)?;
        let to = obj
            .opt_str_array("to")?
            .ok_or_else(|| obj.err("to", "is required"))?;
        if to.is_empty() {
            return Err(obj.err("to", "must have at least 1 element"));
        }
        Ok(Self {
            to,
            cc: obj.opt_str_array("cc")?.unwrap_or_default(),
            subject: obj.req_str_len("subject", 0, 300)?,
            body: obj.req_str_len("body", 0, 50000)?,
            body_format: match obj.get("bodyFormat") {
                None => BodyFormat::PlainText,
                Some(_) => match obj.req_enum("bodyFormat", &["PlainText", "Markdown"])? {
                    "Markdown" => BodyFormat::Markdown,
                    _ => BodyFormat::PlainText,
                },
            },
        })
    }

    pub fn to_json(&self) -> Value {
        Out::new("Mail")
            .set("to", self.to.clone())
            .set("cc", self.cc.clone())
            .set("subject", self.subject.clone())
            .set("body", self.body.clone())
            .set(
                "bodyFormat",
                if self.body_format == BodyFormat::Markdown {
                    "Markdown"
                } else {
                    "PlainText"
                },
            )
            .build()
    }
}

/// `Notification` (Message content).
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub id: String,
    pub items: Vec<NotificationItem>,
}

/// The four notification items.
#[derive(Debug, Clone, PartialEq)]
pub enum NotificationItem {
    PeerAttributeSucceeded {
        predecessor_id: String,
        successor_id: String,
        successor_content: Attribute,
    },
    OwnAttributeDeletedByOwner {
        attribute_id: String,
    },
    PeerRelationshipAttributeDeletedByPeer {
        attribute_id: String,
    },
    ForwardedAttributeDeletedByPeer {
        attribute_id: String,
    },
}

pub const NOTIFICATION_ITEM_TYPES: [&str; 4] = [
    "PeerAttributeSucceededNotificationItem",
    "OwnAttributeDeletedByOwnerNotificationItem",
    "PeerRelationshipAttributeDeletedByPeerNotificationItem",
    "ForwardedAttributeDeletedByPeerNotificationItem",
];

impl Notification {
    pub fn from_json(value: &Value) -> Result<Self> {
        let obj = Obj::typed("Notification", value)?;
        let items = obj
            .req_array("items", 1)?
            .iter()
            .enumerate()
            .map(|(i, item)| {
                NotificationItem::from_json_at(&format!("Notification.items[{i}]"), item)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            id: obj.req_str("id")?,
            items,
        })
    }

    pub fn to_json(&self) -> Value {
        Out::new("Notification")
            .set("id", self.id.clone())
            .set(
                "items",
                self.items
                    .iter()
                    .map(NotificationItem::to_json)
                    .collect::<Vec<_>>(),
            )
            .build()
    }
}

impl NotificationItem {
    pub fn from_json(value: &Value) -> Result<Self> {
        Self::from_json_at("NotificationItem", value)
    }

    fn from_json_at(position: &str, value: &Value) -> Result<Self> {
        let ty = type_of(position, value)?;
        let Some(ty) = NOTIFICATION_ITEM_TYPES.iter().find(|t| **t == ty) else {
            return Err(unknown_type(position, ty, &NOTIFICATION_ITEM_TYPES));
        };
        let obj = Obj::new(ty, value)?;
        Ok(match *ty {
            "PeerAttributeSucceededNotificationItem" => Self::PeerAttributeSucceeded {
                predecessor_id: obj.req_str("predecessorId")?,
                successor_id: obj.req_str("successorId")?,
                successor_content: Attribute::from_json_at(
                    "PeerAttributeSucceededNotificationItem.successorContent",
                    obj.req("successorContent")?,
                )?,
            },
            "OwnAttributeDeletedByOwnerNotificationItem" => Self::OwnAttributeDeletedByOwner {
                attribute_id: obj.req_str("attributeId")?,
            },
            "PeerRelationshipAttributeDeletedByPeerNotificationItem" => {
                Self::PeerRelationshipAttributeDeletedByPeer {
                    attribute_id: obj.req_str("attributeId")?,
                }
            }
            _ => Self::ForwardedAttributeDeletedByPeer {
                attribute_id: obj.req_str("attributeId")?,
            },
        })
    }

    pub fn type_name(&self) -> &'static str {
        NOTIFICATION_ITEM_TYPES[match self {
            Self::PeerAttributeSucceeded { .. } => 0,
            Self::OwnAttributeDeletedByOwner { .. } => 1,
            Self::PeerRelationshipAttributeDeletedByPeer { .. } => 2,
            Self::ForwardedAttributeDeletedByPeer { .. } => 3,
        }]
    }

    pub fn to_json(&self) -> Value {
        let out = Out::new(self.type_name());
        match self {
            Self::PeerAttributeSucceeded {
                predecessor_id,
                successor_id,
                successor_content,
            } => out
                .set("predecessorId", predecessor_id.clone())
                .set("successorId", successor_id.clone())
                .set("successorContent", successor_content.to_json()),
            Self::OwnAttributeDeletedByOwner { attribute_id }
            | Self::PeerRelationshipAttributeDeletedByPeer { attribute_id }
            | Self::ForwardedAttributeDeletedByPeer { attribute_id } => {
                out.set("attributeId", attribute_id.clone())
            }
        }
        .build()
    }
}

/// What a received Message content is, by its `@type` (no validation: parse with the matching type afterwards).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageContentKind {
    Request,
    ResponseWrapper,
    Notification,
    Mail,
    Arbitrary,
    /// Anything else (no `@type`, another type): treated as opaque.
    Other,
}

/// Routes a Message content by its `@type`.
pub fn message_content_kind(content: &Value) -> MessageContentKind {
    match content.get("@type").and_then(Value::as_str) {
        Some("Request") => MessageContentKind::Request,
        Some("ResponseWrapper") => MessageContentKind::ResponseWrapper,
        Some("Notification") => MessageContentKind::Notification,
        Some("Mail") => MessageContentKind::Mail,
        Some("ArbitraryMessageContent") => MessageContentKind::Arbitrary,
        _ => MessageContentKind::Other,
    }
}
