//! Messages through a replica set (issue 7): three `connector start` processes of one identity
//! on the MongoDB stand-in with Redis leases, and a peer on its embedded store, same dev Backbone.
//!
//! N = `REPLICA_TEST_MESSAGES` (CI: the default, 1000). The dev Backbone is configured to accept
//! N + 10 unreceived messages from one sender (the real default is 20), so that sends are not
//! refused while the receiving side has not synced yet; the receivers still sync while the sends
//! go on.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::replicas_set::{
    ReplicaSet, handle, listed, message_to, messages_from, size_from_env, sync_until, tag_of,
    try_call,
};
use crate::rest_peer::Connector;
use crate::webhooks::Receiver;

const SHARED_REDIS: &str = "redis://127.0.0.1:6379";
/// Concurrent sends (2 per replica).
const CONCURRENCY: usize = 6;

fn messages() -> usize {
    size_from_env("REPLICA_TEST_MESSAGES", 1000)
}

/// Sends `tags` from the replicas (tag i through replica i % n of `senders`) or from one
/// Connector; returns tag → message id of every 201.
pub async fn send_all(
    senders: &[&Connector],
    recipient: &str,
    tags: Vec<String>,
    concurrency: usize,
) -> BTreeMap<String, String> {
    futures_util::stream::iter(tags.into_iter().enumerate())
        .map(|(i, tag)| {
            let sender = senders[i % senders.len()];
            async move {
                let response = sender
                    .call("POST", "/Messages", Some(message_to(recipient, &tag)))
                    .await;
                let status = response.status().as_u16();
                let body: Value = response.json().await.unwrap_or_default();
                assert_eq!(status, 201, "send {tag}: {body}");
                (tag, body["result"]["id"].as_str().unwrap().to_owned())
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await
}

/// Syncs `api` in a loop until `stop`; the statuses of all syncs that did not answer 204.
pub fn keep_syncing(api: Connector, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<Vec<String>> {
    keep_syncing_with(api, stop, false)
}

/// As [`keep_syncing`]; with `until_failure` (a replica that will be killed) it ends quietly at
/// the first call that fails.
pub fn keep_syncing_with(
    api: Connector,
    stop: Arc<AtomicBool>,
    until_failure: bool,
) -> tokio::task::JoinHandle<Vec<String>> {
    tokio::spawn(async move {
        let mut failures = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            match try_call(&api, "POST", "/Account/Sync", None).await {
                Some((204, _)) => {}
                _ if until_failure => break,
                Some((status, body)) => failures.push(format!("{status} {body}")),
                None => failures.push("no connection".to_owned()),
            }
            // Pacing, not waiting: a sync every 50 ms is the load these tests put on the set.
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        failures
    })
}

/// The listed messages by id; fails on a repeated id.
pub fn ids_once(messages: &[Value], who: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for message in messages {
        let id = message["id"].as_str().unwrap().to_owned();
        assert!(ids.insert(id.clone()), "{who}: {id} is listed twice");
    }
    ids
}

/// Issue 7, acceptance 1: N messages sent round-robin through the three replicas reach the
/// peer exactly once each, and the peer reads every content.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn messages_sent_round_robin_through_three_replicas_reach_the_peer_once_each() {
    let n = messages();
    let set = ReplicaSet::start(SHARED_REDIS, n + 10).await;
    let started = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let peer_sync = keep_syncing(handle(&set.peer), Arc::clone(&stop));
    let senders: Vec<&Connector> = set.replicas.iter().map(|r| &r.api).collect();
    let tags: Vec<String> = (0..n).map(|i| format!("rr-{i}")).collect();
    let sent = send_all(&senders, &set.peer_address, tags, CONCURRENCY).await;
    let sending = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let failures = peer_sync.await.unwrap();
    assert!(failures.is_empty(), "peer syncs failed: {failures:?}");

    let received = sync_until(&set.peer, &set.address, n, Duration::from_secs(120)).await;
    println!(
        "{n} messages through 3 replicas: sent in {sending:?}, all received after {:?}",
        started.elapsed()
    );
    let ids = ids_once(&received, "peer");
    let sent_ids: BTreeSet<String> = sent.values().cloned().collect();
    assert_eq!(sent_ids.len(), n, "every send got its own message id");
    assert_eq!(ids, sent_ids, "the peer received exactly the sent messages");
    for message in &received {
        let tag = tag_of(message).unwrap_or_else(|| panic!("unreadable content: {message}"));
        assert_eq!(
            sent[&tag], message["id"],
            "tag {tag} arrived as the message sent"
        );
    }
    // The replicas share one store: each sees every sent message once.
    for replica in &set.replicas {
        let own = messages_from(&replica.api, &set.address).await;
        assert_eq!(ids_once(&own, "replica"), sent_ids);
    }
}

/// Issue 7, acceptance 2: a peer sends N messages while all three replicas sync continuously;
/// each message is listed exactly once on every replica (same ids), and the
/// `transport.messageReceived` event fires exactly once per message across the set: counted as
/// webhooks (each replica posts its events to a receiver in the test) and in the replicas' JSON
/// logs (the line is written where the event is published).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_peer_s_messages_appear_once_on_every_replica_while_all_sync() {
    let n = messages();
    let receiver = Receiver::start();
    let set = ReplicaSet::start_with_env(SHARED_REDIS, n + 10, |i| {
        let hooks = json!([{"triggers": ["transport.messageReceived"],
            "target": {"url": format!("{}/replica{i}", receiver.base)}}]);
        vec![
            ("modules__webhooks__enabled".into(), "true".into()),
            ("modules__webhooks__webhooks".into(), hooks.to_string()),
        ]
    })
    .await;
    let started = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let syncing: Vec<_> = set
        .replicas
        .iter()
        .map(|r| keep_syncing(handle(&r.api), Arc::clone(&stop)))
        .collect();
    let tags: Vec<String> = (0..n).map(|i| format!("peer-{i}")).collect();
    let sent = send_all(&[&set.peer], &set.address, tags, 4).await;
    let sent_ids: BTreeSet<String> = sent.values().cloned().collect();
    // Let the continuous syncs pick up everything, then stop them. The bound is generous: three
    // replicas share the MongoDB stand-in (one Python process) and 2 cores with everything else,
    // and took 53-130 s for 1000 messages on such a machine.
    listed(
        &set.replicas[0].api,
        &set.peer_address,
        n,
        Duration::from_secs(300),
    )
    .await;
    stop.store(true, Ordering::Relaxed);
    for task in syncing {
        let failures = task.await.unwrap();
        assert!(failures.is_empty(), "replica syncs failed: {failures:?}");
    }
    println!(
        "{n} messages to 3 syncing replicas: all received after {:?}",
        started.elapsed()
    );
    for replica in &set.replicas {
        let listed = messages_from(&replica.api, &set.peer_address).await;
        assert_eq!(
            ids_once(&listed, "replica"),
            sent_ids,
            "same ids everywhere"
        );
        for message in &listed {
            assert!(tag_of(message).is_some(), "unreadable content: {message}");
        }
    }
    let events = received_events(&set);
    let mut per_replica = Vec::new();
    for (index, ids) in events.iter().enumerate() {
        per_replica.push(ids.len());
        for id in ids {
            assert!(
                sent_ids.contains(id),
                "replica {index}: event for unknown {id}"
            );
        }
    }
    let all: Vec<&String> = events.iter().flatten().collect();
    let distinct: BTreeSet<&String> = all.iter().copied().collect();
    assert_eq!(
        all.len(),
        distinct.len(),
        "an event fired twice: {per_replica:?}"
    );
    assert_eq!(distinct.len(), n, "one event per message: {per_replica:?}");
    println!("messageReceived log lines per replica: {per_replica:?}");

    // The same through webhooks: one POST per message, from whichever replica stored it.
    receiver
        .wait_for("/replica", Duration::from_secs(60), "webhooks", |h| {
            h.len() >= n
        })
        .await;
    // Late duplicates would arrive now.
    let hits = receiver.quiet_for("/replica", Duration::from_secs(1)).await;
    let mut hooked = BTreeSet::new();
    for hit in &hits {
        assert_eq!(hit.trigger(), "transport.messageReceived");
        let id = hit.body["data"]["id"].as_str().unwrap().to_owned();
        assert!(hooked.insert(id.clone()), "webhook for {id} twice");
    }
    assert_eq!(hooked, sent_ids, "one webhook per message");
}

/// Replicas `indices` of `set` list exactly `sent` of `sender`, each once.
pub async fn assert_listed_once(
    set: &ReplicaSet,
    indices: &[usize],
    sender: &str,
    sent: &BTreeSet<String>,
) {
    for &index in indices {
        let listed = messages_from(&set.replicas[index].api, sender).await;
        assert_eq!(&ids_once(&listed, "replica"), sent, "replica {index}");
    }
}

/// The messages the replicas' `transport.messageReceived` log lines name; fails when one is
/// named twice (an event fired twice).
pub fn events_once(set: &ReplicaSet) -> BTreeSet<String> {
    let events = received_events(set);
    let all: Vec<&String> = events.iter().flatten().collect();
    let distinct: BTreeSet<String> = all.iter().map(|id| (*id).clone()).collect();
    assert_eq!(
        all.len(),
        distinct.len(),
        "an event fired twice: {events:?}"
    );
    distinct
}

/// The message ids of the `transport.messageReceived` log lines of each replica.
pub fn received_events(set: &ReplicaSet) -> Vec<Vec<String>> {
    set.replicas
        .iter()
        .map(|replica| {
            replica
                .log_lines()
                .iter()
                .filter_map(|line| {
                    let fields = line.get("fields").unwrap_or(line);
                    (fields["event"] == "transport.messageReceived")
                        .then(|| fields["message.id"].as_str().map(str::to_owned))
                        .flatten()
                })
                .collect()
        })
        .collect()
}
