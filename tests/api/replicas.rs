//! Several replicas of one identity (issue: MongoDB state, Redis leases): three `connector start`
//! processes on an empty database (the nx-27017 MongoDB stand-in) with Redis leases start at
//! once and end up serving exactly one identity.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::processes::{KillOnDrop, free_port, wait_until_serving};
use crate::replicas_set::start_standin;
use crate::rest_peer::{Connector, start_backbone};

use crate::helpers::FULL_KEY;

#[tokio::test(flavor = "multi_thread")]
async fn three_replicas_on_an_empty_database_share_one_identity() {
    let dir = tempfile::tempdir().unwrap();
    let (_standin, mongo_port) = start_standin(dir.path()).await;
    let backbone = start_backbone().await;
    let db_name = format!("replicas{}", std::process::id());
    let ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
    let replicas: Vec<KillOnDrop> = ports
        .iter()
        .map(|port| {
            let child = Command::new(env!("CARGO_BIN_EXE_connector"))
                .arg("start")
                .current_dir(dir.path())
                .env("transportLibrary__baseUrl", backbone.base_url())
                .env("transportLibrary__platformClientId", "test")
                .env("transportLibrary__platformClientSecret", "test")
                .env("database__driver", "mongodb")
                .env(
                    "database__connectionString",
                    format!("mongodb://127.0.0.1:{mongo_port}/"),
                )
                .env("database__dbName", &db_name)
                .env("infrastructure__redis__url", "redis://127.0.0.1:6379")
                .env("infrastructure__httpServer__host", "127.0.0.1")
                .env("infrastructure__httpServer__port", port.to_string())
                .env(
                    "infrastructure__httpServer__authentication__apiKey__keys__main",
                    format!(r#"{{"key":"{FULL_KEY}"}}"#),
                )
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            KillOnDrop(child)
        })
        .collect();

    let client = reqwest::Client::new();
    let mut addresses = Vec::new();
    for port in &ports {
        let api = Connector::remote(&format!("http://127.0.0.1:{port}"));
        addresses.push(wait_until_serving(&api, Duration::from_secs(90)).await);
    }
    assert!(
        addresses.iter().all(|a| a == &addresses[0]),
        "one identity: {addresses:?}"
    );
    assert_eq!(
        backbone.identity_count(),
        1,
        "the Backbone saw exactly one onboarding"
    );
    // Syncs on all replicas at once take turns (sync lease) and all succeed.
    let syncs = ports.iter().map(|port| {
        let client = client.clone();
        let url = format!("http://127.0.0.1:{port}/api/core/v1/Account/Sync");
        async move {
            client
                .post(url)
                .header("X-API-KEY", FULL_KEY)
                .send()
                .await
                .unwrap()
                .status()
        }
    });
    for status in futures_util::future::join_all(syncs).await {
        assert_eq!(status, 204);
    }
    drop(replicas);
}
