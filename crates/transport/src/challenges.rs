//! Challenges (transport `ChallengeController`): a Backbone challenge signed with the identity, the
//! device or a relationship key, and the validation of a challenge a peer signed.
//!
//! The Backbone hands out the challenge (id, expiry, creator); signing and checking the signature
//! happen here. A peer's challenge is valid only if the Backbone still knows it with the same
//! creator, it has not expired, and the signature verifies with the key of the active
//! relationship to its creator.

use backbone_client::dto::RelationshipStatus;
use nmshd_crypto::{HashAlgorithm, SignaturePublicKey, b64url_decode};
use nmshd_wire::{Challenge, ChallengeSigned, ChallengeType, CoreDate, WireObject};

use crate::Transport;
use crate::documents::Record;
use crate::error::{Result, TransportError};
use crate::relationships::RelationshipRecord;

/// The outcome of validating a peer's signed challenge.
#[derive(Debug)]
pub struct ChallengeValidation {
    pub is_valid: bool,
    /// The active relationship to the challenge's creator, when valid.
    pub relationship: Option<RelationshipRecord>,
}

impl ChallengeValidation {
    fn invalid() -> Self {
        Self {
            is_valid: false,
            relationship: None,
        }
    }
}

impl Transport {
    /// Creates a challenge on the Backbone and signs it: identity and device challenges with
    /// their keys (alg 2), relationship challenges with the relationship's signature key (alg 1).
    /// `relationship_id` is required for (and only read for) relationship challenges.
    pub async fn create_challenge(
        &self,
        challenge_type: ChallengeType,
        relationship_id: Option<&str>,
    ) -> Result<ChallengeSigned> {
        let relationship = match (challenge_type, relationship_id) {
            (ChallengeType::Relationship, Some(id)) => Some(self.relationship(id).await?.record),
            _ => None,
        };
        if challenge_type == ChallengeType::Relationship
            && relationship
                .as_ref()
                .is_none_or(|r| r.status != RelationshipStatus::Active)
        {
            return Err(TransportError::rule(
                "error.transport.challenges.challengeTypeRequiresActiveRelationship",
                "The challenge type Relationship requires an active Relationship.",
            ));
        }
        let created = self.backbone().create_challenge().await?;
        let challenge = Challenge {
            id: created.id,
            expires_at: CoreDate::parse(&created.expires_at)?,
            created_by: created.created_by,
            created_by_device: created.created_by_device,
            challenge_type,
        };
        let text = challenge.to_json(false);
        let signature = match (challenge_type, &relationship) {
            (ChallengeType::Relationship, Some(r)) => {
                self.with_secrets(&r.id, |s| Ok(s.sign(text.as_bytes())))
                    .await?
            }
            (ChallengeType::Device, _) => self
                .account()
                .device_key()
                .sign(text.as_bytes(), HashAlgorithm::Sha512),
            _ => self
                .account()
                .identity_key()
                .sign(text.as_bytes(), HashAlgorithm::Sha512),
        };
        Ok(ChallengeSigned {
            challenge: text,
            signature,
        })
    }

    /// Validates a challenge signed by a peer. Device challenges cannot be validated
    /// (`error.transport.notSupported`); a creator without an active relationship is
    /// `error.transport.recordNotFound`.
    pub async fn validate_challenge(
        &self,
        signed: &ChallengeSigned,
    ) -> Result<ChallengeValidation> {
        let challenge = signed.parsed_challenge()?;
        if challenge.expires_at.unix_millis() <= CoreDate::now().unix_millis() {
            return Ok(ChallengeValidation::invalid());
        }
        // The Backbone must know the challenge, with the same creator.
        let Ok(known) = self.backbone().get_challenge(&challenge.id).await else {
            return Ok(ChallengeValidation::invalid());
        };
        if known.id != challenge.id
            || (challenge.created_by.is_some() && known.created_by != challenge.created_by)
        {
            return Ok(ChallengeValidation::invalid());
        }
        let Some(creator) = &challenge.created_by else {
            return Ok(ChallengeValidation::invalid());
        };
        let relationship = self.active_relationship_record(creator).await?;
        let message = signed.challenge.as_bytes();
        let is_valid = match challenge.challenge_type {
            ChallengeType::Identity => {
                peer_identity_key(&relationship)?.verify(message, &signed.signature)
            }
            ChallengeType::Device => {
                return Err(TransportError::rule(
                    "error.transport.notSupported",
                    "The method is not yet supported.",
                ));
            }
            ChallengeType::Relationship => {
                self.with_secrets(&relationship.id, |s| {
                    Ok(s.verify_peer(message, &signed.signature))
                })
                .await?
            }
        };
        Ok(ChallengeValidation {
            is_valid,
            relationship: is_valid.then_some(relationship),
        })
    }

    async fn active_relationship_record(&self, peer: &str) -> Result<RelationshipRecord> {
        match self.active_relationship_to(peer).await {
            Ok(stored) => Ok(stored.record),
            Err(TransportError::Rule { .. }) => Err(TransportError::rule(
                "error.transport.recordNotFound",
                "'Relationship' not found.",
            )),
            Err(e) => Err(e),
        }
    }
}

/// The peer's identity key as the relationship stored it (`toBase64(false)`).
fn peer_identity_key(relationship: &RelationshipRecord) -> Result<SignaturePublicKey> {
    let bytes = b64url_decode(&relationship.peer_identity.public_key).map_err(corrupt_key)?;
    let json = String::from_utf8(bytes).map_err(corrupt_key)?;
    SignaturePublicKey::from_json(&json).map_err(corrupt_key)
}

fn corrupt_key(e: impl std::fmt::Display) -> TransportError {
    TransportError::Corrupt {
        collection: RelationshipRecord::COLLECTION,
        why: format!("the stored peer identity key does not parse: {e}"),
    }
}
