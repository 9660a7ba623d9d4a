//! Client for the enmeshed Backbone consumer API (the routes and bodies the real Backbone serves).
//!
//! - [`BackboneClient`]: configuration, the shared reqwest client and the anonymous endpoints
//!   (version, challenges, identity creation, `IsDeleted`, anonymous tokens, tags).
//! - [`AuthenticatedClient`] ([`BackboneClient::authenticated`]): one device login; a cached access
//!   token from `POST /connect/token`, renewed 10 s before expiry, renewals coalesced, one
//!   re-authentication and retry after a 401; every authenticated endpoint; lists follow
//!   `pagination.totalPages`.
//! - [`dto`]: request and response bodies. Byte fields stay base64 strings and timestamps ISO
//!   strings: cryptography and dates are the caller's business.
//! - [`BackboneError`]: error envelopes become [`BackboneError::Api`] with the Backbone's code.
//!
//! Each request runs in a `backbone.request` tracing span (method, path template, status); tokens,
//! passwords and bodies are never logged.

// unit tests may unwrap: a panic there is a failed test, not a crash on bad input
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod api;
mod auth;
mod client;
mod config;
pub mod dto;
mod envelope;
mod error;
mod http;
mod request;

pub use api::{DATAWALLET_VERSION_HEADER, SUPPORTED_DATAWALLET_VERSION};
pub use auth::RENEW_BEFORE_EXPIRY;
pub use client::{AuthenticatedClient, BackboneClient};
pub use config::{ClientConfig, DeviceCredentials};
pub use error::{BackboneError, CODE_FORBIDDEN, CODE_RECORD_NOT_FOUND, Result};
pub use http::CORRELATION_ID_HEADER;
