//! Access tokens (backbone-api §2): the password grant on `POST /connect/token`, a cached token that
//! is renewed 10 s before it expires, and coalesced renewals (one request at a time behind a mutex).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::sync::Mutex;

use crate::config::{ClientConfig, DeviceCredentials};
use crate::error::{BackboneError, Result};
use crate::http::Http;
use crate::request::{Body, Request};

/// A token is renewed this long before it expires.
pub const RENEW_BEFORE_EXPIRY: Duration = Duration::from_secs(10);

/// A bearer token and when it expires. `Debug` never shows the token.
pub(crate) struct AccessToken {
    value: String,
    expires_at: Instant,
    /// Counts tokens obtained by one authenticator, so a 401 only drops the token it was sent with.
    serial: u64,
}

impl AccessToken {
    pub(crate) fn value(&self) -> &str {
        &self.value
    }

    fn is_fresh(&self, now: Instant) -> bool {
        now + RENEW_BEFORE_EXPIRY < self.expires_at
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("value", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

struct State {
    credentials: DeviceCredentials,
    token: Option<Arc<AccessToken>>,
    issued: u64,
}

/// The token cache of one device login.
pub(crate) struct Authenticator {
    state: Mutex<State>,
    username: String,
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticator")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: serde_json::Value,
}

#[derive(Deserialize)]
struct OAuthError {
    error: Option<String>,
}

impl Authenticator {
    pub(crate) fn new(credentials: DeviceCredentials) -> Self {
        Self {
            username: credentials.username.clone(),
            state: Mutex::new(State {
                credentials,
                token: None,
                issued: 0,
            }),
        }
    }

    pub(crate) fn username(&self) -> &str {
        &self.username
    }

    /// A token that is valid for at least 10 more seconds, fetching a new one if needed.
    /// Concurrent callers wait for one renewal instead of each starting their own.
    pub(crate) async fn token(
        &self,
        http: &Http,
        config: &ClientConfig,
        correlation_id: Option<&str>,
    ) -> Result<Arc<AccessToken>> {
        let mut state = self.state.lock().await;
        if let Some(token) = &state.token
            && token.is_fresh(Instant::now())
        {
            return Ok(Arc::clone(token));
        }
        state.token = None;
        let (value, lifetime) =
            request_token(http, config, &state.credentials, correlation_id).await?;
        state.issued += 1;
        let token = Arc::new(AccessToken {
            value,
            expires_at: Instant::now() + lifetime,
            serial: state.issued,
        });
        state.token = Some(Arc::clone(&token));
        Ok(token)
    }

    /// Drops `used` after a 401 (unless another caller already replaced it).
    pub(crate) async fn invalidate(&self, used: &AccessToken) {
        let mut state = self.state.lock().await;
        if state
            .token
            .as_ref()
            .is_some_and(|t| t.serial == used.serial)
        {
            state.token = None;
        }
    }

    /// Uses `password` for future logins (after a password change); the current token stays.
    pub(crate) async fn set_password(&self, password: String) {
        self.state.lock().await.credentials.password = password;
    }
}

/// `POST /connect/token` with the password grant; returns the token and its lifetime.
async fn request_token(
    http: &Http,
    config: &ClientConfig,
    credentials: &DeviceCredentials,
    correlation_id: Option<&str>,
) -> Result<(String, Duration)> {
    let request = Request::post("/connect/token", &[]).body(Body::Form(vec![
        ("grant_type", "password".to_owned()),
        ("client_id", config.client_id.clone()),
        ("client_secret", config.client_secret.clone()),
        ("username", credentials.username.clone()),
        ("password", credentials.password.clone()),
    ]));
    let started = Instant::now();
    let response = http.send(&request, None, correlation_id).await?;
    if response.status != 200 {
        let error = serde_json::from_slice::<OAuthError>(&response.body)
            .ok()
            .and_then(|e| e.error);
        return Err(BackboneError::NoAuthGrant {
            status: response.status,
            error,
        });
    }
    let parsed: TokenResponse = serde_json::from_slice(&response.body)
        .map_err(|e| BackboneError::Decode(format!("token response: {e}")))?;
    let seconds = parse_expires_in(&parsed.expires_in).ok_or_else(|| {
        BackboneError::Decode("token response: expires_in is not a number".into())
    })?;
    // count the lifetime from before the request, so the token never outlives the estimate
    let lifetime = Duration::from_secs(seconds).saturating_sub(started.elapsed());
    Ok((parsed.access_token, lifetime))
}

/// `expires_in` as the TypeScript client reads it (`parseInt`): a number or a numeric string.
fn parse_expires_in(value: &serde_json::Value) -> Option<u64> {
    match value {
        serde_json::Value::Number(n) => n
            .as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)),
        serde_json::Value::String(s) => {
            let digits: String = s
                .trim_start()
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn expires_in_accepts_numbers_and_numeric_strings() {
        assert_eq!(parse_expires_in(&json!(300)), Some(300));
        assert_eq!(parse_expires_in(&json!("300")), Some(300));
        assert_eq!(parse_expires_in(&json!("120s")), Some(120));
        assert_eq!(parse_expires_in(&json!(299.9)), Some(299));
        assert_eq!(parse_expires_in(&json!("x")), None);
        assert_eq!(parse_expires_in(&json!(null)), None);
    }

    #[test]
    fn freshness_keeps_a_margin_of_ten_seconds() {
        let now = Instant::now();
        let token = |secs| AccessToken {
            value: "t".into(),
            expires_at: now + Duration::from_secs(secs),
            serial: 1,
        };
        assert!(token(11).is_fresh(now));
        assert!(!token(10).is_fresh(now));
        assert!(!format!("{:?}", token(5)).contains("\"t\""));
    }
}
