//! libsodium `crypto_kdf_derive_from_key` (BLAKE2b keyed with salt and personalisation, §1.5).

use crate::error::{CryptoError, Result};
use blake2::Blake2bMac;
use blake2::digest::FixedOutput;
use blake2::digest::consts::U32;

/// Context of the relationship request key.
pub const CONTEXT_REQUEST: &str = "REQTMP01";
/// Context of the requestor→templator channel key.
pub const CONTEXT_REQUESTOR_TO_TEMPLATOR: &str = "RELREQ01";
/// Context of the templator→requestor channel key.
pub const CONTEXT_TEMPLATOR_TO_REQUESTOR: &str = "RELTEM01";
/// Context of local secret-container keys.
pub const CONTEXT_SECRET: &str = "SECRET01";

/// A 32-byte subkey: BLAKE2b(key = master, salt = id LE ‖ 0⁸, personal = context ‖ 0⁸, msg = ε).
/// The context must be exactly 8 bytes.
pub fn derive_subkey(master: &[u8; 32], subkey_id: u64, context: &str) -> Result<[u8; 32]> {
    let ctx = context.as_bytes();
    if ctx.len() != 8 {
        return Err(CryptoError::Kdf(format!(
            "context must be exactly 8 bytes, got {}",
            ctx.len()
        )));
    }
    let mut salt = [0u8; 16];
    salt[..8].copy_from_slice(&subkey_id.to_le_bytes());
    let mut personal = [0u8; 16];
    personal[..8].copy_from_slice(ctx);
    let mac = Blake2bMac::<U32>::new_with_salt_and_personal(master, &salt, &personal)
        .map_err(|e| CryptoError::Kdf(e.to_string()))?;
    Ok(mac.finalize_fixed().into())
}
