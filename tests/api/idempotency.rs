//! `Idempotency-Key` on creating routes (issue 19): retries with the same key and body get the
//! first answer and cause nothing new, on one Connector and across three replicas sharing
//! MongoDB; the same key with another body is refused with 422.

use std::collections::BTreeSet;
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::Value;

use crate::helpers::FULL_KEY;
use crate::replicas_set::{ReplicaSet, message_to, messages_from, sync_until, tag_of};
use crate::rest_peer::{Connector, related_pair};

const SHARED_REDIS: &str = "redis://127.0.0.1:6379";

/// One answer: status, body text and whether it was marked as replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Answer {
    status: u16,
    body: String,
    replayed: bool,
}

async fn post_with_key(api: &Connector, path: &str, key: Option<&str>, body: &Value) -> Answer {
    let mut request = reqwest::Client::new()
        .post(api.url(path))
        .header("X-API-KEY", FULL_KEY)
        .json(body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let replayed = response.headers().get("idempotent-replayed").is_some();
    Answer {
        status,
        body: response.text().await.unwrap(),
        replayed,
    }
}

fn error_code(answer: &Answer) -> String {
    let body: Value = serde_json::from_str(&answer.body).unwrap();
    body["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The messages `api` sent to anybody whose content carries `tag`.
async fn sent_with_tag(api: &Connector, sender: &str, tag: &str) -> usize {
    messages_from(api, sender)
        .await
        .iter()
        .filter(|m| tag_of(m).as_deref() == Some(tag))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_retried_send_with_the_same_key_is_answered_once_on_one_connector() {
    let (_backbone, a, b, _, _) = related_pair().await;
    let (a_address, b_address) = (a.address().await, b.address().await);

    let body = message_to(&b_address, "once");
    let first = post_with_key(&a, "/Messages", Some("key-once"), &body).await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert!(!first.replayed);
    // Retries (sequential and concurrent) get the first answer byte for byte.
    let retries: Vec<Answer> = futures_util::stream::iter(0..10)
        .map(|_| post_with_key(&a, "/Messages", Some("key-once"), &body))
        .buffer_unordered(10)
        .collect()
        .await;
    for retry in &retries {
        assert_eq!((retry.status, &retry.body), (first.status, &first.body));
        assert!(retry.replayed, "a retry is marked as replayed");
    }
    // Key order and white space of a JSON body do not make it another request.
    let reordered: Value = serde_json::from_str(&format!(
        r#"{{"content": {{"value": {{"tag": "once"}}, "@type": "ArbitraryMessageContent"}}, "recipients": ["{b_address}"]}}"#
    ))
    .unwrap();
    let same = post_with_key(&a, "/Messages", Some("key-once"), &reordered).await;
    assert_eq!(same.body, first.body);

    // Same key, another body: 422 in the Connector's error envelope, nothing sent.
    let other = post_with_key(
        &a,
        "/Messages",
        Some("key-once"),
        &message_to(&b_address, "other"),
    )
    .await;
    assert_eq!(other.status, 422, "{}", other.body);
    assert_eq!(error_code(&other), "error.connector.idempotencyKeyReused");
    let envelope: Value = serde_json::from_str(&other.body).unwrap();
    for field in ["id", "code", "message", "docs", "time"] {
        assert!(
            envelope["error"][field].is_string(),
            "{field} in {envelope}"
        );
    }
    // The same key on another route is another request too.
    let elsewhere =
        post_with_key(&a, "/Challenges", Some("key-once"), &serde_json::json!({})).await;
    assert_eq!(elsewhere.status, 422, "{}", elsewhere.body);

    // An unusable key is a 400; without a key nothing changes (two sends are two messages).
    let bad = post_with_key(&a, "/Messages", Some(&"x".repeat(300)), &body).await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    let twice = message_to(&b_address, "twice");
    let one = post_with_key(&a, "/Messages", None, &twice).await;
    let two = post_with_key(&a, "/Messages", None, &twice).await;
    assert_eq!((one.status, two.status), (201, 201));
    assert_ne!(one.body, two.body);

    assert_eq!(sent_with_tag(&a, &a_address, "once").await, 1);
    assert_eq!(sent_with_tag(&a, &a_address, "other").await, 0);
    assert_eq!(sent_with_tag(&a, &a_address, "twice").await, 2);
    let received = sync_until(&b, &a_address, 3, Duration::from_secs(60)).await;
    let tags: Vec<String> = received.iter().filter_map(tag_of).collect();
    assert_eq!(tags.iter().filter(|t| *t == "once").count(), 1, "{tags:?}");
}

/// Issue 19, acceptance: 50 concurrent sends with one key spread over three replicas on
/// MongoDB: one message at the peer, 50 identical answers; the same key with another body: 422.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_sends_with_one_key_over_three_replicas_send_once() {
    let set = ReplicaSet::start(SHARED_REDIS, 100).await;
    let body = message_to(&set.peer_address, "fifty");
    let answers: Vec<Answer> = futures_util::stream::iter(0..50)
        .map(|i| {
            post_with_key(
                &set.replicas[i % 3].api,
                "/Messages",
                Some("fifty-1"),
                &body,
            )
        })
        .buffer_unordered(50)
        .collect()
        .await;
    let distinct: BTreeSet<(u16, &str)> = answers
        .iter()
        .map(|a| (a.status, a.body.as_str()))
        .collect();
    assert_eq!(distinct.len(), 1, "50 identical answers: {distinct:?}");
    assert_eq!(answers[0].status, 201, "{}", answers[0].body);
    assert_eq!(answers.iter().filter(|a| !a.replayed).count(), 1);

    let other = post_with_key(
        &set.replicas[1].api,
        "/Messages",
        Some("fifty-1"),
        &message_to(&set.peer_address, "another"),
    )
    .await;
    assert_eq!(other.status, 422, "{}", other.body);
    assert_eq!(error_code(&other), "error.connector.idempotencyKeyReused");

    // A marker sent afterwards: once it arrived, everything sent before it has too.
    let marker = post_with_key(
        &set.replicas[2].api,
        "/Messages",
        None,
        &message_to(&set.peer_address, "marker"),
    )
    .await;
    assert_eq!(marker.status, 201, "{}", marker.body);
    let received = sync_until(&set.peer, &set.address, 2, Duration::from_secs(60)).await;
    let tags: Vec<String> = received.iter().filter_map(tag_of).collect();
    assert_eq!(tags.iter().filter(|t| *t == "fifty").count(), 1, "{tags:?}");
    assert_eq!(
        tags.iter().filter(|t| *t == "another").count(),
        0,
        "{tags:?}"
    );
    for replica in &set.replicas {
        assert_eq!(sent_with_tag(&replica.api, &set.address, "fifty").await, 1);
    }
}
