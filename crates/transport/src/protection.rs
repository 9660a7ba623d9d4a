//! Password protection of own and peer templates and tokens, and local ids.

use nmshd_crypto::{SharedPasswordProtection, b64url_decode, b64url_encode};
use nmshd_wire::PasswordInput;
use serde::{Deserialize, Serialize};

use crate::error::{Result, TransportError};

/// `PasswordLocationIndicatorOptions` of core-types: the names of indicators 0…6.
pub const PASSWORD_LOCATION_OPTIONS: [&str; 7] = [
    "RecoveryKit",
    "Self",
    "Letter",
    "RegistrationLetter",
    "Email",
    "SMS",
    "Website",
];

/// What a caller asks for: a password (or PIN) and where the peer finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordProtectionInput {
    pub password: String,
    /// `passwordIsPin: true`: the password is a PIN (`pin<n>`); otherwise it is a password
    /// (`pw`), even when it consists of digits only (transport's `PasswordProtectionCreationParameters`).
    pub password_is_pin: bool,
    pub password_location_indicator: Option<u8>,
}

/// The stored protection: the clear password (kept locally like the runtime does) and its salt.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordProtection {
    /// `pw` or `pin<n>`.
    pub password_type: String,
    /// base64url of the 16-byte salt.
    pub salt: String,
    pub password: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_location_indicator: Option<u8>,
}

impl std::fmt::Debug for PasswordProtection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordProtection")
            .field("password_type", &self.password_type)
            .finish_non_exhaustive()
    }
}

impl PasswordProtection {
    /// Fresh protection with a random salt.
    pub fn new(input: &PasswordProtectionInput) -> Self {
        let salt: [u8; 16] = nmshd_crypto::random_bytes();
        let password_type = if input.password_is_pin {
            format!("pin{}", input.password.len())
        } else {
            "pw".to_owned()
        };
        Self {
            password_type,
            salt: b64url_encode(&salt),
            password: input.password.clone(),
            password_location_indicator: input.password_location_indicator,
        }
    }

    /// From what a reference or token carries plus the password the caller gave.
    pub fn from_shared(shared: &SharedPasswordProtection, password: &str) -> Self {
        Self {
            password_type: shared.password_type.clone(),
            salt: b64url_encode(&shared.salt),
            password: password.to_owned(),
            password_location_indicator: shared.password_location_indicator,
        }
    }

    fn salt(&self) -> Result<[u8; 16]> {
        b64url_decode(&self.salt)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| TransportError::Corrupt {
                collection: "PasswordProtection",
                why: "the salt is not 16 bytes of base64url".into(),
            })
    }

    /// The hashing input for the Backbone.
    pub fn input(&self) -> Result<PasswordInput> {
        Ok(PasswordInput {
            password: self.password.clone(),
            salt: self.salt()?,
        })
    }

    /// The Backbone's `password` (Argon2id hash).
    pub fn backbone_hash(&self) -> Result<String> {
        Ok(self.input()?.hash_for_backbone()?)
    }

    /// What references and tokens embed (never the password).
    pub fn shared(&self) -> Result<SharedPasswordProtection> {
        Ok(SharedPasswordProtection {
            password_type: self.password_type.clone(),
            salt: self.salt()?,
            password_location_indicator: self.password_location_indicator,
            password: None,
        })
    }

    /// `PasswordProtectionDTO`: `{password, passwordIsPin?, passwordLocationIndicator?}`.
    pub fn to_dto(&self) -> serde_json::Value {
        let mut dto = serde_json::Map::new();
        dto.insert("password".into(), self.password.clone().into());
        if self.password_type.starts_with("pin") {
            dto.insert("passwordIsPin".into(), true.into());
        }
        if let Some(i) = self.password_location_indicator {
            let value = PASSWORD_LOCATION_OPTIONS
                .get(usize::from(i))
                .map_or_else(|| i.into(), |name| (*name).into());
            dto.insert("passwordLocationIndicator".into(), value);
        }
        serde_json::Value::Object(dto)
    }
}

/// A CoreId-like local id: `prefix` followed by random alphanumerics, 20 characters in all.
pub fn new_id(prefix: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let random = nmshd_crypto::random_bytes::<20>();
    let mut id = prefix.to_owned();
    id.extend(
        random
            .iter()
            .take(20usize.saturating_sub(prefix.len()))
            .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char),
    );
    id
}
