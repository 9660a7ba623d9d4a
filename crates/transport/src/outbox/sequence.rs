//! The per-identity event sequence: one counter document, advanced by compare-and-set, so
//! every replica sharing the store takes distinct, increasing numbers.

use connector_store::Store;
use serde_json::{Value, json};

use crate::Result;

const SEQUENCES: &str = "outbox_sequence";
const EVENTS_SEQUENCE: &str = "events";

/// The last number handed out (0 before the first).
pub(super) async fn current(store: &dyn Store) -> Result<u64> {
    Ok(store
        .get(SEQUENCES, EVENTS_SEQUENCE)
        .await?
        .and_then(|d| d.get("last").and_then(Value::as_u64))
        .unwrap_or(0))
}

/// Takes the next number.
pub(super) async fn next(store: &dyn Store) -> Result<u64> {
    let mut attempt: u32 = 0;
    loop {
        let outcome = match store.get(SEQUENCES, EVENTS_SEQUENCE).await? {
            None => store
                .insert(SEQUENCES, json!({"id": EVENTS_SEQUENCE, "last": 1}))
                .await
                .map(|_| 1),
            Some(mut document) => {
                let taken = document.get("last").and_then(Value::as_u64).unwrap_or(0) + 1;
                document["last"] = taken.into();
                store.replace(SEQUENCES, document).await.map(|_| taken)
            }
        };
        match outcome {
            Ok(taken) => return Ok(taken),
            Err(e) if e.is_conflict() => {
                // Another writer took a number meanwhile; spread the retries a little.
                attempt += 1;
                let jitter = u64::from(uuid::Uuid::new_v4().as_bytes()[0] % 8);
                tokio::time::sleep(std::time::Duration::from_millis(
                    u64::from(attempt.min(10)) + jitter,
                ))
                .await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn concurrent_writers_take_distinct_numbers() {
        let store: std::sync::Arc<dyn Store> =
            std::sync::Arc::new(connector_store::EmbeddedStore::in_memory().unwrap());
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let store = std::sync::Arc::clone(&store);
                tokio::spawn(async move {
                    let mut taken = vec![];
                    for _ in 0..20 {
                        taken.push(next(store.as_ref()).await.unwrap());
                    }
                    taken
                })
            })
            .collect();
        let mut all = vec![];
        for task in tasks {
            all.extend(task.await.unwrap());
        }
        all.sort_unstable();
        assert_eq!(all, (1..=160).collect::<Vec<u64>>());
        assert_eq!(current(store.as_ref()).await.unwrap(), 160);
    }
}
