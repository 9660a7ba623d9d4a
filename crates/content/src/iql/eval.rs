//! Evaluation of a parsed IQL expression over attribute contents (`IdentityAttribute` JSON), with the
//! semantics of `@nmshd/iql`'s `execute`: the indices of the matching attributes, ascending.

use serde_json::Value;

use super::ast::{Expr, Predicate, Term};
use super::js;

/// A JavaScript `TypeError` the library would throw for content of an unexpected shape (a path that
/// descends into `null`, a typed term over an attribute without `value`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalError(pub String);

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EvalError {}

/// The indices (ascending) of the `attributes` matching `expr`.
pub fn execute(expr: &Expr, attributes: &[Value]) -> Result<Vec<usize>, EvalError> {
    Ok(match expr {
        Expr::Or(items) => {
            let mut all = Vec::new();
            for item in items {
                all.extend(execute(item, attributes)?);
            }
            all.sort_unstable();
            all.dedup();
            all
        }
        Expr::And(items) => {
            let mut result: Option<Vec<usize>> = None;
            for item in items {
                let found = execute(item, attributes)?;
                result = Some(match result {
                    None => found,
                    Some(so_far) => so_far.into_iter().filter(|i| found.contains(i)).collect(),
                });
            }
            result.unwrap_or_default()
        }
        Expr::Not(inner) => {
            let excluded = execute(inner, attributes)?;
            (0..attributes.len())
                .filter(|i| !excluded.contains(i))
                .collect()
        }
        Expr::Term(term) => term_matches(term, attributes)?,
    })
}

fn term_matches(term: &Term, attributes: &[Value]) -> Result<Vec<usize>, EvalError> {
    let value_path = |rest: &[String]| {
        let mut path = vec!["value".to_owned()];
        path.extend(rest.iter().cloned());
        path
    };
    match term {
        Term::Primary {
            attribute_type,
            path,
            predicate,
        } => matching(attributes, &value_path(path), Some(attribute_type), |v| {
            holds(predicate, v)
        }),
        Term::PrimaryValue {
            attribute_type,
            predicate,
        } => matching(
            attributes,
            &value_path(&["value".to_owned()]),
            Some(attribute_type),
            |v| holds(predicate, v),
        ),
        Term::OfType(attribute_type) => {
            matching(attributes, &value_path(&["@type".to_owned()]), None, |v| {
                v.as_str() == Some(attribute_type)
            })
        }
        Term::Metadata { path, predicate } => {
            matching(attributes, path, None, |v| holds(predicate, v))
        }
        Term::Tag(tag) => matching(attributes, &["tags".to_owned()], None, |v| contains(v, tag)),
    }
}

/// The library's `match`: the field at `path` must exist, not be `null`, and satisfy `test`; with an
/// `attribute_type`, the attribute's `value["@type"]` must also equal it.
fn matching(
    attributes: &[Value],
    path: &[String],
    attribute_type: Option<&String>,
    test: impl Fn(&Value) -> bool,
) -> Result<Vec<usize>, EvalError> {
    let mut found = Vec::new();
    for (index, attribute) in attributes.iter().enumerate() {
        let field = resolve(attribute, path)?;
        if let Some(expected) = attribute_type {
            let value = match attribute.get("value") {
                None => return Err(read_error("undefined", "@type")),
                Some(Value::Null) => return Err(read_error("null", "@type")),
                Some(value) => value,
            };
            if value.get("@type").and_then(Value::as_str) != Some(expected.as_str()) {
                continue;
            }
        }
        if field.is_some_and(|v| !v.is_null() && test(v)) {
            found.push(index);
        }
    }
    Ok(found)
}

fn read_error(what: &str, property: &str) -> EvalError {
    EvalError(format!(
        "Cannot read properties of {what} (reading '{property}')"
    ))
}

/// Follows `path` through own object keys; `None` where a key is missing (arrays, strings and
/// numbers have no keys a path segment can name). Descending into `null` is a `TypeError`.
fn resolve<'a>(root: &'a Value, path: &[String]) -> Result<Option<&'a Value>, EvalError> {
    let mut current = root;
    for segment in path {
        current = match current {
            Value::Object(map) => match map.get(segment) {
                Some(next) => next,
                None => return Ok(None),
            },
            Value::Null => {
                return Err(EvalError(
                    "Cannot convert undefined or null to object".to_owned(),
                ));
            }
            _ => return Ok(None),
        };
    }
    Ok(Some(current))
}

fn contains(field: &Value, wanted: &str) -> bool {
    field
        .as_array()
        .is_some_and(|items| items.iter().any(|i| i.as_str() == Some(wanted)))
}

fn holds(predicate: &Predicate, field: &Value) -> bool {
    let compare = |rhs: &str, ok: fn(f64, f64) -> bool| {
        match (js::date_value(field), js::parse_date(rhs)) {
            (Some(a), Some(b)) => ok(a, b),
            // comparisons with an invalid date (NaN) are false
            _ => false,
        }
    };
    match predicate {
        Predicate::Equals(rhs) => js::to_string(field) == *rhs,
        Predicate::NotBefore(rhs) => compare(rhs, |a, b| a >= b),
        Predicate::NotAfter(rhs) => compare(rhs, |a, b| a <= b),
        Predicate::Contains(rhs) => contains(field, rhs),
        // empty arrays and objects count as undefined (objects with an own `constructor` key are
        // not special-cased as the library's `constructor.name` check would)
        Predicate::Defined => match field {
            Value::Array(items) => !items.is_empty(),
            Value::Object(map) => !map.is_empty(),
            _ => true,
        },
    }
}
