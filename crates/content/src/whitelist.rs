//! The attribute character whitelist (§3.5): every string field of an attribute value (for RelationshipAttributes
//! every string field except `title` and `description`) must consist of whitelisted characters
//! (the DIN SPEC 91379 Latin set, TAB/LF/CR, printable ASCII, Latin-1 without the soft hyphen, `’ ‡ €`).

use std::sync::LazyLock;

use regex::Regex;

use crate::attributes::Attribute;
use crate::data::WHITELIST_PATTERN;
use crate::error::{ContentError, Result, codes};
use crate::values::compile;

static WHITELIST: LazyLock<Regex> = LazyLock::new(|| compile(WHITELIST_PATTERN));

/// Whether `s` only uses whitelisted characters.
pub fn is_whitelisted(s: &str) -> bool {
    WHITELIST.is_match(s)
}

/// `error.consumption.attributes.forbiddenCharactersInAttribute` if a checked string field of the value
/// contains a character outside the whitelist.
pub fn check_attribute_characters(attribute: &Attribute) -> Result<()> {
    let (value, skip): (_, &[&str]) = match attribute {
        Attribute::Identity(a) => (&a.value, &[]),
        Attribute::Relationship(a) => (&a.value, &["title", "description"]),
    };
    let offending = value
        .fields()
        .iter()
        .filter(|(key, _)| !skip.contains(&key.as_str()))
        .find(|(_, v)| v.as_str().is_some_and(|s| !is_whitelisted(s)));
    match offending {
        Some((key, _)) => Err(ContentError::new(
            codes::FORBIDDEN_CHARACTERS_IN_ATTRIBUTE,
            format!(
                "The Attribute contains forbidden characters ({}.{key}).",
                value.type_name()
            ),
        )),
        None => Ok(()),
    }
}
