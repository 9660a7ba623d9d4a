//! Send counters reserved in blocks (`TransportConfig::send_counter_block`): two transports on one
//! store (two replicas of B) send concurrently to A, then a third one over the same store (a
//! restart) sends more. Read from the ciphers the dev Backbone stored: no counter is used twice,
//! the restarted process skips the blocks of the first ones, and A decrypts every message across
//! the gaps. The stored counter moves only once per block.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::sync::Arc;

use connector_store::{EmbeddedStore, Store};
use connector_transport::messages::NewMessage;
use connector_transport::{Transport, TransportConfig};
use nmshd_crypto::{Cipher, CipherNonce};
use serde_json::json;

mod common;

use common::relate;

const BLOCK: u32 = 4;

async fn open(base_url: &str, store: &Arc<dyn Store>) -> Transport {
    let config = TransportConfig {
        send_counter_block: BLOCK,
        ..TransportConfig::new(base_url, "test", "test")
    };
    Transport::open(config, Arc::clone(store)).await.unwrap()
}

async fn send(from: Transport, to: String, tag: String) -> String {
    from.send_message(NewMessage {
        recipients: vec![to],
        content: json!({"@type": "ArbitraryMessageContent", "value": {"tag": tag}}),
        attachments: vec![],
    })
    .await
    .unwrap()
    .id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_stay_unique_across_processes_and_restarts_and_the_peer_decrypts_across_gaps() {
    let backbone = devbackbone::start(devbackbone::BackboneConfig {
        max_unreceived_messages_from_one_sender: 1000,
        ..devbackbone::BackboneConfig::default()
    })
    .await
    .unwrap();
    let base_url = backbone.base_url();
    let a_store: Arc<dyn Store> = Arc::new(EmbeddedStore::in_memory().unwrap());
    let b_store: Arc<dyn Store> = Arc::new(EmbeddedStore::in_memory().unwrap());
    let a = open(&base_url, &a_store).await;
    let b1 = open(&base_url, &b_store).await;
    let relationship = relate(&a, &b1).await;
    let b2 = open(&base_url, &b_store).await;

    // Two processes of B send concurrently, 4 tasks each.
    let mut tasks = Vec::new();
    for (p, b) in [&b1, &b2].into_iter().enumerate() {
        for t in 0..4 {
            let (b, to) = (b.clone(), a.address().to_owned());
            tasks.push(tokio::spawn(async move {
                let mut ids = Vec::new();
                for i in 0..5 {
                    ids.push(send(b.clone(), to.clone(), format!("p{p}-t{t}-{i}")).await);
                }
                ids
            }));
        }
    }
    let mut sent = BTreeSet::new();
    for task in tasks {
        sent.extend(task.await.unwrap());
    }
    // B's first process stops with part of its block unused; a new one on the same store
    // (a restart) must not hand out any of it.
    drop(b1);
    let b3 = open(&base_url, &b_store).await;
    for i in 0..3 {
        sent.insert(send(b3.clone(), a.address().to_owned(), format!("restart-{i}")).await);
    }
    assert_eq!(sent.len(), 43);

    let mut counters = Vec::new();
    for key in backbone.message_keys() {
        if key.sender != b2.address() {
            continue;
        }
        assert_eq!(key.relationship_id, relationship);
        let cipher = Cipher::from_base64(&key.encrypted_key).unwrap();
        let CipherNonce::Counter(counter) = cipher.nonce else {
            panic!("a message key is encrypted with a counter");
        };
        counters.push(counter);
    }
    assert_eq!(counters.len(), sent.len(), "one key per sent message");
    let distinct: BTreeSet<u32> = counters.iter().copied().collect();
    assert_eq!(distinct.len(), counters.len(), "a counter was used twice");

    // One reservation per block: the stored counter is a multiple of the block, and at most the
    // unused rest of each process' last block (3 processes) lies beyond the counters used.
    let stored = b2
        .relationship(&relationship)
        .await
        .unwrap()
        .record
        .secrets()
        .unwrap()
        .transmit
        .counter;
    assert_eq!(stored % BLOCK, 0, "stored counter {stored}");
    let max_used = *distinct.last().unwrap();
    assert!(stored > max_used, "stored {stored}, used up to {max_used}");
    let skipped = stored - u32::try_from(distinct.len()).unwrap();
    assert!(
        skipped <= 3 * (BLOCK - 1),
        "{skipped} counters skipped (stored {stored})"
    );
    println!("counters used: {distinct:?}; stored next free: {stored}; skipped {skipped}");

    // A decrypts every message, whatever gaps lie between their counters.
    a.sync_everything().await.unwrap();
    for id in &sent {
        let message = a.message(id).await.unwrap();
        assert!(!message.is_own);
        assert!(message.content["value"]["tag"].is_string(), "{message:?}");
    }
}
