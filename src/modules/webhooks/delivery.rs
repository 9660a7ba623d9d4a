//! Delivery to one target: a bounded queue drained by one task, so a slow or failing receiver
//! never holds up the API, the sync or the other targets; events reach a target in the order they
//! were emitted.
//!
//! Retry policy (ours; the real Connector has none): network errors, 5xx and 429 are tried again
//! after `initialDelay`, then twice as long each time, `count` times (default 3: 1 s, 2 s, 4 s);
//! any other status (2xx done, 3xx not followed, 4xx refused) ends the delivery. A full queue
//! drops the new event with a warning.
//!
//! Every attempt carries `webhook-id` (the event's id: equal across retries, so a receiver can
//! de-duplicate) and `webhook-timestamp` (unix seconds of the attempt, so a receiver's replay
//! window holds for late retries too), and `webhook-signature` when the target has a key.

use std::sync::Arc;

use connector_transport::{EventId, TransportEvent};
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde_json::Value;
use tokio::sync::mpsc;

use super::auth::Authenticator;
use super::config::{RetryPolicy, TargetConfig};
use super::signature::{WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP};

/// Deliveries waiting for one target before new ones are dropped.
pub const QUEUE_CAPACITY: usize = 1024;

/// One POST to make: the event's namespace (for the URL) and the body `{trigger, data}`.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The event's id, sent as `webhook-id` on every attempt.
    pub event_id: EventId,
    pub trigger: &'static str,
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
            trigger: event.namespace,
            body: serde_json::to_vec(body).unwrap_or_default().into(),
            correlation_id: event.correlation_id.clone(),
        }
    }
}

/// The sending end of a target's queue.
#[derive(Clone)]
pub struct TargetQueue {
    name: Arc<str>,
    sender: mpsc::Sender<Delivery>,
}

impl TargetQueue {
    /// Starts the target's task.
    pub fn spawn(target: TargetConfig, client: reqwest::Client, retries: RetryPolicy) -> Self {
        let (sender, receiver) = mpsc::channel(QUEUE_CAPACITY);
        let name: Arc<str> = target.name.clone().into();
        let worker = Worker {
            authenticator: target.authentication.clone().map(Authenticator::new),
            target,
            client,
            retries,
        };
        tokio::spawn(worker.run(receiver));
        Self { name, sender }
    }

    /// Queues a delivery without waiting.
    pub fn push(&self, delivery: Delivery) {
        if let Err(e) = self.sender.try_send(delivery) {
            let trigger = match &e {
                mpsc::error::TrySendError::Full(d) | mpsc::error::TrySendError::Closed(d) => {
                    d.trigger
                }
            };
            tracing::warn!(
                target_name = %self.name,
                trigger,
                "webhook delivery dropped: the target's queue is full or closed"
            );
        }
    }
}

struct Worker {
    target: TargetConfig,
    authenticator: Option<Authenticator>,
    client: reqwest::Client,
    retries: RetryPolicy,
}

/// What one attempt came to.
enum Attempt {
    Done,
    Retry(String),
    GiveUp(String),
}

impl Worker {
    async fn run(self, mut receiver: mpsc::Receiver<Delivery>) {
        while let Some(delivery) = receiver.recv().await {
            self.deliver(&delivery).await;
        }
    }

    async fn deliver(&self, delivery: &Delivery) {
        let name = self.target.name.as_str();
        let trigger = delivery.trigger;
        let mut retry = 0;
        loop {
            match self.attempt(delivery).await {
                Attempt::Done => return,
                Attempt::GiveUp(why) => {
                    tracing::warn!(target_name = name, trigger, "webhook not delivered: {why}");
                    return;
                }
                Attempt::Retry(why) if retry < self.retries.count => {
                    retry += 1;
                    let delay = self.retries.delay(retry);
                    tracing::warn!(
                        target_name = name,
                        trigger,
                        retry,
                        delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                        "webhook delivery failed, retrying: {why}"
                    );
                    tokio::time::sleep(delay).await;
                }
                Attempt::Retry(why) => {
                    tracing::error!(
                        target_name = name,
                        trigger,
                        retries = retry,
                        "webhook not delivered after its retries: {why}"
                    );
                    return;
                }
            }
        }
    }

    async fn attempt(&self, delivery: &Delivery) -> Attempt {
        let url = self.target.url.replacen("{{trigger}}", delivery.trigger, 1);
        let url = match reqwest::Url::parse(&url) {
            Ok(url) => url,
            Err(e) => return Attempt::GiveUp(format!("'{url}' is not a valid URL: {e}")),
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
                Err(e) => return Attempt::Retry(e.to_string()),
            }
        }
        match request.send().await {
            Err(e) => Attempt::Retry(format!("the request failed: {e}")),
            Ok(response) => classify(response.status()),
        }
    }
}

fn classify(status: StatusCode) -> Attempt {
    if status.is_success() {
        Attempt::Done
    } else if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
        Attempt::Retry(format!("the target answered {status}"))
    } else {
        Attempt::GiveUp(format!("the target answered {status}"))
    }
}
