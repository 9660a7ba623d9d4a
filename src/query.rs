//! The list routes' query syntax (`connector-api.md` §5), translated into store filters the way
//! the real Connector's query translator does: `key=value` (booleans and numbers converted),
//! `key=` exists, `key=!value` / `key=!`, `>`, `>=`, `<`, `<=`, `^` starts with, `$` ends with,
//! `~` contains (case-insensitive regular expressions, the value unescaped), and repeated keys
//! (plain values OR-ed, `!` values "none of", other operators last one wins).

use connector_store::{Condition, Filter, Pattern};
use serde_json::Value;

use crate::error::ConnectorError;

/// A query string as ordered keys with all their values (repeated keys keep every value).
pub type QueryPairs = Vec<(String, Vec<String>)>;

/// Parses a raw query string like Node's `querystring`: `+` is a space, percent-decoding, no
/// bracket syntax, dots are part of key names.
pub fn parse_query_string(raw: &str) -> QueryPairs {
    let mut pairs: QueryPairs = Vec::new();
    for (key, value) in form_urlencoded::parse(raw.as_bytes()) {
        match pairs.iter_mut().find(|(k, _)| *k == key) {
            Some((_, values)) => values.push(value.into_owned()),
            None => pairs.push((key.into_owned(), vec![value.into_owned()])),
        }
    }
    pairs
}

/// Converts a query value like the translator does: `true`/`false` (any case) → boolean,
/// numeric text → number, anything else stays a string.
pub fn convert_value(text: &str) -> Value {
    if text.eq_ignore_ascii_case("true") {
        return Value::Bool(true);
    }
    if text.eq_ignore_ascii_case("false") {
        return Value::Bool(false);
    }
    let trimmed = text.trim_start();
    let unsigned = trimmed.strip_prefix(['-', '+']).unwrap_or(trimmed);
    if unsigned.starts_with(|c: char| c.is_ascii_digit())
        && let Ok(number) = text.trim().parse::<f64>()
        && number.is_finite()
        && let Some(n) = serde_json::Number::from_f64(number)
    {
        // Whole numbers stay integers so they compare equal to stored integers exactly.
        if number.fract() == 0.0 && number.abs() < 9.0e15 {
            #[expect(
                clippy::cast_possible_truncation,
                reason = "checked: whole and below 2^53"
            )]
            return Value::from(number as i64);
        }
        return Value::Number(n);
    }
    Value::String(text.to_owned())
}

/// The translation of a single value (`key=value`).
fn single(path: &str, value: &str) -> Result<Filter, ConnectorError> {
    let condition = if value.is_empty() {
        Condition::Exists(true)
    } else if let Some(rest) = value.strip_prefix('!') {
        if rest.is_empty() {
            Condition::Exists(false)
        } else {
            Condition::Ne(convert_value(rest))
        }
    } else if let Some(condition) = operator(value)? {
        condition
    } else {
        Condition::Eq(convert_value(value))
    };
    field(path, condition)
}

/// `>`, `>=`, `<`, `<=`, `^`, `$`, `~` operators; `None` for a plain value.
fn operator(value: &str) -> Result<Option<Condition>, ConnectorError> {
    let mut chars = value.chars();
    let Some(op) = chars.next() else {
        return Ok(None);
    };
    let rest = chars.as_str();
    let (with_eq, operand) = match rest.strip_prefix('=') {
        Some(after) => (true, after),
        None => (false, rest),
    };
    let regex = |pattern: String| {
        Pattern::new(&pattern, true)
            .map(Condition::Regex)
            .map_err(|_| {
                ConnectorError::validation(format!("'{value}' is not a valid search pattern"))
            })
    };
    // The translator builds regexes from the converted value, so `~1.50` searches for `1.5`.
    let text = |s: &str| match convert_value(s) {
        Value::String(s) => s,
        other => other.to_string(),
    };
    Ok(Some(match op {
        '>' if with_eq => Condition::Gte(convert_value(operand)),
        '>' => Condition::Gt(convert_value(operand)),
        '<' if with_eq => Condition::Lte(convert_value(operand)),
        '<' => Condition::Lt(convert_value(operand)),
        '^' => regex(format!("^{}", text(&value[1..])))?,
        '$' => regex(format!("{}$", text(&value[1..])))?,
        '~' => regex(text(&value[1..]))?,
        _ => return Ok(None),
    }))
}

/// The translation of a repeated key (`key=a&key=!b&key=>c`).
fn repeated(path: &str, values: &[String]) -> Result<Filter, ConnectorError> {
    let mut any = Vec::new();
    let mut none = Vec::new();
    // Operators other than `!`: the last occurrence of each operator wins, as in the translator.
    let mut operators: Vec<(char, bool, Filter)> = Vec::new();
    for value in values {
        if let Some(rest) = value.strip_prefix('!') {
            none.push(convert_value(rest));
        } else if let Some(condition) = operator(value)? {
            let mut chars = value.chars();
            let op = chars.next().unwrap_or(' ');
            let with_eq = chars.next() == Some('=') && matches!(op, '<' | '>');
            // `^`, `$` and `~` all become one `$regex`, so they replace each other.
            let key = if matches!(op, '^' | '$' | '~') {
                '~'
            } else {
                op
            };
            operators.retain(|(o, e, _)| !(*o == key && *e == with_eq));
            operators.push((key, with_eq, field(path, condition)?));
        } else {
            any.push(convert_value(value));
        }
    }
    let mut parts = Vec::new();
    if !any.is_empty() {
        parts.push(field(path, Condition::In(any))?);
    }
    if !none.is_empty() {
        parts.push(field(path, Condition::Nin(none))?);
    }
    parts.extend(operators.into_iter().map(|(_, _, f)| f));
    Ok(Filter::And(parts))
}

fn field(path: &str, condition: Condition) -> Result<Filter, ConnectorError> {
    Filter::field(path, condition).map_err(|e| ConnectorError::validation(e.to_string()))
}

/// Translates `pairs` into a filter. `allowed` lists the accepted query keys with the stored
/// field each maps to; any other key is the real validation error.
pub fn translate(pairs: &QueryPairs, allowed: &[(&str, &str)]) -> Result<Filter, ConnectorError> {
    let mut parts = Vec::new();
    for (key, values) in pairs {
        let Some((_, path)) = allowed.iter().find(|(k, _)| k == key) else {
            return Err(ConnectorError::validation(
                "query must NOT have additional properties",
            ));
        };
        match values.as_slice() {
            [] => {}
            [one] => parts.push(single(path, one)?),
            many => parts.push(repeated(path, many)?),
        }
    }
    Ok(Filter::And(parts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ALLOWED: &[(&str, &str)] = &[
        ("status", "status"),
        ("createdAt", "createdAt"),
        ("content.subject", "content.subject"),
        ("size", "size"),
    ];

    fn filter(query: &str) -> Filter {
        translate(&parse_query_string(query), ALLOWED).unwrap()
    }

    fn doc() -> Value {
        json!({"status": "Active", "createdAt": "2025-01-02T00:00:00.000Z", "content": {"subject": "Hello World"}, "size": 10})
    }

    #[test]
    fn values_are_converted() {
        assert_eq!(convert_value("TRUE"), json!(true));
        assert_eq!(convert_value("12"), json!(12));
        assert_eq!(convert_value("1.5"), json!(1.5));
        assert_eq!(convert_value("-3"), json!(-3));
        assert_eq!(convert_value("12abc"), json!("12abc"));
        assert_eq!(convert_value("Infinity"), json!("Infinity"));
        assert_eq!(convert_value("did:e:x"), json!("did:e:x"));
    }

    #[test]
    fn single_value_operators() {
        let d = doc();
        assert!(filter("status=Active").matches(&d));
        assert!(!filter("status=!Active").matches(&d));
        assert!(filter("status=").matches(&d));
        assert!(!filter("status=!").matches(&d));
        assert!(filter("size=>9&size=<=10").matches(&d));
        assert!(!filter("size=>10").matches(&d));
        assert!(filter("createdAt=>2025-01-01T00:00:00.000Z").matches(&d));
        assert!(filter("content.subject=^hello").matches(&d));
        assert!(filter("content.subject=$WORLD").matches(&d));
        assert!(filter("content.subject=~lo%20wo").matches(&d));
        assert!(filter("content.subject=~lo+wo").matches(&d));
        assert!(!filter("content.subject=~bye").matches(&d));
    }

    #[test]
    fn repeated_keys() {
        let d = doc();
        assert!(filter("status=Pending&status=Active").matches(&d));
        assert!(!filter("status=!Active&status=!Pending").matches(&d));
        assert!(filter("status=!Pending&status=!Rejected").matches(&d));
        assert!(filter("size=>1&size=>9").matches(&d), "last > wins");
        assert!(!filter("size=>9&size=>11").matches(&d));
    }

    #[test]
    fn unknown_keys_and_bad_patterns_are_validation_errors() {
        let err = translate(&parse_query_string("nope=1"), ALLOWED).unwrap_err();
        assert_eq!(err.to_string(), "query must NOT have additional properties");
        assert_eq!(err.code(), "error.runtime.validation.invalidPropertyValue");
        assert!(translate(&parse_query_string("status=~("), ALLOWED).is_err());
        assert!(
            translate(&parse_query_string("tags[]=x"), ALLOWED).is_err(),
            "brackets are literal"
        );
    }
}
