//! enmeshed identity addresses `did:e:<host>:dids:<hash10><checksum1>` (§5.1).

use crate::hash::{sha256, sha512};

const PREFIX: &str = "did:e:";

/// Address of an Ed25519 identity public key for the Backbone hostname.
pub fn derive_address(public_key: &[u8; 32], hostname: &str) -> String {
    derive_address_from_bytes(public_key, hostname)
}

/// Address of arbitrary key bytes; transport also hashes the UTF-8 of `deleted identity` this way.
pub fn derive_address_from_bytes(public_key: &[u8], hostname: &str) -> String {
    let hash = sha256(&sha512(public_key));
    let main = format!("{PREFIX}{hostname}:dids:{}", hex::encode(&hash[..10]));
    let checksum = sha256(main.as_bytes());
    format!("{main}{}", hex::encode(&checksum[..1]))
}

/// `IdentityUtil.checkAddress`: the host after `did:e:` must be `hostname`, the checksum must
/// match, and, if given, the 10-byte key hash must match the public key.
pub fn check_address(address: &str, hostname: &str, public_key: Option<&[u8; 32]>) -> bool {
    let Some(rest) = address.strip_prefix(PREFIX) else {
        return false;
    };
    if !rest.starts_with(hostname) || !address.is_ascii() || address.len() < PREFIX.len() + 22 {
        return false;
    }
    let (realm_and_hash, checksum_hex) = address.split_at(address.len() - 2);
    let hash_hex = &realm_and_hash[realm_and_hash.len() - 20..];
    let (Ok(checksum), Ok(key_hash)) = (hex::decode(checksum_hex), hex::decode(hash_hex)) else {
        return false;
    };
    if sha256(realm_and_hash.as_bytes())[..1] != checksum[..] {
        return false;
    }
    match public_key {
        Some(key) => sha256(&sha512(key))[..10] == key_hash[..],
        None => true,
    }
}
