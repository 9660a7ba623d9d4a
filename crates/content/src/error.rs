//! The one error type of this crate: an enmeshed error code plus a message naming the property and the reason.

use std::fmt;

/// Error codes used by this crate (the codes the TypeScript runtime/consumption layer answers with).
pub mod codes {
    /// Structural or value validation failed (missing required field, wrong JSON type, length, pattern, unknown `@type`).
    pub const INVALID_PROPERTY_VALUE: &str = "error.runtime.validation.invalidPropertyValue";
    /// A content object's `@type` is not registered in the runtime at all (`registry`).
    pub const UNKNOWN_TYPE: &str = "error.runtime.unknownType";
    /// A string of an attribute value contains a character outside the whitelist (§3.5).
    pub const FORBIDDEN_CHARACTERS_IN_ATTRIBUTE: &str =
        "error.consumption.attributes.forbiddenCharactersInAttribute";
    /// One or more tags are not valid for the value type (§3.6).
    pub const INVALID_TAGS: &str = "error.consumption.attributes.invalidTags";
    /// A request item cannot be created (e.g. `FormFieldSettings.canCreate`).
    pub const INVALID_REQUEST_ITEM: &str = "error.consumption.requests.invalidRequestItem";
    /// The accept parameters do not fit the request item (e.g. `FormFieldSettings.canAccept`).
    pub const INVALID_ACCEPT_PARAMETERS: &str =
        "error.consumption.requests.invalidAcceptParameters";
}

/// A content validation error: `code` is the enmeshed error code, `message` says which property failed and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentError {
    pub code: &'static str,
    pub message: String,
}

impl ContentError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// `error.runtime.validation.invalidPropertyValue` with the given message.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(codes::INVALID_PROPERTY_VALUE, message)
    }
}

impl fmt::Display for ContentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ContentError {}

pub type Result<T> = std::result::Result<T, ContentError>;
