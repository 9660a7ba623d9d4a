//! The enmeshed consumption layer in Rust (content-model §4–§7) over the transport layer:
//! local attributes and their forwardings, outgoing and incoming local requests with the request
//! item processors, and the request flow over messages.
//!
//! Everything is a document in the transport's store. Status changes are compare-and-set
//! ([`connector_transport::documents::update`]) and only ever move forward, so several replicas
//! may apply the same change: the second one finds the request already moved and does nothing.
//! Records created from a peer's message use the id the message names (the request id), so a
//! redelivered message cannot create a second record.
//!
//! Errors are [`TransportError::Rule`]s with the runtime's codes (the Connector maps them to
//! its envelope) and [`TransportError::NotFound`] for unknown records.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod attribute_dtos;
pub mod attributes;
mod context;
pub mod decide;
pub mod decider;
pub mod events;
pub mod flows;
pub mod guard;
pub mod indexes;
pub mod items;
pub mod lifecycle;
pub mod mail_events;
pub mod notifications;
pub mod records;
pub mod requests;
pub mod resume;
pub mod send_claim;
pub mod templates;
pub mod validation;

use connector_transport::{Result, Transport, TransportError};

pub use records::{
    AttributeKind, DeletionInfo, ForwardingDetails, LocalAttribute, LocalNotification,
    LocalRequest, LocalResponse, RequestStatus, Source,
};
pub use validation::ValidationResult;

/// The consumption layer of the identity. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Consumption {
    transport: Transport,
    /// The runtime's MessageModule (`modules.message`, off by default) announces received mails.
    message_module: bool,
}

impl Consumption {
    pub fn new(transport: Transport) -> Self {
        Self {
            transport,
            message_module: false,
        }
    }

    /// With the MessageModule's events (`consumption.mailReceived`, `consumption.relationshipEvent.*`).
    #[must_use]
    pub fn with_message_module(mut self, enabled: bool) -> Self {
        self.message_module = enabled;
        self
    }

    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// The identity's own address.
    pub fn address(&self) -> &str {
        self.transport.address()
    }

    /// This identity's consumption state (automation rules, decisions in progress, caches).
    fn context(&self) -> std::sync::Arc<context::ConsumptionContext> {
        self.transport.context()
    }

    fn store(&self) -> &dyn connector_store::Store {
        self.transport.store()
    }

    /// Publishes a consumption event (`consumption.*`) on the transport's event bus.
    async fn publish(
        &self,
        namespace: impl Into<std::borrow::Cow<'static, str>>,
        data: serde_json::Value,
    ) {
        self.transport.events().publish(namespace, data).await;
    }
}

/// The current time as the runtime writes dates.
pub fn now() -> String {
    connector_store::now_iso()
}

pub use connector_content::ids::new_id;

/// A rule violation with the runtime's code.
pub(crate) fn rule(code: &str, message: impl Into<String>) -> TransportError {
    TransportError::rule(code, message)
}

/// `error.runtime.validation.invalidPropertyValue`.
pub(crate) fn invalid(message: impl Into<String>) -> TransportError {
    rule("error.runtime.validation.invalidPropertyValue", message)
}

/// Result alias of this crate.
pub type ConsumptionResult<T> = Result<T>;

/// Test hook (debug builds only): with `CONNECTOR_TEST_HOOK_ABORT_AT=<point>` the process aborts
/// at that point, as a crash (kill -9) there would; for the tests of resuming unfinished work.
/// Points: `incoming-request-stored` (before the decider runs), `request-decided` (before the
/// answer is sent), `answer-sent` (before the request is completed), `request-send-claimed`
/// (an outgoing request claimed for sending, before its message leaves).
pub fn abort_at_test_hook(point: &str) {
    #[cfg(debug_assertions)]
    if std::env::var("CONNECTOR_TEST_HOOK_ABORT_AT").is_ok_and(|at| at == point) {
        tracing::error!(point, "test hook: aborting");
        std::process::abort();
    }
    #[cfg(not(debug_assertions))]
    let _ = point;
}

/// Test hook (debug builds only): with `CONNECTOR_TEST_HOOK_CONSUMPTION_DELAY_MS=<ms>` the
/// consumption consumer waits that long before each event, a consumer lagging behind the
/// outbox (tests/api/lifecycle_hooks.rs: it still misses nothing).
pub async fn delay_at_test_hook() {
    #[cfg(debug_assertions)]
    if let Some(ms) = std::env::var("CONNECTOR_TEST_HOOK_CONSUMPTION_DELAY_MS")
        .ok()
        .and_then(|ms| ms.parse::<u64>().ok())
    {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
}
