//! The `webhooks` module (`connector-operations.md` §2.6): every transport event that fires a
//! webhook's triggers is POSTed as `{trigger, data}` to the webhook's target.
//!
//! Once per target with several replicas: the transport publishes an event only on the replica
//! that applied the change (a synced external event is applied once, under a Redis lease and a
//! compare-and-set insert; a REST action on the replica that served it), and delivery happens in
//! that replica's process. So every replica may run this module with the same targets, and each
//! event still reaches each target once. The price of keeping delivery in memory: events still
//! queued or between retries when their replica dies are lost (at most once), as in the real
//! Connector, which has no queue at all.
//!
//! Every POST carries the event's id and a timestamp as Standard Webhooks headers, signed when the
//! target has a `signingSecret` (see [`signature`]), so receivers can verify and de-duplicate.

pub mod auth;
pub mod config;
pub mod delivery;
pub mod signature;

use std::time::Duration;

use connector_transport::events::TransportEvents;

pub use config::{WebhooksConfig, WebhooksInitError};
use delivery::{Delivery, TargetQueue};

use crate::config::Settings;
use crate::modules::events::{any_matches, next_event, webhook_body};

/// Longest wait for one target's answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Reads `modules.webhooks` and, when enabled, starts a task per target and one that hands each
/// event to the targets whose webhooks it fires. Must run inside the tokio runtime.
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
    let queues: Vec<TargetQueue> = config
        .targets
        .iter()
        .map(|target| TargetQueue::spawn(target.clone(), client.clone(), config.retries))
        .collect();
    let webhooks = config.webhooks;
    tracing::info!(
        targets = queues.len(),
        webhooks = webhooks.len(),
        "webhooks module started"
    );
    let mut receiver = events.subscribe();
    tokio::spawn(async move {
        while let Some(event) = next_event("webhooks", &mut receiver).await {
            // One delivery per matching webhook (the real module subscribes each webhook).
            for webhook in webhooks
                .iter()
                .filter(|w| any_matches(&w.triggers, event.namespace))
            {
                queues[webhook.target].push(Delivery::of(&event, &webhook_body(&event)));
            }
        }
    });
    Ok(())
}
