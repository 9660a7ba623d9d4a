//! SHA-256 / SHA-512 (libsodium `crypto_hash_sha256` / `crypto_hash_sha512`).

use sha2::{Digest, Sha256, Sha512};

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// SHA-512 of `data`.
pub fn sha512(data: &[u8]) -> [u8; 64] {
    Sha512::digest(data).into()
}
