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
