//! Shared JSON plumbing for crypto objects: the `to_json`/`from_json`/`toBase64` family and strict
//! member accessors that turn every malformed input into a typed [`CryptoError`].

use crate::encoding::{b64url_array, b64url_decode, b64url_decode_utf8, b64url_encode};
use crate::error::{CryptoError, Result};
use serde_json::{Map, Value};

/// The serialization family every crypto object has (wire-formats §3).
///
/// Types also expose these as inherent methods, so callers need not import the trait.
pub trait CryptoJson: Sized {
    /// The `@type` written in verbose form.
    const TYPE_NAME: &'static str;
    /// The JSON value in `@nmshd/crypto` key order; `verbose` adds `@type`.
    fn to_value(&self, verbose: bool) -> Value;
    /// Parses the JSON value; `@type` is optional but must match when present.
    fn from_value(value: &Value) -> Result<Self>;
    /// `serialize(verbose)`: the exact JSON string.
    fn to_json(&self, verbose: bool) -> String {
        self.to_value(verbose).to_string()
    }
    /// Parses a JSON string.
    fn from_json(text: &str) -> Result<Self> {
        Self::from_value(&parse_json(text)?)
    }
    /// `toBase64()`: base64url (no padding) of the verbose JSON.
    fn to_base64(&self) -> String {
        b64url_encode(self.to_json(true).as_bytes())
    }
    /// `fromBase64()`: inverse of [`CryptoJson::to_base64`].
    fn from_base64(text: &str) -> Result<Self> {
        Self::from_json(&b64url_decode_utf8(text)?)
    }
}

/// Adds the [`CryptoJson`] family as inherent methods.
macro_rules! inherent_json {
    ($ty:ty) => {
        impl $ty {
            /// The exact JSON string (`serialize(verbose)`).
            pub fn to_json(&self, verbose: bool) -> String {
                <Self as $crate::json::CryptoJson>::to_json(self, verbose)
            }
            /// Parses the JSON string; `@type` optional.
            pub fn from_json(text: &str) -> $crate::Result<Self> {
                <Self as $crate::json::CryptoJson>::from_json(text)
            }
            /// base64url of the verbose JSON (`toBase64()`).
            pub fn to_base64(&self) -> String {
                <Self as $crate::json::CryptoJson>::to_base64(self)
            }
            /// Parses the output of `toBase64()`.
            pub fn from_base64(text: &str) -> $crate::Result<Self> {
                <Self as $crate::json::CryptoJson>::from_base64(text)
            }
            /// The JSON value, for nesting in other JSON.
            pub fn to_value(&self, verbose: bool) -> serde_json::Value {
                <Self as $crate::json::CryptoJson>::to_value(self, verbose)
            }
            /// Parses a nested JSON value.
            pub fn from_value(value: &serde_json::Value) -> $crate::Result<Self> {
                <Self as $crate::json::CryptoJson>::from_value(value)
            }
        }
    };
}
pub(crate) use inherent_json;

/// Parses JSON text into a value.
pub(crate) fn parse_json(text: &str) -> Result<Value> {
    serde_json::from_str(text).map_err(|e| CryptoError::Json(e.to_string()))
}

/// A parsed object with the class name for error messages.
pub(crate) struct Obj<'a> {
    pub map: &'a Map<String, Value>,
    pub what: &'static str,
}

impl<'a> Obj<'a> {
    /// Requires a JSON object whose `@type`, if present, equals `what`.
    pub fn new(value: &'a Value, what: &'static str) -> Result<Self> {
        let map = value.as_object().ok_or_else(|| CryptoError::Format {
            what,
            why: "expected a JSON object".into(),
        })?;
        if let Some(t) = map.get("@type")
            && t.as_str() != Some(what)
        {
            return Err(CryptoError::WrongType {
                expected: what,
                got: t.to_string(),
            });
        }
        Ok(Self { map, what })
    }

    fn err(&self, why: String) -> CryptoError {
        CryptoError::Format {
            what: self.what,
            why,
        }
    }

    /// A required member.
    pub fn get(&self, key: &str) -> Result<&'a Value> {
        self.map
            .get(key)
            .filter(|v| !v.is_null())
            .ok_or_else(|| self.err(format!("missing `{key}`")))
    }

    /// An optional member (`null` counts as absent).
    pub fn opt(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// A required string member.
    pub fn str(&self, key: &str) -> Result<&'a str> {
        self.get(key)?
            .as_str()
            .ok_or_else(|| self.err(format!("`{key}` must be a string")))
    }

    /// An optional string member.
    pub fn opt_str(&self, key: &str) -> Result<Option<String>> {
        match self.opt(key) {
            None => Ok(None),
            Some(v) => v
                .as_str()
                .map(|s| Some(s.to_owned()))
                .ok_or_else(|| self.err(format!("`{key}` must be a string"))),
        }
    }

    /// A required non-negative integer member.
    pub fn u64(&self, key: &str) -> Result<u64> {
        self.get(key)?
            .as_u64()
            .ok_or_else(|| self.err(format!("`{key}` must be a non-negative integer")))
    }

    /// A required base64url member of exactly `N` bytes.
    pub fn bytes<const N: usize>(&self, key: &str) -> Result<[u8; N]> {
        b64url_array(self.str(key)?, self.what)
    }

    /// A required base64url member of any length.
    pub fn bytes_vec(&self, key: &str) -> Result<Vec<u8>> {
        b64url_decode(self.str(key)?)
    }

    /// Requires `alg` to equal the only implemented id of its enum.
    pub fn alg(&self, enum_name: &'static str, implemented: u64) -> Result<()> {
        let v = self.get("alg")?;
        let alg = v
            .as_i64()
            .ok_or_else(|| self.err("`alg` must be an integer".into()))?;
        if alg != implemented as i64 {
            return Err(CryptoError::UnsupportedAlgorithm {
                what: enum_name,
                alg,
            });
        }
        Ok(())
    }
}

/// Builds an object from `(key, value)` pairs in the given order.
pub(crate) fn object(pairs: Vec<(&str, Value)>) -> Value {
    let mut map = Map::new();
    for (k, v) in pairs {
        map.insert(k.to_owned(), v);
    }
    Value::Object(map)
}

/// Builds an object with keys sorted like JavaScript's default sort (ts-serval, wire-formats §4).
pub(crate) fn sorted_object(mut pairs: Vec<(&str, Value)>) -> Value {
    // all keys here are ASCII, where UTF-16 code-unit order equals byte order
    pairs.sort_by(|a, b| a.0.cmp(b.0));
    object(pairs)
}

/// base64url string value.
pub(crate) fn b64v(bytes: &[u8]) -> Value {
    Value::String(b64url_encode(bytes))
}
