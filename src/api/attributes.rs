//! The bodies of the `/Attributes` routes.

use std::marker::PhantomData;

use connector_content::{IqlQuery, iql};
use serde_json::Value;

use crate::error::ConnectorError;
use crate::error_codes::ErrorCode;
use crate::http::body::RequestBody;
use crate::routes::attributes::address;
use crate::routes::input;

/// `{content}` of `POST /Attributes` and `PUT /Attributes/CanCreate`.
#[derive(Debug, Clone)]
pub struct CreateAttribute {
    /// The IdentityAttribute content; consumption validates it.
    pub content: Value,
}

impl RequestBody for CreateAttribute {
    fn from_json(json: Value) -> Result<Self, ConnectorError> {
        let body = input::object(&json)?;
        let content = input::required_object(body, "content")?.clone();
        Ok(Self { content })
    }
}

/// `{successorContent}` of `POST /Attributes/{predecessorId}/Succeed`.
#[derive(Debug, Clone)]
pub struct SucceedAttribute {
    /// The successor's content; consumption validates it against the predecessor.
    pub successor_content: Value,
}

impl RequestBody for SucceedAttribute {
    fn from_json(json: Value) -> Result<Self, ConnectorError> {
        let body = input::object(&json)?;
        let successor_content = input::required_object(body, "successorContent")?.clone();
        Ok(Self { successor_content })
    }
}

/// `{peer}` of `POST /Attributes/{id}/NotifyPeer`.
#[derive(Debug, Clone)]
pub struct NotifyPeer {
    /// The peer to tell about the succession.
    pub peer: String,
}

impl RequestBody for NotifyPeer {
    fn from_json(json: Value) -> Result<Self, ConnectorError> {
        let body = input::object(&json)?;
        let peer = address(body.get("peer").and_then(Value::as_str).unwrap_or_default())?;
        Ok(Self {
            peer: peer.to_owned(),
        })
    }
}

/// The kind of query an `Execute…Query` route takes.
pub trait QueryKind {
    /// The query's `@type`.
    const TYPE: &'static str;
}

/// `ExecuteIdentityAttributeQuery`.
#[derive(Debug, Clone, Copy)]
pub struct IdentityAttributeQuery;
impl QueryKind for IdentityAttributeQuery {
    const TYPE: &'static str = "IdentityAttributeQuery";
}

/// `ExecuteRelationshipAttributeQuery`.
#[derive(Debug, Clone, Copy)]
pub struct RelationshipAttributeQuery;
impl QueryKind for RelationshipAttributeQuery {
    const TYPE: &'static str = "RelationshipAttributeQuery";
}

/// `ExecuteThirdPartyRelationshipAttributeQuery`.
#[derive(Debug, Clone, Copy)]
pub struct ThirdPartyRelationshipAttributeQuery;
impl QueryKind for ThirdPartyRelationshipAttributeQuery {
    const TYPE: &'static str = "ThirdPartyRelationshipAttributeQuery";
}

/// `{query}`: a query of kind `K` (its `@type` may be left out).
#[derive(Debug, Clone)]
pub struct AttributeQuery<K> {
    /// The query with its `@type`; consumption reads the rest.
    pub query: Value,
    kind: PhantomData<K>,
}

impl<K: QueryKind> RequestBody for AttributeQuery<K> {
    fn from_json(json: Value) -> Result<Self, ConnectorError> {
        Ok(Self {
            query: query_of(&json, K::TYPE)?,
            kind: PhantomData,
        })
    }
}

/// `{query}` of `POST /Attributes/ExecuteIQLQuery` (`@type` optional).
#[derive(Debug, Clone)]
pub struct ExecuteIqlQuery(pub IqlQuery);

impl RequestBody for ExecuteIqlQuery {
    fn from_json(json: Value) -> Result<Self, ConnectorError> {
        iql_query_of(&json, false).map(Self)
    }
}

/// `{query}` of `POST /Attributes/ValidateIQLQuery` (`@type` required).
#[derive(Debug, Clone)]
pub struct ValidateIqlQuery(pub IqlQuery);

impl RequestBody for ValidateIqlQuery {
    fn from_json(json: Value) -> Result<Self, ConnectorError> {
        iql_query_of(&json, true).map(Self)
    }
}

fn query_of(body: &Value, expected: &str) -> Result<Value, ConnectorError> {
    let body = input::object(body)?;
    let query = input::required_object(body, "query")?;
    match query.get("@type").and_then(Value::as_str) {
        None => {
            let mut query = query.clone();
            query["@type"] = expected.into();
            Ok(query)
        }
        Some(kind) if kind == expected => Ok(query.clone()),
        Some(_) => Err(ConnectorError::validation(format!(
            "query must be a {expected}"
        ))),
    }
}

/// The body of `ExecuteIQLQuery` / `ValidateIQLQuery`, checked in the order and with the messages of the
/// runtime's request schemas (`@type` optional for Execute, required for Validate), then read as an
/// `IQLQuery`, whose validator rejects over-long and syntactically invalid IQL (ts-serval errors, hence
/// `error.runtime.requestDeserialization`, in the runtime's wording).
fn iql_query_of(body: &Value, type_required: bool) -> Result<IqlQuery, ConnectorError> {
    let invalid = |message: &str| Err(ConnectorError::validation(message));
    let body = input::object(body)?;
    if !body.contains_key("query") {
        return invalid("must have required property 'query'");
    }
    if body.keys().any(|k| k != "query") {
        return invalid("must NOT have additional properties");
    }
    let Some(query) = body["query"].as_object() else {
        return invalid("query must be object");
    };
    let required: &[&str] = if type_required {
        &["@type", "queryString"]
    } else {
        &["queryString"]
    };
    if let Some(name) = required.iter().find(|n| !query.contains_key(**n)) {
        return invalid(&format!("query must have required property '{name}'"));
    }
    const KNOWN: &[&str] = &[
        "@type",
        "@context",
        "@version",
        "queryString",
        "attributeCreationHints",
    ];
    if query.keys().any(|k| !KNOWN.contains(&k.as_str())) {
        return invalid("query must NOT have additional properties");
    }
    // properties in the order the two schemas list them (the first failure is reported)
    let order: &[&str] = if type_required {
        &[
            "@type",
            "@context",
            "@version",
            "queryString",
            "attributeCreationHints",
        ]
    } else {
        &[
            "@type",
            "queryString",
            "attributeCreationHints",
            "@context",
            "@version",
        ]
    };
    for name in order {
        let Some(value) = query.get(*name) else {
            continue;
        };
        if *name != "attributeCreationHints" {
            if !value.is_string() {
                return invalid(&format!("query/{name} must be string"));
            }
            if *name == "@type" && value != "IQLQuery" {
                return invalid("query/@type must be equal to constant");
            }
            continue;
        }
        let Some(hints) = value.as_object() else {
            return invalid("query/attributeCreationHints must be object");
        };
        if !hints.contains_key("valueType") {
            return invalid("query/attributeCreationHints must have required property 'valueType'");
        }
        if hints.keys().any(|k| k != "valueType" && k != "tags") {
            return invalid("query/attributeCreationHints must NOT have additional properties");
        }
    }
    let query_string = query["queryString"].as_str().unwrap_or_default();
    let deserialization = |message: String| {
        ConnectorError::application(ErrorCode::RuntimeRequestDeserialization, message)
    };
    if query_string.encode_utf16().count() > 4096 {
        return Err(deserialization(
            "IQLQuery.queryString :: Value is longer than 4096 characters".to_owned(),
        ));
    }
    if let Err(offset) = iql::validate(query_string) {
        return Err(deserialization(format!(
            "IQLQuery.queryString:String :: invalid IQL query at character offset {offset}"
        )));
    }
    let mut typed = Value::Object(query.clone());
    typed["@type"] = "IQLQuery".into();
    IqlQuery::from_json(&typed).map_err(|e| ConnectorError::application(e.code, e.message))
}
