//! Redis: `PUBLISH <namespace> <payload>`; the payload stays the real Connector's, so the event's id
//! is not carried.

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
}

impl RedisBroker {
    pub async fn connect(configuration: &Value) -> Result<Self, String> {
        let url = required_url(configuration)?;
        // The URL may carry a password: errors name the problem, never the URL.
        let client = redis::Client::open(url)
            .map_err(|e| format!("configuration.url is not a Redis URL: {e}"))?;
        let connection = open(&client).await?;
        Ok(Self { client, connection })
    }
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
        // The payload alone, as the real Connector publishes it (no room for the event's id).
        let mut command = redis::cmd("PUBLISH");
        command.arg(&message.namespace).arg(&*message.payload);
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
