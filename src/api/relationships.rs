//! `PUT /Relationships/CanCreate` and `POST /Relationships`.

use serde_json::Value;

use super::ids::TemplateId;
use crate::error::ConnectorError;
use crate::http::body::RequestBody;
use crate::routes::input;

const CREATION_CONTENT_TYPES: [&str; 2] = [
    "RelationshipCreationContent",
    "ArbitraryRelationshipCreationContent",
];

fn template_id(body: &serde_json::Map<String, Value>) -> Result<TemplateId, ConnectorError> {
    let id = input::optional_string(body, "templateId")?
        .ok_or_else(|| ConnectorError::validation("must have required property 'templateId'"))?;
    TemplateId::from_path(id)
}

/// `{templateId}`.
#[derive(Debug, Clone)]
pub struct CanCreateRelationship {
    /// The peer's template.
    pub template_id: TemplateId,
}

impl RequestBody for CanCreateRelationship {
    fn from_json(json: Value) -> Result<Self, ConnectorError> {
        let body = input::object(&json)?;
        Ok(Self {
            template_id: template_id(body)?,
        })
    }
}

/// `{templateId, creationContent}`.
#[derive(Debug, Clone)]
pub struct CreateRelationship {
    /// The peer's template.
    pub template_id: TemplateId,
    /// A `RelationshipCreationContent` or an `ArbitraryRelationshipCreationContent`.
    pub creation_content: Value,
}

impl RequestBody for CreateRelationship {
    fn from_json(json: Value) -> Result<Self, ConnectorError> {
        let body = input::object(&json)?;
        let template_id = template_id(body)?;
        let content = input::required_object(body, "creationContent")?.clone();
        let ty = content.get("@type").and_then(Value::as_str).unwrap_or("");
        if !CREATION_CONTENT_TYPES.contains(&ty) {
            return Err(ConnectorError::validation(
                "The creationContent of a Relationship must either be an ArbitraryRelationshipCreationContent or a RelationshipCreationContent.",
            ));
        }
        Ok(Self {
            template_id,
            creation_content: content,
        })
    }
}
