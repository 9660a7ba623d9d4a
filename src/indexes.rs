//! The unique keys the design relies on, created at every start on both backends (idempotent;
//! a start fails if stored data already breaks one, rather than running on inconsistent data).
//!
//! Every record's `id` is its document key, unique on every backend without an index of its own
//! (MongoDB's `_id`, the embedded store's table key): message, relationship, request, token and
//! file ids, the sync progress and the idempotency keys (whose document id is derived from the
//! API key's name and the key). Insert-unique on these ids is what makes "stored once" hold
//! across replicas. Beyond ids, the identity: one store holds exactly one identity and device.

use connector_store::{Store, StoreError};

/// `(collection, dotted field)` pairs that must be unique.
pub const UNIQUE_FIELDS: &[(&str, &str)] = &[("Account", "address"), ("Account", "deviceId")];

/// Creates every index of [`UNIQUE_FIELDS`] (existing ones are left as they are).
pub async fn ensure_unique_indexes(store: &dyn Store) -> Result<(), StoreError> {
    for (collection, field) in UNIQUE_FIELDS {
        store.ensure_unique_index(collection, field).await?;
    }
    Ok(())
}
