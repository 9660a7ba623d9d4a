//! The one error type of this crate: every malformed, mismatched or forged input ends here, never in a panic.

use nmshd_crypto::CryptoError;

/// Result alias used throughout the crate.
pub type Result<T, E = WireError> = std::result::Result<T, E>;

/// Why a wire object could not be built, parsed, decrypted or verified.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// The text is not JSON (or not the JSON shape the object needs).
    #[error("malformed JSON: {0}")]
    Json(String),
    /// A value that must be a JSON object is something else.
    #[error("{ty}: expected a JSON object")]
    NotAnObject {
        /// The transport class being read.
        ty: &'static str,
    },
    /// The `@type` discriminator names another class.
    #[error("wrong @type: expected {expected}, found {found}")]
    WrongType {
        /// The class the parser reads.
        expected: &'static str,
        /// What the input claims to be.
        found: String,
    },
    /// A `@version` this crate does not know.
    #[error("{ty}: unsupported @version {found}")]
    UnsupportedVersion {
        /// The transport class being read.
        ty: &'static str,
        /// The version found in the input.
        found: String,
    },
    /// A required member is absent or `null`.
    #[error("{ty}: missing field `{field}`")]
    MissingField {
        /// The transport class being read.
        ty: &'static str,
        /// The JSON key.
        field: &'static str,
    },
    /// A member is present but has the wrong type or an invalid value.
    #[error("{ty}: invalid field `{field}`: {reason}")]
    InvalidField {
        /// The transport class being read.
        ty: &'static str,
        /// The JSON key.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A date that is not ISO-8601.
    #[error("invalid date `{0}`")]
    InvalidDate(String),
    /// Decrypted or decoded bytes that are not UTF-8 text.
    #[error("{0} is not valid UTF-8")]
    NotUtf8(&'static str),
    /// Base64/base64url decoding, decryption, key parsing and other failures of the crypto layer.
    #[error("crypto: {0}")]
    Crypto(#[from] CryptoError),
    /// A signature does not verify against the expected key.
    #[error("the {0} signature is not valid")]
    InvalidSignature(&'static str),
    /// A downloaded file's SHA-512 differs from the `cipherHash` it was announced with.
    #[error("the downloaded file content does not match its cipherHash")]
    CipherHashMismatch,
    /// A decrypted file's SHA-512 differs from the `plaintextHash` in its metadata.
    #[error("the decrypted file content does not match the plaintextHash of its metadata")]
    PlaintextHashMismatch,
    /// The own address is not among a message's recipients (envelope or signed plaintext).
    #[error("address {0} is not a recipient of this message")]
    NotARecipient(String),
    /// The signed message carries no signature for the own address.
    #[error("the message carries no signature for {0}")]
    SignatureMissing(String),
    /// A token content whose `@type` is none of the known token content classes.
    #[error("unknown token content type `{0}`")]
    UnknownTokenContent(String),
    /// Input that violates a documented precondition of a builder (e.g. an empty recipient list).
    #[error("invalid input: {0}")]
    InvalidInput(String),
}

impl WireError {
    /// Shorthand for [`WireError::InvalidField`].
    pub(crate) fn invalid(
        ty: &'static str,
        field: &'static str,
        reason: impl Into<String>,
    ) -> Self {
        WireError::InvalidField {
            ty,
            field,
            reason: reason.into(),
        }
    }
}
