//! Benchmark of the REST list queries on the embedded store (on disk), without and with the
//! secondary indexes that transport declares for messages. Every answer is checked against
//! [`Filter::matches`] over the generated documents, so a wrong result fails; timings are only
//! printed, never asserted.
//!
//! * `short` (CI): 1,300 messages, 3 repeats.
//! * `full` (figures, ignored by default): 13,000 messages, 200 repeats per query; run with
//!   `cargo test --release -p connector-store --test list_queries -- --ignored --nocapture`
//!   (`LIST_QUERIES_MESSAGES=100000` for another size, `LIST_QUERIES_REPEATS=50` for fewer
//!   repeats).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use connector_store::{Condition, EmbeddedStore, FieldShape, Filter, Store};
use serde_json::{Value, json};

const COLLECTION: &str = "Messages";
const OWN: &str = "did:e:localhost:dids:0000000000000000000000";
const PEERS: usize = 100;

fn peer(i: usize) -> String {
    format!("did:e:localhost:dids:{i:022x}")
}

fn created_at(i: usize) -> String {
    let seconds = i;
    format!(
        "2025-{:02}-{:02}T{:02}:{:02}:{:02}.000Z",
        1 + seconds / (28 * 86_400) % 12,
        1 + seconds / 86_400 % 28,
        seconds / 3600 % 24,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// A message as transport stores it: sent by the own identity to one of `PEERS` relationships,
/// 1 % of them Mails, the rest arbitrary content; ids in random order like real ones.
fn message(i: usize) -> Value {
    let to = peer(i % PEERS);
    let kind = if i % 100 == 7 {
        "Mail"
    } else {
        "ArbitraryMessageContent"
    };
    let id = format!(
        "MSG{:017}",
        (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) % 10u64.pow(17)
    );
    json!({
        "id": id, "isOwn": true,
        "content": {"@type": kind, "value": {"index": i, "text": "x".repeat(200)}},
        "createdBy": OWN, "createdByDevice": "DVC00000000000000000",
        "recipients": [{"address": to, "relationshipId": format!("REL{:017}", i % PEERS)}],
        "createdAt": created_at(i), "attachments": [],
        "participants": [OWN, to],
    })
}

/// The indexes transport declares for messages (the ones these queries use).
const INDEXES: &[(&str, FieldShape)] = &[
    ("createdBy", FieldShape::Scalar),
    ("createdAt", FieldShape::Scalar),
    ("content.@type", FieldShape::Scalar),
    ("recipients.address", FieldShape::Array),
    ("participants", FieldShape::Array),
];

/// A filter shaped like the REST layer's: an `And` of the translated query's `And`.
fn rest(parts: Vec<Filter>) -> Filter {
    Filter::And(vec![Filter::And(parts)])
}

fn field(path: &str, condition: Condition) -> Filter {
    Filter::field(path, condition).unwrap()
}

fn queries(messages: usize) -> Vec<(&'static str, Filter)> {
    let newest = created_at(messages - messages / 100);
    let last = created_at(messages);
    vec![
        (
            "createdBy=<peer> (0 results)",
            rest(vec![field("createdBy", Condition::Eq(json!(peer(1))))]),
        ),
        (
            "createdAt=>=<newest 1 %>",
            rest(vec![field("createdAt", Condition::Gte(json!(newest)))]),
        ),
        (
            "createdAt window (two-sided, newest 1 %)",
            rest(vec![
                field("createdAt", Condition::Gte(json!(newest))),
                field("createdAt", Condition::Lte(json!(last))),
            ]),
        ),
        (
            "participant=<peer> (1 %)",
            rest(vec![field("participants", Condition::Eq(json!(peer(3))))]),
        ),
        (
            "content.@type=Mail (1 %)",
            rest(vec![field("content.@type", Condition::Eq(json!("Mail")))]),
        ),
        (
            "recipients.address=<peer> (1 %)",
            rest(vec![field(
                "recipients.address",
                Condition::Eq(json!(peer(5))),
            )]),
        ),
        ("all", rest(vec![])),
    ]
}

/// The `percent`-th percentile of sorted durations (nearest rank).
fn percentile(sorted: &[Duration], percent: usize) -> Duration {
    sorted[((sorted.len() - 1) * percent).div_ceil(100)]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

/// Runs each query `repeats` times (listing all a tenth as often), checks every answer and
/// returns `(p50, p99, results)` per query.
async fn measure(
    store: &EmbeddedStore,
    queries: &[(&'static str, Filter)],
    documents: &[Value],
    repeats: usize,
) -> Vec<(Duration, Duration, usize)> {
    let mut rows = Vec::new();
    for (name, filter) in queries {
        let mut want: Vec<&str> = documents
            .iter()
            .filter(|d| filter.matches(d))
            .map(|d| d["id"].as_str().unwrap())
            .collect();
        want.sort_unstable();
        let runs = if *name == "all" {
            (repeats / 10).max(2)
        } else {
            repeats
        };
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let start = Instant::now();
            let found = store.find(COLLECTION, filter).await.unwrap();
            times.push(start.elapsed());
            let got: Vec<&str> = found.iter().map(|d| d["id"].as_str().unwrap()).collect();
            assert_eq!(got, want, "{name}");
        }
        times.sort_unstable();
        rows.push((percentile(&times, 50), percentile(&times, 99), want.len()));
    }
    rows
}

async fn run(messages: usize, repeats: usize) {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(dir.path()).unwrap();
    let documents: Vec<Value> = (0..messages).map(message).collect();
    let start = Instant::now();
    // Written by concurrent tasks, as concurrent sends would (each a durable commit).
    let mut tasks = tokio::task::JoinSet::new();
    for chunk in documents.chunks(messages.div_ceil(8)) {
        let (store, chunk) = (store.clone(), chunk.to_vec());
        tasks.spawn(async move {
            for doc in chunk {
                store.insert(COLLECTION, doc).await.unwrap();
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    let documents: Vec<Value> = documents
        .into_iter()
        .map(|mut d| {
            d["version"] = json!(1);
            d
        })
        .collect();
    let written = start.elapsed();
    let queries = queries(messages);

    let scan = measure(&store, &queries, &documents, repeats).await;
    let start = Instant::now();
    for (field, shape) in INDEXES {
        store.ensure_index(COLLECTION, field, *shape).await.unwrap();
    }
    let built = start.elapsed();
    let indexed = measure(&store, &queries, &documents, repeats).await;

    println!(
        "\n{messages} messages written in {:.1} s; {} indexes built over them in {} ms; {repeats} repeats per query (listing all: a tenth)\n",
        written.as_secs_f64(),
        INDEXES.len(),
        ms(built)
    );
    println!("| query | results | no index p50 / p99 (ms) | indexed p50 / p99 (ms) |");
    println!("|---|---|---|---|");
    for (((name, _), (s50, s99, n)), (i50, i99, _)) in queries.iter().zip(&scan).zip(&indexed) {
        println!(
            "| {name} | {n} | {} / {} | {} / {} |",
            ms(*s50),
            ms(*s99),
            ms(*i50),
            ms(*i99)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short() {
    run(1_300, 3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "figures: run in release with --ignored --nocapture"]
async fn full() {
    let setting = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(default)
    };
    run(
        setting("LIST_QUERIES_MESSAGES", 13_000),
        setting("LIST_QUERIES_REPEATS", 200),
    )
    .await;
}
