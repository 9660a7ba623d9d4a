//! The request types of the REST API: one type per JSON body, read from the decoded JSON by
//! [`crate::http::body::Body`], with newtypes for ids and addresses ([`ids`]). Each type checks
//! what the runtime's request schema and use case check before anything happens, in the
//! runtime's order, and answers its first failure with the runtime's message; what is left to
//! the handler needs the store or the Backbone.

pub mod attributes;
pub mod challenges;
pub mod files;
pub mod identity;
pub mod ids;
pub mod messages;
pub mod relationships;
pub mod requests;
pub mod schema;
pub mod templates;
pub mod tokens;
