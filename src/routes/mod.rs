//! Route handlers, one module per resource.

pub mod account;
pub mod attributes;
pub mod challenges;
pub mod docs_ui;
pub mod files;
pub mod health;
pub mod identity_deletion;
pub(crate) mod input;
pub mod messages;
pub mod monitoring;
pub mod openapi;
pub mod qr;
pub mod relationship_templates;
pub mod relationships;
pub mod requests;
pub mod small_areas;
pub mod tokens;
