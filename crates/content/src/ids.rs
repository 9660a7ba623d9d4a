//! Consumption ids (§1): 20 characters, a prefix (`REQ`, `ATT`, `ATTFD`, `NOT`, …) plus `[A-Za-z0-9]` random.

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const ID_LENGTH: usize = 20;

/// A new id: `prefix` followed by random alphanumerics up to 20 characters in total
/// (a prefix of 20 or more characters is returned unchanged).
pub fn new_id(prefix: &str) -> String {
    let mut id = String::with_capacity(ID_LENGTH);
    id.push_str(prefix);
    while id.len() < ID_LENGTH {
        id.push(char::from(ALPHABET[rand::random_range(0..ALPHABET.len())]));
    }
    id
}
