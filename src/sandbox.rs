//! `connector backbone` and `connector dev`: the development Backbone, alone or in-process
//! behind a sandbox Connector.
//!
//! `connector dev` keeps the dev Backbone's state in `<database.folder>/backbone`, beside the
//! Connector's, so that both survive a restart together.

use std::path::PathBuf;

use crate::cli::{BackboneArgs, CliError, StartArgs, dev_layers, generate_api_key};
use crate::config::{self, ConfigSources};
use crate::startup::{Application, RunOptions, StartupError};

/// `connector backbone`: the development Backbone alone, until Ctrl-C.
pub async fn run_backbone(args: BackboneArgs) -> Result<(), CliError> {
    let defaults = devbackbone::BackboneConfig::default();
    let config = devbackbone::BackboneConfig {
        port: args.port,
        data_dir: args.data_dir,
        client_id: args.client_id.unwrap_or(defaults.client_id.clone()),
        client_secret: args.client_secret.unwrap_or(defaults.client_secret.clone()),
        deletion_grace_period: args.deletion_grace_period_secs.map_or(
            defaults.deletion_grace_period,
            std::time::Duration::from_secs,
        ),
        ..defaults
    };
    let backbone = devbackbone::start(config)
        .await
        .map_err(|e| CliError::Backbone(e.to_string()))?;
    println!("development Backbone listening on {}", backbone.base_url());
    tokio::select! {
        result = tokio::signal::ctrl_c() => result?,
        result = backbone.wait() => return Ok(result?),
    }
    Ok(())
}

/// `connector dev`: an in-process dev Backbone and a sandbox Connector in front of it.
pub async fn run_dev(args: StartArgs) -> Result<(), CliError> {
    let sources = ConfigSources::from_process(args.config);
    let data_folder = sandbox_data_folder(&sources)?;
    let defaults = devbackbone::BackboneConfig::default();
    let backbone = devbackbone::start(devbackbone::BackboneConfig {
        data_dir: Some(data_folder.join("backbone")),
        deletion_grace_period: dev_deletion_grace_period()
            .unwrap_or(defaults.deletion_grace_period),
        ..defaults.clone()
    })
    .await
    .map_err(|e| CliError::Backbone(e.to_string()))?;
    let sandbox = SandboxBackbone {
        base_url: backbone.base_url(),
        client_id: defaults.client_id,
        client_secret: defaults.client_secret,
    };
    let dev = build_dev_connector(sources, &sandbox).await?;
    println!("{}", banner(&dev, &sandbox));
    let served = dev.app.run_until_stopped().await;
    backbone.stop().await;
    Ok(served?)
}

/// `connector dev` takes the in-process Backbone's deletion grace period from the same variable
/// as `connector backbone --deletion-grace-period-secs` (seconds; unset or invalid: 14 days).
fn dev_deletion_grace_period() -> Option<std::time::Duration> {
    std::env::var("BACKBONE_DELETION_GRACE_PERIOD_SECS")
        .ok()
        .and_then(|secs| secs.trim().parse().ok())
        .map(std::time::Duration::from_secs)
}

/// Where the sandbox Connector's Backbone is and how to log in.
#[derive(Debug, Clone)]
pub struct SandboxBackbone {
    /// Base URL, e.g. `http://127.0.0.1:40123`.
    pub base_url: String,
    /// OAuth client id.
    pub client_id: String,
    /// OAuth client secret.
    pub client_secret: String,
}

/// A sandbox Connector, built and listening, with the API key it generated.
pub struct DevConnector {
    /// The application (call `run_until_stopped`).
    pub app: Application,
    /// The generated API key (all permissions).
    pub api_key: String,
    /// Data directory of the embedded store.
    pub data_folder: PathBuf,
    /// Listen address.
    pub host: String,
}

/// Builds the sandbox Connector against `backbone`: configuration from the usual sources on top
/// of the sandbox defaults, plus a freshly generated API key.
pub async fn build_dev_connector(
    mut sources: ConfigSources,
    backbone: &SandboxBackbone,
) -> Result<DevConnector, CliError> {
    let api_key = generate_api_key();
    let (mode_defaults, overrides) = dev_layers(
        &backbone.base_url,
        &backbone.client_id,
        &backbone.client_secret,
        &api_key,
    );
    sources.mode_defaults = mode_defaults;
    sources.overrides = overrides;
    let loaded = config::load(&sources).map_err(StartupError::from)?;
    let data_folder = loaded.settings.database.folder.clone();
    let host = loaded.settings.infrastructure.http_server.host.clone();
    let app = Application::start(loaded, RunOptions::default()).await?;
    Ok(DevConnector {
        app,
        api_key,
        data_folder,
        host,
    })
}

/// The data folder the sandbox will use (the dev Backbone keeps its state beside the
/// Connector's, so both survive a restart together).
pub fn sandbox_data_folder(sources: &ConfigSources) -> Result<PathBuf, CliError> {
    let mut probe = sources.clone();
    let (mode_defaults, overrides) =
        dev_layers("http://127.0.0.1:1", "dev", "dev", &generate_api_key());
    probe.mode_defaults = mode_defaults;
    probe.overrides = overrides;
    Ok(config::load(&probe)
        .map_err(StartupError::from)?
        .settings
        .database
        .folder)
}

/// The banner `connector dev` prints.
pub fn banner(dev: &DevConnector, backbone: &SandboxBackbone) -> String {
    let host = &dev.host;
    format!(
        "enmeshed Connector sandbox\n  Connector: http://{host}:{port}\n  API key:   {key}   (send it as header X-API-KEY)\n  Backbone:  {backbone}\n  Data:      {data}\n",
        port = dev.app.port(),
        key = dev.api_key,
        backbone = backbone.base_url,
        data = dev.data_folder.display(),
    )
}
