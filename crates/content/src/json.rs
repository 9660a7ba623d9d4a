//! Reading helpers shared by all content types: a typed view of one JSON object that produces
//! `invalidPropertyValue` errors naming `<Type>.<property>`, JavaScript string lengths, and the
//! conventions of §1 (`null` on an optional field = absent, unknown keys ignored).

use serde_json::{Map, Value};

use crate::error::{ContentError, Result};

/// Length of a string as JavaScript counts it (UTF-16 code units).
pub fn js_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// A number as JavaScript prints it: integers without a fraction (`1.0` → `1`).
pub(crate) fn number_json(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        Value::from(n as i64)
    } else {
        Value::from(n)
    }
}

/// One JSON object being read as the class `ty`.
pub(crate) struct Obj<'a> {
    pub ty: &'static str,
    pub map: &'a Map<String, Value>,
}

impl<'a> Obj<'a> {
    /// `value` must be a JSON object; its `@type` (if present) is not checked here.
    pub fn new(ty: &'static str, value: &'a Value) -> Result<Self> {
        match value {
            Value::Object(map) => Ok(Self { ty, map }),
            _ => Err(ContentError::invalid(format!("{ty} must be a JSON object"))),
        }
    }

    /// Like [`Obj::new`] but the `@type` must be absent or equal to `ty` (fixed-class positions).
    pub fn typed(ty: &'static str, value: &'a Value) -> Result<Self> {
        let obj = Self::new(ty, value)?;
        match obj.map.get("@type") {
            None | Some(Value::Null) => Ok(obj),
            Some(Value::String(t)) if t == ty => Ok(obj),
            Some(other) => Err(ContentError::invalid(format!(
                "{ty}.@type must be \"{ty}\", got {other}"
            ))),
        }
    }

    pub fn err(&self, key: &str, why: impl std::fmt::Display) -> ContentError {
        ContentError::invalid(format!("{}.{} {}", self.ty, key, why))
    }

    /// The value of `key`; `null` counts as absent.
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    pub fn req(&self, key: &str) -> Result<&'a Value> {
        self.get(key).ok_or_else(|| self.err(key, "is required"))
    }

    pub fn opt_str(&self, key: &str) -> Result<Option<String>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.err(key, "must be a string")),
        }
    }

    pub fn req_str(&self, key: &str) -> Result<String> {
        self.opt_str(key)?
            .ok_or_else(|| self.err(key, "is required"))
    }

    /// A required string with a JavaScript length in `min..=max`.
    pub fn req_str_len(&self, key: &str, min: usize, max: usize) -> Result<String> {
        let s = self.req_str(key)?;
        self.check_len(key, &s, min, max)?;
        Ok(s)
    }

    pub fn opt_str_len(&self, key: &str, min: usize, max: usize) -> Result<Option<String>> {
        let s = self.opt_str(key)?;
        if let Some(s) = &s {
            self.check_len(key, s, min, max)?;
        }
        Ok(s)
    }

    pub fn check_len(&self, key: &str, s: &str, min: usize, max: usize) -> Result<()> {
        let len = js_len(s);
        if len > max {
            return Err(self.err(
                key,
                format!("must be at most {max} characters long (UTF-16 code units), got {len}"),
            ));
        }
        if len < min {
            return Err(self.err(
                key,
                format!("must be at least {min} characters long (UTF-16 code units), got {len}"),
            ));
        }
        Ok(())
    }

    pub fn opt_bool(&self, key: &str) -> Result<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.err(key, "must be a boolean")),
        }
    }

    pub fn req_bool(&self, key: &str) -> Result<bool> {
        self.opt_bool(key)?
            .ok_or_else(|| self.err(key, "is required"))
    }

    pub fn opt_number(&self, key: &str) -> Result<Option<f64>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_f64()
                .map(Some)
                .ok_or_else(|| self.err(key, "must be a number")),
            Some(_) => Err(self.err(key, "must be a number")),
        }
    }

    /// An optional number that must be an integer (`1.0` counts, as in JavaScript).
    pub fn opt_integer(&self, key: &str) -> Result<Option<i64>> {
        match self.opt_number(key)? {
            None => Ok(None),
            Some(n) if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 => Ok(Some(n as i64)),
            Some(_) => Err(self.err(key, "must be an integer")),
        }
    }

    /// An array of strings; a non-array is an error.
    pub fn opt_str_array(&self, key: &str) -> Result<Option<Vec<String>>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| match v {
                    Value::String(s) => Ok(s.clone()),
                    _ => Err(self.err(&format!("{key}[{i}]"), "must be a string")),
                })
                .collect::<Result<Vec<_>>>()
                .map(Some),
            Some(_) => Err(self.err(key, "must be an array")),
        }
    }

    /// A required array (of anything) with at least `min` elements.
    pub fn req_array(&self, key: &str, min: usize) -> Result<&'a Vec<Value>> {
        match self.req(key)? {
            Value::Array(items) if items.len() >= min => Ok(items),
            Value::Array(_) => Err(self.err(
                key,
                format!(
                    "must have at least {min} element{}",
                    if min == 1 { "" } else { "s" }
                ),
            )),
            _ => Err(self.err(key, "must be an array")),
        }
    }

    /// `metadata`: opaque JSON. ts-serval keeps objects and arrays and turns other values into `{}`.
    pub fn opt_metadata(&self, key: &str) -> Option<Value> {
        self.get(key).map(|v| match v {
            Value::Object(_) | Value::Array(_) => v.clone(),
            _ => Value::Object(Map::new()),
        })
    }

    /// A required string that must be one of `allowed`.
    pub fn req_enum(&self, key: &str, allowed: &[&'static str]) -> Result<&'static str> {
        let s = self.req_str(key)?;
        allowed
            .iter()
            .find(|a| **a == s)
            .copied()
            .ok_or_else(|| self.err(key, format!("must be one of {allowed:?}, got \"{s}\"")))
    }
}

/// The `@type` of a union member (required there).
pub(crate) fn type_of<'a>(position: &str, value: &'a Value) -> Result<&'a str> {
    match value {
        Value::Object(map) => match map.get("@type") {
            Some(Value::String(t)) => Ok(t),
            Some(_) => Err(ContentError::invalid(format!(
                "{position}.@type must be a string"
            ))),
            None => Err(ContentError::invalid(format!(
                "{position}.@type is required"
            ))),
        },
        _ => Err(ContentError::invalid(format!(
            "{position} must be a JSON object"
        ))),
    }
}

pub(crate) fn unknown_type(position: &str, ty: &str, allowed: &[&str]) -> ContentError {
    ContentError::invalid(format!(
        "{position}: unknown @type \"{ty}\" (allowed: {})",
        allowed.join(", ")
    ))
}

/// Builds an output object that starts with `@type`.
pub(crate) struct Out(Map<String, Value>);

impl Out {
    pub fn new(ty: &str) -> Self {
        let mut map = Map::new();
        map.insert("@type".into(), Value::String(ty.into()));
        Self(map)
    }

    pub fn set(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.0.insert(key.into(), value.into());
        self
    }

    pub fn opt(mut self, key: &str, value: Option<impl Into<Value>>) -> Self {
        if let Some(v) = value {
            self.0.insert(key.into(), v.into());
        }
        self
    }

    pub fn build(self) -> Value {
        Value::Object(self.0)
    }
}

/// Tags of attributes and queries: ≤20 entries, each ≤250 characters, unique.
pub(crate) fn check_tag_shape(obj: &Obj<'_>, key: &str, tags: &[String]) -> Result<()> {
    if tags.len() > 20 {
        return Err(obj.err(
            key,
            format!("must have at most 20 elements, got {}", tags.len()),
        ));
    }
    for (i, tag) in tags.iter().enumerate() {
        obj.check_len(&format!("{key}[{i}]"), tag, 0, 250)?;
        if tags[..i].contains(tag) {
            return Err(obj.err(key, format!("must be unique (\"{tag}\" appears twice)")));
        }
    }
    Ok(())
}
