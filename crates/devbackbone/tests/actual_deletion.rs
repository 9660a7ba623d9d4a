//! The actual deletion job: once the configured grace period of a deletion process is over, the
//! identity and its process move to `Deleting`, its devices can no longer log in, and each peer of
//! a Pending/Active/Terminated relationship gets a `PeerDeleted` external event.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{Account, Server};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Collects `account`'s external events into `seen` (for 30 s at the most) until one satisfies
/// `wanted`; that one.
async fn event_until(
    server: &Server,
    account: &Account,
    seen: &mut Vec<Value>,
    wanted: impl Fn(&Value) -> bool,
) -> Value {
    test_support::eventually(
        "the external event",
        Duration::from_secs(30),
        async move || {
            seen.extend(external_events(server, account).await);
            seen.iter()
                .find(|e| wanted(e))
                .cloned()
                .ok_or_else(|| format!("{seen:#?}"))
        },
    )
    .await
}

/// `account` starts its deletion process; the answer's body.
async fn start_deletion(server: &Server, account: &Account) -> Value {
    let (status, process) = server
        .call(
            Method::POST,
            "/api/v2/Identities/Self/DeletionProcesses",
            Some(&account.token),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{process}");
    process
}

/// Creates the account's datawallet (external event sync needs one).
async fn create_datawallet(server: &Server, account: &Account) {
    let (status, run) = server
        .call(
            Method::POST,
            "/api/v2/SyncRuns",
            Some(&account.token),
            Some(json!({ "type": "DatawalletVersionUpgrade" })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{run}");
    let run_id = run["result"]["syncRun"]["id"].as_str().unwrap();
    let (status, body) = server
        .call(
            Method::PUT,
            &format!("/api/v2/SyncRuns/{run_id}/FinalizeDatawalletVersionUpgrade"),
            Some(&account.token),
            Some(json!({ "newDatawalletVersion": 1, "datawalletModifications": [] })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// Syncs the account's waiting external events (one sync run, finalized) and returns them.
async fn external_events(server: &Server, account: &Account) -> Vec<Value> {
    let (status, run) = server
        .call(
            Method::POST,
            "/api/v2/SyncRuns",
            Some(&account.token),
            Some(json!({ "type": "ExternalEventSync" })),
        )
        .await;
    assert!(status.is_success(), "{run}");
    let Some(run_id) = run["result"]["syncRun"]["id"].as_str() else {
        return Vec::new();
    };
    let (status, events) = server
        .call(
            Method::GET,
            &format!("/api/v2/SyncRuns/{run_id}/ExternalEvents"),
            Some(&account.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{events}");
    let events = events["result"].as_array().cloned().unwrap_or_default();
    let results: Vec<Value> = events
        .iter()
        .map(|e| json!({ "externalEventId": e["id"] }))
        .collect();
    let (status, body) = server
        .call(
            Method::PUT,
            &format!("/api/v2/SyncRuns/{run_id}/FinalizeExternalEventSync"),
            Some(&account.token),
            Some(json!({ "externalEventResults": results, "datawalletModifications": [] })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    events
}

#[tokio::test]
async fn grace_period_over_deletes_the_identity_and_tells_its_peers() {
    let server = Server::start_with(devbackbone::BackboneConfig {
        deletion_grace_period: Duration::from_secs(2),
        ..devbackbone::BackboneConfig::default()
    })
    .await;
    let deleted = server.onboard().await;
    let peer = server.onboard().await;
    let bystander = server.onboard().await;
    let relationship = server.relate(&deleted, &peer, true).await;
    create_datawallet(&server, &peer).await;
    create_datawallet(&server, &bystander).await;

    let process = start_deletion(&server, &deleted).await;
    let process_id = process["result"]["id"].as_str().unwrap().to_owned();
    assert_eq!(process["result"]["status"], "Active");

    // Poll until the devices can no longer log in (the job runs every second).
    test_support::eventually(
        "the identity deleted",
        Duration::from_secs(30),
        async || match server.login(&deleted.username, &deleted.password).await {
            (StatusCode::OK, _) => Err("its devices still log in"),
            _ => Ok(()),
        },
    )
    .await;
    // The job ran once the grace period was over: the peer has PeerDeleted (after PeerToBeDeleted).
    let mut seen = Vec::new();
    let peer_deleted = event_until(&server, &peer, &mut seen, |e| e["type"] == "PeerDeleted").await;
    assert_eq!(peer_deleted["payload"]["relationshipId"], relationship);
    assert!(
        peer_deleted["payload"]["deletionDate"]
            .as_str()
            .is_some_and(|d| d.ends_with('Z')),
        "{peer_deleted}"
    );
    assert!(
        seen.iter().any(|e| e["type"] == "PeerToBeDeleted"),
        "{seen:#?}"
    );
    // Then the relationship was decomposed on the deleted identity's behalf, which the peer is told.
    event_until(&server, &peer, &mut seen, |e| {
        e["type"] == "RelationshipStatusChanged" && e["payload"]["relationshipId"] == relationship
    })
    .await;
    // (The last status change; the first one was the acceptance.)
    let position = |kind: &str| seen.iter().rposition(|e| e["type"] == kind);
    assert!(
        position("PeerDeleted") < position("RelationshipStatusChanged"),
        "{seen:#?}"
    );
    let (status, stored) = server
        .call(
            Method::GET,
            &format!("/api/v2/Relationships/{relationship}"),
            Some(&peer.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{stored}");
    let stored = &stored["result"];
    assert_eq!(stored["status"], "DeletionProposed", "{stored}");
    let anonymous = devbackbone::anonymous_address("localhost");
    // The deleted identity was the templator (`to`); its address is gone from the relationship.
    assert_eq!(stored["to"], json!(anonymous), "{stored}");
    assert_eq!(stored["from"], json!(peer.address), "{stored}");
    let log = stored["auditLog"].as_array().unwrap();
    let last = log.last().unwrap();
    assert_eq!(
        last["reason"], "DecompositionDueToIdentityDeletion",
        "{stored}"
    );
    assert_eq!(last["createdBy"], json!(anonymous), "{stored}");
    assert!(
        log.iter().all(|e| e["createdBy"] != json!(deleted.address)),
        "{stored}"
    );
    // The peer can complete the decomposition.
    let (status, body) = server
        .call(
            Method::PUT,
            &format!("/api/v2/Relationships/{relationship}/Decompose"),
            Some(&peer.token),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Identities without a relationship hear nothing.
    let unrelated = external_events(&server, &bystander).await;
    assert!(
        unrelated.iter().all(|e| e["type"] != "PeerDeleted"),
        "{unrelated:#?}"
    );

    // The old access token no longer works, IsDeleted says so.
    let (status, _) = server
        .call(
            Method::GET,
            &format!("/api/v2/Identities/Self/DeletionProcesses/{process_id}"),
            Some(&deleted.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, is_deleted) = server
        .call(
            Method::GET,
            &format!("/api/v2/Identities/IsDeleted?username={}", deleted.username),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{is_deleted}");
    assert_eq!(is_deleted["result"]["isDeleted"], true, "{is_deleted}");
}

/// A journaled Backbone remembers the deletion: after a restart the process is still done and
/// the peer is not told twice.
#[tokio::test]
async fn the_deletion_survives_a_restart_and_is_not_repeated() {
    let dir = tempfile::tempdir().unwrap();
    let config = devbackbone::BackboneConfig {
        data_dir: Some(dir.path().to_owned()),
        deletion_grace_period: Duration::from_secs(1),
        ..devbackbone::BackboneConfig::default()
    };
    let server = Server::start_with(config.clone()).await;
    let deleted = server.onboard().await;
    let peer = server.onboard().await;
    server.relate(&peer, &deleted, true).await;
    create_datawallet(&server, &peer).await;
    start_deletion(&server, &deleted).await;
    event_until(&server, &peer, &mut Vec::new(), |e| {
        e["type"] == "PeerDeleted"
    })
    .await;
    let port = server.backbone.port();
    server.backbone.stop().await;

    let server = Server::start_with(devbackbone::BackboneConfig { port, ..config }).await;
    // Time under test: the job (every second) runs a few times after the restart; that it emits
    // nothing again can only be seen over a window.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (status, token) = server.login(&peer.username, &peer.password).await;
    assert_eq!(status, StatusCode::OK, "{token}");
    let peer = Account {
        token: token["access_token"].as_str().unwrap().to_owned(),
        ..peer
    };
    let again = external_events(&server, &peer).await;
    assert!(
        again.iter().all(|e| e["type"] != "PeerDeleted"),
        "{again:#?}"
    );
    let (status, _) = server.login(&deleted.username, &deleted.password).await;
    assert_ne!(status, StatusCode::OK);
}
