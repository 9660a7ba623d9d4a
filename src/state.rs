//! State shared by all handlers.

use std::sync::Arc;

use connector_store::Store;
use serde_json::{Value, json};

use crate::config::LoadedConfig;
use crate::health::HealthChecker;

/// Build information for `/Monitoring/Version`. Values come from the environment at compile time
/// (`CONNECTOR_BUILD`, `CONNECTOR_COMMIT`, `CONNECTOR_BUILD_DATE`); unreplaced builds report the
/// placeholders literally, as the real Connector's unreplaced builds do.
#[derive(Debug, Clone)]
pub struct VersionInfo {
    /// Package version.
    pub version: &'static str,
    /// Build number.
    pub build: &'static str,
    /// Build date.
    pub date: &'static str,
    /// Commit hash.
    pub commit: &'static str,
}

impl Default for VersionInfo {
    fn default() -> Self {
        Self {
            version: env!("CARGO_PKG_VERSION"),
            build: option_env!("CONNECTOR_BUILD").unwrap_or("{{build}}"),
            date: option_env!("CONNECTOR_BUILD_DATE").unwrap_or("{{date}}"),
            commit: option_env!("CONNECTOR_COMMIT").unwrap_or("{{commit}}"),
        }
    }
}

impl VersionInfo {
    /// The `/Monitoring/Version` body.
    pub fn to_json(&self) -> Value {
        json!({
            "version": self.version,
            "build": self.build,
            "date": self.date,
            "commit": self.commit,
            "runtimeVersion": self.version,
            "modules": {},
        })
    }
}

/// Everything handlers share.
#[derive(Debug)]
pub struct AppState {
    /// The loaded configuration.
    pub config: LoadedConfig,
    /// The document store.
    pub store: Arc<dyn Store>,
    /// Health checks.
    pub health: HealthChecker,
    /// Build information.
    pub version: VersionInfo,
    /// The identity's transport layer; `None` only when built without a Backbone (tests of the
    /// HTTP edge), where business routes answer with a clear error.
    pub transport: Option<connector_transport::Transport>,
}

impl AppState {
    /// The transport layer, or the error business routes answer without one.
    pub fn transport(
        &self,
    ) -> Result<&connector_transport::Transport, crate::error::ConnectorError> {
        self.transport.as_ref().ok_or_else(|| {
            crate::error::ConnectorError::application(
                "error.connector.transportUnavailable",
                "This Connector was started without a connection to a Backbone.",
            )
        })
    }
}
