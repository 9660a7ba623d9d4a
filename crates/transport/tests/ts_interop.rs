//! Relationship interop with the real TypeScript `@nmshd/transport` 7.0.0 on one dev Backbone, driven
//! by `tests/node/backbone/rust_peer.mjs` (line protocol on stdin/stdout):
//!
//! - the TypeScript identity loads a Rust template through a Rust token reference and requests a
//!   relationship; the Rust side finds it by sync, opens the creation content and accepts; the
//!   TypeScript side sees it Active;
//! - the other way round: Rust loads a TypeScript template by token reference and requests; the
//!   TypeScript side accepts; Rust syncs to Active with established secrets;
//! - in both, a message each way over the new relationship (the secrets of both sides fit).
//!
//! Contents are plain JSON objects: the TypeScript side wraps and unwraps them as `JSONWrapper`.
//!
//! Needs `node` (>= 20) and `tests/node_modules` (`npm ci` in `tests/`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use backbone_client::dto::RelationshipStatus;
use connector_store::{EmbeddedStore, Store};
use connector_transport::messages::NewMessage;
use connector_transport::templates::NewTemplate;
use connector_transport::{Transport, TransportConfig};
use nmshd_wire::CoreDate;
use node_harness::NodeProcess;
use serde_json::json;

const STEP_TIMEOUT: Duration = Duration::from_secs(120);

/// `tests/node/backbone/rust_peer.mjs` with `args`, after checking node and the pinned packages.
fn spawn_peer(args: &[&str]) -> NodeProcess {
    node_harness::require("@nmshd/transport");
    node_harness::script("backbone/rust_peer.mjs")
        .args(args)
        .spawn()
}

async fn rust_transport(base_url: &str) -> Transport {
    let store: Arc<dyn Store> = Arc::new(EmbeddedStore::in_memory().unwrap());
    Transport::open(TransportConfig::new(base_url, "test", "test"), store)
        .await
        .unwrap()
}

fn in_a_day() -> CoreDate {
    CoreDate::from_offset_date_time(time::OffsetDateTime::now_utc() + time::Duration::days(1))
}

#[tokio::test]
async fn typescript_requests_a_relationship_from_a_rust_template() {
    let backbone = devbackbone::start(devbackbone::BackboneConfig::default())
        .await
        .unwrap();
    let base_url = backbone.base_url();
    let rust = rust_transport(&base_url).await;
    let template = rust
        .create_own_template(NewTemplate {
            content: json!({"kind": "rust-interop-template", "from": "Rust"}),
            expires_at: in_a_day(),
            max_number_of_allocations: None,
            for_identity: None,
            password_protection: None,
        })
        .await
        .unwrap();
    let token = rust
        .create_template_token(&template.id, None, false, None)
        .await
        .unwrap();
    let reference = token.reference(&base_url).unwrap().truncate();

    let mut node = spawn_peer(&[&base_url, "request", &reference]);
    let answer = node.expect("RELATIONSHIP", STEP_TIMEOUT).await;
    let (relationship_id, ts_address) = answer.split_once(' ').unwrap();

    rust.sync_everything().await.unwrap();
    let incoming = rust.relationship(relationship_id).await.unwrap().record;
    assert_eq!(incoming.status, RelationshipStatus::Pending);
    assert_eq!(incoming.peer, ts_address);
    assert_eq!(
        incoming.creation_content,
        json!({"kind": "rust-interop-request", "from": "TS"})
    );
    let accepted = rust.accept_relationship(relationship_id).await.unwrap();
    assert_eq!(accepted.status, RelationshipStatus::Active);
    node.say("ACCEPTED").await;
    node.expect("OK", STEP_TIMEOUT).await;
    exchange_messages(&rust, &mut node, ts_address).await;
    node.finish(STEP_TIMEOUT).await;
}

#[tokio::test]
async fn rust_requests_a_relationship_from_a_typescript_template() {
    let backbone = devbackbone::start(devbackbone::BackboneConfig::default())
        .await
        .unwrap();
    let base_url = backbone.base_url();
    let rust = rust_transport(&base_url).await;
    let mut node = spawn_peer(&[&base_url, "template"]);
    let answer = node.expect("TOKEN", STEP_TIMEOUT).await;
    let (reference, ts_address) = answer.split_once(' ').unwrap();

    let template = rust.load_peer_template(reference, None).await.unwrap();
    assert_eq!(template.created_by, ts_address);
    assert_eq!(
        template.content,
        json!({"kind": "rust-interop-template", "from": "TS"})
    );
    let created = rust
        .create_relationship(
            &template.id,
            json!({"kind": "rust-interop-request", "from": "Rust"}),
        )
        .await
        .unwrap();
    node.say(&format!("REQUESTED {}", created.id)).await;
    node.expect("ACCEPTED", STEP_TIMEOUT).await;

    rust.sync_everything().await.unwrap();
    let active = rust.relationship(&created.id).await.unwrap().record;
    assert_eq!(active.status, RelationshipStatus::Active);
    assert!(active.has_secrets());
    assert_eq!(active.peer, ts_address);
    exchange_messages(&rust, &mut node, ts_address).await;
    node.finish(STEP_TIMEOUT).await;
}

/// A message each way over the relationship: the established secrets of both sides fit.
async fn exchange_messages(rust: &Transport, node: &mut NodeProcess, ts_address: &str) {
    let sent = rust
        .send_message(NewMessage {
            recipients: vec![ts_address.to_owned()],
            content: json!({"kind": "rust-interop-message", "from": "Rust"}),
            attachments: Vec::new(),
        })
        .await
        .unwrap();
    node.say(&format!("RUST_SENT {}", sent.id)).await;
    let received_id = node.expect("SENT", STEP_TIMEOUT).await;
    rust.sync_everything().await.unwrap();
    let received = rust.message(&received_id).await.unwrap();
    assert_eq!(received.created_by, ts_address);
    assert_eq!(
        received.content,
        json!({"kind": "rust-interop-message", "from": "TS"})
    );
}
