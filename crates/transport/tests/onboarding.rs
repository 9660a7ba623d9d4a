//! Onboarding against the dev Backbone: once, then loaded from the store; several openers at once
//! end up with one identity.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use connector_store::{EmbeddedStore, Store};
use connector_transport::{Transport, TransportConfig};

async fn backbone() -> devbackbone::RunningBackbone {
    devbackbone::start(devbackbone::BackboneConfig::default())
        .await
        .unwrap()
}

#[tokio::test]
async fn onboards_once_and_reloads_the_same_identity() {
    let backbone = backbone().await;
    let store: Arc<dyn Store> = Arc::new(EmbeddedStore::in_memory().unwrap());
    let config = TransportConfig::new(&backbone.base_url(), "test", "test");
    let first = Transport::open(config.clone(), Arc::clone(&store))
        .await
        .unwrap();
    assert!(first.address().starts_with("did:e:localhost:dids:"));
    let again = Transport::open(config, Arc::clone(&store)).await.unwrap();
    assert_eq!(first.address(), again.address());
    assert_eq!(first.account().device_id, again.account().device_id);
    // The device can log in and sync (the datawallet exists after onboarding).
    let summary = again.sync_everything().await.unwrap();
    assert_eq!(summary.events_applied, 0);
    assert!(
        again
            .sync_info()
            .await
            .unwrap()
            .last_sync_run_completed_at
            .is_some()
    );
}

#[tokio::test]
async fn concurrent_openers_share_one_identity() {
    let backbone = backbone().await;
    let store: Arc<dyn Store> = Arc::new(EmbeddedStore::in_memory().unwrap());
    let config = TransportConfig::new(&backbone.base_url(), "test", "test");
    let openers = (0..5).map(|_| {
        let (config, store) = (config.clone(), Arc::clone(&store));
        tokio::spawn(async move { Transport::open(config, store).await.unwrap() })
    });
    let mut addresses = Vec::new();
    for opener in openers {
        addresses.push(opener.await.unwrap().address().to_owned());
    }
    addresses.dedup();
    assert_eq!(addresses.len(), 1, "{addresses:?}");
}

#[tokio::test]
async fn a_wrong_client_secret_fails_onboarding_clearly() {
    let backbone = backbone().await;
    let store: Arc<dyn Store> = Arc::new(EmbeddedStore::in_memory().unwrap());
    let config = TransportConfig::new(&backbone.base_url(), "test", "wrong");
    let error = Transport::open(config, store).await.unwrap_err();
    assert!(error.to_string().contains("client"), "{error}");
    let _ = backbone;
}
