//! Durable events (issue 18) on one Connector: a webhook receiver that is down, then failing,
//! then back gets every event once and in order, also across a kill -9 and restart of the
//! Connector during the outage; a receiver that stalls while more events are emitted than the
//! old in-memory queues held misses none.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::{Value, json};

use crate::processes::{KillOnDrop, connector_start, free_port};
use crate::replicas_set::{size_from_env, wait_until_serving};
use crate::rest_peer::{Connector, start_backbone};
use crate::webhooks::{Hit, Receiver, webhooks_env};

const CREATED: &str = "consumption.attributeCreated";

fn given_name(value: &str) -> Value {
    json!({"content": {"value": {"@type": "GivenName", "value": value}}})
}

async fn backbone() -> devbackbone::RunningBackbone {
    start_backbone().await
}

/// `connector start` on an embedded store in `dir` (kept across restarts).
fn start_process(
    dir: &std::path::Path,
    backbone: &str,
    port: u16,
    env: &[(String, String)],
) -> KillOnDrop {
    let child = connector_start(dir, backbone, port)
        .envs(env.iter().cloned())
        .spawn()
        .unwrap();
    KillOnDrop(child)
}

/// The attribute id of each hit's event.
fn attribute_ids(hits: &[Hit]) -> Vec<String> {
    hits.iter()
        .map(|h| h.body["data"]["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Every hit of one event carries one `webhook-id`, and no two events share one.
fn assert_one_id_per_event(hits: &[Hit]) {
    let mut by_webhook_id: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for hit in hits {
        let id = hit.header("webhook-id").expect("webhook-id").to_owned();
        by_webhook_id
            .entry(id)
            .or_default()
            .insert(hit.body["data"]["id"].as_str().unwrap().to_owned());
    }
    assert!(
        by_webhook_id.values().all(|events| events.len() == 1),
        "one event per webhook-id"
    );
}

/// The hits with consecutive repeats (retries of one event) folded into one.
fn folded(ids: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in ids {
        if out.last() != Some(id) {
            out.push(id.clone());
        }
    }
    out
}

/// Connection refused (nothing listens), a kill -9 and restart of the Connector meanwhile, then
/// three 500s, then 200s: the receiver gets every event, in the order emitted, each one answered
/// 200 once (every attempt of an event carries its `webhook-id`).
#[tokio::test(flavor = "multi_thread")]
async fn a_receiver_that_was_down_gets_every_event_in_order_across_a_restart() {
    let count = size_from_env("DURABLE_EVENTS_OUTAGE_EVENTS", 20);
    let receiver_port = free_port();
    let settings = json!({
        "retries": {"count": 2, "initialDelayMs": 100},
        "webhooks": [{"triggers": [CREATED],
                      "target": {"url": format!("http://127.0.0.1:{receiver_port}/down")}}],
    });
    let env = webhooks_env(&settings);
    let backbone = backbone().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let a = Connector::remote(&format!("http://127.0.0.1:{port}"));
    let process = start_process(dir.path(), &backbone.base_url(), port, &env);
    wait_until_serving(&a).await;

    let mut created = Vec::new();
    for i in 0..count / 2 {
        let attribute = a
            .post("/Attributes", given_name(&format!("before-{i}")))
            .await;
        created.push(attribute["id"].as_str().unwrap().to_owned());
    }
    // kill -9 while the first events are between retries, and start again on the same store.
    drop(process);
    let _process = start_process(dir.path(), &backbone.base_url(), port, &env);
    wait_until_serving(&a).await;
    for i in count / 2..count {
        let attribute = a
            .post("/Attributes", given_name(&format!("after-{i}")))
            .await;
        created.push(attribute["id"].as_str().unwrap().to_owned());
    }

    let receiver = Receiver::start_on(receiver_port);
    receiver.script("/down", &[500, 500, 500]);
    let hits = receiver
        .wait_for("/down", Duration::from_secs(60), "every event", |h| {
            h.len() >= count + 3 && folded(&attribute_ids(h)).len() >= count
        })
        .await;
    let ids = attribute_ids(&hits);
    assert_eq!(
        folded(&ids),
        created,
        "every event, in order, no event again later"
    );
    assert!(
        ids[..3].iter().all(|id| id == &created[0]),
        "the 500s were for the first event: {:?}",
        &ids[..4]
    );
    assert_eq!(hits.len(), count + 3, "each event answered 200 once");
    assert_one_id_per_event(&hits);
}

/// The receiver stalls (holds its first request) while more events are emitted than the old
/// in-memory broadcast and queue held (1024 each); once it answers again, every event arrives
/// once, in order.
#[tokio::test(flavor = "multi_thread")]
async fn a_stalled_receiver_misses_nothing() {
    let count = size_from_env("DURABLE_EVENTS_LAG_EVENTS", 1100);
    let receiver = Receiver::start();
    let gate = receiver.hold("/slow");
    let settings = json!({
        "webhooks": [{"triggers": [CREATED], "target": {"url": format!("{}/slow", receiver.base)}}],
    });
    let backbone = backbone().await;
    let a = std::sync::Arc::new(
        Connector::start_with_env(&backbone.base_url(), webhooks_env(&settings)).await,
    );
    // Several clients at once, so the events come faster than one receiver answers.
    let clients: Vec<_> = (0..8)
        .map(|client| {
            let a = std::sync::Arc::clone(&a);
            tokio::spawn(async move {
                let mut ids = Vec::new();
                for i in (client..count).step_by(8) {
                    let attribute = a.post("/Attributes", given_name(&format!("n{i}"))).await;
                    ids.push(attribute["id"].as_str().unwrap().to_owned());
                }
                ids
            })
        })
        .collect();
    let mut created = BTreeSet::new();
    for client in clients {
        created.extend(client.await.unwrap());
    }
    assert_eq!(created.len(), count);
    // Only the first event was tried so far (held; a retry after the 30 s client timeout would
    // be the same event): everything else waits in the outbox.
    let held: BTreeSet<String> = receiver
        .hits("/slow")
        .iter()
        .map(|h| h.header("webhook-id").unwrap().to_owned())
        .collect();
    assert_eq!(held.len(), 1, "one event in flight");
    gate.send(true).unwrap();
    let hits = receiver
        .wait_for("/slow", Duration::from_secs(120), "every event", |h| {
            folded(&attribute_ids(h)).len() >= count
        })
        .await;
    let ids = folded(&attribute_ids(&hits));
    assert_eq!(
        ids.iter().cloned().collect::<BTreeSet<_>>(),
        created,
        "every event arrived"
    );
    assert_eq!(ids.len(), count, "each once, in one order");
    assert_one_id_per_event(&hits);
}
