//! The `webhooks` module (`connector-operations.md` §2.6): every transport event that fires a
//! webhook's triggers is POSTed as `{trigger, data}` to the webhook's target.
//!
//! Once per target with several replicas, and nothing lost: each target is a consumer of the
//! transport's event outbox ([`connector_transport::outbox`]). One replica at a time holds a
//! target's lease and POSTs its events in order, moving the target's cursor past each; when it
//! dies, another replica takes the lease over and resumes at the cursor. A receiver that is down
//! gets every event once it is back (retries with backoff, the event dead-lettered only after
//! `infrastructure.events.deadLetterAfterSeconds`). The one duplicate a crash can cause (the
//! event being delivered when the holder died) carries the same `webhook-id`.
//!
//! Every POST carries the event's id and a timestamp as Standard Webhooks headers, signed when the
//! target has a `signingSecret` (see [`signature`]), so receivers can verify and de-duplicate.

pub mod auth;
pub mod config;
pub mod delivery;
pub mod signature;

use std::sync::Arc;
use std::time::Duration;

use connector_transport::TransportEvent;
use connector_transport::events::TransportEvents;
use connector_transport::outbox::consumer::{self, Backoff, Outcome};

pub use config::{WebhookConfig, WebhooksConfig, WebhooksInitError};
use delivery::{Delivery, TargetSender};

use crate::config::Settings;
use crate::modules::events::{any_matches, webhook_body};

/// Longest wait for one target's answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Reads `modules.webhooks` and, when enabled, starts an outbox consumer per target that POSTs
/// each event to it once per webhook of the target whose triggers it fires. Must run inside the
/// tokio runtime.
pub fn start(settings: &Settings, events: &TransportEvents) -> Result<(), WebhooksInitError> {
    let Some(module) = super::module(settings, "webhooks") else {
        return Ok(());
    };
    let config = WebhooksConfig::parse(module)?;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .danger_accept_invalid_certs(config.skip_tls_check)
        .timeout(REQUEST_TIMEOUT)
        .build()
        .map_err(|e| WebhooksInitError {
            code: config::INVALID_CONFIGURATION,
            message: format!("the HTTP client cannot be built: {e}"),
        })?;
    let Some(outbox) = events.outbox() else {
        return Err(WebhooksInitError {
            code: config::INVALID_CONFIGURATION,
            message: "the transport has no event outbox".into(),
        });
    };
    let backoff = Backoff {
        initial: config.retries.initial_delay,
        doublings: config.retries.count.saturating_sub(1),
    };
    let webhooks: Arc<[WebhookConfig]> = config.webhooks.into();
    for (index, target) in config.targets.into_iter().enumerate() {
        let sender = Arc::new(TargetSender::new(target, client.clone()));
        let webhooks = Arc::clone(&webhooks);
        let name = format!("webhook:{}", sender.name());
        consumer::spawn(outbox.clone(), name, backoff, move |event| {
            let (sender, webhooks) = (Arc::clone(&sender), Arc::clone(&webhooks));
            async move { deliver(&sender, &webhooks, index, &event).await }
        });
    }
    tracing::info!(webhooks = webhooks.len(), "webhooks module started");
    Ok(())
}

/// One event to one target: a POST per webhook of the target that it fires (the real module
/// subscribes each webhook on its own).
async fn deliver(
    sender: &TargetSender,
    webhooks: &[WebhookConfig],
    target: usize,
    event: &TransportEvent,
) -> Outcome {
    let firing = webhooks
        .iter()
        .filter(|w| w.target == target && any_matches(&w.triggers, event.name()));
    for _ in firing {
        match sender
            .attempt(&Delivery::of(event, &webhook_body(event)))
            .await
        {
            Outcome::Done => {}
            failed => return failed,
        }
    }
    Outcome::Done
}
