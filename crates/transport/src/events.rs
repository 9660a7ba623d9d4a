//! Events of the transport layer for the Connector's modules (webhooks, SSE, message brokers).

use serde_json::Value;
use tokio::sync::broadcast;

/// One event, named as in the real Connector (e.g. `transport.messageReceived`).
#[derive(Debug, Clone, PartialEq)]
pub struct TransportEvent {
    pub namespace: &'static str,
    pub data: Value,
    /// The correlation id of the request or sync run that caused the event, if any.
    pub correlation_id: Option<String>,
}

tokio::task_local! {
    static CORRELATION_ID: String;
}

/// Runs `future` as the work of correlation id `id` (if any): the events it publishes carry it.
pub async fn with_correlation_id<F: std::future::Future>(
    id: Option<String>,
    future: F,
) -> F::Output {
    match id {
        Some(id) => CORRELATION_ID.scope(id, future).await,
        None => future.await,
    }
}

/// The correlation id the current task works for, if any.
pub fn current_correlation_id() -> Option<String> {
    CORRELATION_ID.try_with(Clone::clone).ok()
}

/// A broadcast of [`TransportEvent`]s; slow listeners miss events rather than block the sender.
#[derive(Debug, Clone)]
pub struct TransportEvents {
    sender: broadcast::Sender<TransportEvent>,
}

impl Default for TransportEvents {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(1024).0,
        }
    }
}

impl TransportEvents {
    pub fn publish(&self, namespace: &'static str, data: Value) {
        // Nobody listening is fine.
        let _ = self.sender.send(TransportEvent {
            namespace,
            data,
            correlation_id: current_correlation_id(),
        });
    }

    pub fn subscribe(&self) -> broadcast::Receiver<TransportEvent> {
        self.sender.subscribe()
    }
}
