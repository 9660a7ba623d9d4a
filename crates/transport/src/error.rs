//! Errors of the transport layer. The Connector maps them onto its REST error codes.

use backbone_client::BackboneError;
use connector_store::StoreError;

pub type Result<T, E = TransportError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// The Backbone answered with an error or could not be reached.
    #[error(transparent)]
    Backbone(#[from] BackboneError),
    /// Local storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Cryptography failed (e.g. a peer's content did not decrypt or verify).
    #[error(transparent)]
    Crypto(#[from] nmshd_crypto::CryptoError),
    /// A wire object was malformed.
    #[error(transparent)]
    Wire(#[from] nmshd_wire::WireError),
    /// A local record does not exist.
    #[error("{entity} '{id}' not found")]
    NotFound { entity: &'static str, id: String },
    /// The request is not allowed in the current state (an `error.transport.*` code).
    #[error("{message}")]
    Rule { code: String, message: String },
    /// Onboarding failed.
    #[error("onboarding failed: {0}")]
    Onboarding(String),
    /// A write made under a lease was refused: a newer holder of the lease wrote since.
    #[error("fenced out: {0}")]
    Fenced(String),
    /// A stored document could not be read back.
    #[error("stored {collection} document is unreadable: {why}")]
    Corrupt {
        collection: &'static str,
        why: String,
    },
}

impl TransportError {
    pub fn not_found(entity: &'static str, id: impl Into<String>) -> Self {
        Self::NotFound {
            entity,
            id: id.into(),
        }
    }

    pub fn rule(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Rule {
            code: code.into(),
            message: message.into(),
        }
    }

    /// A failure that may pass by itself, so the same work is worth trying again: the Backbone
    /// unreachable or failing (5xx), or the storage engine failing.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Backbone(e) => e.is_unreachable() || e.status().is_some_and(|s| s >= 500),
            Self::Store(e) => matches!(e, StoreError::Backend(_)),
            _ => false,
        }
    }
}
