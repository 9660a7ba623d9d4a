//! `POST /Requests/Outgoing[/Validate]` and the decisions on incoming requests.

use serde_json::Value;

use crate::error::ConnectorError;
use crate::error_codes::ErrorCode;
use crate::http::body::RequestBody;
use crate::routes::input;

/// `{content, peer?}`.
#[derive(Debug, Clone)]
pub struct ValidateOutgoingRequest {
    /// The request content (`Request` without `@type` is fine); consumption validates it.
    pub content: Value,
    /// Whom it would go to.
    pub peer: Option<String>,
}

impl RequestBody for ValidateOutgoingRequest {
    fn from_json(json: Value) -> Result<Self, ConnectorError> {
        let body = input::object(&json)?;
        let content = input::required_object(body, "content")?.clone();
        let peer = input::optional_string(body, "peer")?.map(str::to_owned);
        Ok(Self { content, peer })
    }
}

/// `{content, peer}`.
#[derive(Debug, Clone)]
pub struct CreateOutgoingRequest {
    /// The request content; consumption validates it.
    pub content: Value,
    /// Whom it goes to.
    pub peer: String,
}

impl RequestBody for CreateOutgoingRequest {
    fn from_json(json: Value) -> Result<Self, ConnectorError> {
        let ValidateOutgoingRequest { content, peer } = ValidateOutgoingRequest::from_json(json)?;
        let peer =
            peer.ok_or_else(|| ConnectorError::validation("must have required property 'peer'"))?;
        Ok(Self { content, peer })
    }
}

/// The decision body `{items: [...], ...}` of `Accept`/`Reject` and their `Can…` checks, kept as
/// JSON for consumption, which reads each item's parameters against its request item.
/// `decidedByAutomation: true` is refused: it is reserved for the decider.
#[derive(Debug, Clone)]
pub struct DecideRequest(pub Value);

impl RequestBody for DecideRequest {
    fn from_json(json: Value) -> Result<Self, ConnectorError> {
        let map = input::object(&json)?;
        if map.get("decidedByAutomation") == Some(&Value::Bool(true)) {
            return Err(ConnectorError::application(
                ErrorCode::ConnectorIncomingRequestsDecidedByAutomation,
                "The 'decidedByAutomation' flag is reserved for the automated decision of Requests and cannot be set manually.",
            ));
        }
        match map.get("items") {
            Some(Value::Array(_)) => Ok(Self(json)),
            None | Some(Value::Null) => Err(ConnectorError::validation(
                "must have required property 'items'",
            )),
            Some(_) => Err(ConnectorError::validation("/items must be array")),
        }
    }
}
