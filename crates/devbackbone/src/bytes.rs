//! Binary fields: lenient on input (base64url without padding or standard base64, with or without
//! padding), always base64url without padding on output (backbone-api §1.4).

use base64::Engine;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};

/// Decodes either base64 alphabet, padding optional.
pub fn decode_lenient(text: &str) -> Option<Vec<u8>> {
    let trimmed = text.trim_end_matches('=');
    if trimmed.contains(['+', '/']) {
        STANDARD_NO_PAD.decode(trimmed).ok()
    } else {
        URL_SAFE_NO_PAD.decode(trimmed).ok()
    }
}

/// base64url without padding.
pub fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_both_alphabets() {
        let bytes = [0xfb_u8, 0xff, 0xbf, 0x01];
        assert_eq!(decode_lenient("+/+/AQ==").as_deref(), Some(&bytes[..]));
        assert_eq!(decode_lenient("-_-_AQ").as_deref(), Some(&bytes[..]));
        assert_eq!(encode(&bytes), "-_-_AQ");
        assert!(decode_lenient("not base64!").is_none());
    }
}
