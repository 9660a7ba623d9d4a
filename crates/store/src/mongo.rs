//! The MongoDB backend, for several replicas sharing one database.
//!
//! Every write is one single-document command, so nothing needs transactions (which the
//! MongoDB stand-in used in tests cannot isolate anyway): `insert` = `insert_one`,
//! `replace` = `replace_one({_id, version}, whole document)`, `delete` = `delete_one`. Whole
//! documents are written, never `$set`, so values keep their types on every server.
//!
//! Stored form: `{_id: <id>, ...the caller's document unchanged}`. The caller's `id` stays in
//! the document, so it comes back exactly as written, key order included (MongoDB always puts
//! `_id` first); filters and sorting on `id` use `_id` and its index.
//!
//! Filters are translated in `query` (forms that both MongoDB and the test stand-in evaluate
//! alike); keys starting with `$` are escaped in `convert`.
//!
//! Secondary indexes ([`Store::ensure_index`]) are plain ascending indexes; on the nx-27017
//! stand-in, which answers array queries wrongly through an index and refuses some names, only
//! those on scalar fields with plain names.
//!
//! Errors are told apart by code only (11000 = duplicate key); messages differ between servers.

mod conflict;
mod convert;
mod query;

use futures_util::TryStreamExt;
use mongodb::bson::{Bson, Document, doc};
use mongodb::error::{ErrorKind, WriteFailure};
use mongodb::options::IndexOptions;
use mongodb::{Client, Collection, Database, IndexModel};
use serde_json::{Map, Value};

use crate::document::{
    ID_FIELD, VERSION_FIELD, parts, stored_version, validate_collection, validate_id,
};
use crate::error::{ConflictReason, Result, StoreError};
use crate::{FieldShape, Filter, FindOptions, Store};

/// MongoDB's error code for a unique index violation (`_id` or another unique index).
const DUPLICATE_KEY: i32 = 11000;

/// Store on a MongoDB database. Cheap to clone; clones share the client's connection pool.
#[derive(Clone)]
pub struct MongoStore {
    db: Database,
    record_locks: std::sync::Arc<crate::RecordLocks>,
}

impl std::fmt::Debug for MongoStore {
    // The connection string may hold credentials, so only the database name is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MongoStore")
            .field("database", &self.db.name())
            .finish()
    }
}

impl MongoStore {
    /// A store on database `db_name` of the server(s) in `connection_string`
    /// (`mongodb://host:port/...`). The driver connects lazily: this fails only for a bad
    /// connection string or name; use [`Store::check_health`] to see whether the server answers.
    /// Timeouts come from the connection string (e.g. `serverSelectionTimeoutMS`).
    pub async fn connect(connection_string: &str, db_name: &str) -> Result<Self> {
        validate_db_name(db_name)?;
        let client = Client::with_uri_str(connection_string)
            .await
            .map_err(|e| StoreError::Backend(format!("invalid MongoDB connection string: {e}")))?;
        Self::from_client(&client, db_name)
    }

    /// A store on database `db_name` sharing an existing client (and its connection pool).
    pub fn from_client(client: &Client, db_name: &str) -> Result<Self> {
        validate_db_name(db_name)?;
        Ok(Self {
            db: client.database(db_name),
            record_locks: std::sync::Arc::default(),
        })
    }

    /// The database this store uses.
    pub fn database(&self) -> &Database {
        &self.db
    }

    fn collection(&self, name: &str) -> Result<Collection<Document>> {
        validate_collection(name)?;
        Ok(self.db.collection(name))
    }

    /// The server's query plan (`explain`, verbosity `queryPlanner`) for the query that
    /// [`Store::find_with`] sends for `filter` and `options`: to check which indexes it uses.
    pub async fn explain_find(
        &self,
        collection: &str,
        filter: &Filter,
        options: &FindOptions,
    ) -> Result<Document> {
        let coll = self.collection(collection)?;
        let find = doc! {
            "find": coll.name(),
            "filter": query::filter(filter)?,
            "sort": query::sort(&options.sort)?,
        };
        self.db
            .run_command(doc! {"explain": find, "verbosity": "queryPlanner"})
            .await
            .map_err(|e| backend("explain", &e))
    }

    /// Whether the server is the nx-27017 stand-in, which names itself in `buildInfo`.
    async fn is_standin(&self) -> Result<bool> {
        let info = self
            .db
            .run_command(doc! {"buildInfo": 1})
            .await
            .map_err(|e| backend("buildInfo", &e))?;
        Ok(info.get_str("process").is_ok_and(|p| p == "nx_27017"))
    }

    /// Why a compare-and-set on `{_id, version: expected}` matched nothing.
    async fn missed(
        &self,
        coll: &Collection<Document>,
        id: &str,
        expected: u64,
    ) -> Result<StoreError> {
        let found = coll
            .find_one(doc! {"_id": id})
            .await
            .map_err(|e| backend("find_one", &e))?;
        let collection = coll.name().to_owned();
        Ok(match found {
            None => StoreError::NotFound {
                collection,
                id: id.to_owned(),
            },
            Some(stored) => StoreError::Conflict {
                collection,
                id: id.to_owned(),
                reason: ConflictReason::VersionMismatch {
                    expected,
                    actual: stored_version(&from_stored(stored))?,
                },
            },
        })
    }
}

/// MongoDB database names: 1-63 bytes without `/\. "$` or NUL.
fn validate_db_name(name: &str) -> Result<()> {
    let bad = |c: char| matches!(c, '/' | '\\' | '.' | ' ' | '"' | '$' | '\0');
    if name.is_empty() || name.len() > 63 || name.contains(bad) {
        return Err(StoreError::InvalidName(format!(
            "'{name}' is not a valid MongoDB database name"
        )));
    }
    Ok(())
}

/// The server's error code, if the error carries one (some stand-in errors do not).
fn error_code(error: &mongodb::error::Error) -> Option<i32> {
    match error.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(e)) => Some(e.code),
        ErrorKind::Command(e) => Some(e.code),
        _ => None,
    }
}

fn is_duplicate_key(error: &mongodb::error::Error) -> bool {
    error_code(error) == Some(DUPLICATE_KEY)
}

fn backend(operation: &str, error: &mongodb::error::Error) -> StoreError {
    StoreError::Backend(format!("MongoDB {operation} failed: {error}"))
}

/// `version` as the BSON value stored for it.
fn version_bson(version: u64) -> Result<Bson> {
    i64::try_from(version)
        .map(Bson::Int64)
        .map_err(|_| StoreError::InvalidDocument("'version' is too large".into()))
}

/// The stored form: `_id` first, then the caller's fields unchanged.
fn to_stored(id: &str, map: &Map<String, Value>) -> Result<Document> {
    if map.contains_key("_id") {
        return Err(StoreError::InvalidDocument(
            "'_id' is reserved; the document's 'id' is its key".into(),
        ));
    }
    let mut stored = doc! {"_id": id};
    stored.extend(convert::to_document(map)?);
    Ok(stored)
}

/// The caller's document from the stored form (`_id` dropped; restored as `id` if missing).
fn from_stored(mut stored: Document) -> Value {
    let id = stored.remove("_id");
    let mut map = Map::new();
    if let Some(id) = id
        && !stored.contains_key(ID_FIELD)
    {
        map.insert(ID_FIELD.to_owned(), convert::to_json(id));
    }
    map.extend(convert::document_to_map(stored));
    Value::Object(map)
}

#[async_trait::async_trait]
impl Store for MongoStore {
    fn record_locks(&self) -> &crate::RecordLocks {
        &self.record_locks
    }

    async fn get(&self, collection: &str, id: &str) -> Result<Option<Value>> {
        let coll = self.collection(collection)?;
        validate_id(id)?;
        let found = coll
            .find_one(doc! {"_id": id})
            .await
            .map_err(|e| backend("find_one", &e))?;
        Ok(found.map(from_stored))
    }

    async fn find_with(
        &self,
        collection: &str,
        filter: &Filter,
        options: &FindOptions,
    ) -> Result<Vec<Value>> {
        let coll = self.collection(collection)?;
        let sort = query::sort(&options.sort)?;
        let mut find = coll
            .find(query::filter(filter)?)
            .sort(sort)
            .skip(u64::try_from(options.skip).unwrap_or(u64::MAX));
        match options.limit {
            // MongoDB reads limit 0 as "no limit".
            Some(0) => return Ok(Vec::new()),
            Some(limit) => find = find.limit(i64::try_from(limit).unwrap_or(i64::MAX)),
            None => {}
        }
        let cursor = find.await.map_err(|e| backend("find", &e))?;
        let documents: Vec<Document> = cursor
            .try_collect()
            .await
            .map_err(|e| backend("find", &e))?;
        Ok(documents.into_iter().map(from_stored).collect())
    }

    async fn count(&self, collection: &str, filter: &Filter) -> Result<usize> {
        // Counted over `find` (ids only), not `count_documents`: the stand-in evaluates the
        // aggregation `$match` behind `count_documents` differently from `find` (e.g. for null
        // and `$exists`), and a count must agree with the list it describes.
        let coll = self.collection(collection)?;
        let mut cursor = coll
            .find(query::filter(filter)?)
            .projection(doc! {"_id": 1})
            .await
            .map_err(|e| backend("find", &e))?;
        let mut n = 0;
        while cursor
            .try_next()
            .await
            .map_err(|e| backend("find", &e))?
            .is_some()
        {
            n += 1;
        }
        Ok(n)
    }

    async fn insert(&self, collection: &str, mut document: Value) -> Result<Value> {
        let coll = self.collection(collection)?;
        let parts = parts(&mut document)?;
        parts
            .map
            .insert(VERSION_FIELD.to_owned(), Value::from(1u64));
        let id = parts.id;
        let stored = to_stored(&id, parts.map)?;
        match coll.insert_one(stored).await {
            Ok(_) => Ok(document),
            Err(e) if is_duplicate_key(&e) => {
                Err(conflict::classify(&coll, &id, &document, true).await)
            }
            Err(e) => Err(backend("insert_one", &e)),
        }
    }

    async fn replace(&self, collection: &str, mut document: Value) -> Result<Value> {
        let coll = self.collection(collection)?;
        let parts = parts(&mut document)?;
        let expected = parts.version.ok_or_else(|| {
            StoreError::InvalidDocument("replace needs the 'version' that was read".into())
        })?;
        let next = expected
            .checked_add(1)
            .ok_or_else(|| StoreError::InvalidDocument("'version' cannot grow further".into()))?;
        parts
            .map
            .insert(VERSION_FIELD.to_owned(), Value::from(next));
        let id = parts.id;
        let stored = to_stored(&id, parts.map)?;
        let filter = doc! {"_id": &id, VERSION_FIELD: version_bson(expected)?};
        match coll.replace_one(filter, stored).await {
            Ok(result) if result.matched_count > 0 => Ok(document),
            Ok(_) => Err(self.missed(&coll, &id, expected).await?),
            Err(e) if is_duplicate_key(&e) => {
                Err(conflict::classify(&coll, &id, &document, false).await)
            }
            Err(e) => Err(backend("replace_one", &e)),
        }
    }

    async fn delete(
        &self,
        collection: &str,
        id: &str,
        expected_version: Option<u64>,
    ) -> Result<bool> {
        let coll = self.collection(collection)?;
        validate_id(id)?;
        let mut filter = doc! {"_id": id};
        if let Some(expected) = expected_version {
            filter.insert(VERSION_FIELD, version_bson(expected)?);
        }
        let result = coll
            .delete_one(filter)
            .await
            .map_err(|e| backend("delete_one", &e))?;
        match expected_version {
            _ if result.deleted_count > 0 => Ok(true),
            None => Ok(false),
            Some(expected) => match self.missed(&coll, id, expected).await? {
                StoreError::NotFound { .. } => Ok(false),
                conflict => Err(conflict),
            },
        }
    }

    async fn ensure_unique_index(&self, collection: &str, field: &str) -> Result<()> {
        let coll = self.collection(collection)?;
        let path = query::mongo_path(field)?;
        if path == "_id" {
            return Ok(()); // always unique
        }
        let options = IndexOptions::builder().unique(true).sparse(true).build();
        let model = IndexModel::builder()
            .keys(doc! {path.as_str(): 1})
            .options(options)
            .build();
        match coll.create_index(model).await {
            Ok(_) => Ok(()),
            // Existing duplicates: MongoDB says 11000, the stand-in gives no code at all, so
            // look for them instead of trusting the error.
            Err(e) => match conflict::find_duplicate(&coll, &path).await? {
                Some(id) => Err(StoreError::Conflict {
                    collection: collection.to_owned(),
                    id,
                    reason: ConflictReason::DuplicateKey {
                        field: field.to_owned(),
                    },
                }),
                None => Err(backend("create_index", &e)),
            },
        }
    }

    async fn ensure_index(&self, collection: &str, field: &str, shape: FieldShape) -> Result<()> {
        let coll = self.collection(collection)?;
        let path = query::mongo_path(field)?;
        if path == "_id" {
            return Ok(()); // always indexed
        }
        let plain = path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        if (shape == FieldShape::Array || !plain) && self.is_standin().await? {
            // The nx-27017 stand-in (tests) keeps one index entry per document, so through an
            // index on an array path it finds no element at all, and it refuses index names
            // with other characters (`content.@type`): leave those out there.
            return Ok(());
        }
        // Equality, `$in` and ranges on the path all use an ascending single-field index (also
        // on array elements: MongoDB makes it multikey).
        let model = IndexModel::builder().keys(doc! {path.as_str(): 1}).build();
        coll.create_index(model)
            .await
            .map(drop)
            .map_err(|e| backend("create_index", &e))
    }

    async fn check_health(&self) -> Result<()> {
        self.db
            .run_command(doc! {"ping": 1})
            .await
            .map(drop)
            .map_err(|e| backend("ping", &e))
    }
}
