//! Where configuration values come from and how they merge, like the real Connector (nconf):
//! built-in defaults < mode defaults (`connector dev`) < config file < environment (aliases, then `__`/`:` paths) < explicit
//! overrides (CLI flags, `connector dev`). Objects merge key by key; a higher source only
//! replaces the leaves it sets.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::ConfigError;

/// Name of the environment variable holding the config file path.
pub const CUSTOM_CONFIG_LOCATION: &str = "CUSTOM_CONFIG_LOCATION";
/// Config file used when neither `--config` nor `CUSTOM_CONFIG_LOCATION` is given.
pub const DEFAULT_CONFIG_FILE: &str = "config.json";

/// Environment variable names the real Connector maps onto config keys (exact names), plus
/// `REDIS_URL` for the replica support of this implementation.
const ALIASES: &[(&str, &str)] = &[
    ("DATABASE_NAME", "database:dbName"),
    ("DATABASE_CONNECTION_STRING", "database:connectionString"),
    ("SYNC_ENABLED", "modules:sync:enabled"),
    ("PLATFORM_CLIENT_ID", "transportLibrary:platformClientId"),
    (
        "PLATFORM_CLIENT_SECRET",
        "transportLibrary:platformClientSecret",
    ),
    ("DEBUG", "debug"),
    ("REDIS_URL", "infrastructure:redis:url"),
];

/// Top-level keys a plain (separator-less) variable may set, e.g. `database={"driver":...}`.
/// The real Connector reads the whole environment into the root; only these roots mean
/// anything, so other variables (PATH, HOME, ...) are not copied in.
const ROOT_KEYS: &[&str] = &[
    "debug",
    "database",
    "transportLibrary",
    "logging",
    "modules",
    "infrastructure",
    "pinnedTLSCertificateSHA256Fingerprints",
    "enforceCertificatePinning",
];

/// Everything the loader reads, gathered up front so tests can pass their own environment.
#[derive(Debug, Clone, Default)]
pub struct ConfigSources {
    /// Config file path from `--config`/`-c`; beats `CUSTOM_CONFIG_LOCATION`.
    pub config_file: Option<PathBuf>,
    /// Environment variables (name, value).
    pub env: Vec<(String, String)>,
    /// Defaults of a special mode (the dev sandbox) that the file and environment may override.
    pub mode_defaults: Value,
    /// Highest-priority values (CLI flags, the dev sandbox's Backbone), as a JSON object tree.
    pub overrides: Value,
    /// Directory relative paths resolve against (the working directory by default).
    pub base_dir: Option<PathBuf>,
}

impl ConfigSources {
    /// Sources from the process environment and working directory.
    pub fn from_process(config_file: Option<PathBuf>) -> Self {
        let env = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        Self {
            config_file,
            env,
            mode_defaults: Value::Null,
            overrides: Value::Null,
            base_dir: None,
        }
    }

    fn env_value(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The config file in effect: `--config`, else `CUSTOM_CONFIG_LOCATION`, else `config.json`.
    pub fn config_path(&self) -> (PathBuf, bool) {
        let (path, explicit) = match (&self.config_file, self.env_value(CUSTOM_CONFIG_LOCATION)) {
            (Some(p), _) => (p.clone(), true),
            (None, Some(p)) if !p.is_empty() => (PathBuf::from(p), true),
            _ => (PathBuf::from(DEFAULT_CONFIG_FILE), false),
        };
        match &self.base_dir {
            Some(base) if path.is_relative() => (base.join(path), explicit),
            _ => (path, explicit),
        }
    }
}

/// The built-in defaults: the real Connector's, except that the embedded store is the default
/// database (it keeps state in `./data`).
pub fn defaults() -> Value {
    json!({
        "debug": false,
        "transportLibrary": { "allowIdentityCreation": true },
        "database": { "driver": "embedded", "dbName": "default", "folder": "./data" },
        "logging": {
            "appenders": {
                "consoleAppender": { "type": "stdout", "layout": { "type": "pattern", "pattern": "%[[%d] [%p] %c - %m %x{correlationId}%]" } },
                "console": { "type": "logLevelFilter", "level": "INFO", "appender": "consoleAppender" }
            },
            "categories": { "default": { "appenders": ["console"], "level": "TRACE" } }
        },
        "infrastructure": {
            "httpServer": {
                "enabled": true,
                "cors": { "origin": false },
                "authentication": { "apiKey": { "headerName": "X-API-KEY", "keys": {} }, "oidc": {}, "jwtBearer": {} }
            }
        },
        "modules": {
            "notification": { "enabled": true, "location": "@nmshd/runtime:NotificationModule" },
            "decider": { "enabled": true, "location": "@nmshd/runtime:DeciderModule" },
            "request": { "enabled": true, "location": "@nmshd/runtime:RequestModule" },
            "autoAcceptPendingRelationships": { "enabled": false, "location": "@nmshd/connector:AutoAcceptPendingRelationshipsModule" },
            "autoDecomposeDeletionProposedRelationships": { "enabled": false, "location": "@nmshd/connector:AutoDecomposeDeletionProposedRelationshipsModule" },
            "coreHttpApi": {
                "enabled": true, "location": "@nmshd/connector:CoreHttpApiModule", "requiredInfrastructure": ["httpServer"],
                "docs": { "enabled": false, "rapidoc": { "persistAuth": false } }
            },
            "webhooks": { "enabled": false, "location": "@nmshd/connector:WebhooksModule", "targets": {}, "webhooks": [] },
            "messageBrokerPublisher": { "enabled": false, "location": "@nmshd/connector:MessageBrokerPublisherModule", "brokers": [] },
            "sync": { "enabled": false, "location": "@nmshd/connector:SyncModule", "interval": 60 },
            "sse": { "enabled": false, "location": "@nmshd/connector:SseModule" }
        }
    })
}

/// Merges every source into one JSON tree (not yet validated).
pub fn merge_sources(sources: &ConfigSources) -> Result<Value, ConfigError> {
    let mut merged = defaults();
    if sources.mode_defaults.is_object() {
        deep_merge(&mut merged, sources.mode_defaults.clone());
    }
    if let Some(file) = read_config_file(sources)? {
        deep_merge(&mut merged, file);
    }
    deep_merge(&mut merged, env_layer(&sources.env));
    if sources.overrides.is_object() {
        deep_merge(&mut merged, sources.overrides.clone());
    }
    Ok(merged)
}

/// Reads the config file. A missing file is ignored like the real Connector does; an
/// unreadable or malformed one is an error naming the file.
fn read_config_file(sources: &ConfigSources) -> Result<Option<Value>, ConfigError> {
    let (path, explicit) = sources.config_path();
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if explicit {
                tracing::warn!(path = %path.display(), "the configured config file does not exist; continuing without it");
            }
            return Ok(None);
        }
        Err(e) => {
            return Err(ConfigError::File {
                path: display(&path),
                message: e.to_string(),
            });
        }
    };
    let value: Value = serde_json::from_str(&text).map_err(|e| ConfigError::File {
        path: display(&path),
        message: format!("not valid JSON: {e}"),
    })?;
    if !value.is_object() {
        return Err(ConfigError::File {
            path: display(&path),
            message: "the top level must be a JSON object".into(),
        });
    }
    Ok(Some(value))
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

/// The environment as a config tree: aliases first, then explicit paths (which win), every
/// value parsed as JSON when it is JSON (`true`, `8080`, `{"key":...}`), else kept as a string.
fn env_layer(env: &[(String, String)]) -> Value {
    let mut aliases = Value::Object(Map::new());
    let mut explicit = Value::Object(Map::new());
    for (name, raw) in env {
        let value =
            serde_json::from_str::<Value>(raw).unwrap_or_else(|_| Value::String(raw.clone()));
        if let Some((_, path)) = ALIASES.iter().find(|(alias, _)| alias == name) {
            set_path(&mut aliases, &path.split(':').collect::<Vec<_>>(), value);
        } else if name.contains("__") || name.contains(':') {
            let normalized = name.replace("__", ":");
            let segments: Vec<&str> = normalized.split(':').collect();
            if segments.iter().all(|s| !s.is_empty()) && ROOT_KEYS.contains(&segments[0]) {
                set_path(&mut explicit, &segments, value);
            }
        } else if ROOT_KEYS.contains(&name.as_str()) {
            set_path(&mut explicit, &[name.as_str()], value);
        }
    }
    deep_merge(&mut aliases, explicit);
    aliases
}

fn set_path(root: &mut Value, segments: &[&str], value: Value) {
    let Some((last, parents)) = segments.split_last() else {
        return;
    };
    let mut node = root;
    for segment in parents {
        if !node.is_object() {
            *node = Value::Object(Map::new());
        }
        let Value::Object(map) = node else { return };
        node = map
            .entry((*segment).to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    if !node.is_object() {
        *node = Value::Object(Map::new());
    }
    if let Value::Object(map) = node {
        map.insert((*last).to_owned(), value);
    }
}

/// Deep merge: objects merge key by key, anything else is replaced by the higher layer.
pub fn deep_merge(base: &mut Value, higher: Value) {
    match (base, higher) {
        (Value::Object(base_map), Value::Object(higher_map)) => {
            for (key, value) in higher_map {
                match base_map.get_mut(&key) {
                    Some(existing) => deep_merge(existing, value),
                    None => {
                        base_map.insert(key, value);
                    }
                }
            }
        }
        (slot, value) => *slot = value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn env_paths_aliases_and_json_values() {
        let layer = env_layer(&env(&[
            ("infrastructure__httpServer__port", "8080"),
            ("infrastructure:httpServer:enabled", "true"),
            (
                "infrastructure__httpServer__authentication__apiKey__keys__main",
                r#"{"key":"k","scopes":["core:**"]}"#,
            ),
            ("transportLibrary__baseUrl", "http://localhost:1"),
            ("PLATFORM_CLIENT_ID", "from-alias"),
            ("transportLibrary__platformClientId", "explicit-wins"),
            ("REDIS_URL", "redis://127.0.0.1:6379"),
            ("DEBUG", "true"),
            ("PATH", "/usr/bin"),
            ("SOME__OTHER", "x"),
        ]));
        assert_eq!(layer["infrastructure"]["httpServer"]["port"], 8080);
        assert_eq!(layer["infrastructure"]["httpServer"]["enabled"], true);
        assert_eq!(
            layer["infrastructure"]["httpServer"]["authentication"]["apiKey"]["keys"]["main"]["scopes"]
                [0],
            "core:**"
        );
        assert_eq!(layer["transportLibrary"]["baseUrl"], "http://localhost:1");
        assert_eq!(
            layer["transportLibrary"]["platformClientId"],
            "explicit-wins"
        );
        assert_eq!(
            layer["infrastructure"]["redis"]["url"],
            "redis://127.0.0.1:6379"
        );
        assert_eq!(layer["debug"], true);
        assert!(layer.get("PATH").is_none() && layer.get("SOME").is_none());
    }

    #[test]
    fn merge_replaces_only_leaves() {
        let mut base = json!({"a": {"b": 1, "c": 2}, "d": [1]});
        deep_merge(&mut base, json!({"a": {"c": 3}, "d": [2, 3]}));
        assert_eq!(base, json!({"a": {"b": 1, "c": 3}, "d": [2, 3]}));
    }
}
