//! `connector backbone --port <PORT> [--data-dir <DIR>]`: the dev Backbone as its own process,
//! ready when `/health` answers 200, and with a data directory nothing is lost across a restart.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::helpers::JsonBody;
use crate::processes::{KillOnDrop, free_port};
use serde_json::{Value, json};

async fn start_backbone(port: u16, data_dir: Option<&std::path::Path>) -> KillOnDrop {
    let mut command = Command::new(env!("CARGO_BIN_EXE_connector"));
    command
        .args(["backbone", "--port", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(dir) = data_dir {
        command.arg("--data-dir").arg(dir);
    }
    let process = KillOnDrop(command.spawn().unwrap());
    healthy(&format!("http://localhost:{port}")).await;
    process
}

/// Waits until the dev Backbone at `base` answers `/health` with 200.
async fn healthy(base: &str) {
    let client = reqwest::Client::new();
    let what = format!("the dev Backbone at {base} healthy");
    test_support::eventually(&what, Duration::from_secs(30), async || {
        match client.get(format!("{base}/health")).send().await {
            Ok(response) if response.status() == 200 => Ok(()),
            Ok(response) => Err(response.status().to_string()),
            Err(e) => Err(e.to_string()),
        }
    })
    .await;
}

#[tokio::test]
async fn backbone_command_serves_and_keeps_state_in_its_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let client = reqwest::Client::new();
    let base = format!("http://localhost:{port}");

    let first = start_backbone(port, Some(dir.path())).await;
    let expires = time::OffsetDateTime::now_utc() + time::Duration::minutes(4);
    let expires = expires
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let created: Value = client
        .post(format!("{base}/api/v2/Tokens"))
        .json(&json!({ "expiresAt": expires }))
        .json_body()
        .await;
    let id = created["result"]["id"].as_str().unwrap().to_owned();
    drop(first);

    let _second = start_backbone(port, Some(dir.path())).await;
    let loaded = client
        .get(format!("{base}/api/v2/Tokens/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(loaded.status(), 200, "the token survived the restart");
    let loaded: Value = loaded.json().await.unwrap();
    assert_eq!(loaded["result"]["id"], id.as_str());

    // The client credentials can be changed on the command line.
    let custom_port = free_port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_connector"));
    command.args([
        "backbone",
        "--port",
        &custom_port.to_string(),
        "--client-id",
        "mine",
        "--client-secret",
        "secret",
    ]);
    let _custom = KillOnDrop(command.stdout(Stdio::null()).spawn().unwrap());
    let custom = format!("http://localhost:{custom_port}");
    healthy(&custom).await;
    let token = |id: &str, secret: &str| {
        client.post(format!("{custom}/connect/token")).form(&[
            ("grant_type", "password"),
            ("client_id", id),
            ("client_secret", secret),
            ("username", "USRnobody"),
            ("password", "x"),
        ])
    };
    let wrong_client: Value = token("test", "test").json_body().await;
    assert_eq!(wrong_client["error"], "invalid_client");
    let right_client: Value = token("mine", "secret").json_body().await;
    assert_eq!(
        right_client["error"], "invalid_grant",
        "client accepted, user unknown"
    );
}

/// In a container the dev Backbone is PID 1 and is stopped with SIGTERM: it exits cleanly.
#[tokio::test]
async fn backbone_command_stops_on_sigterm() {
    let mut backbone = start_backbone(free_port(), None).await;
    let pid = backbone.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = test_support::eventually(
        "the exit after SIGTERM",
        Duration::from_secs(20),
        async || backbone.0.try_wait().unwrap().ok_or("still running"),
    )
    .await;
    assert!(status.success(), "exit status after SIGTERM: {status}");
}
