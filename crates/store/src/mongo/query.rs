//! Filters and sort keys in MongoDB syntax. Same meaning as [`Filter::to_mongo`] on a real
//! MongoDB, but spelled in the forms that the nx-27017 stand-in (used in tests) also evaluates
//! like MongoDB, and with field names escaped like stored keys ([`convert::escape_path`]):
//!
//! * equality is the implicit form `{path: v}`: the stand-in's `$eq` and `$in` do not look
//!   inside arrays, its implicit equality does; so `$ne`/`$in`/`$nin` become `$nor`/`$or` of
//!   implicit equalities (identical on MongoDB);
//! * ranges carry `$type` of the operand: MongoDB compares only within a type anyway, the
//!   stand-in (SQLite underneath) would otherwise order every string above every number;
//! * `And([])` is `{}` and `Or([])` matches nothing: MongoDB refuses empty `$and`/`$or`;
//! * an `And` of conditions on distinct fields is one document (`{a: .., b: ..}`), nested
//!   `And`s included: the stand-in uses its indexes only for that form, never under `$and`.

use mongodb::bson::{Bson, Document, doc};
use serde_json::Value;

use super::convert;
use crate::document::{ID_FIELD, validate_field_path};
use crate::error::Result;
use crate::{Condition, Filter, SortOrder};

/// A filter that matches no document.
fn nothing() -> Document {
    doc! {"_id": {"$in": []}}
}

/// The stored name of a (validated) dotted path: `id` is `_id`, segments are escaped.
pub(super) fn mongo_path(path: &str) -> Result<String> {
    validate_field_path(path)?;
    Ok(if path == ID_FIELD {
        "_id".to_owned()
    } else {
        convert::escape_path(path)
    })
}

/// `filter` as a MongoDB query document.
pub(super) fn filter(filter: &Filter) -> Result<Document> {
    Ok(match filter {
        Filter::All => Document::new(),
        Filter::And(all) if all.is_empty() => Document::new(),
        Filter::And(all) => {
            let parts = all.iter().map(self::filter).collect::<Result<Vec<_>>>()?;
            merged(&parts).unwrap_or_else(|| doc! {"$and": parts})
        }
        Filter::Or(any) if any.is_empty() => nothing(),
        Filter::Or(any) => doc! {"$or": any.iter().map(self::filter).collect::<Result<Vec<_>>>()?},
        Filter::Field { path, condition } => field(path, condition)?,
    })
}

/// The conjunction of `parts` as one document, if their keys are distinct field names (a part
/// that is itself such a conjunction was merged already); `None` if any key repeats or is an
/// operator (`$or`, `$nor`, `$and`), which keep the `$and` form.
fn merged(parts: &[Document]) -> Option<Document> {
    let mut one = Document::new();
    for part in parts {
        for (key, value) in part {
            if key.starts_with('$') || one.contains_key(key) {
                return None;
            }
            one.insert(key.clone(), value.clone());
        }
    }
    Some(one)
}

/// The condition on one field (the path is validated again: `Filter::Field` can be built
/// without [`Filter::field`]).
pub(super) fn field(path: &str, condition: &Condition) -> Result<Document> {
    let path = mongo_path(path)?;
    let equal = |value: &Value| -> Result<Document> {
        let mut document = Document::new();
        document.insert(path.clone(), convert::to_bson(value)?);
        Ok(document)
    };
    let equal_any = |values: &[Value]| values.iter().map(equal).collect::<Result<Vec<_>>>();
    let mut operators = Document::new();
    match condition {
        Condition::Eq(value) => return equal(value),
        Condition::Ne(value) => return Ok(doc! {"$nor": [equal(value)?]}),
        Condition::In(values) if values.is_empty() => return Ok(nothing()),
        Condition::In(values) => return Ok(doc! {"$or": equal_any(values)?}),
        Condition::Nin(values) if values.is_empty() => return Ok(Document::new()),
        Condition::Nin(values) => return Ok(doc! {"$nor": equal_any(values)?}),
        Condition::Exists(exists) => {
            operators.insert("$exists", *exists);
        }
        Condition::Gt(v) | Condition::Gte(v) | Condition::Lt(v) | Condition::Lte(v) => {
            let Some(kind) = comparable_type(v) else {
                return Ok(nothing()); // like the embedded store: only scalars have an order
            };
            let operator = match condition {
                Condition::Gt(_) => "$gt",
                Condition::Gte(_) => "$gte",
                Condition::Lt(_) => "$lt",
                _ => "$lte",
            };
            operators.insert(operator, convert::to_bson(v)?);
            operators.insert("$type", kind);
        }
        Condition::Regex(pattern) => {
            operators.insert("$regex", pattern.source());
            if pattern.is_case_insensitive() {
                operators.insert("$options", "i");
            }
        }
    }
    let mut document = Document::new();
    document.insert(path, Bson::Document(operators));
    Ok(document)
}

/// The `$type` alias of a range operand, if such values have an order.
fn comparable_type(value: &Value) -> Option<&'static str> {
    match value {
        Value::Number(_) => Some("number"),
        Value::String(_) => Some("string"),
        Value::Bool(_) => Some("bool"),
        _ => None,
    }
}

/// Sort keys, with `_id` as the last tie-breaker so equal keys come in id order as in the
/// embedded store.
pub(super) fn sort(keys: &[(String, SortOrder)]) -> Result<Document> {
    let mut sort = Document::new();
    for (path, order) in keys {
        let path = mongo_path(path)?;
        let direction = if *order == SortOrder::Descending {
            -1
        } else {
            1
        };
        if !sort.contains_key(&path) {
            sort.insert(path, direction);
        }
    }
    if !sort.contains_key("_id") {
        sort.insert("_id", 1);
    }
    Ok(sort)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Pattern;
    use serde_json::json;

    fn f(path: &str, c: Condition) -> Filter {
        Filter::field(path, c).unwrap()
    }

    #[test]
    fn forms() {
        assert_eq!(
            filter(&f("id", Condition::Eq(json!("x")))).unwrap(),
            doc! {"_id": "x"}
        );
        assert_eq!(
            filter(&f("tags", Condition::Nin(vec![json!("a"), json!(2)]))).unwrap(),
            doc! {"$nor": [{"tags": "a"}, {"tags": 2_i64}]}
        );
        assert_eq!(
            filter(&f("n", Condition::Gte(json!(2.5)))).unwrap(),
            doc! {"n": {"$gte": 2.5, "$type": "number"}}
        );
        assert_eq!(
            filter(&f("n", Condition::Lt(json!({})))).unwrap(),
            nothing()
        );
        assert_eq!(
            filter(&f("s", Condition::Regex(Pattern::new("^a", true).unwrap()))).unwrap(),
            doc! {"s": {"$regex": "^a", "$options": "i"}}
        );
        assert_eq!(filter(&Filter::And(vec![])).unwrap(), doc! {});
        assert_eq!(filter(&Filter::Or(vec![])).unwrap(), nothing());
        // `Filter::Field` built directly, bypassing `Filter::field`'s check
        let bypass = Filter::Field {
            path: "a.$where".into(),
            condition: Condition::Exists(true),
        };
        assert!(filter(&bypass).is_err());
    }

    #[test]
    fn sort_ends_with_id() {
        let keys = [
            ("createdAt".to_owned(), SortOrder::Descending),
            ("id".to_owned(), SortOrder::Ascending),
        ];
        assert_eq!(sort(&keys).unwrap(), doc! {"createdAt": -1, "_id": 1});
        assert_eq!(sort(&[]).unwrap(), doc! {"_id": 1});
        assert_eq!(
            sort(&[("\u{e000}x.y".to_owned(), SortOrder::Ascending)]).unwrap(),
            doc! {"\u{e000}\u{e000}x.y": 1, "_id": 1}
        );
    }
}
