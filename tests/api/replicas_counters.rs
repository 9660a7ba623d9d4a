//! Send counters reserved in blocks (issue 20) under a crash: three replicas of one identity send
//! a burst round-robin to the peer with small blocks (`infrastructure.replicas.sendCounterBlock`
//! = 8, so every replica reserves many), replica 0 is killed (-9) in the middle, a new replica
//! process starts on the same database and sends more. Every message answered 201 reaches the
//! peer exactly once, and no transmit counter was used twice: the counters are read from the
//! encrypted keys of every message the dev Backbone accepted from the identity (what the peer
//! decrypts), including sends in flight at the kill.
//!
//! Size: `REPLICA_COUNTER_MESSAGES` (default 150) sends in the burst.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::replicas_failover::send_tolerating_failures;
use crate::replicas_messages::ids_once;
use crate::replicas_set::{
    ReplicaSet, handle, messages_from, size_from_env, spawn_replica, sync, tag_of,
    wait_until_serving,
};

const SHARED_REDIS: &str = "redis://127.0.0.1:6379";
const BLOCK: u32 = 8;

/// The counter of every message key the Backbone holds from `sender`, by message id.
fn counters_from(set: &ReplicaSet, sender: &str) -> BTreeMap<String, u32> {
    set.backbone()
        .message_keys()
        .into_iter()
        .filter(|key| key.sender == sender)
        .map(|key| {
            let cipher = nmshd_crypto::Cipher::from_base64(&key.encrypted_key).unwrap();
            let nmshd_crypto::CipherNonce::Counter(counter) = cipher.nonce else {
                panic!("the key of {} carries no counter", key.message_id);
            };
            (key.message_id, counter)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_during_a_burst_of_sends_loses_no_answered_message_and_reuses_no_counter() {
    let m = size_from_env("REPLICA_COUNTER_MESSAGES", 150);
    let block_env = || {
        vec![(
            "infrastructure__replicas__sendCounterBlock".to_owned(),
            BLOCK.to_string(),
        )]
    };
    let mut set = ReplicaSet::start_with_env(SHARED_REDIS, 10 * m, |_| block_env()).await;

    let accepted = Arc::new(AtomicUsize::new(0));
    let tags: Vec<String> = (0..m).map(|i| format!("burst-{i}")).collect();
    let sending = tokio::spawn(send_tolerating_failures(
        set.replicas.iter().map(|r| handle(&r.api)).collect(),
        set.peer_address.clone(),
        tags,
        Arc::clone(&accepted),
    ));
    // Looked at often: the kill must come while sends are still in flight.
    test_support::eventually_every(
        "a third of the sends answered",
        Duration::from_secs(120),
        Duration::from_millis(5),
        async || {
            let answered = accepted.load(Ordering::Relaxed);
            if answered >= m / 3 {
                Ok(())
            } else {
                Err(answered)
            }
        },
    )
    .await;
    set.replicas[0].kill();
    let mut outcomes = sending.await.unwrap();
    assert!(
        !sending_finished_before_the_kill(&outcomes),
        "every send was answered: the kill came too late (raise REPLICA_COUNTER_MESSAGES)"
    );

    // A new process on the same database (a restart) sends more: it must not take counters
    // of the dead process' block.
    let mut env = block_env();
    env.push(("database__dbName".into(), set.db_name.clone()));
    let restarted = spawn_replica(set.dir(), 3, &set.urls, env);
    wait_until_serving(&restarted.api).await;
    let after: Vec<String> = (0..BLOCK + 2).map(|i| format!("after-{i}")).collect();
    let more = send_tolerating_failures(
        vec![handle(&restarted.api)],
        set.peer_address.clone(),
        after,
        Arc::new(AtomicUsize::new(0)),
    )
    .await;
    assert!(
        more.values().all(Option::is_some),
        "the restarted replica sends: {more:?}"
    );
    outcomes.extend(more);

    let acknowledged: BTreeMap<&String, &String> = outcomes
        .iter()
        .filter_map(|(tag, id)| id.as_ref().map(|id| (tag, id)))
        .collect();
    println!(
        "{} of {} sends answered 201 around the kill of replica 0",
        acknowledged.len(),
        outcomes.len()
    );

    // Every acknowledged message reaches the peer, once; so does every message the Backbone
    // took from the identity (also those whose sender died before answering).
    let counters = counters_from(&set, &set.address);
    let on_backbone: BTreeSet<String> = counters.keys().cloned().collect();
    for id in acknowledged.values() {
        assert!(
            on_backbone.contains(*id),
            "{id} answered 201 but is not on the Backbone"
        );
    }
    let received = test_support::eventually(
        "every send on the Backbone received by the peer",
        Duration::from_secs(120),
        async || {
            let (status, body) = sync(&set.peer).await;
            assert_eq!(status, 204, "peer sync: {body}");
            let received = messages_from(&set.peer, &set.address).await;
            let ids: BTreeSet<&str> = received.iter().filter_map(|m| m["id"].as_str()).collect();
            let missing = on_backbone
                .iter()
                .filter(|id| !ids.contains(id.as_str()))
                .count();
            if missing == 0 {
                Ok(received)
            } else {
                Err(format!("{missing} missing"))
            }
        },
    )
    .await;
    let peer_ids = ids_once(&received, "peer");
    let mut tags_seen = BTreeSet::new();
    for message in &received {
        let tag = tag_of(message).unwrap_or_else(|| panic!("unreadable: {message}"));
        assert!(tags_seen.insert(tag.clone()), "{tag} delivered twice");
        if let Some(Some(id)) = outcomes.get(&tag) {
            assert_eq!(message["id"], id.as_str(), "{tag} arrived as acknowledged");
        }
    }

    // No counter twice, over every message the Backbone took from the identity.
    assert_eq!(
        on_backbone, peer_ids,
        "the peer received what the Backbone holds"
    );
    let mut by_counter: BTreeMap<u32, &String> = BTreeMap::new();
    for (id, counter) in &counters {
        if let Some(other) = by_counter.insert(*counter, id) {
            panic!("counter {counter} used by {other} and {id}");
        }
    }
    let highest = by_counter.keys().next_back().copied().unwrap_or_default();
    let skipped = u64::from(highest) + 1 - by_counter.len() as u64;
    println!(
        "{} messages on the Backbone, counters 0..={highest}, {skipped} skipped (blocks of {BLOCK})",
        by_counter.len()
    );
}

/// True when no send failed, i.e. the kill landed after the burst.
fn sending_finished_before_the_kill(outcomes: &BTreeMap<String, Option<String>>) -> bool {
    outcomes.values().all(Option::is_some)
}
