//! `connector backbone` and `connector dev`: the development Backbone, alone or in-process
//! behind a sandbox Connector.
//!
//! `connector dev` keeps the dev Backbone's state in `<database.folder>/backbone`, beside the
//! Connector's, so that both survive a restart together.

use std::path::PathBuf;

use crate::cli::{BackboneArgs, CliError, dev_layers, generate_api_key};
use crate::config::{self, ConfigSources};
use crate::sandbox_state::{DevArgs, SandboxState, ensure_port_free, resolve};
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
    // SIGTERM as well as SIGINT: in a container the Backbone is PID 1 and is stopped with SIGTERM.
    tokio::select! {
        _ = crate::shutdown::signal() => {}
        result = backbone.wait() => return Ok(result?),
    }
    Ok(())
}

/// `connector dev`: an in-process dev Backbone and a sandbox Connector in front of it. The
/// Backbone's port and the API key are kept in the data folder; both ports are checked before
/// anything is written there.
pub async fn run_dev(args: DevArgs) -> Result<(), CliError> {
    let sources = ConfigSources::from_process(args.start.config.clone());
    let probe = sandbox_settings(&sources)?;
    let data_folder = probe.database.folder.clone();
    let recorded = SandboxState::read(&data_folder)?;
    let port_from_record = recorded.is_some() && args.backbone_port.is_none();
    let resolved = resolve(recorded, &args);
    let http = &probe.infrastructure.http_server;
    ensure_port_free(
        &http.host,
        http.port,
        "the Connector",
        "choose another with infrastructure__httpServer__port=<PORT> in the environment or infrastructure.httpServer.port in config.json",
    )?;
    let recorded = if port_from_record {
        ", recorded in the data folder: is another `connector dev` running on it?"
    } else {
        ""
    };
    ensure_port_free(
        "127.0.0.1",
        resolved.state.backbone_port,
        &format!("the development Backbone{recorded}"),
        "choose another with --backbone-port <PORT> (or BACKBONE_PORT); references handed out before then name the old port",
    )?;
    let defaults = devbackbone::BackboneConfig::default();
    let backbone = devbackbone::start(devbackbone::BackboneConfig {
        port: resolved.state.backbone_port,
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
    resolved.state.write(&data_folder)?;
    let dev = build_dev_connector_with_key(sources, &sandbox, resolved.state.api_key).await?;
    println!("{}", banner(&dev, &sandbox));
    if let Some(old) = resolved.moved_from_port {
        println!(
            "  Note: the Backbone moved from port {old}; references handed out before name port {old} and no longer resolve.\n"
        );
    }
    let key_origin = if resolved.new_api_key {
        "was generated now"
    } else {
        "is the one of the last start"
    };
    println!(
        "  The API key {key_origin}; it is kept in {}, `connector dev --rotate-api-key` replaces it.\n",
        data_folder.join(crate::sandbox_state::STATE_FILE).display()
    );
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
    sources: ConfigSources,
    backbone: &SandboxBackbone,
) -> Result<DevConnector, CliError> {
    build_dev_connector_with_key(sources, backbone, generate_api_key()).await
}

/// [`build_dev_connector`] with a given API key (the one kept in the data folder).
pub async fn build_dev_connector_with_key(
    mut sources: ConfigSources,
    backbone: &SandboxBackbone,
    api_key: String,
) -> Result<DevConnector, CliError> {
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
    Ok(sandbox_settings(sources)?.database.folder)
}

/// The sandbox's settings before the Backbone exists (for its data folder and listen address).
fn sandbox_settings(sources: &ConfigSources) -> Result<config::Settings, CliError> {
    let mut probe = sources.clone();
    let (mode_defaults, overrides) =
        dev_layers("http://127.0.0.1:1", "dev", "dev", &generate_api_key());
    probe.mode_defaults = mode_defaults;
    probe.overrides = overrides;
    Ok(config::load(&probe).map_err(StartupError::from)?.settings)
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
