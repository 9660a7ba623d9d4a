//! Health checks behind `/health` (`connector-api.md` §8.1): the store answers, the Backbone's
//! `/health` answers 2xx, and the Backbone accepts this Connector's credentials.

use std::sync::Arc;
use std::time::{Duration, Instant};

use connector_store::Store;
use serde_json::{Value, json};

/// Checks the Backbone login; provided by the transport layer once it exists.
#[async_trait::async_trait]
pub trait BackboneAuthProbe: Send + Sync + std::fmt::Debug {
    /// True when a Backbone token can be obtained with the device credentials.
    async fn can_authenticate(&self) -> bool;
}

/// Probes Backbone authentication with the identity's device credentials.
#[derive(Debug)]
pub struct TransportAuthProbe(pub connector_transport::Transport);

#[async_trait::async_trait]
impl BackboneAuthProbe for TransportAuthProbe {
    async fn can_authenticate(&self) -> bool {
        self.0.backbone().login().await.is_ok()
    }
}

/// Outcome of one health evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HealthReport {
    /// Store answered.
    pub database: bool,
    /// Backbone `/health` answered 2xx.
    pub backbone_connection: bool,
    /// Backbone login works.
    pub backbone_authentication: bool,
}

impl HealthReport {
    /// All services healthy.
    pub fn is_healthy(&self) -> bool {
        self.database && self.backbone_connection && self.backbone_authentication
    }

    /// The real body: `{isHealthy, services: {database, backboneConnection, backboneAuthentication}}`.
    pub fn to_json(&self) -> Value {
        let word = |ok: bool| if ok { "healthy" } else { "unhealthy" };
        json!({
            "isHealthy": self.is_healthy(),
            "services": {
                "database": word(self.database),
                "backboneConnection": word(self.backbone_connection),
                "backboneAuthentication": word(self.backbone_authentication),
            }
        })
    }
}

/// How long one evaluation answers later probes; keeps `/health` cheap under frequent probing.
const FRESHNESS: Duration = Duration::from_secs(1);

/// Runs the checks. Concurrent calls share one evaluation, and a result is reused for
/// [`FRESHNESS`] (the original opened a database connection per probe).
#[derive(Debug, Clone)]
pub struct HealthChecker {
    store: Arc<dyn Store>,
    backbone_health_url: String,
    client: reqwest::Client,
    auth_probe: Option<Arc<dyn BackboneAuthProbe>>,
    last: Arc<tokio::sync::Mutex<Option<(Instant, HealthReport)>>>,
}

impl HealthChecker {
    /// A checker for `store` and the Backbone at `backbone_base_url`. Without an auth probe
    /// (no transport layer yet) the Backbone login is reported unhealthy: it cannot be shown to work.
    pub fn new(
        store: Arc<dyn Store>,
        backbone_base_url: &str,
        auth_probe: Option<Arc<dyn BackboneAuthProbe>>,
    ) -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Self {
            store,
            backbone_health_url: format!("{}/health", backbone_base_url.trim_end_matches('/')),
            client,
            auth_probe,
            last: Arc::new(tokio::sync::Mutex::new(None)),
        }
    }

    /// The current health: a fresh evaluation, or the one just made by a concurrent caller.
    pub async fn check(&self) -> HealthReport {
        // Holding the lock across the evaluation makes concurrent probes wait for one result.
        let mut last = self.last.lock().await;
        if let Some((at, report)) = *last
            && at.elapsed() < FRESHNESS
        {
            return report;
        }
        let report = self.evaluate().await;
        *last = Some((Instant::now(), report));
        report
    }

    async fn evaluate(&self) -> HealthReport {
        let database = self.store.check_health().await.is_ok();
        let backbone_connection = match self.client.get(&self.backbone_health_url).send().await {
            Ok(response) => response.status().is_success(),
            Err(error) => {
                tracing::debug!(%error, url = %self.backbone_health_url, "backbone health check failed");
                false
            }
        };
        let backbone_authentication = match &self.auth_probe {
            Some(probe) => probe.can_authenticate().await,
            None => false,
        };
        HealthReport {
            database,
            backbone_connection,
            backbone_authentication,
        }
    }
}
