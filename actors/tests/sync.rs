//! The sync actor picks up an incoming relationship and message without anyone asking for a sync:
//! once via the Backbone's SSE stream, once via the interval. Concurrent `SyncNow` calls share
//! runs and all succeed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

// The Transport tests' helpers (a Transport on an in-memory store, a relationship request).
#[path = "../../crates/transport/tests/common/mod.rs"]
mod common;

use common::{pair, request_relationship, transport};
use connector_actors::events::EventsConfig;
use connector_actors::sync::SyncNow;
use connector_actors::{Actors, ActorsConfig, call};
use connector_transport::Transport;
use connector_transport::messages::NewMessage;
use serde_json::json;
use test_support::eventually;

/// How long an incoming relationship or message may take to be picked up.
const WAIT: Duration = Duration::from_secs(15);

/// A dev Backbone and an identity `a` on it, with the actors started by `config`.
async fn identity_with_actors(
    config: ActorsConfig,
) -> (devbackbone::RunningBackbone, Transport, Actors) {
    let backbone = devbackbone::start(devbackbone::BackboneConfig::default())
        .await
        .unwrap();
    let a = transport(&backbone.base_url()).await;
    let actors = Actors::start(a.clone(), config).unwrap();
    (backbone, a, actors)
}

/// `a` (running the actors) is the templator; `b` requests a relationship and, once accepted,
/// sends a message. `a` never syncs by hand.
async fn incoming_relationship_and_message_arrive(a: &Transport, b: &Transport) {
    let relationship = request_relationship(a, b).await;

    eventually("the incoming relationship", WAIT, async || {
        a.relationship(&relationship).await.map(drop)
    })
    .await;
    a.accept_relationship(&relationship).await.unwrap();
    b.sync_everything().await.unwrap();

    let sent = b
        .send_message(NewMessage {
            recipients: vec![a.address().to_owned()],
            content: json!({"@type": "Mail", "to": [a.address()], "subject": "hi", "body": "x"}),
            attachments: vec![],
        })
        .await
        .unwrap();
    eventually("the incoming message", WAIT, async || {
        a.message(&sent.id).await.map(drop)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sse_stream_triggers_syncs() {
    let (backbone, a, b) = pair().await;
    let actors = Actors::start(
        a.clone(),
        ActorsConfig {
            sync_interval: None,
            events: Some(EventsConfig::new(backbone.base_url())),
        },
    )
    .unwrap();
    incoming_relationship_and_message_arrive(&a, &b).await;
    actors.system.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_interval_triggers_syncs() {
    let (_backbone, a, b) = pair().await;
    let actors = Actors::start(
        a.clone(),
        ActorsConfig {
            sync_interval: Some(Duration::from_millis(500)),
            events: None,
        },
    )
    .unwrap();
    incoming_relationship_and_message_arrive(&a, &b).await;
    actors.system.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_sync_requests_all_succeed() {
    let (_backbone, _a, actors) = identity_with_actors(ActorsConfig::default()).await;
    let calls = (0..8).map(|_| {
        let sync = actors.sync.clone();
        tokio::spawn(async move { call(&sync, SyncNow::new(), Duration::from_secs(30)).await })
    });
    for handle in calls.collect::<Vec<_>>() {
        handle.await.unwrap().unwrap();
    }
    actors.system.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_identity_actor_tells_the_address_and_signs() {
    use connector_actors::areas::{GetIdentityInfo, SignWithIdentity};
    let (_backbone, a, actors) = identity_with_actors(ActorsConfig::default()).await;
    let timeout = Duration::from_secs(10);
    let info = call(&actors.identity, GetIdentityInfo::default(), timeout)
        .await
        .unwrap();
    assert_eq!(info.address, a.address());
    let signature = call(
        &actors.identity,
        SignWithIdentity::new(b"signed".to_vec()),
        timeout,
    )
    .await
    .unwrap();
    assert!(info.public_key.verify(b"signed", &signature));
    assert!(!info.public_key.verify(b"other", &signature));
    actors.system.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_sync_is_answered_and_the_actor_keeps_serving() {
    let (backbone, _a, actors) = identity_with_actors(ActorsConfig::default()).await;
    let timeout = Duration::from_secs(60);
    call(&actors.sync, SyncNow::new(), timeout).await.unwrap();
    backbone.stop().await;
    for _ in 0..2 {
        let error = call(&actors.sync, SyncNow::new(), timeout)
            .await
            .unwrap_err();
        assert!(
            matches!(error, connector_actors::ActorError::Sync(_)),
            "{error:?}"
        );
    }
    actors.system.stop();
}
