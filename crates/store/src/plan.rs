//! The embedded store's query planner: which secondary indexes can narrow a filter down to
//! candidate documents. A plan only ever yields a superset of the matches (every candidate is
//! checked against the whole filter afterwards), so the planner may ignore any part of a filter
//! it cannot serve, except under `Or`, where every branch must be served.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::document::ID_FIELD;
use crate::index_key::{KeyRange, encode, half_range};
use crate::{Condition, Filter};

/// How to find the candidate documents of a filter.
#[derive(Debug, Clone)]
pub(crate) enum Access {
    /// These ids (a filter on `id`, served by the documents table itself).
    Ids(BTreeSet<String>),
    /// Documents with one of these keys in the index on `path`.
    Keys { path: String, keys: Vec<Vec<u8>> },
    /// Documents with a key in this range in the index on `path`.
    Range { path: String, range: KeyRange },
    /// Every child yields a superset (the parts of an `And`): the smallest one is used.
    Smallest(Vec<Access>),
    /// The union of the children (the branches of an `Or`).
    Union(Vec<Access>),
}

/// The access for `filter`, or `None` if no index serves it (a full scan is needed).
/// `indexed` tells which field paths have an index.
pub(crate) fn plan(filter: &Filter, indexed: &dyn Fn(&str) -> bool) -> Option<Access> {
    match filter {
        Filter::All => None,
        Filter::And(parts) => {
            let mut served: Vec<Access> = parts.iter().filter_map(|p| plan(p, indexed)).collect();
            match served.len() {
                0 => None,
                1 => served.pop(),
                _ => Some(Access::Smallest(served)),
            }
        }
        Filter::Or(branches) => branches
            .iter()
            .map(|b| plan(b, indexed))
            .collect::<Option<Vec<_>>>()
            .map(Access::Union),
        Filter::Field { path, condition } if path == ID_FIELD => by_id(condition),
        Filter::Field { path, condition } if indexed(path) => by_index(path, condition),
        Filter::Field { .. } => None,
    }
}

/// Ids are always strings, so equality with anything else matches nothing.
fn by_id(condition: &Condition) -> Option<Access> {
    let values = match condition {
        Condition::Eq(value) => std::slice::from_ref(value),
        Condition::In(values) => values.as_slice(),
        _ => return None,
    };
    let ids = values
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    Some(Access::Ids(ids))
}

fn by_index(path: &str, condition: &Condition) -> Option<Access> {
    let path = path.to_owned();
    // `Eq(null)` also matches a missing field, which an index cannot list; objects and arrays
    // are not indexed (whole-value equality on them needs a scan).
    let points = |values: &[Value]| -> Option<Access> {
        let keys = values.iter().map(encode).collect::<Option<Vec<_>>>()?;
        Some(Access::Keys {
            path: path.clone(),
            keys,
        })
    };
    let range = |value: &Value, upward: bool| -> Option<Access> {
        Some(Access::Range {
            path: path.clone(),
            range: half_range(value, upward)?,
        })
    };
    match condition {
        Condition::Eq(value) => points(std::slice::from_ref(value)),
        Condition::In(values) => points(values),
        Condition::Gt(value) | Condition::Gte(value) => range(value, true),
        Condition::Lt(value) | Condition::Lte(value) => range(value, false),
        // Negations, existence and patterns match documents without index entries.
        Condition::Ne(_) | Condition::Nin(_) | Condition::Exists(_) | Condition::Regex(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn indexed(path: &str) -> bool {
        matches!(path, "createdBy" | "createdAt" | "recipients.address")
    }

    fn planned(filter: &Filter) -> Option<Access> {
        plan(filter, &indexed)
    }

    fn field(path: &str, c: Condition) -> Filter {
        Filter::field(path, c).unwrap()
    }

    #[test]
    fn served_conditions() {
        assert!(planned(&field("createdBy", Condition::Eq(json!("a")))).is_some());
        assert!(
            planned(&field(
                "createdBy",
                Condition::In(vec![json!("a"), json!(2)])
            ))
            .is_some()
        );
        assert!(planned(&field("createdAt", Condition::Gte(json!("2025")))).is_some());
        assert!(planned(&field("id", Condition::Eq(json!("MSG1")))).is_some());
    }

    #[test]
    fn unserved_conditions_need_a_scan() {
        assert!(planned(&Filter::All).is_none());
        assert!(planned(&Filter::And(vec![])).is_none());
        assert!(planned(&field("createdBy", Condition::Eq(Value::Null))).is_none());
        assert!(planned(&field("createdBy", Condition::Ne(json!("a")))).is_none());
        assert!(planned(&field("createdBy", Condition::Exists(true))).is_none());
        assert!(planned(&field("createdBy", Condition::Eq(json!(["a"])))).is_none());
        assert!(planned(&field("createdAt", Condition::Gt(json!({})))).is_none());
        assert!(planned(&field("other", Condition::Eq(json!("a")))).is_none());
    }

    #[test]
    fn and_needs_one_served_part_or_needs_all() {
        let served = field("createdBy", Condition::Eq(json!("a")));
        let unserved = field("other", Condition::Eq(json!("a")));
        assert!(planned(&Filter::And(vec![unserved.clone(), served.clone()])).is_some());
        assert!(planned(&Filter::Or(vec![unserved, served.clone()])).is_none());
        assert!(planned(&Filter::Or(vec![served.clone(), served])).is_some());
        assert!(matches!(planned(&Filter::Or(vec![])), Some(Access::Union(v)) if v.is_empty()));
    }
}
