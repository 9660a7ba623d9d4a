//! IdentityAttribute and RelationshipAttribute (§3.1, §3.2).

use serde_json::Value;

use crate::error::Result;
use crate::json::{Obj, Out, check_tag_shape, type_of, unknown_type};
use crate::values::{AttributeValue, ValueKind};

/// `IdentityAttribute`: identity data of `owner` (`""` in Requests = "the recipient").
#[derive(Debug, Clone, PartialEq)]
pub struct IdentityAttribute {
    pub owner: String,
    pub value: AttributeValue,
    pub tags: Option<Vec<String>>,
}

/// `confidentiality` of a RelationshipAttribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Confidentiality {
    Public,
    Protected,
    Private,
}

impl Confidentiality {
    pub const ALL: [&'static str; 3] = ["public", "protected", "private"];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Protected => "protected",
            Self::Private => "private",
        }
    }

    pub(crate) fn read(obj: &Obj<'_>, key: &str) -> Result<Self> {
        Ok(match obj.req_enum(key, &Self::ALL)? {
            "public" => Self::Public,
            "protected" => Self::Protected,
            _ => Self::Private,
        })
    }
}

/// `RelationshipAttribute`: data that only exists within one relationship, identified by `key`.
#[derive(Debug, Clone, PartialEq)]
pub struct RelationshipAttribute {
    pub owner: String,
    pub value: AttributeValue,
    pub key: String,
    /// Defaulted to `false` on input, always emitted.
    pub is_technical: bool,
    pub confidentiality: Confidentiality,
}

/// Either kind of attribute (decoded by `@type`).
#[derive(Debug, Clone, PartialEq)]
pub enum Attribute {
    Identity(IdentityAttribute),
    Relationship(RelationshipAttribute),
}

impl IdentityAttribute {
    pub fn from_json(value: &Value) -> Result<Self> {
        let obj = Obj::typed("IdentityAttribute", value)?;
        let owner = obj.req_str("owner")?;
        let value = AttributeValue::from_json_of_kind(
            "IdentityAttribute.value",
            obj.req("value")?,
            ValueKind::Identity,
        )?;
        let tags = obj.opt_str_array("tags")?;
        if let Some(tags) = &tags {
            check_tag_shape(&obj, "tags", tags)?;
        }
        Ok(Self { owner, value, tags })
    }

    pub fn to_json(&self) -> Value {
        Out::new("IdentityAttribute")
            .set("owner", self.owner.clone())
            .set("value", self.value.to_json())
            .opt("tags", self.tags.clone())
            .build()
    }

    /// The same attribute with every top-level string of the value trimmed (§3.7: own identity attributes
    /// are stored trimmed; duplicate detection compares trimmed values).
    pub fn trimmed(&self) -> Result<Self> {
        Ok(Self {
            value: self.value.trimmed()?,
            ..self.clone()
        })
    }
}

impl RelationshipAttribute {
    pub fn from_json(value: &Value) -> Result<Self> {
        let obj = Obj::typed("RelationshipAttribute", value)?;
        let owner = obj.req_str("owner")?;
        let value = AttributeValue::from_json_of_kind(
            "RelationshipAttribute.value",
            obj.req("value")?,
            ValueKind::Relationship,
        )?;
        let key = obj.req_str_len("key", 0, 100)?;
        let is_technical = obj.opt_bool("isTechnical")?.unwrap_or(false);
        let confidentiality = Confidentiality::read(&obj, "confidentiality")?;
        Ok(Self {
            owner,
            value,
            key,
            is_technical,
            confidentiality,
        })
    }

    pub fn to_json(&self) -> Value {
        Out::new("RelationshipAttribute")
            .set("owner", self.owner.clone())
            .set("value", self.value.to_json())
            .set("key", self.key.clone())
            .set("isTechnical", self.is_technical)
            .set("confidentiality", self.confidentiality.as_str())
            .build()
    }
}

impl Attribute {
    pub fn from_json(value: &Value) -> Result<Self> {
        Self::from_json_at("attribute", value)
    }

    pub(crate) fn from_json_at(position: &str, value: &Value) -> Result<Self> {
        match type_of(position, value)? {
            "IdentityAttribute" => IdentityAttribute::from_json(value).map(Self::Identity),
            "RelationshipAttribute" => {
                RelationshipAttribute::from_json(value).map(Self::Relationship)
            }
            other => Err(unknown_type(
                position,
                other,
                &["IdentityAttribute", "RelationshipAttribute"],
            )),
        }
    }

    pub fn to_json(&self) -> Value {
        match self {
            Self::Identity(a) => a.to_json(),
            Self::Relationship(a) => a.to_json(),
        }
    }

    pub fn owner(&self) -> &str {
        match self {
            Self::Identity(a) => &a.owner,
            Self::Relationship(a) => &a.owner,
        }
    }

    pub fn value(&self) -> &AttributeValue {
        match self {
            Self::Identity(a) => &a.value,
            Self::Relationship(a) => &a.value,
        }
    }
}
