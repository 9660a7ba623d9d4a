//! A target's authentication header: a static API key, or an OAuth2 client-credentials token
//! that is cached and fetched again 10 s before it expires.

use std::time::{Duration, Instant};

use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::sync::Mutex;

use super::config::Authentication;

/// A token is fetched again this long before it expires.
const REFRESH_MARGIN: Duration = Duration::from_secs(10);

/// Why no authentication header could be made (the delivery counts as failed and is retried).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct AuthError(String);

struct CachedToken {
    header: HeaderValue,
    refresh_at: Instant,
}

/// The authenticator of one target.
pub struct Authenticator {
    authentication: Authentication,
    /// Held while a token is fetched, so concurrent deliveries share one refresh.
    token: Mutex<Option<CachedToken>>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<f64>,
}

impl Authenticator {
    pub fn new(authentication: Authentication) -> Self {
        Self {
            authentication,
            token: Mutex::new(None),
        }
    }

    /// The header to send with a delivery.
    pub async fn header(
        &self,
        client: &reqwest::Client,
    ) -> Result<(HeaderName, HeaderValue), AuthError> {
        match &self.authentication {
            Authentication::ApiKey {
                header_name,
                api_key,
            } => {
                let mut value = HeaderValue::from_str(api_key.expose_secret())
                    .map_err(|_| AuthError("the API key is not a valid header value".into()))?;
                value.set_sensitive(true);
                Ok((header_name.clone(), value))
            }
            Authentication::OAuth2 {
                access_token_url,
                client_id,
                client_secret,
                scope,
            } => {
                let mut cached = self.token.lock().await;
                if let Some(token) = cached.as_ref().filter(|t| Instant::now() < t.refresh_at) {
                    return Ok((AUTHORIZATION, token.header.clone()));
                }
                let token = fetch_token(
                    client,
                    access_token_url,
                    client_id,
                    client_secret,
                    scope.as_deref(),
                )
                .await?;
                let header = token.header.clone();
                *cached = Some(token);
                Ok((AUTHORIZATION, header))
            }
        }
    }
}

/// The client-credentials grant: Basic auth, form body, no redirects (the client follows none).
async fn fetch_token(
    client: &reqwest::Client,
    url: &reqwest::Url,
    client_id: &str,
    client_secret: &SecretString,
    scope: Option<&str>,
) -> Result<CachedToken, AuthError> {
    let body = {
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "client_credentials");
        if let Some(scope) = scope {
            form.append_pair("scope", scope);
        }
        form.finish()
    };
    let response = client
        .post(url.clone())
        .basic_auth(client_id, Some(client_secret.expose_secret()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .map_err(|e| AuthError(format!("the token endpoint {url} cannot be reached: {e}")))?;
    let status = response.status();
    if status != reqwest::StatusCode::OK {
        return Err(AuthError(format!(
            "the token endpoint {url} answered {status}"
        )));
    }
    let token: TokenResponse = response.json().await.map_err(|e| {
        AuthError(format!(
            "the token endpoint {url} answered without access_token: {e}"
        ))
    })?;
    let mut header = HeaderValue::from_str(&format!("Bearer {}", token.access_token))
        .map_err(|_| AuthError("the access token is not a valid header value".into()))?;
    header.set_sensitive(true);
    let lifetime = token
        .expires_in
        .filter(|s| s.is_finite() && *s > 0.0)
        .map_or(Duration::ZERO, Duration::from_secs_f64);
    Ok(CachedToken {
        header,
        refresh_at: Instant::now() + lifetime.saturating_sub(REFRESH_MARGIN),
    })
}
