//! Filters over documents, shaped like the MongoDB query language so that the REST query syntax
//! (`key=!value`, `key=>3`, `key=~part`, repeated keys, ...) translates into them one to one and a
//! MongoDB backend can pass them on unchanged ([`Filter::to_mongo`]).

use std::cmp::Ordering;

use regex::{Regex, RegexBuilder};
use serde_json::{Map, Value, json};

use crate::document::{resolve_path, validate_field_path};
use crate::error::{Result, StoreError};

/// A condition on the values found at one field path.
#[derive(Debug, Clone)]
pub enum Condition {
    /// Equal (numbers compare numerically; an array field matches if it contains the value;
    /// `Eq(null)` also matches a missing field), like `$eq`.
    Eq(Value),
    /// Negation of [`Condition::Eq`] (so a missing field matches), like `$ne`.
    Ne(Value),
    /// Greater than, like `$gt` (only values of the same kind compare: numbers or strings).
    Gt(Value),
    /// Greater or equal, like `$gte`.
    Gte(Value),
    /// Less than, like `$lt`.
    Lt(Value),
    /// Less or equal, like `$lte`.
    Lte(Value),
    /// Equal to any of the values, like `$in`.
    In(Vec<Value>),
    /// Equal to none of the values (a missing field matches), like `$nin`.
    Nin(Vec<Value>),
    /// The field exists (`true`) or does not (`false`), like `$exists`.
    Exists(bool),
    /// A string value matches the regular expression, like `$regex` (+ `$options: "i"`).
    Regex(Pattern),
}

/// A compiled regular expression that remembers its source for the MongoDB form.
#[derive(Debug, Clone)]
pub struct Pattern {
    source: String,
    case_insensitive: bool,
    compiled: Regex,
}

impl Pattern {
    /// Compiles `source`; the REST syntax passes user text unescaped, so a bad pattern is an
    /// input error, not a panic.
    pub fn new(source: &str, case_insensitive: bool) -> Result<Self> {
        let compiled = RegexBuilder::new(source)
            .case_insensitive(case_insensitive)
            .size_limit(1 << 20)
            .build()
            .map_err(|e| StoreError::InvalidName(format!("invalid regular expression: {e}")))?;
        Ok(Self {
            source: source.to_owned(),
            case_insensitive,
            compiled,
        })
    }

    /// The pattern text.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether matching ignores case.
    pub fn is_case_insensitive(&self) -> bool {
        self.case_insensitive
    }
}

/// A filter over documents. `Filter::default()` matches everything.
#[derive(Debug, Clone, Default)]
pub enum Filter {
    /// Matches every document.
    #[default]
    All,
    /// All sub-filters match (empty = all documents).
    And(Vec<Filter>),
    /// At least one sub-filter matches (empty = no document).
    Or(Vec<Filter>),
    /// A condition on a dotted field path.
    Field {
        /// Dotted path, traversing arrays like MongoDB.
        path: String,
        /// The condition on the values found there.
        condition: Condition,
    },
}

impl Filter {
    /// A condition on one field; the path is validated so no `$` operator can be smuggled in.
    pub fn field(path: &str, condition: Condition) -> Result<Self> {
        validate_field_path(path)?;
        Ok(Self::Field {
            path: path.to_owned(),
            condition,
        })
    }

    /// Shorthand for `field(path, Condition::Eq(value))`.
    pub fn eq(path: &str, value: impl Into<Value>) -> Result<Self> {
        Self::field(path, Condition::Eq(value.into()))
    }

    /// True when `document` satisfies the filter.
    pub fn matches(&self, document: &Value) -> bool {
        match self {
            Self::All => true,
            Self::And(all) => all.iter().all(|f| f.matches(document)),
            Self::Or(any) => any.iter().any(|f| f.matches(document)),
            Self::Field { path, condition } => condition.matches(&resolve_path(document, path)),
        }
    }

    /// The same filter in MongoDB query syntax (`id` becomes `_id`), for a MongoDB backend.
    pub fn to_mongo(&self) -> Value {
        match self {
            Self::All => json!({}),
            Self::And(all) => json!({"$and": all.iter().map(Self::to_mongo).collect::<Vec<_>>()}),
            Self::Or(any) if any.is_empty() => json!({"_id": {"$in": []}}),
            Self::Or(any) => json!({"$or": any.iter().map(Self::to_mongo).collect::<Vec<_>>()}),
            Self::Field { path, condition } => {
                let key = if path == crate::document::ID_FIELD {
                    "_id".to_owned()
                } else {
                    path.clone()
                };
                let mut map = Map::new();
                map.insert(key, condition.to_mongo());
                Value::Object(map)
            }
        }
    }
}

impl Condition {
    fn matches(&self, found: &[&Value]) -> bool {
        match self {
            Self::Eq(v) => eq_any(found, v),
            Self::Ne(v) => !eq_any(found, v),
            Self::In(vs) => vs.iter().any(|v| eq_any(found, v)),
            Self::Nin(vs) => !vs.iter().any(|v| eq_any(found, v)),
            Self::Exists(should) => found.is_empty() != *should,
            Self::Gt(v) => cmp_any(found, v, |o| o == Ordering::Greater),
            Self::Gte(v) => cmp_any(found, v, |o| o != Ordering::Less),
            Self::Lt(v) => cmp_any(found, v, |o| o == Ordering::Less),
            Self::Lte(v) => cmp_any(found, v, |o| o != Ordering::Greater),
            Self::Regex(p) => {
                leaves(found).any(|v| v.as_str().is_some_and(|s| p.compiled.is_match(s)))
            }
        }
    }

    fn to_mongo(&self) -> Value {
        match self {
            Self::Eq(v) => json!({"$eq": v}),
            Self::Ne(v) => json!({"$ne": v}),
            Self::Gt(v) => json!({"$gt": v}),
            Self::Gte(v) => json!({"$gte": v}),
            Self::Lt(v) => json!({"$lt": v}),
            Self::Lte(v) => json!({"$lte": v}),
            Self::In(vs) => json!({"$in": vs}),
            Self::Nin(vs) => json!({"$nin": vs}),
            Self::Exists(b) => json!({"$exists": b}),
            Self::Regex(p) if p.case_insensitive => json!({"$regex": p.source, "$options": "i"}),
            Self::Regex(p) => json!({"$regex": p.source}),
        }
    }
}

/// Every candidate value plus, for arrays, their elements (MongoDB matches both).
fn leaves<'a>(found: &'a [&'a Value]) -> impl Iterator<Item = &'a Value> + 'a {
    found.iter().flat_map(|v| {
        let elements: Box<dyn Iterator<Item = &Value>> = match v {
            Value::Array(items) => Box::new(items.iter()),
            _ => Box::new(std::iter::empty()),
        };
        std::iter::once(*v).chain(elements)
    })
}

fn eq_any(found: &[&Value], wanted: &Value) -> bool {
    if wanted.is_null() && found.is_empty() {
        return true;
    }
    leaves(found).any(|v| values_equal(v, wanted))
}

fn cmp_any(found: &[&Value], operand: &Value, accept: impl Fn(Ordering) -> bool) -> bool {
    leaves(found).any(|v| same_kind_cmp(v, operand).is_some_and(&accept))
}

/// Equality with numbers compared by value (1 == 1.0), as MongoDB does.
pub(crate) fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => number_cmp(x, y) == Some(Ordering::Equal),
        _ => a == b,
    }
}

fn number_cmp(x: &serde_json::Number, y: &serde_json::Number) -> Option<Ordering> {
    if let (Some(a), Some(b)) = (x.as_i64(), y.as_i64()) {
        return Some(a.cmp(&b));
    }
    if let (Some(a), Some(b)) = (x.as_u64(), y.as_u64()) {
        return Some(a.cmp(&b));
    }
    x.as_f64()?.partial_cmp(&y.as_f64()?)
}

/// Range comparison only between numbers or between strings (ISO timestamps compare as
/// strings), like MongoDB's type bracketing.
fn same_kind_cmp(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => number_cmp(x, y),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// Total order for sorting: missing/null < numbers < strings < objects < arrays < booleans
/// (MongoDB's order for the types JSON has).
pub(crate) fn sort_cmp(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    fn rank(v: Option<&Value>) -> u8 {
        match v {
            None | Some(Value::Null) => 0,
            Some(Value::Number(_)) => 1,
            Some(Value::String(_)) => 2,
            Some(Value::Object(_)) => 3,
            Some(Value::Array(_)) => 4,
            Some(Value::Bool(_)) => 5,
        }
    }
    match (a, b) {
        (Some(x), Some(y)) if rank(a) == rank(b) => {
            same_kind_cmp(x, y).unwrap_or_else(|| x.to_string().cmp(&y.to_string()))
        }
        _ => rank(a).cmp(&rank(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        json!({
            "id": "MSG1", "isOwn": true, "size": 10, "createdAt": "2025-01-31T12:00:00.000Z",
            "tags": ["a", "b"], "recipients": [{"address": "did:e:x:dids:1"}, {"address": "did:e:x:dids:2"}],
            "content": {"@type": "Mail", "subject": "Hello World"}
        })
    }

    fn f(path: &str, c: Condition) -> Filter {
        Filter::field(path, c).unwrap()
    }

    #[test]
    fn equality_and_arrays() {
        let d = doc();
        assert!(f("isOwn", Condition::Eq(json!(true))).matches(&d));
        assert!(f("size", Condition::Eq(json!(10.0))).matches(&d));
        assert!(f("tags", Condition::Eq(json!("b"))).matches(&d));
        assert!(f("recipients.address", Condition::Eq(json!("did:e:x:dids:2"))).matches(&d));
        assert!(f("content.@type", Condition::Eq(json!("Mail"))).matches(&d));
        assert!(!f("tags", Condition::Eq(json!("c"))).matches(&d));
        assert!(f("missing", Condition::Eq(Value::Null)).matches(&d));
    }

    #[test]
    fn negation_and_sets() {
        let d = doc();
        assert!(f("missing", Condition::Ne(json!("x"))).matches(&d));
        assert!(!f("tags", Condition::Ne(json!("a"))).matches(&d));
        assert!(f("tags", Condition::In(vec![json!("z"), json!("a")])).matches(&d));
        assert!(!f("tags", Condition::Nin(vec![json!("z"), json!("a")])).matches(&d));
        assert!(f("missing", Condition::Nin(vec![json!("z")])).matches(&d));
        assert!(f("tags", Condition::Exists(true)).matches(&d));
        assert!(f("missing", Condition::Exists(false)).matches(&d));
    }

    #[test]
    fn ranges_compare_within_kinds() {
        let d = doc();
        assert!(f("size", Condition::Gt(json!(9))).matches(&d));
        assert!(f("size", Condition::Lte(json!(10))).matches(&d));
        assert!(!f("size", Condition::Gt(json!("9"))).matches(&d));
        assert!(
            f(
                "createdAt",
                Condition::Gte(json!("2025-01-01T00:00:00.000Z"))
            )
            .matches(&d)
        );
        assert!(
            !f(
                "createdAt",
                Condition::Lt(json!("2025-01-01T00:00:00.000Z"))
            )
            .matches(&d)
        );
    }

    #[test]
    fn regex_is_case_insensitive_when_asked() {
        let d = doc();
        let p = Pattern::new("^hello", true).unwrap();
        assert!(f("content.subject", Condition::Regex(p)).matches(&d));
        let p = Pattern::new("WORLD$", false).unwrap();
        assert!(!f("content.subject", Condition::Regex(p)).matches(&d));
        assert!(Pattern::new("(", true).is_err());
    }

    #[test]
    fn combinators_and_mongo_form() {
        let d = doc();
        let both = Filter::And(vec![
            Filter::eq("id", "MSG1").unwrap(),
            Filter::eq("isOwn", true).unwrap(),
        ]);
        assert!(both.matches(&d));
        assert!(!Filter::Or(vec![]).matches(&d));
        assert_eq!(
            both.to_mongo(),
            json!({"$and": [{"_id": {"$eq": "MSG1"}}, {"isOwn": {"$eq": true}}]})
        );
        let p = Pattern::new("x", true).unwrap();
        assert_eq!(
            f("a", Condition::Regex(p)).to_mongo(),
            json!({"a": {"$regex": "x", "$options": "i"}})
        );
        assert!(Filter::field("a.$where", Condition::Exists(true)).is_err());
    }

    #[test]
    fn sort_order_is_total() {
        assert_eq!(sort_cmp(None, Some(&json!(1))), Ordering::Less);
        assert_eq!(sort_cmp(Some(&json!(2)), Some(&json!(10))), Ordering::Less);
        assert_eq!(
            sort_cmp(Some(&json!("b")), Some(&json!("a"))),
            Ordering::Greater
        );
        assert_eq!(sort_cmp(Some(&json!(5)), Some(&json!("a"))), Ordering::Less);
    }
}
