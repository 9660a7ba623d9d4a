//! Fencing: refusing the late writes of a lease holder that paused (GC, SIGSTOP, a slow disk)
//! past its lease's time-to-live while another replica took the lease over.
//!
//! Every lease acquisition hands out a fencing token that grows with each acquisition of that
//! lease (`connector-lease`). A document written under a lease (a "guarded" document: a sync's
//! progress, an outbox cursor, ...) carries the token of the last writer in
//! [`FENCING_TOKEN_FIELD`]. [`fenced_update`] writes it only if the stored token is not newer
//! than the writer's, and stores the writer's token with the change; an older token is refused
//! with [`StoreError::Fenced`] and nothing is written.
//!
//! The check is exact without a filter on the token: the check and the write see the same
//! stored `version`, and the write is a compare-and-set on that version, so any write in
//! between (e.g. by the new holder, with its newer token) makes the compare-and-set fail; the
//! retry reads the newer token and is refused. That is the same as a compare-and-set filter
//! `version = v AND (fencingToken <= token OR fencingToken missing)`, on every backend.

use serde_json::{Map, Value};

use crate::Store;
use crate::document::{ID_FIELD, VERSION_FIELD};
use crate::error::{Result, StoreError};

/// The field of a guarded document holding the fencing token of its last writer.
pub const FENCING_TOKEN_FIELD: &str = "fencingToken";

/// Lost compare-and-set races before [`fenced_update`] gives up with the last conflict.
const ATTEMPTS: u32 = 32;

/// `Ok` unless `document` carries a newer fencing token than `token` (a document without one,
/// written before fencing or without a lease, accepts any token).
pub fn check_fence(collection: &str, document: &Value, token: u64) -> Result<()> {
    let stored = document.get(FENCING_TOKEN_FIELD).and_then(Value::as_u64);
    match stored {
        Some(stored) if stored > token => Err(StoreError::Fenced {
            collection: collection.to_owned(),
            id: document
                .get(ID_FIELD)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            stored,
            token,
        }),
        _ => Ok(()),
    }
}

/// Read, check the fence, change, compare-and-set: applies `change` to the guarded document
/// `collection/id` (created as `{"id": id}` if missing) and stores it with `token`, unless a
/// newer token is stored ([`StoreError::Fenced`], nothing written). Lost races are retried
/// (`change` may run several times). Returns the document as stored.
pub async fn fenced_update<S>(
    store: &S,
    collection: &str,
    id: &str,
    token: u64,
    mut change: impl FnMut(&mut Map<String, Value>) + Send,
) -> Result<Value>
where
    S: Store + ?Sized,
{
    let mut last_conflict = None;
    for _ in 0..ATTEMPTS {
        let stored = store.get(collection, id).await?;
        let exists = stored.is_some();
        let mut document = match stored {
            Some(document) => {
                check_fence(collection, &document, token)?;
                document
            }
            None => Value::Object(Map::from_iter([(ID_FIELD.to_owned(), id.into())])),
        };
        let Value::Object(map) = &mut document else {
            return Err(StoreError::Corrupt(format!(
                "'{collection}/{id}' is not an object"
            )));
        };
        change(map);
        map.insert(ID_FIELD.to_owned(), id.into());
        map.insert(FENCING_TOKEN_FIELD.to_owned(), token.into());
        let written = if exists {
            store.replace(collection, document).await
        } else {
            map.remove(VERSION_FIELD);
            store.insert(collection, document).await
        };
        match written {
            Err(e) if e.is_conflict() => last_conflict = Some(e),
            // Deleted between the read and the write: start again from nothing.
            Err(StoreError::NotFound { .. }) => {}
            other => return other,
        }
    }
    Err(last_conflict
        .unwrap_or_else(|| StoreError::Backend(format!("'{collection}/{id}' kept changing"))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EmbeddedStore;
    use serde_json::json;

    #[tokio::test]
    async fn newer_tokens_win_and_older_ones_are_refused() {
        let store = EmbeddedStore::in_memory().unwrap();
        let first = fenced_update(&store, "Fenced", "sync", 3, |d| {
            d.insert("step".into(), json!(1));
        })
        .await
        .unwrap();
        assert_eq!(first[FENCING_TOKEN_FIELD], 3);
        // The same holder writes again; a newer one takes over.
        fenced_update(&store, "Fenced", "sync", 3, |d| {
            d.insert("step".into(), json!(2));
        })
        .await
        .unwrap();
        fenced_update(&store, "Fenced", "sync", 5, |d| {
            d.insert("step".into(), json!(3));
        })
        .await
        .unwrap();
        // The old holder wakes up: refused, nothing written.
        let late = fenced_update(&store, "Fenced", "sync", 3, |d| {
            d.insert("step".into(), json!(99));
        })
        .await
        .unwrap_err();
        assert!(
            matches!(
                late,
                StoreError::Fenced {
                    stored: 5,
                    token: 3,
                    ..
                }
            ),
            "{late}"
        );
        let stored = store.get("Fenced", "sync").await.unwrap().unwrap();
        assert_eq!(
            (stored["step"].clone(), stored[FENCING_TOKEN_FIELD].clone()),
            (json!(3), json!(5))
        );
    }

    #[test]
    fn documents_without_a_token_accept_any() {
        assert!(check_fence("c", &json!({"id": "x"}), 1).is_ok());
        assert!(check_fence("c", &json!({"id": "x", "fencingToken": 2}), 2).is_ok());
        assert!(check_fence("c", &json!({"id": "x", "fencingToken": 2}), 1).is_err());
    }
}
