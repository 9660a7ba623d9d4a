//! The typed configuration tree. Field names are the real Connector's (camelCase in JSON).
//! Secrets are `SecretString`, so `Debug` never prints them.

use std::collections::BTreeMap;
use std::path::PathBuf;

use secrecy::SecretString;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

/// The whole configuration. Unknown root keys are allowed (as in the real schema).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// Debug mode: open API without auth, verbose errors, debug routes.
    pub debug: bool,
    /// Storage.
    pub database: DatabaseSettings,
    /// Backbone connection.
    pub transport_library: TransportSettings,
    /// log4js configuration of the real Connector: its `default` category sets the level of the
    /// JSON lines on stdout unless `RUST_LOG` is set (`logging::apply_config`).
    #[serde(default)]
    pub logging: Value,
    /// Module settings by name (`enabled`, `location`, module options).
    #[serde(default)]
    pub modules: Map<String, Value>,
    /// HTTP server and Redis.
    pub infrastructure: InfrastructureSettings,
    /// Certificate pinning for Backbone connections: host → SHA-256 fingerprints.
    #[serde(default, rename = "pinnedTLSCertificateSHA256Fingerprints")]
    pub pinned_tls_certificate_sha256_fingerprints: Option<BTreeMap<String, Vec<String>>>,
    /// Reject Backbone hosts without a pinned fingerprint.
    #[serde(default)]
    pub enforce_certificate_pinning: Option<bool>,
}

/// Which storage backend holds the identity's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DatabaseDriver {
    /// The embedded store in `database.folder` (the default; `lokijs` is accepted as an alias so
    /// existing debug configurations keep working).
    #[serde(alias = "lokijs")]
    Embedded,
    /// MongoDB at `database.connectionString`, database `database.dbName`.
    Mongodb,
}

/// `database.*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseSettings {
    /// Backend.
    pub driver: DatabaseDriver,
    /// MongoDB URI (mongodb driver only).
    #[serde(default)]
    pub connection_string: Option<SecretString>,
    /// Database name for this identity.
    pub db_name: String,
    /// Directory of the embedded store.
    pub folder: PathBuf,
}

/// `transportLibrary.*` (unknown keys are rejected, as in the real schema).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TransportSettings {
    /// Backbone base URL, `http(s)://…`.
    pub base_url: String,
    /// OAuth client id of the Backbone.
    pub platform_client_id: String,
    /// OAuth client secret of the Backbone.
    pub platform_client_secret: SecretString,
    /// Backbone request timeout in milliseconds.
    #[serde(default = "default_platform_timeout")]
    pub platform_timeout: u64,
    /// Redirects followed on Backbone calls.
    #[serde(default = "default_max_redirects")]
    pub platform_max_redirects: u32,
    /// Largest Backbone response accepted, in bytes.
    #[serde(default)]
    pub platform_max_content_length: Option<u64>,
    /// Extra headers on every Backbone request.
    #[serde(default)]
    pub platform_additional_headers: Option<BTreeMap<String, String>>,
    /// Hostname used in generated addresses instead of the base URL's host.
    #[serde(default)]
    pub address_generation_hostname_override: Option<String>,
    /// Datawallet synchronisation.
    #[serde(default)]
    pub datawallet_enabled: bool,
    /// Create an identity on first start when the store has none.
    #[serde(default = "default_true")]
    pub allow_identity_creation: bool,
    /// Transport debug flag.
    #[serde(default)]
    pub debug: bool,
}

/// `infrastructure.*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InfrastructureSettings {
    /// The HTTP server.
    pub http_server: HttpServerSettings,
    /// Redis for leases across replicas (`REDIS_URL` alias).
    #[serde(default)]
    pub redis: Option<RedisSettings>,
    /// Replica safety: idempotency keys, shutdown grace period, leases.
    #[serde(default)]
    pub replicas: super::replicas::ReplicaSettings,
    /// The event outbox: retention, dead letters, polling.
    #[serde(default)]
    pub events: super::events::EventSettings,
}

/// `infrastructure.redis.*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RedisSettings {
    /// `redis://…` URL; may contain a password, hence secret.
    #[serde(default)]
    pub url: Option<SecretString>,
}

/// `infrastructure.httpServer.*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpServerSettings {
    /// Whether the HTTP server runs.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Listen port (number or numeric string); 80 when unset, as in the real Connector.
    #[serde(
        default = "default_port",
        deserialize_with = "port_from_number_or_string"
    )]
    pub port: u16,
    /// Listen address (an addition of this implementation; the real one listens on all
    /// interfaces, which stays the default).
    #[serde(default = "default_host")]
    pub host: String,
    /// How long a request's body may take to arrive, in seconds (an addition of this
    /// implementation: Node's `requestTimeout`, 300 s, which the real one inherits); a later
    /// body is answered 408 and its connection closed.
    #[serde(default = "default_request_timeout")]
    pub request_timeout_seconds: u64,
    /// CORS options (`{ "origin": false }` = no CORS headers).
    #[serde(default)]
    pub cors: Value,
    /// helmet options of the real Connector; accepted for compatibility.
    #[serde(default)]
    pub helmet_options: Option<Value>,
    /// Authentication mechanisms.
    pub authentication: AuthenticationSettings,
}

/// `infrastructure.httpServer.authentication.*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationSettings {
    /// API keys.
    pub api_key: ApiKeySettings,
    /// JWT bearer options (not supported by this implementation yet; must stay disabled).
    #[serde(default)]
    pub jwt_bearer: Map<String, Value>,
    /// OIDC options (not supported by this implementation yet; must stay disabled).
    #[serde(default)]
    pub oidc: Map<String, Value>,
}

/// `infrastructure.httpServer.authentication.apiKey.*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeySettings {
    /// Explicit on/off; when absent, enabled iff `keys` is non-empty.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Request header carrying the key (matched case-insensitively).
    #[serde(default = "default_header_name")]
    pub header_name: String,
    /// Keys by name.
    #[serde(default)]
    pub keys: BTreeMap<String, ApiKeyEntry>,
}

impl ApiKeySettings {
    /// Enabled when `enabled` says so, or, without the flag, when there is at least one key.
    pub fn is_enabled(&self) -> bool {
        self.enabled.unwrap_or(!self.keys.is_empty())
    }
}

/// One API key.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyEntry {
    /// The key itself.
    pub key: SecretString,
    /// `false` excludes the key.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Informational.
    #[serde(default)]
    pub description: Option<String>,
    /// ISO 8601 expiry; expired keys are excluded at start and refused at request time.
    #[serde(default)]
    pub expires_at: Option<String>,
    /// Scopes (roles); absent = `["**"]`, empty = no permissions.
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
}

fn default_true() -> bool {
    true
}
fn default_platform_timeout() -> u64 {
    60_000
}
fn default_max_redirects() -> u32 {
    10
}
fn default_port() -> u16 {
    80
}
fn default_request_timeout() -> u64 {
    300
}
fn default_host() -> String {
    "0.0.0.0".into()
}
fn default_header_name() -> String {
    "X-API-KEY".into()
}

fn port_from_number_or_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u16, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Port {
        Number(u16),
        Text(String),
    }
    match Port::deserialize(deserializer)? {
        Port::Number(n) => Ok(n),
        Port::Text(s) => s
            .trim()
            .parse()
            .map_err(|_| serde::de::Error::custom(format!("'{s}' is not a port number (0-65535)"))),
    }
}
