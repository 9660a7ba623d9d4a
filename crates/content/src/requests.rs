//! Request, RequestItemGroup and the request items (§2.1–§2.4).

use serde_json::Value;

use crate::attributes::Attribute;
use crate::date::CoreDate;
use crate::error::{ContentError, Result};
use crate::formfield::FormFieldSettings;
use crate::json::{Obj, Out, type_of, unknown_type};
use crate::peer;
use crate::queries::{ALL_QUERY_TYPES, AttributeQuery};
use crate::values::check_consent_link;

/// `Request`.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub id: Option<String>,
    pub expires_at: Option<CoreDate>,
    pub items: Vec<RequestItemOrGroup>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub metadata: Option<Value>,
}

/// `RequestItemGroup` (groups do not nest).
#[derive(Debug, Clone, PartialEq)]
pub struct RequestItemGroup {
    pub title: Option<String>,
    pub description: Option<String>,
    pub metadata: Option<Value>,
    pub items: Vec<RequestItem>,
}

/// An entry of `Request.items`.
#[derive(Debug, Clone, PartialEq)]
#[expect(
    clippy::large_enum_variant,
    reason = "a handful per Request; matching on unboxed items is simpler for callers"
)]
pub enum RequestItemOrGroup {
    Item(RequestItem),
    Group(RequestItemGroup),
}

/// Fields every request item has.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestItemCommon {
    pub must_be_accepted: bool,
    pub description: Option<String>,
    pub metadata: Option<Value>,
}

/// One request item (HEAD: 11 types; 7.0.0 knows the first 9).
#[derive(Debug, Clone, PartialEq)]
pub enum RequestItem {
    Authentication {
        common: RequestItemCommon,
        title: String,
    },
    Consent {
        common: RequestItemCommon,
        consent: String,
        link: Option<String>,
        link_display_text: Option<String>,
        requires_interaction: Option<bool>,
    },
    CreateAttribute {
        common: RequestItemCommon,
        attribute: Attribute,
    },
    DeleteAttribute {
        common: RequestItemCommon,
        attribute_id: String,
    },
    ProposeAttribute {
        common: RequestItemCommon,
        query: AttributeQuery,
        attribute: Attribute,
    },
    ReadAttribute {
        common: RequestItemCommon,
        query: AttributeQuery,
    },
    /// `initial_attribute_peer` is `initialAttributePeer` (HEAD) or `thirdPartyAddress` (7.0.0–7.0.2) on input.
    ShareAttribute {
        common: RequestItemCommon,
        attribute: Attribute,
        attribute_id: String,
        initial_attribute_peer: Option<String>,
    },
    FormField {
        common: RequestItemCommon,
        title: String,
        settings: FormFieldSettings,
    },
    TransferFileOwnership {
        common: RequestItemCommon,
        file_reference: String,
        ownership_token: String,
    },
    ShareCredentialOffer {
        common: RequestItemCommon,
        credential_offer_url: String,
    },
    ShareAuthorizationRequest {
        common: RequestItemCommon,
        authorization_request_url: String,
    },
}

/// The `@type`s of request items this crate knows.
pub const REQUEST_ITEM_TYPES: [&str; 11] = [
    "AuthenticationRequestItem",
    "ConsentRequestItem",
    "CreateAttributeRequestItem",
    "DeleteAttributeRequestItem",
    "ProposeAttributeRequestItem",
    "ReadAttributeRequestItem",
    "ShareAttributeRequestItem",
    "FormFieldRequestItem",
    "TransferFileOwnershipRequestItem",
    "ShareCredentialOfferRequestItem",
    "ShareAuthorizationRequestRequestItem",
];

impl Request {
    pub fn from_json(value: &Value) -> Result<Self> {
        let obj = Obj::typed("Request", value)?;
        let items = obj
            .req_array("items", 1)?
            .iter()
            .enumerate()
            .map(|(i, item)| RequestItemOrGroup::from_json(&format!("Request.items[{i}]"), item))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            id: obj.opt_str("id")?,
            expires_at: obj
                .get("expiresAt")
                .map(|v| CoreDate::from_json("Request.expiresAt", v))
                .transpose()?,
            items,
            title: obj.opt_str_len("title", 0, 200)?,
            description: obj.opt_str_len("description", 0, 500)?,
            metadata: obj.opt_metadata("metadata"),
        })
    }

    pub fn to_json(&self) -> Value {
        Out::new("Request")
            .opt("id", self.id.clone())
            .opt("expiresAt", self.expires_at.map(|d| d.to_json()))
            .set(
                "items",
                self.items
                    .iter()
                    .map(RequestItemOrGroup::to_json)
                    .collect::<Vec<_>>(),
            )
            .opt("title", self.title.clone())
            .opt("description", self.description.clone())
            .opt("metadata", self.metadata.clone())
            .build()
    }

    /// All items, groups flattened, in order.
    pub fn flat_items(&self) -> Vec<&RequestItem> {
        self.items
            .iter()
            .flat_map(|entry| match entry {
                RequestItemOrGroup::Item(item) => vec![item],
                RequestItemOrGroup::Group(group) => group.items.iter().collect(),
            })
            .collect()
    }
}

impl RequestItemOrGroup {
    pub fn from_json(position: &str, value: &Value) -> Result<Self> {
        if type_of(position, value)? == "RequestItemGroup" {
            RequestItemGroup::from_json(value).map(Self::Group)
        } else {
            RequestItem::from_json_at(position, value).map(Self::Item)
        }
    }

    pub fn to_json(&self) -> Value {
        match self {
            Self::Item(item) => item.to_json(),
            Self::Group(group) => group.to_json(),
        }
    }
}

impl RequestItemGroup {
    pub fn from_json(value: &Value) -> Result<Self> {
        let obj = Obj::typed("RequestItemGroup", value)?;
        let items = obj
            .req_array("items", 1)?
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let position = format!("RequestItemGroup.items[{i}]");
                if type_of(&position, item)? == "RequestItemGroup" {
                    return Err(ContentError::invalid(format!(
                        "{position}: RequestItemGroups cannot be nested"
                    )));
                }
                RequestItem::from_json_at(&position, item)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            title: obj.opt_str_len("title", 0, 200)?,
            description: obj.opt_str_len("description", 0, 500)?,
            metadata: obj.opt_metadata("metadata"),
            items,
        })
    }

    pub fn to_json(&self) -> Value {
        Out::new("RequestItemGroup")
            .opt("title", self.title.clone())
            .opt("description", self.description.clone())
            .opt("metadata", self.metadata.clone())
            .set(
                "items",
                self.items
                    .iter()
                    .map(RequestItem::to_json)
                    .collect::<Vec<_>>(),
            )
            .build()
    }
}

impl RequestItem {
    pub fn from_json(value: &Value) -> Result<Self> {
        Self::from_json_at("RequestItem", value)
    }

    pub(crate) fn from_json_at(position: &str, value: &Value) -> Result<Self> {
        let ty = type_of(position, value)?;
        let Some(ty) = REQUEST_ITEM_TYPES.iter().find(|t| **t == ty) else {
            return Err(unknown_type(position, ty, &REQUEST_ITEM_TYPES));
        };
        let obj = Obj::new(ty, value)?;
        let common = RequestItemCommon {
            must_be_accepted: obj.req_bool("mustBeAccepted")?,
            description: obj.opt_str_len("description", 0, 500)?,
            metadata: obj.opt_metadata("metadata"),
        };
        let attribute = |obj: &Obj<'_>| {
            Attribute::from_json_at(&format!("{}.attribute", obj.ty), obj.req("attribute")?)
        };
        Ok(match *ty {
            "AuthenticationRequestItem" => Self::Authentication {
                common,
                title: obj.req_str_len("title", 0, 200)?,
            },
            "ConsentRequestItem" => {
                let link = obj.opt_str_len("link", 3, 1024)?;
                if let Some(why) = link.as_deref().and_then(check_consent_link) {
                    return Err(obj.err("link", why));
                }
                let link_display_text = obj.opt_str_len("linkDisplayText", 3, 30)?;
                if link_display_text.is_some() && link.is_none() {
                    return Err(obj.err(
                        "linkDisplayText",
                        "can only be defined if a link is defined too",
                    ));
                }
                Self::Consent {
                    common,
                    consent: obj.req_str_len("consent", 0, 10000)?,
                    link,
                    link_display_text,
                    requires_interaction: obj.opt_bool("requiresInteraction")?,
                }
            }
            "CreateAttributeRequestItem" => Self::CreateAttribute {
                common,
                attribute: attribute(&obj)?,
            },
            "DeleteAttributeRequestItem" => Self::DeleteAttribute {
                common,
                attribute_id: obj.req_str("attributeId")?,
            },
            "ProposeAttributeRequestItem" => {
                let query = AttributeQuery::from_json_at(
                    "ProposeAttributeRequestItem.query",
                    obj.req("query")?,
                    &[
                        "IdentityAttributeQuery",
                        "RelationshipAttributeQuery",
                        "IQLQuery",
                    ],
                )?;
                let attribute = attribute(&obj)?;
                check_proposal(&query, &attribute)?;
                Self::ProposeAttribute {
                    common,
                    query,
                    attribute,
                }
            }
            "ReadAttributeRequestItem" => Self::ReadAttribute {
                common,
                query: AttributeQuery::from_json_at(
                    "ReadAttributeRequestItem.query",
                    obj.req("query")?,
                    &ALL_QUERY_TYPES,
                )?,
            },
            "ShareAttributeRequestItem" => Self::ShareAttribute {
                common,
                attribute: attribute(&obj)?,
                attribute_id: obj.req_str("attributeId")?,
                initial_attribute_peer: peer::read_initial_attribute_peer(&obj)?,
            },
            "FormFieldRequestItem" => Self::FormField {
                common,
                title: obj.req_str_len("title", 0, 200)?,
                settings: FormFieldSettings::from_json(obj.req("settings")?)?,
            },
            "TransferFileOwnershipRequestItem" => Self::TransferFileOwnership {
                common,
                file_reference: crate::reference::normalize_file_reference(
                    "TransferFileOwnershipRequestItem.fileReference",
                    &obj.req_str("fileReference")?,
                )?,
                ownership_token: obj.req_str("ownershipToken")?,
            },
            "ShareCredentialOfferRequestItem" => Self::ShareCredentialOffer {
                common,
                credential_offer_url: obj.req_str("credentialOfferUrl")?,
            },
            _ => Self::ShareAuthorizationRequest {
                common,
                authorization_request_url: obj.req_str("authorizationRequestUrl")?,
            },
        })
    }

    pub fn type_name(&self) -> &'static str {
        REQUEST_ITEM_TYPES[match self {
            Self::Authentication { .. } => 0,
            Self::Consent { .. } => 1,
            Self::CreateAttribute { .. } => 2,
            Self::DeleteAttribute { .. } => 3,
            Self::ProposeAttribute { .. } => 4,
            Self::ReadAttribute { .. } => 5,
            Self::ShareAttribute { .. } => 6,
            Self::FormField { .. } => 7,
            Self::TransferFileOwnership { .. } => 8,
            Self::ShareCredentialOffer { .. } => 9,
            Self::ShareAuthorizationRequest { .. } => 10,
        }]
    }

    pub fn common(&self) -> &RequestItemCommon {
        match self {
            Self::Authentication { common, .. }
            | Self::Consent { common, .. }
            | Self::CreateAttribute { common, .. }
            | Self::DeleteAttribute { common, .. }
            | Self::ProposeAttribute { common, .. }
            | Self::ReadAttribute { common, .. }
            | Self::ShareAttribute { common, .. }
            | Self::FormField { common, .. }
            | Self::TransferFileOwnership { common, .. }
            | Self::ShareCredentialOffer { common, .. }
            | Self::ShareAuthorizationRequest { common, .. } => common,
        }
    }

    pub fn must_be_accepted(&self) -> bool {
        self.common().must_be_accepted
    }

    pub fn to_json(&self) -> Value {
        let c = self.common();
        let out = Out::new(self.type_name())
            .set("mustBeAccepted", c.must_be_accepted)
            .opt("description", c.description.clone())
            .opt("metadata", c.metadata.clone());
        match self {
            Self::Authentication { title, .. } => out.set("title", title.clone()),
            Self::Consent {
                consent,
                link,
                link_display_text,
                requires_interaction,
                ..
            } => out
                .set("consent", consent.clone())
                .opt("link", link.clone())
                .opt("linkDisplayText", link_display_text.clone())
                .opt("requiresInteraction", *requires_interaction),
            Self::CreateAttribute { attribute, .. } => out.set("attribute", attribute.to_json()),
            Self::DeleteAttribute { attribute_id, .. } => {
                out.set("attributeId", attribute_id.clone())
            }
            Self::ProposeAttribute {
                query, attribute, ..
            } => out
                .set("query", query.to_json())
                .set("attribute", attribute.to_json()),
            Self::ReadAttribute { query, .. } => out.set("query", query.to_json()),
            Self::ShareAttribute {
                attribute,
                attribute_id,
                initial_attribute_peer,
                ..
            } => peer::write_initial_attribute_peer(
                out.set("attribute", attribute.to_json())
                    .set("attributeId", attribute_id.clone()),
                initial_attribute_peer.as_deref(),
            ),
            Self::FormField {
                title, settings, ..
            } => out
                .set("title", title.clone())
                .set("settings", settings.to_json()),
            Self::TransferFileOwnership {
                file_reference,
                ownership_token,
                ..
            } => out
                .set("fileReference", file_reference.clone())
                .set("ownershipToken", ownership_token.clone()),
            Self::ShareCredentialOffer {
                credential_offer_url,
                ..
            } => out.set("credentialOfferUrl", credential_offer_url.clone()),
            Self::ShareAuthorizationRequest {
                authorization_request_url,
                ..
            } => out.set("authorizationRequestUrl", authorization_request_url.clone()),
        }
        .build()
    }
}

/// ProposeAttributeRequestItem's structural rules (checked at parse time by the TypeScript class).
fn check_proposal(query: &AttributeQuery, attribute: &Attribute) -> Result<()> {
    let invalid = |m: String| {
        Err(ContentError::invalid(format!(
            "ProposeAttributeRequestItem: {m}"
        )))
    };
    let value_type = attribute.value().type_name();
    let query_type = match (attribute, query) {
        (Attribute::Relationship(_), AttributeQuery::Relationship(q)) => {
            Some(q.attribute_creation_hints.value_type)
        }
        (Attribute::Relationship(_), _) => {
            return invalid("When proposing a RelationshipAttribute, the corresponding query has to be a RelationshipAttributeQuery.".into());
        }
        (Attribute::Identity(_), AttributeQuery::Identity(q)) => Some(q.value_type),
        (Attribute::Identity(_), AttributeQuery::Iql(q)) => {
            q.attribute_creation_hints.as_ref().map(|h| h.value_type)
        }
        (Attribute::Identity(_), _) => {
            return invalid(
                "When proposing an IdentityAttribute, the corresponding query has to be a IdentityAttributeQuery or IQLQuery.".into(),
            );
        }
    };
    match query_type {
        Some(q) if q != value_type => invalid(format!(
            "You cannot propose an Attribute whose type of the value ('{value_type}') is different from the value type of the query ('{q}')."
        )),
        _ => Ok(()),
    }
}
