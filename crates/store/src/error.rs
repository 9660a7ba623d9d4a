//! The one error type of the store crate.

/// Why a write was refused because of a concurrent or duplicate write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConflictReason {
    /// `insert` found a document with the same id.
    DuplicateId,
    /// `replace`/`delete` expected another version: somebody else wrote first.
    VersionMismatch {
        /// The version the caller based its write on.
        expected: u64,
        /// The version currently stored.
        actual: u64,
    },
    /// A unique index already holds this value for another document.
    DuplicateKey {
        /// The indexed field (dotted path).
        field: String,
    },
}

impl std::fmt::Display for ConflictReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::DuplicateId => f.write_str("a document with this id already exists"),
            Self::VersionMismatch { expected, actual } => {
                write!(
                    f,
                    "expected version {expected}, but version {actual} is stored"
                )
            }
            Self::DuplicateKey { field } => {
                write!(
                    f,
                    "another document already has this value in unique field '{field}'"
                )
            }
        }
    }
}

/// Errors of every store backend.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A lost race or duplicate: the write was not applied and nothing was overwritten.
    #[error("conflict in collection '{collection}' for id '{id}': {reason}")]
    Conflict {
        /// Collection name.
        collection: String,
        /// Document id.
        id: String,
        /// What collided.
        reason: ConflictReason,
    },
    /// A write under a lease that has passed to another holder: the guarded document carries a
    /// newer fencing token than the writer's (see [`crate::fenced_update`]). Nothing was written.
    #[error(
        "write to '{collection}/{id}' refused: fencing token {token} is older than the stored {stored} (the lease passed to another holder)"
    )]
    Fenced {
        /// Collection name.
        collection: String,
        /// Document id.
        id: String,
        /// The token stored in the document (of the newer holder).
        stored: u64,
        /// The writer's token.
        token: u64,
    },
    /// `replace` of a document that does not exist (it may have been deleted concurrently).
    #[error("document '{id}' not found in collection '{collection}'")]
    NotFound {
        /// Collection name.
        collection: String,
        /// Document id.
        id: String,
    },
    /// The id is not a usable document id.
    #[error("invalid document id: {0}")]
    InvalidId(String),
    /// The collection or field name is not allowed.
    #[error("invalid name: {0}")]
    InvalidName(String),
    /// The document is not a JSON object with a string `id`, or its `version` is not a number.
    #[error("invalid document: {0}")]
    InvalidDocument(String),
    /// The data directory is used by another process (the embedded engine allows one process).
    #[error("the database '{0}' is already in use by another process")]
    AlreadyInUse(String),
    /// Stored bytes could not be decoded (corruption or a foreign file).
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The storage engine or the file system failed.
    #[error("storage backend failed: {0}")]
    Backend(String),
}

impl StoreError {
    /// True when the error is a [`StoreError::Conflict`] (lost compare-and-set race or duplicate).
    pub fn is_conflict(&self) -> bool {
        matches!(self, Self::Conflict { .. })
    }

    /// True when the error is a [`StoreError::Fenced`]: a write under a lost lease was refused.
    pub fn is_fenced(&self) -> bool {
        matches!(self, Self::Fenced { .. })
    }
}

/// Result alias of this crate.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
