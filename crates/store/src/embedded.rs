//! The embedded backend: redb (pure Rust, ACID, crash-safe copy-on-write B-trees) in one file
//! per database name inside a configurable directory (`<dir>/<name>.db`, like the real
//! Connector's lokijs driver), or in memory for tests. redb serialises write transactions,
//! so each single-document compare-and-set runs check-and-write atomically; its file lock
//! keeps a second process off the same database (the embedded store serves one replica).
//!
//! Secondary indexes ([`Store::ensure_index`]) are redb tables of `(key, id)` pairs (keys from
//! `index_key`), one per indexed field, written in the same transaction as the document; `find`
//! reads the candidates the planner (`plan`) picks and checks each against the whole filter, and
//! scans the collection only when no index serves the filter. Tables in the same file keep one
//! engine, one commit and one lock for documents and indexes alike.

use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;

use redb::backends::InMemoryBackend;
use redb::{
    Database, ReadTransaction, ReadableDatabase, ReadableTable, TableDefinition, TableError,
    WriteTransaction,
};
use serde_json::Value;

use crate::document::{
    ID_FIELD, VERSION_FIELD, parts, resolve_path, stored_version, validate_collection,
    validate_field_path, validate_id,
};
use crate::error::{ConflictReason, Result, StoreError};
use crate::filter::sort_cmp;
use crate::index_key;
use crate::plan::{Access, plan};
use crate::{FieldShape, Filter, FindOptions, SortOrder, Store};

/// File name of the single database of a data directory before databases were named.
pub const LEGACY_FILE_NAME: &str = "connector.redb";
/// Which unique indexes exist: key `<collection>\u{1f}<field>`.
const UNIQUE_META: TableDefinition<&str, ()> = TableDefinition::new("__meta_unique");
/// Which secondary indexes exist: key `<collection>\u{1f}<field>`.
const INDEX_META: TableDefinition<&str, ()> = TableDefinition::new("__meta_index");
/// Separates collection and field in [`UNIQUE_META`] and [`INDEX_META`] keys; not allowed in
/// collection names. A secondary index table holds `(key, document id)` pairs, sorted by key
/// then id.
const SEP: char = '\u{1f}';

/// Embedded store on redb. Cheap to clone; clones share the database.
#[derive(Clone)]
pub struct EmbeddedStore {
    db: Arc<Database>,
    location: String,
    record_locks: Arc<crate::RecordLocks>,
}

impl std::fmt::Debug for EmbeddedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedStore")
            .field("location", &self.location)
            .finish()
    }
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

fn docs_table(collection: &str) -> String {
    format!("doc_{collection}")
}

fn index_table(collection: &str, field: &str) -> String {
    format!("uniq_{collection}{SEP}{field}")
}

fn secondary_table(collection: &str, field: &str) -> String {
    format!("idx_{collection}{SEP}{field}")
}

impl EmbeddedStore {
    /// Opens (creating if needed) the unnamed store in `dir` (file [`LEGACY_FILE_NAME`]).
    pub fn open(dir: impl AsRef<Path>) -> Result<Self> {
        Self::open_file(dir.as_ref().join(LEGACY_FILE_NAME))
    }

    /// Opens (creating if needed) the database `name` in `dir`: the file `<dir>/<name>.db`, so
    /// several databases share one directory. The state survives restarts.
    pub fn open_named(dir: impl AsRef<Path>, name: &str) -> Result<Self> {
        Self::open_file(Self::named_file(dir, name)?)
    }

    /// The file of database `name` in `dir`; a name that is not a plain file name is refused.
    pub fn named_file(dir: impl AsRef<Path>, name: &str) -> Result<std::path::PathBuf> {
        let plain =
            !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\', '\0']);
        if !plain {
            return Err(StoreError::Backend(format!(
                "the database name '{name}' is not usable as a file name"
            )));
        }
        Ok(dir.as_ref().join(format!("{name}.db")))
    }

    /// Opens (creating if needed) the store in the file `path`, creating its directory.
    pub fn open_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Backend(format!(
                    "cannot create data directory '{}': {e}",
                    dir.display()
                ))
            })?;
        }
        let db = Database::create(path).map_err(|e| match e {
            redb::DatabaseError::DatabaseAlreadyOpen => {
                StoreError::AlreadyInUse(path.display().to_string())
            }
            other => StoreError::Backend(format!("cannot open '{}': {other}", path.display())),
        })?;
        Ok(Self {
            db: Arc::new(db),
            location: path.display().to_string(),
            record_locks: Arc::default(),
        })
    }

    /// A store that lives only in memory (tests, throw-away sandboxes).
    pub fn in_memory() -> Result<Self> {
        let db = Database::builder()
            .create_with_backend(InMemoryBackend::new())
            .map_err(backend)?;
        Ok(Self {
            db: Arc::new(db),
            location: "memory".into(),
            record_locks: Arc::default(),
        })
    }

    /// Runs blocking engine work off the async executor.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Database) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let db = Arc::clone(&self.db);
        tokio::task::spawn_blocking(move || work(&db))
            .await
            .map_err(|e| StoreError::Backend(format!("storage task failed: {e}")))?
    }
}

fn decode(bytes: &[u8]) -> Result<Value> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn encode(value: &Value) -> Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| StoreError::InvalidDocument(e.to_string()))
}

/// The unique-index key of a document for `field`, or `None` if it lacks the field (sparse).
fn unique_key(document: &Value, field: &str) -> Option<String> {
    let found = resolve_path(document, field);
    match found.as_slice() {
        [] | [Value::Null] => None,
        [one] => Some(one.to_string()),
        many => Some(Value::Array(many.iter().map(|v| (*v).clone()).collect()).to_string()),
    }
}

fn unique_fields(txn: &WriteTransaction, collection: &str) -> Result<Vec<String>> {
    let meta = txn.open_table(UNIQUE_META).map_err(backend)?;
    fields_in(&meta, collection)
}

/// The fields of `collection` listed in a meta table (`<collection>SEP<field>` keys).
fn fields_in(meta: &impl ReadableTable<&'static str, ()>, collection: &str) -> Result<Vec<String>> {
    let prefix = format!("{collection}{SEP}");
    let mut fields = Vec::new();
    for entry in meta.range(prefix.as_str()..).map_err(backend)? {
        let (key, _) = entry.map_err(backend)?;
        let Some(field) = key.value().strip_prefix(&prefix).map(str::to_owned) else {
            break;
        };
        fields.push(field);
    }
    Ok(fields)
}

fn secondary_def(name: &str) -> TableDefinition<'_, (&'static [u8], &'static str), ()> {
    TableDefinition::new(name)
}

/// Moves `id`'s entries in the secondary indexes on `fields` from the keys of `old` to those of
/// `new` (`None`: no document), inside the transaction that writes the document.
fn reindex(
    txn: &WriteTransaction,
    collection: &str,
    id: &str,
    old: Option<&Value>,
    new: Option<&Value>,
) -> Result<()> {
    let fields = {
        let meta = txn.open_table(INDEX_META).map_err(backend)?;
        fields_in(&meta, collection)?
    };
    for field in &fields {
        let before = old.map(|d| index_key::keys(d, field)).unwrap_or_default();
        let after = new.map(|d| index_key::keys(d, field)).unwrap_or_default();
        if before == after {
            continue;
        }
        let name = secondary_table(collection, field);
        let mut table = txn.open_table(secondary_def(&name)).map_err(backend)?;
        for key in before.difference(&after) {
            table.remove((key.as_slice(), id)).map_err(backend)?;
        }
        for key in after.difference(&before) {
            table.insert((key.as_slice(), id), ()).map_err(backend)?;
        }
    }
    Ok(())
}

/// Removes `document`'s unique keys owned by `id`.
fn unindex(
    txn: &WriteTransaction,
    collection: &str,
    fields: &[String],
    id: &str,
    document: &Value,
) -> Result<()> {
    for field in fields {
        if let Some(key) = unique_key(document, field) {
            let name = index_table(collection, field);
            let mut index = txn
                .open_table(TableDefinition::<&str, &str>::new(&name))
                .map_err(backend)?;
            let owned = index
                .get(key.as_str())
                .map_err(backend)?
                .is_some_and(|owner| owner.value() == id);
            if owned {
                index.remove(key.as_str()).map_err(backend)?;
            }
        }
    }
    Ok(())
}

/// Adds `document`'s unique keys for `id`, refusing keys owned by another document.
fn index(
    txn: &WriteTransaction,
    collection: &str,
    fields: &[String],
    id: &str,
    document: &Value,
) -> Result<()> {
    for field in fields {
        if let Some(key) = unique_key(document, field) {
            let name = index_table(collection, field);
            let mut index = txn
                .open_table(TableDefinition::<&str, &str>::new(&name))
                .map_err(backend)?;
            let taken = index
                .get(key.as_str())
                .map_err(backend)?
                .is_some_and(|owner| owner.value() != id);
            if taken {
                return Err(StoreError::Conflict {
                    collection: collection.to_owned(),
                    id: id.to_owned(),
                    reason: ConflictReason::DuplicateKey {
                        field: field.clone(),
                    },
                });
            }
            index.insert(key.as_str(), id).map_err(backend)?;
        }
    }
    Ok(())
}

fn read_doc(txn: &WriteTransaction, collection: &str, id: &str) -> Result<Option<Value>> {
    let name = docs_table(collection);
    let table = txn
        .open_table(TableDefinition::<&str, &[u8]>::new(&name))
        .map_err(backend)?;
    let stored = table.get(id).map_err(backend)?;
    stored.map(|bytes| decode(bytes.value())).transpose()
}

fn write_doc(txn: &WriteTransaction, collection: &str, id: &str, document: &Value) -> Result<()> {
    let name = docs_table(collection);
    let mut table = txn
        .open_table(TableDefinition::<&str, &[u8]>::new(&name))
        .map_err(backend)?;
    table
        .insert(id, encode(document)?.as_slice())
        .map_err(backend)?;
    Ok(())
}

fn remove_doc(txn: &WriteTransaction, collection: &str, id: &str) -> Result<()> {
    let name = docs_table(collection);
    let mut table = txn
        .open_table(TableDefinition::<&str, &[u8]>::new(&name))
        .map_err(backend)?;
    table.remove(id).map_err(backend)?;
    Ok(())
}

fn conflict(collection: &str, id: &str, reason: ConflictReason) -> StoreError {
    StoreError::Conflict {
        collection: collection.to_owned(),
        id: id.to_owned(),
        reason,
    }
}

/// The documents of a collection matching `filter`, in id order (a missing table is an empty
/// collection). With an index that serves the filter, only its candidates are read; otherwise
/// every document is, and non-matching ones are dropped as they are read, so a query never holds
/// the whole collection in memory.
fn find_matching(db: &Database, collection: &str, filter: &Filter) -> Result<Vec<Value>> {
    let txn = db.begin_read().map_err(backend)?;
    let name = docs_table(collection);
    let table = match txn.open_table(TableDefinition::<&str, &[u8]>::new(&name)) {
        Ok(t) => t,
        Err(TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
        Err(e) => return Err(backend(e)),
    };
    let indexed = indexed_fields(&txn, collection)?;
    let candidates = match plan(filter, &|path| indexed.contains(path)) {
        Some(access) => candidates(&txn, collection, &access, usize::MAX)?,
        None => None,
    };
    let mut out = Vec::new();
    let mut keep = |bytes: &[u8]| -> Result<()> {
        let document = decode(bytes)?;
        if filter.matches(&document) {
            out.push(document);
        }
        Ok(())
    };
    match candidates {
        Some(ids) => {
            for id in &ids {
                if let Some(bytes) = table.get(id.as_str()).map_err(backend)? {
                    keep(bytes.value())?;
                }
            }
        }
        None => {
            for entry in table.iter().map_err(backend)? {
                let (_, bytes) = entry.map_err(backend)?;
                keep(bytes.value())?;
            }
        }
    }
    Ok(out)
}

/// The fields of `collection` with a secondary index, as of this read transaction.
fn indexed_fields(txn: &ReadTransaction, collection: &str) -> Result<BTreeSet<String>> {
    match txn.open_table(INDEX_META) {
        Ok(meta) => Ok(fields_in(&meta, collection)?.into_iter().collect()),
        Err(TableError::TableDoesNotExist(_)) => Ok(BTreeSet::new()),
        Err(e) => Err(backend(e)),
    }
}

/// The ids `access` yields, in id order, or `None` if they are more than `cap`.
fn candidates(
    txn: &ReadTransaction,
    collection: &str,
    access: &Access,
    cap: usize,
) -> Result<Option<BTreeSet<String>>> {
    let mut ids = BTreeSet::new();
    let complete = match access {
        Access::Ids(wanted) => {
            ids.clone_from(wanted);
            ids.len() <= cap
        }
        Access::Keys { path, keys } => {
            let mut complete = true;
            for key in keys {
                let range = (Bound::Included(key.clone()), Bound::Included(key.clone()));
                complete = collect_range(txn, collection, path, &range, cap, &mut ids)?;
                if !complete {
                    break;
                }
            }
            complete
        }
        Access::Range { path, range } => {
            collect_range(txn, collection, path, range, cap, &mut ids)?
        }
        Access::Smallest(parts) => {
            // Each part alone is a superset; take the smallest. Every part is read only up to
            // a limit that grows until one fits, so a wide part (`createdAt <= now`) costs no
            // more than the narrow one beside it.
            let mut limit = cap.min(256);
            loop {
                let mut best: Option<BTreeSet<String>> = None;
                for part in parts {
                    let part_limit = best.as_ref().map_or(limit, BTreeSet::len);
                    if let Some(found) = candidates(txn, collection, part, part_limit)? {
                        let empty = found.is_empty();
                        best = Some(found);
                        if empty {
                            break;
                        }
                    }
                }
                if best.is_some() || limit >= cap {
                    return Ok(best);
                }
                limit = limit.saturating_mul(16).min(cap);
            }
        }
        Access::Union(branches) => {
            for branch in branches {
                match candidates(txn, collection, branch, cap)? {
                    Some(found) => ids.extend(found),
                    None => return Ok(None),
                }
                if ids.len() > cap {
                    return Ok(None);
                }
            }
            true
        }
    };
    Ok(complete.then_some(ids))
}

/// Adds the ids of the index on `path` with a key in `range` to `ids`; false once more than
/// `cap` (then `ids` is incomplete).
fn collect_range(
    txn: &ReadTransaction,
    collection: &str,
    path: &str,
    range: &index_key::KeyRange,
    cap: usize,
    ids: &mut BTreeSet<String>,
) -> Result<bool> {
    let name = secondary_table(collection, path);
    let table = match txn.open_table(secondary_def(&name)) {
        Ok(t) => t,
        Err(TableError::TableDoesNotExist(_)) => return Ok(true),
        Err(e) => return Err(backend(e)),
    };
    let (lower, upper) = range;
    let entries = match lower {
        Bound::Included(low) | Bound::Excluded(low) => table.range((low.as_slice(), "")..),
        Bound::Unbounded => table.range::<(&[u8], &str)>(..),
    }
    .map_err(backend)?;
    for entry in entries {
        let (entry_key, _) = entry.map_err(backend)?;
        let (key, id) = entry_key.value();
        if matches!(lower, Bound::Excluded(low) if key == low.as_slice()) {
            continue;
        }
        let beyond = match upper {
            Bound::Included(high) => key > high.as_slice(),
            Bound::Excluded(high) => key >= high.as_slice(),
            Bound::Unbounded => false,
        };
        if beyond {
            break;
        }
        ids.insert(id.to_owned());
        if ids.len() > cap {
            return Ok(false);
        }
    }
    Ok(true)
}

fn sort_documents(documents: &mut [Value], keys: &[(String, SortOrder)]) {
    documents.sort_by(|a, b| {
        for (path, order) in keys {
            let ordering = sort_cmp(
                resolve_path(a, path).first().copied(),
                resolve_path(b, path).first().copied(),
            );
            let ordering = if *order == SortOrder::Descending {
                ordering.reverse()
            } else {
                ordering
            };
            if ordering != Ordering::Equal {
                return ordering;
            }
        }
        Ordering::Equal
    });
}

#[async_trait::async_trait]
impl Store for EmbeddedStore {
    fn record_locks(&self) -> &crate::RecordLocks {
        &self.record_locks
    }

    async fn get(&self, collection: &str, id: &str) -> Result<Option<Value>> {
        validate_collection(collection)?;
        validate_id(id)?;
        let (collection, id) = (collection.to_owned(), id.to_owned());
        self.blocking(move |db| {
            let txn = db.begin_read().map_err(backend)?;
            let name = docs_table(&collection);
            let table = match txn.open_table(TableDefinition::<&str, &[u8]>::new(&name)) {
                Ok(t) => t,
                Err(TableError::TableDoesNotExist(_)) => return Ok(None),
                Err(e) => return Err(backend(e)),
            };
            let stored = table.get(id.as_str()).map_err(backend)?;
            stored.map(|bytes| decode(bytes.value())).transpose()
        })
        .await
    }

    async fn find_with(
        &self,
        collection: &str,
        filter: &Filter,
        options: &FindOptions,
    ) -> Result<Vec<Value>> {
        validate_collection(collection)?;
        for (path, _) in &options.sort {
            validate_field_path(path)?;
        }
        let (collection, filter) = (collection.to_owned(), filter.clone());
        let mut matching = self
            .blocking(move |db| find_matching(db, &collection, &filter))
            .await?;
        if !options.sort.is_empty() {
            sort_documents(&mut matching, &options.sort);
        }
        let limit = options.limit.unwrap_or(usize::MAX);
        Ok(matching
            .into_iter()
            .skip(options.skip)
            .take(limit)
            .collect())
    }

    async fn insert(&self, collection: &str, mut document: Value) -> Result<Value> {
        validate_collection(collection)?;
        let id = {
            let parts = parts(&mut document)?;
            parts
                .map
                .insert(VERSION_FIELD.to_owned(), Value::from(1u64));
            parts.id
        };
        let collection = collection.to_owned();
        self.blocking(move |db| {
            let txn = db.begin_write().map_err(backend)?;
            if read_doc(&txn, &collection, &id)?.is_some() {
                return Err(conflict(&collection, &id, ConflictReason::DuplicateId));
            }
            let fields = unique_fields(&txn, &collection)?;
            index(&txn, &collection, &fields, &id, &document)?;
            reindex(&txn, &collection, &id, None, Some(&document))?;
            write_doc(&txn, &collection, &id, &document)?;
            txn.commit().map_err(backend)?;
            Ok(document)
        })
        .await
    }

    async fn replace(&self, collection: &str, mut document: Value) -> Result<Value> {
        validate_collection(collection)?;
        let (id, expected) = {
            let parts = parts(&mut document)?;
            let expected = parts.version.ok_or_else(|| {
                StoreError::InvalidDocument("replace needs the 'version' that was read".into())
            })?;
            let next = expected.checked_add(1).ok_or_else(|| {
                StoreError::InvalidDocument("'version' cannot grow any further".into())
            })?;
            parts
                .map
                .insert(VERSION_FIELD.to_owned(), Value::from(next));
            (parts.id, expected)
        };
        let collection = collection.to_owned();
        self.blocking(move |db| {
            let txn = db.begin_write().map_err(backend)?;
            let Some(stored) = read_doc(&txn, &collection, &id)? else {
                return Err(StoreError::NotFound { collection, id });
            };
            let actual = stored_version(&stored)?;
            if actual != expected {
                return Err(conflict(
                    &collection,
                    &id,
                    ConflictReason::VersionMismatch { expected, actual },
                ));
            }
            let fields = unique_fields(&txn, &collection)?;
            unindex(&txn, &collection, &fields, &id, &stored)?;
            index(&txn, &collection, &fields, &id, &document)?;
            reindex(&txn, &collection, &id, Some(&stored), Some(&document))?;
            write_doc(&txn, &collection, &id, &document)?;
            txn.commit().map_err(backend)?;
            Ok(document)
        })
        .await
    }

    async fn delete(
        &self,
        collection: &str,
        id: &str,
        expected_version: Option<u64>,
    ) -> Result<bool> {
        validate_collection(collection)?;
        validate_id(id)?;
        let (collection, id) = (collection.to_owned(), id.to_owned());
        self.blocking(move |db| {
            let txn = db.begin_write().map_err(backend)?;
            let Some(stored) = read_doc(&txn, &collection, &id)? else {
                return Ok(false);
            };
            let actual = stored_version(&stored)?;
            if let Some(expected) = expected_version
                && expected != actual
            {
                return Err(conflict(
                    &collection,
                    &id,
                    ConflictReason::VersionMismatch { expected, actual },
                ));
            }
            let fields = unique_fields(&txn, &collection)?;
            unindex(&txn, &collection, &fields, &id, &stored)?;
            reindex(&txn, &collection, &id, Some(&stored), None)?;
            remove_doc(&txn, &collection, &id)?;
            txn.commit().map_err(backend)?;
            Ok(true)
        })
        .await
    }

    async fn ensure_unique_index(&self, collection: &str, field: &str) -> Result<()> {
        validate_collection(collection)?;
        validate_field_path(field)?;
        let (collection, field) = (collection.to_owned(), field.to_owned());
        self.blocking(move |db| {
            let txn = db.begin_write().map_err(backend)?;
            let meta_key = format!("{collection}{SEP}{field}");
            {
                let meta = txn.open_table(UNIQUE_META).map_err(backend)?;
                if meta.get(meta_key.as_str()).map_err(backend)?.is_some() {
                    return Ok(());
                }
            }
            // Build the index over existing documents inside the same transaction, so a
            // concurrent insert either lands before (and is indexed) or after (and is checked).
            let name = docs_table(&collection);
            let existing: Vec<(String, Value)> = {
                let table = txn
                    .open_table(TableDefinition::<&str, &[u8]>::new(&name))
                    .map_err(backend)?;
                let mut out = Vec::new();
                for entry in table.iter().map_err(backend)? {
                    let (id, bytes) = entry.map_err(backend)?;
                    out.push((id.value().to_owned(), decode(bytes.value())?));
                }
                out
            };
            let fields = [field];
            for (id, document) in &existing {
                index(&txn, &collection, &fields, id, document)?;
            }
            let mut meta = txn.open_table(UNIQUE_META).map_err(backend)?;
            meta.insert(meta_key.as_str(), ()).map_err(backend)?;
            drop(meta);
            txn.commit().map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn ensure_index(&self, collection: &str, field: &str, _shape: FieldShape) -> Result<()> {
        validate_collection(collection)?;
        validate_field_path(field)?;
        if field == ID_FIELD {
            return Ok(()); // the documents table is keyed by id
        }
        let (collection, field) = (collection.to_owned(), field.to_owned());
        self.blocking(move |db| {
            let meta_key = format!("{collection}{SEP}{field}");
            // Declared at every start: a read suffices once the index exists.
            if indexed_fields(&db.begin_read().map_err(backend)?, &collection)?.contains(&field) {
                return Ok(());
            }
            // Backfill in the same transaction that records the index: writes before it are
            // indexed here, writes after it maintain the index themselves.
            let txn = db.begin_write().map_err(backend)?;
            {
                let mut meta = txn.open_table(INDEX_META).map_err(backend)?;
                if meta.get(meta_key.as_str()).map_err(backend)?.is_some() {
                    return Ok(()); // declared meanwhile by another caller
                }
                meta.insert(meta_key.as_str(), ()).map_err(backend)?;
            }
            {
                let docs_name = docs_table(&collection);
                let docs = txn
                    .open_table(TableDefinition::<&str, &[u8]>::new(&docs_name))
                    .map_err(backend)?;
                let name = secondary_table(&collection, &field);
                let mut index = txn.open_table(secondary_def(&name)).map_err(backend)?;
                for entry in docs.iter().map_err(backend)? {
                    let (id, bytes) = entry.map_err(backend)?;
                    let document = decode(bytes.value())?;
                    for key in index_key::keys(&document, &field) {
                        index
                            .insert((key.as_slice(), id.value()), ())
                            .map_err(backend)?;
                    }
                }
            }
            txn.commit().map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn check_health(&self) -> Result<()> {
        self.blocking(|db| db.begin_read().map(drop).map_err(backend))
            .await
    }
}
