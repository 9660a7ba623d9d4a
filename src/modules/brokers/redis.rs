//! Redis: `PUBLISH <namespace> <payload>`. PUBLISH has nothing but the payload, so by default the
//! payload is the real Connector's and the event's id is not carried. With
//! `configuration.envelope: true` the payload is an envelope instead:
//! `{"id": <event id>, "timestamp": <unix seconds>, "data": <the real Connector's payload>}` (the id
//! and time as the webhooks' `webhook-id` and `webhook-timestamp`), so subscribers can
//! de-duplicate.

use std::time::Duration;

use async_trait::async_trait;
use redis::aio::MultiplexedConnection;
use serde_json::Value;

use super::{Broker, BrokerMessage, required_url};

/// Longest wait for a connection or one PUBLISH.
const TIMEOUT: Duration = Duration::from_secs(5);

pub struct RedisBroker {
    client: redis::Client,
    connection: MultiplexedConnection,
    /// `configuration.envelope`: the payload wrapped with the event's id and time.
    envelope: bool,
}

impl RedisBroker {
    pub async fn connect(configuration: &Value) -> Result<Self, String> {
        let url = required_url(configuration)?;
        // The URL may carry a password: errors name the problem, never the URL.
        let client = redis::Client::open(url)
            .map_err(|e| format!("configuration.url is not a Redis URL: {e}"))?;
        let envelope = match configuration.get("envelope") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(on)) => *on,
            Some(other) => {
                return Err(format!(
                    "configuration.envelope must be true or false, not {other}"
                ));
            }
        };
        let connection = open(&client).await?;
        Ok(Self {
            client,
            connection,
            envelope,
        })
    }
}

/// `{"id", "timestamp", "data"}` around the payload (the JSON of the event's data).
fn enveloped(message: &BrokerMessage) -> Result<Vec<u8>, String> {
    let data: Value = serde_json::from_slice(&message.payload).map_err(|e| e.to_string())?;
    serde_json::to_vec(&serde_json::json!({
        "id": message.id.as_str(),
        "timestamp": message.time.unix_timestamp(),
        "data": data,
    }))
    .map_err(|e| e.to_string())
}

async fn open(client: &redis::Client) -> Result<MultiplexedConnection, String> {
    tokio::time::timeout(TIMEOUT, client.get_multiplexed_async_connection())
        .await
        .map_err(|_| "connecting to Redis timed out".to_owned())?
        .map_err(|e| format!("Could not connect to Redis: ({e})"))
}

#[async_trait]
impl Broker for RedisBroker {
    fn kind(&self) -> &'static str {
        "Redis"
    }

    async fn publish(&mut self, message: &BrokerMessage) -> Result<(), String> {
        let mut command = redis::cmd("PUBLISH");
        command.arg(&message.namespace);
        if self.envelope {
            command.arg(enveloped(message)?);
        } else {
            command.arg(&*message.payload);
        }
        let publish = command.query_async::<i64>(&mut self.connection);
        tokio::time::timeout(TIMEOUT, publish)
            .await
            .map_err(|_| "PUBLISH timed out".to_owned())?
            .map(drop)
            .map_err(|e| e.to_string())
    }

    async fn reconnect(&mut self) -> Result<(), String> {
        self.connection = open(&self.client).await?;
        Ok(())
    }
}
