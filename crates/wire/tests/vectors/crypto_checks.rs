//! Checkers for crypto-level vectors (primitives, addresses, identity challenges, references).

use serde_json::Value;

/// Claims and checks one vector; `None` if it is not a crypto-level vector.
pub fn check(_vector: &Value) -> Option<Result<(), String>> {
    None
}
