//! Leases with fencing tokens for work that only one replica may do at a time (e.g. the sync
//! with the Backbone).
//!
//! A lease is held for a time-to-live and must be renewed before it runs out; whoever holds it
//! gets a fencing token that grows with every acquisition of that name, so writes made under an
//! older lease can be recognised and refused even if their holder has not noticed the loss yet.
//!
//! * [`LeaseManager`]: the three primitives (`try_acquire`, `renew`, `release`).
//! * [`RedisLeases`]: for several replicas sharing one Redis.
//! * [`LocalLeases`]: in-process, for the embedded single-replica default.
//! * [`LeaseGuard`]: background renewal and a signal when the lease is lost, so work stops
//!   instead of carrying on unprotected.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod error;
mod guard;
mod local;
mod redis_leases;

use std::time::{Duration, Instant, SystemTime};

pub use error::{LeaseError, Result};
pub use guard::{LeaseGuard, LostSignal};
pub use local::LocalLeases;
pub use redis_leases::RedisLeases;

/// A held lease. Only the holder named here may renew or release it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// What is leased (e.g. `sync`).
    pub name: String,
    /// Who holds it: unique per process and acquisition.
    pub holder: String,
    /// Strictly increasing per name across all acquisitions, also after expiry.
    pub fencing_token: u64,
    /// Wall-clock time of the acquisition (for logs and status).
    pub acquired_at: SystemTime,
    /// Local estimate of when the lease runs out unless renewed, measured from just before the
    /// request was sent, so it never lies later than the backend's own expiry.
    pub expires_at: Instant,
}

/// Acquiring, renewing and releasing named leases. Safe to call concurrently.
#[async_trait::async_trait]
pub trait LeaseManager: Send + Sync + std::fmt::Debug {
    /// Takes the lease `name` for `ttl` if nobody holds it; `None` if somebody does.
    async fn try_acquire(&self, name: &str, ttl: Duration) -> Result<Option<Lease>>;

    /// Extends a held lease to `ttl` from now. `false` if it is no longer held by
    /// `lease.holder` (expired, released, or taken over): the holder must stop.
    async fn renew(&self, lease: &Lease, ttl: Duration) -> Result<bool>;

    /// Gives the lease up. `false` if it was no longer held by `lease.holder`.
    async fn release(&self, lease: &Lease) -> Result<bool>;

    /// Draws a new fencing token for a held lease, larger than both `above` and every token
    /// handed out so far; `None` if the lease is no longer held by `lease.holder`. For a holder
    /// whose fenced write met a token newer than its own although it still holds the lease:
    /// the token counter went backwards (Redis lost its data), and this restores the order.
    async fn raise_fencing_token(&self, lease: &Lease, above: u64) -> Result<Option<u64>>;
}

/// Longest accepted lease name (names end up in Redis keys).
const MAX_NAME_LEN: usize = 200;

/// Lease names: 1-200 bytes, no control characters and no braces (braces would change the
/// Redis Cluster hash tag that keeps a lease's keys together).
fn validate_name(name: &str) -> Result<()> {
    let bad = |c: char| c.is_control() || c == '{' || c == '}';
    if name.is_empty() || name.len() > MAX_NAME_LEN || name.contains(bad) {
        return Err(LeaseError::Invalid(format!(
            "lease name '{name}' must be 1-{MAX_NAME_LEN} bytes without control characters or braces"
        )));
    }
    Ok(())
}

/// The TTL in whole milliseconds, at least 1.
fn ttl_millis(ttl: Duration) -> Result<u64> {
    match u64::try_from(ttl.as_millis()) {
        Ok(ms) if ms > 0 => Ok(ms),
        _ => Err(LeaseError::Invalid(format!(
            "lease TTL {ttl:?} must be between 1 ms and u64::MAX ms"
        ))),
    }
}

/// A holder id unique per process and acquisition; it starts with the host name (the pod name
/// in Kubernetes) and the process id, so logs show who holds a lease.
fn new_holder() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".to_owned());
    format!(
        "{host}:{}:{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_ttls_are_checked() {
        assert!(validate_name("sync").is_ok());
        assert!(validate_name("").is_err());
        assert!(validate_name("a{b}").is_err());
        assert!(validate_name("a\nb").is_err());
        assert!(ttl_millis(Duration::from_micros(10)).is_err());
        assert_eq!(ttl_millis(Duration::from_secs(2)).unwrap(), 2000);
        assert_ne!(new_holder(), new_holder());
    }
}
