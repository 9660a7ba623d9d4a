//! Challenges and the account-creation signed challenge (backbone-api §3, wire-formats §5).

use crate::date::CoreDate;
use crate::error::{Result, WireError};
use crate::json;
use crate::serial::{Fields, SerialObject, WireObject};
use nmshd_crypto::{HashAlgorithm, Signature, SignaturePrivateKey, SignaturePublicKey};
use serde_json::{Map, Value};

/// `ChallengeType`: who is expected to sign the challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChallengeType {
    /// Signed with the identity key (account creation, new devices).
    Identity,
    /// Signed with a device key.
    Device,
    /// Signed with a relationship signature key.
    Relationship,
}

impl ChallengeType {
    /// The string written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ChallengeType::Identity => "Identity",
            ChallengeType::Device => "Device",
            ChallengeType::Relationship => "Relationship",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "Identity" => Some(ChallengeType::Identity),
            "Device" => Some(ChallengeType::Device),
            "Relationship" => Some(ChallengeType::Relationship),
            _ => None,
        }
    }
}

/// A Backbone challenge as the client signs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// `CHL…` id from the Backbone.
    pub id: String,
    /// When the Backbone stops accepting it.
    pub expires_at: CoreDate,
    /// Address that created it (authenticated creation only).
    pub created_by: Option<String>,
    /// Device that created it (authenticated creation only).
    pub created_by_device: Option<String>,
    /// Which key signs it.
    pub challenge_type: ChallengeType,
}

impl WireObject for Challenge {
    const TYPE: &'static str = "Challenge";

    fn to_value(&self, verbose: bool) -> Value {
        SerialObject::new()
            .field("id", self.id.as_str())
            .field("expiresAt", self.expires_at)
            .opt_field("createdBy", self.created_by.as_deref())
            .opt_field("createdByDevice", self.created_by_device.as_deref())
            .field("type", self.challenge_type.as_str())
            .finish(Self::TYPE, verbose)
    }

    fn from_value(value: &Value) -> Result<Self> {
        let f = Fields::new(value, Self::TYPE)?;
        let type_text = f.str("type")?;
        Ok(Self {
            id: f.str("id")?.to_owned(),
            expires_at: CoreDate::parse(f.str("expiresAt")?)?,
            created_by: f.opt_str("createdBy")?.map(str::to_owned),
            created_by_device: f.opt_str("createdByDevice")?.map(str::to_owned),
            challenge_type: ChallengeType::parse(type_text).ok_or_else(|| {
                WireError::invalid(Self::TYPE, "type", format!("unknown type `{type_text}`"))
            })?,
        })
    }
}

/// `ChallengeSigned`: the exact challenge string and its signature.
///
/// Its JSON is custom (not sorted): `{"challenge":…,"signature":<CryptoSignature.toBase64()>}` plus a
/// trailing `"@type":"ChallengeSigned"` when verbose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChallengeSigned {
    /// The signed string (`Challenge.serialize(false)`), kept byte for byte.
    pub challenge: String,
    /// Signature over the UTF-8 of `challenge`.
    pub signature: Signature,
}

impl ChallengeSigned {
    /// Signs `challenge` as `ChallengeController.createAccountCreationChallenge` does: over the
    /// non-verbose serialization, with the identity key, labelled SHA-512 (`alg 2`).
    pub fn sign(challenge: &Challenge, identity_key: &SignaturePrivateKey) -> Self {
        let text = challenge.to_json(false);
        let signature = identity_key.sign(text.as_bytes(), HashAlgorithm::Sha512);
        Self {
            challenge: text,
            signature,
        }
    }

    /// Verifies the signature over the embedded string (what the Backbone does).
    pub fn verify(&self, public_key: &SignaturePublicKey) -> Result<()> {
        if public_key.verify(self.challenge.as_bytes(), &self.signature) {
            Ok(())
        } else {
            Err(WireError::InvalidSignature("challenge"))
        }
    }

    /// Parses the embedded challenge string.
    pub fn parsed_challenge(&self) -> Result<Challenge> {
        Challenge::from_json(&self.challenge)
    }
}

impl WireObject for ChallengeSigned {
    const TYPE: &'static str = "ChallengeSigned";

    fn to_value(&self, verbose: bool) -> Value {
        let mut map = Map::new();
        map.insert("challenge".into(), Value::from(self.challenge.as_str()));
        map.insert("signature".into(), Value::from(self.signature.to_base64()));
        if verbose {
            map.insert("@type".into(), Value::from(Self::TYPE));
        }
        Value::Object(map)
    }

    /// Accepts the signature as `toBase64()` string (the wire form) or as a signature JSON object.
    fn from_value(value: &Value) -> Result<Self> {
        let f = Fields::new(value, Self::TYPE)?;
        let signature = f.nested("signature", |v| match v {
            Value::String(s) => Ok(Signature::from_base64(s)?),
            other => Ok(Signature::from_value(other)?),
        })?;
        Ok(Self {
            challenge: f.str("challenge")?.to_owned(),
            signature,
        })
    }
}

/// The body of `POST /api/v2/Identities` (account creation), in the client's member order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateIdentityBody {
    /// Password of the first device.
    pub device_password: String,
    /// `CryptoSignaturePublicKey.toBase64()` of the identity key.
    pub identity_public_key: String,
    /// The signed challenge.
    pub signed_challenge: ChallengeSigned,
    /// OAuth client id.
    pub client_id: String,
    /// OAuth client secret.
    pub client_secret: String,
    /// Identity version (the runtime sends 1).
    pub identity_version: u32,
}

impl CreateIdentityBody {
    /// The JSON body as the client sends it.
    pub fn to_value(&self) -> Value {
        let mut map = Map::new();
        map.insert(
            "devicePassword".into(),
            Value::from(self.device_password.as_str()),
        );
        map.insert(
            "identityPublicKey".into(),
            Value::from(self.identity_public_key.as_str()),
        );
        map.insert(
            "signedChallenge".into(),
            self.signed_challenge.to_value(false),
        );
        map.insert("clientId".into(), Value::from(self.client_id.as_str()));
        map.insert(
            "clientSecret".into(),
            Value::from(self.client_secret.as_str()),
        );
        map.insert("identityVersion".into(), Value::from(self.identity_version));
        Value::Object(map)
    }

    /// The body as JSON text.
    pub fn to_json(&self) -> String {
        json::stringify(&self.to_value())
    }
}

/// Builds the account-creation request: signs `challenge` (its `type` is forced to `Identity`)
/// with the identity key and assembles the POST body.
pub fn build_create_identity_body(
    challenge: &Challenge,
    identity_key: &SignaturePrivateKey,
    device_password: &str,
    client_id: &str,
    client_secret: &str,
) -> CreateIdentityBody {
    let challenge = Challenge {
        challenge_type: ChallengeType::Identity,
        ..challenge.clone()
    };
    CreateIdentityBody {
        device_password: device_password.to_owned(),
        identity_public_key: identity_key.public_key().to_base64(),
        signed_challenge: ChallengeSigned::sign(&challenge, identity_key),
        client_id: client_id.to_owned(),
        client_secret: client_secret.to_owned(),
        identity_version: 1,
    }
}
