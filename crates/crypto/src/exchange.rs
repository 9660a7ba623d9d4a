//! X25519 keys and libsodium `crypto_kx` session keys (`CryptoExchange*`, wire-formats §1.4).

use crate::error::{CryptoError, Result};
use crate::json::{CryptoJson, Obj, b64v, inherent_json, object};
use crate::random::random_bytes;
use blake2::{Blake2b512, Digest};
use serde_json::Value;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// The only implemented `CryptoExchangeAlgorithm` (X25519).
pub const EXCHANGE_ALG_X25519: u64 = 3;

/// An X25519 public key (`CryptoExchangePublicKey`; `@type` comes first in its JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExchangePublicKey(pub [u8; 32]);

impl ExchangePublicKey {
    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl CryptoJson for ExchangePublicKey {
    const TYPE_NAME: &'static str = "CryptoExchangePublicKey";

    fn to_value(&self, verbose: bool) -> Value {
        let mut pairs = Vec::with_capacity(3);
        if verbose {
            pairs.push(("@type", Self::TYPE_NAME.into()));
        }
        pairs.push(("pub", b64v(&self.0)));
        pairs.push(("alg", Value::from(EXCHANGE_ALG_X25519)));
        object(pairs)
    }

    fn from_value(value: &Value) -> Result<Self> {
        let o = Obj::new(value, Self::TYPE_NAME)?;
        o.alg("exchange", EXCHANGE_ALG_X25519)?;
        Ok(Self(o.bytes("pub")?))
    }
}

inherent_json!(ExchangePublicKey);

/// An X25519 private scalar (`CryptoExchangePrivateKey`). Zeroized on drop.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct ExchangePrivateKey([u8; 32]);

impl std::fmt::Debug for ExchangePrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ExchangePrivateKey(<redacted>)")
    }
}

impl ExchangePrivateKey {
    /// Wraps the raw private bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The raw private bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// `crypto_scalarmult_base`: the matching public key.
    pub fn public_key(&self) -> ExchangePublicKey {
        let secret = x25519_dalek::StaticSecret::from(self.0);
        ExchangePublicKey(x25519_dalek::PublicKey::from(&secret).to_bytes())
    }

    /// `crypto_scalarmult` with the peer's key; all-zero output (small-order peer key) is an error.
    fn shared_secret(&self, peer: &ExchangePublicKey) -> Result<[u8; 32]> {
        let secret = x25519_dalek::StaticSecret::from(self.0);
        let shared = secret.diffie_hellman(&x25519_dalek::PublicKey::from(peer.0));
        if !shared.was_contributory() {
            return Err(CryptoError::KeyExchange);
        }
        Ok(shared.to_bytes())
    }
}

impl CryptoJson for ExchangePrivateKey {
    const TYPE_NAME: &'static str = "CryptoExchangePrivateKey";

    fn to_value(&self, verbose: bool) -> Value {
        let mut pairs = vec![
            ("prv", b64v(&self.0)),
            ("alg", Value::from(EXCHANGE_ALG_X25519)),
        ];
        if verbose {
            pairs.push(("@type", Self::TYPE_NAME.into()));
        }
        object(pairs)
    }

    fn from_value(value: &Value) -> Result<Self> {
        let o = Obj::new(value, Self::TYPE_NAME)?;
        o.alg("exchange", EXCHANGE_ALG_X25519)?;
        Ok(Self(o.bytes("prv")?))
    }
}

inherent_json!(ExchangePrivateKey);

/// An X25519 keypair (`CryptoExchangeKeypair`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeKeypair {
    /// Public half.
    pub public: ExchangePublicKey,
    /// Private half.
    pub private: ExchangePrivateKey,
}

impl ExchangeKeypair {
    /// A fresh random keypair (`crypto_kx_keypair`).
    pub fn generate() -> Self {
        let mut bytes = random_bytes::<32>();
        let kp = Self::from_private_bytes(bytes);
        bytes.zeroize();
        kp
    }

    /// The keypair of the given private bytes.
    pub fn from_private_bytes(bytes: [u8; 32]) -> Self {
        let private = ExchangePrivateKey::from_bytes(bytes);
        Self {
            public: private.public_key(),
            private,
        }
    }
}

impl CryptoJson for ExchangeKeypair {
    const TYPE_NAME: &'static str = "CryptoExchangeKeypair";

    fn to_value(&self, verbose: bool) -> Value {
        let mut pairs = vec![
            ("pub", self.public.to_value(false)),
            ("prv", self.private.to_value(false)),
        ];
        if verbose {
            pairs.push(("@type", Self::TYPE_NAME.into()));
        }
        object(pairs)
    }

    fn from_value(value: &Value) -> Result<Self> {
        let o = Obj::new(value, Self::TYPE_NAME)?;
        let public = ExchangePublicKey::from_value(o.get("pub")?)?;
        let private = ExchangePrivateKey::from_value(o.get("prv")?)?;
        if private.public_key() != public {
            return Err(CryptoError::InvalidKey(
                "exchange keypair halves do not belong together".into(),
            ));
        }
        Ok(Self { public, private })
    }
}

inherent_json!(ExchangeKeypair);

/// Session keys of one side (`CryptoExchangeSecrets`). Zeroized on drop.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct ExchangeSecrets {
    /// Key for receiving.
    pub rx: [u8; 32],
    /// Key for transmitting.
    pub tx: [u8; 32],
}

impl std::fmt::Debug for ExchangeSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ExchangeSecrets(<redacted>)")
    }
}

impl CryptoJson for ExchangeSecrets {
    const TYPE_NAME: &'static str = "CryptoExchangeSecrets";

    fn to_value(&self, verbose: bool) -> Value {
        let mut pairs = vec![
            ("rx", b64v(&self.rx)),
            ("tx", b64v(&self.tx)),
            ("alg", Value::from(EXCHANGE_ALG_X25519)),
        ];
        if verbose {
            pairs.push(("@type", Self::TYPE_NAME.into()));
        }
        object(pairs)
    }

    fn from_value(value: &Value) -> Result<Self> {
        let o = Obj::new(value, Self::TYPE_NAME)?;
        o.alg("exchange", EXCHANGE_ALG_X25519)?;
        Ok(Self {
            rx: o.bytes("rx")?,
            tx: o.bytes("tx")?,
        })
    }
}

inherent_json!(ExchangeSecrets);

/// `BLAKE2b-512(q ‖ client_pk ‖ server_pk)` split into two halves.
fn kx_hash(
    q: &[u8; 32],
    client: &ExchangePublicKey,
    server: &ExchangePublicKey,
) -> ([u8; 32], [u8; 32]) {
    let mut h = Blake2b512::new();
    h.update(q);
    h.update(client.0);
    h.update(server.0);
    let out = h.finalize();
    let mut first = [0u8; 32];
    let mut second = [0u8; 32];
    first.copy_from_slice(&out[..32]);
    second.copy_from_slice(&out[32..]);
    (first, second)
}

/// `CryptoExchange.deriveTemplator` = libsodium `crypto_kx_client_session_keys`:
/// rx = first half, tx = second half.
pub fn derive_templator(
    own: &ExchangeKeypair,
    peer: &ExchangePublicKey,
) -> Result<ExchangeSecrets> {
    let mut q = own.private.shared_secret(peer)?;
    let (rx, tx) = kx_hash(&q, &own.public, peer);
    q.zeroize();
    Ok(ExchangeSecrets { rx, tx })
}

/// `CryptoExchange.deriveRequestor` = libsodium `crypto_kx_server_session_keys`:
/// tx = first half, rx = second half.
pub fn derive_requestor(
    own: &ExchangeKeypair,
    peer: &ExchangePublicKey,
) -> Result<ExchangeSecrets> {
    let mut q = own.private.shared_secret(peer)?;
    let (tx, rx) = kx_hash(&q, peer, &own.public);
    q.zeroize();
    Ok(ExchangeSecrets { rx, tx })
}
