//! Message interop with the real TypeScript `@nmshd/transport` 7.0.0 on one dev Backbone, driven by
//! `tests/node/backbone/rust_message_peer.mjs` (line protocol on stdin/stdout): the TypeScript
//! identity templates, Rust requests, TypeScript accepts; then a message with an attachment from
//! TypeScript to Rust and one from Rust to TypeScript, each side decrypting the other's message
//! and downloading the attachment's exact bytes. Rust's message to TypeScript comes after a gap
//! of skipped send counters (sent by a second transport on the same store, as after a restart).
//! Contents are plain JSON objects: the TypeScript side wraps and unwraps them as `JSONWrapper`.
//!
//! Needs `node` (>= 20) and `tests/node_modules` (`npm ci` in `tests/`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use backbone_client::dto::RelationshipStatus;
use connector_store::{EmbeddedStore, Store};
use connector_transport::files::NewFile;
use connector_transport::messages::NewMessage;
use connector_transport::{Transport, TransportConfig};
use nmshd_wire::CoreDate;
use node_harness::NodeProcess;
use serde_json::json;

const STEP_TIMEOUT: Duration = Duration::from_secs(120);

/// `tests/node/backbone/rust_message_peer.mjs` against `base_url`, after checking node and the pinned packages.
fn spawn_peer(base_url: &str) -> NodeProcess {
    node_harness::require("@nmshd/transport");
    node_harness::script("backbone/rust_message_peer.mjs")
        .arg(base_url)
        .spawn()
}

fn in_a_day() -> CoreDate {
    CoreDate::from_offset_date_time(time::OffsetDateTime::now_utc() + time::Duration::days(1))
}

#[tokio::test]
async fn messages_with_attachments_both_ways_between_typescript_and_rust() {
    let backbone = devbackbone::start(devbackbone::BackboneConfig::default())
        .await
        .unwrap();
    let base_url = backbone.base_url();
    let store: Arc<dyn Store> = Arc::new(EmbeddedStore::in_memory().unwrap());
    let rust = Transport::open(
        TransportConfig::new(&base_url, "test", "test"),
        Arc::clone(&store),
    )
    .await
    .unwrap();

    let mut node = spawn_peer(&base_url);
    let answer = node.expect("TOKEN", STEP_TIMEOUT).await;
    let (reference, ts_address) = answer.split_once(' ').unwrap();
    let ts_address = ts_address.to_owned();
    let template = rust.load_peer_template(reference, None).await.unwrap();
    let created = rust
        .create_relationship(&template.id, json!({"kind": "message-interop-request"}))
        .await
        .unwrap();
    node.say(&format!("REQUESTED {}", created.id)).await;
    node.expect("ACCEPTED", STEP_TIMEOUT).await;
    rust.sync_everything().await.unwrap();
    assert_eq!(
        rust.relationship(&created.id).await.unwrap().record.status,
        RelationshipStatus::Active
    );

    // TypeScript → Rust.
    let sent = node.expect("SENT", STEP_TIMEOUT).await;
    let (message_id, file_id) = sent.split_once(' ').unwrap();
    rust.sync_everything().await.unwrap();
    let received = rust.message(message_id).await.unwrap();
    assert!(!received.is_own);
    assert_eq!(received.created_by, ts_address);
    assert_eq!(
        received.content,
        json!({"from": "TS", "text": "hello Rust"})
    );
    assert_eq!(received.attachments, vec![file_id.to_owned()]);
    let file = rust.message_attachment(message_id, file_id).await.unwrap();
    assert_eq!(file.filename, "ts.txt");
    assert_eq!(file.title.as_deref(), Some("TS file"));
    assert_eq!(file.owner, ts_address);
    let (_, bytes) = rust.download_file(file_id).await.unwrap();
    assert_eq!(bytes, "from TS ".repeat(1000).into_bytes());

    // Rust → TypeScript.
    let attachment = rust
        .upload_own_file(NewFile {
            content: "from Rust ".repeat(1000).into_bytes(),
            filename: "rust.txt".into(),
            mimetype: "text/plain".into(),
            title: Some("Rust file".into()),
            description: None,
            tags: None,
            expires_at: in_a_day(),
        })
        .await
        .unwrap();
    // A first message from this process takes counter 0 of its block; then another process on
    // the same store (a restart, or a second replica) sends the checked message with the first
    // counter of the next block: TypeScript must decrypt across the gap of skipped counters.
    let first = rust
        .send_message(NewMessage {
            recipients: vec![ts_address.clone()],
            content: json!({"from": "Rust", "text": "before the gap"}),
            attachments: vec![],
        })
        .await
        .unwrap();
    let restarted = Transport::open(
        TransportConfig::new(&base_url, "test", "test"),
        Arc::clone(&store),
    )
    .await
    .unwrap();
    let message = restarted
        .send_message(NewMessage {
            recipients: vec![ts_address.clone()],
            content: json!({"from": "Rust", "text": "hello TS"}),
            attachments: vec![attachment.id.clone()],
        })
        .await
        .unwrap();
    let counter_of = |id: &str| {
        let key = backbone
            .message_keys()
            .into_iter()
            .find(|k| k.message_id == id)
            .unwrap();
        match nmshd_crypto::Cipher::from_base64(&key.encrypted_key)
            .unwrap()
            .nonce
        {
            nmshd_crypto::CipherNonce::Counter(c) => c,
            nmshd_crypto::CipherNonce::Nonce(_) => panic!("a counter cipher"),
        }
    };
    assert_eq!(counter_of(&first.id), 0);
    assert_eq!(
        counter_of(&message.id),
        connector_transport::DEFAULT_SEND_COUNTER_BLOCK,
        "the second process starts after the first one's block"
    );
    node.say(&format!("RUSTSENT {} {}", message.id, attachment.id))
        .await;
    node.expect("OK", STEP_TIMEOUT).await;
    node.finish(STEP_TIMEOUT).await;
}
