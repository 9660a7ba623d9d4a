//! Events of the transport layer for the Connector's modules (webhooks, SSE, message brokers).

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde_json::Value;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use tokio::sync::broadcast;

use crate::outbox::Outbox;

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

    /// The id of the `n`th event of `namespace` caused by `cause` (e.g. `message:<id>` or
    /// another event's id): the same inputs give the same id. Work that is done again after a
    /// crash (a re-applied synced message, a reaction to an event that was not yet marked as
    /// handled) therefore re-writes the same outbox row, which the store refuses as a duplicate,
    /// instead of emitting a second event.
    pub fn derived(cause: &str, namespace: &str, n: u32) -> Self {
        let digest = Sha256::digest(format!("{cause}\u{0}{namespace}\u{0}{n}").as_bytes());
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        Self(format!("evt_{hex}"))
    }

    /// An id as stored.
    pub fn from_stored(id: String) -> Self {
        Self(id)
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
    /// Mostly a constant name; owned for per-object names such as
    /// `consumption.relationshipEvent.<id>`.
    pub namespace: Cow<'static, str>,
    pub data: Value,
    /// The correlation id of the request or sync run that caused the event, if any.
    pub correlation_id: Option<String>,
}

impl TransportEvent {
    /// A new event of the current task (its correlation id), emitted now: with a fresh id, or
    /// one derived from the current [`with_cause`] scope.
    pub fn new(namespace: impl Into<Cow<'static, str>>, data: Value) -> Self {
        let namespace = namespace.into();
        Self {
            id: caused_id(&namespace).unwrap_or_default(),
            time: OffsetDateTime::now_utc(),
            namespace,
            data,
            correlation_id: current_correlation_id(),
        }
    }

    /// The namespace as a string slice.
    pub fn name(&self) -> &str {
        &self.namespace
    }
}

/// The cause of the events the current task publishes, with a counter per namespace so that a
/// second event of one namespace gets an id of its own.
struct Cause {
    key: String,
    counts: std::sync::Mutex<std::collections::HashMap<String, u32>>,
}

tokio::task_local! {
    static CAUSE: Arc<Cause>;
}

/// Runs `future` with the events it publishes caused by `key` (see [`EventId::derived`]).
pub async fn with_cause<F: std::future::Future>(key: String, future: F) -> F::Output {
    let cause = Arc::new(Cause {
        key,
        counts: Default::default(),
    });
    CAUSE.scope(cause, future).await
}

fn caused_id(namespace: &str) -> Option<EventId> {
    CAUSE
        .try_with(|cause| {
            let mut counts = cause
                .counts
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let n = counts.entry(namespace.to_owned()).or_default();
            *n += 1;
            EventId::derived(&cause.key, namespace, *n)
        })
        .ok()
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

/// Where events go: the durable [`Outbox`] in the store (the source of truth for every module
/// that delivers or reacts to them), and an in-process broadcast of what was appended (a hint
/// for tests and tools; slow listeners miss events there rather than block the sender).
#[derive(Debug, Clone)]
pub struct TransportEvents {
    sender: broadcast::Sender<TransportEvent>,
    outbox: Option<Outbox>,
}

impl Default for TransportEvents {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(1024).0,
            outbox: None,
        }
    }
}

impl TransportEvents {
    /// Events written to `outbox` before they are announced.
    pub fn durable(outbox: Outbox) -> Self {
        Self {
            outbox: Some(outbox),
            ..Self::default()
        }
    }

    /// The outbox, when events are durable.
    pub fn outbox(&self) -> Option<&Outbox> {
        self.outbox.as_ref()
    }

    /// Writes the event to the outbox (an event whose derived id is already stored is not
    /// written again, nor announced), then announces it in-process.
    pub async fn publish(&self, namespace: impl Into<Cow<'static, str>>, data: Value) {
        self.publish_event(TransportEvent::new(namespace, data))
            .await;
    }

    /// As [`TransportEvents::publish`], with the id derived from `cause` (e.g. `message:<id>`),
    /// for events of changes that may be applied again after a crash.
    pub async fn publish_caused_by(
        &self,
        cause: &str,
        namespace: impl Into<Cow<'static, str>>,
        data: Value,
    ) {
        let mut event = TransportEvent::new(namespace, data);
        event.id = EventId::derived(cause, &event.namespace, 1);
        self.publish_event(event).await;
    }

    async fn publish_event(&self, event: TransportEvent) {
        if let Some(outbox) = &self.outbox {
            match outbox.append(&event).await {
                Ok(true) => {}
                Ok(false) => return,
                Err(e) => {
                    // Nothing to hand it to: the caller's change is stored already. Logged
                    // loudly (and counted) so the loss is visible.
                    crate::outbox::metrics::append_failed();
                    tracing::error!(error = %e, event.id = %event.id, namespace = %event.namespace,
                        "the event could not be written to the outbox; it is lost");
                    return;
                }
            }
        }
        // Nobody listening is fine.
        let _ = self.sender.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<TransportEvent> {
        self.sender.subscribe()
    }
}
