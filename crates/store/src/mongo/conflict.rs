//! Which key a duplicate-key error (11000) was about. The code says only "some unique index";
//! the index name is in the message, whose text differs between servers, so the answer is
//! found by asking the database instead.

use futures_util::TryStreamExt;
use mongodb::Collection;
use mongodb::bson::{Bson, Document, doc};
use serde_json::Value;

use super::{backend, convert, query};
use crate::Condition;
use crate::document::resolve_path;
use crate::error::{ConflictReason, Result, StoreError};

/// The conflict for a write of `document` (id `id`) refused with 11000. With `check_id`
/// (an insert), an existing document with that id means [`ConflictReason::DuplicateId`].
pub(super) async fn classify(
    coll: &Collection<Document>,
    id: &str,
    document: &Value,
    check_id: bool,
) -> StoreError {
    let reason = match reason(coll, id, document, check_id).await {
        Ok(reason) => reason,
        Err(error) => return error,
    };
    StoreError::Conflict {
        collection: coll.name().to_owned(),
        id: id.to_owned(),
        reason,
    }
}

async fn reason(
    coll: &Collection<Document>,
    id: &str,
    document: &Value,
    check_id: bool,
) -> Result<ConflictReason> {
    if check_id {
        let existing = coll
            .find_one(doc! {"_id": id})
            .projection(doc! {"_id": 1})
            .await
            .map_err(|e| backend("find_one", &e))?;
        if existing.is_some() {
            return Ok(ConflictReason::DuplicateId);
        }
    }
    let fields = unique_fields(coll).await?;
    for field in &fields {
        let values: Vec<Value> = resolve_path(document, field).into_iter().cloned().collect();
        if values.is_empty() {
            continue;
        }
        let same_value = query::field(field, &Condition::In(values))?;
        let taken = coll
            .find_one(doc! {"$and": [same_value, {"_id": {"$ne": id}}]})
            .projection(doc! {"_id": 1})
            .await
            .map_err(|e| backend("find_one", &e))?;
        if taken.is_some() {
            return Ok(ConflictReason::DuplicateKey {
                field: field.clone(),
            });
        }
    }
    // The colliding document went away meanwhile; it still was a duplicate at write time.
    Ok(fields
        .into_iter()
        .next()
        .map_or(ConflictReason::DuplicateId, |field| {
            ConflictReason::DuplicateKey { field }
        }))
}

/// The caller's paths of fields with a single-field unique index other than `_id`.
async fn unique_fields(coll: &Collection<Document>) -> Result<Vec<String>> {
    let indexes: Vec<mongodb::IndexModel> = coll
        .list_indexes()
        .await
        .map_err(|e| backend("list_indexes", &e))?
        .try_collect()
        .await
        .map_err(|e| backend("list_indexes", &e))?;
    Ok(indexes
        .into_iter()
        .filter(|index| {
            index
                .options
                .as_ref()
                .is_some_and(|o| o.unique == Some(true))
        })
        .filter_map(|index| match index.keys.keys().collect::<Vec<_>>()[..] {
            [field] if field != "_id" => Some(convert::unescape_path(field)),
            _ => None,
        })
        .collect())
}

/// The id of a document whose value at `path` (stored form) another document shares, if any.
pub(super) async fn find_duplicate(
    coll: &Collection<Document>,
    path: &str,
) -> Result<Option<String>> {
    let pipeline = [
        doc! {"$match": {path: {"$exists": true}}},
        doc! {"$group": {"_id": format!("${path}"), "n": {"$sum": 1}, "ids": {"$push": "$_id"}}},
        doc! {"$match": {"n": {"$gt": 1}}},
        doc! {"$limit": 1},
    ];
    let groups: Vec<Document> = coll
        .aggregate(pipeline)
        .await
        .map_err(|e| backend("aggregate", &e))?
        .try_collect()
        .await
        .map_err(|e| backend("aggregate", &e))?;
    Ok(groups.into_iter().next().map(|group| {
        match group.get_array("ids").ok().and_then(|ids| ids.first()) {
            Some(Bson::String(id)) => id.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        }
    }))
}
