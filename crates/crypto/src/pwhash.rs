//! Argon2id password hashing as transport uses it (libsodium `crypto_pwhash`, §1.7).

use crate::encoding::b64_encode;
use crate::error::{CryptoError, Result};
use argon2::{Algorithm, Argon2, Params, Version};

/// Transport's `opslimit` (Argon2 iterations).
pub const TRANSPORT_OPSLIMIT: u32 = 3;
/// Transport's `memlimit` in bytes (20 MiB).
pub const TRANSPORT_MEMLIMIT: usize = 20 * 1024 * 1024;

/// Argon2id v1.3, one lane, 32-byte output; `memlimit_bytes` is rounded down to KiB like libsodium.
pub fn argon2id(
    password: &[u8],
    salt: &[u8; 16],
    opslimit: u32,
    memlimit_bytes: usize,
) -> Result<[u8; 32]> {
    let m_cost = u32::try_from(memlimit_bytes / 1024)
        .map_err(|_| CryptoError::PasswordHash("memlimit too large".into()))?;
    let params = Params::new(m_cost, opslimit, 1, Some(32))
        .map_err(|e| CryptoError::PasswordHash(e.to_string()))?;
    let mut out = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(password, salt, &mut out)
        .map_err(|e| CryptoError::PasswordHash(e.to_string()))?;
    Ok(out)
}

/// `CoreCrypto.deriveHashOutOfPassword`: Argon2id with transport parameters over the UTF-8
/// password, as standard padded Base64 (what the Backbone stores and compares).
pub fn hash_password_for_backbone(password: &str, salt: &[u8; 16]) -> Result<String> {
    Ok(b64_encode(&argon2id(
        password.as_bytes(),
        salt,
        TRANSPORT_OPSLIMIT,
        TRANSPORT_MEMLIMIT,
    )?))
}
