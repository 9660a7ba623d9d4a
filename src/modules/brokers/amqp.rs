//! AMQP (RabbitMQ): publish to `exchange` (default: the default exchange `""`) with the event's
//! namespace as routing key. The exchange must exist; a missing one fails the start. Each message
//! carries the event's id as `message_id` and its emission time as `timestamp` (unix seconds),
//! so consumers can de-duplicate.

use std::time::Duration;

use async_trait::async_trait;
use lapin::options::{BasicPublishOptions, ExchangeDeclareOptions};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind};
use serde_json::Value;

use super::{Broker, BrokerMessage, required_url};

/// Connect timeout when `timeout` is not configured, in milliseconds.
const DEFAULT_TIMEOUT_MS: u64 = 2000;

pub struct AmqpBroker {
    url: String,
    exchange: String,
    timeout: Duration,
    connection: Connection,
    channel: Channel,
}

impl AmqpBroker {
    pub async fn connect(configuration: &Value) -> Result<Self, String> {
        let url = required_url(configuration)?;
        let exchange = configuration
            .get("exchange")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let timeout = Duration::from_millis(
            configuration
                .get("timeout")
                .and_then(Value::as_u64)
                .unwrap_or(DEFAULT_TIMEOUT_MS),
        );
        let (connection, channel) = open(&url, &exchange, timeout).await?;
        Ok(Self {
            url,
            exchange,
            timeout,
            connection,
            channel,
        })
    }
}

/// Connects, opens a channel and checks that the exchange exists.
async fn open(
    url: &str,
    exchange: &str,
    timeout: Duration,
) -> Result<(Connection, Channel), String> {
    let connection = tokio::time::timeout(
        timeout,
        Connection::connect(url, ConnectionProperties::default()),
    )
    .await
    .map_err(|_| {
        format!(
            "connecting to the AMQP server timed out after {} ms",
            timeout.as_millis()
        )
    })?
    .map_err(|e| format!("cannot connect to the AMQP server: {e}"))?;
    let channel = connection
        .create_channel()
        .await
        .map_err(|e| format!("cannot open an AMQP channel: {e}"))?;
    if !exchange.is_empty() {
        // A passive declare only checks existence (it closes the channel when the exchange is missing).
        let passive = ExchangeDeclareOptions {
            passive: true,
            ..ExchangeDeclareOptions::default()
        };
        channel
            .exchange_declare(
                exchange.into(),
                ExchangeKind::Topic,
                passive,
                FieldTable::default(),
            )
            .await
            .map_err(|e| {
                format!("the AMQP exchange '{exchange}' does not exist or cannot be used: {e}")
            })?;
    }
    Ok((connection, channel))
}

#[async_trait]
impl Broker for AmqpBroker {
    fn kind(&self) -> &'static str {
        "AMQP"
    }

    async fn publish(&mut self, message: &BrokerMessage) -> Result<(), String> {
        let properties = BasicProperties::default()
            .with_message_id(message.id.as_str().into())
            .with_timestamp(u64::try_from(message.time.unix_timestamp()).unwrap_or(0));
        self.channel
            .basic_publish(
                self.exchange.as_str().into(),
                message.namespace.clone().into(),
                BasicPublishOptions::default(),
                &message.payload,
                properties,
            )
            .await
            .map(drop)
            .map_err(|e| e.to_string())
    }

    async fn close(&mut self) {
        // Flushes what was published before the connection goes.
        let close = self.connection.close(200, "done".into());
        let _ = tokio::time::timeout(Duration::from_secs(2), close).await;
    }

    async fn reconnect(&mut self) -> Result<(), String> {
        // A dead connection may never answer the close; do not wait for it long.
        let close = self.connection.close(200, "reconnecting".into());
        let _ = tokio::time::timeout(Duration::from_secs(1), close).await;
        let (connection, channel) = open(&self.url, &self.exchange, self.timeout).await?;
        self.connection = connection;
        self.channel = channel;
        Ok(())
    }
}
