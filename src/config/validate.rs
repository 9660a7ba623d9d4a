//! Startup checks beyond types: the rules the real Connector enforces (base URL scheme, API key
//! policy, at least one way to authenticate) plus the features this build cannot serve yet.

use std::collections::BTreeMap;

use secrecy::ExposeSecret;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{ApiKeyEntry, ConfigError, DatabaseDriver, Settings};

const SPECIAL: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/// An authentication sub-object is enabled by its `enabled` flag, or, without one, when it is
/// non-empty (the real Connector's rule for `jwtBearer` and `oidc`).
pub fn is_enabled(options: &Map<String, Value>) -> bool {
    match options.get("enabled") {
        Some(Value::Bool(flag)) => *flag,
        _ => !options.is_empty(),
    }
}

/// Every rule the settings break (empty: none).
pub(super) fn validate(settings: &Settings) -> Vec<ConfigError> {
    let mut problems = Vec::new();
    let base_url = &settings.transport_library.base_url;
    if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
        problems.push(ConfigError::invalid(
            "transportLibrary.baseUrl",
            "must start with 'http://' or 'https://'",
        ));
    }
    if base_url.contains('|') {
        problems.push(ConfigError::invalid(
            "transportLibrary.baseUrl",
            "must not contain '|'",
        ));
    }
    if settings.database.driver == DatabaseDriver::Mongodb
        && settings.database.connection_string.is_none()
    {
        problems.push(ConfigError::invalid(
            "database.connectionString",
            "is required when database.driver is 'mongodb': a MongoDB connection string, e.g. mongodb://host:27017 (environment: DATABASE_CONNECTION_STRING)",
        ));
    }
    let auth = &settings.infrastructure.http_server.authentication;
    for (name, options) in [("jwtBearer", &auth.jwt_bearer), ("oidc", &auth.oidc)] {
        if is_enabled(options) {
            problems.push(ConfigError::invalid(
                &format!("infrastructure.httpServer.authentication.{name}"),
                "is not supported by this Connector yet; use apiKey",
            ));
        }
    }
    if auth.api_key.is_enabled() {
        problems.extend(check_api_key_policy(&auth.api_key.keys, OffsetDateTime::now_utc()).err());
    } else if !settings.debug && settings.infrastructure.http_server.enabled {
        problems.push(ConfigError::invalid(
            "infrastructure.httpServer.authentication",
            "No API key and OAuth config set in configuration; configure apiKey.keys (e.g. the environment variable infrastructure__httpServer__authentication__apiKey__keys__<name>__key=<key of at least 30 characters>), or set debug: true for an open API",
        ));
    }
    problems
}

/// The real Connector's API key rules: keys unique, at least one enabled and unexpired, and each
/// such key ≥ 30 characters with ≥ 2 upper-case, ≥ 2 lower-case, ≥ 2 digits and ≥ 1 special.
pub fn check_api_key_policy(
    keys: &BTreeMap<String, ApiKeyEntry>,
    now: OffsetDateTime,
) -> Result<(), ConfigError> {
    const KEY: &str = "infrastructure.httpServer.authentication.apiKey.keys";
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for (name, entry) in keys {
        let key = entry.key.expose_secret();
        if let Some((other, _)) = seen.iter().find(|(_, k)| *k == key) {
            return Err(ConfigError::invalid(
                KEY,
                format!("Duplicate API keys found: '{other}' and '{name}'"),
            ));
        }
        seen.push((name, key));
    }
    let mut active = 0;
    let mut weak = Vec::new();
    for (name, entry) in keys {
        if entry.enabled == Some(false) {
            continue;
        }
        if let Some(expiry) = &entry.expires_at {
            let at = OffsetDateTime::parse(expiry, &Rfc3339).map_err(|_| {
                ConfigError::invalid(
                    &format!("{KEY}.{name}.expiresAt"),
                    "must be an ISO 8601 date-time",
                )
            })?;
            if at <= now {
                continue;
            }
        }
        active += 1;
        if !is_strong(entry.key.expose_secret()) {
            weak.push(name.as_str());
        }
    }
    if active == 0 {
        return Err(ConfigError::invalid(
            KEY,
            "no enabled and unexpired API key is configured",
        ));
    }
    if !weak.is_empty() {
        return Err(ConfigError::invalid(
            KEY,
            format!(
                "the API keys {} do not meet the policy: at least 30 characters, 2 upper-case letters, 2 lower-case letters, 2 digits and 1 special character",
                weak.join(", ")
            ),
        ));
    }
    Ok(())
}

fn is_strong(key: &str) -> bool {
    let count = |f: fn(&char) -> bool| key.chars().filter(f).count();
    key.chars().count() >= 30
        && count(char::is_ascii_uppercase) >= 2
        && count(char::is_ascii_lowercase) >= 2
        && count(char::is_ascii_digit) >= 2
        && key.chars().any(|c| SPECIAL.contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(key: &str) -> ApiKeyEntry {
        ApiKeyEntry {
            key: key.into(),
            enabled: None,
            description: None,
            expires_at: None,
            scopes: None,
        }
    }

    #[test]
    fn policy() {
        assert!(is_strong("This_is_a_test_APIKEY_with_30_chars+"));
        assert!(!is_strong("short"));
        assert!(!is_strong("thisisalllowercaseandlongenough_12"));
        let mut keys = BTreeMap::new();
        keys.insert(
            "a".to_owned(),
            entry("This_is_a_test_APIKEY_with_30_chars+"),
        );
        assert!(check_api_key_policy(&keys, OffsetDateTime::now_utc()).is_ok());
        keys.insert(
            "b".to_owned(),
            entry("This_is_a_test_APIKEY_with_30_chars+"),
        );
        let err = check_api_key_policy(&keys, OffsetDateTime::now_utc())
            .unwrap_err()
            .to_string();
        assert!(err.contains("Duplicate"), "{err}");
        keys.insert("b".to_owned(), entry("weak"));
        let err = check_api_key_policy(&keys, OffsetDateTime::now_utc())
            .unwrap_err()
            .to_string();
        assert!(err.contains(" b ") || err.contains("keys b"), "{err}");
    }

    #[test]
    fn expired_and_disabled_keys_do_not_count() {
        let mut keys = BTreeMap::new();
        let mut old = entry("weak");
        old.expires_at = Some("2020-01-01T00:00:00Z".into());
        keys.insert("old".to_owned(), old);
        let mut off = entry("weak2");
        off.enabled = Some(false);
        keys.insert("off".to_owned(), off);
        let err = check_api_key_policy(&keys, OffsetDateTime::now_utc())
            .unwrap_err()
            .to_string();
        assert!(err.contains("no enabled"), "{err}");
    }
}
