//! Checkers for transport-level vectors (templates, tokens, files, relationships, messages).

use serde_json::Value;

/// Claims and checks one vector; `None` if it is not a transport-level vector.
pub fn check(_vector: &Value) -> Option<Result<(), String>> {
    None
}
