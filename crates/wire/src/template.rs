//! Relationship templates (wire-formats §9): the public template key, the content wrapper signed with
//! the identity key, the signed container, its encryption and the `POST /api/v2/RelationshipTemplates` body.

use crate::date::CoreDate;
use crate::error::{Result, WireError};
use crate::identity::Identity;
use crate::json;
use crate::password::PasswordInput;
use crate::serial::{Fields, SerialObject, WireObject};
use nmshd_crypto::{
    Cipher, ExchangePublicKey, HashAlgorithm, SecretKey, Signature, SignaturePrivateKey, decrypt,
    encrypt_with_nonce,
};
use serde_json::{Map, Value};

/// `RelationshipTemplatePublicKey`: the templator's X25519 template key with its local secret id.
///
/// Custom JSON (not sorted): `{"id":"TRPRTK…","pub":…,"alg":3}` plus a trailing
/// `"@type":"RelationshipTemplatePublicKey"` when verbose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationshipTemplatePublicKey {
    /// Id of the secret container holding the private half (`TRPRTK…`).
    pub id: String,
    /// The public key.
    pub key: ExchangePublicKey,
}

impl WireObject for RelationshipTemplatePublicKey {
    const TYPE: &'static str = "RelationshipTemplatePublicKey";

    fn to_value(&self, verbose: bool) -> Value {
        let mut map = Map::new();
        map.insert("id".into(), Value::from(self.id.as_str()));
        if let Value::Object(key) = self.key.to_value(false) {
            for (k, v) in key {
                map.insert(k, v);
            }
        }
        if verbose {
            map.insert("@type".into(), Value::from(Self::TYPE));
        }
        Value::Object(map)
    }

    fn from_value(value: &Value) -> Result<Self> {
        let f = Fields::new(value, Self::TYPE)?;
        let id = f.str("id")?.to_owned();
        let mut key = value.as_object().cloned().unwrap_or_default();
        key.remove("id");
        key.remove("@type");
        let key = ExchangePublicKey::from_value(&Value::Object(key))
            .map_err(|e| WireError::invalid(Self::TYPE, "pub", e.to_string()))?;
        Ok(Self { id, key })
    }
}

/// `RelationshipTemplateContentWrapper{content, identity, templateKey}`; its verbose serialization is
/// what the identity key signs.
#[derive(Debug, Clone, PartialEq)]
pub struct RelationshipTemplateContentWrapper {
    /// The template content (e.g. `RelationshipTemplateContent`), with its own `@type` and key order.
    pub content: Value,
    /// The templator.
    pub identity: Identity,
    /// The templator's template key.
    pub template_key: RelationshipTemplatePublicKey,
}

impl WireObject for RelationshipTemplateContentWrapper {
    const TYPE: &'static str = "RelationshipTemplateContentWrapper";

    fn to_value(&self, verbose: bool) -> Value {
        SerialObject::new()
            .field("content", self.content.clone())
            .field("identity", self.identity.to_value(false))
            .field("templateKey", self.template_key.to_value(false))
            .finish(Self::TYPE, verbose)
    }

    fn from_value(value: &Value) -> Result<Self> {
        let f = Fields::new(value, Self::TYPE)?;
        Ok(Self {
            content: f.req("content")?.clone(),
            identity: f.nested("identity", Identity::from_value)?,
            template_key: f.nested("templateKey", RelationshipTemplatePublicKey::from_value)?,
        })
    }
}

/// `RelationshipTemplateSigned{deviceSignature, serializedTemplate}`. Despite the name the signature is
/// made with the **identity** key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationshipTemplateSigned {
    /// The exact signed string (verbose wrapper serialization).
    pub serialized_template: String,
    /// Identity-key signature (alg 2) over the UTF-8 of `serialized_template`.
    pub device_signature: Signature,
}

impl WireObject for RelationshipTemplateSigned {
    const TYPE: &'static str = "RelationshipTemplateSigned";

    fn to_value(&self, verbose: bool) -> Value {
        SerialObject::new()
            .field("serializedTemplate", self.serialized_template.as_str())
            .field("deviceSignature", self.device_signature.to_value(false))
            .finish(Self::TYPE, verbose)
    }

    fn from_value(value: &Value) -> Result<Self> {
        let f = Fields::new(value, Self::TYPE)?;
        Ok(Self {
            serialized_template: f.str("serializedTemplate")?.to_owned(),
            device_signature: f.nested("deviceSignature", |v| Ok(Signature::from_value(v)?))?,
        })
    }
}

/// Body of `POST /api/v2/RelationshipTemplates`, member order as the client sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateTemplateBody {
    /// Expiry.
    pub expires_at: CoreDate,
    /// Allocation limit.
    pub max_number_of_allocations: Option<u32>,
    /// Address the template is meant for.
    pub for_identity: Option<String>,
    /// Password hash (standard base64).
    pub password: Option<String>,
    /// `cipher.toBase64()`.
    pub content: String,
}

impl CreateTemplateBody {
    /// The JSON body.
    pub fn to_value(&self) -> Value {
        let mut map = Map::new();
        map.insert("expiresAt".into(), self.expires_at.into());
        if let Some(n) = self.max_number_of_allocations {
            map.insert("maxNumberOfAllocations".into(), Value::from(n));
        }
        if let Some(f) = &self.for_identity {
            map.insert("forIdentity".into(), Value::from(f.as_str()));
        }
        if let Some(p) = &self.password {
            map.insert("password".into(), Value::from(p.as_str()));
        }
        map.insert("content".into(), Value::from(self.content.as_str()));
        Value::Object(map)
    }

    /// The body as JSON text.
    pub fn to_json(&self) -> String {
        json::stringify(&self.to_value())
    }
}

/// Everything needed to create a template; randomness (key, nonce, salt) is passed in.
#[derive(Debug, Clone)]
pub struct TemplateSealInput<'a> {
    /// The template content value (with `@type`).
    pub content: Value,
    /// The templator identity.
    pub identity: Identity,
    /// The identity private key (signs the wrapper).
    pub identity_key: &'a SignaturePrivateKey,
    /// The public template key.
    pub template_key: RelationshipTemplatePublicKey,
    /// Fresh template secret key (travels in the reference or a token).
    pub secret_key: &'a SecretKey,
    /// Fresh 24-byte nonce for the encryption.
    pub nonce: [u8; 24],
    /// Expiry for the Backbone.
    pub expires_at: CoreDate,
    /// Allocation limit.
    pub max_number_of_allocations: Option<u32>,
    /// Address the template is meant for.
    pub for_identity: Option<String>,
    /// Password protection.
    pub password: Option<PasswordInput>,
}

/// The result of [`seal_template`]: every intermediate value and the POST body.
#[derive(Debug, Clone)]
pub struct SealedTemplate {
    /// The verbose wrapper serialization (the signed string).
    pub serialized_wrapper: String,
    /// The signed container.
    pub signed: RelationshipTemplateSigned,
    /// Its verbose serialization (the plaintext that is encrypted).
    pub serialized_signed: String,
    /// The cipher.
    pub cipher: Cipher,
    /// `cipher.toBase64()` (the Backbone `content`).
    pub content: String,
    /// The POST body.
    pub body: CreateTemplateBody,
}

/// Builds, signs and encrypts a template (`RelationshipTemplateController.sendRelationshipTemplate`).
pub fn seal_template(input: &TemplateSealInput<'_>) -> Result<SealedTemplate> {
    let wrapper = RelationshipTemplateContentWrapper {
        content: input.content.clone(),
        identity: input.identity.clone(),
        template_key: input.template_key.clone(),
    };
    let serialized_wrapper = wrapper.to_json(true);
    let signature = input
        .identity_key
        .sign(serialized_wrapper.as_bytes(), HashAlgorithm::Sha512);
    let signed = RelationshipTemplateSigned {
        serialized_template: serialized_wrapper.clone(),
        device_signature: signature,
    };
    let serialized_signed = signed.to_json(true);
    let cipher = encrypt_with_nonce(serialized_signed.as_bytes(), input.secret_key, input.nonce);
    let content = cipher.to_base64();
    let password = input
        .password
        .as_ref()
        .map(PasswordInput::hash_for_backbone)
        .transpose()?;
    let body = CreateTemplateBody {
        expires_at: input.expires_at,
        max_number_of_allocations: input.max_number_of_allocations,
        for_identity: input.for_identity.clone(),
        password,
        content: content.clone(),
    };
    Ok(SealedTemplate {
        serialized_wrapper,
        signed,
        serialized_signed,
        cipher,
        content,
        body,
    })
}

/// A decrypted, signature-checked template.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenedTemplate {
    /// The signed container as received.
    pub signed: RelationshipTemplateSigned,
    /// The parsed wrapper (content, templator identity, template key).
    pub wrapper: RelationshipTemplateContentWrapper,
}

/// Decrypts a template's Backbone `content` with its secret key and verifies the identity signature
/// against the public key inside the wrapper (`decryptRelationshipTemplate`).
pub fn open_template(content: &str, secret_key: &SecretKey) -> Result<OpenedTemplate> {
    let cipher = Cipher::from_base64(content)?;
    let plaintext = decrypt(&cipher, secret_key)?;
    let text = String::from_utf8(plaintext).map_err(|_| WireError::NotUtf8("template"))?;
    let signed = RelationshipTemplateSigned::from_json(&text)?;
    let wrapper = RelationshipTemplateContentWrapper::from_json(&signed.serialized_template)?;
    if !wrapper.identity.public_key.verify(
        signed.serialized_template.as_bytes(),
        &signed.device_signature,
    ) {
        return Err(WireError::InvalidSignature("template"));
    }
    Ok(OpenedTemplate { signed, wrapper })
}
