//! Identity metadata: free JSON values the organization keeps about itself or a peer, one per
//! (reference, key). The document id is derived from (reference, key), so concurrent upserts of
//! the same pair meet in one document (insert or compare-and-set), never in two.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Transport;
use crate::documents::{self, Record};
use crate::error::{Result, TransportError};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityMetadata {
    pub id: String,
    pub reference: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub value: Value,
}

impl Record for IdentityMetadata {
    const COLLECTION: &'static str = "IdentityMetadata";
}

fn document_id(reference: &str, key: Option<&str>) -> String {
    // A key of `None` and `Some("")` are different entries, hence the marker byte.
    let mut input = reference.as_bytes().to_vec();
    match key {
        Some(key) => {
            input.push(1);
            input.extend_from_slice(key.as_bytes());
        }
        None => input.push(0),
    }
    let digest = nmshd_crypto::hash::sha256(&input);
    format!(
        "IDM{}",
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

fn not_found() -> TransportError {
    TransportError::rule(
        "error.runtime.identityMetadata.notFound",
        "There is no stored IdentityMetadata for the specified combination of reference and key.",
    )
}

impl Transport {
    /// Stores `value` for (reference, key); the reference must be this identity or a peer.
    pub async fn upsert_identity_metadata(
        &self,
        reference: &str,
        key: Option<&str>,
        value: Value,
    ) -> Result<IdentityMetadata> {
        let familiar =
            reference == self.address() || self.relationship_to(reference).await?.is_some();
        if !familiar {
            return Err(TransportError::rule(
                "error.runtime.identityMetadata.unfamiliarReferencedIdentity",
                "The referenced identity is neither this identity nor a peer of a relationship.",
            ));
        }
        let record = IdentityMetadata {
            id: document_id(reference, key),
            reference: reference.to_owned(),
            key: key.map(str::to_owned),
            value,
        };
        match documents::insert(self.store(), &record).await {
            Ok(stored) => Ok(stored.record),
            Err(TransportError::Store(e)) if e.is_conflict() => {
                let stored = documents::update::<IdentityMetadata>(self.store(), &record.id, |r| {
                    r.value = record.value.clone();
                    Ok(())
                })
                .await?;
                Ok(stored.record)
            }
            Err(e) => Err(e),
        }
    }

    /// The value for (reference, key).
    pub async fn identity_metadata(
        &self,
        reference: &str,
        key: Option<&str>,
    ) -> Result<IdentityMetadata> {
        documents::get::<IdentityMetadata>(self.store(), &document_id(reference, key))
            .await?
            .map(|s| s.record)
            .ok_or_else(not_found)
    }

    /// Deletes the value for (reference, key).
    pub async fn delete_identity_metadata(&self, reference: &str, key: Option<&str>) -> Result<()> {
        let deleted = self
            .store()
            .delete(
                IdentityMetadata::COLLECTION,
                &document_id(reference, key),
                None,
            )
            .await?;
        if deleted { Ok(()) } else { Err(not_found()) }
    }
}
