//! IQL query strings (`IQLQuery.queryString`).
//! Provisional: only the emptiness check; see the crate documentation.

/// `Ok(())` if `query` is a syntactically valid IQL expression, else the 1-based character offset
/// of the first error (as `@nmshd/iql`'s `validate` reports it).
pub fn validate(query: &str) -> Result<(), usize> {
    if query.is_empty() { Err(1) } else { Ok(()) }
}
