//! Tokens (wire-formats §10): the token content classes, their encryption and the
//! `POST /api/v2/Tokens` body.

use crate::date::CoreDate;
use crate::error::{Result, WireError};
use crate::json;
use crate::password::PasswordInput;
use crate::reference::{password_protection_from_value, password_protection_to_value};
use crate::serial::{Fields, SerialObject, WireObject};
use nmshd_crypto::{Cipher, SecretKey, SharedPasswordProtection, decrypt, encrypt_with_nonce};
use serde_json::{Map, Value};

/// `TokenContentRelationshipTemplate`: how a template (id + key) travels inside a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenContentRelationshipTemplate {
    /// `RLT…` id.
    pub template_id: String,
    /// The template's secret key.
    pub secret_key: SecretKey,
    /// Full address the template is meant for.
    pub for_identity: Option<String>,
    /// The template's password protection (no clear-text password).
    pub password_protection: Option<SharedPasswordProtection>,
}

impl WireObject for TokenContentRelationshipTemplate {
    const TYPE: &'static str = "TokenContentRelationshipTemplate";

    fn to_value(&self, verbose: bool) -> Value {
        SerialObject::new()
            .field("templateId", self.template_id.as_str())
            .field("secretKey", self.secret_key.to_value(false))
            .opt_field("forIdentity", self.for_identity.as_deref())
            .opt_field(
                "passwordProtection",
                self.password_protection
                    .as_ref()
                    .map(|p| password_protection_to_value(p, false)),
            )
            .finish(Self::TYPE, verbose)
    }

    fn from_value(value: &Value) -> Result<Self> {
        let f = Fields::new(value, Self::TYPE)?;
        Ok(Self {
            template_id: f.str("templateId")?.to_owned(),
            secret_key: f.nested("secretKey", |v| Ok(SecretKey::from_value(v)?))?,
            for_identity: f.opt_str("forIdentity")?.map(str::to_owned),
            password_protection: f
                .opt_nested("passwordProtection", password_protection_from_value)?,
        })
    }
}

/// `TokenContentFile`: a file (id + metadata key) inside a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenContentFile {
    /// `FIL…` id.
    pub file_id: String,
    /// The file's metadata key.
    pub secret_key: SecretKey,
}

impl WireObject for TokenContentFile {
    const TYPE: &'static str = "TokenContentFile";

    fn to_value(&self, verbose: bool) -> Value {
        SerialObject::new()
            .field("fileId", self.file_id.as_str())
            .field("secretKey", self.secret_key.to_value(false))
            .finish(Self::TYPE, verbose)
    }

    fn from_value(value: &Value) -> Result<Self> {
        let f = Fields::new(value, Self::TYPE)?;
        Ok(Self {
            file_id: f.str("fileId")?.to_owned(),
            secret_key: f.nested("secretKey", |v| Ok(SecretKey::from_value(v)?))?,
        })
    }
}

/// The content of a token, chosen by its `@type` (`Serializable.deserializeUnknown`).
///
/// `TokenContentDeviceSharedSecret` and any other class (e.g. content-library types) are carried as
/// their JSON value, unchanged and re-serialized byte for byte.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenContent {
    /// A relationship template.
    RelationshipTemplate(TokenContentRelationshipTemplate),
    /// A file.
    File(TokenContentFile),
    /// Device onboarding secrets (`{"@type":"TokenContentDeviceSharedSecret","sharedSecret":{…}}`).
    DeviceSharedSecret(Value),
    /// Any other serializable class or free JSON without `@type`, kept as received.
    Other(Value),
}

impl TokenContent {
    /// The verbose JSON value (the form tokens carry).
    pub fn to_value(&self) -> Value {
        match self {
            TokenContent::RelationshipTemplate(t) => t.to_value(true),
            TokenContent::File(f) => f.to_value(true),
            TokenContent::DeviceSharedSecret(v) | TokenContent::Other(v) => v.clone(),
        }
    }

    /// `content.serialize()` (verbose).
    pub fn to_json(&self) -> String {
        json::stringify(&self.to_value())
    }

    /// Picks the class by `@type`; an object without one is free JSON, kept as it is (the
    /// runtime wraps it in a `JSONWrapper`, which serialises to the bare object again).
    pub fn from_value(value: &Value) -> Result<Self> {
        let object = value
            .as_object()
            .ok_or(WireError::NotAnObject { ty: "TokenContent" })?;
        let Some(ty) = object.get("@type") else {
            return Ok(TokenContent::Other(value.clone()));
        };
        let ty = ty
            .as_str()
            .ok_or_else(|| WireError::invalid("TokenContent", "@type", "is not a string"))?;
        match ty {
            TokenContentRelationshipTemplate::TYPE => Ok(TokenContent::RelationshipTemplate(
                TokenContentRelationshipTemplate::from_value(value)?,
            )),
            TokenContentFile::TYPE => Ok(TokenContent::File(TokenContentFile::from_value(value)?)),
            "TokenContentDeviceSharedSecret" => {
                Fields::new(value, "TokenContentDeviceSharedSecret")?.req("sharedSecret")?;
                Ok(TokenContent::DeviceSharedSecret(value.clone()))
            }
            _ => Ok(TokenContent::Other(value.clone())),
        }
    }

    /// Parses serialized token content.
    pub fn from_json(text: &str) -> Result<Self> {
        Self::from_value(&json::parse(text)?)
    }
}

/// Body of `POST /api/v2/Tokens`, member order as the client sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateTokenBody {
    /// `cipher.toBase64()`.
    pub content: String,
    /// Expiry.
    pub expires_at: CoreDate,
    /// Address the token is meant for.
    pub for_identity: Option<String>,
    /// Password hash (standard base64).
    pub password: Option<String>,
}

impl CreateTokenBody {
    /// The JSON body.
    pub fn to_value(&self) -> Value {
        let mut map = Map::new();
        map.insert("content".into(), Value::from(self.content.as_str()));
        map.insert("expiresAt".into(), self.expires_at.into());
        if let Some(f) = &self.for_identity {
            map.insert("forIdentity".into(), Value::from(f.as_str()));
        }
        if let Some(p) = &self.password {
            map.insert("password".into(), Value::from(p.as_str()));
        }
        Value::Object(map)
    }

    /// The body as JSON text.
    pub fn to_json(&self) -> String {
        json::stringify(&self.to_value())
    }
}

/// Body of `POST /api/v2/Tokens/{id}/UpdateContent` (filling a password-protected empty token):
/// `{"id","newContent","password"}` with `newContent` encrypted under the token's existing key.
pub fn update_token_content_body(id: &str, new_content: &str, password_hash: &str) -> String {
    let mut map = Map::new();
    map.insert("id".into(), Value::from(id));
    map.insert("newContent".into(), Value::from(new_content));
    map.insert("password".into(), Value::from(password_hash));
    json::stringify(&Value::Object(map))
}

/// The result of [`seal_token`].
#[derive(Debug, Clone)]
pub struct SealedToken {
    /// The verbose content serialization (the plaintext).
    pub serialized_content: String,
    /// The cipher.
    pub cipher: Cipher,
    /// `cipher.toBase64()`.
    pub content: String,
    /// The POST body.
    pub body: CreateTokenBody,
}

/// Encrypts token content with the token key (`TokenController.sendToken`); randomness is passed in.
pub fn seal_token(
    content: &TokenContent,
    secret_key: &SecretKey,
    nonce: [u8; 24],
    expires_at: CoreDate,
    for_identity: Option<&str>,
    password: Option<&PasswordInput>,
) -> Result<SealedToken> {
    let serialized_content = content.to_json();
    let cipher = encrypt_with_nonce(serialized_content.as_bytes(), secret_key, nonce);
    let encoded = cipher.to_base64();
    let body = CreateTokenBody {
        content: encoded.clone(),
        expires_at,
        for_identity: for_identity.map(str::to_owned),
        password: password.map(PasswordInput::hash_for_backbone).transpose()?,
    };
    Ok(SealedToken {
        serialized_content,
        cipher,
        content: encoded,
        body,
    })
}

/// Decrypts a token's Backbone `content` and picks its class (`decryptTokenContent`).
pub fn open_token(content: &str, secret_key: &SecretKey) -> Result<TokenContent> {
    let cipher = Cipher::from_base64(content)?;
    let plaintext = decrypt(&cipher, secret_key)?;
    let text = String::from_utf8(plaintext).map_err(|_| WireError::NotUtf8("token content"))?;
    TokenContent::from_json(&text)
}
