//! Behaviour every backend must show; run against the embedded store on disk and in memory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use connector_store::{
    Condition, ConflictReason, EmbeddedStore, Filter, FindOptions, SortOrder, Store, StoreError,
};
use serde_json::{Value, json};

fn backends() -> Vec<(tempfile::TempDir, Arc<dyn Store>)> {
    let dir = tempfile::tempdir().unwrap();
    let on_disk: Arc<dyn Store> = Arc::new(EmbeddedStore::open(dir.path().join("data")).unwrap());
    let dir2 = tempfile::tempdir().unwrap();
    let in_memory: Arc<dyn Store> = Arc::new(EmbeddedStore::in_memory().unwrap());
    vec![(dir, on_disk), (dir2, in_memory)]
}

#[tokio::test]
async fn insert_get_and_duplicate_id() {
    for (_dir, store) in backends() {
        let stored = store
            .insert("messages", json!({"id": "MSG1", "n": 1}))
            .await
            .unwrap();
        assert_eq!(stored["version"], 1);
        assert_eq!(store.get("messages", "MSG1").await.unwrap(), Some(stored));
        assert_eq!(store.get("messages", "MSG2").await.unwrap(), None);
        assert_eq!(store.get("never_written", "MSG1").await.unwrap(), None);

        let err = store
            .insert("messages", json!({"id": "MSG1", "n": 2}))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Conflict {
                    reason: ConflictReason::DuplicateId,
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(
            store.get("messages", "MSG1").await.unwrap().unwrap()["n"],
            1,
            "not overwritten"
        );
    }
}

#[tokio::test]
async fn compare_and_set_refuses_stale_versions() {
    for (_dir, store) in backends() {
        let v1 = store
            .insert("rel", json!({"id": "REL1", "status": "Pending"}))
            .await
            .unwrap();
        let mut a = v1.clone();
        a["status"] = json!("Active");
        let mut b = v1.clone();
        b["status"] = json!("Rejected");

        let v2 = store.replace("rel", a).await.unwrap();
        assert_eq!(v2["version"], 2);
        let err = store.replace("rel", b).await.unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Conflict {
                    reason: ConflictReason::VersionMismatch {
                        expected: 1,
                        actual: 2
                    },
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(
            store.get("rel", "REL1").await.unwrap().unwrap()["status"],
            "Active"
        );

        let err = store
            .replace("rel", json!({"id": "REL9", "version": 1}))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound { .. }), "{err}");
        let err = store
            .replace("rel", json!({"id": "REL1"}))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::InvalidDocument(_)), "{err}");

        let err = store.delete("rel", "REL1", Some(1)).await.unwrap_err();
        assert!(err.is_conflict());
        assert!(store.delete("rel", "REL1", Some(2)).await.unwrap());
        assert!(!store.delete("rel", "REL1", None).await.unwrap());
    }
}

#[tokio::test]
async fn bad_ids_documents_and_names_are_typed_errors() {
    for (_dir, store) in backends() {
        for doc in [
            json!({"n": 1}),
            json!({"id": 5}),
            json!({"id": ""}),
            json!([1]),
            json!({"id": "a\nb"}),
        ] {
            let err = store.insert("c", doc.clone()).await.unwrap_err();
            assert!(
                matches!(
                    err,
                    StoreError::InvalidDocument(_) | StoreError::InvalidId(_)
                ),
                "{doc}: {err}"
            );
        }
        let err = store
            .insert("c", json!({"id": "x", "version": "one"}))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::InvalidDocument(_)), "{err}");
        store
            .insert("c", json!({"id": "x", "version": 7}))
            .await
            .unwrap();
        assert_eq!(
            store.get("c", "x").await.unwrap().unwrap()["version"],
            1,
            "insert starts at 1"
        );
        let err = store
            .replace("c", json!({"id": "x", "version": -1}))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::InvalidDocument(_)), "{err}");
        assert!(matches!(
            store.get("c", "").await.unwrap_err(),
            StoreError::InvalidId(_)
        ));
        assert!(matches!(
            store.get("bad.name", "x").await.unwrap_err(),
            StoreError::InvalidName(_)
        ));
        assert!(matches!(
            store.get("__meta_unique", "x").await.unwrap_err(),
            StoreError::InvalidName(_)
        ));
    }
}

#[tokio::test]
async fn unique_index_allows_exactly_one() {
    for (_dir, store) in backends() {
        store
            .ensure_unique_index("identity", "address")
            .await
            .unwrap();
        store
            .ensure_unique_index("identity", "address")
            .await
            .unwrap();
        store
            .insert("identity", json!({"id": "a", "address": "did:e:x:dids:1"}))
            .await
            .unwrap();
        let err = store
            .insert("identity", json!({"id": "b", "address": "did:e:x:dids:1"}))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Conflict {
                    reason: ConflictReason::DuplicateKey { .. },
                    ..
                }
            ),
            "{err}"
        );
        // documents without the field are not indexed (sparse)
        store.insert("identity", json!({"id": "c"})).await.unwrap();
        store.insert("identity", json!({"id": "d"})).await.unwrap();
        // a replace moves the key; the old value becomes free
        let mut a = store.get("identity", "a").await.unwrap().unwrap();
        a["address"] = json!("did:e:x:dids:2");
        store.replace("identity", a).await.unwrap();
        store
            .insert("identity", json!({"id": "e", "address": "did:e:x:dids:1"}))
            .await
            .unwrap();
        // deletion frees the key
        store.delete("identity", "e", None).await.unwrap();
        store
            .insert("identity", json!({"id": "f", "address": "did:e:x:dids:1"}))
            .await
            .unwrap();

        store
            .insert("dups", json!({"id": "1", "k": "x"}))
            .await
            .unwrap();
        store
            .insert("dups", json!({"id": "2", "k": "x"}))
            .await
            .unwrap();
        assert!(
            store
                .ensure_unique_index("dups", "k")
                .await
                .unwrap_err()
                .is_conflict()
        );
        store
            .insert("dups", json!({"id": "3", "k": "x"}))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn find_filters_sorts_and_limits() {
    for (_dir, store) in backends() {
        for (id, at, own) in [
            ("A", "2025-01-03T00:00:00.000Z", true),
            ("B", "2025-01-01T00:00:00.000Z", false),
            ("C", "2025-01-02T00:00:00.000Z", true),
        ] {
            store
                .insert("files", json!({"id": id, "createdAt": at, "isOwn": own}))
                .await
                .unwrap();
        }
        let own = store
            .find("files", &Filter::eq("isOwn", true).unwrap())
            .await
            .unwrap();
        assert_eq!(ids(&own), ["A", "C"]);
        let after = Filter::field(
            "createdAt",
            Condition::Gt(json!("2025-01-01T12:00:00.000Z")),
        )
        .unwrap();
        assert_eq!(store.count("files", &after).await.unwrap(), 2);
        let options = FindOptions {
            sort: vec![("createdAt".into(), SortOrder::Descending)],
            skip: 1,
            limit: Some(1),
        };
        assert_eq!(
            ids(&store
                .find_with("files", &Filter::All, &options)
                .await
                .unwrap()),
            ["C"]
        );
        assert!(
            store
                .find("nothing", &Filter::All)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

fn ids(docs: &[Value]) -> Vec<&str> {
    docs.iter().map(|d| d["id"].as_str().unwrap()).collect()
}

#[test]
fn concurrent_writers_never_lose_an_update() {
    const THREADS: usize = 4;
    const INCREMENTS: u64 = 25;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(EmbeddedStore::open(dir.path()).unwrap());
    runtime
        .block_on(store.insert("counters", json!({"id": "c", "n": 0})))
        .unwrap();

    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let store = Arc::clone(&store);
            let handle = runtime.handle().clone();
            std::thread::spawn(move || {
                let mut conflicts = 0u64;
                for _ in 0..INCREMENTS {
                    loop {
                        let mut doc = handle
                            .block_on(store.get("counters", "c"))
                            .unwrap()
                            .unwrap();
                        doc["n"] = json!(doc["n"].as_u64().unwrap() + 1);
                        match handle.block_on(store.replace("counters", doc)) {
                            Ok(_) => break,
                            Err(e) if e.is_conflict() => conflicts += 1,
                            Err(e) => panic!("{e}"),
                        }
                    }
                }
                conflicts
            })
        })
        .collect();
    let conflicts: u64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    let doc = runtime
        .block_on(store.get("counters", "c"))
        .unwrap()
        .unwrap();
    let total = THREADS as u64 * INCREMENTS;
    assert_eq!(
        doc["n"], total,
        "every increment applied exactly once ({conflicts} lost races retried)"
    );
    assert_eq!(doc["version"], total + 1);
}

#[tokio::test]
async fn concurrent_inserts_of_one_id_have_one_winner() {
    let store = Arc::new(EmbeddedStore::in_memory().unwrap());
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                store
                    .insert("identity", json!({"id": "identity", "by": i}))
                    .await
            })
        })
        .collect();
    let mut winners = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => winners += 1,
            Err(e) => assert!(e.is_conflict(), "{e}"),
        }
    }
    assert_eq!(winners, 1);
}

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
