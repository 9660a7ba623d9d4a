//! The two Base64 flavours of `CoreBuffer` that appear on the wire (wire-formats §2).

use crate::error::{CryptoError, Result};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

/// base64url without padding: every byte field inside crypto JSON, `toBase64()` of crypto objects.
pub fn b64url_encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes base64url; trailing `=` padding is tolerated like `CoreBuffer.fromBase64URL` does.
pub fn b64url_decode(text: &str) -> Result<Vec<u8>> {
    URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .map_err(|e| CryptoError::Base64(e.to_string()))
}

/// Standard alphabet with padding: Backbone password hashes and reference salts.
pub fn b64_encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Decodes standard padded Base64.
pub fn b64_decode(text: &str) -> Result<Vec<u8>> {
    STANDARD
        .decode(text)
        .map_err(|e| CryptoError::Base64(e.to_string()))
}

/// Decodes base64url into exactly `N` bytes.
pub(crate) fn b64url_array<const N: usize>(text: &str, what: &'static str) -> Result<[u8; N]> {
    let bytes = b64url_decode(text)?;
    let len = bytes.len();
    bytes.try_into().map_err(|_| CryptoError::Format {
        what,
        why: format!("expected {N} bytes, got {len}"),
    })
}

/// base64url-decodes and requires UTF-8 text.
pub(crate) fn b64url_decode_utf8(text: &str) -> Result<String> {
    String::from_utf8(b64url_decode(text)?).map_err(|e| CryptoError::Base64(e.to_string()))
}
