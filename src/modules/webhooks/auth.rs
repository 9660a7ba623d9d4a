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

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use actix_web::{App, HttpResponse, HttpServer, web};

    use super::*;

    /// A token endpoint that takes 200 ms and counts its calls.
    fn token_endpoint(calls: Arc<AtomicUsize>) -> reqwest::Url {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(move || {
            let calls = Arc::clone(&calls);
            App::new().route(
                "/token",
                web::post().to(move || {
                    let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
                    async move {
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        HttpResponse::Ok()
                            .json(serde_json::json!({"access_token": format!("t{n}"), "expires_in": 3600}))
                    }
                }),
            )
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        format!("http://127.0.0.1:{port}/token").parse().unwrap()
    }

    #[tokio::test]
    async fn concurrent_deliveries_share_one_token_request() {
        let calls = Arc::new(AtomicUsize::new(0));
        let authenticator = Authenticator::new(Authentication::OAuth2 {
            access_token_url: token_endpoint(Arc::clone(&calls)),
            client_id: "c".into(),
            client_secret: SecretString::from("s".to_owned()),
            scope: None,
        });
        let client = reqwest::Client::new();
        let headers =
            futures_util::future::join_all((0..5).map(|_| authenticator.header(&client))).await;
        for header in headers {
            let (name, value) = header.unwrap();
            assert_eq!(name, AUTHORIZATION);
            assert_eq!(value.to_str().unwrap(), "Bearer t1");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
