//! State shared by all handlers.

use std::sync::Arc;

use connector_store::Store;
use serde_json::{Value, json};

use crate::config::LoadedConfig;
use crate::health::HealthChecker;

/// Build information for `/Monitoring/Version`, set by `build.rs`: the git commit and build date
/// (`CONNECTOR_COMMIT`, `CONNECTOR_BUILD_DATE` and the build number `CONNECTOR_BUILD` may be given
/// in the build's environment; what is not known, e.g. the commit of a build without `.git`, is
/// `"unknown"`).
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
            build: env!("CONNECTOR_BUILD"),
            date: env!("CONNECTOR_BUILD_DATE"),
            commit: env!("CONNECTOR_COMMIT"),
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
    /// The supervised actors over the transport (started with it); routes call them with a
    /// timeout ([`AppState::actor_call_timeout`], [`AppState::sync_call_timeout`]).
    pub actors: Option<connector_actors::Actors>,
}

impl AppState {
    /// Longest wait of a route for a messaging, file or identity actor
    /// (`infrastructure.replicas.actorCallTimeoutSeconds`).
    pub fn actor_call_timeout(&self) -> std::time::Duration {
        self.config
            .settings
            .infrastructure
            .replicas
            .actor_call_timeout()
    }

    /// Longest wait of `POST /Account/Sync` for the sync actor (a sync may apply many events;
    /// `infrastructure.replicas.syncCallTimeoutSeconds`).
    pub fn sync_call_timeout(&self) -> std::time::Duration {
        self.config
            .settings
            .infrastructure
            .replicas
            .sync_call_timeout()
    }

    /// Sends a message through the messaging actor (directly without actors).
    pub async fn send_message(
        &self,
        message: connector_transport::messages::NewMessage,
    ) -> Result<connector_transport::messages::MessageRecord, crate::error::ConnectorError> {
        match &self.actors {
            Some(actors) => Ok(connector_actors::call(
                &actors.messaging,
                connector_actors::areas::SendMessage::new(message),
                self.actor_call_timeout(),
            )
            .await?),
            None => Ok(self.transport()?.send_message(message).await?),
        }
    }

    /// Uploads an own file through the file actor (directly without actors).
    pub async fn upload_own_file(
        &self,
        file: connector_transport::files::NewFile,
    ) -> Result<connector_transport::files::FileRecord, crate::error::ConnectorError> {
        match &self.actors {
            Some(actors) => Ok(connector_actors::call(
                &actors.files,
                connector_actors::areas::UploadFile::new(file),
                self.actor_call_timeout(),
            )
            .await?),
            None => Ok(self.transport()?.upload_own_file(file).await?),
        }
    }

    /// A full sync through the sync actor (coalesced with runs in flight; directly without
    /// actors).
    pub async fn sync_now(
        &self,
    ) -> Result<connector_transport::sync::SyncSummary, crate::error::ConnectorError> {
        match &self.actors {
            Some(actors) => Ok(connector_actors::call(
                &actors.sync,
                connector_actors::sync::SyncNow::new(),
                self.sync_call_timeout(),
            )
            .await?),
            None => Ok(self.transport()?.sync_everything().await?),
        }
    }

    /// The transport layer, or the error business routes answer without one.
    pub fn transport(
        &self,
    ) -> Result<&connector_transport::Transport, crate::error::ConnectorError> {
        self.transport.as_ref().ok_or_else(|| {
            crate::error::ConnectorError::application(
                crate::error_codes::ErrorCode::ConnectorTransportUnavailable,
                "This Connector was started without a connection to a Backbone.",
            )
        })
    }
}
