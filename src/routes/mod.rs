//! Route handlers, one module per resource.

pub mod account;
pub mod health;
pub mod monitoring;
