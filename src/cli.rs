//! The command line: `connector start`, `connector backbone`, `connector dev`, and the identity
//! commands (`identity status`, `identityDeletion init|cancel`, `connector-operations.md` §4),
//! which run the transport without the HTTP server and without logs.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use serde_json::{Value, json};

use connector_store::StoreError;

use crate::config::{self, ConfigSources, check_api_key_policy};
use crate::control::{CommandFailure, IdentityCommand as ControlCommand};
use crate::startup::{Application, RunOptions, StartupError};

/// The enmeshed Connector.
#[derive(Debug, Parser)]
#[command(
    name = "connector",
    version,
    about = "enmeshed Connector: REST API for one organization identity"
)]
pub struct Cli {
    /// What to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the Connector with configuration from defaults, the config file
    /// (--config, else CUSTOM_CONFIG_LOCATION, else ./config.json) and the environment.
    Start(StartArgs),
    /// Run the development Backbone on its own.
    Backbone(BackboneArgs),
    /// One-command sandbox: an in-process dev Backbone (127.0.0.1:8090 unless --backbone-port), the
    /// embedded store in ./data, an API key generated once and kept there (printed at each start),
    /// HTTP on 127.0.0.1:8080 unless configured otherwise.
    Dev(crate::sandbox_state::DevArgs),
    /// Identity related commands.
    Identity(IdentityArgs),
    /// Identity deletion related commands.
    #[command(name = "identityDeletion")]
    IdentityDeletion(IdentityDeletionArgs),
}

impl Command {
    /// Whether the command writes logs (the identity commands print only their result).
    pub fn logs(&self) -> bool {
        !matches!(self, Self::Identity(_) | Self::IdentityDeletion(_))
    }
}

/// `identity <command>`.
#[derive(Debug, Args)]
pub struct IdentityArgs {
    #[command(subcommand)]
    pub command: Option<IdentityCommand>,
}

/// Sub-commands of `identity`.
#[derive(Debug, Subcommand)]
pub enum IdentityCommand {
    /// Show the identity's address and its deletion status.
    Status(StartArgs),
}

/// `identityDeletion <command>`.
#[derive(Debug, Args)]
pub struct IdentityDeletionArgs {
    #[command(subcommand)]
    pub command: Option<IdentityDeletionCommand>,
}

/// Sub-commands of `identityDeletion`.
#[derive(Debug, Subcommand)]
pub enum IdentityDeletionCommand {
    /// Start the deletion of the identity (the Backbone's default grace period).
    Init(StartArgs),
    /// Cancel the identity's active deletion.
    Cancel(StartArgs),
}

/// Options of `start` and `dev`.
#[derive(Debug, Args)]
pub struct StartArgs {
    /// Config file; overrides CUSTOM_CONFIG_LOCATION.
    #[arg(short = 'c', long = "config")]
    pub config: Option<PathBuf>,
}

/// Options of `backbone`.
#[derive(Debug, Args)]
pub struct BackboneArgs {
    /// Port to listen on (127.0.0.1).
    #[arg(long, env = "BACKBONE_PORT")]
    pub port: u16,
    /// Directory for the Backbone's state (in memory when absent).
    #[arg(long, env = "BACKBONE_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// OAuth client id Connectors must present.
    #[arg(long, env = "BACKBONE_CLIENT_ID")]
    pub client_id: Option<String>,
    /// OAuth client secret Connectors must present.
    #[arg(long, env = "BACKBONE_CLIENT_SECRET", hide_env_values = true)]
    pub client_secret: Option<String>,
    /// Grace period in seconds of a deletion process started without a length; when it is
    /// over, the identity is deleted and its peers get `PeerDeleted` (default: 14 days).
    #[arg(long, env = "BACKBONE_DELETION_GRACE_PERIOD_SECS")]
    pub deletion_grace_period_secs: Option<u64>,
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The Connector could not start.
    #[error(transparent)]
    Startup(#[from] StartupError),
    /// The server stopped with an I/O error.
    #[error("The HTTP server failed: {0}")]
    Serve(#[from] std::io::Error),
    /// The dev Backbone failed.
    #[error("The development Backbone failed: {0}")]
    Backbone(String),
    /// An identity command failed for a reason other than a runtime rule.
    #[error("The command failed: {0}")]
    Command(String),
    /// `connector dev` cannot use its data folder or ports.
    #[error("connector dev: {0}")]
    Sandbox(String),
    /// A command was given without its sub-command.
    #[error("Please specify a command")]
    MissingCommand,
    /// The command was refused for a reason the user can act on (a runtime error code).
    #[error("This command failed with the code '{code}' and the message '{message}'.")]
    Application {
        /// e.g. `error.runtime.identityDeletionProcess.noActiveIdentityDeletionProcess`.
        code: String,
        /// The error's message.
        message: String,
    },
}

impl From<connector_transport::TransportError> for CliError {
    fn from(error: connector_transport::TransportError) -> Self {
        match error {
            connector_transport::TransportError::Rule { code, message } => {
                Self::Application { code, message }
            }
            other => Self::Startup(StartupError::Transport(other)),
        }
    }
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Start(args) => start(args).await,
        Command::Backbone(args) => crate::sandbox::run_backbone(args).await,
        Command::Dev(args) => crate::sandbox::run_dev(args).await,
        Command::Identity(IdentityArgs { command }) => match command {
            Some(IdentityCommand::Status(args)) => {
                identity_command(args, ControlCommand::IdentityStatus).await
            }
            None => Err(CliError::MissingCommand),
        },
        Command::IdentityDeletion(IdentityDeletionArgs { command }) => match command {
            Some(IdentityDeletionCommand::Init(args)) => {
                identity_command(args, ControlCommand::IdentityDeletionInit).await
            }
            Some(IdentityDeletionCommand::Cancel(args)) => {
                identity_command(args, ControlCommand::IdentityDeletionCancel).await
            }
            None => Err(CliError::MissingCommand),
        },
    }
}

/// Runs an identity command and prints its result: on the identity's transport opened here, or,
/// when a running Connector holds the embedded database, by that Connector (`control`).
async fn identity_command(args: StartArgs, command: ControlCommand) -> Result<(), CliError> {
    // As in the real Connector: no HTTP server, so its settings are not checked.
    let loaded = config::load_without_http_server(&ConfigSources::from_process(args.config))
        .map_err(StartupError::from)?;
    let output = match crate::startup::open_store(&loaded).await {
        Ok(store) => {
            let runtime = CliRuntime::open(&loaded, store).await?;
            let result = crate::control::execute(&runtime.transport, command).await;
            runtime.finish().await;
            result
        }
        Err(StartupError::Store(StoreError::AlreadyInUse(database))) => {
            let socket = crate::control::socket_path(std::path::Path::new(&database));
            crate::control::ask(&socket, command).await.map_err(|e| {
                CliError::Command(format!(
                    "the database '{database}' is used by another process, and no running Connector answers on '{}': {e}",
                    socket.display()
                ))
            })?
        }
        Err(other) => return Err(other.into()),
    };
    match output {
        Ok(text) => {
            println!("{text}");
            Ok(())
        }
        Err(CommandFailure {
            code: Some(code),
            message,
        }) => Err(CliError::Application { code, message }),
        Err(CommandFailure {
            code: None,
            message,
        }) => Err(CliError::Command(message)),
    }
}

/// The identity's transport, as `start` would open it but without HTTP server or actors, and the
/// message brokers (as in the real Connector, whose CLI loads the modules), so a deletion started
/// or cancelled here reaches them too.
struct CliRuntime {
    transport: connector_transport::Transport,
    brokers: Option<crate::modules::brokers::Publisher>,
}

impl CliRuntime {
    async fn open(
        loaded: &config::LoadedConfig,
        store: std::sync::Arc<dyn connector_store::Store>,
    ) -> Result<Self, CliError> {
        let transport_config = connector_transport::TransportConfig {
            leases: crate::startup::open_leases(loaded).await?,
            ..crate::startup::transport_config(loaded)
        };
        let transport = connector_transport::Transport::open(transport_config, store).await?;
        let brokers = crate::modules::brokers::start(&loaded.settings, transport.events())
            .await
            .map_err(StartupError::Unsupported)?;
        Ok(Self { transport, brokers })
    }

    /// Closes the transport and lets the brokers publish what is queued (at most 5 s).
    async fn finish(self) {
        drop(self.transport);
        if let Some(brokers) = self.brokers {
            brokers.finish(std::time::Duration::from_secs(5)).await;
        }
    }
}

/// `Identity Address: …`, and for an active deletion its status and the end of its grace period.
pub fn identity_status_text(
    address: &str,
    deletion: Option<&backbone_client::dto::DeletionProcess>,
) -> String {
    let mut text = format!("Identity Address: {address}");
    if let Some(process) = deletion {
        text.push_str(&format!(
            "\nIdentity deletion status: {}",
            process.status.as_str()
        ));
        if let Some(date) = process.grace_period_ends_at.as_deref().and_then(short_date) {
            text.push_str(&format!("\nEnd of grace period: {date}"));
        }
    }
    text
}

/// A date as luxon's default `toLocaleString()` in the `en-US` locale: `M/D/YYYY` (UTC).
fn short_date(iso: &str) -> Option<String> {
    let date = nmshd_wire::CoreDate::parse(iso).ok()?.as_offset_date_time();
    Some(format!(
        "{}/{}/{}",
        u8::from(date.month()),
        date.day(),
        date.year()
    ))
}

async fn start(args: StartArgs) -> Result<(), CliError> {
    let loaded =
        config::load(&ConfigSources::from_process(args.config)).map_err(StartupError::from)?;
    let app = Application::start(loaded, RunOptions::default()).await?;
    app.run_until_stopped().await?;
    Ok(())
}

/// Characters of generated keys and secrets.
const KEY_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

/// A random string of `len` characters from an unambiguous alphabet.
pub fn random_token(len: usize) -> String {
    (0..len)
        .map(|_| char::from(KEY_ALPHABET[rand::random_range(0..KEY_ALPHABET.len())]))
        .collect()
}

/// A fresh API key that meets the real Connector's key policy.
pub fn generate_api_key() -> String {
    loop {
        let key = format!("dev_{}", random_token(40));
        let mut keys = std::collections::BTreeMap::new();
        keys.insert(
            "dev".to_owned(),
            config::ApiKeyEntry {
                key: key.as_str().into(),
                enabled: None,
                description: None,
                expires_at: None,
                scopes: None,
            },
        );
        if check_api_key_policy(&keys, time::OffsetDateTime::now_utc()).is_ok() {
            return key;
        }
    }
}

/// The sandbox's configuration layers: defaults the config file and environment may override
/// (listen address, store, the generated key as one more key) and overrides they may not (the
/// in-process Backbone and its credentials).
pub fn dev_layers(
    backbone_base_url: &str,
    client_id: &str,
    client_secret: &str,
    api_key: &str,
) -> (Value, Value) {
    let mode_defaults = json!({
        "database": { "driver": "embedded", "folder": "./data" },
        "infrastructure": { "httpServer": { "host": "127.0.0.1", "port": 8080 } },
    });
    let overrides = json!({
        "transportLibrary": {
            "baseUrl": backbone_base_url,
            "platformClientId": client_id,
            "platformClientSecret": client_secret,
        },
        "infrastructure": { "httpServer": { "authentication": { "apiKey": { "keys": {
            "dev": { "key": api_key, "description": "generated by connector dev" }
        }}}}},
    });
    (mode_defaults, overrides)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_status_lines() {
        let address = "did:e:localhost:dids:0123456789abcdef012345";
        assert_eq!(
            identity_status_text(address, None),
            format!("Identity Address: {address}")
        );
        let process: backbone_client::dto::DeletionProcess = serde_json::from_value(json!({
            "id": "IDPx1Y2z3A4b5C6d7E8f", "status": "Active",
            "createdAt": "2025-03-01T10:00:00.000Z", "createdByDevice": null,
            "approvedAt": null, "approvedByDevice": null,
            "gracePeriodEndsAt": "2025-03-15T10:00:00.000Z",
            "gracePeriodReminder1SentAt": null, "gracePeriodReminder2SentAt": null,
            "gracePeriodReminder3SentAt": null
        }))
        .unwrap();
        assert_eq!(
            identity_status_text(address, Some(&process)),
            format!(
                "Identity Address: {address}\nIdentity deletion status: Active\nEnd of grace period: 3/15/2025"
            )
        );
    }

    #[test]
    fn generated_keys_meet_the_policy() {
        for _ in 0..20 {
            let key = generate_api_key();
            assert!(key.len() >= 30);
        }
    }

    #[test]
    fn dev_layers_keep_the_backbone_but_let_the_port_be_configured() {
        let (mode, overrides) = dev_layers("http://127.0.0.1:1234", "id", "secret", "k");
        let sources = ConfigSources {
            env: vec![("infrastructure__httpServer__port".into(), "9999".into())],
            mode_defaults: mode,
            overrides,
            base_dir: Some(std::env::temp_dir().join("connector-no-such-dir")),
            ..ConfigSources::default()
        };
        let merged = crate::config::load(&sources);
        let err = merged
            .expect_err("weak generated key 'k' is refused by the policy")
            .to_string();
        assert!(err.contains("apiKey.keys"), "{err}");
    }
}
