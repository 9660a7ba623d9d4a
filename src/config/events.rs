//! `infrastructure.events.*`: the event outbox (an addition of this implementation). Every value
//! has a default, so the section is optional.

use std::time::Duration;

use connector_transport::outbox::OutboxSettings;
use serde::Deserialize;

/// `infrastructure.events.*` (see [`OutboxSettings`]).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct EventSettings {
    /// Delivered events are deleted once this old (86400).
    pub retention_seconds: u64,
    /// How often delivered events are pruned (60).
    pub prune_interval_seconds: u64,
    /// A delivery still failing after its event is this old becomes a dead letter (86400).
    pub dead_letter_after_seconds: u64,
    /// How often a target's consumer looks for events other replicas wrote (500).
    pub poll_interval_ms: u64,
    /// How long a consumer waits for a sequence number still being written (2000).
    pub gap_wait_ms: u64,
    /// The lease of a target's consumer: a dead replica's targets move on after this long (10).
    pub lease_ttl_seconds: u64,
}

impl Default for EventSettings {
    fn default() -> Self {
        let defaults = OutboxSettings::default();
        Self {
            retention_seconds: defaults.retention.as_secs(),
            prune_interval_seconds: defaults.prune_interval.as_secs(),
            dead_letter_after_seconds: defaults.dead_letter_after.as_secs(),
            poll_interval_ms: millis(defaults.poll_interval),
            gap_wait_ms: millis(defaults.gap_wait),
            lease_ttl_seconds: defaults.lease_ttl.as_secs(),
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl EventSettings {
    /// As the transport takes them (intervals and the lease raised to sane minimums).
    pub fn outbox(&self) -> OutboxSettings {
        OutboxSettings {
            retention: Duration::from_secs(self.retention_seconds),
            prune_interval: Duration::from_secs(self.prune_interval_seconds.max(1)),
            dead_letter_after: Duration::from_secs(self.dead_letter_after_seconds),
            poll_interval: Duration::from_millis(self.poll_interval_ms.max(10)),
            gap_wait: Duration::from_millis(self.gap_wait_ms),
            lease_ttl: Duration::from_secs(self.lease_ttl_seconds.max(1)),
            ..OutboxSettings::default()
        }
    }
}
