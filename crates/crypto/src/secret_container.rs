//! Decryption of transport's local secret containers (§13), to import state written by TS.

use crate::cipher::{Cipher, decrypt};
use crate::error::Result;
use crate::kdf::{CONTEXT_SECRET, derive_subkey};
use crate::secret_key::SecretKey;

/// The container key: `KDF(SharedSecretBaseKey, nonce, "SECRET01")`.
pub fn container_key(base_key: &SecretKey, nonce: u64) -> Result<SecretKey> {
    Ok(SecretKey::from_bytes(derive_subkey(
        base_key.as_bytes(),
        nonce,
        CONTEXT_SECRET,
    )?))
}

/// Decrypts one container's cipher to the verbose JSON of the stored secret.
pub fn decrypt_container(base_key: &SecretKey, nonce: u64, cipher: &Cipher) -> Result<Vec<u8>> {
    decrypt(cipher, &container_key(base_key, nonce)?)
}
