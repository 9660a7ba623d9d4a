//! enmeshed cryptography and serialization of crypto objects (wire-compatible with `@nmshd/crypto` 2.1.3).
//!
//! Primitives come from RustCrypto and dalek crates; this crate adds only the enmeshed framing:
//! JSON shapes and key order, the counter nonce, `crypto_kx` hashing, the `crypto_kdf` salt and
//! personalisation layout, relationship secrets, addresses and references.

pub mod address;
pub mod cipher;
pub mod encoding;
mod error;
pub mod exchange;
pub mod hash;
mod json;
pub mod kdf;
pub mod pwhash;
mod random;
pub mod reference;
pub mod relationship;
pub mod secret_container;
mod secret_key;
pub mod signature;
pub mod state;

pub use address::{check_address, derive_address, derive_address_from_bytes};
pub use cipher::{
    Cipher, CipherNonce, counter_nonce, decrypt, decrypt_with_counter, encrypt,
    encrypt_with_counter, encrypt_with_nonce,
};
pub use encoding::{b64_decode, b64_encode, b64url_decode, b64url_encode};
pub use error::{CryptoError, Result};
pub use exchange::{
    ExchangeKeypair, ExchangePrivateKey, ExchangePublicKey, ExchangeSecrets, derive_requestor,
    derive_templator,
};
pub use json::CryptoJson;
pub use random::random_bytes;
pub use reference::{Reference, SharedPasswordProtection};
pub use relationship::{
    RelationshipPublicRequest, RelationshipPublicResponse, RelationshipRequestSecrets,
    RelationshipSecrets, RelationshipType,
};
pub use secret_key::{ENCRYPTION_ALG_XCHACHA20, SecretKey};
pub use signature::{
    HashAlgorithm, Signature, SignatureKeypair, SignaturePrivateKey, SignaturePublicKey,
};
pub use state::{PrivateStateReceive, PrivateStateTransmit, PublicState, StateType};
