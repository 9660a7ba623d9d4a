//! API-key authentication (`connector-api.md` §3): the configured header carries a key; a valid
//! key yields its scopes as roles. Keys are compared in constant time; expired keys are refused
//! at request time too. In debug mode without any mechanism the API is open (roles `["**"]`).

use actix_web::http::header::{HeaderMap, HeaderName};
use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::config::Settings;

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Roles (scopes) granted.
    pub roles: Vec<String>,
    /// Name of the API key used, if any.
    pub key_name: Option<String>,
}

struct ActiveKey {
    name: String,
    key: SecretString,
    scopes: Vec<String>,
    expires_at: Option<OffsetDateTime>,
}

/// Decides who a request comes from.
pub struct Authenticator {
    header: Option<HeaderName>,
    keys: Vec<ActiveKey>,
    open: bool,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.keys.iter().map(|k| k.name.as_str()).collect();
        f.debug_struct("Authenticator")
            .field("header", &self.header)
            .field("keys", &names)
            .field("open", &self.open)
            .finish()
    }
}

impl Authenticator {
    /// Builds from validated settings: enabled, unexpired keys only.
    pub fn from_settings(settings: &Settings) -> Self {
        let api_key = &settings.infrastructure.http_server.authentication.api_key;
        if !api_key.is_enabled() {
            return Self {
                header: None,
                keys: Vec::new(),
                open: settings.debug,
            };
        }
        let now = OffsetDateTime::now_utc();
        let keys = api_key
            .keys
            .iter()
            .filter(|(_, entry)| entry.enabled != Some(false))
            .filter_map(|(name, entry)| {
                let expires_at = match &entry.expires_at {
                    Some(text) => Some(OffsetDateTime::parse(text, &Rfc3339).ok()?),
                    None => None,
                };
                if expires_at.is_some_and(|at| at <= now) {
                    return None;
                }
                Some(ActiveKey {
                    name: name.clone(),
                    key: entry.key.clone(),
                    scopes: entry
                        .scopes
                        .clone()
                        .unwrap_or_else(|| vec!["**".to_owned()]),
                    expires_at,
                })
            })
            .collect();
        let header = HeaderName::from_bytes(api_key.header_name.as_bytes()).ok();
        Self {
            header,
            keys,
            open: false,
        }
    }

    /// The caller of a request with these headers, or `None` (→ 401 after the delay).
    pub fn authenticate(&self, headers: &HeaderMap) -> Option<Principal> {
        if self.open {
            return Some(Principal {
                roles: vec!["**".to_owned()],
                key_name: None,
            });
        }
        let presented = headers.get(self.header.as_ref()?)?.as_bytes();
        let now = OffsetDateTime::now_utc();
        // Compare against every key so the time taken does not reveal which one matched.
        let mut found: Option<&ActiveKey> = None;
        for key in &self.keys {
            if constant_time_eq(key.key.expose_secret().as_bytes(), presented) && found.is_none() {
                found = Some(key);
            }
        }
        let key = found?;
        if key.expires_at.is_some_and(|at| at <= now) {
            return None;
        }
        Some(Principal {
            roles: key.scopes.clone(),
            key_name: Some(key.name.clone()),
        })
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = u8::from(a.len() != b.len());
    for (i, x) in a.iter().enumerate() {
        diff |= x ^ b.get(i).copied().unwrap_or(0);
    }
    diff == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(b"ab", b"abc"));
    }
}
