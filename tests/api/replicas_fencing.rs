//! Fencing (issue 19): the sync lease holder is frozen (SIGSTOP) in the middle of a sync for
//! longer than its lease's time-to-live; another replica takes the lease over and finishes the
//! sync; the frozen one is let go on (SIGCONT), its late write is refused by the fencing token
//! (and logged), and nothing is applied twice.
//!
//! Real processes: three `connector start` replicas on the MongoDB stand-in with leases in the
//! shared Redis, a peer, one dev Backbone. The sync lease lives 3 s here
//! (`infrastructure.replicas.leases.syncTtlSeconds`) so the test takes seconds; the Backbone's
//! sync run lives its default 10 s, so the frozen replica's run is still open when another
//! replica takes over: that one finishes the run (recorded in the sync's progress document)
//! instead of waiting for the Backbone to cancel it.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::replicas_messages::{
    assert_listed_once, events_once, ids_once, received_events, send_all,
};
use crate::replicas_set::{ReplicaSet, handle, messages_from, sync, try_call, wait_for_log};

const SHARED_REDIS: &str = "redis://127.0.0.1:6379";
/// Messages the peer sends; the frozen replica stops before the third one's step.
const MESSAGES: usize = 6;
/// The replica that is frozen mid-sync (replica 0 relates to the peer at the start, with a sync
/// of its own, so the hook goes to one that has not synced before).
const FROZEN: usize = 2;
const TAKES_OVER: usize = 1;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_sync_holder_frozen_past_its_lease_has_its_late_writes_refused() {
    let set = ReplicaSet::start_with_backbone(SHARED_REDIS, Default::default(), |i| {
        let mut env = vec![
            (
                "infrastructure__replicas__leases__syncTtlSeconds".to_owned(),
                "3".to_owned(),
            ),
            // Own lease keys in the shared Redis.
            (
                "database__dbName".to_owned(),
                format!("fencing{}", std::process::id()),
            ),
        ];
        if i == FROZEN {
            env.push((
                "CONNECTOR_TEST_HOOK_STOP_AT".to_owned(),
                "sync-event#3".to_owned(),
            ));
        }
        env
    })
    .await;
    let tags: Vec<String> = (0..MESSAGES).map(|i| format!("fenced-{i}")).collect();
    let sent = send_all(&[&set.peer], &set.address, tags, 2).await;
    let sent_ids: BTreeSet<String> = sent.values().cloned().collect();

    // The frozen replica syncs: it applies two messages and freezes itself before the third
    // event's step (the hook logs, then sends itself SIGSTOP).
    let frozen = &set.replicas[FROZEN];
    let frozen_api = handle(&frozen.api);
    let frozen_sync =
        tokio::spawn(async move { try_call(&frozen_api, "POST", "/Account/Sync", None).await });
    let hook = wait_for_log(
        frozen,
        "test hook: stopping the process",
        Duration::from_secs(60),
    )
    .await;
    assert_eq!(hook["point"], "sync-event");
    test_support::eventually("the replica stopped", Duration::from_secs(10), async || {
        if frozen.is_stopped() {
            Ok(())
        } else {
            Err("running")
        }
    })
    .await;
    // Two events were applied before the freeze (two messages, unless an earlier event of the
    // relationship was still waiting).
    let applied_before_freeze = received_events(&set)[FROZEN].len();
    println!("messages the frozen replica received before the freeze: {applied_before_freeze}");

    // Another replica syncs: its sync waits until the frozen holder's lease ran out (3 s), then
    // takes over and receives the rest.
    let frozen_at = Instant::now();
    let (status, body) = sync(&set.replicas[TAKES_OVER].api).await;
    assert_eq!(status, 204, "the sync of the replica taking over: {body}");
    let took_over_after = frozen_at.elapsed();
    println!("replica {TAKES_OVER} synced {took_over_after:?} after the freeze");
    let finished = wait_for_log(
        &set.replicas[TAKES_OVER],
        "finishing the sync run a previous holder of the sync lease left open",
        Duration::from_secs(1),
    )
    .await;
    println!("the frozen replica's run, finished by replica {TAKES_OVER}: {finished}");
    let listed = messages_from(&set.replicas[TAKES_OVER].api, &set.peer_address).await;
    assert_eq!(
        ids_once(&listed, "replica"),
        sent_ids,
        "after the take-over"
    );
    assert!(frozen.is_stopped(), "the frozen replica ran meanwhile");

    // The frozen replica goes on from where it stopped: its next write (the third event's step)
    // carries its old fencing token and is refused; its sync stops.
    frozen.signal("CONT");
    let (status, body) = frozen_sync
        .await
        .unwrap()
        .expect("the frozen replica answers its sync");
    println!("the frozen replica's sync after SIGCONT: {status} {body}");
    assert!(
        body.contains("error.transport.syncLeaseLost"),
        "{status} {body}"
    );
    let refused = wait_for_log(
        frozen,
        "late write refused by fencing",
        Duration::from_secs(10),
    )
    .await;
    println!("refused: {refused}");
    assert!(
        refused["error"]
            .as_str()
            .is_some_and(|e| e.contains("refused")),
        "{refused}"
    );

    // Nothing applied twice: every message once in the store, one messageReceived each.
    assert_listed_once(&set, &[0, 1, 2], &set.peer_address, &sent_ids).await;
    let events = received_events(&set);
    assert_eq!(
        events_once(&set),
        sent_ids,
        "one messageReceived per message"
    );
    assert_eq!(
        events[FROZEN].len(),
        applied_before_freeze,
        "the frozen replica applied something after SIGCONT"
    );

    // The frozen replica syncs normally again, with a new lease (and a newer token).
    let (status, body) = sync(&frozen.api).await;
    assert_eq!(
        status, 204,
        "a later sync of the formerly frozen replica: {body}"
    );
    let events = received_events(&set);
    assert_eq!(events.iter().flatten().count(), MESSAGES, "{events:?}");
}
