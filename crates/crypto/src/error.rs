//! The one error type of this crate: every bad input maps to a variant, nothing panics.

/// Everything that can go wrong when parsing, decrypting or deriving.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// Input is not valid base64 / base64url (or decodes to invalid UTF-8 where text is expected).
    #[error("invalid base64: {0}")]
    Base64(String),
    /// Input is not valid JSON.
    #[error("invalid JSON: {0}")]
    Json(String),
    /// JSON is well-formed but a member is missing, has the wrong type or length.
    #[error("invalid {what}: {why}")]
    Format {
        /// The object being parsed (e.g. "CryptoCipher").
        what: &'static str,
        /// Why it was rejected.
        why: String,
    },
    /// An `@type` that does not match the expected class.
    #[error("wrong @type: expected {expected}, got {got}")]
    WrongType {
        /// The class the caller asked for.
        expected: &'static str,
        /// The class named in the input.
        got: String,
    },
    /// An algorithm id that @nmshd/crypto defines but does not implement, or does not know.
    #[error("unsupported {what} algorithm {alg}")]
    UnsupportedAlgorithm {
        /// Which enum the id belongs to ("encryption", "signature", "exchange", "hash", ...).
        what: &'static str,
        /// The id found.
        alg: i64,
    },
    /// AEAD authentication failed: wrong key, wrong nonce, truncated or tampered ciphertext.
    #[error("decryption failed (wrong key or tampered ciphertext)")]
    Decryption,
    /// The cipher carries a nonce where a counter is needed, or the other way round.
    #[error("cipher has the wrong nonce kind: {0}")]
    NonceKind(&'static str),
    /// A transmit counter would wrap around and reuse a nonce.
    #[error("transmit counter exhausted")]
    CounterExhausted,
    /// X25519 produced an all-zero shared secret (peer key of small order).
    #[error("key exchange failed: peer public key is invalid")]
    KeyExchange,
    /// Invalid key-derivation input (context length).
    #[error("invalid key derivation input: {0}")]
    Kdf(String),
    /// Argon2id rejected its parameters.
    #[error("password hashing failed: {0}")]
    PasswordHash(String),
    /// A truncated reference or reference URL that cannot be parsed.
    #[error("invalid reference: {0}")]
    Reference(String),
    /// A key whose bytes are not a valid key (e.g. mismatched Ed25519 private/public halves).
    #[error("invalid key: {0}")]
    InvalidKey(String),
}

/// Result with [`CryptoError`] as the default error.
pub type Result<T, E = CryptoError> = std::result::Result<T, E>;
