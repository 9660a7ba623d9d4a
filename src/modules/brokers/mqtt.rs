//! MQTT: topic = the event's namespace with `.` turned into `/` (`transport/messageReceived`),
//! QoS 0 (the default of the real Connector's client). Plain `mqtt://` (or `tcp://`) only.
//! MQTT 3.1.1 has no message properties, so the event's id is not carried (the payload stays
//! exactly the real Connector's).

use std::time::Duration;

use async_trait::async_trait;
use rumqttc::{AsyncClient, Event, EventLoop, MqttOptions, Packet, QoS};
use serde_json::Value;

use super::{BACKOFF_MAX, BACKOFF_START, Broker, BrokerMessage, required_url};

/// How long the first connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Publishes the client buffers while the connection is being re-established.
const CLIENT_CAPACITY: usize = 256;

pub struct MqttBroker {
    client: AsyncClient,
}

/// Host, port and credentials from `mqtt://[user[:password]@]host[:port]`.
fn options(url: &str) -> Result<MqttOptions, String> {
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
    let client_id = format!("connector-{}", crate::cli::random_token(12));
    let mut options = MqttOptions::new(client_id, host, port);
    options.set_keep_alive(Duration::from_secs(30));
    if let Some(credentials) = credentials {
        let (user, password) = credentials.split_once(':').unwrap_or((credentials, ""));
        options.set_credentials(user, password);
    }
    Ok(options)
}

impl MqttBroker {
    /// Connects and waits for the broker's acknowledgement, then keeps the connection alive in a
    /// task of its own (the client reconnects when polled after an error).
    pub async fn connect(configuration: &Value) -> Result<Self, String> {
        let url = required_url(configuration)?;
        let (client, mut event_loop) = AsyncClient::new(options(&url)?, CLIENT_CAPACITY);
        tokio::time::timeout(CONNECT_TIMEOUT, connected(&mut event_loop))
            .await
            .map_err(|_| "connecting to the MQTT broker timed out".to_owned())??;
        tokio::spawn(keep_polling(event_loop));
        Ok(Self { client })
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

async fn keep_polling(mut event_loop: EventLoop) {
    let mut pause = BACKOFF_START;
    loop {
        match event_loop.poll().await {
            Ok(_) => pause = BACKOFF_START,
            Err(error) => {
                tracing::error!(%error, "The MQTT connection failed; reconnecting");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(BACKOFF_MAX);
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
        self.client
            .try_publish(topic, QoS::AtMostOnce, false, message.payload.to_vec())
            .map_err(|e| e.to_string())
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
    }
}
