//! Attribute queries (content-model §3.3): the match rules and the canCreate rules.

use connector_store::{Condition, Filter};
use connector_transport::Result;
use serde_json::Value;

use super::{item_error, kind, text};
use crate::Consumption;
use crate::attributes::eq;
use crate::records::AttributeKind;
use crate::validation::ValidationResult;

/// Whether an Own/PeerRelationshipAttribute with `key`, `owner` and `value_type` exists in the
/// relationship with `peer` (the key-uniqueness rule).
pub(super) async fn relationship_key_taken(
    c: &Consumption,
    peer: &str,
    key: &str,
    owner: &str,
    value_type: &str,
) -> Result<bool> {
    let filter = Filter::And(vec![
        Filter::field(
            "@type",
            Condition::In(vec![
                AttributeKind::OwnRelationshipAttribute.as_str().into(),
                AttributeKind::PeerRelationshipAttribute.as_str().into(),
            ]),
        )?,
        eq("peer", peer)?,
        eq("content.key", key)?,
        eq("content.owner", owner)?,
        eq("content.value.@type", value_type)?,
        Filter::field("succeededBy", Condition::Exists(false))?,
    ]);
    Ok(!c.attributes(&filter).await?.is_empty())
}

/// Common canCreate rule (`validateQuery`): no `thirdParty` entry may be the sender or the
/// recipient.
pub(super) fn can_create_query(
    query: &Value,
    me: &str,
    recipient: Option<&str>,
) -> Option<ValidationResult> {
    if kind(query) != "ThirdPartyRelationshipAttributeQuery" {
        return None;
    }
    let third: Vec<&str> = match query.get("thirdParty") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(all)) => all.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if third.contains(&me) {
        return Some(item_error(
            "You cannot query with a thirdParty that is yourself.",
        ));
    }
    if recipient.is_some_and(|r| third.contains(&r)) {
        return Some(item_error(
            "You cannot query with a thirdParty that is the recipient.",
        ));
    }
    None
}

/// The match rule of `query` for `attribute` answered by `answerer` to `sender`;
/// `Err(message)` names the mismatch.
pub(super) fn matches(
    attribute: &Value,
    query: &Value,
    answerer: &str,
    sender: &str,
) -> std::result::Result<(), String> {
    let owner = text(attribute, "owner");
    let value_type = attribute
        .pointer("/value/@type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match kind(query) {
        "IdentityAttributeQuery" | "IQLQuery" => {
            if kind(attribute) != "IdentityAttribute" {
                return Err("The provided Attribute is not an IdentityAttribute, but the given query is an IdentityAttributeQuery or IQLQuery.".into());
            }
            if owner != answerer {
                return Err("The given Attribute belongs to someone else. You can only share own Attributes.".into());
            }
            let wanted = if kind(query) == "IQLQuery" {
                query.pointer("/attributeCreationHints/valueType")
            } else {
                query.get("valueType")
            };
            if let Some(wanted) = wanted.and_then(Value::as_str)
                && wanted != value_type
            {
                return Err("The provided IdentityAttribute is not of the queried IdentityAttribute value type.".into());
            }
            let tags: Vec<&str> = query
                .get("tags")
                .and_then(Value::as_array)
                .map(|t| t.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if kind(query) == "IdentityAttributeQuery"
                && !tags.is_empty()
                && !crate::attributes::has_any_tag(attribute, &tags)
            {
                return Err("The tags of the provided IdentityAttribute do not contain any of the queried tags.".into());
            }
            Ok(())
        }
        "RelationshipAttributeQuery" => {
            if kind(attribute) != "RelationshipAttribute" {
                return Err("The provided Attribute is not a RelationshipAttribute, but the given query is a RelationshipAttributeQuery.".into());
            }
            let query_owner = text(query, "owner");
            if (query_owner.is_empty() && owner != answerer)
                || (!query_owner.is_empty() && owner != query_owner)
            {
                return Err("The owner of the provided RelationshipAttribute does not match the owner specified in the RelationshipAttributeQuery.".into());
            }
            let hints = &query["attributeCreationHints"];
            if text(attribute, "key") != text(query, "key") {
                return Err(
                    "The provided RelationshipAttribute does not have the queried key.".into(),
                );
            }
            if text(attribute, "confidentiality") != text(hints, "confidentiality") {
                return Err(
                    "The provided RelationshipAttribute does not have the queried confidentiality."
                        .into(),
                );
            }
            if text(hints, "valueType") != value_type {
                return Err("The provided RelationshipAttribute is not of the queried RelationshipAttribute value type.".into());
            }
            if value_type != "Consent" {
                let value = &attribute["value"];
                if value.get("title") != hints.get("title")
                    || value.get("description") != hints.get("description")
                {
                    return Err("The provided RelationshipAttribute does not match the title or description of the query's attributeCreationHints.".into());
                }
            }
            Ok(())
        }
        "ThirdPartyRelationshipAttributeQuery" => {
            if kind(attribute) != "RelationshipAttribute" {
                return Err("The provided Attribute is not a RelationshipAttribute, but the given query is a ThirdPartyRelationshipAttributeQuery.".into());
            }
            if owner == sender {
                return Err("You cannot share RelationshipAttributes the Sender owns with the Sender itself.".into());
            }
            if text(attribute, "key") != text(query, "key") {
                return Err(
                    "The provided RelationshipAttribute does not have the queried key.".into(),
                );
            }
            let third: Vec<&str> = match query.get("thirdParty") {
                Some(Value::String(s)) => vec![s.as_str()],
                Some(Value::Array(all)) => all.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            let any = third.contains(&"");
            let ok = match text(query, "owner") {
                "recipient" => owner == answerer,
                "thirdParty" => any || third.contains(&owner),
                _ => owner == answerer || any || third.contains(&owner),
            };
            if !ok {
                return Err("The owner of the provided RelationshipAttribute does not match the owner specified in the ThirdPartyRelationshipAttributeQuery.".into());
            }
            Ok(())
        }
        other => Err(format!("The query type '{other}' is not supported.")),
    }
}
