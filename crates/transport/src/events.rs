//! Events of the transport layer for the Connector's modules (webhooks, SSE, message brokers).

use serde_json::Value;
use tokio::sync::broadcast;

/// One event, named as in the real Connector (e.g. `transport.messageReceived`).
#[derive(Debug, Clone, PartialEq)]
pub struct TransportEvent {
    pub namespace: &'static str,
    pub data: Value,
}

/// A broadcast of [`TransportEvent`]s; slow listeners miss events rather than block the sender.
#[derive(Debug, Clone)]
pub struct TransportEvents {
    sender: broadcast::Sender<TransportEvent>,
}

impl Default for TransportEvents {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(1024).0,
        }
    }
}

impl TransportEvents {
    pub fn publish(&self, namespace: &'static str, data: Value) {
        // Nobody listening is fine.
        let _ = self.sender.send(TransportEvent { namespace, data });
    }

    pub fn subscribe(&self) -> broadcast::Receiver<TransportEvent> {
        self.sender.subscribe()
    }
}
