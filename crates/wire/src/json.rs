//! A JSON writer that produces exactly what JavaScript's `JSON.stringify` produces for the same value.
//!
//! Signatures in enmeshed are computed over serialized strings, so every byte matters:
//! - **Property order** is JavaScript's: keys that are array indices (`"0"`, `"17"`, canonical decimal
//!   below 2³²−1) come first in ascending numeric order, then all other keys in insertion order.
//!   `serde_json` (with `preserve_order`) keeps insertion order, which is what `JSON.parse` gives for
//!   every other key.
//! - **Strings** escape `"` `\` and the control characters below U+0020 (`\b \f \n \r \t`, the rest
//!   as lowercase `\u00xx`); everything else, including non-ASCII, `/`, U+2028 and U+2029, is written
//!   as is. (Lone surrogates, which `JSON.stringify` escapes, cannot occur in a Rust `String`.)
//! - **Numbers** use ECMAScript `Number::toString`: shortest round-trip digits, plain notation for
//!   1e-7 < |x| < 1e21, otherwise `1.5e+21` / `1e-7`; `-0` is written `0`.
//!
//! Parsing uses `serde_json` with `float_roundtrip` (enabled by this crate), so a parsed number is the
//! same double `JSON.parse` yields and prints the same digits again.
//!
//! Known gap: JSON numbers are IEEE doubles in JavaScript. Integers beyond ±2⁵³ are written here as
//! the double they round to (as `JSON.stringify(JSON.parse(text))` would), so they do not round-trip
//! exactly — the same loss the TypeScript side has.

use crate::error::{Result, WireError};
use serde_json::{Map, Number, Value};

/// Serializes `value` the way `JSON.stringify(value)` does in JavaScript.
pub fn stringify(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
    out
}

/// Parses JSON text (as `JSON.parse` would; duplicate keys keep their first position and last value).
pub fn parse(text: &str) -> Result<Value> {
    serde_json::from_str(text).map_err(|e| WireError::Json(e.to_string()))
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in js_property_order(map).into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, key);
                out.push(':');
                write_value(out, item);
            }
            out.push('}');
        }
    }
}

/// The enumeration order of a JavaScript object built by inserting `map`'s keys in order.
pub(crate) fn js_property_order(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut indices: Vec<(u32, &String, &Value)> = Vec::new();
    let mut others = Vec::with_capacity(map.len());
    for (key, value) in map {
        match array_index(key) {
            Some(index) => indices.push((index, key, value)),
            None => others.push((key, value)),
        }
    }
    if indices.is_empty() {
        return others;
    }
    indices.sort_by_key(|(index, _, _)| *index);
    indices
        .into_iter()
        .map(|(_, key, value)| (key, value))
        .chain(others)
        .collect()
}

/// `Some(n)` if `key` is an ECMAScript array index: the canonical decimal form of an integer below 2³²−1.
fn array_index(key: &str) -> Option<u32> {
    let bytes = key.as_bytes();
    if bytes.is_empty() || bytes.len() > 10 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if bytes.len() > 1 && bytes[0] == b'0' {
        return None;
    }
    let n: u64 = key.parse().ok()?;
    if n < u64::from(u32::MAX) {
        u32::try_from(n).ok()
    } else {
        None
    }
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Largest integer a double holds exactly; beyond it JavaScript prints the rounded double.
const MAX_SAFE: u64 = 1 << 53;

fn write_number(out: &mut String, n: &Number) {
    if let Some(u) = n.as_u64() {
        if u <= MAX_SAFE {
            out.push_str(&u.to_string());
            return;
        }
    } else if let Some(i) = n.as_i64()
        && i.unsigned_abs() <= MAX_SAFE
    {
        out.push_str(&i.to_string());
        return;
    }
    out.push_str(&js_number_to_string(n.as_f64().unwrap_or(f64::NAN)));
}

/// ECMAScript `Number.prototype.toString()` (radix 10) for a double.
pub fn js_number_to_string(x: f64) -> String {
    if !x.is_finite() {
        // JSON.stringify writes NaN and ±Infinity as null
        return "null".to_owned();
    }
    if x == 0.0 {
        return "0".to_owned();
    }
    // Rust's `{:e}` gives the shortest digits that round-trip, like ECMAScript requires.
    let formatted = format!("{:e}", x.abs());
    let (mantissa, exponent) = formatted
        .split_once('e')
        .unwrap_or((formatted.as_str(), "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let k = digits.len() as i32;
    let n = exponent + 1;
    let mut out = String::new();
    if x < 0.0 {
        out.push('-');
    }
    if k <= n && n <= 21 {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        let (int, frac) = digits.split_at(n as usize);
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-n) as usize));
        out.push_str(&digits);
    } else {
        let (first, rest) = digits.split_at(1);
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        out.push('e');
        out.push(if n > 0 { '+' } else { '-' });
        out.push_str(&(n - 1).abs().to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_follow_ecmascript() {
        let cases: &[(f64, &str)] = &[
            (1.0, "1"),
            (-1.5, "-1.5"),
            (0.1, "0.1"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (123456789012345680000.0, "123456789012345680000"),
            (1e-7, "1e-7"),
            (1.5e-7, "1.5e-7"),
            (0.000001, "0.000001"),
            (-0.0, "0"),
            (2.5e300, "2.5e+300"),
            (5e-324, "5e-324"),
            (f64::NAN, "null"),
        ];
        for (x, expected) in cases {
            assert_eq!(js_number_to_string(*x), *expected, "{x}");
        }
        assert_eq!(stringify(&json!(9007199254740993u64)), "9007199254740992");
        assert_eq!(stringify(&json!(-42)), "-42");
    }

    #[test]
    fn strings_escape_like_json_stringify() {
        let v = json!("a\"b\\c\n\t\u{1}\u{1f}/é\u{2028}✓");
        assert_eq!(
            stringify(&v),
            "\"a\\\"b\\\\c\\n\\t\\u0001\\u001f/é\u{2028}✓\""
        );
    }

    #[test]
    fn integer_like_keys_come_first() {
        let v = parse(r#"{"b":1,"10":2,"a":3,"2":4,"01":5,"4294967295":6}"#).expect("json");
        assert_eq!(
            stringify(&v),
            r#"{"2":4,"10":2,"b":1,"a":3,"01":5,"4294967295":6}"#
        );
    }

    /// Inputs and the output of node 20 `JSON.stringify(JSON.parse(text))`, recorded by hand.
    #[test]
    fn matches_node_json_stringify() {
        let cases = [
            (
                "[1e21,1e20,123456789012345680000,1e-7,1.5e-7,0.000001,-0,2.5e300,5e-324,0.1,0.30000000000000004,1.7976931348623157e308,9007199254740993,-9007199254740993,12345678901234567890,100,1.0,1e2,4.35,0.000123,123e-20,1.5e+22]",
                "[1e+21,100000000000000000000,123456789012345680000,1e-7,1.5e-7,0.000001,0,2.5e+300,5e-324,0.1,0.30000000000000004,1.7976931348623157e+308,9007199254740992,-9007199254740992,12345678901234567000,100,1,100,4.35,0.000123,1.23e-18,1.5e+22]",
            ),
            (
                r#""a\"b\\c\n\t\u0001\u001f/é\u2028\u2029✓\u007f\ud83d\ude00""#,
                "\"a\\\"b\\\\c\\n\\t\\u0001\\u001f/é\u{2028}\u{2029}✓\u{7f}😀\"",
            ),
            (
                r#"{"b":1,"10":2,"a":3,"2":4,"01":5,"4294967295":6,"4294967294":7,"-1":8,"1.5":9}"#,
                r#"{"2":4,"10":2,"4294967294":7,"b":1,"a":3,"01":5,"4294967295":6,"-1":8,"1.5":9}"#,
            ),
        ];
        for (input, node) in cases {
            assert_eq!(stringify(&parse(input).unwrap()), node, "{input}");
        }
    }

    #[test]
    fn malformed_json_is_an_error() {
        assert!(matches!(parse("{\"a\":"), Err(WireError::Json(_))));
    }
}
