//! `spawn_app()`: the real application on 127.0.0.1, port 0, with a temporary data directory.

use actix_web::dev::ServerHandle;
use connector::config::{self, ConfigSources};
use connector::startup::{Application, RunOptions};

/// A key with all permissions (no `scopes` → `**`).
pub const FULL_KEY: &str = "This_is_a_test_APIKEY_with_30_chars+";
/// A key limited to `core:**`.
pub const CORE_KEY: &str = "Core_only_TEST_key_with_enough_chars_42!";
/// A key limited to `monitoring:*`.
pub const MONITORING_KEY: &str = "Monitoring_TEST_key_with_enough_chars_17#";
/// A key without any permission (`scopes: []`).
pub const NO_SCOPE_KEY: &str = "No_scopes_TEST_key_with_enough_chars_99%";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub data_dir: tempfile::TempDir,
    handle: ServerHandle,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        // Stop without waiting: the test runtime may already be shutting down.
        drop(tokio::spawn(async move { handle.stop(false).await }));
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str, key: Option<&str>) -> reqwest::Response {
        let mut request = self.client.get(self.url(path));
        if let Some(key) = key {
            request = request.header("X-API-KEY", key);
        }
        request.send().await.unwrap()
    }
}

fn init_logs() {
    if std::env::var("TEST_LOG").is_ok() {
        connector::logging::init("debug");
    }
}

/// An environment in the real Connector's style for a test Connector.
pub fn test_env(data_dir: &std::path::Path, backbone_url: &str) -> Vec<(String, String)> {
    let keys = [
        ("full", format!(r#"{{"key":"{FULL_KEY}"}}"#)),
        (
            "core",
            format!(r#"{{"key":"{CORE_KEY}","scopes":["core:**"]}}"#),
        ),
        (
            "monitoring",
            format!(r#"{{"key":"{MONITORING_KEY}","scopes":["monitoring:*"]}}"#),
        ),
        ("none", format!(r#"{{"key":"{NO_SCOPE_KEY}","scopes":[]}}"#)),
    ];
    let mut env: Vec<(String, String)> = vec![
        ("transportLibrary__baseUrl".into(), backbone_url.into()),
        ("transportLibrary__platformClientId".into(), "test".into()),
        (
            "PLATFORM_CLIENT_SECRET".into(),
            "a-client-secret-value".into(),
        ),
        (
            "infrastructure__httpServer__host".into(),
            "127.0.0.1".into(),
        ),
        ("infrastructure__httpServer__port".into(), "0".into()),
        (
            "database__folder".into(),
            data_dir.join("data").display().to_string(),
        ),
    ];
    for (name, value) in keys {
        env.push((
            format!("infrastructure__httpServer__authentication__apiKey__keys__{name}"),
            value,
        ));
    }
    env
}

/// Sources that ignore the process environment and any `config.json` in the working directory.
pub fn isolated_sources(dir: &std::path::Path, env: Vec<(String, String)>) -> ConfigSources {
    ConfigSources {
        env,
        base_dir: Some(dir.to_path_buf()),
        ..ConfigSources::default()
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}, "http://127.0.0.1:9").await
}

/// Spawns with the test environment, adjusted by `adjust`, against `backbone_url` (async: it
/// must run inside the tokio runtime, as it spawns the server).
pub async fn spawn_app_with(
    adjust: impl FnOnce(&mut Vec<(String, String)>),
    backbone_url: &str,
) -> TestApp {
    init_logs();
    let data_dir = tempfile::tempdir().unwrap();
    let mut env = test_env(data_dir.path(), backbone_url);
    adjust(&mut env);
    let loaded = config::load(&isolated_sources(data_dir.path(), env)).unwrap();
    let app = Application::build(
        loaded,
        RunOptions {
            workers: 1,
            ..RunOptions::default()
        },
    )
    .unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp {
        address,
        client,
        data_dir,
        handle,
    }
}

/// Checks the error envelope and returns the error object.
pub async fn assert_error(
    response: reqwest::Response,
    status: u16,
    code: &str,
) -> serde_json::Value {
    assert_eq!(response.status().as_u16(), status, "status for {code}");
    let body: serde_json::Value = response.json().await.unwrap();
    let error = body["error"].clone();
    assert_eq!(error["code"], code, "{body}");
    let id = error["id"].as_str().unwrap();
    assert_eq!(id.len(), 20);
    assert!(id.starts_with("ERR"));
    assert!(
        id[3..]
            .chars()
            .all(|c| "ABCDEFGHJKLMNPQRSTUVWXYZ23456789".contains(c)),
        "{id}"
    );
    assert_eq!(
        error["docs"],
        format!("https://enmeshed.eu/integrate/error-codes#{code}")
    );
    let time = error["time"].as_str().unwrap();
    assert!(time.ends_with('Z') && time.len() == 24, "{time}");
    assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(
        body.as_object().unwrap().len(),
        1,
        "only the error key: {body}"
    );
    error
}

/// Sends a request that must answer with a JSON body, and reads it.
pub(crate) trait JsonBody {
    async fn json_body(self) -> serde_json::Value;
}

impl JsonBody for reqwest::RequestBuilder {
    async fn json_body(self) -> serde_json::Value {
        self.send().await.unwrap().json().await.unwrap()
    }
}
