//! Response, ResponseItemGroup, the response items and ResponseWrapper (§2.6, §2.7).

use serde_json::Value;

use crate::attributes::{Attribute, IdentityAttribute};
use crate::date::CoreDate;
use crate::error::{ContentError, Result};
use crate::formfield::FormFieldResponse;
use crate::json::{Obj, Out, type_of, unknown_type};
use crate::peer;

/// `result` of a Response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseResult {
    Accepted,
    Rejected,
}

/// `result` of a response item (the TypeScript enum member `Failed` is `"Error"` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseItemResult {
    Accepted,
    Rejected,
    Error,
}

impl ResponseItemResult {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "Accepted",
            Self::Rejected => "Rejected",
            Self::Error => "Error",
        }
    }
}

/// `Response`: items are positionally parallel to `Request.items`.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub result: ResponseResult,
    pub request_id: String,
    pub items: Vec<ResponseItemOrGroup>,
}

/// `ResponseItemGroup`: answers a RequestItemGroup.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseItemGroup {
    pub items: Vec<ResponseItem>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ResponseItemOrGroup {
    Item(ResponseItem),
    Group(ResponseItemGroup),
}

/// One response item.
#[derive(Debug, Clone, PartialEq)]
pub enum ResponseItem {
    Accept,
    Reject {
        code: Option<String>,
        message: Option<String>,
    },
    Error {
        code: String,
        message: String,
    },
    CreateAttributeAccept {
        attribute_id: String,
    },
    DeleteAttributeAccept {
        deletion_date: CoreDate,
    },
    ProposeAttributeAccept {
        attribute_id: String,
        attribute: Attribute,
    },
    /// `initial_attribute_peer` is `initialAttributePeer` (HEAD) or `thirdPartyAddress` (7.0.0–7.0.2) on input.
    ReadAttributeAccept {
        attribute_id: String,
        attribute: Attribute,
        initial_attribute_peer: Option<String>,
    },
    FormFieldAccept {
        response: FormFieldResponse,
    },
    TransferFileOwnershipAccept {
        attribute_id: String,
        attribute: IdentityAttribute,
    },
    AttributeAlreadySharedAccept {
        attribute_id: String,
    },
    AttributeSuccessionAccept {
        predecessor_id: String,
        successor_id: String,
        successor_content: Attribute,
    },
}

pub const RESPONSE_ITEM_TYPES: [&str; 11] = [
    "AcceptResponseItem",
    "RejectResponseItem",
    "ErrorResponseItem",
    "CreateAttributeAcceptResponseItem",
    "DeleteAttributeAcceptResponseItem",
    "ProposeAttributeAcceptResponseItem",
    "ReadAttributeAcceptResponseItem",
    "FormFieldAcceptResponseItem",
    "TransferFileOwnershipAcceptResponseItem",
    "AttributeAlreadySharedAcceptResponseItem",
    "AttributeSuccessionAcceptResponseItem",
];

impl Response {
    pub fn from_json(value: &Value) -> Result<Self> {
        let obj = Obj::typed("Response", value)?;
        let result = match obj.req_enum("result", &["Accepted", "Rejected"])? {
            "Accepted" => ResponseResult::Accepted,
            _ => ResponseResult::Rejected,
        };
        let items = obj
            .req_array("items", 1)?
            .iter()
            .enumerate()
            .map(|(i, item)| ResponseItemOrGroup::from_json(&format!("Response.items[{i}]"), item))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            result,
            request_id: obj.req_str("requestId")?,
            items,
        })
    }

    pub fn to_json(&self) -> Value {
        Out::new("Response")
            .set(
                "result",
                if self.result == ResponseResult::Accepted {
                    "Accepted"
                } else {
                    "Rejected"
                },
            )
            .set("requestId", self.request_id.clone())
            .set(
                "items",
                self.items
                    .iter()
                    .map(ResponseItemOrGroup::to_json)
                    .collect::<Vec<_>>(),
            )
            .build()
    }
}

impl ResponseItemOrGroup {
    pub fn from_json(position: &str, value: &Value) -> Result<Self> {
        if type_of(position, value)? == "ResponseItemGroup" {
            ResponseItemGroup::from_json(value).map(Self::Group)
        } else {
            ResponseItem::from_json_at(position, value).map(Self::Item)
        }
    }

    pub fn to_json(&self) -> Value {
        match self {
            Self::Item(item) => item.to_json(),
            Self::Group(group) => group.to_json(),
        }
    }
}

impl ResponseItemGroup {
    pub fn from_json(value: &Value) -> Result<Self> {
        let obj = Obj::typed("ResponseItemGroup", value)?;
        let items = obj
            .req_array("items", 1)?
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let position = format!("ResponseItemGroup.items[{i}]");
                if type_of(&position, item)? == "ResponseItemGroup" {
                    return Err(ContentError::invalid(format!(
                        "{position}: ResponseItemGroups cannot be nested"
                    )));
                }
                ResponseItem::from_json_at(&position, item)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { items })
    }

    pub fn to_json(&self) -> Value {
        Out::new("ResponseItemGroup")
            .set(
                "items",
                self.items
                    .iter()
                    .map(ResponseItem::to_json)
                    .collect::<Vec<_>>(),
            )
            .build()
    }
}

impl ResponseItem {
    pub fn from_json(value: &Value) -> Result<Self> {
        Self::from_json_at("ResponseItem", value)
    }

    pub(crate) fn from_json_at(position: &str, value: &Value) -> Result<Self> {
        let ty = type_of(position, value)?;
        let Some(ty) = RESPONSE_ITEM_TYPES.iter().find(|t| **t == ty) else {
            return Err(unknown_type(position, ty, &RESPONSE_ITEM_TYPES));
        };
        let obj = Obj::new(ty, value)?;
        let attribute =
            |key: &str| Attribute::from_json_at(&format!("{}.{key}", obj.ty), obj.req(key)?);
        let item = match *ty {
            "AcceptResponseItem" => Self::Accept,
            "RejectResponseItem" => Self::Reject {
                code: obj.opt_str_len("code", 0, 200)?,
                message: obj.opt_str_len("message", 0, 1000)?,
            },
            "ErrorResponseItem" => Self::Error {
                code: obj.req_str_len("code", 0, 200)?,
                message: obj.req_str_len("message", 0, 1000)?,
            },
            "CreateAttributeAcceptResponseItem" => Self::CreateAttributeAccept {
                attribute_id: obj.req_str("attributeId")?,
            },
            "DeleteAttributeAcceptResponseItem" => Self::DeleteAttributeAccept {
                deletion_date: CoreDate::from_json(
                    "DeleteAttributeAcceptResponseItem.deletionDate",
                    obj.req("deletionDate")?,
                )?,
            },
            "ProposeAttributeAcceptResponseItem" => Self::ProposeAttributeAccept {
                attribute_id: obj.req_str("attributeId")?,
                attribute: attribute("attribute")?,
            },
            "ReadAttributeAcceptResponseItem" => Self::ReadAttributeAccept {
                attribute_id: obj.req_str("attributeId")?,
                attribute: attribute("attribute")?,
                initial_attribute_peer: peer::read_initial_attribute_peer(&obj)?,
            },
            "FormFieldAcceptResponseItem" => Self::FormFieldAccept {
                response: FormFieldResponse::from_json(
                    "FormFieldAcceptResponseItem.response",
                    obj.req("response")?,
                )?,
            },
            "TransferFileOwnershipAcceptResponseItem" => Self::TransferFileOwnershipAccept {
                attribute_id: obj.req_str("attributeId")?,
                attribute: IdentityAttribute::from_json(obj.req("attribute")?)?,
            },
            "AttributeAlreadySharedAcceptResponseItem" => Self::AttributeAlreadySharedAccept {
                attribute_id: obj.req_str("attributeId")?,
            },
            _ => Self::AttributeSuccessionAccept {
                predecessor_id: obj.req_str("predecessorId")?,
                successor_id: obj.req_str("successorId")?,
                successor_content: attribute("successorContent")?,
            },
        };
        // `result` is required; a value that contradicts the class is refused (the TypeScript side never emits one).
        let result = obj.req_enum("result", &["Accepted", "Rejected", "Error"])?;
        if result != item.result().as_str() {
            return Err(obj.err(
                "result",
                format!(
                    "must be \"{}\" for a {ty}, got \"{result}\"",
                    item.result().as_str()
                ),
            ));
        }
        Ok(item)
    }

    pub fn type_name(&self) -> &'static str {
        RESPONSE_ITEM_TYPES[match self {
            Self::Accept => 0,
            Self::Reject { .. } => 1,
            Self::Error { .. } => 2,
            Self::CreateAttributeAccept { .. } => 3,
            Self::DeleteAttributeAccept { .. } => 4,
            Self::ProposeAttributeAccept { .. } => 5,
            Self::ReadAttributeAccept { .. } => 6,
            Self::FormFieldAccept { .. } => 7,
            Self::TransferFileOwnershipAccept { .. } => 8,
            Self::AttributeAlreadySharedAccept { .. } => 9,
            Self::AttributeSuccessionAccept { .. } => 10,
        }]
    }

    pub fn result(&self) -> ResponseItemResult {
        match self {
            Self::Reject { .. } => ResponseItemResult::Rejected,
            Self::Error { .. } => ResponseItemResult::Error,
            _ => ResponseItemResult::Accepted,
        }
    }

    pub fn to_json(&self) -> Value {
        let out = Out::new(self.type_name()).set("result", self.result().as_str());
        match self {
            Self::Accept => out,
            Self::Reject { code, message } => out
                .opt("code", code.clone())
                .opt("message", message.clone()),
            Self::Error { code, message } => out
                .set("code", code.clone())
                .set("message", message.clone()),
            Self::CreateAttributeAccept { attribute_id }
            | Self::AttributeAlreadySharedAccept { attribute_id } => {
                out.set("attributeId", attribute_id.clone())
            }
            Self::DeleteAttributeAccept { deletion_date } => {
                out.set("deletionDate", deletion_date.to_json())
            }
            Self::ProposeAttributeAccept {
                attribute_id,
                attribute,
            } => out
                .set("attributeId", attribute_id.clone())
                .set("attribute", attribute.to_json()),
            Self::ReadAttributeAccept {
                attribute_id,
                attribute,
                initial_attribute_peer,
            } => peer::write_initial_attribute_peer(
                out.set("attributeId", attribute_id.clone())
                    .set("attribute", attribute.to_json()),
                initial_attribute_peer.as_deref(),
            ),
            Self::FormFieldAccept { response } => out.set("response", response.to_json()),
            Self::TransferFileOwnershipAccept {
                attribute_id,
                attribute,
            } => out
                .set("attributeId", attribute_id.clone())
                .set("attribute", attribute.to_json()),
            Self::AttributeSuccessionAccept {
                predecessor_id,
                successor_id,
                successor_content,
            } => out
                .set("predecessorId", predecessor_id.clone())
                .set("successorId", successor_id.clone())
                .set("successorContent", successor_content.to_json()),
        }
        .build()
    }
}

/// `requestSourceType` of a ResponseWrapper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestSourceType {
    RelationshipTemplate,
    Message,
}

/// `ResponseWrapper`: a Response travelling in a Message.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseWrapper {
    pub request_id: String,
    pub request_source_reference: String,
    pub request_source_type: RequestSourceType,
    pub response: Response,
}

impl ResponseWrapper {
    pub fn from_json(value: &Value) -> Result<Self> {
        let obj = Obj::typed("ResponseWrapper", value)?;
        Ok(Self {
            request_id: obj.req_str("requestId")?,
            request_source_reference: obj.req_str("requestSourceReference")?,
            request_source_type: match obj
                .req_enum("requestSourceType", &["RelationshipTemplate", "Message"])?
            {
                "Message" => RequestSourceType::Message,
                _ => RequestSourceType::RelationshipTemplate,
            },
            response: Response::from_json(obj.req("response")?)?,
        })
    }

    pub fn to_json(&self) -> Value {
        Out::new("ResponseWrapper")
            .set("requestId", self.request_id.clone())
            .set(
                "requestSourceReference",
                self.request_source_reference.clone(),
            )
            .set(
                "requestSourceType",
                match self.request_source_type {
                    RequestSourceType::Message => "Message",
                    RequestSourceType::RelationshipTemplate => "RelationshipTemplate",
                },
            )
            .set("response", self.response.to_json())
            .build()
    }
}
