//! The four attribute queries (§3.3).

use serde_json::Value;

use crate::attributes::Confidentiality;
use crate::error::{ContentError, Result};
use crate::json::{Obj, Out, check_tag_shape, type_of, unknown_type};
use crate::values::{ValueKind, check_value_type_name};
use crate::{hints, iql};

/// `IdentityAttributeQuery`: "give me your identity attribute of this value type".
#[derive(Debug, Clone, PartialEq)]
pub struct IdentityAttributeQuery {
    pub value_type: &'static str,
    pub tags: Option<Vec<String>>,
}

/// `IQLQuery` with optional creation hints (`@type: IQLQueryCreationHints` on output).
#[derive(Debug, Clone, PartialEq)]
pub struct IqlQuery {
    pub query_string: String,
    pub attribute_creation_hints: Option<IqlQueryCreationHints>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IqlQueryCreationHints {
    pub value_type: &'static str,
    pub tags: Option<Vec<String>>,
}

/// `RelationshipAttributeQuery`.
#[derive(Debug, Clone, PartialEq)]
pub struct RelationshipAttributeQuery {
    pub key: String,
    /// An address or `""` ("the recipient").
    pub owner: String,
    pub attribute_creation_hints: RelationshipAttributeCreationHints,
}

/// `RelationshipAttributeCreationHints`.
#[derive(Debug, Clone, PartialEq)]
pub struct RelationshipAttributeCreationHints {
    pub title: String,
    pub value_type: &'static str,
    pub description: Option<String>,
    /// Normalized `ValueHints` JSON.
    pub value_hints: Option<Value>,
    pub confidentiality: Confidentiality,
}

/// `owner` of a ThirdPartyRelationshipAttributeQuery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThirdPartyOwner {
    ThirdParty,
    Recipient,
    Empty,
}

impl ThirdPartyOwner {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ThirdParty => "thirdParty",
            Self::Recipient => "recipient",
            Self::Empty => "",
        }
    }
}

/// `ThirdPartyRelationshipAttributeQuery` (a single `thirdParty` string is wrapped into an array).
#[derive(Debug, Clone, PartialEq)]
pub struct ThirdPartyRelationshipAttributeQuery {
    pub key: String,
    pub owner: ThirdPartyOwner,
    pub third_party: Vec<String>,
}

/// Any of the four queries (decoded by `@type`).
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeQuery {
    Identity(IdentityAttributeQuery),
    Iql(IqlQuery),
    Relationship(RelationshipAttributeQuery),
    ThirdPartyRelationship(ThirdPartyRelationshipAttributeQuery),
}

fn tags(obj: &Obj<'_>) -> Result<Option<Vec<String>>> {
    let tags = obj.opt_str_array("tags")?;
    if let Some(t) = &tags {
        check_tag_shape(obj, "tags", t)?;
    }
    Ok(tags)
}

impl IdentityAttributeQuery {
    pub fn from_json(value: &Value) -> Result<Self> {
        let obj = Obj::typed("IdentityAttributeQuery", value)?;
        let value_type = check_value_type_name(
            "IdentityAttributeQuery.valueType",
            &obj.req_str("valueType")?,
            ValueKind::Identity,
        )?;
        Ok(Self {
            value_type,
            tags: tags(&obj)?,
        })
    }

    pub fn to_json(&self) -> Value {
        Out::new("IdentityAttributeQuery")
            .set("valueType", self.value_type)
            .opt("tags", self.tags.clone())
            .build()
    }
}

impl IqlQueryCreationHints {
    fn from_json(value: &Value) -> Result<Self> {
        let obj = Obj::typed("IQLQueryCreationHints", value)?;
        let value_type = check_value_type_name(
            "IQLQueryCreationHints.valueType",
            &obj.req_str("valueType")?,
            ValueKind::Identity,
        )?;
        Ok(Self {
            value_type,
            tags: tags(&obj)?,
        })
    }

    fn to_json(&self) -> Value {
        Out::new("IQLQueryCreationHints")
            .set("valueType", self.value_type)
            .opt("tags", self.tags.clone())
            .build()
    }
}

impl IqlQuery {
    pub fn from_json(value: &Value) -> Result<Self> {
        let obj = Obj::typed("IQLQuery", value)?;
        let query_string = obj.req_str_len("queryString", 0, 4096)?;
        if let Err(offset) = iql::validate(&query_string) {
            return Err(obj.err(
                "queryString",
                format!("is an invalid IQL query at character offset {offset}"),
            ));
        }
        let attribute_creation_hints = obj
            .get("attributeCreationHints")
            .map(IqlQueryCreationHints::from_json)
            .transpose()?;
        Ok(Self {
            query_string,
            attribute_creation_hints,
        })
    }

    pub fn to_json(&self) -> Value {
        Out::new("IQLQuery")
            .set("queryString", self.query_string.clone())
            .opt(
                "attributeCreationHints",
                self.attribute_creation_hints
                    .as_ref()
                    .map(IqlQueryCreationHints::to_json),
            )
            .build()
    }
}

impl RelationshipAttributeCreationHints {
    fn from_json(value: &Value) -> Result<Self> {
        let obj = Obj::typed("RelationshipAttributeCreationHints", value)?;
        Ok(Self {
            title: obj.req_str_len("title", 0, 100)?,
            value_type: check_value_type_name(
                "RelationshipAttributeCreationHints.valueType",
                &obj.req_str("valueType")?,
                ValueKind::Relationship,
            )?,
            description: obj.opt_str_len("description", 0, 1000)?,
            value_hints: obj
                .get("valueHints")
                .map(|v| hints::value_hints("RelationshipAttributeCreationHints.valueHints", v))
                .transpose()?,
            confidentiality: Confidentiality::read(&obj, "confidentiality")?,
        })
    }

    fn to_json(&self) -> Value {
        Out::new("RelationshipAttributeCreationHints")
            .set("title", self.title.clone())
            .set("valueType", self.value_type)
            .opt("description", self.description.clone())
            .opt("valueHints", self.value_hints.clone())
            .set("confidentiality", self.confidentiality.as_str())
            .build()
    }
}

impl RelationshipAttributeQuery {
    pub fn from_json(value: &Value) -> Result<Self> {
        let obj = Obj::typed("RelationshipAttributeQuery", value)?;
        Ok(Self {
            key: obj.req_str_len("key", 0, 100)?,
            owner: obj.req_str("owner")?,
            attribute_creation_hints: RelationshipAttributeCreationHints::from_json(
                obj.req("attributeCreationHints")?,
            )?,
        })
    }

    pub fn to_json(&self) -> Value {
        Out::new("RelationshipAttributeQuery")
            .set("key", self.key.clone())
            .set("owner", self.owner.clone())
            .set(
                "attributeCreationHints",
                self.attribute_creation_hints.to_json(),
            )
            .build()
    }
}

impl ThirdPartyRelationshipAttributeQuery {
    pub fn from_json(value: &Value) -> Result<Self> {
        let obj = Obj::typed("ThirdPartyRelationshipAttributeQuery", value)?;
        let key = obj.req_str_len("key", 0, 100)?;
        let owner = match obj.req_enum("owner", &["thirdParty", "recipient", ""])? {
            "thirdParty" => ThirdPartyOwner::ThirdParty,
            "recipient" => ThirdPartyOwner::Recipient,
            _ => ThirdPartyOwner::Empty,
        };
        // A single address is accepted and wrapped (older peers sent a string).
        let third_party = match obj.req("thirdParty")? {
            Value::String(s) => vec![s.clone()],
            _ => obj.opt_str_array("thirdParty")?.unwrap_or_default(),
        };
        if third_party.is_empty() {
            return Err(obj.err("thirdParty", "must have at least 1 element"));
        }
        Ok(Self {
            key,
            owner,
            third_party,
        })
    }

    pub fn to_json(&self) -> Value {
        Out::new("ThirdPartyRelationshipAttributeQuery")
            .set("key", self.key.clone())
            .set("owner", self.owner.as_str())
            .set("thirdParty", self.third_party.clone())
            .build()
    }
}

pub(crate) const ALL_QUERY_TYPES: [&str; 4] = [
    "IdentityAttributeQuery",
    "IQLQuery",
    "RelationshipAttributeQuery",
    "ThirdPartyRelationshipAttributeQuery",
];

impl AttributeQuery {
    pub fn from_json(value: &Value) -> Result<Self> {
        Self::from_json_at("query", value, &ALL_QUERY_TYPES)
    }

    /// Decodes a query whose `@type` must be one of `allowed`.
    pub(crate) fn from_json_at(position: &str, value: &Value, allowed: &[&str]) -> Result<Self> {
        let ty = type_of(position, value)?;
        if !allowed.contains(&ty) {
            return Err(unknown_type(position, ty, allowed));
        }
        match ty {
            "IdentityAttributeQuery" => {
                IdentityAttributeQuery::from_json(value).map(Self::Identity)
            }
            "IQLQuery" => IqlQuery::from_json(value).map(Self::Iql),
            "RelationshipAttributeQuery" => {
                RelationshipAttributeQuery::from_json(value).map(Self::Relationship)
            }
            "ThirdPartyRelationshipAttributeQuery" => {
                ThirdPartyRelationshipAttributeQuery::from_json(value)
                    .map(Self::ThirdPartyRelationship)
            }
            other => Err(ContentError::invalid(format!(
                "{position}: unknown @type \"{other}\""
            ))),
        }
    }

    pub fn to_json(&self) -> Value {
        match self {
            Self::Identity(q) => q.to_json(),
            Self::Iql(q) => q.to_json(),
            Self::Relationship(q) => q.to_json(),
            Self::ThirdPartyRelationship(q) => q.to_json(),
        }
    }
}
