//! Relationship secrets: the templator/requestor handshake and the two counter channels (§6).

use crate::cipher::{Cipher, decrypt, encrypt};
use crate::error::{CryptoError, Result};
use crate::exchange::{ExchangeKeypair, ExchangePublicKey, derive_requestor, derive_templator};
use crate::json::{CryptoJson, Obj, b64v, inherent_json, object, sorted_object};
use crate::kdf::{
    CONTEXT_REQUEST, CONTEXT_REQUESTOR_TO_TEMPLATOR, CONTEXT_TEMPLATOR_TO_REQUESTOR, derive_subkey,
};
use crate::random::random_bytes;
use crate::secret_key::SecretKey;
use crate::signature::{HashAlgorithm, Signature, SignatureKeypair, SignaturePublicKey};
use crate::state::{PrivateStateReceive, PrivateStateTransmit, PublicState, StateType};
use serde_json::Value;

/// `CryptoRelationshipType` (`typ`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationshipType {
    /// Owner of the template; kx client.
    Templator = 1,
    /// Answers the template; kx server.
    Requestor = 2,
}

fn subkey(master: &[u8; 32], context: &str) -> Result<SecretKey> {
    Ok(SecretKey::from_bytes(derive_subkey(master, 1, context)?))
}

/// The requestor's public half of the request (`CryptoRelationshipPublicRequest`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationshipPublicRequest {
    /// Requestor's exchange key (`exc`).
    pub exchange_key: ExchangePublicKey,
    /// Requestor's relationship signature key (`sig`).
    pub signature_key: SignaturePublicKey,
    /// Requestor's ephemeral exchange key (`eph`).
    pub ephemeral_key: ExchangePublicKey,
    /// Requestor's transmit base nonce (`nnc`).
    pub nonce: [u8; 24],
}

impl CryptoJson for RelationshipPublicRequest {
    const TYPE_NAME: &'static str = "CryptoRelationshipPublicRequest";

    fn to_value(&self, verbose: bool) -> Value {
        let mut pairs = vec![
            ("exc", self.exchange_key.to_value(false)),
            ("sig", self.signature_key.to_value(false)),
            ("eph", self.ephemeral_key.to_value(false)),
            ("nnc", b64v(&self.nonce)),
        ];
        if verbose {
            pairs.push(("@type", Self::TYPE_NAME.into()));
        }
        object(pairs)
    }

    fn from_value(value: &Value) -> Result<Self> {
        let o = Obj::new(value, Self::TYPE_NAME)?;
        Ok(Self {
            exchange_key: ExchangePublicKey::from_value(o.get("exc")?)?,
            signature_key: SignaturePublicKey::from_value(o.get("sig")?)?,
            ephemeral_key: ExchangePublicKey::from_value(o.get("eph")?)?,
            nonce: o.bytes("nnc")?,
        })
    }
}

inherent_json!(RelationshipPublicRequest);

/// The templator's public answer (`CryptoRelationshipPublicResponse`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationshipPublicResponse {
    /// Templator's exchange key (`exc`).
    pub exchange_key: ExchangePublicKey,
    /// Templator's relationship signature key (`sig`).
    pub signature_key: SignaturePublicKey,
    /// Templator's transmit state, public part (`sta`).
    pub state: PublicState,
    /// Optional id.
    pub id: Option<String>,
}

impl CryptoJson for RelationshipPublicResponse {
    const TYPE_NAME: &'static str = "CryptoRelationshipPublicResponse";

    fn to_value(&self, verbose: bool) -> Value {
        let mut pairs = vec![
            ("exc", self.exchange_key.to_value(false)),
            ("sig", self.signature_key.to_value(false)),
            ("sta", self.state.to_value(false)),
        ];
        if let Some(id) = &self.id {
            pairs.push(("id", id.clone().into()));
        }
        if verbose {
            pairs.push(("@type", Self::TYPE_NAME.into()));
        }
        object(pairs)
    }

    fn from_value(value: &Value) -> Result<Self> {
        let o = Obj::new(value, Self::TYPE_NAME)?;
        Ok(Self {
            exchange_key: ExchangePublicKey::from_value(o.get("exc")?)?,
            signature_key: SignaturePublicKey::from_value(o.get("sig")?)?,
            state: PublicState::from_value(o.get("sta")?)?,
            id: o.opt_str("id")?,
        })
    }
}

inherent_json!(RelationshipPublicResponse);

/// The requestor's secrets between request and response (`CryptoRelationshipRequestSecrets`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationshipRequestSecrets {
    /// Ephemeral exchange keypair (`eph`), only for the request key.
    pub ephemeral: ExchangeKeypair,
    /// Long-term exchange keypair of this relationship (`exc`).
    pub exchange: ExchangeKeypair,
    /// Relationship signature keypair (`sig`).
    pub signature: SignatureKeypair,
    /// Key for the creation content (`key`).
    pub request_key: SecretKey,
    /// Own transmit base nonce (`nnc`).
    pub nonce: [u8; 24],
    /// Templator's identity key (`pik`).
    pub peer_identity_key: SignaturePublicKey,
    /// Template exchange key (`pxk`).
    pub peer_exchange_key: ExchangePublicKey,
    /// Optional id.
    pub id: Option<String>,
}

impl RelationshipRequestSecrets {
    /// `fromPeer`: fresh keys and nonce for answering the template key of the templator.
    pub fn from_peer(
        template_key: &ExchangePublicKey,
        peer_identity_key: &SignaturePublicKey,
    ) -> Result<Self> {
        Self::from_peer_with(
            template_key,
            peer_identity_key,
            ExchangeKeypair::generate(),
            ExchangeKeypair::generate(),
            SignatureKeypair::generate(),
            random_bytes(),
        )
    }

    /// `fromPeer` with the randomness supplied (for reproducible tests).
    pub fn from_peer_with(
        template_key: &ExchangePublicKey,
        peer_identity_key: &SignaturePublicKey,
        exchange: ExchangeKeypair,
        ephemeral: ExchangeKeypair,
        signature: SignatureKeypair,
        nonce: [u8; 24],
    ) -> Result<Self> {
        let kx = derive_requestor(&ephemeral, template_key)?;
        Ok(Self {
            request_key: subkey(&kx.tx, CONTEXT_REQUEST)?,
            ephemeral,
            exchange,
            signature,
            nonce,
            peer_identity_key: *peer_identity_key,
            peer_exchange_key: *template_key,
            id: None,
        })
    }

    /// What the templator needs: `{exc, sig, eph, nnc}`.
    pub fn public_request(&self) -> RelationshipPublicRequest {
        RelationshipPublicRequest {
            exchange_key: self.exchange.public,
            signature_key: self.signature.public,
            ephemeral_key: self.ephemeral.public,
            nonce: self.nonce,
        }
    }

    /// The request (creation content) key.
    pub fn request_key(&self) -> &SecretKey {
        &self.request_key
    }

    /// Relationship signature, labelled alg 1.
    pub fn sign(&self, message: &[u8]) -> Signature {
        self.signature.sign(message, HashAlgorithm::Sha256)
    }

    /// Encrypts the creation content with the request key (random nonce).
    pub fn encrypt_request(&self, plaintext: &[u8]) -> Cipher {
        encrypt(plaintext, &self.request_key)
    }

    /// Decrypts a cipher under the request key.
    pub fn decrypt_request(&self, cipher: &Cipher) -> Result<Vec<u8>> {
        decrypt(cipher, &self.request_key)
    }
}

impl CryptoJson for RelationshipRequestSecrets {
    const TYPE_NAME: &'static str = "CryptoRelationshipRequestSecrets";

    fn to_value(&self, verbose: bool) -> Value {
        let mut pairs = vec![
            ("eph", self.ephemeral.to_value(false)),
            ("exc", self.exchange.to_value(false)),
            ("key", self.request_key.to_value(false)),
            ("nnc", b64v(&self.nonce)),
            ("pik", self.peer_identity_key.to_value(false)),
            ("pxk", self.peer_exchange_key.to_value(false)),
            ("sig", self.signature.to_value(false)),
        ];
        if let Some(id) = &self.id {
            pairs.push(("id", id.clone().into()));
        }
        if verbose {
            pairs.push(("@type", Self::TYPE_NAME.into()));
        }
        sorted_object(pairs)
    }

    fn from_value(value: &Value) -> Result<Self> {
        let o = Obj::new(value, Self::TYPE_NAME)?;
        Ok(Self {
            ephemeral: ExchangeKeypair::from_value(o.get("eph")?)?,
            exchange: ExchangeKeypair::from_value(o.get("exc")?)?,
            signature: SignatureKeypair::from_value(o.get("sig")?)?,
            request_key: SecretKey::from_value(o.get("key")?)?,
            nonce: o.bytes("nnc")?,
            peer_identity_key: SignaturePublicKey::from_value(o.get("pik")?)?,
            peer_exchange_key: ExchangePublicKey::from_value(o.get("pxk")?)?,
            id: o.opt_str("id")?,
        })
    }
}

inherent_json!(RelationshipRequestSecrets);

/// The established secrets of one side (`CryptoRelationshipSecrets`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationshipSecrets {
    /// Own exchange keypair (`exc`).
    pub exchange: ExchangeKeypair,
    /// Own relationship signature keypair (`sig`).
    pub signature: SignatureKeypair,
    /// Sending state (`tx`).
    pub transmit: PrivateStateTransmit,
    /// Receiving state (`rx`).
    pub receive: PrivateStateReceive,
    /// Peer's exchange key (`pxk`).
    pub peer_exchange_key: ExchangePublicKey,
    /// Peer's relationship signature key (`psk`).
    pub peer_signature_key: SignaturePublicKey,
    /// Templator: requestor's ephemeral key; requestor: the template key (`ptk`).
    pub peer_template_key: ExchangePublicKey,
    /// Peer's identity key (`pik`); absent on the templator side.
    pub peer_identity_key: Option<SignaturePublicKey>,
    /// Request (creation content) key (`rsk`).
    pub request_key: SecretKey,
    /// Own role (`typ`).
    pub relationship_type: RelationshipType,
    /// Optional id.
    pub id: Option<String>,
}

impl RelationshipSecrets {
    /// Templator side (`fromRelationshipRequest`) with fresh keys and transmit nonce.
    pub fn from_relationship_request(
        request: &RelationshipPublicRequest,
        template_keypair: &ExchangeKeypair,
    ) -> Result<Self> {
        Self::from_relationship_request_with(
            request,
            template_keypair,
            ExchangeKeypair::generate(),
            SignatureKeypair::generate(),
            random_bytes(),
        )
    }

    /// Templator side with the randomness supplied (for reproducible tests).
    pub fn from_relationship_request_with(
        request: &RelationshipPublicRequest,
        template_keypair: &ExchangeKeypair,
        exchange: ExchangeKeypair,
        signature: SignatureKeypair,
        transmit_nonce: [u8; 24],
    ) -> Result<Self> {
        let kx = derive_templator(&exchange, &request.exchange_key)?;
        let tx_key = subkey(&kx.tx, CONTEXT_TEMPLATOR_TO_REQUESTOR)?;
        let rx_key = subkey(&kx.rx, CONTEXT_REQUESTOR_TO_TEMPLATOR)?;
        let request_kx = derive_templator(template_keypair, &request.ephemeral_key)?;
        Ok(Self {
            exchange,
            signature,
            transmit: PrivateStateTransmit::new(tx_key, transmit_nonce),
            receive: PrivateStateReceive::new(rx_key, request.nonce),
            peer_exchange_key: request.exchange_key,
            peer_signature_key: request.signature_key,
            peer_template_key: request.ephemeral_key,
            peer_identity_key: None,
            request_key: subkey(&request_kx.rx, CONTEXT_REQUEST)?,
            relationship_type: RelationshipType::Templator,
            id: None,
        })
    }

    /// Requestor side (`fromRelationshipResponse`).
    pub fn from_relationship_response(
        response: &RelationshipPublicResponse,
        request: &RelationshipRequestSecrets,
    ) -> Result<Self> {
        let kx = derive_requestor(&request.exchange, &response.exchange_key)?;
        let tx_key = subkey(&kx.tx, CONTEXT_REQUESTOR_TO_TEMPLATOR)?;
        let rx_key = subkey(&kx.rx, CONTEXT_TEMPLATOR_TO_REQUESTOR)?;
        Ok(Self {
            exchange: request.exchange.clone(),
            signature: request.signature.clone(),
            transmit: PrivateStateTransmit::new(tx_key, request.nonce),
            receive: PrivateStateReceive::new(rx_key, response.state.nonce),
            peer_exchange_key: response.exchange_key,
            peer_signature_key: response.signature_key,
            peer_template_key: request.peer_exchange_key,
            peer_identity_key: Some(request.peer_identity_key),
            request_key: request.request_key.clone(),
            relationship_type: RelationshipType::Requestor,
            id: None,
        })
    }

    /// The templator's public answer `{exc, sig, sta}`.
    pub fn public_response(&self) -> RelationshipPublicResponse {
        RelationshipPublicResponse {
            exchange_key: self.exchange.public,
            signature_key: self.signature.public,
            state: PublicState {
                nonce: self.transmit.nonce,
                state_type: StateType::Transmit,
                id: None,
            },
            id: None,
        }
    }

    /// Encrypts to the peer with the transmit counter and advances it.
    pub fn encrypt(&mut self, plaintext: &[u8]) -> Result<Cipher> {
        self.transmit.encrypt(plaintext)
    }

    /// Reserves `count` transmit counters (see [`PrivateStateTransmit::reserve`]); store the
    /// secrets before any of them is used.
    pub fn reserve_transmit_counters(&mut self, count: u32) -> Result<std::ops::Range<u32>> {
        self.transmit.reserve(count)
    }

    /// Encrypts to the peer with a reserved transmit `counter` (see
    /// [`PrivateStateTransmit::encrypt_at`]).
    pub fn encrypt_at(&self, plaintext: &[u8], counter: u32) -> Cipher {
        self.transmit.encrypt_at(plaintext, counter)
    }

    /// Decrypts from the peer by the cipher's `cnt`.
    pub fn decrypt(&self, cipher: &Cipher) -> Result<Vec<u8>> {
        self.receive.decrypt(cipher)
    }

    /// Decrypts a cipher under the request key (creation content).
    pub fn decrypt_request(&self, cipher: &Cipher) -> Result<Vec<u8>> {
        decrypt(cipher, &self.request_key)
    }

    /// Relationship signature, labelled alg 1.
    pub fn sign(&self, message: &[u8]) -> Signature {
        self.signature.sign(message, HashAlgorithm::Sha256)
    }

    /// Verifies a signature of the peer's relationship key.
    pub fn verify_peer(&self, message: &[u8], signature: &Signature) -> bool {
        self.peer_signature_key.verify(message, signature)
    }
}

impl CryptoJson for RelationshipSecrets {
    const TYPE_NAME: &'static str = "CryptoRelationshipSecrets";

    fn to_value(&self, verbose: bool) -> Value {
        let mut pairs = vec![
            ("exc", self.exchange.to_value(false)),
            ("psk", self.peer_signature_key.to_value(false)),
            ("ptk", self.peer_template_key.to_value(false)),
            ("pxk", self.peer_exchange_key.to_value(false)),
            ("rsk", self.request_key.to_value(false)),
            ("rx", self.receive.to_value(false)),
            ("sig", self.signature.to_value(false)),
            ("tx", self.transmit.to_value(false)),
            ("typ", Value::from(self.relationship_type as u64)),
        ];
        if let Some(pik) = &self.peer_identity_key {
            pairs.push(("pik", pik.to_value(false)));
        }
        if let Some(id) = &self.id {
            pairs.push(("id", id.clone().into()));
        }
        if verbose {
            pairs.push(("@type", Self::TYPE_NAME.into()));
        }
        sorted_object(pairs)
    }

    fn from_value(value: &Value) -> Result<Self> {
        let o = Obj::new(value, Self::TYPE_NAME)?;
        let relationship_type = match o.u64("typ")? {
            1 => RelationshipType::Templator,
            2 => RelationshipType::Requestor,
            other => {
                return Err(CryptoError::Format {
                    what: Self::TYPE_NAME,
                    why: format!("unknown relationship type {other}"),
                });
            }
        };
        Ok(Self {
            exchange: ExchangeKeypair::from_value(o.get("exc")?)?,
            signature: SignatureKeypair::from_value(o.get("sig")?)?,
            transmit: PrivateStateTransmit::from_value(o.get("tx")?)?,
            receive: PrivateStateReceive::from_value(o.get("rx")?)?,
            peer_exchange_key: ExchangePublicKey::from_value(o.get("pxk")?)?,
            peer_signature_key: SignaturePublicKey::from_value(o.get("psk")?)?,
            peer_template_key: ExchangePublicKey::from_value(o.get("ptk")?)?,
            peer_identity_key: o
                .opt("pik")
                .map(SignaturePublicKey::from_value)
                .transpose()?,
            request_key: SecretKey::from_value(o.get("rsk")?)?,
            relationship_type,
            id: o.opt_str("id")?,
        })
    }
}

inherent_json!(RelationshipSecrets);
