//! `BackboneError`: every way a Backbone call can fail.
//!
//! Status mapping (backbone-api §1.3): a body of the form `{"error":{"code","message",…}}` becomes
//! [`BackboneError::Api`] whatever the status; without such a body a 404 means "wrong base URL"
//! ([`BackboneError::Unreachable`]), a 403 is `error.platform.forbidden`, and anything else is
//! [`BackboneError::UnexpectedStatus`]. A 401 is retried once with a fresh token before it surfaces as
//! [`BackboneError::Unauthorized`].
//!
//! No variant carries tokens, passwords or request bodies; transport errors have their URL removed
//! (it may hold a `password=` query parameter).

/// The error code the real client uses for 403 responses (whose bodies it never reads).
pub const CODE_FORBIDDEN: &str = "error.platform.forbidden";
/// The error code of "record not found" envelopes.
pub const CODE_RECORD_NOT_FOUND: &str = "error.platform.recordNotFound";

/// A failed Backbone call.
#[derive(Debug, thiserror::Error)]
pub enum BackboneError {
    /// The Backbone answered with an error envelope (400, 403, 404, 500, …).
    #[error("Backbone error {status} {code}: {message}")]
    Api {
        /// HTTP status.
        status: u16,
        /// The envelope's `error.code`, e.g. `error.platform.recordNotFound`.
        code: String,
        /// The envelope's `error.message`.
        message: String,
    },
    /// The call was refused with 401 even after re-authenticating once.
    #[error("the Backbone refused the access token (401) after re-authentication")]
    Unauthorized,
    /// `POST /connect/token` did not grant a token (wrong credentials, locked out, unknown client).
    #[error("the Backbone granted no access token (status {status}{})", .error.as_deref().map(|e| format!(", {e}")).unwrap_or_default())]
    NoAuthGrant {
        /// HTTP status of the token endpoint.
        status: u16,
        /// The OAuth `error` field (`invalid_grant`, `invalid_client`, `access_denied`), if any.
        error: Option<String>,
    },
    /// Connecting, sending or receiving failed (includes timeouts).
    #[error("Backbone request failed: {0}")]
    Transport(#[source] reqwest::Error),
    /// The Backbone answered 404 without an error envelope: most likely a wrong base URL.
    #[error("the Backbone is not reachable at the configured URL (404 without error body on {0})")]
    Unreachable(String),
    /// A status the client does not expect, without an error envelope.
    #[error("unexpected status {0} from the Backbone")]
    UnexpectedStatus(u16),
    /// A 200/201 response without a (non-null) `result`.
    #[error("the Backbone response has no result")]
    MissingResult,
    /// The response body could not be decoded into the expected type.
    #[error("cannot decode the Backbone response: {0}")]
    Decode(String),
    /// The client configuration is unusable (base URL, TLS setup).
    #[error("invalid Backbone client configuration: {0}")]
    Config(String),
}

impl BackboneError {
    /// Wraps a reqwest error, dropping its URL (query strings may carry passwords).
    pub(crate) fn transport(error: reqwest::Error) -> Self {
        Self::Transport(error.without_url())
    }

    /// The Backbone error code, for [`BackboneError::Api`].
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The HTTP status, where one was received.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. }
            | Self::NoAuthGrant { status, .. }
            | Self::UnexpectedStatus(status) => Some(*status),
            Self::Unauthorized => Some(401),
            Self::Unreachable(_) => Some(404),
            Self::Transport(e) => e.status().map(|s| s.as_u16()),
            Self::MissingResult | Self::Decode(_) | Self::Config(_) => None,
        }
    }

    /// A 404 error envelope (`error.platform.recordNotFound` or any other code sent with 404).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Api { status: 404, .. })
    }

    /// A 403 (`error.platform.forbidden`).
    pub fn is_forbidden(&self) -> bool {
        matches!(self, Self::Api { status: 403, .. })
    }

    /// The Backbone could not be reached (network failure, timeout, or 404 without envelope).
    pub fn is_unreachable(&self) -> bool {
        match self {
            Self::Unreachable(_) => true,
            Self::Transport(e) => e.is_connect() || e.is_timeout() || e.is_request(),
            _ => false,
        }
    }

    /// An authentication failure (token refused or no token granted).
    pub fn is_auth_failure(&self) -> bool {
        matches!(self, Self::Unauthorized | Self::NoAuthGrant { .. })
    }

    /// A validation error (`error.platform.validation…`).
    pub fn is_validation(&self) -> bool {
        self.code()
            .is_some_and(|c| c.starts_with("error.platform.validation"))
    }

    /// True if this is an [`BackboneError::Api`] error with exactly `code`.
    pub fn has_code(&self, code: &str) -> bool {
        self.code() == Some(code)
    }
}

/// Result of a Backbone call.
pub type Result<T, E = BackboneError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accessors() {
        let e = BackboneError::Api {
            status: 404,
            code: CODE_RECORD_NOT_FOUND.into(),
            message: "x".into(),
        };
        assert!(e.is_not_found());
        assert_eq!(e.code(), Some(CODE_RECORD_NOT_FOUND));
        assert_eq!(e.status(), Some(404));
        assert!(!e.is_validation());
        let v = BackboneError::Api {
            status: 400,
            code: "error.platform.validation.invalidId".into(),
            message: String::new(),
        };
        assert!(v.is_validation());
        assert!(BackboneError::Unreachable("/x".into()).is_unreachable());
        assert!(BackboneError::Unauthorized.is_auth_failure());
        let g = BackboneError::NoAuthGrant {
            status: 400,
            error: Some("invalid_grant".into()),
        };
        assert_eq!(
            g.to_string(),
            "the Backbone granted no access token (status 400, invalid_grant)"
        );
    }
}
