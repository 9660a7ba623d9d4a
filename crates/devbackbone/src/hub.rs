//! Server-sent events: open streams per identity, woken when external events arrive (backbone-api §5.12).

use std::collections::HashMap;
use std::sync::Mutex;

use tokio::sync::broadcast;

use crate::server::lock;

#[derive(Debug, Default)]
pub struct Hub {
    channels: Mutex<HashMap<String, broadcast::Sender<&'static str>>>,
}

impl Hub {
    /// A receiver for the identity's notifications.
    pub fn subscribe(&self, address: &str) -> broadcast::Receiver<&'static str> {
        lock(&self.channels)
            .entry(address.to_owned())
            .or_insert_with(|| broadcast::channel(16).0)
            .subscribe()
    }

    /// Sends `event` to every open stream of the identity (nobody listening is fine).
    pub fn publish(&self, address: &str, event: &'static str) {
        let mut channels = lock(&self.channels);
        // No stream open any more: forget the channel.
        if channels
            .get(address)
            .is_some_and(|sender| sender.send(event).is_err())
        {
            channels.remove(address);
        }
    }
}
