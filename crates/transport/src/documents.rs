//! Typed records in the document store: serde structs ↔ JSON documents with `id` and `version`.

use connector_store::{Filter, Store};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Result, TransportError};

/// A record type stored in one collection.
pub trait Record: Serialize + DeserializeOwned + Send + Sync {
    /// Collection name.
    const COLLECTION: &'static str;
}

/// A record as read from the store, with its version for compare-and-set.
#[derive(Debug, Clone)]
pub struct Stored<T> {
    pub record: T,
    pub version: u64,
}

fn to_document<T: Record>(record: &T, version: Option<u64>) -> Result<Value> {
    let mut document = serde_json::to_value(record).map_err(|e| TransportError::Corrupt {
        collection: T::COLLECTION,
        why: e.to_string(),
    })?;
    if let (Some(version), Some(object)) = (version, document.as_object_mut()) {
        object.insert(connector_store::VERSION_FIELD.into(), version.into());
    }
    Ok(document)
}

fn from_document<T: Record>(mut document: Value) -> Result<Stored<T>> {
    let version = document
        .get(connector_store::VERSION_FIELD)
        .and_then(Value::as_u64)
        .unwrap_or_default();
    if let Some(object) = document.as_object_mut() {
        object.remove(connector_store::VERSION_FIELD);
    }
    let record = serde_json::from_value(document).map_err(|e| TransportError::Corrupt {
        collection: T::COLLECTION,
        why: e.to_string(),
    })?;
    Ok(Stored { record, version })
}

/// Reads one record.
pub async fn get<T: Record>(store: &dyn Store, id: &str) -> Result<Option<Stored<T>>> {
    store
        .get(T::COLLECTION, id)
        .await?
        .map(from_document)
        .transpose()
}

/// Reads records matching `filter`.
pub async fn find<T: Record>(store: &dyn Store, filter: &Filter) -> Result<Vec<Stored<T>>> {
    store
        .find(T::COLLECTION, filter)
        .await?
        .into_iter()
        .map(from_document)
        .collect()
}

/// The record with this id, or `error.transport.recordNotFound`-style [`TransportError::NotFound`]
/// naming `entity`.
pub async fn require<T: Record>(store: &dyn Store, id: &str, entity: &'static str) -> Result<T> {
    get::<T>(store, id)
        .await?
        .map(|s| s.record)
        .ok_or_else(|| TransportError::not_found(entity, id))
}

/// The records matching `filter`, without their versions.
pub async fn find_records<T: Record>(store: &dyn Store, filter: &Filter) -> Result<Vec<T>> {
    Ok(find::<T>(store, filter)
        .await?
        .into_iter()
        .map(|s| s.record)
        .collect())
}

/// Inserts a new record (a conflict if the id exists).
pub async fn insert<T: Record>(store: &dyn Store, record: &T) -> Result<Stored<T>> {
    from_document(
        store
            .insert(T::COLLECTION, to_document(record, None)?)
            .await?,
    )
}

/// Compare-and-set: writes `record` if the stored version is still `version`.
pub async fn replace<T: Record>(store: &dyn Store, record: &T, version: u64) -> Result<Stored<T>> {
    from_document(
        store
            .replace(T::COLLECTION, to_document(record, Some(version))?)
            .await?,
    )
}

/// The pause after the `attempt`-th lost race: 100 µs doubling up to 12.8 ms, plus up to as much
/// again of jitter (from the clock's nanoseconds).
fn conflict_backoff(attempt: u32) -> std::time::Duration {
    let base = 100u64 << attempt.min(7);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::from(d.subsec_nanos()));
    std::time::Duration::from_micros(base + nanos % base)
}

/// Read, change, compare-and-set, retried on lost races. `change` may run several times.
///
/// Writers of one record in this process take turns (a per-record lock), so many concurrent
/// updates of one record (e.g. sends on one relationship) do not starve each other; the
/// compare-and-set still guards against other processes (replicas).
pub async fn update<T: Record>(
    store: &dyn Store,
    id: &str,
    change: impl FnMut(&mut T) -> Result<()> + Send,
) -> Result<Stored<T>> {
    let key = format!("{}/{id}", T::COLLECTION);
    store
        .record_locks()
        .in_turn(&key, update_unlocked(store, id, change))
        .await
}

async fn update_unlocked<T: Record>(
    store: &dyn Store,
    id: &str,
    mut change: impl FnMut(&mut T) -> Result<()> + Send,
) -> Result<Stored<T>> {
    const ATTEMPTS: u32 = 32;
    for attempt in 1..=ATTEMPTS {
        let Some(mut stored) = get::<T>(store, id).await? else {
            return Err(TransportError::not_found(T::COLLECTION, id));
        };
        change(&mut stored.record)?;
        match replace(store, &stored.record, stored.version).await {
            Err(TransportError::Store(e)) if e.is_conflict() => {
                // Many writers of one record (concurrent sends on one relationship): back off,
                // exponentially and with jitter, so a writer does not lose every race.
                tokio::time::sleep(conflict_backoff(attempt)).await;
            }
            other => return other,
        }
    }
    Err(TransportError::rule(
        "error.transport.concurrentUpdate",
        format!("{} '{id}' kept changing; try again", T::COLLECTION),
    ))
}
