//! The ts-serval serialization rules (`@js-soft/ts-serval` 2.0.14 `SerializableBase.toJSON`), by hand.
//!
//! - `serialize(verbose)` = `JSON.stringify(toJSON(verbose))`; verbose adds `"@type"` and, when the
//!   class version is not 1, `"@version"`.
//! - The members are then **sorted** with JavaScript's default sort (UTF-16 code units), so `@type`
//!   comes first and uppercase sorts before lowercase.
//! - Nested members are written non-verbose unless the declared type is a base class and the value a
//!   subclass (polymorphic members such as `content`, which arrive here as ready-made JSON values).
//! - Nested crypto objects bring their own `toJSON(false)` and keep their own member order.
//! - `enforceString` members are the *string* of the nested object's serialization.

use crate::error::{Result, WireError};
use crate::json;
use serde_json::{Map, Value};

/// A transport object with the exact JSON of its TypeScript class.
pub trait WireObject: Sized {
    /// The class name written as `"@type"`.
    const TYPE: &'static str;

    /// `toJSON(verbose)`: the JSON value, members sorted, `@type` only when verbose.
    fn to_value(&self, verbose: bool) -> Value;

    /// Reads the JSON value (verbose or not); a present `@type` must name this class.
    fn from_value(value: &Value) -> Result<Self>;

    /// `serialize(verbose)`: the exact string the TypeScript library produces.
    fn to_json(&self, verbose: bool) -> String {
        json::stringify(&self.to_value(verbose))
    }

    /// Parses a serialized string (verbose or non-verbose).
    fn from_json(text: &str) -> Result<Self> {
        Self::from_value(&json::parse(text)?)
    }
}

/// Collects the members of a ts-serval object and emits them in ts-serval order.
#[derive(Debug, Default)]
pub struct SerialObject {
    members: Vec<(String, Value)>,
}

impl SerialObject {
    /// An object without members.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a member.
    pub fn field(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.members.push((key.to_owned(), value.into()));
        self
    }

    /// Adds a member unless it is `None` (ts-serval omits `undefined` optional members).
    pub fn opt_field<V: Into<Value>>(self, key: &str, value: Option<V>) -> Self {
        match value {
            Some(v) => self.field(key, v),
            None => self,
        }
    }

    /// `toJSON(verbose)` of a class with version 1.
    pub fn finish(self, type_name: &str, verbose: bool) -> Value {
        self.finish_versioned(type_name, 1, verbose)
    }

    /// `toJSON(verbose)` of a class with the given `@version` (written only when verbose and ≠ 1).
    pub fn finish_versioned(mut self, type_name: &str, version: u32, verbose: bool) -> Value {
        if verbose {
            self.members
                .push(("@type".to_owned(), Value::from(type_name)));
            if version != 1 {
                self.members
                    .push(("@version".to_owned(), Value::from(version)));
            }
        }
        self.members.sort_by(|(a, _), (b, _)| js_cmp(a, b));
        let mut map = Map::new();
        for (key, value) in self.members {
            map.insert(key, value);
        }
        Value::Object(map)
    }
}

/// JavaScript's default `Array.prototype.sort` order for strings: by UTF-16 code units.
pub fn js_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// An `enforceString` member: the serialized string of the nested value.
pub fn enforce_string(value: &Value) -> Value {
    Value::String(json::stringify(value))
}

/// Typed read access to the members of one ts-serval object.
pub(crate) struct Fields<'a> {
    ty: &'static str,
    map: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    /// Opens `value` as an object of class `ty`; a present `@type` must equal `ty` (or one of `aliases`).
    pub(crate) fn new(value: &'a Value, ty: &'static str) -> Result<Self> {
        Self::with_aliases(value, ty, &[])
    }

    /// Like [`Fields::new`], also accepting the `@type` names in `aliases` (e.g. base classes).
    pub(crate) fn with_aliases(
        value: &'a Value,
        ty: &'static str,
        aliases: &[&str],
    ) -> Result<Self> {
        let map = value.as_object().ok_or(WireError::NotAnObject { ty })?;
        if let Some(found) = map.get("@type") {
            let found_str = found.as_str().unwrap_or_default();
            if found_str != ty && !aliases.contains(&found_str) {
                return Err(WireError::WrongType {
                    expected: ty,
                    found: found.to_string(),
                });
            }
        }
        if let Some(version) = map.get("@version")
            && version.as_u64() != Some(1)
        {
            return Err(WireError::UnsupportedVersion {
                ty,
                found: version.to_string(),
            });
        }
        Ok(Self { ty, map })
    }

    /// A member that may be absent; `null` counts as absent.
    pub(crate) fn opt(&self, key: &'static str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// A required member (absent or `null` is an error).
    pub(crate) fn req(&self, key: &'static str) -> Result<&'a Value> {
        self.opt(key).ok_or(WireError::MissingField {
            ty: self.ty,
            field: key,
        })
    }

    /// A required string member.
    pub(crate) fn str(&self, key: &'static str) -> Result<&'a str> {
        self.req(key)?
            .as_str()
            .ok_or_else(|| WireError::invalid(self.ty, key, "expected a string"))
    }

    /// An optional string member.
    pub(crate) fn opt_str(&self, key: &'static str) -> Result<Option<&'a str>> {
        match self.opt(key) {
            None => Ok(None),
            Some(v) => v
                .as_str()
                .map(Some)
                .ok_or_else(|| WireError::invalid(self.ty, key, "expected a string")),
        }
    }

    /// A required non-negative integer member.
    pub(crate) fn u64(&self, key: &'static str) -> Result<u64> {
        self.req(key)?
            .as_u64()
            .ok_or_else(|| WireError::invalid(self.ty, key, "expected a non-negative integer"))
    }

    /// A required array member.
    pub(crate) fn array(&self, key: &'static str) -> Result<&'a Vec<Value>> {
        self.req(key)?
            .as_array()
            .ok_or_else(|| WireError::invalid(self.ty, key, "expected an array"))
    }

    /// An optional array of strings.
    pub(crate) fn opt_string_list(&self, key: &'static str) -> Result<Option<Vec<String>>> {
        match self.opt(key) {
            None => Ok(None),
            Some(v) => {
                let items = v
                    .as_array()
                    .ok_or_else(|| WireError::invalid(self.ty, key, "expected an array"))?;
                items
                    .iter()
                    .map(|item| {
                        item.as_str().map(str::to_owned).ok_or_else(|| {
                            WireError::invalid(self.ty, key, "expected an array of strings")
                        })
                    })
                    .collect::<Result<Vec<_>>>()
                    .map(Some)
            }
        }
    }

    /// Wraps an error of a nested parser with this member's name.
    pub(crate) fn nested<T>(
        &self,
        key: &'static str,
        parse: impl FnOnce(&'a Value) -> Result<T>,
    ) -> Result<T> {
        let value = self.req(key)?;
        parse(value).map_err(|e| WireError::invalid(self.ty, key, e.to_string()))
    }

    /// Like [`Fields::nested`] for an optional member.
    pub(crate) fn opt_nested<T>(
        &self,
        key: &'static str,
        parse: impl FnOnce(&'a Value) -> Result<T>,
    ) -> Result<Option<T>> {
        match self.opt(key) {
            None => Ok(None),
            Some(value) => parse(value)
                .map(Some)
                .map_err(|e| WireError::invalid(self.ty, key, e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn members_sort_in_utf16_order_with_type_first() {
        let v = SerialObject::new()
            .field("b", 1)
            .field("a", 2)
            .field("B", 3)
            .field("_x", 4)
            .finish("Thing", true);
        assert_eq!(
            json::stringify(&v),
            r#"{"@type":"Thing","B":3,"_x":4,"a":2,"b":1}"#
        );
        let v = SerialObject::new().field("x", 1).finish("Thing", false);
        assert_eq!(json::stringify(&v), r#"{"x":1}"#);
    }

    #[test]
    fn version_is_written_only_when_not_one() {
        let v = SerialObject::new().finish_versioned("T", 2, true);
        assert_eq!(json::stringify(&v), r#"{"@type":"T","@version":2}"#);
        let v = SerialObject::new().finish_versioned("T", 2, false);
        assert_eq!(json::stringify(&v), "{}");
    }

    #[test]
    fn utf16_order_differs_from_byte_order_above_the_bmp() {
        // U+FF61 is one UTF-16 unit 0xFF61; U+1F600 is the surrogate pair 0xD83D 0xDE00, which sorts first
        assert_eq!(js_cmp("\u{1F600}", "\u{FF61}"), std::cmp::Ordering::Less);
    }

    #[test]
    fn wrong_type_and_version_are_rejected() {
        let v = json!({"@type": "Other"});
        assert!(matches!(
            Fields::new(&v, "Thing"),
            Err(WireError::WrongType { .. })
        ));
        let v = json!({"@type": "Thing", "@version": 2});
        assert!(matches!(
            Fields::new(&v, "Thing"),
            Err(WireError::UnsupportedVersion { .. })
        ));
        let v = json!([1]);
        assert!(matches!(
            Fields::new(&v, "Thing"),
            Err(WireError::NotAnObject { .. })
        ));
    }
}
