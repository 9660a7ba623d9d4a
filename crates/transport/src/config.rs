//! Where the Backbone is and how the Connector logs in (`transportLibrary` in the config).

use std::sync::Arc;
use std::time::Duration;

use backbone_client::ClientConfig;
use connector_lease::LeaseManager;

/// Settings of the transport layer.
#[derive(Debug, Clone)]
pub struct TransportConfig {
    /// Backbone base URL, e.g. `http://localhost:8090`.
    pub base_url: String,
    /// OAuth client id (`platformClientId`).
    pub client_id: String,
    /// OAuth client secret (`platformClientSecret`).
    pub client_secret: String,
    /// Overrides the hostname used for address derivation (`addressGenerationHostnameOverride`).
    pub address_hostname_override: Option<String>,
    /// Timeout of one Backbone call.
    pub timeout: Duration,
    /// Leases shared by the replicas of this identity (Redis); `None` for a single replica.
    /// With them, onboarding happens exactly once even on the Backbone.
    pub leases: Option<Arc<dyn LeaseManager>>,
    /// Lease time-to-lives and waits (`infrastructure.replicas.leases`).
    pub lease_timings: LeaseTimings,
    /// The event outbox (`infrastructure.events`).
    pub outbox: crate::outbox::OutboxSettings,
    /// How many transmit counters of a relationship a process reserves at once
    /// (`infrastructure.replicas.sendCounterBlock`, 64): one compare-and-set on the relationship
    /// per block instead of per send. Counters of a block left unused (a crash, a stop) are
    /// skipped, never reused. 1 reserves per send.
    pub send_counter_block: u32,
    /// Cancelled at shutdown: syncs and the outbox's workers stop at their next safe point and
    /// release their leases ([`crate::Transport::stop`]).
    pub shutdown: tokio_util::sync::CancellationToken,
}

/// The default of [`TransportConfig::send_counter_block`].
pub const DEFAULT_SEND_COUNTER_BLOCK: u32 = 64;

/// How long leases live and how long a replica waits for another one's lease. A lease is
/// renewed every third of its time-to-live while its work runs, so a short TTL only bounds how
/// long a dead replica's work stays blocked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeaseTimings {
    /// The sync lease (10 s): another replica takes over this long after a syncing one died.
    pub sync_ttl: Duration,
    /// How long a sync waits for another replica's sync (130 s); after that it leaves the
    /// work to that replica (debug log) instead of failing.
    pub sync_wait: Duration,
    /// The onboarding lease (120 s): the first start creates the identity under it.
    pub onboarding_ttl: Duration,
    /// How long a starting replica waits for another one's onboarding (300 s).
    pub onboarding_wait: Duration,
    /// The lease on deciding one incoming request (30 s).
    pub decide_ttl: Duration,
    /// The claim on sending one outgoing request (180 s, beyond the 120 s a route waits for the
    /// messaging actor, which may still send after that): a sender that died is taken over this
    /// long after its claim.
    pub request_send_ttl: Duration,
}

impl Default for LeaseTimings {
    fn default() -> Self {
        Self {
            sync_ttl: Duration::from_secs(10),
            sync_wait: Duration::from_secs(130),
            onboarding_ttl: Duration::from_secs(120),
            onboarding_wait: Duration::from_secs(300),
            decide_ttl: Duration::from_secs(30),
            request_send_ttl: Duration::from_secs(180),
        }
    }
}

impl TransportConfig {
    pub fn new(base_url: &str, client_id: &str, client_secret: &str) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            address_hostname_override: None,
            timeout: Duration::from_secs(60),
            leases: None,
            lease_timings: LeaseTimings::default(),
            outbox: crate::outbox::OutboxSettings::default(),
            send_counter_block: DEFAULT_SEND_COUNTER_BLOCK,
            shutdown: tokio_util::sync::CancellationToken::new(),
        }
    }

    /// The DID domain of addresses: the override, else the hostname of the base URL (no port).
    pub fn address_hostname(&self) -> String {
        if let Some(hostname) = &self.address_hostname_override {
            return hostname.clone();
        }
        let rest = self
            .base_url
            .split_once("://")
            .map_or(self.base_url.as_str(), |(_, rest)| rest);
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let host = authority
            .rsplit_once('@')
            .map_or(authority, |(_, host)| host);
        let host = match host.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or_default(),
            None => host.split(':').next().unwrap_or_default(),
        };
        host.to_ascii_lowercase()
    }

    pub(crate) fn client_config(&self) -> ClientConfig {
        ClientConfig {
            timeout: self.timeout,
            ..ClientConfig::new(&self.base_url, &self.client_id, &self.client_secret)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostname_comes_from_the_base_url_without_port() {
        let config = TransportConfig::new("http://Localhost:8090/", "id", "secret");
        assert_eq!(config.address_hostname(), "localhost");
        let config = TransportConfig::new("https://user@backbone.example.org/api", "id", "secret");
        assert_eq!(config.address_hostname(), "backbone.example.org");
    }
}
