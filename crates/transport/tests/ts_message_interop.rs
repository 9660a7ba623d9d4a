//! Message interop with the real TypeScript `@nmshd/transport` 7.0.0 on one dev Backbone, driven by
//! `tests/node/backbone/rust_message_peer.mjs` (line protocol on stdin/stdout): the TypeScript
//! identity templates, Rust requests, TypeScript accepts; then a message with an attachment from
//! TypeScript to Rust and one from Rust to TypeScript, each side decrypting the other's message
//! and downloading the attachment's exact bytes. Contents are plain JSON objects: the TypeScript
//! side wraps and unwraps them as `JSONWrapper`.
//!
//! Needs `node` (>= 20) and `tests/node_modules` (`npm ci` in `tests/`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use backbone_client::dto::RelationshipStatus;
use connector_store::{EmbeddedStore, Store};
use connector_transport::files::NewFile;
use connector_transport::messages::NewMessage;
use connector_transport::{Transport, TransportConfig};
use nmshd_wire::CoreDate;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

const STEP_TIMEOUT: Duration = Duration::from_secs(120);

fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests")
}

struct Node {
    child: Child,
    stdin: ChildStdin,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Node {
    fn spawn(base_url: &str) -> Self {
        let marker = tests_dir().join("node_modules/@nmshd/transport/package.json");
        assert!(
            marker.is_file(),
            "{} is missing: run `npm ci` in tests/",
            marker.display()
        );
        let mut child = Command::new("node")
            .arg(tests_dir().join("node/backbone/rust_message_peer.mjs"))
            .arg(base_url)
            .current_dir(tests_dir())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("spawning node (Node.js >= 20 on PATH)");
        let stdin = child.stdin.take().unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        Self {
            child,
            stdin,
            lines,
        }
    }

    async fn stderr(&mut self) -> String {
        let mut text = String::new();
        if let Some(mut err) = self.child.stderr.take() {
            let _ =
                tokio::time::timeout(Duration::from_secs(10), err.read_to_string(&mut text)).await;
        }
        text
    }

    async fn expect(&mut self, prefix: &str) -> String {
        let line = tokio::time::timeout(STEP_TIMEOUT, self.lines.next_line()).await;
        match line {
            Ok(Ok(Some(line))) if line.starts_with(prefix) => {
                line[prefix.len()..].trim().to_owned()
            }
            other => {
                let stderr = self.stderr().await;
                panic!("expected `{prefix}` from node, got {other:?}\n{stderr}");
            }
        }
    }

    async fn say(&mut self, line: &str) {
        self.stdin
            .write_all(format!("{line}\n").as_bytes())
            .await
            .unwrap();
        self.stdin.flush().await.unwrap();
    }

    async fn finish(mut self) {
        let status = tokio::time::timeout(STEP_TIMEOUT, self.child.wait())
            .await
            .expect("node did not exit")
            .unwrap();
        if !status.success() {
            let stderr = self.stderr().await;
            panic!("node failed ({status}):\n{stderr}");
        }
    }
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
    let rust = Transport::open(TransportConfig::new(&base_url, "test", "test"), store)
        .await
        .unwrap();

    let mut node = Node::spawn(&base_url);
    let answer = node.expect("TOKEN").await;
    let (reference, ts_address) = answer.split_once(' ').unwrap();
    let ts_address = ts_address.to_owned();
    let template = rust.load_peer_template(reference, None).await.unwrap();
    let created = rust
        .create_relationship(&template.id, json!({"kind": "message-interop-request"}))
        .await
        .unwrap();
    node.say(&format!("REQUESTED {}", created.id)).await;
    node.expect("ACCEPTED").await;
    rust.sync_everything().await.unwrap();
    assert_eq!(
        rust.relationship(&created.id).await.unwrap().record.status,
        RelationshipStatus::Active
    );

    // TypeScript → Rust.
    let sent = node.expect("SENT").await;
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
    let message = rust
        .send_message(NewMessage {
            recipients: vec![ts_address.clone()],
            content: json!({"from": "Rust", "text": "hello TS"}),
            attachments: vec![attachment.id.clone()],
        })
        .await
        .unwrap();
    node.say(&format!("RUSTSENT {} {}", message.id, attachment.id))
        .await;
    node.expect("OK").await;
    node.finish().await;
}
