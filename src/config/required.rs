//! Keys that no default provides. They are checked on the merged tree before it is deserialised,
//! so that every missing one is reported in the same run (serde stops at the first), each with the
//! form it accepts; placeholders then stand in for them so the remaining checks can run too.

use serde_json::Value;

use super::ConfigError;

/// Dotted key, JSON pointer, accepted form, placeholder that passes every later check.
const REQUIRED: &[(&str, &str, &str, &str)] = &[
    (
        "transportLibrary.baseUrl",
        "/transportLibrary/baseUrl",
        "the Backbone's URL, starting with 'http://' or 'https://' (environment: transportLibrary__baseUrl)",
        "http://placeholder.invalid",
    ),
    (
        "transportLibrary.platformClientId",
        "/transportLibrary/platformClientId",
        "the Backbone's OAuth client id, a non-empty string (environment: PLATFORM_CLIENT_ID or transportLibrary__platformClientId)",
        "placeholder",
    ),
    (
        "transportLibrary.platformClientSecret",
        "/transportLibrary/platformClientSecret",
        "the Backbone's OAuth client secret, a non-empty string (environment: PLATFORM_CLIENT_SECRET or transportLibrary__platformClientSecret)",
        "placeholder",
    ),
];

/// One error per required key that is absent, null or an empty string; the tree gets a
/// placeholder in its place (it is only used to find further problems, never to run).
pub(super) fn take_missing(tree: &mut Value) -> Vec<ConfigError> {
    let mut missing = Vec::new();
    for (key, pointer, form, placeholder) in REQUIRED {
        let present = match tree.pointer(pointer) {
            None | Some(Value::Null) => false,
            Some(Value::String(text)) => !text.trim().is_empty(),
            Some(_) => true,
        };
        if present {
            continue;
        }
        missing.push(ConfigError::invalid(key, format!("is required: {form}")));
        let (parent, leaf) = pointer.rsplit_once('/').unwrap_or(("", pointer));
        if tree.pointer(parent).is_none_or(|p| !p.is_object())
            && let Some(root) = tree.as_object_mut()
        {
            root.insert(
                parent.trim_start_matches('/').to_owned(),
                Value::Object(Default::default()),
            );
        }
        if let Some(object) = tree.pointer_mut(parent).and_then(Value::as_object_mut) {
            object.insert(leaf.to_owned(), Value::from(*placeholder));
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_missing_key_is_named_and_filled() {
        let mut tree = json!({ "transportLibrary": { "platformClientId": "  " }, "debug": false });
        let missing = take_missing(&mut tree);
        let text: Vec<String> = missing.iter().map(ToString::to_string).collect();
        assert_eq!(text.len(), 3, "{text:?}");
        assert!(
            text[1].contains("'transportLibrary.platformClientId'")
                && text[1].contains("PLATFORM_CLIENT_ID")
        );
        assert_eq!(
            tree["transportLibrary"]["platformClientSecret"],
            "placeholder"
        );
        assert!(take_missing(&mut tree).is_empty());
        let mut none = json!({});
        assert_eq!(take_missing(&mut none).len(), 3);
        assert_eq!(
            none["transportLibrary"]["baseUrl"],
            "http://placeholder.invalid"
        );
    }
}
