//! Configuration in the real Connector's shape (`connector-operations.md` §1): one JSON tree from
//! defaults, a config file, the environment and overrides ([`sources`]), deserialised into
//! [`Settings`] and validated at startup with one readable error naming the key.

mod events;
mod replicas;
mod required;
mod settings;
mod sources;
mod validate;

use serde_json::Value;

pub use events::EventSettings;
pub use replicas::{LeaseSettings, ReplicaSettings};
pub use settings::{
    ApiKeyEntry, ApiKeySettings, AuthenticationSettings, DatabaseDriver, DatabaseSettings,
    HttpServerSettings, InfrastructureSettings, RedisSettings, Settings, TransportSettings,
};
pub use sources::{
    CUSTOM_CONFIG_LOCATION, ConfigSources, DEFAULT_CONFIG_FILE, deep_merge, defaults,
};
pub use validate::{check_api_key_policy, is_enabled};

/// Why the configuration cannot be used. Each message names the key or file at fault.
/// `load` reports every problem it finds in one run ([`ConfigError::Several`]).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file exists but cannot be read or parsed.
    #[error("The configuration file '{path}' cannot be used: {message}")]
    File {
        /// Path of the file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A key has a wrong type, is missing or violates a rule.
    #[error(
        "The configuration is not valid: '{key}': {message} (sources: built-in defaults, config file, environment variables)"
    )]
    Invalid {
        /// Dotted key path, e.g. `infrastructure.httpServer.port`.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// More than one problem, each naming its key.
    #[error(
        "The configuration is not valid ({} problems; sources: built-in defaults, config file, environment variables):{}",
        .0.len(),
        .0.iter().map(|e| format!("\n  - {}", e.short())).collect::<String>()
    )]
    Several(Vec<ConfigError>),
}

impl ConfigError {
    /// The problem without the common prefix, for a list of several.
    fn short(&self) -> String {
        match self {
            Self::Invalid { key, message } => format!("'{key}': {message}"),
            other => other.to_string(),
        }
    }

    pub(crate) fn invalid(key: &str, message: impl Into<String>) -> Self {
        Self::Invalid {
            key: key.to_owned(),
            message: message.into(),
        }
    }
}

/// The loaded configuration: typed settings plus the merged JSON tree (for `/Monitoring/Support`).
#[derive(Clone)]
pub struct LoadedConfig {
    /// Typed, validated settings.
    pub settings: Settings,
    /// The effective configuration as merged JSON (contains secrets; use [`redacted`]).
    effective: Value,
}

/// `Debug` shows the typed settings (secrets redacted) and never the raw merged tree.
impl std::fmt::Debug for LoadedConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedConfig")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl LoadedConfig {
    /// The effective configuration with the real Connector's redactions applied.
    pub fn redacted(&self) -> Value {
        redacted(&self.effective, &self.settings)
    }
}

/// Loads, merges, deserialises and validates the configuration. Every problem found is reported
/// at once: missing required keys, then the first type error (deserialisation stops there) or else
/// every rule the settings break.
pub fn load(sources: &ConfigSources) -> Result<LoadedConfig, ConfigError> {
    load_adjusted(sources, |_| {})
}

/// Loads the configuration for a command without the HTTP server (the identity commands):
/// `infrastructure.httpServer` is replaced by a disabled server, so its settings are neither
/// read nor checked, as by the real Connector's CLI.
pub fn load_without_http_server(sources: &ConfigSources) -> Result<LoadedConfig, ConfigError> {
    load_adjusted(sources, |effective| {
        if let Some(infrastructure) = effective
            .get_mut("infrastructure")
            .and_then(Value::as_object_mut)
        {
            infrastructure.insert(
                "httpServer".into(),
                serde_json::json!({ "enabled": false, "authentication": { "apiKey": {} } }),
            );
        }
    })
}

fn load_adjusted(
    sources: &ConfigSources,
    adjust: impl FnOnce(&mut Value),
) -> Result<LoadedConfig, ConfigError> {
    let mut effective = sources::merge_sources(sources)?;
    adjust(&mut effective);
    disable_sync_when_sse_is_enabled(&mut effective);
    let mut checked = effective.clone();
    let mut problems = required::take_missing(&mut checked);
    match parse(&checked) {
        Err(error) => problems.push(error),
        Ok(settings) => {
            problems.extend(validate::validate(&settings));
            if problems.is_empty() {
                return Ok(LoadedConfig {
                    settings,
                    effective,
                });
            }
        }
    }
    Err(if problems.len() == 1 {
        problems.remove(0)
    } else {
        ConfigError::Several(problems)
    })
}

/// Exactly one ingestion path: with both modules on, the real Connector warns and turns sync off.
fn disable_sync_when_sse_is_enabled(effective: &mut Value) {
    let on = |v: &Value, name: &str| {
        v.pointer(&format!("/modules/{name}/enabled")) == Some(&Value::Bool(true))
    };
    if on(effective, "sync") && on(effective, "sse") {
        tracing::warn!(
            "The SSE and Sync modules cannot be enabled at the same time, the Sync module will be disabled."
        );
        if let Some(enabled) = effective.pointer_mut("/modules/sync/enabled") {
            *enabled = Value::Bool(false);
        }
    }
}

fn parse(effective: &Value) -> Result<Settings, ConfigError> {
    let mut track = serde_path_to_error::Track::new();
    let deserializer = serde_path_to_error::Deserializer::new(effective, &mut track);
    serde::Deserialize::deserialize(deserializer).map_err(|e: serde_json::Error| {
        let path = track.path().to_string();
        let message = e.to_string();
        // serde reports a missing key at its parent; name the key itself.
        let missing = message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next());
        let key = match (path.as_str(), missing) {
            (".", Some(field)) => field.to_owned(),
            (".", None) => "(root)".to_owned(),
            (parent, Some(field)) => format!("{parent}.{field}"),
            (parent, None) => parent.to_owned(),
        };
        ConfigError::invalid(&key, message)
    })
}

/// Redactions as in the real `/Monitoring/Support`: the connection string and platform client
/// secret become `***`, each authentication mechanism becomes `redacted (enabled|disabled)`.
/// The Redis URL may carry a password, so it is redacted too.
fn redacted(effective: &Value, settings: &Settings) -> Value {
    let mut out = effective.clone();
    if let Some(db) = out.get_mut("database").and_then(Value::as_object_mut)
        && db.contains_key("connectionString")
    {
        db.insert("connectionString".into(), Value::from("***"));
    }
    if let Some(tl) = out
        .get_mut("transportLibrary")
        .and_then(Value::as_object_mut)
        && tl.contains_key("platformClientSecret")
    {
        tl.insert("platformClientSecret".into(), Value::from("***"));
    }
    let auth = &settings.infrastructure.http_server.authentication;
    let flags = [
        ("apiKey", auth.api_key.is_enabled()),
        ("oidc", is_enabled(&auth.oidc)),
        ("jwtBearer", is_enabled(&auth.jwt_bearer)),
    ];
    if let Some(map) = out
        .pointer_mut("/infrastructure/httpServer/authentication")
        .and_then(Value::as_object_mut)
    {
        for (name, enabled) in flags {
            let text = if enabled {
                "redacted (enabled)"
            } else {
                "redacted (disabled)"
            };
            map.insert(name.into(), Value::from(text));
        }
    }
    if let Some(redis) = out
        .pointer_mut("/infrastructure/redis")
        .and_then(Value::as_object_mut)
        && redis.contains_key("url")
    {
        redis.insert("url".into(), Value::from("***"));
    }
    out
}
