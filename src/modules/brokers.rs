//! The `messageBrokerPublisher` module (`connector-operations.md` §2.7): every transport event
//! goes to each configured broker (AMQP, MQTT, Redis) as the JSON of its data (`{}` for the
//! `runtime.*` lifecycle events; a data event without data is logged, not published), under the
//! event's namespace.
//!
//! Publishing never holds up the API or the sync: the event fan-out hands each event to a bounded
//! queue per broker and moves on (a full queue drops the event with a warning); one task per
//! broker drains its queue, and reconnects with backoff when publishing fails.
//!
//! The event's id travels where the protocol has a place for it: AMQP's `message_id` property
//! (with the emission time as `timestamp`). MQTT 3.1.1 (this client, QoS 0) has no message
//! properties, and Redis PUBLISH only a payload: both get the payload unchanged, without the id.

mod amqp;
mod mqtt;
mod redis;

use std::time::Duration;

use async_trait::async_trait;
use connector_transport::{EventId, TransportEvent, TransportEvents};
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::{broadcast, mpsc};

use super::events::{broker_payload, next_event};

use crate::config::Settings;

/// Events waiting for one broker before new ones are dropped.
const QUEUE_CAPACITY: usize = 1024;
/// First and longest pause between reconnection attempts.
const BACKOFF_START: Duration = Duration::from_millis(200);
const BACKOFF_MAX: Duration = Duration::from_secs(10);

/// `modules.messageBrokerPublisher.brokers[]`.
#[derive(Debug, Clone, Deserialize)]
pub struct BrokerConfig {
    /// `AMQP`, `MQTT`, `PubSub` or `Redis`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The broker's options (`url`, `exchange`, `timeout`, …).
    #[serde(default)]
    pub configuration: Value,
}

/// One connected broker.
#[async_trait]
pub trait Broker: Send {
    /// For logs: the broker type.
    fn kind(&self) -> &'static str;
    /// Publishes one event's payload under its namespace.
    async fn publish(&mut self, message: &BrokerMessage) -> Result<(), String>;
    /// Connects again after a failed publish.
    async fn reconnect(&mut self) -> Result<(), String>;
    /// Ends the connection cleanly once nothing more will be published.
    async fn close(&mut self) {}
}

/// The broker settings when the module is enabled, `None` when it is off.
pub fn configured_brokers(settings: &Settings) -> Result<Option<Vec<BrokerConfig>>, String> {
    let Some(module) = super::module(settings, "messageBrokerPublisher") else {
        return Ok(None);
    };
    let brokers: Vec<BrokerConfig> = serde_json::from_value(
        module
            .get("brokers")
            .cloned()
            .unwrap_or(Value::Array(vec![])),
    )
    .map_err(|e| format!("modules.messageBrokerPublisher.brokers: {e}"))?;
    if brokers.is_empty() {
        return Err("At least one broker must be configured".into());
    }
    Ok(Some(brokers))
}

/// The running publisher. Its tasks end by themselves once the transport is gone and the queues
/// are drained; [`Publisher::finish`] waits for that (for the short-lived CLI commands).
pub struct Publisher {
    fan_out: tokio::task::JoinHandle<()>,
    drains: Vec<tokio::task::JoinHandle<()>>,
}

impl Publisher {
    /// Waits, at most `within`, until every event emitted so far is published. Call it after the
    /// last clone of the transport is dropped (that ends the event stream).
    pub async fn finish(self, within: Duration) {
        let all = async {
            let _ = self.fan_out.await;
            for drain in self.drains {
                let _ = drain.await;
            }
        };
        if tokio::time::timeout(within, all).await.is_err() {
            tracing::warn!(
                "messageBrokerPublisher: events still queued at exit were not published"
            );
        }
    }
}

/// Connects every configured broker (a broker that cannot be reached, or an AMQP exchange that
/// does not exist, fails the start) and starts publishing the transport's events to them.
pub async fn start(
    settings: &Settings,
    events: &TransportEvents,
) -> Result<Option<Publisher>, String> {
    let Some(configs) = configured_brokers(settings)? else {
        return Ok(None);
    };
    // Subscribe before connecting, so nothing emitted meanwhile is missed.
    let receiver = events.subscribe();
    let mut queues = Vec::with_capacity(configs.len());
    let mut drains = Vec::with_capacity(configs.len());
    for config in &configs {
        let broker = connect(config)
            .await
            .map_err(|e| format!("messageBrokerPublisher ({}): {e}", config.kind))?;
        let (sender, queue) = mpsc::channel(QUEUE_CAPACITY);
        drains.push(tokio::spawn(drain(broker, queue)));
        queues.push(sender);
    }
    let fan_out = tokio::spawn(fan_out(receiver, queues));
    Ok(Some(Publisher { fan_out, drains }))
}

async fn connect(config: &BrokerConfig) -> Result<Box<dyn Broker>, String> {
    match config.kind.as_str() {
        "AMQP" => Ok(Box::new(
            amqp::AmqpBroker::connect(&config.configuration).await?,
        )),
        "MQTT" => Ok(Box::new(
            mqtt::MqttBroker::connect(&config.configuration).await?,
        )),
        "Redis" => Ok(Box::new(
            redis::RedisBroker::connect(&config.configuration).await?,
        )),
        "PubSub" => Err("the Google Cloud Pub/Sub broker is not supported in this build".into()),
        other => Err(format!(
            "unknown broker type '{other}' (expected AMQP, MQTT, PubSub or Redis)"
        )),
    }
}

/// The `url` option every broker needs.
fn required_url(configuration: &Value) -> Result<String, String> {
    configuration
        .get("url")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| "configuration.url is required".to_owned())
}

/// One event as every broker gets it.
#[derive(Debug, Clone)]
pub struct BrokerMessage {
    /// The event's id (AMQP `message_id`).
    pub id: EventId,
    /// When the event was emitted (AMQP `timestamp`, unix seconds).
    pub time: time::OffsetDateTime,
    /// Routing key / topic / channel.
    pub namespace: &'static str,
    /// The JSON of the event's data, shared by all brokers.
    pub payload: std::sync::Arc<[u8]>,
}

type Queued = BrokerMessage;

async fn fan_out(
    mut receiver: broadcast::Receiver<TransportEvent>,
    queues: Vec<mpsc::Sender<Queued>>,
) {
    while let Some(event) = next_event("messageBrokerPublisher", &mut receiver).await {
        let Some(bytes) = broker_payload(&event) else {
            tracing::error!(
                namespace = event.namespace,
                "the event carries no data to serialise; it is not published to the message brokers"
            );
            continue;
        };
        let message = BrokerMessage {
            id: event.id.clone(),
            time: event.time,
            namespace: event.namespace,
            payload: bytes.into(),
        };
        for queue in &queues {
            if let Err(mpsc::error::TrySendError::Full(_)) = queue.try_send(message.clone()) {
                tracing::warn!(
                    namespace = event.namespace,
                    "a message broker's queue is full; the event was not published to it"
                );
            }
        }
    }
}

/// Publishes the queued events to one broker; after a failure, reconnects (with backoff) and
/// tries the event once more before giving up on it.
async fn drain(mut broker: Box<dyn Broker>, mut queue: mpsc::Receiver<Queued>) {
    while let Some(message) = queue.recv().await {
        let namespace = message.namespace;
        let Err(error) = broker.publish(&message).await else {
            continue;
        };
        tracing::error!(broker = broker.kind(), namespace, %error, "Publishing the event failed");
        let mut pause = BACKOFF_START;
        while let Err(error) = broker.reconnect().await {
            tracing::error!(broker = broker.kind(), %error, "Reconnecting to the message broker failed");
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(BACKOFF_MAX);
        }
        if let Err(error) = broker.publish(&message).await {
            tracing::error!(broker = broker.kind(), namespace, %error, "Publishing the event failed again; it is dropped");
        }
    }
    broker.close().await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn settings(module: Value) -> Settings {
        let mut tree = crate::config::defaults();
        crate::config::deep_merge(
            &mut tree,
            json!({
                "transportLibrary": {
                    "baseUrl": "http://backbone.test",
                    "platformClientId": "test",
                    "platformClientSecret": "test",
                },
                "modules": {"messageBrokerPublisher": module},
            }),
        );
        serde_json::from_value(tree).unwrap()
    }

    #[test]
    fn off_by_default_and_at_least_one_broker_when_on() {
        assert!(configured_brokers(&settings(json!({}))).unwrap().is_none());
        assert_eq!(
            configured_brokers(&settings(json!({"enabled": true}))).unwrap_err(),
            "At least one broker must be configured"
        );
        let on = settings(json!({"enabled": true, "brokers": [
            {"type": "Redis", "configuration": {"url": "redis://127.0.0.1:6379"}}
        ]}));
        let brokers = configured_brokers(&on).unwrap().unwrap();
        assert_eq!(brokers[0].kind, "Redis");
    }

    #[tokio::test]
    async fn pubsub_and_unknown_types_are_refused_clearly() {
        let pubsub = BrokerConfig {
            kind: "PubSub".into(),
            configuration: json!({"projectId": "p", "topicName": "t", "keyFile": "k"}),
        };
        let error = connect(&pubsub).await.err().unwrap();
        assert!(error.contains("not supported in this build"), "{error}");
        let unknown = BrokerConfig {
            kind: "Kafka".into(),
            configuration: json!({}),
        };
        assert!(
            connect(&unknown)
                .await
                .err()
                .unwrap()
                .contains("unknown broker type 'Kafka'")
        );
    }
}
