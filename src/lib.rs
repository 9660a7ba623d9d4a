//! The enmeshed Connector in Rust: configuration, the HTTP edge with the real Connector's
//! envelopes, errors, authentication and routes, and the CLI commands. `main.rs` only parses
//! the command line and calls [`cli::run`].

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod api;
pub mod cli;
pub mod config;
pub mod control;
pub mod envelope;
pub mod error;
pub mod error_codes;
pub mod error_report;
pub mod health;
pub mod http;
pub mod indexes;
pub mod instrumented;
pub mod logging;
pub mod modules;
pub mod query;
pub mod routes;
pub mod sandbox;
pub mod sandbox_state;
pub mod shutdown;
pub mod startup;
pub mod state;

pub use error::{ConnectorError, Result};
