//! `modules.webhooks` (`connector-operations.md` §2.6): named and inline targets, webhooks with
//! triggers, `skipTlsCheck`, and our `retries` and per-target `signingSecret`; read once at start,
//! with the real init error codes.

use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};
use secrecy::SecretString;
use serde_json::{Map, Value};

use super::signature::SigningKey;
use crate::modules::events::Trigger;

pub const INVALID_URL_FORMAT: &str = "error.runtime.modules.webhooks.invalidUrlFormat";
pub const INVALID_TARGET_REFERENCE: &str = "error.runtime.modules.webhooks.invalidTargetReference";
pub const INVALID_AUTHENTICATION_CONFIG: &str =
    "error.runtime.modules.webhooks.invalidAuthenticationConfig";
/// Not a code of the real Connector, which accepts any shape and fails later.
pub const INVALID_CONFIGURATION: &str = "error.runtime.modules.webhooks.invalidConfiguration";

/// Why the module cannot start; aborts the Connector's start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("The module 'webhooks' cannot start: {code}: {message}")]
pub struct WebhooksInitError {
    pub code: &'static str,
    pub message: String,
}

fn error(code: &'static str, message: impl Into<String>) -> WebhooksInitError {
    WebhooksInitError {
        code,
        message: message.into(),
    }
}

/// How a target authenticates.
#[derive(Debug, Clone)]
pub enum Authentication {
    ApiKey {
        header_name: HeaderName,
        api_key: SecretString,
    },
    OAuth2 {
        access_token_url: reqwest::Url,
        client_id: String,
        client_secret: SecretString,
        scope: Option<String>,
    },
}

/// One target: where and how to POST.
#[derive(Debug, Clone)]
pub struct TargetConfig {
    /// The name in `targets`, or `webhooks[i]` for an inline target (for logs).
    pub name: String,
    /// The URL with at most its first `{{trigger}}` still to be filled in.
    pub url: String,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub authentication: Option<Authentication>,
    /// `signingSecret` (ours; the real Connector ignores the key): signs each POST as Standard
    /// Webhooks do.
    pub signing_key: Option<SigningKey>,
}

/// One webhook: its triggers and the index of its target in [`WebhooksConfig::targets`].
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    pub triggers: Vec<Trigger>,
    pub target: usize,
}

/// `modules.webhooks.retries`: how often and how soon a failed delivery is tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub count: u32,
    /// Pause before the first retry; each further one waits twice as long.
    pub initial_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            count: 3,
            initial_delay: Duration::from_secs(1),
        }
    }
}

impl RetryPolicy {
    /// The pause before retry number `retry` (1-based).
    pub fn delay(&self, retry: u32) -> Duration {
        self.initial_delay
            .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)))
    }
}

#[derive(Debug, Clone)]
pub struct WebhooksConfig {
    pub skip_tls_check: bool,
    pub retries: RetryPolicy,
    /// Named targets first (in key order), then one per inline target.
    pub targets: Vec<TargetConfig>,
    pub webhooks: Vec<WebhookConfig>,
}

impl WebhooksConfig {
    /// Reads the module's settings (the value of `modules.webhooks`).
    pub fn parse(module: &Value) -> Result<Self, WebhooksInitError> {
        let skip_tls_check = module
            .get("skipTlsCheck")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let retries = parse_retries(module.get("retries"))?;
        let empty = Map::new();
        let named = match module.get("targets") {
            None | Some(Value::Null) => &empty,
            Some(Value::Object(targets)) => targets,
            Some(_) => return Err(error(INVALID_CONFIGURATION, "'targets' must be an object")),
        };
        let mut targets = named
            .iter()
            .map(|(name, target)| parse_target(name, target))
            .collect::<Result<Vec<_>, _>>()?;
        let hooks = match module.get("webhooks") {
            None | Some(Value::Null) => &[][..],
            Some(Value::Array(hooks)) => hooks.as_slice(),
            Some(_) => return Err(error(INVALID_CONFIGURATION, "'webhooks' must be an array")),
        };
        let mut webhooks = Vec::with_capacity(hooks.len());
        for (index, hook) in hooks.iter().enumerate() {
            let triggers = parse_triggers(index, hook.get("triggers"))?;
            let target = match hook.get("target") {
                Some(Value::String(name)) => {
                    named.keys().position(|n| n == name).ok_or_else(|| {
                        error(
                            INVALID_TARGET_REFERENCE,
                            format!("Invalid configuration. target '{name}' not found!"),
                        )
                    })?
                }
                Some(inline @ Value::Object(_)) => {
                    targets.push(parse_target(&format!("webhooks[{index}]"), inline)?);
                    targets.len() - 1
                }
                _ => {
                    return Err(error(
                        INVALID_TARGET_REFERENCE,
                        format!(
                            "Invalid configuration. webhooks[{index}].target must name a target or be one."
                        ),
                    ));
                }
            };
            webhooks.push(WebhookConfig { triggers, target });
        }
        Ok(Self {
            skip_tls_check,
            retries,
            targets,
            webhooks,
        })
    }
}

fn parse_retries(value: Option<&Value>) -> Result<RetryPolicy, WebhooksInitError> {
    let mut policy = RetryPolicy::default();
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return Ok(policy);
    };
    let invalid = || {
        error(
            INVALID_CONFIGURATION,
            "'retries' must be {\"count\": <0..=10>, \"initialDelayMs\": <0..=600000>}",
        )
    };
    let retries = value.as_object().ok_or_else(invalid)?;
    if let Some(count) = retries.get("count") {
        policy.count = count
            .as_u64()
            .filter(|c| *c <= 10)
            .and_then(|c| u32::try_from(c).ok())
            .ok_or_else(invalid)?;
    }
    if let Some(delay) = retries.get("initialDelayMs") {
        policy.initial_delay = delay
            .as_u64()
            .filter(|d| *d <= 600_000)
            .map(Duration::from_millis)
            .ok_or_else(invalid)?;
    }
    Ok(policy)
}

fn parse_triggers(index: usize, value: Option<&Value>) -> Result<Vec<Trigger>, WebhooksInitError> {
    let invalid = || {
        error(
            INVALID_CONFIGURATION,
            format!("webhooks[{index}].triggers must be a list of event names"),
        )
    };
    value
        .and_then(Value::as_array)
        .ok_or_else(invalid)?
        .iter()
        .map(|t| t.as_str().map(Trigger::new).ok_or_else(invalid))
        .collect()
}

fn parse_target(name: &str, target: &Value) -> Result<TargetConfig, WebhooksInitError> {
    let url = target.get("url").and_then(Value::as_str).unwrap_or("");
    check_url(url)?;
    let headers = match target.get("headers") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(headers)) => headers
            .iter()
            .map(|(header, value)| {
                let parsed = value.as_str().and_then(|v| {
                    Some((
                        HeaderName::from_bytes(header.as_bytes()).ok()?,
                        HeaderValue::from_str(v).ok()?,
                    ))
                });
                parsed.ok_or_else(|| {
                    error(
                        INVALID_CONFIGURATION,
                        format!("target '{name}': header '{header}' is not a valid HTTP header"),
                    )
                })
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(error(
                INVALID_CONFIGURATION,
                format!("target '{name}': 'headers' must be an object of strings"),
            ));
        }
    };
    let authentication = match target.get("authentication") {
        None | Some(Value::Null) => None,
        Some(auth) => Some(parse_authentication(name, auth)?),
    };
    let signing_key = match target.get("signingSecret") {
        None | Some(Value::Null) => None,
        Some(secret) => Some(
            secret
                .as_str()
                .ok_or_else(|| "must be a string".to_owned())
                .and_then(SigningKey::parse)
                .map_err(|why| {
                    error(
                        INVALID_CONFIGURATION,
                        format!("target '{name}': 'signingSecret' {why}"),
                    )
                })?,
        ),
    };
    Ok(TargetConfig {
        name: name.to_owned(),
        url: url.to_owned(),
        headers,
        authentication,
        signing_key,
    })
}

/// The real module's check: a URL with scheme http or https.
fn check_url(url: &str) -> Result<reqwest::Url, WebhooksInitError> {
    reqwest::Url::parse(url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or_else(|| error(INVALID_URL_FORMAT, format!("'{url}' is not a valid URL.")))
}

fn parse_authentication(name: &str, auth: &Value) -> Result<Authentication, WebhooksInitError> {
    let invalid = |why: &str| {
        error(
            INVALID_AUTHENTICATION_CONFIG,
            format!("Invalid authentication configuration of target '{name}': {why}"),
        )
    };
    let text = |key: &str| {
        auth.get(key)
            .and_then(Value::as_str)
            .filter(|v| !v.is_empty())
    };
    match auth.get("type").and_then(Value::as_str) {
        Some("ApiKey") => {
            let api_key = text("apiKey").ok_or_else(|| invalid("'apiKey' is required"))?;
            let header_name = text("headerName").unwrap_or("x-api-key");
            Ok(Authentication::ApiKey {
                header_name: HeaderName::from_bytes(header_name.as_bytes())
                    .map_err(|_| invalid("'headerName' is not a valid header name"))?,
                api_key: SecretString::from(api_key.to_owned()),
            })
        }
        Some("OAuth2") => {
            let (Some(url), Some(client_id), Some(client_secret)) = (
                text("accessTokenUrl"),
                text("clientId"),
                text("clientSecret"),
            ) else {
                return Err(invalid(
                    "'accessTokenUrl', 'clientId' and 'clientSecret' are required",
                ));
            };
            Ok(Authentication::OAuth2 {
                access_token_url: check_url(url)?,
                client_id: client_id.to_owned(),
                client_secret: SecretString::from(client_secret.to_owned()),
                scope: text("scope").map(str::to_owned),
            })
        }
        other => Err(invalid(&format!(
            "unknown type {}; expected 'ApiKey' or 'OAuth2'",
            other.map_or_else(|| "(none)".to_owned(), |t| format!("'{t}'"))
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn named_and_inline_targets_with_auth_and_defaults() {
        let config = WebhooksConfig::parse(&json!({
            "enabled": true,
            "targets": {
                "erp": {"url": "https://erp.example/hooks/{{trigger}}", "headers": {"X-Source": "connector"},
                        "authentication": {"type": "ApiKey", "apiKey": "s3cret"}}
            },
            "webhooks": [
                {"triggers": ["transport.messageReceived"], "target": "erp"},
                {"triggers": ["**"], "target": {"url": "http://audit:8080/events",
                  "authentication": {"type": "OAuth2", "accessTokenUrl": "https://idp/token", "clientId": "c", "clientSecret": "s", "scope": "hooks"}}}
            ]
        }))
        .unwrap();
        assert!(!config.skip_tls_check);
        assert_eq!(config.retries, RetryPolicy::default());
        assert_eq!(config.targets.len(), 2);
        assert_eq!(config.webhooks[0].target, 0);
        assert_eq!(config.webhooks[1].target, 1);
        assert_eq!(config.targets[1].name, "webhooks[1]");
        assert_eq!(config.targets[0].headers[0].0.as_str(), "x-source");
        assert!(matches!(
            &config.targets[0].authentication,
            Some(Authentication::ApiKey { header_name, .. }) if header_name.as_str() == "x-api-key"
        ));
        assert!(matches!(
            &config.targets[1].authentication,
            Some(Authentication::OAuth2 { scope: Some(s), .. }) if s == "hooks"
        ));
    }

    #[test]
    fn the_real_init_errors() {
        let code = |module: Value| WebhooksConfig::parse(&module).unwrap_err();
        let bad_url =
            code(json!({"webhooks": [{"triggers": ["**"], "target": {"url": "ftp://x"}}]}));
        assert_eq!(bad_url.code, INVALID_URL_FORMAT);
        assert_eq!(bad_url.message, "'ftp://x' is not a valid URL.");
        assert_eq!(
            code(json!({"targets": {"a": {"url": "not a url"}}})).code,
            INVALID_URL_FORMAT
        );
        let missing = code(json!({"webhooks": [{"triggers": ["**"], "target": "nope"}]}));
        assert_eq!(missing.code, INVALID_TARGET_REFERENCE);
        assert_eq!(
            missing.message,
            "Invalid configuration. target 'nope' not found!"
        );
        for auth in [
            json!({"type": "Basic"}),
            json!({"type": "ApiKey"}),
            json!({"type": "OAuth2", "clientId": "c"}),
        ] {
            assert_eq!(
                code(json!({"targets": {"a": {"url": "http://x", "authentication": auth}}})).code,
                INVALID_AUTHENTICATION_CONFIG
            );
        }
        assert!(
            code(json!({"targets": {"a": {"url": "http://x"}}, "webhooks": [{"triggers": "x", "target": "a"}]}))
                .to_string()
                .starts_with("The module 'webhooks' cannot start: ")
        );
    }

    #[test]
    fn retries_configurable_and_exponential() {
        let config = WebhooksConfig::parse(
            &json!({"retries": {"count": 2, "initialDelayMs": 50}, "skipTlsCheck": true}),
        )
        .unwrap();
        assert!(config.skip_tls_check);
        assert_eq!(config.retries.count, 2);
        let default = RetryPolicy::default();
        assert_eq!(
            (1..=3).map(|r| default.delay(r)).collect::<Vec<_>>(),
            [1, 2, 4].map(Duration::from_secs)
        );
        assert!(WebhooksConfig::parse(&json!({"retries": {"count": -1}})).is_err());
    }

    #[test]
    fn signing_secret_per_target() {
        let config = WebhooksConfig::parse(&json!({
            "targets": {"signed": {"url": "http://x", "signingSecret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}},
            "webhooks": [{"triggers": ["**"], "target": {"url": "http://y"}}]
        }))
        .unwrap();
        assert!(config.targets[0].signing_key.is_some());
        assert!(config.targets[1].signing_key.is_none());
        let bad = WebhooksConfig::parse(
            &json!({"targets": {"a": {"url": "http://x", "signingSecret": "whsec_???"}}}),
        )
        .unwrap_err();
        assert_eq!(bad.code, INVALID_CONFIGURATION);
        assert!(bad.message.contains("'signingSecret'"), "{}", bad.message);
    }
}
