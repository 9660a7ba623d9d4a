//! Messages (wire-formats §8): the signed plaintext, per-recipient keys and signatures, and the
//! `POST /api/v2/Messages` body; opening and verifying a received message.

use crate::date::CoreDate;
use crate::error::{Result, WireError};
use crate::json;
use crate::reference::{ReferenceKind, reference_from_value, reference_to_value};
use crate::serial::{Fields, SerialObject, WireObject, enforce_string};
use nmshd_crypto::{
    Cipher, Reference, RelationshipSecrets, SecretKey, Signature, decrypt, encrypt_with_nonce,
};
use serde_json::{Map, Value};

/// `MessageContentWrapper{attachments, content, createdAt, recipients}`: the signed plaintext.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageContentWrapper {
    /// Attached files as full references (non-verbose `FileReference`s incl. `backboneBaseUrl`).
    pub attachments: Vec<Reference>,
    /// The content (e.g. `Mail`), own `@type` and key order.
    pub content: Value,
    /// Creation time chosen by the sender.
    pub created_at: CoreDate,
    /// Recipient addresses.
    pub recipients: Vec<String>,
}

impl WireObject for MessageContentWrapper {
    const TYPE: &'static str = "MessageContentWrapper";

    fn to_value(&self, verbose: bool) -> Value {
        let attachments: Vec<Value> = self
            .attachments
            .iter()
            .map(|r| reference_to_value(r, ReferenceKind::File, false))
            .collect();
        SerialObject::new()
            .field("attachments", attachments)
            .field("content", self.content.clone())
            .field("createdAt", self.created_at)
            .field("recipients", self.recipients.clone())
            .finish(Self::TYPE, verbose)
    }

    fn from_value(value: &Value) -> Result<Self> {
        let f = Fields::new(value, Self::TYPE)?;
        // preFrom: attachments ??= []
        let attachments = match f.opt("attachments") {
            None => Vec::new(),
            Some(_) => f
                .array("attachments")?
                .iter()
                .map(|v| reference_from_value(v, ReferenceKind::File))
                .collect::<Result<Vec<_>>>()
                .map_err(|e| WireError::invalid(Self::TYPE, "attachments", e.to_string()))?,
        };
        let recipients = f
            .opt_string_list("recipients")?
            .ok_or(WireError::MissingField {
                ty: Self::TYPE,
                field: "recipients",
            })?;
        Ok(Self {
            attachments,
            content: f.req("content")?.clone(),
            created_at: CoreDate::parse(f.str("createdAt")?)?,
            recipients,
        })
    }
}

/// `MessageSignature{recipient, signature}`; `signature` is written as a JSON **string**
/// (`enforceString`) of the non-verbose signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageSignature {
    /// The recipient this signature is for.
    pub recipient: String,
    /// Relationship signature (alg 1) over the UTF-8 of the message string.
    pub signature: Signature,
}

impl WireObject for MessageSignature {
    const TYPE: &'static str = "MessageSignature";

    fn to_value(&self, verbose: bool) -> Value {
        SerialObject::new()
            .field("recipient", self.recipient.as_str())
            .field("signature", enforce_string(&self.signature.to_value(false)))
            .finish(Self::TYPE, verbose)
    }

    /// Accepts the signature as the enforced string or as an object.
    fn from_value(value: &Value) -> Result<Self> {
        let f = Fields::new(value, Self::TYPE)?;
        let signature = f.nested("signature", |v| match v {
            Value::String(s) => Ok(Signature::from_json(s)?),
            other => Ok(Signature::from_value(other)?),
        })?;
        Ok(Self {
            recipient: f.str("recipient")?.to_owned(),
            signature,
        })
    }
}

/// `MessageSigned{message, signatures}`: the encrypted message body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageSigned {
    /// The exact signed string (verbose `MessageContentWrapper`).
    pub message: String,
    /// One signature per recipient.
    pub signatures: Vec<MessageSignature>,
}

impl WireObject for MessageSigned {
    const TYPE: &'static str = "MessageSigned";

    fn to_value(&self, verbose: bool) -> Value {
        let signatures: Vec<Value> = self.signatures.iter().map(|s| s.to_value(false)).collect();
        SerialObject::new()
            .field("message", self.message.as_str())
            .field("signatures", signatures)
            .finish(Self::TYPE, verbose)
    }

    fn from_value(value: &Value) -> Result<Self> {
        let f = Fields::new(value, Self::TYPE)?;
        let signatures = f
            .array("signatures")?
            .iter()
            .map(MessageSignature::from_value)
            .collect::<Result<Vec<_>>>()
            .map_err(|e| WireError::invalid(Self::TYPE, "signatures", e.to_string()))?;
        Ok(Self {
            message: f.str("message")?.to_owned(),
            signatures,
        })
    }
}

/// One entry of `recipients` in the POST body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRecipientEntry {
    /// Recipient address.
    pub address: String,
    /// `toBase64()` of the counter cipher of the message key.
    pub encrypted_key: String,
}

/// Body of `POST /api/v2/Messages`: `{"attachments":[{"id"}],"body","recipients":[{"address","encryptedKey"}]}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendMessageBody {
    /// Attached file ids.
    pub attachments: Vec<String>,
    /// `cipher.toBase64()` of the encrypted `MessageSigned`.
    pub body: String,
    /// One entry per recipient.
    pub recipients: Vec<MessageRecipientEntry>,
}

impl SendMessageBody {
    /// The JSON body.
    pub fn to_value(&self) -> Value {
        let attachments: Vec<Value> = self
            .attachments
            .iter()
            .map(|id| {
                let mut m = Map::new();
                m.insert("id".into(), Value::from(id.as_str()));
                Value::Object(m)
            })
            .collect();
        let recipients: Vec<Value> = self
            .recipients
            .iter()
            .map(|r| {
                let mut m = Map::new();
                m.insert("address".into(), Value::from(r.address.as_str()));
                m.insert("encryptedKey".into(), Value::from(r.encrypted_key.as_str()));
                Value::Object(m)
            })
            .collect();
        let mut map = Map::new();
        map.insert("attachments".into(), Value::Array(attachments));
        map.insert("body".into(), Value::from(self.body.as_str()));
        map.insert("recipients".into(), Value::Array(recipients));
        Value::Object(map)
    }

    /// The body as JSON text.
    pub fn to_json(&self) -> String {
        json::stringify(&self.to_value())
    }
}

/// A recipient of a message to build: its address and the sender's secrets of that relationship
/// (their transmit counter advances by one).
#[derive(Debug)]
pub struct MessageRecipientInput<'a> {
    /// Recipient address.
    pub address: String,
    /// The sender's relationship secrets with this recipient.
    pub secrets: &'a mut RelationshipSecrets,
}

/// The result of [`build_message`].
#[derive(Debug, Clone)]
pub struct BuiltMessage {
    /// The verbose wrapper serialization (signed string).
    pub serialized_wrapper: String,
    /// The signed container.
    pub signed: MessageSigned,
    /// Its verbose serialization (the body plaintext).
    pub serialized_signed: String,
    /// The body cipher.
    pub body_cipher: Cipher,
    /// The POST body.
    pub body: SendMessageBody,
}

/// Sender side (`MessageController.sendMessage`): encrypts the message key per recipient with the
/// relationship transmit state, signs the wrapper per recipient, encrypts the signed message with
/// `message_key` under `body_nonce`.
pub fn build_message(
    content: Value,
    created_at: CoreDate,
    attachments: Vec<Reference>,
    recipients: Vec<MessageRecipientInput<'_>>,
    message_key: &SecretKey,
    body_nonce: [u8; 24],
) -> Result<BuiltMessage> {
    if recipients.is_empty() {
        return Err(WireError::InvalidInput(
            "a message needs at least one recipient".into(),
        ));
    }
    let serialized_key = message_key.to_json(false);
    let attachment_ids = attachments.iter().map(|a| a.id.clone()).collect();
    let wrapper = MessageContentWrapper {
        attachments,
        content,
        created_at,
        recipients: recipients.iter().map(|r| r.address.clone()).collect(),
    };
    let serialized_wrapper = wrapper.to_json(true);
    let mut entries = Vec::with_capacity(recipients.len());
    let mut signatures = Vec::with_capacity(recipients.len());
    // transport encrypts all keys first, then signs; the order does not change any byte
    for recipient in recipients {
        let cipher = recipient.secrets.encrypt(serialized_key.as_bytes())?;
        entries.push(MessageRecipientEntry {
            address: recipient.address.clone(),
            encrypted_key: cipher.to_base64(),
        });
        signatures.push(MessageSignature {
            recipient: recipient.address,
            signature: recipient.secrets.sign(serialized_wrapper.as_bytes()),
        });
    }
    let signed = MessageSigned {
        message: serialized_wrapper.clone(),
        signatures,
    };
    let serialized_signed = signed.to_json(true);
    let body_cipher = encrypt_with_nonce(serialized_signed.as_bytes(), message_key, body_nonce);
    let body = SendMessageBody {
        attachments: attachment_ids,
        body: body_cipher.to_base64(),
        recipients: entries,
    };
    Ok(BuiltMessage {
        serialized_wrapper,
        signed,
        serialized_signed,
        body_cipher,
        body,
    })
}

/// A decrypted and verified message.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenedMessage {
    /// The message key.
    pub message_key: SecretKey,
    /// The signed container.
    pub signed: MessageSigned,
    /// The parsed plaintext.
    pub wrapper: MessageContentWrapper,
}

fn decrypt_signed(body: &str, message_key: &SecretKey) -> Result<MessageSigned> {
    let cipher = Cipher::from_base64(body)?;
    let plaintext = decrypt(&cipher, message_key)?;
    let text = String::from_utf8(plaintext).map_err(|_| WireError::NotUtf8("message"))?;
    MessageSigned::from_json(&text)
}

/// Recipient side (`decryptPeerEnvelope`): decrypts the own `encryptedKey` with the relationship
/// receive state (the cipher's `cnt`), the body with that key, verifies the own signature with the
/// peer's relationship key over the message string and requires the own address among the recipients.
pub fn open_message(
    body: &str,
    encrypted_key: &str,
    own_address: &str,
    secrets: &RelationshipSecrets,
) -> Result<OpenedMessage> {
    let key_cipher = Cipher::from_base64(encrypted_key)?;
    let key_bytes = secrets.decrypt(&key_cipher)?;
    let key_text = String::from_utf8(key_bytes).map_err(|_| WireError::NotUtf8("message key"))?;
    let message_key = SecretKey::from_json(&key_text)?;
    let signed = decrypt_signed(body, &message_key)?;
    let signature = signed
        .signatures
        .iter()
        .find(|s| s.recipient == own_address)
        .ok_or_else(|| WireError::SignatureMissing(own_address.to_owned()))?;
    if !secrets.verify_peer(signed.message.as_bytes(), &signature.signature) {
        return Err(WireError::InvalidSignature("message"));
    }
    let wrapper = MessageContentWrapper::from_json(&signed.message)?;
    if !wrapper.recipients.iter().any(|r| r == own_address) {
        return Err(WireError::NotARecipient(own_address.to_owned()));
    }
    Ok(OpenedMessage {
        message_key,
        signed,
        wrapper,
    })
}

/// Like [`open_message`], finding the own entry in a Backbone recipient list first.
pub fn open_message_from_recipients(
    body: &str,
    recipients: &[MessageRecipientEntry],
    own_address: &str,
    secrets: &RelationshipSecrets,
) -> Result<OpenedMessage> {
    let own = recipients
        .iter()
        .find(|r| r.address == own_address)
        .ok_or_else(|| WireError::NotARecipient(own_address.to_owned()))?;
    open_message(body, &own.encrypted_key, own_address, secrets)
}

/// Sender side (`decryptOwnEnvelope`): decrypts an own message with the stored message key.
pub fn open_own_message(body: &str, message_key: &SecretKey) -> Result<OpenedMessage> {
    let signed = decrypt_signed(body, message_key)?;
    let wrapper = MessageContentWrapper::from_json(&signed.message)?;
    Ok(OpenedMessage {
        message_key: message_key.clone(),
        signed,
        wrapper,
    })
}
