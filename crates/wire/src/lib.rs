//! enmeshed transport objects as they travel, byte for byte as `@nmshd/transport` 7.0.0 and
//! `@nmshd/core-types` 7.0.0 serialize them (wire-formats.md §4–§11). No I/O.
//!
//! - [`json`] writes JSON exactly like `JSON.stringify`; [`serial`] applies the ts-serval rules
//!   (sorted members, `@type`/`@version`, non-verbose nesting, `enforceString`); [`CoreDate`] is the
//!   millisecond UTC timestamp.
//! - One module per transport area holds its classes (each a [`WireObject`] with exact JSON and a
//!   parser for both verbose and non-verbose input) and pure functions that run the whole chain in
//!   both directions. Randomness (keys, nonces, salts) is always a parameter, so outputs are
//!   reproducible; callers draw it with `nmshd_crypto::random_bytes` / `SecretKey::generate`.
//! - Content payloads (`Mail`, requests, arbitrary content) are `serde_json::Value`s written in
//!   their own key order.

// unit tests may unwrap: a panic there is a failed test, not a crash on bad input
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod challenge;
mod date;
mod error;
pub mod file;
mod identity;
pub mod json;
pub mod message;
mod password;
pub mod reference;
pub mod relationship;
pub mod serial;
pub mod template;
pub mod token;

pub use challenge::{Challenge, ChallengeSigned, ChallengeType, CreateIdentityBody};
pub use date::CoreDate;
pub use error::{Result, WireError};
pub use identity::Identity;
pub use password::PasswordInput;
pub use serial::{SerialObject, WireObject};
