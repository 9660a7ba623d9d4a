//! The endpoints, one module per area, as methods on [`crate::BackboneClient`] (anonymous) and
//! [`crate::AuthenticatedClient`].

mod anonymous;
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

pub use sync::{DATAWALLET_VERSION_HEADER, SUPPORTED_DATAWALLET_VERSION};

use crate::dto::IdWithPassword;
use crate::request::Query;

/// `name.N.id` / `name.N.password` for a list of ids with passwords.
fn id_password_query(name: &str, items: &[IdWithPassword]) -> Query {
    Query::new().id_password_list(
        name,
        items.iter().map(|i| (i.id.as_str(), i.password.as_deref())),
    )
}
