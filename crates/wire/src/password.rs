//! Password protection of templates and tokens: what the Backbone receives (wire-formats §9.4).

use crate::error::Result;
use nmshd_crypto::pwhash;

/// A clear-text password with the salt drawn for it (16 random bytes in production).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordInput {
    /// The clear-text password (a PIN is just a digit string).
    pub password: String,
    /// The Argon2id salt.
    pub salt: [u8; 16],
}

impl PasswordInput {
    /// `CoreCrypto.deriveHashOutOfPassword(password, salt).toBase64()`: Argon2id with the transport
    /// parameters, standard base64 with padding. This is the `password` of POST bodies and of the
    /// `password=` query of GETs.
    pub fn hash_for_backbone(&self) -> Result<String> {
        Ok(pwhash::hash_password_for_backbone(
            &self.password,
            &self.salt,
        )?)
    }

    /// The `passwordType` the runtime derives: `pin<n>` for an all-digit password of 4…16 digits,
    /// otherwise `pw`.
    pub fn password_type(&self) -> String {
        let n = self.password.len();
        if (4..=16).contains(&n) && self.password.bytes().all(|b| b.is_ascii_digit()) {
            format!("pin{n}")
        } else {
            "pw".to_owned()
        }
    }
}
