//! What only the embedded store has: its state survives a restart, its file is locked against a
//! second opener, and named databases share one directory. The behaviour every backend shares is
//! in `contract.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use connector_store::{EmbeddedStore, Store, StoreError};
use serde_json::json;

#[tokio::test]
async fn state_survives_a_restart_and_the_directory_is_locked() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = EmbeddedStore::open(dir.path()).unwrap();
        store
            .ensure_unique_index("identity", "address")
            .await
            .unwrap();
        store
            .insert("identity", json!({"id": "i", "address": "x"}))
            .await
            .unwrap();
        let doc = store.get("identity", "i").await.unwrap().unwrap();
        store.replace("identity", doc).await.unwrap();
        let second = EmbeddedStore::open(dir.path()).unwrap_err();
        assert!(matches!(second, StoreError::AlreadyInUse(_)), "{second}");
    }
    let store = EmbeddedStore::open(dir.path()).unwrap();
    let doc = store.get("identity", "i").await.unwrap().unwrap();
    assert_eq!(doc["version"], 2);
    let err = store
        .insert("identity", json!({"id": "j", "address": "x"}))
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "the unique index survived too: {err}");
    store.check_health().await.unwrap();
}

#[tokio::test]
async fn named_databases_share_a_directory_and_each_is_locked() {
    let dir = tempfile::tempdir().unwrap();
    let a = EmbeddedStore::open_named(dir.path(), "a").unwrap();
    let b = EmbeddedStore::open_named(dir.path(), "b").unwrap();
    a.insert("identity", json!({"id": "i", "address": "a"}))
        .await
        .unwrap();
    assert!(
        b.get("identity", "i").await.unwrap().is_none(),
        "separate data"
    );
    assert!(dir.path().join("a.db").is_file() && dir.path().join("b.db").is_file());
    let second = EmbeddedStore::open_named(dir.path(), "a").unwrap_err();
    assert!(matches!(second, StoreError::AlreadyInUse(_)), "{second}");
    for bad in ["", ".", "..", "x/y", "x\\y"] {
        assert!(
            EmbeddedStore::open_named(dir.path(), bad).is_err(),
            "{bad:?}"
        );
    }
}
