//! `RequestValidationResultDTO` (content-model §4.4): a tree parallel to the request items.

use serde_json::{Map, Value};

pub const INHERITED_FROM_ITEM: &str = "error.consumption.requests.validation.inheritedFromItem";

/// The outcome of validating a request or one item (group).
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationResult {
    /// `(code, message)` when this node failed.
    pub error: Option<(String, String)>,
    pub items: Vec<ValidationResult>,
}

impl ValidationResult {
    pub fn success() -> Self {
        Self {
            error: None,
            items: Vec::new(),
        }
    }

    pub fn error(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            error: Some((code.into(), message.into())),
            items: Vec::new(),
        }
    }

    /// A parent of `items`: failed with `inheritedFromItem` when any child failed.
    pub fn from_items(items: Vec<ValidationResult>) -> Self {
        let error = items.iter().any(Self::is_error).then(|| {
            (
                INHERITED_FROM_ITEM.to_owned(),
                "Some child items have errors. If this error occurred during the specification of a Request, call 'canCreate' to get more information.".to_owned(),
            )
        });
        Self { error, items }
    }

    pub fn is_error(&self) -> bool {
        self.error.is_some()
    }

    /// The DTO: `{isSuccess, code?, message?, items}`.
    pub fn to_dto(&self) -> Value {
        let mut map = Map::new();
        map.insert("isSuccess".into(), Value::Bool(self.error.is_none()));
        if let Some((code, message)) = &self.error {
            map.insert("code".into(), code.clone().into());
            map.insert("message".into(), message.clone().into());
        }
        map.insert(
            "items".into(),
            Value::Array(self.items.iter().map(Self::to_dto).collect()),
        );
        Value::Object(map)
    }

    /// The first real (non-inherited) error in the tree, or this node's.
    pub fn first_error(&self) -> Option<(String, String)> {
        match &self.error {
            Some((code, _)) if code == INHERITED_FROM_ITEM => self
                .items
                .iter()
                .find_map(Self::first_error)
                .or_else(|| self.error.clone()),
            other => other.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_failed_child_makes_the_parent_inherit_and_the_dto_is_the_runtime_shape() {
        let tree = ValidationResult::from_items(vec![
            ValidationResult::success(),
            ValidationResult::from_items(vec![ValidationResult::error("e.x", "bad")]),
        ]);
        let dto = tree.to_dto();
        assert_eq!(dto["isSuccess"], false);
        assert_eq!(dto["code"], INHERITED_FROM_ITEM);
        assert_eq!(dto["items"][0], json!({"isSuccess": true, "items": []}));
        assert_eq!(dto["items"][1]["code"], INHERITED_FROM_ITEM);
        assert_eq!(
            dto["items"][1]["items"][0],
            json!({"isSuccess": false, "code": "e.x", "message": "bad", "items": []})
        );
        assert_eq!(tree.first_error(), Some(("e.x".into(), "bad".into())));
        assert_eq!(
            ValidationResult::from_items(vec![ValidationResult::success()]).to_dto(),
            json!({"isSuccess": true, "items": [{"isSuccess": true, "items": []}]})
        );
    }
}
