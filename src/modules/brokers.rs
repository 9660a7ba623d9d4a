//! The `messageBrokerPublisher` module (`connector-operations.md` §2.7): every transport event
//! goes to each configured broker (AMQP, MQTT, Redis) as the JSON of its data (`{}` for the
//! `runtime.*` lifecycle events; a data event without data is logged, not published), under the
//! event's namespace.
//!
//! Each broker is a consumer of the transport's event outbox ([`connector_transport::outbox`]):
//! one replica at a time holds its lease and publishes the events in order, moving the broker's
//! cursor past each, so publishing never holds up the API or the sync, and a broker that is down
//! or a replica that dies loses nothing. A failed publish reconnects and is retried with backoff
//! until the event is `infrastructure.events.deadLetterAfterSeconds` old (then it is kept as a
//! dead letter).
//!
//! The event's id travels where the protocol has a place for it: AMQP's `message_id` property
//! (with the emission time as `timestamp`), MQTT 5's user properties (`protocolVersion: 5`). MQTT
//! 3.1.1 (the default) has no message properties, and Redis PUBLISH only a payload: both get the
//! payload unchanged, without the id, unless Redis is configured with `envelope: true`.

mod amqp;
mod mqtt;
mod redis;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use connector_transport::outbox::Outbox;
use connector_transport::outbox::consumer::{self, Backoff, Outcome};
use connector_transport::outbox::cursor::Cursor;
use connector_transport::{EventId, TransportEvent, TransportEvents};
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::Mutex;

use super::events::broker_payload;

use crate::config::Settings;

/// First and longest pause between reconnection attempts (the MQTT event loop).
const BACKOFF_START: Duration = Duration::from_millis(200);
const BACKOFF_MAX: Duration = Duration::from_secs(10);
/// Pauses between attempts to publish an event again: 200 ms, doubled up to about 13 s.
const BACKOFF: Backoff = Backoff {
    initial: Duration::from_millis(200),
    doublings: 6,
};

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

/// The running publisher: one outbox consumer per broker.
pub struct Publisher {
    outbox: Outbox,
    consumers: Vec<String>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    brokers: Vec<Arc<Mutex<Box<dyn Broker>>>>,
}

impl Publisher {
    /// Waits, at most `within`, until every event appended so far has passed every broker's
    /// cursor (published by this process or by a replica holding a broker's lease), then closes
    /// the connections (for the short-lived CLI commands). What is not published by then stays
    /// in the outbox for the next holder.
    pub async fn finish(self, within: Duration) {
        let caught_up = async {
            let head = self.outbox.head().await.unwrap_or(0);
            loop {
                let mut behind = false;
                for name in &self.consumers {
                    let next = Cursor::load(self.outbox.store(), name, 0)
                        .await
                        .map_or(0, |c| c.next());
                    behind |= next <= head;
                }
                if !behind {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        };
        if tokio::time::timeout(within, caught_up).await.is_err() {
            tracing::warn!(
                "messageBrokerPublisher: events not yet published at exit stay in the outbox"
            );
        }
        // Stop the consumers between deliveries and release their leases, so a server replica
        // publishes on at once; abort those that do not get there in time (their leases run out).
        if tokio::time::timeout(within, self.outbox.stop())
            .await
            .is_err()
        {
            for task in self.tasks {
                task.abort();
            }
        }
        for broker in self.brokers {
            broker.lock().await.close().await;
        }
    }
}

/// Connects every configured broker (a broker that cannot be reached, or an AMQP exchange that
/// does not exist, fails the start) and starts publishing the outbox's events to them.
pub async fn start(
    settings: &Settings,
    events: &TransportEvents,
) -> Result<Option<Publisher>, String> {
    let Some(configs) = configured_brokers(settings)? else {
        return Ok(None);
    };
    let outbox = events
        .outbox()
        .cloned()
        .ok_or("messageBrokerPublisher: the transport has no event outbox")?;
    let mut publisher = Publisher {
        outbox: outbox.clone(),
        consumers: vec![],
        tasks: vec![],
        brokers: vec![],
    };
    for (index, config) in configs.iter().enumerate() {
        let broker = connect(config)
            .await
            .map_err(|e| format!("messageBrokerPublisher ({}): {e}", config.kind))?;
        let broker = Arc::new(Mutex::new(broker));
        // The position names the broker: the same configuration gives the same cursors.
        let name = format!("broker:{index}:{}", config.kind);
        let handler_broker = Arc::clone(&broker);
        publisher.tasks.push(consumer::spawn(
            outbox.clone(),
            name.clone(),
            BACKOFF,
            move |event| {
                let broker = Arc::clone(&handler_broker);
                async move { publish(&broker, &event).await }
            },
        ));
        publisher.consumers.push(name);
        publisher.brokers.push(broker);
    }
    Ok(Some(publisher))
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
    /// The event's id (AMQP `message_id`, MQTT 5 user property, Redis envelope).
    pub id: EventId,
    /// When the event was emitted (AMQP `timestamp`, unix seconds).
    pub time: time::OffsetDateTime,
    /// Routing key / topic / channel.
    pub namespace: String,
    /// The JSON of the event's data, shared by all brokers.
    pub payload: std::sync::Arc<[u8]>,
}

/// Publishes one event to one broker; after a failure, reconnects and leaves the retry to the
/// consumer.
async fn publish(broker: &Mutex<Box<dyn Broker>>, event: &TransportEvent) -> Outcome {
    let Some(bytes) = broker_payload(event) else {
        tracing::error!(
            namespace = %event.namespace,
            "the event carries no data to serialise; it is not published to the message brokers"
        );
        return Outcome::Done;
    };
    let message = BrokerMessage {
        id: event.id.clone(),
        time: event.time,
        namespace: event.name().to_owned(),
        payload: bytes.into(),
    };
    let mut broker = broker.lock().await;
    let Err(error) = broker.publish(&message).await else {
        return Outcome::Done;
    };
    tracing::error!(broker = broker.kind(), namespace = %message.namespace, %error, "Publishing the event failed");
    if let Err(error) = broker.reconnect().await {
        tracing::error!(broker = broker.kind(), %error, "Reconnecting to the message broker failed");
    }
    Outcome::Retry(error)
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
