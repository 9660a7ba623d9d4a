//! Route handlers, one module per resource.

pub mod account;
pub mod challenges;
pub mod files;
pub mod health;
mod input;
pub mod messages;
pub mod monitoring;
pub mod relationship_templates;
pub mod relationships;
pub mod small_areas;
pub mod tokens;
