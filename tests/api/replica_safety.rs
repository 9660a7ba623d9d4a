//! Replica safety (issue 19): the unique indexes exist on MongoDB after a start, and SIGTERM
//! during a burst of sends shuts down cleanly (every request completed or was refused before it
//! started; no lease left behind: neither the sync's nor an event consumer's).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use mongodb::bson::Document;
use serde_json::Value;

use crate::helpers::FULL_KEY;
use crate::replicas_set::{
    message_to, spawn_replica, start_standin, sync, sync_until, tag_of, wait_until_serving,
};
use crate::rest_peer::{Connector, relate, start_backbone};

const SHARED_REDIS: &str = "redis://127.0.0.1:6379";

/// `(collection, field)` pairs with a unique index in `db`.
async fn unique_indexes(mongo_url: &str, db: &str) -> Vec<(String, String)> {
    let client = mongodb::Client::with_uri_str(mongo_url).await.unwrap();
    let database = client.database(db);
    let mut found = Vec::new();
    for collection in database.list_collection_names().await.unwrap() {
        let mut indexes = database
            .collection::<Document>(&collection)
            .list_indexes()
            .await
            .unwrap();
        while let Some(index) = indexes.next().await {
            let index = index.unwrap();
            let unique = index.options.as_ref().and_then(|o| o.unique) == Some(true);
            if unique {
                for key in index.keys.keys() {
                    found.push((collection.clone(), key.clone()));
                }
            }
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_unique_indexes_exist_on_mongodb_after_start() {
    let dir = tempfile::tempdir().unwrap();
    let (_standin, port) = start_standin(dir.path()).await;
    let backbone = start_backbone().await;
    let mongo = format!("mongodb://127.0.0.1:{port}/");
    let connector = Connector::start_with_env(
        &backbone.base_url(),
        vec![
            ("database__driver".into(), "mongodb".into()),
            ("database__connectionString".into(), mongo.clone()),
            ("database__dbName".into(), "indexes".into()),
        ],
    )
    .await;
    connector.address().await;
    let found = unique_indexes(&mongo, "indexes").await;
    for (collection, field) in connector::indexes::UNIQUE_FIELDS {
        assert!(
            found.iter().any(|(c, f)| c == collection && f == field),
            "{collection}.{field} is not unique-indexed: {found:?}"
        );
    }
}

/// One send's outcome: the message id of a 201, or why it did not get one.
#[derive(Debug)]
enum Sent {
    Created(String),
    /// No connection, or the connection closed before an answer: the request never started.
    NotStarted,
}

async fn send(client: &reqwest::Client, api: &Connector, recipient: &str, tag: &str) -> Sent {
    let response = client
        .post(api.url("/Messages"))
        .header("X-API-KEY", FULL_KEY)
        .json(&message_to(recipient, tag))
        .send()
        .await;
    match response {
        Err(_) => Sent::NotStarted,
        Ok(response) => {
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap_or_default();
            assert_eq!(status, 201, "{tag}: an answer other than 201: {body}");
            Sent::Created(body["result"]["id"].as_str().unwrap().to_owned())
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_during_a_burst_of_sends_finishes_or_refuses_each_and_leaves_no_lease() {
    let dir = tempfile::tempdir().unwrap();
    let (_standin, port) = start_standin(dir.path()).await;
    let backbone = devbackbone::start(devbackbone::BackboneConfig {
        max_unreceived_messages_from_one_sender: 1000,
        ..devbackbone::BackboneConfig::default()
    })
    .await
    .unwrap();
    let db = format!("shutdown{}", std::process::id());
    let urls = [
        backbone.base_url(),
        format!("mongodb://127.0.0.1:{port}/"),
        SHARED_REDIS.to_owned(),
    ];
    // Long leases: one left behind by the stopped process would still be held at the end, so
    // finding them free proves they were released, not that they ran out.
    let env = vec![
        ("database__dbName".to_owned(), db.clone()),
        (
            "infrastructure__replicas__leases__syncTtlSeconds".to_owned(),
            "120".to_owned(),
        ),
        (
            "infrastructure__events__leaseTtlSeconds".to_owned(),
            "60".to_owned(),
        ),
    ];
    let mut replica = spawn_replica(dir.path(), 0, &urls, env);
    let address = wait_until_serving(&replica.api).await;
    let peer = Connector::start(&backbone.base_url()).await;
    relate(&replica.api, &peer).await;
    let peer_address = peer.address().await;
    // Messages for the replica to sync while it is stopped (its sync then runs under the lease).
    let inbound = futures_util::stream::iter(0..80)
        .map(|i| {
            peer.call(
                "POST",
                "/Messages",
                Some(message_to(&address, &format!("in-{i}"))),
            )
        })
        .buffer_unordered(4)
        .collect::<Vec<_>>()
        .await;
    assert!(inbound.iter().all(|r| r.status() == 201));

    let client = reqwest::Client::new();
    let created = Arc::new(AtomicUsize::new(0));
    let syncing = {
        let api = crate::replicas_set::handle(&replica.api);
        tokio::spawn(async move { sync(&api).await })
    };
    let burst = {
        let (client, api, created) = (
            client.clone(),
            crate::replicas_set::handle(&replica.api),
            Arc::clone(&created),
        );
        let peer_address = peer_address.clone();
        tokio::spawn(async move {
            futures_util::stream::iter(0..200)
                .map(|i| {
                    let (client, api, created) = (&client, &api, &created);
                    let peer_address = &peer_address;
                    async move {
                        let tag = format!("burst-{i}");
                        let sent = send(client, api, peer_address, &tag).await;
                        if matches!(sent, Sent::Created(_)) {
                            created.fetch_add(1, Ordering::SeqCst);
                        }
                        (tag, sent)
                    }
                })
                .buffer_unordered(6)
                .collect::<BTreeMap<String, Sent>>()
                .await
        })
    };
    // SIGTERM in the middle of the burst and of the sync: once some sends have been answered
    // and the sync lease is held.
    let redis = redis::Client::open(SHARED_REDIS).unwrap();
    let mut redis = redis.get_multiplexed_async_connection().await.unwrap();
    let lease_key = format!("connector:{db}:{{sync}}");
    // The consumption reactions' outbox consumer, busy with the synced messages' events.
    let consumer_key = format!(
        "connector:{db}:{{outbox.{}}}",
        connector_consumption::flows::CONSUMER
    );
    // The leases are held only during the burst: look often.
    test_support::eventually_every(
        "the sync lease held during the burst",
        Duration::from_secs(30),
        Duration::from_millis(5),
        async || {
            let held: i64 = redis::cmd("EXISTS")
                .arg(&lease_key)
                .arg(&consumer_key)
                .query_async(&mut redis)
                .await
                .unwrap();
            let created = created.load(Ordering::SeqCst);
            if held == 2 && created >= 5 {
                Ok(())
            } else {
                Err(format!("{held} of 2 leases held, {created} created"))
            }
        },
    )
    .await;
    replica.terminate();
    let status = replica.wait_for_exit(Duration::from_secs(30)).await;
    assert!(status.success(), "exit status after SIGTERM: {status}");
    let outcomes = burst.await.unwrap();
    if let Ok((status, body)) = syncing.await {
        // The sync in flight at SIGTERM was allowed to finish (or refused before it started).
        assert_eq!(status, 204, "sync: {body}");
    }

    // No lease left held: a new replica takes the sync lease at once.
    let leases = connector_lease::RedisLeases::connect(SHARED_REDIS, &format!("connector:{db}"))
        .await
        .unwrap();
    let lease = connector_lease::LeaseManager::try_acquire(&leases, "sync", Duration::from_secs(5))
        .await
        .unwrap();
    assert!(
        lease.is_some(),
        "the stopped replica left the sync lease held"
    );
    // The outbox consumer stopped between deliveries and released its lease (its 60 s TTL has
    // not run out), so another replica delivers at once.
    let held: i64 = redis::cmd("EXISTS")
        .arg(&consumer_key)
        .query_async(&mut redis)
        .await
        .unwrap();
    assert_eq!(held, 0, "the stopped replica left {consumer_key} held");
    let consumer_lease = connector_lease::LeaseManager::try_acquire(
        &leases,
        &format!("outbox.{}", connector_consumption::flows::CONSUMER),
        Duration::from_secs(5),
    )
    .await
    .unwrap();
    assert!(
        consumer_lease.is_some(),
        "the outbox consumer's lease is still held"
    );
    assert!(
        replica.log_lines().iter().any(|line| {
            let fields = line.get("fields").unwrap_or(line);
            fields["message"]
                .as_str()
                .is_some_and(|m| m.contains("outbox consumer stopped; lease released"))
        }),
        "the consumer did not log its stop"
    );

    // Every 201 reached the peer; nothing else did.
    let ids: BTreeMap<&String, &String> = outcomes
        .iter()
        .filter_map(|(tag, sent)| match sent {
            Sent::Created(id) => Some((tag, id)),
            Sent::NotStarted => None,
        })
        .collect();
    let refused = outcomes.len() - ids.len();
    println!(
        "SIGTERM during 200 sends: {} completed, {refused} refused",
        ids.len()
    );
    assert!(refused > 0, "the burst outlasted the shutdown");
    let received = sync_until(&peer, &address, ids.len(), Duration::from_secs(60)).await;
    let arrived: BTreeMap<String, String> = received
        .iter()
        .filter_map(|m| Some((tag_of(m)?, m["id"].as_str()?.to_owned())))
        .filter(|(tag, _)| tag.starts_with("burst-"))
        .collect();
    assert_eq!(
        arrived.len(),
        ids.len(),
        "exactly the completed sends arrived"
    );
    for (tag, id) in ids {
        assert_eq!(arrived.get(tag), Some(id), "{tag}");
    }
}
