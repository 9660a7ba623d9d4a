//! Claim before side effect (issue 17): an outgoing request is claimed by compare-and-set before
//! the message carrying it leaves. Two concurrent `POST /Messages` with one request, through two
//! replicas of one identity, send exactly one message; a process killed between the claim and
//! the send leaves the request sendable (after the claim's time-to-live), not stuck.

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::FULL_KEY;
use crate::processes::{KillOnDrop, connector_start, free_port, serving};
use crate::replicas_set::{ReplicaSet, messages_from, sync};
use crate::rest_peer::{Connector, in_a_day, relate, start_backbone};

const SHARED_REDIS: &str = "redis://127.0.0.1:6379";
const ABORT_HOOK: &str = "CONNECTOR_TEST_HOOK_ABORT_AT";

/// A Draft outgoing request of `sender` to `peer`: its id and content.
async fn draft_request(sender: &Connector, peer: &str) -> (String, Value) {
    let items = json!([{"@type": "FormFieldRequestItem", "mustBeAccepted": false, "title": "Comment",
        "settings": {"@type": "StringFormFieldSettings"}}]);
    let created = sender
        .post(
            "/Requests/Outgoing",
            json!({"content": {"expiresAt": in_a_day(), "items": items}, "peer": peer}),
        )
        .await;
    (
        created["id"].as_str().unwrap().to_owned(),
        created["content"].clone(),
    )
}

/// `POST /Messages` with the request; status and body.
async fn send(sender: &Connector, peer: &str, content: &Value) -> (u16, Value) {
    let response = sender
        .call(
            "POST",
            "/Messages",
            Some(json!({"recipients": [peer], "content": content})),
        )
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

/// The messages of `sender` at `peer` that carry request `id` (after a sync).
async fn received_requests(peer: &Connector, sender: &str, id: &str) -> Vec<Value> {
    let (status, body) = sync(peer).await;
    assert_eq!(status, 204, "sync: {body}");
    messages_from(peer, sender)
        .await
        .into_iter()
        .filter(|m| m["content"]["@type"] == "Request" && m["content"]["id"] == id)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sends_of_one_request_through_two_replicas_send_one_message() {
    let set = ReplicaSet::start(SHARED_REDIS, 100).await;
    let (a, b) = (&set.replicas[0].api, &set.replicas[1].api);
    for round in 0..5 {
        let (id, content) = draft_request(a, &set.peer_address).await;
        let (first, second) = tokio::join!(
            send(a, &set.peer_address, &content),
            send(b, &set.peer_address, &content)
        );
        let statuses = [first.0, second.0];
        assert!(
            statuses.contains(&201) && statuses.contains(&400),
            "round {round}: exactly one send succeeds: {first:?} {second:?}"
        );
        let refused = if first.0 == 400 { &first.1 } else { &second.1 };
        assert_eq!(
            refused["error"]["code"], "error.runtime.messages.cannotSendRequestThatWasAlreadySent",
            "round {round}: {refused}"
        );
        let sent = if first.0 == 201 { &first.1 } else { &second.1 };
        let request = a.get(&format!("/Requests/Outgoing/{id}")).await;
        assert_eq!(request["status"], "Open", "{request}");
        assert_eq!(request["source"]["reference"], sent["result"]["id"]);
        // Both sends have answered, so whatever was sent is on the Backbone: one sync sees it.
        let received = received_requests(&set.peer, &set.address, &id).await;
        assert_eq!(received.len(), 1, "round {round}: {received:#?}");
        assert_eq!(received[0]["id"], sent["result"]["id"]);
    }
}

/// `connector start` on the embedded store in `dir`, with a send claim that expires after 2 s;
/// aborting at `abort_at`, if any.
fn start_process(dir: &Path, backbone: &str, port: u16, abort_at: Option<&str>) -> KillOnDrop {
    let mut command = connector_start(dir, backbone, port);
    command
        .env(
            "infrastructure__replicas__leases__requestSendTtlSeconds",
            "2",
        )
        .env_remove(ABORT_HOOK);
    if let Some(point) = abort_at {
        command.env(ABORT_HOOK, point);
    }
    KillOnDrop(command.spawn().unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_send_killed_between_claim_and_send_is_not_stuck() {
    let backbone = start_backbone().await;
    let peer = Connector::start(&backbone.base_url()).await;
    let peer_address = peer.address().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut process = start_process(
        dir.path(),
        &backbone.base_url(),
        port,
        Some("request-send-claimed"),
    );
    let sender = serving(port).await;
    relate(&sender, &peer).await;
    let sender_address = sender.address().await;
    let (id, content) = draft_request(&sender, &peer_address).await;

    // The process dies holding the claim, before the message leaves: no answer.
    let _ = reqwest::Client::new()
        .post(sender.url("/Messages"))
        .header("X-API-KEY", FULL_KEY)
        .json(&json!({"recipients": [peer_address], "content": content}))
        .send()
        .await;
    let status = tokio::task::spawn_blocking(move || {
        let status = process.0.wait().unwrap();
        drop(process);
        status
    })
    .await
    .unwrap();
    assert_eq!(status.signal(), Some(6), "the hook aborted: {status:?}");

    // Started again on the same data: the request is still a Draft, and once the dead sender's
    // claim has expired (2 s; time is under test here) it is sent, exactly once.
    let _process = start_process(dir.path(), &backbone.base_url(), port, None);
    let sender = serving(port).await;
    let request = sender.get(&format!("/Requests/Outgoing/{id}")).await;
    assert_eq!(request["status"], "Draft", "{request}");
    // Time under test: the dead holder's claim runs out (requestSendTtlSeconds = 2).
    let sent =
        test_support::eventually("the claim released", Duration::from_secs(30), async || {
            let (status, body) = send(&sender, &peer_address, &content).await;
            if status == 201 {
                return Ok(body);
            }
            assert_eq!(
                body["error"]["code"], "error.runtime.messages.cannotSendRequestThatWasAlreadySent",
                "{body}"
            );
            Err(body)
        })
        .await;
    let request = sender.get(&format!("/Requests/Outgoing/{id}")).await;
    assert_eq!(request["status"], "Open", "{request}");
    assert_eq!(request["source"]["reference"], sent["result"]["id"]);
    let received = received_requests(&peer, &sender_address, &id).await;
    assert_eq!(received.len(), 1, "{received:#?}");
    // Sent now, it cannot be sent again.
    let (status, body) = send(&sender, &peer_address, &content).await;
    assert_eq!(status, 400, "{body}");
}
