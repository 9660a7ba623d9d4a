//! Ed25519 keys and detached signatures (`CryptoSignature*`, wire-formats §1.3).

use crate::error::{CryptoError, Result};
use crate::json::{CryptoJson, Obj, b64v, inherent_json, object};
use crate::random::random_bytes;
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use serde_json::Value;
use zeroize::Zeroize;

/// The only implemented `CryptoSignatureAlgorithm` (Ed25519).
pub const SIGNATURE_ALG_ED25519: u64 = 3;

/// `CryptoHashAlgorithm`, used as the (unchecked) label `alg` of a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlgorithm {
    /// SHA-256 (label written by relationship secrets).
    Sha256 = 1,
    /// SHA-512 (label written by identity and device signatures).
    Sha512 = 2,
}

impl HashAlgorithm {
    /// Parses the numeric id; BLAKE2b (3) is defined but not implemented by @nmshd/crypto.
    pub fn from_id(id: i64) -> Result<Self> {
        match id {
            1 => Ok(Self::Sha256),
            2 => Ok(Self::Sha512),
            alg => Err(CryptoError::UnsupportedAlgorithm { what: "hash", alg }),
        }
    }
}

/// A detached Ed25519 signature with its hash-algorithm label (`CryptoSignature`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    /// The 64 signature bytes.
    pub bytes: [u8; 64],
    /// Label only; verification ignores it.
    pub alg: HashAlgorithm,
}

impl CryptoJson for Signature {
    const TYPE_NAME: &'static str = "CryptoSignature";

    fn to_value(&self, verbose: bool) -> Value {
        let mut pairs = vec![
            ("sig", b64v(&self.bytes)),
            ("alg", Value::from(self.alg as u64)),
        ];
        if verbose {
            pairs.push(("@type", Self::TYPE_NAME.into()));
        }
        object(pairs)
    }

    fn from_value(value: &Value) -> Result<Self> {
        let o = Obj::new(value, Self::TYPE_NAME)?;
        let alg = o.get("alg")?.as_i64().ok_or_else(|| CryptoError::Format {
            what: Self::TYPE_NAME,
            why: "`alg` must be an integer".into(),
        })?;
        Ok(Self {
            bytes: o.bytes("sig")?,
            alg: HashAlgorithm::from_id(alg)?,
        })
    }
}

inherent_json!(Signature);

/// An Ed25519 public key (`CryptoSignaturePublicKey`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignaturePublicKey(pub [u8; 32]);

impl SignaturePublicKey {
    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Verifies a detached signature over the raw message (no pre-hashing; `alg` not checked).
    /// Invalid keys, small-order points and non-canonical signatures yield `false`, as in libsodium.
    pub fn verify(&self, message: &[u8], signature: &Signature) -> bool {
        let Ok(key) = VerifyingKey::from_bytes(&self.0) else {
            return false;
        };
        let sig = ed25519_dalek::Signature::from_bytes(&signature.bytes);
        key.verify_strict(message, &sig).is_ok()
    }
}

impl CryptoJson for SignaturePublicKey {
    const TYPE_NAME: &'static str = "CryptoSignaturePublicKey";

    fn to_value(&self, verbose: bool) -> Value {
        let mut pairs = vec![
            ("pub", b64v(&self.0)),
            ("alg", Value::from(SIGNATURE_ALG_ED25519)),
        ];
        if verbose {
            pairs.push(("@type", Self::TYPE_NAME.into()));
        }
        object(pairs)
    }

    fn from_value(value: &Value) -> Result<Self> {
        let o = Obj::new(value, Self::TYPE_NAME)?;
        o.alg("signature", SIGNATURE_ALG_ED25519)?;
        Ok(Self(o.bytes("pub")?))
    }
}

inherent_json!(SignaturePublicKey);

/// An Ed25519 private key in libsodium's 64-byte form `seed ‖ public` (`CryptoSignaturePrivateKey`).
#[derive(Clone, PartialEq, Eq)]
pub struct SignaturePrivateKey {
    bytes: [u8; 64],
    /// Expanded once, so signing does not redo the seed hashing and base-point multiplication.
    signing: SigningKey,
    /// Optional key id written as `id`.
    pub id: Option<String>,
}

impl Drop for SignaturePrivateKey {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

impl std::fmt::Debug for SignaturePrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignaturePrivateKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl SignaturePrivateKey {
    /// Builds the libsodium form from a 32-byte seed.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        let signing = SigningKey::from_bytes(&seed);
        let mut bytes = [0u8; 64];
        bytes[..32].copy_from_slice(&seed);
        bytes[32..].copy_from_slice(signing.verifying_key().as_bytes());
        Self {
            bytes,
            signing,
            id: None,
        }
    }

    /// Accepts the 64-byte `seed ‖ public` form; the public half must belong to the seed.
    pub fn from_bytes(bytes: [u8; 64]) -> Result<Self> {
        let mut seed = [0u8; 32];
        seed.copy_from_slice(&bytes[..32]);
        let key = Self::from_seed(seed);
        seed.zeroize();
        if key.bytes != bytes {
            return Err(CryptoError::InvalidKey(
                "Ed25519 private key: public half does not match the seed".into(),
            ));
        }
        Ok(key)
    }

    /// The 64 bytes `seed ‖ public`.
    pub fn as_bytes(&self) -> &[u8; 64] {
        &self.bytes
    }

    /// The 32-byte seed.
    pub fn seed(&self) -> [u8; 32] {
        let mut seed = [0u8; 32];
        seed.copy_from_slice(&self.bytes[..32]);
        seed
    }

    /// The matching public key.
    pub fn public_key(&self) -> SignaturePublicKey {
        let mut public = [0u8; 32];
        public.copy_from_slice(&self.bytes[32..]);
        SignaturePublicKey(public)
    }

    /// Ed25519 detached signature over the raw message, labelled `alg`.
    pub fn sign(&self, message: &[u8], alg: HashAlgorithm) -> Signature {
        Signature {
            bytes: self.signing.sign(message).to_bytes(),
            alg,
        }
    }
}

impl CryptoJson for SignaturePrivateKey {
    const TYPE_NAME: &'static str = "CryptoSignaturePrivateKey";

    fn to_value(&self, verbose: bool) -> Value {
        let mut pairs = vec![
            ("prv", b64v(&self.bytes)),
            ("alg", Value::from(SIGNATURE_ALG_ED25519)),
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
        o.alg("signature", SIGNATURE_ALG_ED25519)?;
        let mut key = Self::from_bytes(o.bytes("prv")?)?;
        key.id = o.opt_str("id")?;
        Ok(key)
    }
}

inherent_json!(SignaturePrivateKey);

/// An Ed25519 keypair (`CryptoSignatureKeypair`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureKeypair {
    /// Public half.
    pub public: SignaturePublicKey,
    /// Private half (libsodium 64-byte form).
    pub private: SignaturePrivateKey,
}

impl SignatureKeypair {
    /// A fresh random keypair.
    pub fn generate() -> Self {
        let mut seed = random_bytes::<32>();
        let kp = Self::from_seed(seed);
        seed.zeroize();
        kp
    }

    /// The deterministic keypair of a 32-byte seed (libsodium `crypto_sign_seed_keypair`).
    pub fn from_seed(seed: [u8; 32]) -> Self {
        let private = SignaturePrivateKey::from_seed(seed);
        Self {
            public: private.public_key(),
            private,
        }
    }

    /// Signs with the private half.
    pub fn sign(&self, message: &[u8], alg: HashAlgorithm) -> Signature {
        self.private.sign(message, alg)
    }
}

impl CryptoJson for SignatureKeypair {
    const TYPE_NAME: &'static str = "CryptoSignatureKeypair";

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
        let public = SignaturePublicKey::from_value(o.get("pub")?)?;
        let private = SignaturePrivateKey::from_value(o.get("prv")?)?;
        if private.public_key() != public {
            return Err(CryptoError::InvalidKey(
                "signature keypair halves do not belong together".into(),
            ));
        }
        Ok(Self { public, private })
    }
}

inherent_json!(SignatureKeypair);
