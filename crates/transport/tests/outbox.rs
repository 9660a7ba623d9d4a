//! The event outbox on the embedded store: consumers get every event once and in order, also
//! when a sequence number is missing for a while or the handler fails; delivered events are
//! pruned, so the store stays bounded.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use connector_store::{EmbeddedStore, Store};
use connector_transport::TransportEvent;
use connector_transport::events::{EventId, TransportEvents};
use connector_transport::outbox::consumer::{self, Backoff, Outcome};
use connector_transport::outbox::{Outbox, OutboxSettings, retention};
use serde_json::json;
use tokio::sync::Notify;

fn fast() -> OutboxSettings {
    OutboxSettings {
        poll_interval: Duration::from_millis(20),
        gap_wait: Duration::from_millis(200),
        lease_ttl: Duration::from_secs(2),
        retention: Duration::ZERO,
        ..OutboxSettings::default()
    }
}

async fn outbox(settings: OutboxSettings) -> Outbox {
    let store: Arc<dyn Store> = Arc::new(EmbeddedStore::in_memory().unwrap());
    Outbox::open(store, None, settings).await.unwrap()
}

/// A second process's view of the same store (a new consumer starts after what is there).
async fn reopened(outbox: &Outbox, store: Arc<dyn Store>) -> Outbox {
    Outbox::open(store, None, outbox.settings().clone())
        .await
        .unwrap()
}

/// What a consumer got, with a signal on every event.
#[derive(Clone, Default)]
struct Got {
    events: Arc<Mutex<Vec<TransportEvent>>>,
    arrived: Arc<Notify>,
}

impl Got {
    fn numbers(&self) -> Vec<i64> {
        let events = self.events.lock().unwrap();
        events
            .iter()
            .map(|e| e.data["n"].as_i64().unwrap())
            .collect()
    }

    async fn wait_for(&self, count: usize) {
        let waiting = async {
            loop {
                let notified = self.arrived.notified();
                if self.events.lock().unwrap().len() >= count {
                    return;
                }
                notified.await;
            }
        };
        tokio::time::timeout(Duration::from_secs(20), waiting)
            .await
            .unwrap_or_else(|_| panic!("{count} events not delivered; got {:?}", self.numbers()));
    }
}

fn collect(outbox: &Outbox, name: &str, fail_first: usize) -> Got {
    let got = Got::default();
    let failures = Arc::new(Mutex::new(fail_first));
    let handler_got = got.clone();
    consumer::spawn(
        outbox.clone(),
        name.to_owned(),
        Backoff {
            initial: Duration::from_millis(10),
            doublings: 2,
        },
        move |event| {
            let (got, failures) = (handler_got.clone(), Arc::clone(&failures));
            async move {
                {
                    let mut failures = failures.lock().unwrap();
                    if *failures > 0 {
                        *failures -= 1;
                        return Outcome::Retry("the receiver is down".into());
                    }
                }
                got.events.lock().unwrap().push(event);
                got.arrived.notify_waiters();
                Outcome::Done
            }
        },
    );
    got
}

#[tokio::test]
async fn every_event_once_and_in_order_through_failures() {
    let outbox = outbox(fast()).await;
    let events = TransportEvents::durable(outbox.clone());
    let flaky = collect(&outbox, "flaky", 5);
    let steady = collect(&outbox, "steady", 0);
    for n in 0..300 {
        events.publish("test.event", json!({ "n": n })).await;
    }
    flaky.wait_for(300).await;
    steady.wait_for(300).await;
    let expected: Vec<i64> = (0..300).collect();
    assert_eq!(flaky.numbers(), expected);
    assert_eq!(steady.numbers(), expected);
}

#[tokio::test]
async fn an_event_whose_derived_id_is_stored_is_not_written_again() {
    let outbox = outbox(fast()).await;
    let events = TransportEvents::durable(outbox.clone());
    for _ in 0..3 {
        events
            .publish_caused_by("message:MSG1", "transport.messageReceived", json!({"n": 1}))
            .await;
    }
    assert_eq!(outbox.len().await.unwrap(), 1);
    let read = outbox.read(1, &[], 10).await.unwrap();
    assert_eq!(
        read[0].event.id,
        EventId::derived("message:MSG1", "transport.messageReceived", 1)
    );
}

/// A number taken but not (yet) written: the consumer waits `gap_wait`, moves on, and still
/// delivers the event when it appears later.
#[tokio::test]
async fn a_missing_number_holds_up_briefly_and_is_delivered_when_it_appears() {
    let outbox = outbox(fast()).await;
    let events = TransportEvents::durable(outbox.clone());
    let got = collect(&outbox, "gaps", 0);
    events.publish("test.event", json!({"n": 0})).await;
    got.wait_for(1).await;
    // What a writer between taking number 2 and inserting it looks like.
    let late = TransportEvent::new("test.event", json!({"n": 1}));
    let taken = outbox.take_number_for_test().await.unwrap();
    events.publish("test.event", json!({"n": 2})).await;
    got.wait_for(2).await;
    assert_eq!(got.numbers(), vec![0, 2], "moved on after the gap wait");
    outbox.insert_numbered_for_test(taken, &late).await.unwrap();
    got.wait_for(3).await;
    assert_eq!(
        got.numbers(),
        vec![0, 2, 1],
        "the late event is delivered too"
    );
}

/// With a retention of 0 s, whatever every consumer has passed is deleted: while events keep
/// coming, the outbox holds only what is not yet delivered.
#[tokio::test]
async fn delivered_events_are_pruned_and_the_outbox_stays_bounded() {
    let store: Arc<dyn Store> = Arc::new(EmbeddedStore::in_memory().unwrap());
    let outbox = Outbox::open(Arc::clone(&store), None, fast())
        .await
        .unwrap();
    let events = TransportEvents::durable(outbox.clone());
    let got = collect(&outbox, "pruned", 0);
    let mut most = 0;
    for round in 0..10 {
        for n in 0..50 {
            events
                .publish("test.event", json!({ "n": round * 50 + n }))
                .await;
        }
        got.wait_for((round + 1) * 50).await;
        retention::prune_once(&outbox).await.unwrap();
        most = most.max(outbox.len().await.unwrap());
    }
    assert_eq!(got.numbers().len(), 500);
    // Events of the current millisecond wait for the next round (retention 0 s means "older
    // than now"), so at most one round's worth is ever left.
    assert!(most <= 50, "the outbox holds at most one round; saw {most}");
    // Time under test: the retention time itself.
    tokio::time::sleep(Duration::from_millis(5)).await;
    retention::prune_once(&outbox).await.unwrap();
    assert_eq!(outbox.len().await.unwrap(), 0);

    // A consumer that cannot deliver holds back what it has not passed.
    let later = reopened(&outbox, Arc::clone(&store)).await;
    let _stuck = collect(&later, "stuck", usize::MAX);
    let later_events = TransportEvents::durable(later.clone());
    // Its cursor exists once it runs.
    test_support::eventually(
        "the stuck consumer's cursor",
        Duration::from_secs(10),
        async || {
            let cursors = connector_transport::outbox::cursor::all(later.store())
                .await
                .unwrap();
            if cursors.iter().any(|(name, ..)| name == "stuck") {
                Ok(())
            } else {
                Err(cursors.len())
            }
        },
    )
    .await;
    later_events.publish("test.event", json!({"n": 500})).await;
    got.wait_for(501).await;
    // Time under test: the retention time itself.
    tokio::time::sleep(Duration::from_millis(5)).await;
    retention::prune_once(&later).await.unwrap();
    assert_eq!(later.len().await.unwrap(), 1, "kept for the stuck consumer");
}
