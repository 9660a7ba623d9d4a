//! Consumption work a crash left unfinished is picked up at start (issue 18): a real
//! `connector start` process dies (abort, as a kill -9 would) after storing an incoming request
//! and before deciding it, after deciding it and before answering, or after answering and before
//! completing it; started again on the same data, it finishes the request by its automation
//! config, and the peer gets exactly one answer.

use std::os::unix::process::ExitStatusExt;
use std::path::Path;

use serde_json::{Value, json};

use crate::helpers::FULL_KEY;
use crate::processes::{KillOnDrop, connector_start, free_port, serving};
use crate::rest_peer::{
    Connector, in_a_day, read_until, relate, send_request, start_backbone, sync_until,
};

/// The debug-build test hook that aborts the process at a named point.
const ABORT_HOOK: &str = "CONNECTOR_TEST_HOOK_ABORT_AT";

/// The debug-build test hook that slows the consumption consumer down.
const DELAY_HOOK: &str = "CONNECTOR_TEST_HOOK_CONSUMPTION_DELAY_MS";

/// `connector start` on the embedded store in `dir`, rejecting every request of `peer` by its
/// automation config; with a test hook (its variable and value), if any.
fn start_process(
    dir: &Path,
    backbone: &str,
    port: u16,
    peer: &str,
    hook: Option<(&str, &str)>,
) -> KillOnDrop {
    let automation = json!([{
        "requestConfig": {"peer": [peer]},
        "responseConfig": {"accept": false, "message": "not today"}
    }]);
    let mut command = connector_start(dir, backbone, port);
    command
        .env("modules__decider__automationConfig", automation.to_string())
        .env_remove(ABORT_HOOK)
        .env_remove(DELAY_HOOK);
    if let Some((name, value)) = hook {
        command.env(name, value);
    }
    KillOnDrop(command.spawn().unwrap())
}

/// a relates to b and sends it a request (one FormField item): the request's id and b's
/// address.
async fn relate_and_send_a_request(a: &Connector, b: &Connector) -> (String, String) {
    relate(a, b).await;
    let b_address = b.address().await;
    let items = json!([{"@type": "FormFieldRequestItem", "mustBeAccepted": false, "title": "Comment",
        "settings": {"@type": "StringFormFieldSettings"}}]);
    let created = send_request(
        a,
        json!({"content": {"expiresAt": in_a_day(), "items": items}, "peer": b_address}),
    )
    .await;
    (created["id"].as_str().unwrap().to_owned(), b_address)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_left_undecided_by_a_crash_is_decided_after_restart() {
    crash_and_resume("incoming-request-stored").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_decided_request_whose_answer_was_not_sent_is_answered_after_restart() {
    crash_and_resume("request-decided").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sent_answer_is_not_sent_again_after_restart() {
    crash_and_resume("answer-sent").await;
}

async fn crash_and_resume(abort_at: &str) {
    let backbone = start_backbone().await;
    let a = Connector::start(&backbone.base_url()).await;
    let a_address = a.address().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut b_process = start_process(
        dir.path(),
        &backbone.base_url(),
        port,
        &a_address,
        Some((ABORT_HOOK, abort_at)),
    );
    let b = serving(port).await;
    // a sends a request; b stores it when it syncs, and the hook aborts b on the way.
    let (request_id, b_address) = relate_and_send_a_request(&a, &b).await;
    // The sync may not answer: the process dies while running it.
    let _ = reqwest::Client::new()
        .post(b.url("/Account/Sync"))
        .header("X-API-KEY", FULL_KEY)
        .send()
        .await;
    let status = tokio::task::spawn_blocking(move || {
        let status = b_process.0.wait().unwrap();
        drop(b_process);
        status
    })
    .await
    .unwrap();
    assert_eq!(
        status.signal(),
        Some(6),
        "the hook aborted the process: {status:?}"
    );

    // Started again on the same data (without the hook): the automation config decides it.
    let _b_process = start_process(dir.path(), &backbone.base_url(), port, &a_address, None);
    let b = serving(port).await;
    let incoming = read_until(&b, &format!("/Requests/Incoming?id={request_id}"), |v| {
        v[0]["status"] == "Completed"
    })
    .await;
    assert_eq!(incoming[0]["wasAutomaticallyDecided"], true, "{incoming}");
    assert_eq!(incoming[0]["response"]["content"]["result"], "Rejected");
    assert_eq!(incoming[0]["response"]["source"]["type"], "Message");
    // The answer reached the peer.
    let outgoing = sync_until(&a, &format!("/Requests/Outgoing?id={request_id}"), |v| {
        v[0]["status"] == "Completed"
    })
    .await;
    assert_eq!(outgoing[0]["response"]["content"]["result"], "Rejected");
    // Exactly one answer: the one the request names as its source.
    let answers: Vec<Value> = a
        .get(&format!("/Messages?createdBy={b_address}"))
        .await
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["content"]["@type"] == "ResponseWrapper")
        .cloned()
        .collect();
    assert_eq!(answers.len(), 1, "{answers:#?}");
    assert_eq!(
        answers[0]["id"],
        incoming[0]["response"]["source"]["reference"]
    );
}

/// An automatic answer that cannot be sent because the Backbone is away is sent by the
/// consumption consumer's retry once it is back, without a restart: b's consumer is slowed
/// (debug-build hook) so the Backbone can be stopped between b's sync storing the request and
/// the decider answering it; the request waits as Decided, and after the Backbone is back (same
/// port, same data) it is answered once and completed.
#[tokio::test(flavor = "multi_thread")]
async fn an_answer_failed_while_the_backbone_was_away_is_sent_by_the_retry() {
    let backbone_dir = tempfile::tempdir().unwrap();
    let backbone_config = devbackbone::BackboneConfig {
        port: free_port(),
        data_dir: Some(backbone_dir.path().to_owned()),
        ..devbackbone::BackboneConfig::default()
    };
    let backbone = devbackbone::start(backbone_config.clone()).await.unwrap();
    let a = Connector::start(&backbone.base_url()).await;
    let a_address = a.address().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let _b_process = start_process(
        dir.path(),
        &backbone.base_url(),
        port,
        &a_address,
        Some((DELAY_HOOK, "1500")),
    );
    let b = serving(port).await;
    let (request_id, b_address) = relate_and_send_a_request(&a, &b).await;
    // b stores the message; its consumer reacts 1.5 s later, by then the Backbone is away.
    b.sync().await;
    backbone.stop().await;
    let decided = read_until(&b, &format!("/Requests/Incoming?id={request_id}"), |v| {
        v[0]["status"] == "Decided"
    })
    .await;
    assert_eq!(decided[0]["response"]["content"]["result"], "Rejected");

    // Back on the same port with the same data: the retry sends the answer.
    let _backbone = devbackbone::start(backbone_config).await.unwrap();
    let incoming = read_until(&b, &format!("/Requests/Incoming?id={request_id}"), |v| {
        v[0]["status"] == "Completed"
    })
    .await;
    assert_eq!(incoming[0]["wasAutomaticallyDecided"], true, "{incoming}");
    let outgoing = sync_until(&a, &format!("/Requests/Outgoing?id={request_id}"), |v| {
        v[0]["status"] == "Completed"
    })
    .await;
    assert_eq!(outgoing[0]["response"]["content"]["result"], "Rejected");
    let answers = a.get(&format!("/Messages?createdBy={b_address}")).await;
    let answers: Vec<&Value> = answers
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["content"]["@type"] == "ResponseWrapper")
        .collect();
    assert_eq!(answers.len(), 1, "{answers:#?}");
}
