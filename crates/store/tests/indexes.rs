//! Secondary indexes of the embedded store change no result: the same filters over the same
//! documents give the same documents with indexes (declared before or after the documents were
//! written) as without, and as [`Filter::matches`] over the documents themselves; also after
//! updates that move indexed values, deletes, and a restart.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use connector_store::{Condition, EmbeddedStore, FieldShape, Filter, Store};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{Value, json};

const COLLECTION: &str = "Messages";

/// The indexed fields of the tests, as transport declares those of messages.
const INDEXED: &[(&str, FieldShape)] = &[
    ("createdBy", FieldShape::Scalar),
    ("createdAt", FieldShape::Scalar),
    ("content.@type", FieldShape::Scalar),
    ("recipients.address", FieldShape::Array),
    ("participants", FieldShape::Array),
    ("n", FieldShape::Scalar),
];

async fn declare(store: &dyn Store) {
    for (field, shape) in INDEXED {
        store.ensure_index(COLLECTION, field, *shape).await.unwrap();
    }
}

fn field(path: &str, condition: Condition) -> Filter {
    Filter::field(path, condition).unwrap()
}

/// The ids the filter selects from `model` (id → document), in id order.
fn expected(model: &BTreeMap<String, Value>, filter: &Filter) -> Vec<String> {
    model
        .values()
        .filter(|d| filter.matches(d))
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn found(store: &dyn Store, filter: &Filter) -> Vec<String> {
    store
        .find(COLLECTION, filter)
        .await
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Every store answers `filter` like the model.
async fn agree(stores: &[&dyn Store], model: &BTreeMap<String, Value>, filter: &Filter) {
    let want = expected(model, filter);
    for (i, store) in stores.iter().enumerate() {
        assert_eq!(
            found(*store, filter).await,
            want,
            "store {i} for {}",
            filter.to_mongo()
        );
    }
}

fn message(id: &str, by: &str, at: &str, kind: &str, recipients: &[&str]) -> Value {
    let mut participants = vec![by];
    participants.extend(recipients);
    json!({
        "id": id, "createdBy": by, "createdAt": at, "content": {"@type": kind},
        "recipients": recipients.iter().map(|a| json!({"address": a})).collect::<Vec<_>>(),
        "participants": participants,
    })
}

/// One case per filter kind, over hand-written documents, with edits in between.
#[tokio::test]
async fn every_filter_kind_agrees_with_and_without_indexes() {
    let plain = EmbeddedStore::in_memory().unwrap();
    let indexed_first = EmbeddedStore::in_memory().unwrap();
    declare(&indexed_first).await;
    let indexed_later = EmbeddedStore::in_memory().unwrap();
    let mut model = BTreeMap::new();

    let mut docs = vec![
        message("M1", "a", "2025-01-01T00:00:00.000Z", "Mail", &["b", "c"]),
        message("M2", "b", "2025-01-02T00:00:00.000Z", "Request", &["a"]),
        message("M3", "a", "2025-01-03T00:00:00.000Z", "Mail", &["b"]),
        json!({"id": "M4", "createdBy": null, "n": 2.5, "recipients": [{"address": ["x", "y"]}, {}]}),
        json!({"id": "M5", "createdBy": 7, "n": 3, "createdAt": 5, "content": {"@type": ["Mail", "X"]}}),
        json!({"id": "M6", "n": -1, "recipients": "none", "participants": [], "content": "text"}),
    ];
    docs[0]["n"] = json!(1);
    for doc in &docs {
        for store in [&plain, &indexed_first, &indexed_later] {
            store.insert(COLLECTION, doc.clone()).await.unwrap();
        }
        model.insert(doc["id"].as_str().unwrap().to_owned(), doc.clone());
    }
    declare(&indexed_later).await;
    let stores: [&dyn Store; 3] = [&plain, &indexed_first, &indexed_later];

    let cases = || {
        vec![
            // equality, also on numbers of another form and on nested paths
            field("createdBy", Condition::Eq(json!("a"))),
            field("createdBy", Condition::Eq(json!("nobody"))),
            field("createdBy", Condition::Eq(json!(7.0))),
            field("n", Condition::Eq(json!(1.0))),
            field("content.@type", Condition::Eq(json!("Mail"))),
            field("content.@type", Condition::Eq(json!("X"))),
            // array membership
            field("recipients.address", Condition::Eq(json!("b"))),
            field("recipients.address", Condition::Eq(json!("y"))),
            field("participants", Condition::Eq(json!("a"))),
            field("participants", Condition::In(vec![json!("c"), json!(7)])),
            field("recipients.address", Condition::In(vec![])),
            // missing fields and null
            field("createdBy", Condition::Eq(Value::Null)),
            field("createdBy", Condition::In(vec![json!("b"), Value::Null])),
            field("createdBy", Condition::Exists(false)),
            field("createdBy", Condition::Ne(json!("a"))),
            field("participants", Condition::Nin(vec![json!("a")])),
            // whole-array equality (not served by an index)
            field("participants", Condition::Eq(json!(["a", "b", "c"]))),
            // ranges: strings, numbers, kinds that do not compare, strict and not
            field(
                "createdAt",
                Condition::Gte(json!("2025-01-02T00:00:00.000Z")),
            ),
            field(
                "createdAt",
                Condition::Gt(json!("2025-01-02T00:00:00.000Z")),
            ),
            field(
                "createdAt",
                Condition::Lt(json!("2025-01-02T00:00:00.000Z")),
            ),
            field("createdAt", Condition::Lte(json!(5))),
            field("createdAt", Condition::Gt(json!({}))),
            field("n", Condition::Gt(json!(1))),
            field("n", Condition::Lte(json!(2.5))),
            field("n", Condition::Gte(json!(-100))),
            // two-sided window and combinations
            Filter::And(vec![
                field(
                    "createdAt",
                    Condition::Gte(json!("2025-01-02T00:00:00.000Z")),
                ),
                field(
                    "createdAt",
                    Condition::Lte(json!("2025-01-03T00:00:00.000Z")),
                ),
            ]),
            Filter::And(vec![Filter::And(vec![
                field("participants", Condition::Eq(json!("b"))),
                field("createdBy", Condition::Eq(json!("a"))),
                field(
                    "createdAt",
                    Condition::Gt(json!("2025-01-01T00:00:00.000Z")),
                ),
            ])]),
            Filter::Or(vec![
                field("createdBy", Condition::Eq(json!("b"))),
                field("n", Condition::Lt(json!(0))),
            ]),
            Filter::Or(vec![
                field("createdBy", Condition::Eq(json!("b"))),
                field("unindexed", Condition::Exists(false)),
            ]),
            Filter::Or(vec![]),
            Filter::And(vec![]),
            // the primary key
            field(
                "id",
                Condition::In(vec![json!("M3"), json!("M9"), json!(1)]),
            ),
            Filter::And(vec![
                field("id", Condition::Eq(json!("M1"))),
                field("createdBy", Condition::Eq(json!("b"))),
            ]),
        ]
    };
    for filter in cases() {
        agree(&stores, &model, &filter).await;
    }

    // Updates that move indexed values (including into and out of arrays), and deletes.
    for store in stores {
        let mut m1 = store.get(COLLECTION, "M1").await.unwrap().unwrap();
        m1["createdBy"] = json!("z");
        m1["recipients"] = json!([{"address": "a"}]);
        m1["createdAt"] = json!("2026-01-01T00:00:00.000Z");
        store.replace(COLLECTION, m1).await.unwrap();
        let mut m4 = store.get(COLLECTION, "M4").await.unwrap().unwrap();
        m4.as_object_mut().unwrap().remove("n");
        m4["createdBy"] = json!("a");
        store.replace(COLLECTION, m4).await.unwrap();
        assert!(store.delete(COLLECTION, "M3", None).await.unwrap());
    }
    let m1 = model.get_mut("M1").unwrap();
    m1["createdBy"] = json!("z");
    m1["recipients"] = json!([{"address": "a"}]);
    m1["createdAt"] = json!("2026-01-01T00:00:00.000Z");
    let m4 = model.get_mut("M4").unwrap();
    m4.as_object_mut().unwrap().remove("n");
    m4["createdBy"] = json!("a");
    model.remove("M3");
    for filter in cases() {
        agree(&stores, &model, &filter).await;
    }
}

/// A data folder written without indexes gets them when they are declared after a restart,
/// and they are kept up to date across further restarts.
#[tokio::test]
async fn indexes_are_built_for_an_existing_folder_and_survive_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let mut model = BTreeMap::new();
    {
        let store = EmbeddedStore::open(dir.path()).unwrap();
        for i in 0..50 {
            let doc = message(
                &format!("M{i:03}"),
                ["a", "b", "c"][i % 3],
                &format!("2025-01-01T00:00:{:02}.000Z", i),
                "Mail",
                &["r"],
            );
            store.insert(COLLECTION, doc.clone()).await.unwrap();
            model.insert(doc["id"].as_str().unwrap().to_owned(), doc);
        }
    }
    let by_b = field("createdBy", Condition::Eq(json!("b")));
    {
        let store = EmbeddedStore::open(dir.path()).unwrap();
        declare(&store).await;
        declare(&store).await; // idempotent
        agree(&[&store], &model, &by_b).await;
        let doc = message("M999", "b", "2025-02-01T00:00:00.000Z", "Mail", &["r"]);
        store.insert(COLLECTION, doc.clone()).await.unwrap();
        model.insert("M999".into(), doc);
    }
    let store = EmbeddedStore::open(dir.path()).unwrap();
    declare(&store).await;
    agree(&[&store], &model, &by_b).await;
    let window = field(
        "createdAt",
        Condition::Gte(json!("2025-01-01T00:00:45.000Z")),
    );
    agree(&[&store], &model, &window).await;
}

/// Random documents, random edits and random filters: indexed and unindexed stores and the
/// matcher agree every time.
#[tokio::test]
async fn random_documents_and_filters_agree() {
    let mut rng = StdRng::seed_from_u64(20);
    let plain = EmbeddedStore::in_memory().unwrap();
    let indexed = EmbeddedStore::in_memory().unwrap();
    declare(&indexed).await;
    let stores: [&dyn Store; 2] = [&plain, &indexed];
    let mut model: BTreeMap<String, Value> = BTreeMap::new();

    for round in 0..8 {
        for _ in 0..40 {
            let id = format!("D{}", rng.random_range(0..120));
            let doc = random_document(&mut rng, &id);
            match (model.get(&id), rng.random_range(0..4)) {
                (None, _) => {
                    for store in stores {
                        store.insert(COLLECTION, doc.clone()).await.unwrap();
                    }
                    model.insert(id, store_form(doc, 1));
                }
                (Some(_), 0) => {
                    for store in stores {
                        assert!(store.delete(COLLECTION, &id, None).await.unwrap());
                    }
                    model.remove(&id);
                }
                (Some(old), _) => {
                    let version = old["version"].as_u64().unwrap();
                    for store in stores {
                        let mut next = doc.clone();
                        next["version"] = json!(version);
                        store.replace(COLLECTION, next).await.unwrap();
                    }
                    model.insert(id, store_form(doc, version + 1));
                }
            }
        }
        for _ in 0..60 {
            let filter = random_filter(&mut rng, 2);
            agree(&stores, &model, &filter).await;
        }
        assert_eq!(
            found(&indexed, &Filter::All).await.len(),
            model.len(),
            "round {round}"
        );
    }
}

fn store_form(mut doc: Value, version: u64) -> Value {
    doc["version"] = json!(version);
    doc
}

fn random_scalar(rng: &mut StdRng) -> Value {
    match rng.random_range(0..7) {
        0 => Value::Null,
        1 => json!(rng.random_bool(0.5)),
        2 => json!(rng.random_range(-3..4)),
        3 => json!(f64::from(rng.random_range(-6..8)) / 2.0),
        _ => json!(["a", "b", "c", "ab", "", "2025-01-01", "2025-06-01"][rng.random_range(0..7)]),
    }
}

fn random_value(rng: &mut StdRng, depth: u32) -> Value {
    match rng.random_range(0..10) {
        0 if depth > 0 => {
            let n = rng.random_range(0..4);
            Value::Array((0..n).map(|_| random_value(rng, depth - 1)).collect())
        }
        1 if depth > 0 => json!({"x": random_value(rng, depth - 1)}),
        _ => random_scalar(rng),
    }
}

/// Fields are present or missing, scalars of any kind, arrays, or objects.
fn random_document(rng: &mut StdRng, id: &str) -> Value {
    let mut doc = json!({"id": id});
    for path in ["createdBy", "createdAt", "n", "participants"] {
        if rng.random_bool(0.8) {
            doc[path] = random_value(rng, 2);
        }
    }
    if rng.random_bool(0.8) {
        doc["content"] = if rng.random_bool(0.9) {
            json!({"@type": random_value(rng, 1)})
        } else {
            random_value(rng, 1)
        };
    }
    if rng.random_bool(0.8) {
        let n = rng.random_range(0..4);
        doc["recipients"] = Value::Array(
            (0..n)
                .map(|_| {
                    if rng.random_bool(0.8) {
                        json!({"address": random_value(rng, 1)})
                    } else {
                        random_value(rng, 1)
                    }
                })
                .collect(),
        );
    }
    doc
}

fn random_filter(rng: &mut StdRng, depth: u32) -> Filter {
    let paths = [
        "createdBy",
        "createdAt",
        "n",
        "participants",
        "content.@type",
        "recipients.address",
        "content.x",
        "id",
    ];
    match rng.random_range(0..10) {
        0 if depth > 0 => {
            let n = rng.random_range(0..4);
            Filter::And((0..n).map(|_| random_filter(rng, depth - 1)).collect())
        }
        1 if depth > 0 => {
            let n = rng.random_range(0..3);
            Filter::Or((0..n).map(|_| random_filter(rng, depth - 1)).collect())
        }
        _ => {
            let path = paths[rng.random_range(0..paths.len())];
            let value = if path == "id" && rng.random_bool(0.7) {
                json!(format!("D{}", rng.random_range(0..120)))
            } else {
                random_value(rng, 1)
            };
            let condition = match rng.random_range(0..10) {
                0 => Condition::Ne(value),
                1 => Condition::Gt(value),
                2 => Condition::Gte(value),
                3 => Condition::Lt(value),
                4 => Condition::Lte(value),
                5 => Condition::In(
                    (0..rng.random_range(0..3))
                        .map(|_| random_scalar(rng))
                        .collect(),
                ),
                6 => Condition::Exists(rng.random_bool(0.5)),
                _ => Condition::Eq(value),
            };
            field(path, condition)
        }
    }
}
