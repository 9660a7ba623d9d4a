//! Delivery to one target: one POST per attempt; the target's outbox consumer
//! ([`super::start`]) calls it for each event in order, retries it and records progress, so a
//! slow or failing receiver never holds up the API, the sync or the other targets.
//!
//! What an answer means: 2xx delivered; network errors, 5xx and 429 are tried again (after
//! `initialDelay`, then twice as long each time for `count` retries, then at that pause until
//! the event is `infrastructure.events.deadLetterAfterSeconds` old); any other status (3xx not
//! followed, 4xx refused) is final and the event becomes a dead letter for the target.
//!
//! Every attempt carries `webhook-id` (the event's id: equal across retries, replicas and
//! restarts, so a receiver can de-duplicate) and `webhook-timestamp` (unix seconds of the
//! attempt, so a receiver's replay window holds for late retries too), and `webhook-signature`
//! when the target has a key.

use std::sync::Arc;

use connector_transport::outbox::consumer::Outcome;
use connector_transport::{EventId, TransportEvent};
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde_json::Value;

use super::auth::Authenticator;
use super::config::TargetConfig;
use super::signature::{WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP};

/// One POST to make: the event's namespace (for the URL) and the body `{trigger, data}`.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The event's id, sent as `webhook-id` on every attempt.
    pub event_id: EventId,
    pub trigger: String,
    /// The JSON body, serialised once: the signed bytes are the sent bytes.
    pub body: Arc<[u8]>,
    /// Sent as `x-correlation-id` (the request or sync run that caused the event).
    pub correlation_id: Option<String>,
}

impl Delivery {
    /// The delivery of `event` with `body`.
    pub fn of(event: &TransportEvent, body: &Value) -> Self {
        Self {
            event_id: event.id.clone(),
            trigger: event.name().to_owned(),
            body: serde_json::to_vec(body).unwrap_or_default().into(),
            correlation_id: event.correlation_id.clone(),
        }
    }
}

/// Sends deliveries to one target.
pub struct TargetSender {
    target: TargetConfig,
    authenticator: Option<Authenticator>,
    client: reqwest::Client,
}

impl TargetSender {
    pub fn new(target: TargetConfig, client: reqwest::Client) -> Self {
        Self {
            authenticator: target.authentication.clone().map(Authenticator::new),
            target,
            client,
        }
    }

    /// The target's name (for logs and its consumer's name).
    pub fn name(&self) -> &str {
        &self.target.name
    }

    /// One POST of `delivery`.
    pub async fn attempt(&self, delivery: &Delivery) -> Outcome {
        let url = self
            .target
            .url
            .replacen("{{trigger}}", &delivery.trigger, 1);
        let url = match reqwest::Url::parse(&url) {
            Ok(url) => url,
            Err(e) => return Outcome::GiveUp(format!("'{url}' is not a valid URL: {e}")),
        };
        let id = delivery.event_id.as_str();
        let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
        let mut request = self
            .client
            .post(url)
            .header(CONTENT_TYPE, "application/json")
            .header(WEBHOOK_ID, id)
            .header(WEBHOOK_TIMESTAMP, timestamp.to_string());
        if let Some(key) = &self.target.signing_key {
            request = request.header(WEBHOOK_SIGNATURE, key.sign(id, timestamp, &delivery.body));
        }
        request = request.body(delivery.body.to_vec());
        for (name, value) in &self.target.headers {
            request = request.header(name, value);
        }
        if let Some(id) = &delivery.correlation_id {
            request = request.header("x-correlation-id", id);
        }
        if let Some(authenticator) = &self.authenticator {
            match authenticator.header(&self.client).await {
                Ok((name, value)) => request = request.header(name, value),
                Err(e) => return Outcome::Retry(e.to_string()),
            }
        }
        match request.send().await {
            Err(e) => Outcome::Retry(format!("the request failed: {e}")),
            Ok(response) => classify(response.status()),
        }
    }
}

fn classify(status: StatusCode) -> Outcome {
    if status.is_success() {
        Outcome::Done
    } else if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
        Outcome::Retry(format!("the target answered {status}"))
    } else {
        Outcome::GiveUp(format!("the target answered {status}"))
    }
}
