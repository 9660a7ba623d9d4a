//! Messages between two Transports on one dev Backbone: both directions with an attachment whose
//! downloaded bytes equal the upload; redelivered events store nothing twice; concurrent sends
//! never reuse a transmit counter.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use backbone_client::dto::RelationshipStatus;
use connector_store::Filter;
use connector_transport::Transport;
use connector_transport::files::NewFile;
use connector_transport::messages::NewMessage;
use serde_json::json;

use common::{in_days, pair};

/// a is the templator, b the requestor; returns the relationship id.
async fn relate(a: &Transport, b: &Transport) -> String {
    let id = common::relate(a, b).await;
    assert_eq!(
        b.relationship(&id).await.unwrap().record.status,
        RelationshipStatus::Active
    );
    id
}

fn mail(to: &Transport, subject: &str) -> serde_json::Value {
    json!({"@type": "Mail", "to": [to.address()], "subject": subject, "body": "hello"})
}

fn file(content: &[u8]) -> NewFile {
    NewFile {
        content: content.to_vec(),
        filename: "a.bin".into(),
        mimetype: "application/octet-stream".into(),
        title: None,
        description: None,
        tags: None,
        expires_at: in_days(3),
    }
}

async fn send_with_attachment(from: &Transport, to: &Transport, bytes: &[u8]) -> String {
    let attachment = from.upload_own_file(file(bytes)).await.unwrap();
    let sent = from
        .send_message(NewMessage {
            recipients: vec![to.address().to_owned()],
            content: mail(to, "with attachment"),
            attachments: vec![attachment.id.clone()],
        })
        .await
        .unwrap();
    assert!(sent.is_own);
    to.sync_everything().await.unwrap();
    let received = to.message(&sent.id).await.unwrap();
    assert!(!received.is_own);
    assert_eq!(received.created_by, from.address());
    assert_eq!(received.content, sent.content);
    assert_eq!(received.attachments, vec![attachment.id.clone()]);
    let file = to
        .message_attachment(&sent.id, &attachment.id)
        .await
        .unwrap();
    assert!(!file.is_own);
    let (_, downloaded) = to.download_file(&file.id).await.unwrap();
    assert_eq!(downloaded, bytes);
    sent.id
}

#[tokio::test]
async fn messages_both_ways_with_attachments() {
    let (_backbone, a, b) = pair().await;
    relate(&a, &b).await;

    // templator → requestor and back.
    send_with_attachment(&a, &b, b"from the templator").await;
    let id = send_with_attachment(&b, &a, &[7u8; 5000]).await;

    // b forwards a's file (a peer file for b) back to a: a keeps it as its own file.
    let a_file = a.upload_own_file(file(b"a's own")).await.unwrap();
    let reference = a_file.reference(&a.config().base_url).unwrap();
    b.load_peer_file(&reference, None).await.unwrap();
    let forwarded = b
        .send_message(NewMessage {
            recipients: vec![a.address().to_owned()],
            content: mail(&a, "forwarded"),
            attachments: vec![a_file.id.clone()],
        })
        .await
        .unwrap();
    a.sync_everything().await.unwrap();
    let own_again = a
        .message_attachment(&forwarded.id, &a_file.id)
        .await
        .unwrap();
    assert!(own_again.is_own);
    assert_eq!(own_again.ownership_token, a_file.ownership_token);
    let (_, bytes) = a.download_file(&a_file.id).await.unwrap();
    assert_eq!(bytes, b"a's own");

    // Redelivery stores nothing twice.
    a.apply_message_received(&json!({ "id": id }))
        .await
        .unwrap();
    let all = a.messages(&Filter::And(vec![])).await.unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(
        a.messages(&Filter::eq("isOwn", false).unwrap())
            .await
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn concurrent_sends_never_reuse_a_counter() {
    let (_backbone, a, b) = pair().await;
    relate(&a, &b).await;
    let sends = (0..8).map(|i| {
        let (a, to) = (a.clone(), b.address().to_owned());
        tokio::spawn(async move {
            a.send_message(NewMessage {
                recipients: vec![to.clone()],
                content: json!({"@type": "Mail", "to": [to], "subject": format!("{i}"), "body": ""}),
                attachments: vec![],
            })
            .await
            .unwrap()
        })
    });
    for send in sends {
        send.await.unwrap();
    }
    // Every key cipher used its own counter: all eight decrypt and are stored.
    b.sync_everything().await.unwrap();
    assert_eq!(b.messages(&Filter::And(vec![])).await.unwrap().len(), 8);
}

#[tokio::test]
async fn sending_without_relationship_or_unknown_attachment_is_refused() {
    let (_backbone, a, b) = pair().await;
    let err = a
        .send_message(NewMessage {
            recipients: vec![b.address().to_owned()],
            content: mail(&b, "x"),
            attachments: vec![],
        })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no active Relationship"), "{err}");
    relate(&a, &b).await;
    let err = a
        .send_message(NewMessage {
            recipients: vec![b.address().to_owned()],
            content: mail(&b, "x"),
            attachments: vec!["FILaaaaaaaaaaaaaaaaa".into()],
        })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not found"), "{err}");
    assert!(a.messages(&Filter::And(vec![])).await.unwrap().is_empty());
}
