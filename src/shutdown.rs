//! Clean shutdown of `connector start`, the same on SIGTERM (Kubernetes, systemd) and SIGINT
//! (Ctrl-C), or when a test stops the server through its handle:
//! 1. the HTTP server stops accepting connections; requests in flight finish, bounded by
//!    `infrastructure.replicas.shutdownGracePeriodSeconds` (then their connections are closed);
//! 2. the shutdown token (created at start and handed to the transport, which hands it to the
//!    event outbox) is cancelled, and the workers stop at a safe point, together bounded by
//!    [`WORKERS_STOP_TIMEOUT`]: no sync starts any more and a running one stops before its next
//!    event (events are acknowledged only once applied, so the next sync, here or on another
//!    replica, resumes); the outbox consumers (webhooks, brokers, consumption reactions,
//!    auto-relationship modules) and the retention pruner stop between deliveries, after the
//!    cursor of the last one is stored. Each releases its lease in place, so another replica
//!    takes the work over at once instead of after the lease's time-to-live;
//! 3. the actors stop.
//!
//! Kubernetes: `terminationGracePeriodSeconds` must cover a preStop pause (so the endpoint is
//! removed before the server stops accepting) + the grace period + [`WORKERS_STOP_TIMEOUT`].

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::http::ConnectionType;
use actix_web::middleware::Next;
use actix_web::{Error, web};

/// Longest wait for a running sync and the event workers to reach a safe point (a webhook
/// delivery in flight may take longer; then its lease runs out by itself).
pub const WORKERS_STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// Set once shutdown began (shared by the HTTP workers as app data).
#[derive(Debug, Clone, Default)]
pub struct Stopping(Arc<AtomicBool>);

impl Stopping {
    /// Whether shutdown began.
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    fn set(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Middleware: once shutdown began, answers close their connection, so a client's next request
/// opens a new one, which is refused (and can go to another replica), instead of starting on a
/// kept-alive connection that the end of the grace period would cut.
pub async fn close_when_stopping(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, Error> {
    let mut response = next.call(req).await?;
    let stopping = response
        .request()
        .app_data::<web::Data<Stopping>>()
        .is_some_and(|s| s.is_set());
    if stopping {
        response
            .response_mut()
            .head_mut()
            .set_connection_type(ConnectionType::Close);
    }
    Ok(response)
}

/// Resolves with the signal's name on the first SIGTERM or SIGINT.
pub async fn signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut terminate) = signal(SignalKind::terminate()) else {
            let _ = tokio::signal::ctrl_c().await;
            return "SIGINT";
        };
        tokio::select! {
            _ = terminate.recv() => "SIGTERM",
            _ = tokio::signal::ctrl_c() => "SIGINT",
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "SIGINT"
    }
}

/// Serves until a signal (or the server's handle) stops it, then shuts down in the order above.
/// The server must have been built with its own signal handling disabled and with the grace
/// period as its shutdown timeout.
pub async fn serve(
    server: Server,
    transport: Option<connector_transport::Transport>,
    actors: Option<connector_actors::Actors>,
    grace: Duration,
    stopping: Stopping,
) -> std::io::Result<()> {
    let handle = server.handle();
    let mut server = std::pin::pin!(server);
    let result = tokio::select! {
        result = &mut server => result,
        name = signal() => {
            tracing::info!(
                signal = name,
                grace_period = ?grace,
                "shutting down: no new connections; requests in flight may finish"
            );
            stopping.set();
            // The stop command is handled by the server future itself, so both run together.
            let (_, result) = tokio::join!(handle.stop(true), server);
            result
        }
    };
    stopping.set();
    if let Some(transport) = transport
        && tokio::time::timeout(WORKERS_STOP_TIMEOUT, transport.stop())
            .await
            .is_err()
    {
        tracing::warn!(
            "a sync or an event worker did not reach a safe point in time; its lease runs out by itself"
        );
    }
    if let Some(actors) = actors {
        actors.system.stop();
    }
    tracing::info!("stopped");
    result
}
