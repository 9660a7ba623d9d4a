//! IQL (`IQLQuery.queryString`) after `@nmshd/iql`: [`parse`] reads a query into an [`Expr`] following the
//! library's PEG grammar (`||` / `&&` chains with mandatory surrounding whitespace, `!` negation, `( expr )`
//! with mandatory inner whitespace; primary field terms `GivenName`, `GivenName=Jane`,
//! `StreetAddress.city=Berlin`; metadata field terms `owner=did:…`, `tags~x`; tag terms `#tag`; predicates
//! `=`, `>`, `<`, `~` with a value quoted `'…'` (escapes `\'`, `\\`) or unquoted, or `?`).
//! [`execute`] evaluates an expression over attribute contents as the library's `execute` does;
//! [`validation_result`] is the library's `validate` answer (`IValidateResult`), error message and location
//! included.

mod ast;
mod eval;
mod js;
mod parse;

use serde_json::{Value, json};

pub use ast::{Expr, Predicate, Term};
pub use eval::{EvalError, execute};
pub use parse::{Position, SyntaxError, parse};

/// `Ok(())` if `query` is a syntactically valid IQL expression, else the 1-based column `@nmshd/iql`
/// reports (`IQLQuery`'s validator calls it the "character offset").
pub fn validate(query: &str) -> Result<(), usize> {
    parse(query).map(|_| ()).map_err(|e| e.start.column)
}

/// `@nmshd/iql`'s `validate(query)`: `{ "isValid": true }` or
/// `{ "isValid": false, "error": { "message", "location": { "start", "end" } } }`.
pub fn validation_result(query: &str) -> Value {
    match parse(query) {
        Ok(_) => json!({ "isValid": true }),
        Err(error) => {
            let position =
                |p: Position| json!({ "offset": p.offset, "line": p.line, "column": p.column });
            json!({
                "isValid": false,
                "error": {
                    "message": error.message,
                    "location": { "start": position(error.start), "end": position(error.end) },
                },
            })
        }
    }
}
