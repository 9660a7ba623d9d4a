//! Two identities on one dev Backbone: template → token → peer load → relationship → accept →
//! terminate → reactivate → decompose, each side learning the other's moves by sync.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use backbone_client::dto::RelationshipStatus;
use connector_transport::PasswordProtectionInput;
use connector_transport::relationship_lifecycle::RelationshipAction;
use connector_transport::templates::NewTemplate;
use serde_json::json;

use common::{in_days, pair};

fn code<T: std::fmt::Debug>(result: connector_transport::Result<T>) -> String {
    match result {
        Err(connector_transport::TransportError::Rule { code, .. }) => code,
        other => panic!("expected a rule error, got {other:?}"),
    }
}

fn template(password: Option<&str>) -> NewTemplate {
    NewTemplate {
        content: json!({"@type": "ArbitraryRelationshipTemplateContent", "value": {"hello": "B"}}),
        expires_at: in_days(2),
        max_number_of_allocations: None,
        for_identity: None,
        password_protection: password.map(|p| PasswordProtectionInput {
            password: p.into(),
            password_is_pin: true,
            password_location_indicator: None,
        }),
    }
}

#[tokio::test]
async fn the_whole_relationship_lifecycle_between_two_transports() {
    let (backbone, a, b) = pair().await;
    let mut a_events = a.events().subscribe();

    let own = a.create_own_template(template(None)).await.unwrap();
    assert!(own.is_own);
    let token = a
        .create_template_token(&own.id, None, false, None)
        .await
        .unwrap();
    let reference = token.reference(&backbone.base_url()).unwrap().truncate();
    assert!(reference.starts_with("VE9L"));

    let peer_template = b.load_peer_template(&reference, None).await.unwrap();
    assert_eq!(peer_template.id, own.id);
    assert!(!peer_template.is_own);
    assert_eq!(peer_template.content, own.content);
    assert_eq!(peer_template.created_by, a.address());

    let creation = json!({"@type": "ArbitraryRelationshipCreationContent", "value": {"hi": "A"}});
    let created = b
        .create_relationship(&own.id, creation.clone())
        .await
        .unwrap();
    assert_eq!(created.status, RelationshipStatus::Pending);
    assert_eq!(created.peer, a.address());
    assert!(!created.has_secrets());

    a.sync_everything().await.unwrap();
    let incoming = a.relationship(&created.id).await.unwrap().record;
    assert_eq!(incoming.status, RelationshipStatus::Pending);
    assert_eq!(incoming.peer, b.address());
    assert_eq!(incoming.creation_content, creation);
    assert!(incoming.has_secrets());
    let event = a_events.recv().await.unwrap();
    assert_eq!(event.namespace, "transport.relationshipChanged");
    assert_eq!(event.data["status"], "Pending");

    let accepted = a.accept_relationship(&created.id).await.unwrap();
    assert_eq!(accepted.status, RelationshipStatus::Active);
    b.sync_everything().await.unwrap();
    let active = b.relationship(&created.id).await.unwrap().record;
    assert_eq!(active.status, RelationshipStatus::Active);
    assert!(active.has_secrets());
    assert_eq!(
        b.active_relationship_to(a.address())
            .await
            .unwrap()
            .record
            .id,
        created.id
    );

    // The secrets of both sides fit: B encrypts (counter persisted), A decrypts.
    let cipher = b
        .with_secrets_mut(&created.id, |s| Ok(s.encrypt(b"ping")?))
        .await
        .unwrap();
    let plain = a
        .with_secrets(&created.id, |s| Ok(s.decrypt(&cipher)?))
        .await
        .unwrap();
    assert_eq!(plain, b"ping");
    let second = b
        .with_secrets_mut(&created.id, |s| Ok(s.encrypt(b"pong")?))
        .await
        .unwrap();
    assert_ne!(cipher, second, "the counter advanced and was stored");

    // Terminate (A), reactivate (B requests, A accepts).
    a.change_relationship(&created.id, RelationshipAction::Terminate)
        .await
        .unwrap();
    b.sync_everything().await.unwrap();
    assert_eq!(
        b.relationship(&created.id).await.unwrap().record.status,
        RelationshipStatus::Terminated
    );
    b.change_relationship(&created.id, RelationshipAction::RequestReactivation)
        .await
        .unwrap();
    while a_events.try_recv().is_ok() {}
    a.sync_everything().await.unwrap();
    let namespaces: Vec<_> = std::iter::from_fn(|| a_events.try_recv().ok())
        .map(|e| e.namespace)
        .collect();
    assert_eq!(
        namespaces,
        // As the runtime's processor: the reactivation event, then the change.
        [
            "transport.relationshipReactivationRequested",
            "transport.relationshipChanged"
        ]
    );
    let requested = a.relationship(&created.id).await.unwrap().record;
    assert_eq!(
        requested.audit_log.last().unwrap().reason.as_str(),
        "ReactivationRequested"
    );
    assert_eq!(
        code(
            b.change_relationship(&created.id, RelationshipAction::RequestReactivation)
                .await
        ),
        "error.transport.relationships.reactivationAlreadyRequested"
    );
    assert_eq!(
        code(
            b.change_relationship(&created.id, RelationshipAction::AcceptReactivation)
                .await
        ),
        "error.transport.relationships.operationOnlyAllowedForPeer"
    );
    assert_eq!(
        code(
            a.change_relationship(&created.id, RelationshipAction::RevokeReactivation)
                .await
        ),
        "error.transport.relationships.operationOnlyAllowedForPeer"
    );
    a.change_relationship(&created.id, RelationshipAction::AcceptReactivation)
        .await
        .unwrap();
    b.sync_everything().await.unwrap();
    assert_eq!(
        b.relationship(&created.id).await.unwrap().record.status,
        RelationshipStatus::Active
    );

    // Terminate again and decompose on both sides.
    b.change_relationship(&created.id, RelationshipAction::Terminate)
        .await
        .unwrap();
    a.sync_everything().await.unwrap();
    a.decompose_relationship(&created.id).await.unwrap();
    assert!(a.relationship(&created.id).await.is_err());
    b.sync_everything().await.unwrap();
    assert_eq!(
        b.relationship(&created.id).await.unwrap().record.status,
        RelationshipStatus::DeletionProposed
    );
    b.decompose_relationship(&created.id).await.unwrap();
    assert!(b.relationship(&created.id).await.is_err());
}

#[tokio::test]
async fn password_protected_template_by_template_reference() {
    let (backbone, a, b) = pair().await;
    let own = a.create_own_template(template(Some("1234"))).await.unwrap();
    let reference = own.reference(&backbone.base_url()).unwrap();
    assert!(reference.truncate().starts_with("UkxU"));
    let url = reference.to_url(None).unwrap();
    assert!(b.load_peer_template(&url, None).await.is_err());
    assert!(b.load_peer_template(&url, Some("9999")).await.is_err());
    let loaded = b.load_peer_template(&url, Some("1234")).await.unwrap();
    assert_eq!(loaded.id, own.id);
    assert_eq!(loaded.password_protection.unwrap().password_type, "pin4");
}

#[tokio::test]
async fn reject_revoke_and_concurrent_secret_use() {
    let (backbone, a, b) = pair().await;
    let own = a.create_own_template(template(None)).await.unwrap();
    let reference = own.reference(&backbone.base_url()).unwrap().truncate();
    b.load_peer_template(&reference, None).await.unwrap();
    let content = json!({"@type": "ArbitraryRelationshipCreationContent", "value": 1});

    // A rejects the first request (B cannot reject, A cannot revoke, B cannot request twice).
    let first = b
        .create_relationship(&own.id, content.clone())
        .await
        .unwrap();
    assert_eq!(
        code(b.create_relationship(&own.id, content.clone()).await),
        "error.transport.relationships.relationshipCurrentlyExists"
    );
    assert_eq!(
        code(
            b.change_relationship(&first.id, RelationshipAction::Reject)
                .await
        ),
        "error.transport.relationships.operationOnlyAllowedForPeer"
    );
    a.sync_everything().await.unwrap();
    assert_eq!(
        code(
            a.change_relationship(&first.id, RelationshipAction::Revoke)
                .await
        ),
        "error.transport.relationships.operationOnlyAllowedForPeer"
    );
    assert_eq!(
        code(
            a.change_relationship(&first.id, RelationshipAction::Terminate)
                .await
        ),
        "error.transport.relationships.wrongRelationshipStatus"
    );
    let rejected = a
        .change_relationship(&first.id, RelationshipAction::Reject)
        .await
        .unwrap();
    assert_eq!(rejected.status, RelationshipStatus::Rejected);
    b.sync_everything().await.unwrap();
    assert_eq!(
        b.relationship(&first.id).await.unwrap().record.status,
        RelationshipStatus::Rejected
    );
    // The templator cannot accept what is no longer pending.
    assert!(a.accept_relationship(&first.id).await.is_err());

    // B revokes the second request before A answers.
    let second = b
        .create_relationship(&own.id, content.clone())
        .await
        .unwrap();
    b.change_relationship(&second.id, RelationshipAction::Revoke)
        .await
        .unwrap();
    a.sync_everything().await.unwrap();
    assert_eq!(
        a.relationship(&second.id).await.unwrap().record.status,
        RelationshipStatus::Revoked
    );

    // A third one is accepted; concurrent encryptions never reuse a counter.
    let third = b.create_relationship(&own.id, content).await.unwrap();
    a.sync_everything().await.unwrap();
    a.accept_relationship(&third.id).await.unwrap();
    b.sync_everything().await.unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let (b, id) = (b.clone(), third.id.clone());
            tokio::spawn(async move {
                b.with_secrets_mut(&id, |s| Ok(s.encrypt(format!("m{i}").as_bytes())?))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut counters = Vec::new();
    for task in tasks {
        let cipher = task.await.unwrap();
        let plain = a
            .with_secrets(&third.id, |s| Ok(s.decrypt(&cipher)?))
            .await
            .unwrap();
        assert!(plain.starts_with(b"m"));
        let nmshd_crypto::CipherNonce::Counter(counter) = cipher.nonce else {
            panic!("relationship ciphers carry a counter");
        };
        counters.push(counter);
    }
    counters.sort_unstable();
    counters.dedup();
    assert_eq!(counters.len(), 8, "every encryption used its own counter");
}

#[tokio::test]
async fn peer_deletion_events_mark_the_relationship() {
    let (backbone, a, b) = pair().await;
    let own = a.create_own_template(template(None)).await.unwrap();
    let reference = own.reference(&backbone.base_url()).unwrap().truncate();
    b.load_peer_template(&reference, None).await.unwrap();
    let created = b
        .create_relationship(
            &own.id,
            json!({"@type": "ArbitraryRelationshipCreationContent", "value": 1}),
        )
        .await
        .unwrap();
    a.sync_everything().await.unwrap();
    a.accept_relationship(&created.id).await.unwrap();
    b.sync_everything().await.unwrap();

    let process = b.backbone().start_deletion_process(Some(14)).await.unwrap();
    let mut a_events = a.events().subscribe();
    a.sync_everything().await.unwrap();
    let marked = a.relationship(&created.id).await.unwrap().record;
    let info = marked
        .peer_deletion_info
        .clone()
        .expect("peer deletion info");
    assert_eq!(info["deletionStatus"], "ToBeDeleted");
    assert!(info["deletionDate"].is_string());
    assert_eq!(
        a_events.recv().await.unwrap().namespace,
        "transport.peerToBeDeleted"
    );
    assert_eq!(
        marked.to_dto()["peerDeletionInfo"]["deletionStatus"],
        "ToBeDeleted"
    );

    b.backbone()
        .cancel_deletion_process(&process.id)
        .await
        .unwrap();
    a.sync_everything().await.unwrap();
    let cleared = a.relationship(&created.id).await.unwrap().record;
    assert!(cleared.peer_deletion_info.is_none());
    assert!(cleared.to_dto().get("peerDeletionInfo").is_none());
}
