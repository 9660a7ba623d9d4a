//! MQTT: topic = the event's namespace with `.` turned into `/` (`transport/messageReceived`),
//! QoS 0 (the default of the real Connector's client). Plain `mqtt://` (or `tcp://`) only.
//!
//! `configuration.protocolVersion` chooses the protocol as the real Connector's client (mqtt.js)
//! names it: `4`, MQTT 3.1.1 (the default, as the real Connector), has no message properties, so
//! the event's id is not carried; `5`, MQTT 5, carries it in the user properties `event-id` and
//! `event-timestamp` (unix seconds, as the webhooks' `webhook-id` and `webhook-timestamp`). The
//! payload is the real Connector's either way.

use std::time::Duration;

use async_trait::async_trait;
use rumqttc::{AsyncClient, Event, EventLoop, MqttOptions, Packet, QoS};
use serde_json::Value;

use super::{BACKOFF_MAX, BACKOFF_START, Broker, BrokerMessage, required_url};

/// User properties of an MQTT 5 publish that name the event.
pub const EVENT_ID_PROPERTY: &str = "event-id";
pub const EVENT_TIMESTAMP_PROPERTY: &str = "event-timestamp";

/// How long the first connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Publishes the client buffers while the connection is being re-established.
const CLIENT_CAPACITY: usize = 256;

pub enum MqttBroker {
    V4(AsyncClient),
    V5(rumqttc::v5::AsyncClient),
}

/// Where to connect, read once from `mqtt://[user[:password]@]host[:port]`.
struct Endpoint {
    client_id: String,
    host: String,
    port: u16,
    credentials: Option<(String, String)>,
}

const KEEP_ALIVE: Duration = Duration::from_secs(30);

fn options(url: &str) -> Result<MqttOptions, String> {
    let endpoint = endpoint(url)?;
    let mut options = MqttOptions::new(endpoint.client_id, endpoint.host, endpoint.port);
    options.set_keep_alive(KEEP_ALIVE);
    if let Some((user, password)) = endpoint.credentials {
        options.set_credentials(user, password);
    }
    Ok(options)
}

fn options_v5(url: &str) -> Result<rumqttc::v5::MqttOptions, String> {
    let endpoint = endpoint(url)?;
    let mut options =
        rumqttc::v5::MqttOptions::new(endpoint.client_id, endpoint.host, endpoint.port);
    options.set_keep_alive(KEEP_ALIVE);
    if let Some((user, password)) = endpoint.credentials {
        options.set_credentials(user, password);
    }
    Ok(options)
}

/// `configuration.protocolVersion`: 4 (MQTT 3.1.1, the default) or 5.
fn protocol_version(configuration: &Value) -> Result<u8, String> {
    match configuration.get("protocolVersion") {
        None | Some(Value::Null) => Ok(4),
        Some(version) if version.as_u64() == Some(4) => Ok(4),
        Some(version) if version.as_u64() == Some(5) => Ok(5),
        Some(other) => Err(format!(
            "configuration.protocolVersion must be 4 (MQTT 3.1.1) or 5 (MQTT 5), not {other}"
        )),
    }
}

fn endpoint(url: &str) -> Result<Endpoint, String> {
    let rest = url
        .strip_prefix("mqtt://")
        .or_else(|| url.strip_prefix("tcp://"))
        .ok_or_else(|| {
            "configuration.url must start with mqtt:// or tcp:// (TLS and WebSocket MQTT are not supported in this build)"
                .to_owned()
        })?;
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let (credentials, host_port) = match authority.rsplit_once('@') {
        Some((credentials, host_port)) => (Some(credentials), host_port),
        None => (None, authority),
    };
    let (host, port) = match host_port.rsplit_once(':') {
        Some((host, port)) => (
            host,
            port.parse::<u16>()
                .map_err(|_| format!("configuration.url has an invalid port '{port}'"))?,
        ),
        None => (host_port, 1883),
    };
    if host.is_empty() {
        return Err("configuration.url has no host".into());
    }
    Ok(Endpoint {
        client_id: format!("connector-{}", crate::cli::random_token(12)),
        host: host.to_owned(),
        port,
        credentials: credentials.map(|credentials| {
            let (user, password) = credentials.split_once(':').unwrap_or((credentials, ""));
            (user.to_owned(), password.to_owned())
        }),
    })
}

impl MqttBroker {
    /// Connects and waits for the broker's acknowledgement, then keeps the connection alive in a
    /// task of its own (the client reconnects when polled after an error).
    pub async fn connect(configuration: &Value) -> Result<Self, String> {
        let url = required_url(configuration)?;
        let version = protocol_version(configuration)?;
        let timed_out = |_| "connecting to the MQTT broker timed out".to_owned();
        if version == 5 {
            let (client, mut event_loop) =
                rumqttc::v5::AsyncClient::new(options_v5(&url)?, CLIENT_CAPACITY);
            tokio::time::timeout(CONNECT_TIMEOUT, connected_v5(&mut event_loop))
                .await
                .map_err(timed_out)??;
            keep_connected(event_loop);
            return Ok(Self::V5(client));
        }
        let (client, mut event_loop) = AsyncClient::new(options(&url)?, CLIENT_CAPACITY);
        tokio::time::timeout(CONNECT_TIMEOUT, connected(&mut event_loop))
            .await
            .map_err(timed_out)??;
        keep_connected(event_loop);
        Ok(Self::V4(client))
    }
}

async fn connected(event_loop: &mut EventLoop) -> Result<(), String> {
    loop {
        match event_loop.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(_))) => return Ok(()),
            Ok(_) => {}
            Err(e) => return Err(format!("cannot connect to the MQTT broker: {e}")),
        }
    }
}

async fn connected_v5(event_loop: &mut rumqttc::v5::EventLoop) -> Result<(), String> {
    use rumqttc::v5::{Event, mqttbytes::v5::Packet};
    loop {
        match event_loop.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(_))) => return Ok(()),
            Ok(_) => {}
            Err(e) => return Err(format!("cannot connect to the MQTT broker: {e}")),
        }
    }
}

/// One step of a client's event loop (MQTT 3.1.1 or 5): it keeps the connection alive and
/// reconnects on the step after a failure.
trait Step: Send + 'static {
    fn step(&mut self) -> impl Future<Output = Result<(), String>> + Send;
}

impl Step for EventLoop {
    async fn step(&mut self) -> Result<(), String> {
        self.poll().await.map(drop).map_err(|e| e.to_string())
    }
}

impl Step for rumqttc::v5::EventLoop {
    async fn step(&mut self) -> Result<(), String> {
        self.poll().await.map(drop).map_err(|e| e.to_string())
    }
}

/// Drives the event loop in a task of its own for as long as the process runs.
fn keep_connected(mut event_loop: impl Step) {
    tokio::spawn(async move {
        let mut pause = Reconnecting::default();
        loop {
            pause.after(event_loop.step().await).await;
        }
    });
}

/// The pause after each step of a client's event loop (which keeps the connection alive and
/// reconnects on the step after a failure): none while it works, growing while it fails.
struct Reconnecting {
    pause: Duration,
}

impl Default for Reconnecting {
    fn default() -> Self {
        Self {
            pause: BACKOFF_START,
        }
    }
}

impl Reconnecting {
    async fn after(&mut self, step: Result<(), String>) {
        match step {
            Ok(()) => self.pause = BACKOFF_START,
            Err(error) => {
                tracing::error!(%error, "The MQTT connection failed; reconnecting");
                tokio::time::sleep(self.pause).await;
                self.pause = (self.pause * 2).min(BACKOFF_MAX);
            }
        }
    }
}

#[async_trait]
impl Broker for MqttBroker {
    fn kind(&self) -> &'static str {
        "MQTT"
    }

    async fn publish(&mut self, message: &BrokerMessage) -> Result<(), String> {
        // Never waits: a full client buffer (broker away for long) is an error, not a stall.
        let topic = message.namespace.replace('.', "/");
        let payload = message.payload.to_vec();
        match self {
            Self::V4(client) => client
                .try_publish(topic, QoS::AtMostOnce, false, payload)
                .map_err(|e| e.to_string()),
            Self::V5(client) => {
                let properties = rumqttc::v5::mqttbytes::v5::PublishProperties {
                    user_properties: vec![
                        (EVENT_ID_PROPERTY.to_owned(), message.id.to_string()),
                        (
                            EVENT_TIMESTAMP_PROPERTY.to_owned(),
                            message.time.unix_timestamp().to_string(),
                        ),
                    ],
                    ..Default::default()
                };
                client
                    .try_publish_with_properties(
                        topic,
                        rumqttc::v5::mqttbytes::QoS::AtMostOnce,
                        false,
                        payload,
                        properties,
                    )
                    .map_err(|e| e.to_string())
            }
        }
    }

    async fn reconnect(&mut self) -> Result<(), String> {
        // The polling task re-establishes the connection by itself.
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let plain = options("mqtt://127.0.0.1:1884").unwrap();
        assert_eq!(plain.broker_address(), ("127.0.0.1".to_owned(), 1884));
        let default_port = options("tcp://broker.example").unwrap();
        assert_eq!(default_port.broker_address().1, 1883);
        let with_user = options("mqtt://user:secret@host:1").unwrap();
        assert_eq!(with_user.broker_address(), ("host".to_owned(), 1));
        assert!(
            options("mqtts://host")
                .unwrap_err()
                .contains("not supported")
        );
        assert!(
            options("mqtt://host:x")
                .unwrap_err()
                .contains("invalid port")
        );
        let v5 = options_v5("mqtt://user:secret@host:2").unwrap();
        assert_eq!(v5.broker_address(), ("host".to_owned(), 2));
    }

    #[test]
    fn protocol_versions() {
        assert_eq!(protocol_version(&serde_json::json!({})).unwrap(), 4);
        assert_eq!(
            protocol_version(&serde_json::json!({"protocolVersion": 5})).unwrap(),
            5
        );
        assert!(
            protocol_version(&serde_json::json!({"protocolVersion": "5"}))
                .unwrap_err()
                .contains("must be 4 (MQTT 3.1.1) or 5 (MQTT 5)")
        );
        assert!(protocol_version(&serde_json::json!({"protocolVersion": 3})).is_err());
    }
}
