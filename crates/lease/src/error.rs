//! The error type of the lease crate.

/// Errors of every lease backend. Losing a lease is not an error: `renew`/`release` answer
/// `false` and a [`crate::LeaseGuard`] signals it.
#[derive(Debug, thiserror::Error)]
pub enum LeaseError {
    /// A bad lease name or TTL.
    #[error("invalid lease request: {0}")]
    Invalid(String),
    /// The backend cannot be reached (refused, timed out, connection dropped).
    #[error("the lease backend is unreachable: {0}")]
    Unavailable(String),
    /// The backend answered with an error.
    #[error("the lease backend failed: {0}")]
    Backend(String),
}

/// Result alias of this crate.
pub type Result<T, E = LeaseError> = std::result::Result<T, E>;
