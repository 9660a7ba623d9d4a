//! A Backbone-compatible development server (the routes and bodies the real Backbone serves).
//!
//! It implements what `@nmshd/transport` 7.x and the Rust Connector call: OAuth password grant,
//! challenges, identities and devices, templates, tokens, relationships with their state machine,
//! messages, files, sync runs with external events, the datawallet, identity deletion processes,
//! and server-sent events. Push notifications and quotas are documented no-ops. State is kept in
//! memory or, with a data directory, journaled to disk so that a restart loses nothing.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod api;
mod auth;
mod bytes;
mod clock;
mod config;
mod db;
mod deletion_job;
mod error;
mod hub;
mod ids;
mod model;
mod server;
mod sse;

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use actix_web::http::Method;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use futures_util::StreamExt;

pub use config::BackboneConfig;
pub use error::ApiError;

use crate::server::{Backend, Query, Request};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum BackboneError {
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind { port: u16, source: std::io::Error },
    #[error(transparent)]
    Storage(#[from] db::DbError),
}

/// One recipient's encrypted message key as stored ([`RunningBackbone::message_keys`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageKey {
    pub message_id: String,
    /// The sender's address.
    pub sender: String,
    /// The recipient's address.
    pub recipient: String,
    pub relationship_id: String,
    /// `recipients[].encryptedKey` as sent: the base64 `CryptoCipher` of the message key.
    pub encrypted_key: String,
}

/// A started server; dropping it leaves the server running until the runtime ends.
#[derive(Debug)]
pub struct RunningBackbone {
    port: u16,
    backend: web::Data<Backend>,
    handle: ServerHandle,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    /// The actual deletion job; ends with the server.
    deletion_job: tokio::task::JoinHandle<()>,
    open_connections: Arc<AtomicUsize>,
}

/// Held in each connection's data: counts the connection as open until it is dropped with its socket.
struct OpenConnection(Arc<AtomicUsize>);

impl OpenConnection {
    fn register(count: &Arc<AtomicUsize>) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Self(count.clone())
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl RunningBackbone {
    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://localhost:<port>`: clients must use the hostname that matches the DID domain.
    pub fn base_url(&self) -> String {
        format!("http://localhost:{}", self.port)
    }

    /// How many identities exist (for tests: e.g. that onboarding happened once).
    pub fn identity_count(&self) -> usize {
        self.backend.read(|state| state.identities.values().count())
    }

    /// Every stored message's encrypted keys, one per recipient (for tests: e.g. that no
    /// relationship transmit counter was used twice, read from the ciphers the peers get).
    pub fn message_keys(&self) -> Vec<MessageKey> {
        self.backend.read(|state| {
            state
                .messages
                .values()
                .flat_map(|message| {
                    message.recipients.iter().map(|recipient| MessageKey {
                        message_id: message.id.clone(),
                        sender: message.created_by.clone(),
                        recipient: recipient.address.clone(),
                        relationship_id: recipient.relationship_id.clone(),
                        encrypted_key: recipient.encrypted_key.clone(),
                    })
                })
                .collect()
        })
    }

    /// Stops accepting requests, lets running ones finish, and waits until it is down.
    ///
    /// The server's future ends before its worker threads have dropped every idle keep-alive socket; a
    /// client that reuses such a socket after a quick restart gets a reset. So this also waits (up to
    /// 10 s) until every connection is closed.
    pub async fn stop(self) {
        self.handle.stop(true).await;
        let _ = self.task.await;
        self.deletion_job.abort();
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.open_connections.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Waits until the server ends (e.g. on Ctrl-C, which actix handles).
    pub async fn wait(self) -> std::io::Result<()> {
        let ended = self.task.await;
        self.deletion_job.abort();
        match ended {
            Ok(result) => result,
            Err(e) => Err(std::io::Error::other(e)),
        }
    }
}

/// Starts the server on 127.0.0.1 on the tokio runtime of the caller.
#[expect(
    clippy::unused_async,
    reason = "must run inside a tokio runtime (it spawns the server); async says so in the signature"
)]
pub async fn start(config: BackboneConfig) -> Result<RunningBackbone, BackboneError> {
    let db = match &config.data_dir {
        Some(dir) => db::Db::open(dir)?,
        None => db::Db::in_memory(),
    };
    let listener =
        TcpListener::bind(("127.0.0.1", config.port)).map_err(|source| BackboneError::Bind {
            port: config.port,
            source,
        })?;
    let port = listener
        .local_addr()
        .map_err(|source| BackboneError::Bind {
            port: config.port,
            source,
        })?
        .port();
    let backend = web::Data::from(Arc::new(Backend::new(config, db)));
    let shared = backend.clone();
    let open_connections = Arc::new(AtomicUsize::new(0));
    let counted = open_connections.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(backend.clone())
            .default_service(web::to(handle))
    })
    .on_connect(move |_, data| {
        data.insert(OpenConnection::register(&counted));
    })
    .workers(2)
    // As long as the real Backbone's (130 s): a server that closes idle sockets first races the
    // client's reuse of them (ECONNRESET).
    .keep_alive(std::time::Duration::from_secs(130))
    // Busy clients may open a connection well before they write the request (real Backbone: 30 s).
    .client_request_timeout(std::time::Duration::from_secs(30))
    .disable_signals()
    .listen(listener)
    .map_err(|source| BackboneError::Bind { port, source })?
    .run();
    let handle = server.handle();
    let task = tokio::spawn(server);
    let deletion_job = tokio::spawn(deletion_job::run(shared.clone().into_inner()));
    tracing::info!(port, "development Backbone listening on 127.0.0.1");
    Ok(RunningBackbone {
        port,
        backend: shared,
        handle,
        task,
        deletion_job,
        open_connections,
    })
}

/// The address that replaces a deleted or decomposed peer's (wire-formats §5.1).
pub fn anonymous_address(did_domain: &str) -> String {
    let utf16: Vec<u8> = "deleted identity"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    nmshd_crypto::derive_address_from_bytes(&utf16, did_domain)
}

/// Every request comes here; special bodies first, then JSON routes.
async fn handle(
    backend: web::Data<Backend>,
    http: HttpRequest,
    mut payload: web::Payload,
) -> HttpResponse {
    let path = http.path().to_ascii_lowercase();
    let method = http.method().clone();
    let correlation_id = http.headers().get("x-correlation-id").cloned();
    let mut response = match (&method, path.trim_end_matches('/')) {
        (&Method::GET, "/health") => {
            HttpResponse::Ok().json(serde_json::json!({ "status": "healthy" }))
        }
        (&Method::GET, "/api/v1/sse" | "/api/v2/sse") => sse::open(&backend, &http),
        (&Method::POST, "/connect/token") => match read_body(&mut payload, 64 * 1024).await {
            Ok(body) => auth::token(&backend, &body),
            Err(e) => actix_web::ResponseError::error_response(&e),
        },
        (&Method::POST, "/api/v2/files") => upload(&backend, &http, payload).await,
        _ => match read_body(&mut payload, config::MAX_JSON_BODY).await {
            Ok(body) => {
                let request = Request {
                    segments: http
                        .path()
                        .split('/')
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect(),
                    query: Query::parse(http.query_string()),
                    headers: http.headers().clone(),
                    body,
                    caller: auth::authenticate(&backend, http.headers()),
                };
                let backend = backend.into_inner();
                // Handlers may write the journal (fsync): keep that off the async workers.
                match web::block(move || api::dispatch(&backend, &method, &request)).await {
                    Ok(Ok(reply)) => reply.into_response(),
                    Ok(Err(e)) => actix_web::ResponseError::error_response(&e),
                    Err(_) => actix_web::ResponseError::error_response(&server::internal_error()),
                }
            }
            Err(e) => actix_web::ResponseError::error_response(&e),
        },
    };
    if let Some(id) = correlation_id {
        response.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static("x-correlation-id"),
            id,
        );
    }
    response
}

/// Reads the whole body, refusing more than `limit` bytes.
async fn read_body(payload: &mut web::Payload, limit: usize) -> Result<Vec<u8>, ApiError> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::unparsable(format!("body: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::bad_request(
                "error.platform.requestBodyTooLarge",
                format!("The request body is larger than {limit} bytes."),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

async fn upload(
    backend: &web::Data<Backend>,
    http: &HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let Some(caller) = auth::authenticate(backend, http.headers()) else {
        return HttpResponse::Unauthorized().finish();
    };
    let result = match api::files::read_upload(
        http.headers(),
        payload,
        backend.config.max_file_size,
    )
    .await
    {
        Ok(upload) => {
            let backend = backend.clone().into_inner();
            web::block(move || api::files::create(&backend, &caller, upload))
                .await
                .unwrap_or_else(|_| Err(server::internal_error()))
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(reply) => reply.into_response(),
        Err(e) => actix_web::ResponseError::error_response(&e),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn anonymous_address_matches_the_spec() {
        assert_eq!(
            super::anonymous_address("localhost"),
            "did:e:localhost:dids:3a29ae5c1f591bbd9a2aaa"
        );
    }
}
