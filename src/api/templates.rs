//! `POST /RelationshipTemplates/Own` and `POST /RelationshipTemplates/Peer`.

use connector_transport::templates::NewTemplate;
use serde_json::Value;

use crate::error::ConnectorError;
use crate::error_codes::ErrorCode;
use crate::http::body::RequestBody;
use crate::routes::input;

const TEMPLATE_CONTENT_TYPES: [&str; 2] = [
    "RelationshipTemplateContent",
    "ArbitraryRelationshipTemplateContent",
];

/// `{content, expiresAt, maxNumberOfAllocations?, forIdentity?, passwordProtection?}`.
#[derive(Debug, Clone)]
pub struct CreateOwnTemplate(pub NewTemplate);

impl RequestBody for CreateOwnTemplate {
    fn from_json(json: Value) -> Result<Self, ConnectorError> {
        let body = input::object(&json)?;
        let mut content = input::required_object(body, "content")?.clone();
        input::required(body, "expiresAt")?;
        let expires_at = input::future_date(body, "expiresAt")?
            .ok_or_else(|| ConnectorError::validation("must have required property 'expiresAt'"))?;
        let ty = content
            .get("@type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        input::refuse_unregistered_type(&ty)?;
        if !TEMPLATE_CONTENT_TYPES.contains(&ty.as_str()) {
            // The runtime deserialises a known class of another kind first, which fails on its
            // first missing property before the kind is checked.
            if let Some(message) = connector_content::registry::first_missing_property(&content) {
                return Err(ConnectorError::application(
                    ErrorCode::RuntimeRequestDeserialization,
                    message,
                ));
            }
            return Err(ConnectorError::validation(
                "The content of a RelationshipTemplate must either be a RelationshipTemplateContent or an ArbitraryRelationshipTemplateContent.",
            ));
        }
        set_request_expiry(&mut content, expires_at)?;
        let max_number_of_allocations =
            max_number_of_allocations(body.get("maxNumberOfAllocations"))?;
        Ok(Self(NewTemplate {
            content,
            expires_at,
            max_number_of_allocations,
            for_identity: input::optional_address(body, "forIdentity")?,
            password_protection: input::password_protection(body)?,
        }))
    }
}

/// `maxNumberOfAllocations`: a JSON number ≥ 1 as ajv reads it (`1e3` is 1000). The Backbone
/// takes a whole number only; one it cannot read (`1.5`) is refused as the real Backbone does.
fn max_number_of_allocations(value: Option<&Value>) -> Result<Option<u32>, ConnectorError> {
    let number = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(number)) => number.as_f64().unwrap_or(f64::NAN),
        Some(_) => {
            return Err(ConnectorError::validation(
                "maxNumberOfAllocations must be number",
            ));
        }
    };
    if number.is_nan() || number < 1.0 {
        return Err(ConnectorError::validation(
            "maxNumberOfAllocations must be >= 1",
        ));
    }
    if number.fract() != 0.0 || number > f64::from(u32::MAX) {
        return Err(ConnectorError::Backbone {
            status: 400,
            code: "error.platform.inputCannotBeParsed".into(),
            message:
                "The input could not be parsed: 'maxNumberOfAllocations' must be a whole number."
                    .into(),
        });
    }
    // A whole number in 1..=u32::MAX.
    Ok(Some(number as u32))
}

/// `{reference, password?}`.
#[derive(Debug, Clone)]
pub struct LoadPeerTemplate {
    /// The template (or token) reference as sent; transport parses it and answers its errors.
    pub reference: String,
    /// For a password-protected template.
    pub password: Option<String>,
}

impl RequestBody for LoadPeerTemplate {
    fn from_json(json: Value) -> Result<Self, ConnectorError> {
        let body = input::object(&json)?;
        let reference = input::optional_string(body, "reference")?
            .ok_or_else(|| ConnectorError::validation("must have required property 'reference'"))?;
        let password = input::optional_string(body, "password")?;
        Ok(Self {
            reference: reference.to_owned(),
            password: password.map(str::to_owned),
        })
    }
}

/// A `RelationshipTemplateContent`'s `onNewRelationship` Request must not expire after the template
/// and expires with it when it names no expiry (as the runtime does).
fn set_request_expiry(
    content: &mut Value,
    template_expires_at: nmshd_wire::CoreDate,
) -> Result<(), ConnectorError> {
    if content.get("@type").and_then(Value::as_str) != Some("RelationshipTemplateContent") {
        return Ok(());
    }
    let Some(request) = content
        .get_mut("onNewRelationship")
        .and_then(Value::as_object_mut)
    else {
        return Err(ConnectorError::validation(
            "content must have required property 'onNewRelationship'",
        ));
    };
    match request.get("expiresAt").and_then(Value::as_str) {
        Some(text) => {
            let expires_at = nmshd_wire::CoreDate::parse(text).map_err(|_| {
                ConnectorError::validation("onNewRelationship.expiresAt must be a date")
            })?;
            if expires_at.unix_millis() > template_expires_at.unix_millis() {
                return Err(ConnectorError::application(
                    ErrorCode::RuntimeRelationshipTemplatesRequestCannotExpireAfterRelationshipTemplate,
                    "The expiration date of the Request within the onNewRelationship property of the RelationshipTemplateContent must be set such that the expiration date of the RelationshipTemplate is not exceeded.",
                ));
            }
        }
        None => {
            request.insert(
                "expiresAt".into(),
                template_expires_at.to_iso_string().into(),
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn max_number_of_allocations_reads_numbers_as_ajv_does() {
        assert_eq!(
            max_number_of_allocations(Some(&json!(1e3))).unwrap(),
            Some(1000)
        );
        assert_eq!(max_number_of_allocations(Some(&json!(1))).unwrap(), Some(1));
        assert_eq!(max_number_of_allocations(None).unwrap(), None);
        let message = |v: Value| max_number_of_allocations(Some(&v)).unwrap_err().to_string();
        assert_eq!(message(json!(0)), "maxNumberOfAllocations must be >= 1");
        assert_eq!(message(json!(0.5)), "maxNumberOfAllocations must be >= 1");
        assert_eq!(message(json!("1")), "maxNumberOfAllocations must be number");
        let fraction = max_number_of_allocations(Some(&json!(1.5))).unwrap_err();
        assert_eq!(fraction.code(), "error.platform.inputCannotBeParsed");
    }
}
