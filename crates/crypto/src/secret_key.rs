//! `CryptoSecretKey`: a 32-byte XChaCha20-Poly1305 key.

use crate::error::Result;
use crate::json::{CryptoJson, Obj, b64v, inherent_json, object};
use crate::random::random_bytes;
use serde_json::Value;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// The only implemented `CryptoEncryptionAlgorithm` (XChaCha20-Poly1305).
pub const ENCRYPTION_ALG_XCHACHA20: u64 = 3;

/// A symmetric key (`CryptoSecretKey`, alg 3). Zeroized on drop; `Debug` hides the bytes.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct SecretKey([u8; 32]);

impl SecretKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        Self(random_bytes())
    }

    /// Wraps raw key bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The raw key bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

impl CryptoJson for SecretKey {
    const TYPE_NAME: &'static str = "CryptoSecretKey";

    fn to_value(&self, verbose: bool) -> Value {
        let mut pairs = vec![
            ("key", b64v(&self.0)),
            ("alg", Value::from(ENCRYPTION_ALG_XCHACHA20)),
        ];
        if verbose {
            pairs.push(("@type", Self::TYPE_NAME.into()));
        }
        object(pairs)
    }

    fn from_value(value: &Value) -> Result<Self> {
        let o = Obj::new(value, Self::TYPE_NAME)?;
        o.alg("encryption", ENCRYPTION_ALG_XCHACHA20)?;
        Ok(Self(o.bytes("key")?))
    }
}

inherent_json!(SecretKey);
