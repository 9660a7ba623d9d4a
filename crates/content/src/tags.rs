//! Semantic tag validation (§3.6) against the Backbone's `AttributeTagCollection`, which the caller fetches
//! and caches (this crate does no I/O).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::data::LANGUAGES;
use crate::error::{ContentError, Result, codes};

/// `AttributeTagCollection`: `{ supportedLanguages, tagsForAttributeValueTypes: { <valueType>: { <tag>: AttributeTag } } }`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AttributeTagCollection {
    pub supported_languages: Vec<String>,
    pub tags_for_attribute_value_types: BTreeMap<String, BTreeMap<String, AttributeTag>>,
}

/// One tag of the collection: display names by language and optional children.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AttributeTag {
    pub display_names: BTreeMap<String, String>,
    pub children: Option<BTreeMap<String, AttributeTag>>,
}

fn tag_map(value: &Value) -> BTreeMap<String, AttributeTag> {
    value
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), AttributeTag::from_json(v)))
                .collect()
        })
        .unwrap_or_default()
}

impl AttributeTag {
    pub fn from_json(value: &Value) -> Self {
        Self {
            display_names: value
                .get("displayNames")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                        .collect()
                })
                .unwrap_or_default(),
            children: value.get("children").filter(|v| v.is_object()).map(tag_map),
        }
    }
}

impl AttributeTagCollection {
    /// Reads the DTO as the Backbone / runtime return it (lenient: missing parts are empty).
    pub fn from_json(value: &Value) -> Self {
        Self {
            supported_languages: value
                .get("supportedLanguages")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            tags_for_attribute_value_types: value
                .get("tagsForAttributeValueTypes")
                .and_then(Value::as_object)
                .map(|m| m.iter().map(|(k, v)| (k.clone(), tag_map(v))).collect())
                .unwrap_or_default(),
        }
    }
}

/// Whether one tag is valid for `value_type`: `x:`/`X:` and `urn:` always; `language:<ISO 639-1>`;
/// `mimetype:<type>/<subtype>` (`[a-z-*]+`); `bkb:` (any case) followed by a complete (leaf) path of the collection.
pub fn is_valid_tag(tag: &str, value_type: &str, collection: &AttributeTagCollection) -> bool {
    let lower = tag.to_lowercase();
    if lower.starts_with("x:") || tag.starts_with("urn:") {
        return true;
    }
    if let Some(code) = tag.strip_prefix("language:") {
        return LANGUAGES.contains(&code);
    }
    if let Some(mime) = tag.strip_prefix("mimetype:") {
        let part = |p: &str| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-' || c == '*')
        };
        return mime
            .split_once('/')
            .is_some_and(|(a, b)| part(a) && part(b));
    }
    if !lower.starts_with("bkb:") {
        return false;
    }
    let mut level = collection.tags_for_attribute_value_types.get(value_type);
    for part in tag.split(':').skip(1) {
        let Some(node) = level.and_then(|l| l.get(part)) else {
            return false;
        };
        level = node.children.as_ref();
    }
    level.is_none()
}

/// `error.consumption.attributes.invalidTags` listing every invalid tag.
pub fn validate_tags(
    tags: &[String],
    value_type: &str,
    collection: &AttributeTagCollection,
) -> Result<()> {
    let invalid: Vec<&str> = tags
        .iter()
        .filter(|t| !is_valid_tag(t, value_type, collection))
        .map(String::as_str)
        .collect();
    if invalid.is_empty() {
        return Ok(());
    }
    Err(ContentError::new(
        codes::INVALID_TAGS,
        format!(
            "Detected invalidity of the following tags: '{}'.",
            invalid.join("', '")
        ),
    ))
}

/// §3.6 for an attribute: only IdentityAttributes carry tags; RelationshipAttributes always pass.
pub fn validate_attribute_tags(
    attribute: &crate::Attribute,
    collection: &AttributeTagCollection,
) -> Result<()> {
    match attribute {
        crate::Attribute::Identity(a) => validate_tags(
            a.tags.as_deref().unwrap_or_default(),
            a.value.type_name(),
            collection,
        ),
        crate::Attribute::Relationship(_) => Ok(()),
    }
}

/// §3.6 for a query: the tags of an IdentityAttributeQuery or of IQL creation hints, checked for its value type.
pub fn validate_query_tags(
    query: &crate::AttributeQuery,
    collection: &AttributeTagCollection,
) -> Result<()> {
    use crate::AttributeQuery as Q;
    let (tags, value_type) = match query {
        Q::Identity(q) => (q.tags.as_deref(), q.value_type),
        Q::Iql(q) => match &q.attribute_creation_hints {
            Some(h) => (h.tags.as_deref(), h.value_type),
            None => return Ok(()),
        },
        Q::Relationship(_) | Q::ThirdPartyRelationship(_) => return Ok(()),
    };
    validate_tags(tags.unwrap_or_default(), value_type, collection)
}
