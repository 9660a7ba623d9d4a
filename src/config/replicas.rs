//! `infrastructure.replicas.*`: the knobs of running several replicas of one identity safely
//! (an addition of this implementation; the real Connector has none of them). Every value has a
//! default, so the section is optional.

use std::time::Duration;

use serde::Deserialize;

/// `infrastructure.replicas.*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ReplicaSettings {
    /// How long the first answer to a request with an `Idempotency-Key` is kept (24 h).
    pub idempotency_key_retention_seconds: u64,
    /// How long a duplicate waits for the first request with its key to answer before it is
    /// told to retry later (409).
    pub idempotency_wait_seconds: u64,
    /// After SIGTERM/SIGINT: how long requests in flight may still run (below Kubernetes'
    /// default `terminationGracePeriodSeconds` of 30 s).
    pub shutdown_grace_period_seconds: u64,
    /// Longest wait of a route for a messaging, file or identity actor (120 s).
    pub actor_call_timeout_seconds: u64,
    /// Longest wait of `POST /Account/Sync` for its sync (600 s).
    pub sync_call_timeout_seconds: u64,
    /// How many send counters of a relationship a replica reserves with one compare-and-set
    /// (64; 0 counts as 1, one reservation per send). Unused counters of a block are skipped,
    /// never reused.
    pub send_counter_block: u32,
    /// Lease time-to-lives and waits.
    pub leases: LeaseSettings,
}

/// `infrastructure.replicas.leases.*` (see [`connector_transport::LeaseTimings`]).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct LeaseSettings {
    /// The sync lease's time-to-live (10 s).
    pub sync_ttl_seconds: u64,
    /// How long a sync waits for another replica's sync before leaving it to that one (130 s).
    pub sync_wait_seconds: u64,
    /// The onboarding lease's time-to-live (120 s).
    pub onboarding_ttl_seconds: u64,
    /// How long a starting replica waits for another one's onboarding (300 s).
    pub onboarding_wait_seconds: u64,
    /// The lease on deciding one incoming request (30 s).
    pub decide_ttl_seconds: u64,
    /// The claim on sending one outgoing request by message (180 s): how long after a sender
    /// died another one may send the request.
    pub request_send_ttl_seconds: u64,
}

impl Default for LeaseSettings {
    fn default() -> Self {
        let timings = connector_transport::LeaseTimings::default();
        Self {
            sync_ttl_seconds: timings.sync_ttl.as_secs(),
            sync_wait_seconds: timings.sync_wait.as_secs(),
            onboarding_ttl_seconds: timings.onboarding_ttl.as_secs(),
            onboarding_wait_seconds: timings.onboarding_wait.as_secs(),
            decide_ttl_seconds: timings.decide_ttl.as_secs(),
            request_send_ttl_seconds: timings.request_send_ttl.as_secs(),
        }
    }
}

impl LeaseSettings {
    /// As the transport layer takes them (a time-to-live of 0 s is raised to 1 s).
    pub fn timings(&self) -> connector_transport::LeaseTimings {
        let ttl = |secs: u64| Duration::from_secs(secs.max(1));
        connector_transport::LeaseTimings {
            sync_ttl: ttl(self.sync_ttl_seconds),
            sync_wait: Duration::from_secs(self.sync_wait_seconds),
            onboarding_ttl: ttl(self.onboarding_ttl_seconds),
            onboarding_wait: Duration::from_secs(self.onboarding_wait_seconds),
            decide_ttl: ttl(self.decide_ttl_seconds),
            request_send_ttl: ttl(self.request_send_ttl_seconds),
        }
    }
}

impl Default for ReplicaSettings {
    fn default() -> Self {
        Self {
            idempotency_key_retention_seconds: 24 * 60 * 60,
            idempotency_wait_seconds: 60,
            shutdown_grace_period_seconds: 20,
            actor_call_timeout_seconds: 120,
            sync_call_timeout_seconds: 600,
            send_counter_block: connector_transport::DEFAULT_SEND_COUNTER_BLOCK,
            leases: LeaseSettings::default(),
        }
    }
}

impl ReplicaSettings {
    /// [`ReplicaSettings::idempotency_key_retention_seconds`] as a duration.
    pub fn idempotency_key_retention(&self) -> Duration {
        Duration::from_secs(self.idempotency_key_retention_seconds)
    }

    /// [`ReplicaSettings::idempotency_wait_seconds`] as a duration.
    pub fn idempotency_wait(&self) -> Duration {
        Duration::from_secs(self.idempotency_wait_seconds)
    }

    /// [`ReplicaSettings::actor_call_timeout_seconds`] as a duration.
    pub fn actor_call_timeout(&self) -> Duration {
        Duration::from_secs(self.actor_call_timeout_seconds)
    }

    /// [`ReplicaSettings::sync_call_timeout_seconds`] as a duration.
    pub fn sync_call_timeout(&self) -> Duration {
        Duration::from_secs(self.sync_call_timeout_seconds)
    }

    /// [`ReplicaSettings::shutdown_grace_period_seconds`] as a duration.
    pub fn shutdown_grace_period(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace_period_seconds)
    }
}
