//! Drop-in behaviour the real Connector's own test suite relies on (README "Compatibility"):
//! one embedded database per `database.dbName` in a shared folder, the identity commands beside
//! a running Connector and without checking the HTTP server's settings, `identityInfo` in
//! `/Monitoring/Support`, and the error details of debug mode. The suite's other groups are
//! covered where their routes are tested (`contract_tokens`, `contract_relationship_templates`,
//! `openapi`, `small_areas`).

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::FULL_KEY;
use crate::processes::{KillOnDrop, free_port, wait_for_port};
use crate::rest_peer::{Connector, start_backbone};

/// The real suite's environment (`test/lib/Launcher.ts`, `test/modules/cli/setup.ts`): the
/// lokijs driver on one folder, the database name from `DATABASE_NAME`, colon-separated keys.
fn suite_env(folder: &Path, db_name: &str, backbone: &str) -> Vec<(String, String)> {
    vec![
        (
            "database".into(),
            json!({"driver": "lokijs", "folder": folder}).to_string(),
        ),
        ("DATABASE_NAME".into(), db_name.into()),
        ("transportLibrary:baseUrl".into(), backbone.into()),
        ("transportLibrary:platformClientId".into(), "test".into()),
        (
            "transportLibrary:platformClientSecret".into(),
            "test".into(),
        ),
    ]
}

/// `connector start` as a process in `dir`, listening on `port`.
async fn start(dir: &Path, env: Vec<(String, String)>, port: u16) -> KillOnDrop {
    let child = Command::new(env!("CARGO_BIN_EXE_connector"))
        .arg("start")
        .current_dir(dir)
        .env_clear()
        .envs(env)
        .env("infrastructure:httpServer:host", "127.0.0.1")
        .env("infrastructure:httpServer:port", port.to_string())
        .env(
            "infrastructure:httpServer:authentication:apiKey:keys:test",
            json!({ "key": FULL_KEY }).to_string(),
        )
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let child = KillOnDrop(child);
    wait_for_port(port, Duration::from_secs(90)).await;
    child
}

/// An identity command as a process, with the settings the real CLI tests give it: an HTTP
/// port of `[object Promise]` and the API key `test`, which the identity commands must ignore.
async fn cli(dir: &Path, env: Vec<(String, String)>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_connector"));
    command
        .args(args)
        .current_dir(dir)
        .env_clear()
        .envs(env)
        .env("infrastructure:httpServer:port", "[object Promise]")
        .env(
            "infrastructure:httpServer:authentication:apiKey:keys:test:key",
            "test",
        );
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

fn printed(output: &Output) -> String {
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[tokio::test]
async fn connectors_share_a_folder_by_database_name_and_the_cli_runs_beside_them() {
    let backbone = start_backbone().await;
    let url = backbone.base_url();
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("db");
    let (port_a, port_b) = (free_port(), free_port());
    let mut a = start(dir.path(), suite_env(&folder, "a", &url), port_a).await;
    let mut b = start(dir.path(), suite_env(&folder, "b", &url), port_b).await;
    let address_a = Connector::remote(&format!("http://127.0.0.1:{port_a}"))
        .address()
        .await;
    let address_b = Connector::remote(&format!("http://127.0.0.1:{port_b}"))
        .address()
        .await;
    assert_ne!(address_a, address_b, "two identities");
    assert!(folder.join("a.db").is_file() && folder.join("b.db").is_file());

    // While `a` runs, the identity commands reach it (its store is locked by the process).
    let status = cli(
        dir.path(),
        suite_env(&folder, "a", &url),
        &["identity", "status"],
    )
    .await;
    assert_eq!(printed(&status), format!("Identity Address: {address_a}\n"));
    let init = cli(
        dir.path(),
        suite_env(&folder, "a", &url),
        &["identityDeletion", "init"],
    )
    .await;
    assert_eq!(printed(&init), "Identity deletion initiated\n");
    let status = cli(
        dir.path(),
        suite_env(&folder, "a", &url),
        &["identity", "status"],
    )
    .await;
    let text = printed(&status);
    assert!(text.contains("Identity deletion status: Active"), "{text}");
    assert!(text.contains("End of grace period: "), "{text}");
    // A refusal keeps its runtime code on the way back.
    let again = cli(
        dir.path(),
        suite_env(&folder, "a", &url),
        &["identityDeletion", "init"],
    )
    .await;
    assert_eq!(again.status.code(), Some(1), "{again:?}");
    assert!(
        String::from_utf8_lossy(&again.stderr).contains(
            "error.runtime.identityDeletionProcess.activeIdentityDeletionProcessAlreadyExists"
        ),
        "{again:?}"
    );
    let cancel = cli(
        dir.path(),
        suite_env(&folder, "a", &url),
        &["identityDeletion", "cancel"],
    )
    .await;
    assert_eq!(printed(&cancel), "Identity deletion cancelled\n");

    // A stopped Connector (SIGTERM) removes its control socket ...
    let pid = b.0.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let exit = tokio::task::spawn_blocking(move || b.0.wait().unwrap())
        .await
        .unwrap();
    assert!(exit.success(), "{exit:?}");
    assert!(!folder.join("b.sock").exists());
    // ... and the commands open its database themselves; after a crash (SIGKILL) too.
    let status = cli(
        dir.path(),
        suite_env(&folder, "b", &url),
        &["identity", "status"],
    )
    .await;
    assert_eq!(printed(&status), format!("Identity Address: {address_b}\n"));
    a.0.kill().unwrap();
    a.0.wait().unwrap();
    let status = cli(
        dir.path(),
        suite_env(&folder, "a", &url),
        &["identity", "status"],
    )
    .await;
    assert_eq!(printed(&status), format!("Identity Address: {address_a}\n"));
}

#[tokio::test]
async fn a_new_database_name_in_a_stopped_folder_gets_its_own_identity() {
    let backbone = start_backbone().await;
    let url = backbone.base_url();
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("db");
    let first = cli(
        dir.path(),
        suite_env(&folder, "first", &url),
        &["identity", "status"],
    )
    .await;
    let second = cli(
        dir.path(),
        suite_env(&folder, "second", &url),
        &["identity", "status"],
    )
    .await;
    assert_ne!(printed(&first), printed(&second));
    let again = cli(
        dir.path(),
        suite_env(&folder, "first", &url),
        &["identity", "status"],
    )
    .await;
    assert_eq!(printed(&again), printed(&first), "the same database again");
    // A database name that is not a plain file name is refused.
    let bad = cli(
        dir.path(),
        suite_env(&folder, "../x", &url),
        &["identity", "status"],
    )
    .await;
    assert_eq!(bad.status.code(), Some(1), "{bad:?}");
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("is not usable as a file name"),
        "{bad:?}"
    );
}

#[tokio::test]
async fn support_information_carries_the_identity_public_key() {
    let backbone = start_backbone().await;
    let a = Connector::start(&backbone.base_url()).await;
    let info = a.get("/Account/IdentityInfo").await;
    let (status, body) = a
        .raw("GET", "/Monitoring/Support", Vec::new(), "application/json")
        .await;
    assert_eq!(status, 200, "{body}");
    let support: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(support["identityInfo"], info);
    assert!(
        support["identityInfo"]["publicKey"].is_string(),
        "{support}"
    );
}

#[tokio::test]
async fn debug_mode_error_bodies_carry_a_stacktrace_and_production_ones_do_not() {
    let backbone = start_backbone().await;
    let production = Connector::start(&backbone.base_url()).await;
    let debug =
        Connector::start_with_env(&backbone.base_url(), vec![("debug".into(), "true".into())])
            .await;
    let missing = "/Tokens/TOKaaaaaaaaaaaaaaaaa";
    let body = |response: reqwest::Response| async move {
        assert_eq!(response.status().as_u16(), 404);
        response.json::<Value>().await.unwrap()["error"].clone()
    };
    let error = body(production.call("GET", missing, None).await).await;
    assert!(error.get("stacktrace").is_none(), "{error}");
    assert!(error.get("details").is_none(), "{error}");
    let error = body(debug.call("GET", missing, None).await).await;
    let lines = error["stacktrace"].as_array().unwrap();
    assert_eq!(
        lines[0],
        format!(
            "error.runtime.recordNotFound: {}",
            error["message"].as_str().unwrap()
        )
    );
}
