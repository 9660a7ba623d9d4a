//! Relationship creation (wire-formats §7): the creation content the requestor POSTs and the creation
//! response content the templator PUTs on accept, both directions.

use crate::error::{Result, WireError};
use crate::identity::Identity;
use crate::json;
use crate::serial::{Fields, SerialObject, WireObject};
use nmshd_crypto::{
    Cipher, HashAlgorithm, RelationshipPublicRequest, RelationshipPublicResponse,
    RelationshipRequestSecrets, RelationshipSecrets, Signature, SignaturePrivateKey, b64url_decode,
    b64url_encode, encrypt_with_nonce,
};
use serde_json::{Map, Value};

/// `RelationshipCreationContentWrapper{content, identity, templateId}`; its verbose serialization is
/// what both signatures cover.
#[derive(Debug, Clone, PartialEq)]
pub struct RelationshipCreationContentWrapper {
    /// The creation content (e.g. `RelationshipCreationContent`), own `@type` and key order.
    pub content: Value,
    /// The requestor.
    pub identity: Identity,
    /// The template answered.
    pub template_id: String,
}

impl WireObject for RelationshipCreationContentWrapper {
    const TYPE: &'static str = "RelationshipCreationContentWrapper";

    fn to_value(&self, verbose: bool) -> Value {
        SerialObject::new()
            .field("content", self.content.clone())
            .field("identity", self.identity.to_value(false))
            .field("templateId", self.template_id.as_str())
            .finish(Self::TYPE, verbose)
    }

    fn from_value(value: &Value) -> Result<Self> {
        let f = Fields::new(value, Self::TYPE)?;
        Ok(Self {
            content: f.req("content")?.clone(),
            identity: f.nested("identity", Identity::from_value)?,
            template_id: f.str("templateId")?.to_owned(),
        })
    }
}

/// The `…Signed` containers of creation content and creation response content share one shape:
/// the serialized wrapper plus a device and a relationship signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedContent {
    /// The exact signed string (verbose wrapper serialization).
    pub serialized: String,
    /// Device-key signature (alg 2).
    pub device_signature: Signature,
    /// Relationship-key signature (alg 1).
    pub relationship_signature: Signature,
}

fn signed_to_value(s: &SignedContent, ty: &str, member: &str, verbose: bool) -> Value {
    SerialObject::new()
        .field(member, s.serialized.as_str())
        .field("deviceSignature", s.device_signature.to_value(false))
        .field(
            "relationshipSignature",
            s.relationship_signature.to_value(false),
        )
        .finish(ty, verbose)
}

fn signed_from_value(
    value: &Value,
    ty: &'static str,
    member: &'static str,
) -> Result<SignedContent> {
    let f = Fields::new(value, ty)?;
    Ok(SignedContent {
        serialized: f.str(member)?.to_owned(),
        device_signature: f.nested("deviceSignature", |v| Ok(Signature::from_value(v)?))?,
        relationship_signature: f
            .nested("relationshipSignature", |v| Ok(Signature::from_value(v)?))?,
    })
}

/// `RelationshipCreationContentSigned{serializedCreationContent, deviceSignature, relationshipSignature}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationshipCreationContentSigned(pub SignedContent);

impl WireObject for RelationshipCreationContentSigned {
    const TYPE: &'static str = "RelationshipCreationContentSigned";

    fn to_value(&self, verbose: bool) -> Value {
        signed_to_value(&self.0, Self::TYPE, "serializedCreationContent", verbose)
    }

    fn from_value(value: &Value) -> Result<Self> {
        signed_from_value(value, Self::TYPE, "serializedCreationContent").map(Self)
    }
}

/// `RelationshipCreationResponseContentSigned{serializedCreationResponseContent, …}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationshipCreationResponseContentSigned(pub SignedContent);

impl WireObject for RelationshipCreationResponseContentSigned {
    const TYPE: &'static str = "RelationshipCreationResponseContentSigned";

    fn to_value(&self, verbose: bool) -> Value {
        signed_to_value(
            &self.0,
            Self::TYPE,
            "serializedCreationResponseContent",
            verbose,
        )
    }

    fn from_value(value: &Value) -> Result<Self> {
        signed_from_value(value, Self::TYPE, "serializedCreationResponseContent").map(Self)
    }
}

/// `RelationshipCreationContentCipher{cipher, publicCreationContentCrypto}`; its `toBase64()` is the
/// Backbone `creationContent`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationshipCreationContentCipher {
    /// The encrypted non-verbose `RelationshipCreationContentSigned` (request key, random nonce).
    pub cipher: Cipher,
    /// The requestor's public request (exchange, signature, ephemeral keys, nonce).
    pub public_creation_content_crypto: RelationshipPublicRequest,
}

impl WireObject for RelationshipCreationContentCipher {
    const TYPE: &'static str = "RelationshipCreationContentCipher";

    fn to_value(&self, verbose: bool) -> Value {
        SerialObject::new()
            .field("cipher", self.cipher.to_value(false))
            .field(
                "publicCreationContentCrypto",
                self.public_creation_content_crypto.to_value(false),
            )
            .finish(Self::TYPE, verbose)
    }

    fn from_value(value: &Value) -> Result<Self> {
        let f = Fields::new(value, Self::TYPE)?;
        Ok(Self {
            cipher: f.nested("cipher", |v| Ok(Cipher::from_value(v)?))?,
            public_creation_content_crypto: f.nested("publicCreationContentCrypto", |v| {
                Ok(RelationshipPublicRequest::from_value(v)?)
            })?,
        })
    }
}

/// `RelationshipCreationResponseContentWrapper{relationshipId}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationshipCreationResponseContentWrapper {
    /// `REL…` id.
    pub relationship_id: String,
}

impl WireObject for RelationshipCreationResponseContentWrapper {
    const TYPE: &'static str = "RelationshipCreationResponseContentWrapper";

    fn to_value(&self, verbose: bool) -> Value {
        SerialObject::new()
            .field("relationshipId", self.relationship_id.as_str())
            .finish(Self::TYPE, verbose)
    }

    fn from_value(value: &Value) -> Result<Self> {
        let f = Fields::new(value, Self::TYPE)?;
        Ok(Self {
            relationship_id: f.str("relationshipId")?.to_owned(),
        })
    }
}

/// `RelationshipCreationResponseContentCipher{cipher, publicCreationResponseContentCrypto}`; its
/// `toBase64()` is the Backbone `creationResponseContent`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationshipCreationResponseContentCipher {
    /// The encrypted non-verbose signed response (templator transmit state, counter cipher).
    pub cipher: Cipher,
    /// The templator's public response (exchange key, signature key, transmit state nonce).
    pub public_creation_response_content_crypto: RelationshipPublicResponse,
}

impl WireObject for RelationshipCreationResponseContentCipher {
    const TYPE: &'static str = "RelationshipCreationResponseContentCipher";

    fn to_value(&self, verbose: bool) -> Value {
        SerialObject::new()
            .field("cipher", self.cipher.to_value(false))
            .field(
                "publicCreationResponseContentCrypto",
                self.public_creation_response_content_crypto.to_value(false),
            )
            .finish(Self::TYPE, verbose)
    }

    fn from_value(value: &Value) -> Result<Self> {
        let f = Fields::new(value, Self::TYPE)?;
        Ok(Self {
            cipher: f.nested("cipher", |v| Ok(Cipher::from_value(v)?))?,
            public_creation_response_content_crypto: f
                .nested("publicCreationResponseContentCrypto", |v| {
                    Ok(RelationshipPublicResponse::from_value(v)?)
                })?,
        })
    }
}

/// base64url (no padding) of the verbose JSON: the `toBase64()` of transport `*Cipher` classes.
pub fn to_base64<T: WireObject>(object: &T) -> String {
    b64url_encode(object.to_json(true).as_bytes())
}

/// Inverse of [`to_base64`].
pub fn from_base64<T: WireObject>(text: &str) -> Result<T> {
    let bytes = b64url_decode(text)?;
    let text = String::from_utf8(bytes).map_err(|_| WireError::NotUtf8(T::TYPE))?;
    T::from_json(&text)
}

/// The result of [`build_creation_content`].
#[derive(Debug, Clone)]
pub struct BuiltCreationContent {
    /// The verbose wrapper serialization (signed string).
    pub serialized_wrapper: String,
    /// The signed container.
    pub signed: RelationshipCreationContentSigned,
    /// Its non-verbose serialization (the encrypted plaintext).
    pub serialized_signed: String,
    /// The cipher container.
    pub cipher: RelationshipCreationContentCipher,
    /// `toBase64()` of it: the Backbone `creationContent`.
    pub creation_content: String,
    /// `POST /api/v2/Relationships` body.
    pub body: Value,
}

/// Requestor side (`RelationshipsController.prepareCreationContent`): wraps, signs with the device and
/// the relationship key, encrypts with the request key under `nonce`.
pub fn build_creation_content(
    content: Value,
    identity: &Identity,
    template_id: &str,
    request_secrets: &RelationshipRequestSecrets,
    device_key: &SignaturePrivateKey,
    nonce: [u8; 24],
) -> Result<BuiltCreationContent> {
    let wrapper = RelationshipCreationContentWrapper {
        content,
        identity: identity.clone(),
        template_id: template_id.to_owned(),
    };
    let serialized_wrapper = wrapper.to_json(true);
    let signed = RelationshipCreationContentSigned(SignedContent {
        device_signature: device_key.sign(serialized_wrapper.as_bytes(), HashAlgorithm::Sha512),
        relationship_signature: request_secrets.sign(serialized_wrapper.as_bytes()),
        serialized: serialized_wrapper.clone(),
    });
    // CoreUtil.toBuffer(signed) serializes non-verbose
    let serialized_signed = signed.to_json(false);
    let cipher = RelationshipCreationContentCipher {
        cipher: encrypt_with_nonce(
            serialized_signed.as_bytes(),
            request_secrets.request_key(),
            nonce,
        ),
        public_creation_content_crypto: request_secrets.public_request(),
    };
    let creation_content = to_base64(&cipher);
    let mut body = Map::new();
    body.insert("relationshipTemplateId".into(), Value::from(template_id));
    body.insert(
        "creationContent".into(),
        Value::from(creation_content.as_str()),
    );
    Ok(BuiltCreationContent {
        serialized_wrapper,
        signed,
        serialized_signed,
        cipher,
        creation_content,
        body: Value::Object(body),
    })
}

/// A decrypted, relationship-signature-checked creation content.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenedCreationContent {
    /// The signed container as received.
    pub signed: RelationshipCreationContentSigned,
    /// The parsed wrapper (content, requestor identity, template id).
    pub wrapper: RelationshipCreationContentWrapper,
}

/// Templator side (`decryptCreationContent`): decrypts with the request key of `secrets` (made with
/// `RelationshipSecrets::from_relationship_request(&cipher.public_creation_content_crypto, template_kp)`)
/// and verifies the relationship signature against the request's signature key. Transport does not
/// check the device signature; [`verify_creation_device_signature`] can.
pub fn open_creation_content(
    cipher: &RelationshipCreationContentCipher,
    secrets: &RelationshipSecrets,
) -> Result<OpenedCreationContent> {
    let plaintext = secrets.decrypt_request(&cipher.cipher)?;
    let text = String::from_utf8(plaintext).map_err(|_| WireError::NotUtf8("creation content"))?;
    let signed = RelationshipCreationContentSigned::from_json(&text)?;
    let signature_key = &cipher.public_creation_content_crypto.signature_key;
    if !signature_key.verify(
        signed.0.serialized.as_bytes(),
        &signed.0.relationship_signature,
    ) {
        return Err(WireError::InvalidSignature("relationship creation content"));
    }
    let wrapper = RelationshipCreationContentWrapper::from_json(&signed.0.serialized)?;
    Ok(OpenedCreationContent { signed, wrapper })
}

/// Verifies the device signature of signed creation or response content with the sender's device key.
pub fn verify_creation_device_signature(
    signed: &SignedContent,
    device_public_key: &nmshd_crypto::SignaturePublicKey,
) -> Result<()> {
    if device_public_key.verify(signed.serialized.as_bytes(), &signed.device_signature) {
        Ok(())
    } else {
        Err(WireError::InvalidSignature("device"))
    }
}

/// The result of [`build_creation_response_content`].
#[derive(Debug, Clone)]
pub struct BuiltCreationResponseContent {
    /// The verbose wrapper serialization (signed string).
    pub serialized_wrapper: String,
    /// The signed container.
    pub signed: RelationshipCreationResponseContentSigned,
    /// Its non-verbose serialization (the encrypted plaintext).
    pub serialized_signed: String,
    /// The cipher container.
    pub cipher: RelationshipCreationResponseContentCipher,
    /// `toBase64()`: the `creationResponseContent` of `PUT …/Accept`.
    pub creation_response_content: String,
}

/// The creation response wrapper and its serialization, for callers that sign the device part themselves.
pub fn creation_response_wrapper(
    relationship_id: &str,
) -> (RelationshipCreationResponseContentWrapper, String) {
    let wrapper = RelationshipCreationResponseContentWrapper {
        relationship_id: relationship_id.to_owned(),
    };
    let serialized = wrapper.to_json(true);
    (wrapper, serialized)
}

/// Encrypts an already signed creation response with the templator's transmit state (advancing its
/// counter) and packs it with the public response.
pub fn seal_creation_response(
    signed: RelationshipCreationResponseContentSigned,
    secrets: &mut RelationshipSecrets,
) -> Result<BuiltCreationResponseContent> {
    let serialized_signed = signed.to_json(false);
    let cipher = RelationshipCreationResponseContentCipher {
        cipher: secrets.encrypt(serialized_signed.as_bytes())?,
        public_creation_response_content_crypto: secrets.public_response(),
    };
    Ok(BuiltCreationResponseContent {
        serialized_wrapper: signed.0.serialized.clone(),
        creation_response_content: to_base64(&cipher),
        signed,
        serialized_signed,
        cipher,
    })
}

/// Templator side (`prepareCreationResponseContent`): wraps the relationship id, signs with the device
/// and the relationship key and encrypts with the transmit state (its counter advances).
pub fn build_creation_response_content(
    relationship_id: &str,
    secrets: &mut RelationshipSecrets,
    device_key: &SignaturePrivateKey,
) -> Result<BuiltCreationResponseContent> {
    let (_, serialized) = creation_response_wrapper(relationship_id);
    let signed = RelationshipCreationResponseContentSigned(SignedContent {
        device_signature: device_key.sign(serialized.as_bytes(), HashAlgorithm::Sha512),
        relationship_signature: secrets.sign(serialized.as_bytes()),
        serialized,
    });
    seal_creation_response(signed, secrets)
}

/// An opened creation response: the requestor's established secrets and the checked content.
#[derive(Debug, Clone)]
pub struct OpenedCreationResponseContent {
    /// The requestor's relationship secrets (`convertSecrets`).
    pub secrets: RelationshipSecrets,
    /// The signed container as received.
    pub signed: RelationshipCreationResponseContentSigned,
    /// The parsed wrapper.
    pub wrapper: RelationshipCreationResponseContentWrapper,
}

/// Requestor side: turns the request secrets into relationship secrets with the embedded public
/// response (all transport does), then also decrypts the content and checks its relationship signature.
pub fn open_creation_response_content(
    creation_response_content: &str,
    request_secrets: &RelationshipRequestSecrets,
) -> Result<OpenedCreationResponseContent> {
    let cipher: RelationshipCreationResponseContentCipher = from_base64(creation_response_content)?;
    let secrets = RelationshipSecrets::from_relationship_response(
        &cipher.public_creation_response_content_crypto,
        request_secrets,
    )?;
    let plaintext = secrets.decrypt(&cipher.cipher)?;
    let text = String::from_utf8(plaintext)
        .map_err(|_| WireError::NotUtf8("creation response content"))?;
    let signed = RelationshipCreationResponseContentSigned::from_json(&text)?;
    if !secrets.verify_peer(
        signed.0.serialized.as_bytes(),
        &signed.0.relationship_signature,
    ) {
        return Err(WireError::InvalidSignature(
            "relationship creation response content",
        ));
    }
    let wrapper = RelationshipCreationResponseContentWrapper::from_json(&signed.0.serialized)?;
    Ok(OpenedCreationResponseContent {
        secrets,
        signed,
        wrapper,
    })
}

/// The body of `PUT /api/v2/Relationships/{id}/Accept`.
pub fn accept_body(creation_response_content: &str) -> String {
    let mut map = Map::new();
    map.insert(
        "creationResponseContent".into(),
        Value::from(creation_response_content),
    );
    json::stringify(&Value::Object(map))
}

/// Templator side in one call (`createNewRelationshipByIncomingCreation`): parses the Backbone
/// `creationContent`, derives fresh templator secrets from the embedded public request and the stored
/// template keypair, and opens the content with them. Keep the returned secrets for the relationship.
pub fn templator_open_creation_content(
    creation_content: &str,
    template_keypair: &nmshd_crypto::ExchangeKeypair,
) -> Result<(RelationshipSecrets, OpenedCreationContent)> {
    let cipher: RelationshipCreationContentCipher = from_base64(creation_content)?;
    let secrets = RelationshipSecrets::from_relationship_request(
        &cipher.public_creation_content_crypto,
        template_keypair,
    )?;
    let opened = open_creation_content(&cipher, &secrets)?;
    Ok((secrets, opened))
}
