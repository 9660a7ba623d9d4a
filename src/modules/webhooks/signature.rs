//! Standard Webhooks (<https://www.standardwebhooks.com>) headers: every POST carries
//! `webhook-id` (the event's id, the same on every retry) and `webhook-timestamp` (unix seconds of
//! the attempt); a target with a `signingSecret` also gets `webhook-signature`:
//! `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, keyed with the secret's bytes.
//!
//! The secret is configured as Standard Webhooks secrets are written: `whsec_` followed by the
//! base64 of 24–64 random bytes (the prefix is optional).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretSlice};
use sha2::Sha256;

pub const WEBHOOK_ID: &str = "webhook-id";
pub const WEBHOOK_TIMESTAMP: &str = "webhook-timestamp";
pub const WEBHOOK_SIGNATURE: &str = "webhook-signature";

/// The prefix of a Standard Webhooks secret.
const SECRET_PREFIX: &str = "whsec_";
/// The key sizes Standard Webhooks allows (bytes).
const KEY_BYTES: std::ops::RangeInclusive<usize> = 24..=64;

/// A target's signing key (the decoded secret).
#[derive(Debug, Clone)]
pub struct SigningKey(SecretSlice<u8>);

impl SigningKey {
    /// Reads `whsec_<base64>` (or the bare base64); an explanation when it is not one.
    pub fn parse(secret: &str) -> Result<Self, String> {
        let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
        let key = STANDARD
            .decode(encoded)
            .map_err(|_| "must be 'whsec_' followed by base64".to_owned())?;
        if !KEY_BYTES.contains(&key.len()) {
            return Err(format!(
                "must encode {} to {} bytes, not {}",
                KEY_BYTES.start(),
                KEY_BYTES.end(),
                key.len()
            ));
        }
        Ok(Self(key.into()))
    }

    /// The `webhook-signature` value for one attempt.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        // HMAC takes keys of any length; the key was checked in `parse`.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(self.0.expose_secret()) else {
            unreachable!("HMAC accepts every key length")
        };
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks reference libraries (secret, id, timestamp, payload
    /// and the signature they compute).
    #[test]
    fn signs_as_the_standard_webhooks_reference() {
        let key = SigningKey::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            key.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn refuses_what_is_no_secret() {
        assert!(SigningKey::parse("whsec_not base64!").is_err());
        assert!(SigningKey::parse("whsec_c2hvcnQ=").is_err(), "too short");
        assert!(SigningKey::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_ok());
    }
}
