//! The store contract, written once and run against every backend: the embedded store in memory
//! and on disk, and the MongoDB backend on the nx-27017 stand-in, which each MongoDB test starts on
//! a free port (from `<repo>/.venv-mongo`, installed by `scripts/test-all.sh`) and ends when it
//! finishes. What only the embedded store has (restart, file locks) is in `embedded.rs`.
//! Plus MongoDB-only tests: several OS processes racing compare-and-set on one document, the
//! stored form, and an unreachable server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

/// The nx-27017 MongoDB stand-in as a child process, one per test.
mod standin {
    use std::net::{Ipv4Addr, TcpListener};
    use std::path::PathBuf;
    use std::process::{Child, Command, Stdio};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::Duration;

    use connector_store::{MongoStore, Store};

    /// A running stand-in; killed when dropped (also when the test panics).
    pub struct StandIn {
        child: Child,
        port: u16,
        db_name: String,
        /// Holds the server's pid and log files: the defaults are shared paths in /tmp, and a
        /// second server refuses to start while the pid file names a live process.
        dir: tempfile::TempDir,
    }

    /// A port that was free a moment ago (the stand-in is restarted on another if it was taken).
    pub fn free_port() -> u16 {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        listener.local_addr().unwrap().port()
    }

    fn executable() -> PathBuf {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
        let exe = root.join(".venv-mongo/bin/nx-27017");
        assert!(
            exe.exists(),
            "the MongoDB stand-in is not installed at {}: run scripts/test-all.sh once \
             (or: python3 -m venv .venv-mongo && .venv-mongo/bin/pip install nx-27017==0.8.1)",
            exe.display()
        );
        exe
    }

    impl StandIn {
        /// Starts the stand-in on a free port and waits until it accepts connections.
        pub async fn start() -> Self {
            static NEXT_DB: AtomicU32 = AtomicU32::new(0);
            let exe = executable();
            let mut last_log = String::new();
            for _attempt in 0..3 {
                let port = free_port();
                let dir = tempfile::tempdir().unwrap();
                let out = std::fs::File::create(dir.path().join("out.log")).unwrap();
                let child = Command::new(&exe)
                    .args(["--db", "memory", "-p", &port.to_string()])
                    .arg("--pid-file")
                    .arg(dir.path().join("nx.pid"))
                    .arg("--log-file")
                    .arg(dir.path().join("nx.log"))
                    .stdin(Stdio::null())
                    .stdout(out.try_clone().unwrap())
                    .stderr(out)
                    .spawn()
                    .unwrap();
                let db_name = format!(
                    "test_{}_{}",
                    std::process::id(),
                    NEXT_DB.fetch_add(1, Ordering::Relaxed)
                );
                let mut server = Self {
                    child,
                    port,
                    db_name,
                    dir,
                };
                if server.wait_until_ready().await {
                    return server;
                }
                last_log =
                    std::fs::read_to_string(server.dir.path().join("out.log")).unwrap_or_default();
            }
            panic!("the MongoDB stand-in did not start; its output:\n{last_log}");
        }

        /// True once the port accepts connections; false if the process ended (port taken) or
        /// nothing listens after 20 s.
        async fn wait_until_ready(&mut self) -> bool {
            let port = self.port;
            let child = &mut self.child;
            let ready = test_support::poll_until(Duration::from_secs(20), async || {
                if child.try_wait().unwrap().is_some() {
                    return Ok(false);
                }
                tokio::net::TcpStream::connect((Ipv4Addr::LOCALHOST, port))
                    .await
                    .map(|_| true)
            })
            .await;
            ready.unwrap_or(false)
        }

        pub fn uri(&self) -> String {
            format!("mongodb://127.0.0.1:{}/", self.port)
        }

        /// A database name unique to this test.
        pub fn db_name(&self) -> &str {
            &self.db_name
        }

        /// A fresh store on this test's database, checked to answer.
        pub async fn store(&self) -> Arc<dyn Store> {
            let store = MongoStore::connect(&self.uri(), &self.db_name)
                .await
                .unwrap();
            store.check_health().await.unwrap();
            Arc::new(store)
        }
    }

    impl Drop for StandIn {
        fn drop(&mut self) {
            // The process is ours (spawned above), so ending it by its handle is safe.
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

use std::sync::Arc;

use connector_store::{
    Condition, ConflictReason, FieldShape, Filter, FindOptions, Pattern, SortOrder, Store,
    StoreError,
};
use serde_json::{Value, json};

/// Declares each behaviour test once per backend: `embedded::<name>`, `embedded_on_disk::<name>`
/// and `mongo::<name>`.
macro_rules! on_every_backend {
    ($($name:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let store = std::sync::Arc::new(connector_store::EmbeddedStore::in_memory().unwrap());
                    super::behaviour::$name(store).await;
                }
            )*
        }
        mod embedded_on_disk {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let dir = tempfile::tempdir().unwrap();
                    let store = connector_store::EmbeddedStore::open(dir.path()).unwrap();
                    super::behaviour::$name(std::sync::Arc::new(store)).await;
                }
            )*
        }
        mod mongo {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let server = super::standin::StandIn::start().await;
                    super::behaviour::$name(server.store().await).await;
                    drop(server);
                }
            )*
        }
    };
}

on_every_backend!(
    insert_get_and_duplicate_id,
    documents_round_trip_exactly,
    compare_and_set_refuses_stale_versions,
    bad_ids_documents_and_names_are_typed_errors,
    unique_index_allows_exactly_one,
    find_filters_sorts_and_limits,
    filter_operators_agree,
    filter_operators_agree_with_indexes,
    concurrent_writers_never_lose_an_update,
    concurrent_inserts_of_one_id_have_one_winner,
);

fn ids(docs: &[Value]) -> Vec<&str> {
    docs.iter().map(|d| d["id"].as_str().unwrap()).collect()
}

/// The test bodies, each given a fresh, empty store.
mod behaviour {
    use super::*;

    pub async fn insert_get_and_duplicate_id(store: Arc<dyn Store>) {
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
        store.check_health().await.unwrap();
    }

    /// Callers get back exactly what they wrote: key order, integer vs float, nesting, and
    /// objects that look like extended JSON stay plain JSON.
    pub async fn documents_round_trip_exactly(store: Arc<dyn Store>) {
        let written = json!({
            "kind": "x", "id": "DOC1", "int": 42, "neg": -7, "zero": 0, "big": 9_007_199_254_740_993_i64,
            "float": 1.0, "frac": 2.5, "tiny": 1e-300, "yes": true, "no": false, "nothing": null,
            "text": "Grüße ✓", "empty": {}, "list": [1, "a", null, [true], {"b": 1, "a": 2}],
            "date": {"$date": "2025-01-31T12:00:00.000Z"}, "createdAt": "2025-01-31T12:00:00.000Z",
            "nested": {"z": {"y": {"x": [0.5]}}, "@type": "Mail"},
            "$top": {"$oid": "0123456789ab0123456789ab", "$numberLong": "5", "\u{e000}x": 1, "a.b": 2}
        });
        let inserted = store.insert("docs", written.clone()).await.unwrap();
        let read = store.get("docs", "DOC1").await.unwrap().unwrap();
        assert_eq!(read.to_string(), inserted.to_string());
        let mut expected = written.clone();
        expected["version"] = json!(1);
        assert_eq!(read.to_string(), expected.to_string());
        assert!(read["version"].is_u64(), "version stays an integer");
        assert!(read["float"].is_f64(), "1.0 stays a float");

        let replaced = store.replace("docs", read).await.unwrap();
        let read = store.get("docs", "DOC1").await.unwrap().unwrap();
        assert_eq!(read.to_string(), replaced.to_string());
        assert_eq!(read["version"], json!(2));
        let found = store.find("docs", &Filter::All).await.unwrap();
        assert_eq!(found[0].to_string(), replaced.to_string());
    }

    pub async fn compare_and_set_refuses_stale_versions(store: Arc<dyn Store>) {
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
        assert!(store.delete("rel", "REL1", Some(2)).await.unwrap());
        assert!(!store.delete("rel", "REL1", None).await.unwrap());
        assert!(!store.delete("rel", "REL1", Some(2)).await.unwrap());
        assert_eq!(store.get("rel", "REL1").await.unwrap(), None);
    }

    pub async fn bad_ids_documents_and_names_are_typed_errors(store: Arc<dyn Store>) {
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
        for name in ["bad.name", "__meta_unique", "", "a b"] {
            assert!(
                matches!(
                    store.get(name, "x").await.unwrap_err(),
                    StoreError::InvalidName(_)
                ),
                "{name}"
            );
        }
        assert!(matches!(
            store
                .find_with(
                    "c",
                    &Filter::All,
                    &FindOptions {
                        sort: vec![("$where".into(), SortOrder::Ascending)],
                        ..FindOptions::default()
                    }
                )
                .await
                .unwrap_err(),
            StoreError::InvalidName(_)
        ));
    }

    pub async fn unique_index_allows_exactly_one(store: Arc<dyn Store>) {
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
                &err,
                StoreError::Conflict {
                    reason: ConflictReason::DuplicateKey { field },
                    ..
                } if field == "address"
            ),
            "{err}"
        );
        // the id wins over the unique key when both collide
        let err = store
            .insert("identity", json!({"id": "a", "address": "did:e:x:dids:1"}))
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
        // documents without the field are not indexed (sparse)
        store.insert("identity", json!({"id": "c"})).await.unwrap();
        store.insert("identity", json!({"id": "d"})).await.unwrap();
        // a replace onto a taken key is refused and changes nothing
        let mut c = store.get("identity", "c").await.unwrap().unwrap();
        c["address"] = json!("did:e:x:dids:1");
        let err = store.replace("identity", c).await.unwrap_err();
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
        assert_eq!(
            store.get("identity", "c").await.unwrap().unwrap()["version"],
            1
        );
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
        // nested paths
        store
            .ensure_unique_index("identity", "keys.sig")
            .await
            .unwrap();
        store
            .insert("identity", json!({"id": "g", "keys": {"sig": "k1"}}))
            .await
            .unwrap();
        assert!(
            store
                .insert("identity", json!({"id": "h", "keys": {"sig": "k1"}}))
                .await
                .unwrap_err()
                .is_conflict()
        );

        store
            .insert("dups", json!({"id": "1", "k": "x"}))
            .await
            .unwrap();
        store
            .insert("dups", json!({"id": "2", "k": "x"}))
            .await
            .unwrap();
        let err = store.ensure_unique_index("dups", "k").await.unwrap_err();
        assert!(
            matches!(
                &err,
                StoreError::Conflict {
                    reason: ConflictReason::DuplicateKey { field },
                    ..
                } if field == "k"
            ),
            "{err}"
        );
        store
            .insert("dups", json!({"id": "3", "k": "x"}))
            .await
            .unwrap();
    }

    pub async fn find_filters_sorts_and_limits(store: Arc<dyn Store>) {
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
        let sorted = |sort: Vec<(&str, SortOrder)>, skip, limit| FindOptions {
            sort: sort.into_iter().map(|(p, o)| (p.to_owned(), o)).collect(),
            skip,
            limit,
        };
        let find = |options: FindOptions| {
            let store = Arc::clone(&store);
            async move {
                store
                    .find_with("files", &Filter::All, &options)
                    .await
                    .unwrap()
            }
        };
        let desc = sorted(vec![("createdAt", SortOrder::Descending)], 1, Some(1));
        assert_eq!(ids(&find(desc).await), ["C"]);
        let by_id = sorted(vec![("id", SortOrder::Descending)], 0, None);
        assert_eq!(ids(&find(by_id).await), ["C", "B", "A"]);
        // equal sort keys come in id order
        let ties = sorted(vec![("isOwn", SortOrder::Descending)], 0, None);
        assert_eq!(ids(&find(ties).await), ["A", "C", "B"]);
        assert!(find(sorted(vec![], 0, Some(0))).await.is_empty());
        assert_eq!(ids(&find(sorted(vec![], 2, Some(5))).await), ["C"]);
        assert!(find(sorted(vec![], 3, None)).await.is_empty());
        assert!(
            store
                .find("never_written", &Filter::All)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(store.count("never_written", &Filter::All).await.unwrap(), 0);
    }

    /// Each filter operator selects the same documents as the embedded store's own matcher.
    pub async fn filter_operators_agree(store: Arc<dyn Store>) {
        let docs = [
            json!({"id": "M1", "size": 10, "subject": "Hello World", "tags": ["a", "b"],
                   "recipients": [{"address": "did:1"}, {"address": "did:2"}], "content": {"@type": "Mail"}}),
            json!({"id": "M2", "size": 2.5, "subject": "hello there", "tags": ["c"],
                   "recipients": [{"address": "did:3"}], "content": {"@type": "Request"}, "extra": null}),
            json!({"id": "M3", "size": "big", "subject": "Bye", "flag": true}),
        ];
        for doc in &docs {
            store.insert("m", doc.clone()).await.unwrap();
        }
        let f = |path: &str, c: Condition| Filter::field(path, c).unwrap();
        let cases = [
            (f("size", Condition::Gte(json!(2.5))), vec!["M1", "M2"]),
            (f("size", Condition::Lt(json!(10))), vec!["M2"]),
            (f("size", Condition::Gt(json!("a"))), vec!["M3"]),
            (f("size", Condition::Eq(json!(10.0))), vec!["M1"]),
            (f("tags", Condition::Eq(json!("b"))), vec!["M1"]),
            (f("tags", Condition::Ne(json!("b"))), vec!["M2", "M3"]),
            (
                f("tags", Condition::In(vec![json!("c"), json!("z")])),
                vec!["M2"],
            ),
            (
                f("tags", Condition::Nin(vec![json!("a")])),
                vec!["M2", "M3"],
            ),
            (
                f("recipients.address", Condition::Eq(json!("did:2"))),
                vec!["M1"],
            ),
            (
                f("content.@type", Condition::Eq(json!("Request"))),
                vec!["M2"],
            ),
            (
                f("extra", Condition::Eq(Value::Null)),
                vec!["M1", "M2", "M3"],
            ),
            // (`extra: null` exists for MongoDB and the embedded store, but the stand-in's
            // `$exists` treats null as missing, so null is left out of the `Exists` cases.)
            (f("flag", Condition::Exists(true)), vec!["M3"]),
            (f("flag", Condition::Exists(false)), vec!["M1", "M2"]),
            (
                f(
                    "subject",
                    Condition::Regex(Pattern::new("^hello", true).unwrap()),
                ),
                vec!["M1", "M2"],
            ),
            (
                f(
                    "subject",
                    Condition::Regex(Pattern::new("^hello", false).unwrap()),
                ),
                vec!["M2"],
            ),
            (
                f("id", Condition::In(vec![json!("M3"), json!("M1")])),
                vec!["M1", "M3"],
            ),
            (Filter::Or(vec![]), vec![]),
            (Filter::And(vec![]), vec!["M1", "M2", "M3"]),
            (
                Filter::Or(vec![
                    Filter::eq("id", "M3").unwrap(),
                    f("size", Condition::Lte(json!(3))),
                ]),
                vec!["M2", "M3"],
            ),
            (
                Filter::And(vec![
                    Filter::eq("tags", "a").unwrap(),
                    f("size", Condition::Gt(json!(3))),
                ]),
                vec!["M1"],
            ),
        ];
        for (filter, expected) in cases {
            let found = store.find("m", &filter).await.unwrap();
            assert_eq!(ids(&found), expected, "{:?}", filter.to_mongo());
            let matcher: Vec<&str> = docs
                .iter()
                .filter(|d| filter.matches(d))
                .map(|d| d["id"].as_str().unwrap())
                .collect();
            assert_eq!(matcher, expected, "matcher for {:?}", filter.to_mongo());
            let count = store.count("m", &filter).await.unwrap();
            assert_eq!(count, expected.len(), "count for {:?}", filter.to_mongo());
        }
    }

    /// The same filters over the same documents with secondary indexes on the filtered fields
    /// (declared before the documents are written): indexes change no result.
    pub async fn filter_operators_agree_with_indexes(store: Arc<dyn Store>) {
        let indexes = [
            ("size", FieldShape::Scalar),
            ("tags", FieldShape::Array),
            ("recipients.address", FieldShape::Array),
            ("content.@type", FieldShape::Scalar),
            ("subject", FieldShape::Scalar),
            ("flag", FieldShape::Scalar),
            ("id", FieldShape::Scalar),
        ];
        for (field, shape) in indexes {
            store.ensure_index("m", field, shape).await.unwrap();
            store.ensure_index("m", field, shape).await.unwrap(); // idempotent
        }
        filter_operators_agree(store).await;
    }

    /// Plain read-change-compare-and-set loops from several tasks: every increment lands once.
    pub async fn concurrent_writers_never_lose_an_update(store: Arc<dyn Store>) {
        const TASKS: u64 = 4;
        const INCREMENTS: u64 = 15;
        store
            .insert("counters", json!({"id": "c", "n": 0}))
            .await
            .unwrap();
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let store = Arc::clone(&store);
                tokio::spawn(async move { increment(store.as_ref(), "c", INCREMENTS).await })
            })
            .collect();
        let mut conflicts = 0;
        for task in tasks {
            conflicts += task.await.unwrap();
        }
        let doc = store.get("counters", "c").await.unwrap().unwrap();
        let total = TASKS * INCREMENTS;
        assert_eq!(
            doc["n"], total,
            "every increment applied exactly once ({conflicts} lost races retried)"
        );
        assert_eq!(doc["version"], total + 1);
    }

    pub async fn concurrent_inserts_of_one_id_have_one_winner(store: Arc<dyn Store>) {
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
}

/// Adds `times` to counter `id` in collection `counters` by get + replace, retrying lost
/// races; returns how many races were lost.
async fn increment(store: &dyn Store, id: &str, times: u64) -> u64 {
    let mut conflicts = 0;
    for _ in 0..times {
        loop {
            let mut doc = store.get("counters", id).await.unwrap().unwrap();
            doc["n"] = json!(doc["n"].as_u64().unwrap() + 1);
            match store.replace("counters", doc).await {
                Ok(_) => break,
                Err(e) if e.is_conflict() => conflicts += 1,
                Err(e) => panic!("{e}"),
            }
        }
    }
    conflicts
}

/// MongoDB only: what the embedded store cannot show (other processes, the stored form).
mod mongo_only {
    use std::process::Command;

    use connector_store::MongoStore;
    use mongodb::bson::{Bson, doc};

    use super::*;
    use crate::standin::StandIn;

    const CHILD_URI: &str = "STORE_TEST_CAS_CHILD_URI";
    const CHILD_DB: &str = "STORE_TEST_CAS_CHILD_DB";
    const PROCESSES: u64 = 3;
    const INCREMENTS: u64 = 20;

    /// Several OS processes, each with its own client and connection pool, increment one
    /// counter by compare-and-set: no update is lost.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn processes_racing_compare_and_set_lose_no_update() {
        let server = StandIn::start().await;
        let store = server.store().await;
        store
            .insert("counters", json!({"id": "shared", "n": 0}))
            .await
            .unwrap();
        let exe = std::env::current_exe().unwrap();
        let children: Vec<_> = (0..PROCESSES)
            .map(|_| {
                Command::new(&exe)
                    .args([
                        "--exact",
                        "mongo_only::cas_child",
                        "--nocapture",
                        "--test-threads=1",
                    ])
                    .env(CHILD_URI, server.uri())
                    .env(CHILD_DB, server.db_name())
                    .output()
            })
            .map(|output| std::thread::spawn(move || output))
            .collect();
        for child in children {
            let output = child.join().unwrap().unwrap();
            let stdout = String::from_utf8_lossy(&output.stdout);
            assert!(
                output.status.success(),
                "child failed: {stdout}{}",
                String::from_utf8_lossy(&output.stderr)
            );
            assert!(stdout.contains("cas child done"), "the child ran: {stdout}");
        }
        let doc = store.get("counters", "shared").await.unwrap().unwrap();
        assert_eq!(doc["n"], PROCESSES * INCREMENTS);
        assert_eq!(doc["version"], PROCESSES * INCREMENTS + 1);
    }

    /// The child side of the test above; does nothing when run as an ordinary test.
    #[tokio::test]
    async fn cas_child() {
        let (Ok(uri), Ok(db)) = (std::env::var(CHILD_URI), std::env::var(CHILD_DB)) else {
            return;
        };
        let store = MongoStore::connect(&uri, &db).await.unwrap();
        let conflicts = increment(&store, "shared", INCREMENTS).await;
        println!("cas child done, {conflicts} lost races retried");
    }

    /// Stored as `{_id: id, ...document}`; what callers see has no `_id`.
    #[tokio::test]
    async fn documents_are_stored_under_their_id() {
        let server = StandIn::start().await;
        let store = MongoStore::connect(&server.uri(), server.db_name())
            .await
            .unwrap();
        store
            .insert("messages", json!({"n": 1, "id": "MSG1"}))
            .await
            .unwrap();
        let raw = store
            .database()
            .collection::<mongodb::bson::Document>("messages")
            .find_one(doc! {"_id": "MSG1"})
            .await
            .unwrap()
            .unwrap();
        assert_eq!(raw.get("_id"), Some(&Bson::String("MSG1".into())));
        // written as Int64; the stand-in hands small integers back as Int32
        assert!(
            matches!(raw.get("version"), Some(Bson::Int64(1) | Bson::Int32(1))),
            "{raw}"
        );
        let read = store.get("messages", "MSG1").await.unwrap().unwrap();
        assert_eq!(read.to_string(), r#"{"n":1,"id":"MSG1","version":1}"#);
        let err = store
            .insert("messages", json!({"id": "MSG2", "_id": "x"}))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::InvalidDocument(_)), "{err}");
        let err = store
            .insert("messages", json!({"id": "MSG2", "huge": u64::MAX}))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::InvalidDocument(_)), "{err}");
        drop(server);
    }

    /// `ensure_index` creates the indexes on the server (on the stand-in only those it answers
    /// correctly through: scalar fields with plain names), and the REST list queries' filters
    /// (an `And` of `And`s of conditions) use them.
    #[tokio::test]
    async fn secondary_indexes_exist_and_list_queries_use_them() {
        let server = StandIn::start().await;
        let store = MongoStore::connect(&server.uri(), server.db_name())
            .await
            .unwrap();
        let declared = [
            ("createdBy", FieldShape::Scalar),
            ("createdAt", FieldShape::Scalar),
            ("content.@type", FieldShape::Scalar),
            ("recipients.address", FieldShape::Array),
        ];
        for (field, shape) in declared {
            store.ensure_index("Messages", field, shape).await.unwrap();
        }
        for i in 0..30 {
            let doc = json!({"id": format!("M{i:02}"), "createdBy": format!("a{}", i % 3),
                "createdAt": format!("2025-01-01T00:00:{i:02}.000Z"), "recipients": [{"address": "r"}]});
            store.insert("Messages", doc).await.unwrap();
        }
        let mut cursor = store
            .database()
            .collection::<mongodb::bson::Document>("Messages")
            .list_indexes()
            .await
            .unwrap();
        let mut keys = Vec::new();
        while let Some(index) = futures_util::TryStreamExt::try_next(&mut cursor)
            .await
            .unwrap()
        {
            keys.extend(index.keys.keys().cloned());
        }
        assert!(keys.contains(&"createdBy".to_owned()), "{keys:?}");
        assert!(keys.contains(&"createdAt".to_owned()), "{keys:?}");
        assert!(
            !keys.contains(&"recipients.address".to_owned()),
            "the stand-in finds nothing through an index on an array path: {keys:?}"
        );

        let by = |value: &str| Filter::eq("createdBy", value).unwrap();
        let rest_shaped = Filter::And(vec![Filter::And(vec![by("a1")])]);
        let plan = store
            .explain_find("Messages", &rest_shaped, &FindOptions::default())
            .await
            .unwrap();
        let plan = plan.get_document("queryPlanner").unwrap().to_string();
        assert!(plan.contains("USING INDEX"), "{plan}");
        assert!(plan.contains("createdBy"), "{plan}");
        assert_eq!(
            store.find("Messages", &rest_shaped).await.unwrap().len(),
            10
        );
        let participant = Filter::eq("recipients.address", "r").unwrap();
        assert_eq!(
            store.find("Messages", &participant).await.unwrap().len(),
            30
        );
        drop(server);
    }

    #[tokio::test]
    async fn unreachable_server_and_bad_names_are_errors() {
        let port = standin::free_port();
        let uri = format!("mongodb://127.0.0.1:{port}/?serverSelectionTimeoutMS=300");
        let store = MongoStore::connect(&uri, "db").await.unwrap();
        let err = store.check_health().await.unwrap_err();
        assert!(matches!(err, StoreError::Backend(_)), "{err}");
        let err = store.get("c", "x").await.unwrap_err();
        assert!(matches!(err, StoreError::Backend(_)), "{err}");
        for name in ["", "a.b", "a/b", "a b"] {
            let err = MongoStore::connect(&uri, name).await.unwrap_err();
            assert!(matches!(err, StoreError::InvalidName(_)), "{name}: {err}");
        }
        let err = MongoStore::connect("postgres://x", "db").await.unwrap_err();
        assert!(matches!(err, StoreError::Backend(_)), "{err}");
    }
}
