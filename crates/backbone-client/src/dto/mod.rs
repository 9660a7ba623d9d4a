//! Request and response bodies of the consumer API (backbone-api §5), camelCase JSON.
//!
//! Conventions: byte fields are `String`s exactly as sent/received (base64url without padding from
//! the Backbone; passwords standard base64); timestamps are ISO 8601 `String`s (the Backbone writes
//! `yyyy-MM-ddTHH:mm:ss.fffZ`); nullable or optional members are `Option`s, and optional request
//! members that are `None` are left out (as the TypeScript client does with `undefined`). Enums are
//! strings and keep unknown values in an `Other` variant.

use serde::{Deserialize, Serialize};

#[macro_use]
mod string_enum;

mod challenges;
mod devices;
mod files;
mod identities;
mod messages;
mod misc;
mod relationships;
mod sync;
mod templates;
mod tokens;

pub use challenges::*;
pub use devices::*;
pub use files::*;
pub use identities::*;
pub use messages::*;
pub use misc::*;
pub use relationships::*;
pub use sync::*;
pub use templates::*;
pub use tokens::*;

/// The `pagination` object of list responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    /// This page (1-based).
    pub page_number: u64,
    /// Effective page size.
    pub page_size: u64,
    /// `ceil(totalRecords / pageSize)`.
    pub total_pages: u64,
    /// Number of items over all pages.
    pub total_records: u64,
}

/// `{"id","createdAt"}`: what most create endpoints return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Created {
    /// The new id.
    pub id: String,
    /// Creation time.
    pub created_at: String,
}

/// `{"id"}` references (message attachments).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdRef {
    /// The referenced id.
    pub id: String,
}

impl IdRef {
    /// A reference to `id`.
    pub fn new(id: impl Into<String>) -> Self {
        Self { id: id.into() }
    }
}

/// An id with an optional password: one item of the `templates.N.*` / `tokens.N.*` list queries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdWithPassword {
    /// `RLT…` or `TOK…` id.
    pub id: String,
    /// Standard base64 password hash, if protected.
    pub password: Option<String>,
}

impl IdWithPassword {
    /// A query item without password.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            password: None,
        }
    }

    /// A query item with password.
    pub fn with_password(id: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            password: Some(password.into()),
        }
    }
}
