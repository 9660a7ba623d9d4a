//! Backbone identifiers: a 3-letter prefix and 17 characters from `[A-Za-z0-9]` (backbone-api §4).

use nmshd_crypto::random_bytes;

const ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// Error ids leave out characters that are easy to confuse.
const ERROR_ID_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ123456789";
const OWNERSHIP_TOKEN_ALPHABET: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*()_-+=<>?/{}[]|~";

/// `count` characters drawn uniformly from `alphabet` (rejection sampling, no modulo bias).
fn random_string(alphabet: &[u8], count: usize) -> String {
    let limit = 256 - (256 % alphabet.len());
    let mut out = String::with_capacity(count);
    while out.len() < count {
        for byte in random_bytes::<32>() {
            if (byte as usize) < limit && out.len() < count {
                out.push(alphabet[byte as usize % alphabet.len()] as char);
            }
        }
    }
    out
}

/// A fresh id such as `RELb2Cc4Dd6Ee8Ff0Gg2`.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}{}", random_string(ID_ALPHABET, 17))
}

/// A fresh HTTP error id (`ERR…`).
pub fn new_error_id() -> String {
    format!("ERR{}", random_string(ERROR_ID_ALPHABET, 17))
}

/// A fresh file ownership token (20 characters).
pub fn new_ownership_token() -> String {
    random_string(OWNERSHIP_TOKEN_ALPHABET, 20)
}

/// An opaque bearer token.
pub fn new_access_token() -> String {
    random_string(ID_ALPHABET, 48)
}

/// Whether `id` is a syntactically valid id with this prefix.
pub fn is_valid_id(id: &str, prefix: &str) -> bool {
    id.len() == 20
        && id.starts_with(prefix)
        && id[prefix.len()..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_prefix_and_length() {
        let id = new_id("REL");
        assert!(is_valid_id(&id, "REL"), "{id}");
        assert!(!is_valid_id(&id, "MSG"));
        assert!(!is_valid_id("REL123", "REL"));
        assert!(!is_valid_id("REL1234567890123456!", "REL"));
        let err = new_error_id();
        assert_eq!(err.len(), 20);
        assert!(!err[3..].contains(['I', 'O', '0']));
        assert_eq!(new_ownership_token().chars().count(), 20);
    }
}
