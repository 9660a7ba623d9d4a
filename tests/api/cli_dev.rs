//! `connector dev` keeps the sandbox stable: after a restart on the same data folder the dev Backbone
//! listens on the same port and the API key is the same, so a reference handed out before the
//! restart still loads; a port in use is reported before anything is written.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::processes::free_port;
use crate::rest_peer::{Connector, in_a_day};

/// A running `connector dev` and what its banner said.
struct Sandbox {
    child: Child,
    api_key: String,
    backbone_url: String,
    connector_url: String,
}

fn dev_command(dir: &Path, connector_port: u16, extra: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_connector"));
    command
        .arg("dev")
        .args(extra)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env(
            "infrastructure__httpServer__port",
            connector_port.to_string(),
        )
        .stdin(Stdio::null())
        .kill_on_drop(true);
    command
}

/// Starts `connector dev` in `dir` and reads its banner (printed once the Connector listens).
async fn start_dev(dir: &Path, connector_port: u16, extra: &[&str]) -> Sandbox {
    let mut child = dev_command(dir, connector_port, extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let field = |line: &str, name: &str| {
        line.trim().strip_prefix(name).map(|rest| {
            rest.split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned()
        })
    };
    let read_banner = async {
        let (mut api_key, mut backbone_url, mut connector_url) = (None, None, None);
        while let Some(line) = lines.next_line().await.unwrap() {
            api_key = api_key.or_else(|| field(&line, "API key:"));
            backbone_url = backbone_url.or_else(|| field(&line, "Backbone:"));
            connector_url = connector_url.or_else(|| field(&line, "Connector:"));
            if line.contains("--rotate-api-key") {
                return (api_key, backbone_url, connector_url);
            }
        }
        panic!("connector dev ended before its banner was complete");
    };
    let (api_key, backbone_url, connector_url) =
        tokio::time::timeout(Duration::from_secs(120), read_banner)
            .await
            .expect("connector dev printed its banner within 120 s");
    // Keep draining stdout so the process never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Sandbox {
        child,
        api_key: api_key.expect("banner names the API key"),
        backbone_url: backbone_url.expect("banner names the Backbone"),
        connector_url: connector_url.expect("banner names the Connector"),
    }
}

impl Sandbox {
    /// SIGTERM, then wait for the process to end (the store and the Backbone journal close cleanly).
    async fn stop(mut self) {
        let pid = self.child.id().unwrap();
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        tokio::time::timeout(Duration::from_secs(60), self.child.wait())
            .await
            .expect("connector dev stopped within 60 s after SIGTERM")
            .unwrap();
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = reqwest::Client::new()
            .request(method, format!("{}/api/core/v1{path}", self.connector_url))
            .header("X-API-KEY", &self.api_key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert!(status.is_success(), "{path}: {status} {body}");
        body["result"].clone()
    }
}

#[tokio::test]
async fn a_restarted_sandbox_keeps_its_backbone_port_and_api_key() {
    let dir = tempfile::tempdir().unwrap();
    let backbone_port = free_port();
    let first = start_dev(
        dir.path(),
        free_port(),
        &["--backbone-port", &backbone_port.to_string()],
    )
    .await;
    assert_eq!(
        first.backbone_url,
        format!("http://localhost:{backbone_port}")
    );
    let token = first
        .call(
            reqwest::Method::POST,
            "/Tokens/Own",
            Some(json!({
                "content": {"@type": "ArbitraryRelationshipTemplateContent", "value": {"kept": true}},
                "expiresAt": in_a_day()
            })),
        )
        .await;
    let reference = token["reference"]["truncated"].as_str().unwrap().to_owned();
    let (first_key, first_backbone) = (first.api_key.clone(), first.backbone_url.clone());
    first.stop().await;
    let recorded: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("data").join("sandbox.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(recorded["backbonePort"], backbone_port);

    // No --backbone-port this time: the port comes from the data folder, on a new Connector port.
    let second = start_dev(dir.path(), free_port(), &[]).await;
    assert_eq!(second.backbone_url, first_backbone);
    assert_eq!(second.api_key, first_key);
    let own = second
        .call(
            reqwest::Method::GET,
            &format!("/Tokens/{}", token["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(own["id"], token["id"]);

    // A second Connector, a peer on the same Backbone, loads the reference handed out before.
    let peer = Connector::start(&second.backbone_url).await;
    let loaded = peer
        .post("/Tokens/Peer", json!({ "reference": reference }))
        .await;
    assert_eq!(loaded["id"], token["id"]);
    assert_eq!(loaded["content"]["value"]["kept"], true);
    second.stop().await;

    // --rotate-api-key replaces the key and keeps the port.
    let rotated = start_dev(dir.path(), free_port(), &["--rotate-api-key"]).await;
    assert_ne!(rotated.api_key, first_key);
    assert_eq!(rotated.backbone_url, first_backbone);
    rotated.stop().await;
}

#[tokio::test]
async fn a_port_in_use_is_reported_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken_port = taken.local_addr().unwrap().port();

    let backbone_taken = dev_command(
        dir.path(),
        free_port(),
        &["--backbone-port", &taken_port.to_string()],
    )
    .output()
    .await
    .unwrap();
    assert!(!backbone_taken.status.success());
    let stderr = String::from_utf8_lossy(&backbone_taken.stderr);
    assert!(
        stderr.contains(&format!("port {taken_port}"))
            && stderr.contains("development Backbone")
            && stderr.contains("--backbone-port"),
        "{stderr}"
    );

    let connector_taken = dev_command(
        dir.path(),
        taken_port,
        &["--backbone-port", &free_port().to_string()],
    )
    .output()
    .await
    .unwrap();
    assert!(!connector_taken.status.success());
    let stderr = String::from_utf8_lossy(&connector_taken.stderr);
    assert!(
        stderr.contains(&format!("port {taken_port}"))
            && stderr.contains("the Connector")
            && stderr.contains("infrastructure__httpServer__port"),
        "{stderr}"
    );
    assert!(
        !dir.path().join("data").exists(),
        "nothing was written before the check"
    );
}
