//! `PUT /IdentityMetadata` and `POST /BackboneNotifications`.

use serde_json::Value;

use crate::error::ConnectorError;
use crate::http::body::RequestBody;
use crate::routes::input;
use crate::routes::small_areas::required_address;

/// `{reference, key?, value}`.
#[derive(Debug, Clone)]
pub struct PutIdentityMetadata {
    /// The identity the metadata is about.
    pub reference: String,
    /// Several entries per identity are told apart by key.
    pub key: Option<String>,
    /// Any JSON.
    pub value: Value,
}

impl RequestBody for PutIdentityMetadata {
    fn from_json(json: Value) -> Result<Self, ConnectorError> {
        let body = input::object(&json)?;
        if let Some(extra) = body
            .keys()
            .find(|k| !["reference", "key", "value"].contains(&k.as_str()))
        {
            return Err(ConnectorError::validation(format!(
                "must NOT have additional properties ('{extra}')"
            )));
        }
        let reference = required_address(body, "reference")?;
        let key = input::optional_string(body, "key")?.map(str::to_owned);
        let value = input::required(body, "value")?.clone();
        Ok(Self {
            reference,
            key,
            value,
        })
    }
}

/// `{recipients, code}`.
#[derive(Debug, Clone)]
pub struct SendBackboneNotification {
    /// Peers with an active relationship.
    pub recipients: Vec<String>,
    /// A notification code configured on the Backbone.
    pub code: String,
}

impl RequestBody for SendBackboneNotification {
    fn from_json(json: Value) -> Result<Self, ConnectorError> {
        let body = input::object(&json)?;
        let recipients = input::required(body, "recipients")?
            .as_array()
            .ok_or_else(|| ConnectorError::validation("/recipients must be array"))?
            .iter()
            .map(|r| match r.as_str() {
                Some(address) if address.starts_with("did:e:") => Ok(address.to_owned()),
                _ => Err(ConnectorError::validation(
                    "/recipients/0 must match format \"address\"",
                )),
            })
            .collect::<Result<Vec<_>, _>>()?;
        input::required(body, "code")?;
        let code = input::optional_string(body, "code")?
            .unwrap_or_default()
            .to_owned();
        Ok(Self { recipients, code })
    }
}
