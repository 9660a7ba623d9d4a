//! Files on the dev Backbone: upload/download by id, a peer loads by file reference and by token.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use connector_store::Filter;
use connector_transport::PasswordProtectionInput;
use connector_transport::files::{FileTokenOptions, NewFile};
use nmshd_crypto::Reference;
use nmshd_wire::CoreDate;

use common::transport;

fn new_file(content: &[u8]) -> NewFile {
    NewFile {
        content: content.to_vec(),
        filename: "ÄÖÜ report.txt".into(),
        mimetype: "text/plain".into(),
        title: Some("Report".into()),
        description: Some(String::new()),
        tags: Some(vec!["x".into()]),
        expires_at: CoreDate::parse("9999-12-31T00:00:00.000Z").unwrap(),
    }
}

#[tokio::test]
async fn upload_download_and_peer_loads_by_reference_and_token() {
    let backbone = devbackbone::start(devbackbone::BackboneConfig::default())
        .await
        .unwrap();
    let owner = transport(&backbone.base_url()).await;
    let peer = transport(&backbone.base_url()).await;
    let content: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();

    let own = owner.upload_own_file(new_file(&content)).await.unwrap();
    assert!(own.is_own);
    assert!(own.ownership_token.is_some());
    let (_, downloaded) = owner.download_file(&own.id).await.unwrap();
    assert_eq!(downloaded, content);
    let dto = own.to_dto(&owner.config().base_url).unwrap();
    assert_eq!(dto["filename"], "ÄÖÜ report.txt");
    assert_eq!(dto["filesize"], 70_000);
    assert!(
        dto["reference"]["truncated"]
            .as_str()
            .unwrap()
            .starts_with("RklM")
    );
    let listed = owner
        .files(&Filter::eq("isOwn", true).unwrap())
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);

    // By file reference.
    let truncated = dto["reference"]["truncated"].as_str().unwrap();
    let loaded = peer
        .load_peer_file(&Reference::parse(truncated).unwrap(), None)
        .await
        .unwrap();
    assert!(!loaded.is_own);
    assert_eq!(loaded.owner, owner.address());
    assert_eq!(loaded.title.as_deref(), Some("Report"));
    let (_, downloaded) = peer.download_file(&own.id).await.unwrap();
    assert_eq!(downloaded, content);
    // Loading again keeps one record.
    peer.load_peer_file(&Reference::parse(truncated).unwrap(), None)
        .await
        .unwrap();
    assert_eq!(peer.files(&Filter::And(vec![])).await.unwrap().len(), 1);

    // By token, password protected.
    let token = owner
        .create_file_token(
            &own.id,
            FileTokenOptions {
                expires_at: None,
                ephemeral: true,
                for_identity: None,
                password_protection: Some(PasswordProtectionInput {
                    password: "1234".into(),
                    password_is_pin: true,
                    password_location_indicator: None,
                }),
            },
        )
        .await
        .unwrap();
    let third = transport(&backbone.base_url()).await;
    let token_ref = token.reference(&owner.config().base_url).unwrap();
    let err = third.load_peer_file(&token_ref, None).await.unwrap_err();
    assert!(err.to_string().contains("password"), "{err}");
    let loaded = third
        .load_peer_file(&token_ref, Some("1234"))
        .await
        .unwrap();
    assert_eq!(loaded.id, own.id);
    let (_, downloaded) = third.download_file(&own.id).await.unwrap();
    assert_eq!(downloaded, content);

    // Deleting: own on the Backbone, peer only locally.
    third.delete_file(&own.id).await.unwrap();
    assert!(third.file(&own.id).await.is_err());
    owner.delete_file(&own.id).await.unwrap();
    assert!(peer.download_file(&own.id).await.is_err());
}

#[tokio::test]
async fn ownership_token_regenerate_lock_and_claim_reach_the_owner_by_sync() {
    let backbone = devbackbone::start(devbackbone::BackboneConfig::default())
        .await
        .unwrap();
    let owner = transport(&backbone.base_url()).await;
    let peer = transport(&backbone.base_url()).await;
    let mut owner_events = owner.events().subscribe();
    let own = owner.upload_own_file(new_file(b"owned")).await.unwrap();
    let first = own.ownership_token.clone().unwrap();
    let regenerated = owner.regenerate_ownership_token(&own.id).await.unwrap();
    let second = regenerated.ownership_token.clone().unwrap();
    assert_ne!(first, second);

    // A peer file cannot get a new token.
    let reference = own.reference(&owner.config().base_url).unwrap();
    peer.load_peer_file(&reference, None).await.unwrap();
    let err = peer.regenerate_ownership_token(&own.id).await.unwrap_err();
    assert!(err.to_string().contains("Only the owner"), "{err}");

    // A wrong token locks; the owner learns it by sync; regenerating unlocks.
    let validation = peer
        .backbone()
        .validate_file_ownership_token(&own.id, "wrong-token-12345678")
        .await
        .unwrap();
    assert!(!validation.is_valid);
    owner.sync_everything().await.unwrap();
    assert_eq!(
        owner.file(&own.id).await.unwrap().ownership_is_locked,
        Some(true)
    );
    let locked = next_event(&mut owner_events, "transport.fileOwnershipLocked").await;
    assert_eq!(locked["id"], own.id.as_str());
    assert_eq!(locked["ownershipIsLocked"], true, "{locked}");
    let unlocked = owner.regenerate_ownership_token(&own.id).await.unwrap();
    assert_eq!(unlocked.ownership_is_locked, None);

    // The peer claims it with the right token; the previous owner syncs and sees a peer file.
    let token = unlocked.ownership_token.unwrap();
    peer.backbone()
        .claim_file_ownership(&own.id, &token)
        .await
        .unwrap();
    owner.sync_everything().await.unwrap();
    let after = owner.file(&own.id).await.unwrap();
    assert!(!after.is_own);
    assert_eq!(after.owner, peer.address());
    assert_eq!(after.ownership_token, None);
    let claimed = next_event(&mut owner_events, "transport.fileOwnershipClaimed").await;
    assert_eq!(claimed["id"], own.id.as_str());
    assert_eq!(claimed["owner"], peer.address());
    assert_eq!(claimed["isOwn"], false);
}

/// The next event with this namespace (others are skipped), within 5 s.
async fn next_event(
    events: &mut tokio::sync::broadcast::Receiver<connector_transport::events::TransportEvent>,
    namespace: &str,
) -> serde_json::Value {
    tokio::time::timeout(std::time::Duration::from_secs(5), async {
        loop {
            let event = events.recv().await.unwrap();
            if event.namespace == namespace {
                return event.data;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {namespace} event"))
}
