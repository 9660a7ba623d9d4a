//! [`BackboneClient`] (anonymous calls) and [`AuthenticatedClient`] (bearer token, one retry after
//! a 401, pagination).

use std::fmt;
use std::sync::Arc;

use serde::de::DeserializeOwned;

use crate::auth::Authenticator;
use crate::config::{ClientConfig, DeviceCredentials};
use crate::dto::Pagination;
use crate::envelope;
use crate::error::{BackboneError, Result};
use crate::http::{Http, RawResponse};
use crate::request::Request;

struct Shared {
    http: Http,
    config: ClientConfig,
}

/// The Backbone client: anonymous endpoints, and [`BackboneClient::authenticated`] for device
/// logins. Cheap to clone; all clones share one connection pool.
#[derive(Clone)]
pub struct BackboneClient {
    shared: Arc<Shared>,
    correlation_id: Option<Arc<str>>,
}

impl fmt::Debug for BackboneClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BackboneClient")
            .field("config", &self.shared.config)
            .field("correlation_id", &self.correlation_id)
            .finish()
    }
}

impl BackboneClient {
    /// A client with its own reqwest client (rustls, the configured timeout).
    pub fn new(config: ClientConfig) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| BackboneError::Config(format!("HTTP client: {e}")))?;
        Self::with_http_client(config, http)
    }

    /// A client that uses an existing reqwest client (its timeout settings apply).
    pub fn with_http_client(config: ClientConfig, http: reqwest::Client) -> Result<Self> {
        let base = reqwest::Url::parse(&config.base_url)
            .map_err(|e| BackboneError::Config(format!("base URL `{}`: {e}", config.base_url)))?;
        if base.cannot_be_a_base() || !matches!(base.scheme(), "http" | "https") {
            return Err(BackboneError::Config(format!(
                "base URL `{}` is not an http(s) URL",
                config.base_url
            )));
        }
        Ok(Self {
            shared: Arc::new(Shared {
                http: Http::new(http, base),
                config,
            }),
            correlation_id: None,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.shared.config
    }

    /// The parsed base URL.
    pub fn base_url(&self) -> &reqwest::Url {
        self.shared.http.base()
    }

    /// A clone that sends `x-correlation-id: <id>` with every request.
    pub fn with_correlation_id(&self, id: impl Into<String>) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
            correlation_id: Some(Arc::from(id.into())),
        }
    }

    /// The correlation id this clone sends, if any.
    pub fn correlation_id(&self) -> Option<&str> {
        self.correlation_id.as_deref()
    }

    /// A client for one device login. No request is made until the first call (or
    /// [`AuthenticatedClient::login`]).
    pub fn authenticated(&self, credentials: DeviceCredentials) -> AuthenticatedClient {
        AuthenticatedClient {
            client: self.clone(),
            auth: Arc::new(Authenticator::new(credentials)),
        }
    }

    /// Sends an anonymous request and checks its status.
    pub(crate) async fn call(&self, request: &Request) -> Result<RawResponse> {
        self.send_raw(request, None)
            .await?
            .success(request.route.template())
    }

    pub(crate) async fn send_raw(
        &self,
        request: &Request,
        bearer: Option<&str>,
    ) -> Result<RawResponse> {
        self.shared
            .http
            .send(request, bearer, self.correlation_id.as_deref())
            .await
    }
}

/// A device login: every call carries a bearer token from `POST /connect/token`, renewed 10 s before
/// it expires; a 401 drops the token, logs in again and repeats the call once. Cheap to clone; clones
/// share the token.
#[derive(Clone)]
pub struct AuthenticatedClient {
    client: BackboneClient,
    auth: Arc<Authenticator>,
}

impl fmt::Debug for AuthenticatedClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthenticatedClient")
            .field("client", &self.client)
            .field("username", &self.auth.username())
            .finish()
    }
}

impl AuthenticatedClient {
    /// The anonymous client this login belongs to.
    pub fn anonymous(&self) -> &BackboneClient {
        &self.client
    }

    /// The device username.
    pub fn username(&self) -> &str {
        self.auth.username()
    }

    /// A clone (sharing the token) that sends `x-correlation-id: <id>` with every request.
    pub fn with_correlation_id(&self, id: impl Into<String>) -> Self {
        Self {
            client: self.client.with_correlation_id(id),
            auth: Arc::clone(&self.auth),
        }
    }

    /// Obtains a token now if there is no fresh one (checks the credentials).
    pub async fn login(&self) -> Result<()> {
        self.token().await.map(drop)
    }

    /// A fresh bearer token of this device (for streams outside the request helpers, such as
    /// the SSE stream `GET /api/v1/sse`). Never log it.
    pub async fn access_token(&self) -> Result<String> {
        Ok(self.token().await?.value().to_owned())
    }

    /// Uses `password` for future logins (the current token stays valid).
    pub async fn set_password(&self, password: impl Into<String>) {
        self.auth.set_password(password.into()).await;
    }

    async fn token(&self) -> Result<Arc<crate::auth::AccessToken>> {
        self.auth
            .token(
                &self.client.shared.http,
                &self.client.shared.config,
                self.client.correlation_id.as_deref(),
            )
            .await
    }

    /// Sends `request` with a token; after a 401 re-authenticates once and repeats it.
    pub(crate) async fn call(&self, request: &Request) -> Result<RawResponse> {
        let route = request.route.template();
        let token = self.token().await?;
        let first = self.client.send_raw(request, Some(token.value())).await?;
        if first.status != 401 {
            return first.success(route);
        }
        tracing::debug!(path = route, "access token refused, logging in again");
        self.auth.invalidate(&token).await;
        let token = self.token().await?;
        self.client
            .send_raw(request, Some(token.value()))
            .await?
            .success(route)
    }

    /// Sends `request` and decodes the envelope's `result`.
    pub(crate) async fn fetch<T: DeserializeOwned>(&self, request: &Request) -> Result<T> {
        self.call(request).await?.result()
    }

    /// Sends `request` and ignores any body (204 or 200).
    pub(crate) async fn execute(&self, request: &Request) -> Result<()> {
        self.call(request).await.map(drop)
    }

    /// Fetches every page of a list (backbone-api §1.6): page 1 without paging parameters, then
    /// `pageNumber=2…totalPages` with the same other parameters and no `pageSize`.
    pub(crate) async fn fetch_all<T: DeserializeOwned>(&self, request: &Request) -> Result<Vec<T>> {
        let first = self.call(request).await?;
        let (mut items, pagination): (Vec<T>, Option<Pagination>) = envelope::page(&first.body)?;
        let Some(pagination) = pagination else {
            return Ok(items);
        };
        let mut page_number = pagination.page_number.max(1);
        while page_number < pagination.total_pages {
            page_number += 1;
            let mut next = request.clone();
            next.query = next.query.pair("pageNumber", page_number.to_string());
            let response = self.call(&next).await?;
            let page: Vec<T> = response.result()?;
            items.extend(page);
        }
        Ok(items)
    }
}
