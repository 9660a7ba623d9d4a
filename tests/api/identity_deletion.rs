//! `/IdentityDeletionProcess` (debug mode) when requests race: the Backbone allows one active
//! process, and the losers get the runtime's errors, not the Backbone's.

use std::time::Duration;

use serde_json::json;

use crate::rest_peer::{Connector, relate, start_backbone, sync_until};
use crate::webhooks::{Receiver, webhooks_env};

async fn statuses_and_codes(
    connector: &Connector,
    method: &'static str,
) -> Vec<(u16, Option<String>)> {
    let calls = (0..4).map(|_| async move {
        let response = connector
            .call(method, "/IdentityDeletionProcess", None)
            .await;
        let status = response.status().as_u16();
        let body: serde_json::Value = response.json().await.unwrap();
        let code = body["error"]["code"].as_str().map(str::to_owned);
        (status, code)
    });
    futures_util::future::join_all(calls).await
}

#[tokio::test]
async fn concurrent_starts_and_cancels_leave_one_winner() {
    let backbone = start_backbone().await;
    let a = Connector::start_with_env(&backbone.base_url(), vec![("DEBUG".into(), "true".into())])
        .await;

    for (method, loser_code) in [
        (
            "POST",
            "error.runtime.identityDeletionProcess.activeIdentityDeletionProcessAlreadyExists",
        ),
        (
            "DELETE",
            "error.runtime.identityDeletionProcess.noActiveIdentityDeletionProcess",
        ),
    ] {
        let results = statuses_and_codes(&a, method).await;
        let winners = results.iter().filter(|(status, _)| *status == 200).count();
        assert_eq!(winners, 1, "{method}: {results:?}");
        for (status, code) in results.iter().filter(|(status, _)| *status != 200) {
            assert_eq!(*status, 400, "{method}: {results:?}");
            assert_eq!(code.as_deref(), Some(loser_code), "{method}: {results:?}");
        }
    }
}

/// When the grace period of b's deletion is over, the dev Backbone's actual deletion job tells a
/// (related to b) with PeerDeleted: after a sync, a's webhook gets `transport.peerDeleted` with
/// the relationship, whose peerDeletionInfo says Deleted, and REST shows the same; then the
/// relationship, decomposed on b's behalf, is DeletionProposed.
#[tokio::test(flavor = "multi_thread")]
async fn peer_deleted_after_the_grace_period_reaches_the_webhook() {
    let receiver = Receiver::start();
    let backbone = devbackbone::start(devbackbone::BackboneConfig {
        deletion_grace_period: Duration::from_secs(2),
        ..devbackbone::BackboneConfig::default()
    })
    .await
    .unwrap();
    let settings = json!({
        "webhooks": [{"triggers": ["transport.**"], "target": {"url": format!("{}/hook", receiver.base)}}],
    });
    let a = Connector::start_with_env(&backbone.base_url(), webhooks_env(&settings)).await;
    let b = Connector::start_with_env(&backbone.base_url(), vec![("DEBUG".into(), "true".into())])
        .await;
    relate(&a, &b).await;
    let relationship = a.get("/Relationships").await[0].clone();
    let id = relationship["id"].as_str().unwrap().to_owned();

    let process = b.ok("POST", "/IdentityDeletionProcess", None, 200).await;
    assert!(process["gracePeriodEndsAt"].is_string(), "{process}");

    // a syncs until the Backbone's job has run and the event reached the webhook.
    let hit = test_support::eventually(
        "transport.peerDeleted at the webhook",
        Duration::from_secs(60),
        async || {
            a.sync().await;
            let hits = receiver.hits("/hook");
            let triggers: Vec<&str> = hits.iter().map(crate::webhooks::Hit::trigger).collect();
            hits.iter()
                .find(|h| h.trigger() == "transport.peerDeleted")
                .cloned()
                .ok_or_else(|| format!("{triggers:?}"))
        },
    )
    .await;
    let data = &hit.body["data"];
    assert_eq!(data["id"], json!(id), "{data}");
    assert_eq!(data["peer"], relationship["peer"], "{data}");
    assert_eq!(
        data["peerDeletionInfo"]["deletionStatus"], "Deleted",
        "{data}"
    );
    assert!(
        data["peerDeletionInfo"]["deletionDate"]
            .as_str()
            .is_some_and(|d| d.ends_with('Z')),
        "{data}"
    );
    // The ToBeDeleted step came first.
    let triggers: Vec<String> = receiver
        .hits("/hook")
        .iter()
        .map(|h| h.trigger().to_owned())
        .collect();
    let to_be_deleted = triggers
        .iter()
        .position(|t| t == "transport.peerToBeDeleted");
    let deleted = triggers.iter().position(|t| t == "transport.peerDeleted");
    assert!(
        to_be_deleted.is_some() && to_be_deleted < deleted,
        "{triggers:?}"
    );

    // The Backbone decomposed the relationship on b's behalf; a learns it with the next syncs.
    let path = format!("/Relationships/{id}");
    let stored = sync_until(&a, &path, |stored| stored["status"] == "DeletionProposed").await;
    assert_eq!(
        stored["peerDeletionInfo"], data["peerDeletionInfo"],
        "{stored}"
    );
    assert_eq!(
        stored["auditLog"].as_array().unwrap().last().unwrap()["reason"],
        "DecompositionDueToIdentityDeletion",
        "{stored}"
    );
}
