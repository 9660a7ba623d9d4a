//! `POST /Tokens/Own` and `POST /Tokens/Peer`.

use connector_transport::PasswordProtectionInput;
use connector_transport::tokens::NewToken;
use nmshd_wire::token::TokenContent;
use serde_json::Value;

use crate::error::ConnectorError;
use crate::error_codes::ErrorCode;
use crate::http::body::RequestBody;
use crate::routes::input;

/// `{content, expiresAt, ephemeral?, forIdentity?, passwordProtection?}`.
#[derive(Debug, Clone)]
pub struct CreateOwnToken(pub NewToken);

impl RequestBody for CreateOwnToken {
    fn from_json(json: Value) -> Result<Self, ConnectorError> {
        let body = input::object(&json)?;
        let content = input::required_object(body, "content")?;
        input::required(body, "expiresAt")?;
        let expires_at = input::future_date(body, "expiresAt")?
            .ok_or_else(|| ConnectorError::validation("must have required property 'expiresAt'"))?;
        let ephemeral = input::optional_bool(body, "ephemeral")?.unwrap_or(false);
        // As in the runtime: the request's own checks (password protection among them) come
        // before the content is deserialised.
        let for_identity = input::optional_address(body, "forIdentity")?;
        let password_protection = input::password_protection(body)?;
        let content = own_token_content(content)?;
        Ok(Self(NewToken {
            content,
            expires_at,
            ephemeral,
            for_identity,
            password_protection,
        }))
    }
}

/// The content of a new own token, read as the runtime's `Serializable.fromUnknown` does: an
/// object without `@type` is free JSON (kept as sent), an object with a `@type` the runtime has
/// not registered cannot be read (`error.runtime.invalidTokenContent`).
fn own_token_content(content: &Value) -> Result<TokenContent, ConnectorError> {
    let invalid = || {
        ConnectorError::application(
            ErrorCode::RuntimeInvalidTokenContent,
            "The given content is not a valid token content.",
        )
    };
    match content.get("@type") {
        None => Ok(TokenContent::Other(content.clone())),
        Some(Value::String(ty)) if connector_content::registry::is_registered(ty) => {
            TokenContent::from_value(content).map_err(|_| invalid())
        }
        Some(_) => Err(invalid()),
    }
}

/// `{reference, ephemeral?, password?}`.
#[derive(Debug, Clone)]
pub struct LoadPeerToken {
    /// The token reference as sent (parsed by transport, which answers its errors).
    pub reference: String,
    /// Default false.
    pub ephemeral: bool,
    /// For a password-protected token.
    pub password: Option<String>,
}

impl RequestBody for LoadPeerToken {
    fn from_json(json: Value) -> Result<Self, ConnectorError> {
        let body = input::object(&json)?;
        let reference = input::optional_string(body, "reference")?
            .ok_or_else(|| ConnectorError::validation("must have required property 'reference'"))?;
        let ephemeral = input::optional_bool(body, "ephemeral")?.unwrap_or(false);
        let password = input::optional_string(body, "password")?;
        Ok(Self {
            reference: reference.to_owned(),
            ephemeral,
            password: password.map(str::to_owned),
        })
    }
}

/// Options of a token for an own template or file: `{expiresAt?, ephemeral?, forIdentity?,
/// passwordProtection?}` (the body may be missing, not `null`).
#[derive(Debug, Clone)]
pub struct TemplateTokenOptions {
    /// When the token expires (in the future).
    pub expires_at: Option<nmshd_wire::CoreDate>,
    /// Default true.
    pub ephemeral: Option<bool>,
    /// The only identity that may load it.
    pub for_identity: Option<String>,
    /// Password or PIN.
    pub password_protection: Option<PasswordProtectionInput>,
}

impl RequestBody for TemplateTokenOptions {
    fn from_json(json: Value) -> Result<Self, ConnectorError> {
        let body = input::object(&json)?;
        let expires_at = input::future_date(body, "expiresAt")?;
        let ephemeral = input::optional_bool(body, "ephemeral")?;
        let for_identity = input::optional_address(body, "forIdentity")?;
        let password_protection = input::password_protection(body)?;
        Ok(Self {
            expires_at,
            ephemeral,
            for_identity,
            password_protection,
        })
    }
}
