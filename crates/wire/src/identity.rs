//! `Identity` (transport `modules/accounts/data/Identity`): the address and identity public key that
//! templates and relationship creation contents carry.

use crate::error::Result;
use crate::serial::{Fields, SerialObject, WireObject};
use nmshd_crypto::SignaturePublicKey;
use serde_json::Value;

/// An identity as embedded in wrappers: `{"address":"did:e:…","publicKey":{"pub":…,"alg":3}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The identity address (`did:e:<host>:dids:<22 hex>`).
    pub address: String,
    /// The identity signature public key.
    pub public_key: SignaturePublicKey,
}

impl WireObject for Identity {
    const TYPE: &'static str = "Identity";

    fn to_value(&self, verbose: bool) -> Value {
        SerialObject::new()
            .field("address", self.address.as_str())
            .field("publicKey", self.public_key.to_value(false))
            .finish(Self::TYPE, verbose)
    }

    fn from_value(value: &Value) -> Result<Self> {
        let f = Fields::new(value, Self::TYPE)?;
        Ok(Self {
            address: f.str("address")?.to_owned(),
            public_key: f.nested("publicKey", |v| Ok(SignaturePublicKey::from_value(v)?))?,
        })
    }
}
