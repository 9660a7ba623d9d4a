//! The wire-content checks the consumption layer needs, all done by `connector-content`:
//! parsing and normalizing Requests, Responses and attributes, trimming, the character
//! whitelist and tag validation (against the Backbone's tag collection, cached per identity with
//! its ETag).

use std::sync::PoisonError;
use std::time::{Duration, Instant};

use backbone_client::dto::TagsResponse;
use connector_content::tags::AttributeTagCollection;
use connector_content::{Attribute, ContentError, IdentityAttribute, Request, Response};
use connector_transport::{Result, TransportError};
use serde_json::{Value, json};

use crate::Consumption;

/// A content error with its own code (invalidPropertyValue, forbiddenCharacters, invalidTags).
pub fn error(e: ContentError) -> TransportError {
    TransportError::rule(e.code, e.message)
}

/// A Request JSON (with or without `id`), parsed and rendered as the runtime renders it.
pub fn request(request: &Value) -> Result<Value> {
    Ok(Request::from_json(request).map_err(error)?.to_json())
}

/// A Response JSON, parsed and rendered.
pub fn response(response: &Value) -> Result<Value> {
    Ok(Response::from_json(response).map_err(error)?.to_json())
}

/// An IdentityAttribute JSON with every top-level string of its value trimmed (§3.7).
pub fn trimmed_identity_attribute(attribute: &Value) -> Result<Value> {
    let parsed = IdentityAttribute::from_json(attribute).map_err(error)?;
    Ok(parsed.trimmed().map_err(error)?.to_json())
}

/// An IdentityAttribute or RelationshipAttribute JSON, parsed and rendered.
pub fn attribute(attribute: &Value) -> Result<Value> {
    Ok(Attribute::from_json(attribute).map_err(error)?.to_json())
}

/// The character whitelist of §3.5; `Err(message)` names the offence (or the parse error).
pub fn check_whitelist(attribute: &Value) -> std::result::Result<(), String> {
    let parsed = Attribute::from_json(attribute).map_err(|e| e.message)?;
    connector_content::whitelist::check_attribute_characters(&parsed).map_err(|e| e.message)
}

/// How long a fetched tag collection is used without asking the Backbone again.
const TAG_CACHE_LIFETIME: Duration = Duration::from_secs(5 * 60);

/// The Backbone's tag collection as last fetched (kept per identity in its consumption context).
pub(crate) struct CachedTags {
    etag: Option<String>,
    json: Value,
    collection: AttributeTagCollection,
    fetched: Instant,
}

impl Consumption {
    /// The Backbone's `AttributeTagCollection` (`GET /Attributes/TagCollection`), as JSON and
    /// parsed; cached for five minutes, then revalidated with its ETag.
    pub async fn tag_collection(&self) -> Result<(Value, AttributeTagCollection)> {
        let context = self.context();
        let etag = {
            let cache = context.tags.lock().unwrap_or_else(PoisonError::into_inner);
            match cache.as_ref() {
                Some(c) if c.fetched.elapsed() < TAG_CACHE_LIFETIME => {
                    return Ok((c.json.clone(), c.collection.clone()));
                }
                Some(c) => c.etag.clone(),
                None => None,
            }
        };
        let answer = self
            .transport()
            .backbone()
            .anonymous()
            .get_tags(etag.as_deref())
            .await?;
        let mut cache = context.tags.lock().unwrap_or_else(PoisonError::into_inner);
        match answer {
            TagsResponse::Modified { tags, etag } => {
                let json = json!({
                    "supportedLanguages": tags.supported_languages,
                    "tagsForAttributeValueTypes": tags.tags_for_attribute_value_types,
                });
                let collection = AttributeTagCollection::from_json(&json);
                *cache = Some(CachedTags {
                    etag,
                    json: json.clone(),
                    collection: collection.clone(),
                    fetched: Instant::now(),
                });
                Ok((json, collection))
            }
            TagsResponse::NotModified => match cache.as_mut() {
                Some(c) => {
                    c.fetched = Instant::now();
                    Ok((c.json.clone(), c.collection.clone()))
                }
                None => Err(TransportError::rule(
                    "error.connector.unexpected",
                    "the Backbone answered 304 for tags that were never fetched",
                )),
            },
        }
    }

    /// Tag validation (§3.6) of an IdentityAttribute's tags; other attributes have none to check.
    pub async fn check_tags(&self, attribute: &Value) -> Result<()> {
        if attribute.get("@type").and_then(Value::as_str) != Some("IdentityAttribute") {
            return Ok(());
        }
        let tags: Vec<String> = attribute
            .get("tags")
            .and_then(Value::as_array)
            .map(|t| {
                t.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        if tags.is_empty() {
            return Ok(());
        }
        let value_type = attribute
            .pointer("/value/@type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let (_, collection) = self.tag_collection().await?;
        connector_content::tags::validate_tags(&tags, value_type, &collection).map_err(error)
    }
}
