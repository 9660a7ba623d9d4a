//! Document storage for the Connector, designed for several replicas.
//!
//! Documents are JSON objects (`serde_json::Value`) with a string `id` and a numeric `version`.
//! There are no transactions: every write touches one document and is atomic on its own, and
//! every racy write is a compare-and-set on `version` ([`Store::replace`]), so a lost race is a
//! [`StoreError::Conflict`] and never an overwrite. `insert` refuses an existing id, and
//! [`Store::ensure_unique_index`] adds unique keys, e.g. for "exactly one identity".
//! Writes under a lease are fenced: [`fenced_update`] refuses a write whose fencing token is
//! older than the one stored in the guarded document ([`StoreError::Fenced`]).
//! Timestamps inside documents are ISO 8601 strings ([`iso_timestamp`]), which sort and compare
//! correctly as strings in every backend.
//!
//! The trait maps one to one onto MongoDB: `insert` = `insert_one` (11000 → conflict),
//! `replace` = `replace_one({_id, version}, doc with version+1)`, `delete` = `delete_one` with an
//! optional version filter, filters = [`Filter::to_mongo`], unique index = sparse unique index,
//! secondary index ([`Store::ensure_index`]) = plain ascending index.
//! ([`MongoStore`] spells filters in equivalent forms that the test stand-in also evaluates
//! correctly; see `src/mongo/query.rs`.)
//!
//! Backends here: [`EmbeddedStore`] (redb, one file in a directory; or fully in memory for tests)
//! and [`MongoStore`] (MongoDB, shared by several replicas).

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod document;
mod embedded;
mod error;
mod fencing;
mod filter;
mod index_key;
mod mongo;
mod plan;
mod timestamp;

use async_trait::async_trait;
use serde_json::Value;

pub use document::VERSION_FIELD;
pub use embedded::{EmbeddedStore, LEGACY_FILE_NAME};
pub use error::{ConflictReason, Result, StoreError};
pub use fencing::{FENCING_TOKEN_FIELD, fenced_update};
pub use filter::{Condition, Filter, Pattern};
pub use mongo::MongoStore;
pub use timestamp::{iso_timestamp, now_iso};

/// Sort direction of one sort key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOrder {
    /// Smallest first.
    Ascending,
    /// Largest first.
    Descending,
}

/// What a field holds in each document, for [`Store::ensure_index`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldShape {
    /// At most one scalar (e.g. `createdBy`, `createdAt`, `content.@type`).
    Scalar,
    /// Several values, through an array on the path (e.g. `recipients.address`).
    Array,
}

/// Options of [`Store::find_with`].
#[derive(Debug, Clone, Default)]
pub struct FindOptions {
    /// Sort keys (dotted paths), applied in order; without any, documents come in id order.
    pub sort: Vec<(String, SortOrder)>,
    /// Documents to skip after sorting.
    pub skip: usize,
    /// At most this many documents.
    pub limit: Option<usize>,
}

/// A store of document collections. All methods are safe to call concurrently, also from
/// several processes sharing one backend (for backends that allow sharing).
#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug {
    /// The document with this id, if any.
    async fn get(&self, collection: &str, id: &str) -> Result<Option<Value>>;

    /// Documents matching `filter`, sorted, skipped and limited by `options`.
    async fn find_with(
        &self,
        collection: &str,
        filter: &Filter,
        options: &FindOptions,
    ) -> Result<Vec<Value>>;

    /// Documents matching `filter`, in id order.
    async fn find(&self, collection: &str, filter: &Filter) -> Result<Vec<Value>> {
        self.find_with(collection, filter, &FindOptions::default())
            .await
    }

    /// Number of documents matching `filter`.
    async fn count(&self, collection: &str, filter: &Filter) -> Result<usize> {
        Ok(self.find(collection, filter).await?.len())
    }

    /// Inserts a new document and returns it as stored (with `version` 1). An existing id or a
    /// duplicate unique key is a [`StoreError::Conflict`] and changes nothing.
    async fn insert(&self, collection: &str, document: Value) -> Result<Value>;

    /// Compare-and-set: replaces the whole document whose `id` it carries, if the stored
    /// `version` equals the document's `version`; returns it with `version` + 1. A different
    /// stored version is a [`StoreError::Conflict`]; a missing document is
    /// [`StoreError::NotFound`]. Nothing is written in either case.
    async fn replace(&self, collection: &str, document: Value) -> Result<Value>;

    /// Deletes the document; with `expected_version`, only if that version is stored (else
    /// [`StoreError::Conflict`]). Returns whether a document was deleted.
    async fn delete(
        &self,
        collection: &str,
        id: &str,
        expected_version: Option<u64>,
    ) -> Result<bool>;

    /// Makes `field` (dotted path) unique in `collection` for documents that have it (sparse).
    /// Idempotent; fails with a conflict if existing documents already collide.
    async fn ensure_unique_index(&self, collection: &str, field: &str) -> Result<()>;

    /// Declares a secondary index on `field` (dotted path; array elements are indexed one by
    /// one) so that equality, `In` and range filters on it need not read the whole collection.
    /// Idempotent; indexes the existing documents on first call, so callers declare their
    /// indexes at every start. An index changes no result, only the cost of finding it; a
    /// backend may leave out an index it cannot keep correctly (see [`MongoStore`] for `shape`).
    async fn ensure_index(&self, collection: &str, field: &str, shape: FieldShape) -> Result<()> {
        let _ = (collection, field, shape);
        Ok(())
    }

    /// Cheap check that the backend answers (for `/health`).
    async fn check_health(&self) -> Result<()>;
}
