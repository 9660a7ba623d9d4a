//! Events of the transport layer for the Connector's modules (webhooks, SSE, message brokers).

use std::fmt;

use serde_json::Value;
use time::OffsetDateTime;
use tokio::sync::broadcast;

/// The stable identity of one event: assigned once where the event is created and carried with
/// it to every target (webhook `webhook-id`, AMQP `message_id`), so receivers can de-duplicate
/// and every retry of one delivery names the same event. `evt_` and a random UUID (v4, simple
/// form): unique across replicas without coordination.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventId(String);

impl EventId {
    /// A new, globally unique id.
    pub fn new() -> Self {
        Self(format!("evt_{}", uuid::Uuid::new_v4().simple()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for EventId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One event, named as in the real Connector (e.g. `transport.messageReceived`).
#[derive(Debug, Clone, PartialEq)]
pub struct TransportEvent {
    /// Stable across every target and every retry of a delivery.
    pub id: EventId,
    /// When the event was emitted.
    pub time: OffsetDateTime,
    pub namespace: &'static str,
    pub data: Value,
    /// The correlation id of the request or sync run that caused the event, if any.
    pub correlation_id: Option<String>,
}

impl TransportEvent {
    /// A new event of the current task (its correlation id), with a fresh id, emitted now.
    pub fn new(namespace: &'static str, data: Value) -> Self {
        Self {
            id: EventId::new(),
            time: OffsetDateTime::now_utc(),
            namespace,
            data,
            correlation_id: current_correlation_id(),
        }
    }
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
        let _ = self.sender.send(TransportEvent::new(namespace, data));
    }

    pub fn subscribe(&self) -> broadcast::Receiver<TransportEvent> {
        self.sender.subscribe()
    }
}
