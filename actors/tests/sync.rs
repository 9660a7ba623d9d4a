//! The sync actor picks up an incoming relationship and message without anyone asking for a sync:
//! once via the Backbone's SSE stream, once via the interval. Concurrent `SyncNow` calls share
//! runs and all succeed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use connector_actors::events::EventsConfig;
use connector_actors::sync::SyncNow;
use connector_actors::{Actors, ActorsConfig, call};
use connector_store::{EmbeddedStore, Store};
use connector_transport::messages::NewMessage;
use connector_transport::templates::NewTemplate;
use connector_transport::{Transport, TransportConfig};
use nmshd_wire::CoreDate;
use serde_json::json;

async fn transport(base_url: &str) -> Transport {
    let store: Arc<dyn Store> = Arc::new(EmbeddedStore::in_memory().unwrap());
    Transport::open(TransportConfig::new(base_url, "test", "test"), store)
        .await
        .unwrap()
}

fn in_days(days: i64) -> CoreDate {
    CoreDate::from_offset_date_time(time::OffsetDateTime::now_utc() + time::Duration::days(days))
}

/// Polls `check` until it is true (panics after 15 s).
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "{what}: not within 15 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `a` (running the actors) is the templator; `b` requests a relationship and, once accepted,
/// sends a message. `a` never syncs by hand.
async fn incoming_relationship_and_message_arrive(a: &Transport, b: &Transport) {
    let own = a
        .create_own_template(NewTemplate {
            content: json!({"@type": "ArbitraryRelationshipTemplateContent", "value": {}}),
            expires_at: in_days(2),
            max_number_of_allocations: None,
            for_identity: None,
            password_protection: None,
        })
        .await
        .unwrap();
    let token = a
        .create_template_token(&own.id, None, false, None)
        .await
        .unwrap();
    let reference = token.reference(&a.config().base_url).unwrap().truncate();
    b.load_peer_template(&reference, None).await.unwrap();
    let created = b
        .create_relationship(
            &own.id,
            json!({"@type": "ArbitraryRelationshipCreationContent", "value": {}}),
        )
        .await
        .unwrap();

    eventually("the incoming relationship", || async {
        a.relationship(&created.id).await.is_ok()
    })
    .await;
    a.accept_relationship(&created.id).await.unwrap();
    b.sync_everything().await.unwrap();

    let sent = b
        .send_message(NewMessage {
            recipients: vec![a.address().to_owned()],
            content: json!({"@type": "Mail", "to": [a.address()], "subject": "hi", "body": "x"}),
            attachments: vec![],
        })
        .await
        .unwrap();
    eventually("the incoming message", || async {
        a.message(&sent.id).await.is_ok()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sse_stream_triggers_syncs() {
    let backbone = devbackbone::start(devbackbone::BackboneConfig::default())
        .await
        .unwrap();
    let (a, b) = (
        transport(&backbone.base_url()).await,
        transport(&backbone.base_url()).await,
    );
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
    let backbone = devbackbone::start(devbackbone::BackboneConfig::default())
        .await
        .unwrap();
    let (a, b) = (
        transport(&backbone.base_url()).await,
        transport(&backbone.base_url()).await,
    );
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
    let backbone = devbackbone::start(devbackbone::BackboneConfig::default())
        .await
        .unwrap();
    let a = transport(&backbone.base_url()).await;
    let actors = Actors::start(a, ActorsConfig::default()).unwrap();
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
    let backbone = devbackbone::start(devbackbone::BackboneConfig::default())
        .await
        .unwrap();
    let a = transport(&backbone.base_url()).await;
    let actors = Actors::start(a.clone(), ActorsConfig::default()).unwrap();
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
    let backbone = devbackbone::start(devbackbone::BackboneConfig::default())
        .await
        .unwrap();
    let a = transport(&backbone.base_url()).await;
    let actors = Actors::start(a, ActorsConfig::default()).unwrap();
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
