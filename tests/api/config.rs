//! Configuration: precedence, environment mapping, aliases, validation, secrets.

use connector::config::{self, ConfigSources, DatabaseDriver};
use secrecy::ExposeSecret;

use crate::helpers::*;

fn base_env(dir: &std::path::Path) -> Vec<(String, String)> {
    test_env(dir, "http://127.0.0.1:9")
}

fn without(env: &mut Vec<(String, String)>, name: &str) {
    env.retain(|(k, _)| k != name);
}

#[test]
fn file_then_env_then_overrides() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.json"),
        r#"{"database": {"dbName": "from-file", "folder": "./file-data"}, "infrastructure": {"httpServer": {"port": 7000}}, "modules": {"sync": {"enabled": true}}}"#,
    )
    .unwrap();
    let mut env = base_env(dir.path());
    without(&mut env, "infrastructure__httpServer__port");
    without(&mut env, "database__folder");
    env.push(("DATABASE_NAME".into(), "from-alias".into()));
    let loaded = config::load(&isolated_sources(dir.path(), env.clone())).unwrap();
    let s = &loaded.settings;
    assert_eq!(
        s.infrastructure.http_server.port, 7000,
        "file beats defaults"
    );
    assert_eq!(s.database.db_name, "from-alias", "environment beats file");
    assert_eq!(s.database.folder, std::path::PathBuf::from("./file-data"));
    assert_eq!(s.modules["sync"]["enabled"], true);
    assert_eq!(
        s.modules["sync"]["interval"], 60,
        "defaults merge below the file"
    );
    assert_eq!(s.database.driver, DatabaseDriver::Embedded);

    env.push(("infrastructure__httpServer__port".into(), "\"7001\"".into()));
    let mut sources = isolated_sources(dir.path(), env);
    sources.overrides = serde_json::json!({"database": {"dbName": "override"}});
    let s = config::load(&sources).unwrap().settings;
    assert_eq!(
        s.infrastructure.http_server.port, 7001,
        "ports may be strings"
    );
    assert_eq!(s.database.db_name, "override");
}

#[test]
fn custom_config_location_and_cli_flag() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.json"),
        r#"{"database": {"dbName": "a"}}"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b.json"),
        r#"{"database": {"dbName": "b"}}"#,
    )
    .unwrap();
    let mut env = base_env(dir.path());
    env.push((config::CUSTOM_CONFIG_LOCATION.into(), "a.json".into()));
    let s = config::load(&isolated_sources(dir.path(), env.clone()))
        .unwrap()
        .settings;
    assert_eq!(s.database.db_name, "a");
    let mut sources = isolated_sources(dir.path(), env);
    sources.config_file = Some("b.json".into());
    assert_eq!(
        config::load(&sources).unwrap().settings.database.db_name,
        "b"
    );
    // a missing file is ignored, like the real Connector
    sources.config_file = Some("missing.json".into());
    assert_eq!(
        config::load(&sources).unwrap().settings.database.db_name,
        "default"
    );
}

#[test]
fn env_mapping_with_json_values_and_aliases() {
    let dir = tempfile::tempdir().unwrap();
    let mut env = base_env(dir.path());
    env.push((
        "database".into(),
        r#"{"driver":"lokijs","folder":"./loki"}"#.into(),
    ));
    env.push(("REDIS_URL".into(), "redis://127.0.0.1:6379".into()));
    env.push(("SYNC_ENABLED".into(), "true".into()));
    env.push(("transportLibrary__platformTimeout".into(), "1234".into()));
    let s = config::load(&isolated_sources(dir.path(), env))
        .unwrap()
        .settings;
    assert_eq!(
        s.database.driver,
        DatabaseDriver::Embedded,
        "lokijs is an alias of embedded"
    );
    assert_eq!(s.transport_library.platform_timeout, 1234);
    assert_eq!(
        s.transport_library.platform_client_secret.expose_secret(),
        "a-client-secret-value"
    );
    assert_eq!(s.modules["sync"]["enabled"], true);
    let redis = s
        .infrastructure
        .redis
        .as_ref()
        .and_then(|r| r.url.as_ref())
        .unwrap();
    assert_eq!(redis.expose_secret(), "redis://127.0.0.1:6379");
    let keys = &s.infrastructure.http_server.authentication.api_key.keys;
    assert_eq!(
        keys["core"].scopes.as_deref(),
        Some(&["core:**".to_owned()][..])
    );
}

#[test]
fn mongodb_driver_is_parsed_and_needs_a_connection_string() {
    let dir = tempfile::tempdir().unwrap();
    let mut env = base_env(dir.path());
    env.push(("database__driver".into(), "mongodb".into()));
    let err = config::load(&isolated_sources(dir.path(), env.clone()))
        .unwrap_err()
        .to_string();
    assert!(err.contains("database.connectionString"), "{err}");
    env.push((
        "DATABASE_CONNECTION_STRING".into(),
        "mongodb://127.0.0.1:27018".into(),
    ));
    let s = config::load(&isolated_sources(dir.path(), env))
        .unwrap()
        .settings;
    assert_eq!(s.database.driver, DatabaseDriver::Mongodb);
}

#[test]
fn invalid_values_name_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str, &str)] = &[
        (
            "infrastructure__httpServer__port",
            "not-a-port",
            "infrastructure.httpServer.port",
        ),
        (
            "transportLibrary__baseUrl",
            "ftp://x",
            "transportLibrary.baseUrl",
        ),
        ("database__driver", "postgres", "database.driver"),
        ("transportLibrary__unknownKey", "1", "transportLibrary"),
        (
            "infrastructure__httpServer__authentication__apiKey__keys__weak",
            r#"{"key":"short"}"#,
            "apiKey.keys",
        ),
    ];
    for (name, value, key) in cases {
        let mut env = base_env(dir.path());
        env.push(((*name).into(), (*value).into()));
        let err = config::load(&isolated_sources(dir.path(), env))
            .unwrap_err()
            .to_string();
        assert!(err.contains(key), "{name}={value}: {err}");
    }
    let mut env = base_env(dir.path());
    without(&mut env, "transportLibrary__baseUrl");
    let err = config::load(&isolated_sources(dir.path(), env))
        .unwrap_err()
        .to_string();
    assert!(err.contains("'transportLibrary.baseUrl'"), "{err}");
}

#[test]
fn production_mode_needs_authentication() {
    let dir = tempfile::tempdir().unwrap();
    let mut env = base_env(dir.path());
    env.retain(|(k, _)| !k.contains("apiKey"));
    let err = config::load(&isolated_sources(dir.path(), env.clone()))
        .unwrap_err()
        .to_string();
    assert!(err.contains("No API key"), "{err}");
    env.push((
        "infrastructure__httpServer__authentication__oidc__issuerBaseURL".into(),
        "https://idp".into(),
    ));
    env.push(("DEBUG".into(), "true".into()));
    let err = config::load(&isolated_sources(dir.path(), env))
        .unwrap_err()
        .to_string();
    assert!(err.contains("oidc"), "{err}");
}

#[test]
fn secrets_are_not_debug_printed() {
    let dir = tempfile::tempdir().unwrap();
    let loaded = config::load(&isolated_sources(dir.path(), base_env(dir.path()))).unwrap();
    let printed = format!("{loaded:?}");
    assert!(!printed.contains("a-client-secret-value"));
    let settings = format!("{:?}", loaded.settings);
    assert!(
        !settings.contains(FULL_KEY) && !settings.contains("a-client-secret-value"),
        "{settings}"
    );
}

#[test]
fn process_sources_read_the_real_environment_shape() {
    let sources = ConfigSources::from_process(None);
    assert_eq!(sources.config_path().0.file_name().unwrap(), "config.json");
}

#[test]
fn sse_wins_over_sync() {
    let dir = tempfile::tempdir().unwrap();
    let mut env = base_env(dir.path());
    env.push(("modules__sync__enabled".into(), "true".into()));
    env.push(("modules__sse__enabled".into(), "true".into()));
    let s = config::load(&isolated_sources(dir.path(), env))
        .unwrap()
        .settings;
    assert_eq!(s.modules["sync"]["enabled"], false);
    assert_eq!(s.modules["sse"]["enabled"], true);
}
