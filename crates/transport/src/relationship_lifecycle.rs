//! The relationship state machine from this identity's side: create from a peer template, the
//! templator's answer, termination, reactivation and decomposition, and the sync appliers that
//! learn of the peer's moves.
//!
//! Every change to the stored secrets goes through compare-and-set, and the creation response is
//! encrypted (counter advanced and persisted) before it leaves for the Backbone.

use backbone_client::dto::{
    CreateRelationshipRequest, Relationship, RelationshipMetadata, RelationshipStatus,
};
use nmshd_crypto::RelationshipRequestSecrets;
use nmshd_wire::relationship::{
    build_creation_content, build_creation_response_content, open_creation_response_content,
    templator_open_creation_content,
};
use serde_json::{Value, json};

use crate::Transport;
use crate::documents::{self, Record};
use crate::error::{Result, TransportError};
use crate::relationships::{PeerIdentity, RelationshipRecord, RelationshipRole};

/// `transport.relationshipChanged`.
pub const RELATIONSHIP_CHANGED: &str = "transport.relationshipChanged";

fn public_key_text(key: &nmshd_crypto::SignaturePublicKey) -> String {
    nmshd_crypto::b64url_encode(key.to_json(false).as_bytes())
}

/// The peer decision endpoints after the create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationshipAction {
    Reject,
    Revoke,
    Terminate,
    RequestReactivation,
    AcceptReactivation,
    RejectReactivation,
    RevokeReactivation,
}

impl Transport {
    /// Whether a relationship from the peer template `template_id` can be created, with the
    /// transport's checks and codes: no open relationship to the peer locally, template not
    /// expired, Backbone `CanCreate`.
    pub async fn can_create_relationship(&self, template_id: &str) -> Result<()> {
        let template = self.template(template_id).await?;
        if template.is_own {
            return Err(TransportError::rule(
                "error.transport.relationships.operationOnlyAllowedForPeer",
                "a relationship cannot be created from an own template",
            ));
        }
        let peer = template.created_by.as_str();
        let open = self
            .relationships(&connector_store::Filter::eq("peer", peer)?)
            .await?
            .into_iter()
            .find(|r| {
                matches!(
                    r.status,
                    RelationshipStatus::Pending
                        | RelationshipStatus::Active
                        | RelationshipStatus::Terminated
                        | RelationshipStatus::DeletionProposed
                )
            });
        if let Some(existing) = open {
            return Err(TransportError::rule(
                "error.transport.relationships.relationshipCurrentlyExists",
                format!(
                    "No new Relationship to the peer can be created as a Relationship in status '{}' currently exists.",
                    existing.status.as_str()
                ),
            ));
        }
        let expired = template
            .expires_at
            .as_deref()
            .and_then(|at| nmshd_wire::CoreDate::parse(at).ok())
            .is_some_and(|at| at.unix_millis() <= nmshd_wire::CoreDate::now().unix_millis());
        if expired {
            return Err(TransportError::rule(
                "error.transport.relationships.relationshipTemplateIsExpired",
                format!(
                    "The RelationshipTemplate '{template_id}' is already expired and therefore cannot be used to create a Relationship."
                ),
            ));
        }
        let answer = self.backbone().can_create_relationship(peer).await?;
        if answer.can_create {
            return Ok(());
        }
        let code = answer.code.unwrap_or_default();
        Err(match code.as_str() {
            "error.platform.validation.relationship.relationshipToTargetAlreadyExists" => {
                TransportError::rule(
                    "error.transport.relationships.relationshipNotYetDecomposedByPeer",
                    "No new Relationship can be created as the former Relationship is not yet decomposed by the peer.",
                )
            }
            "error.platform.validation.relationship.peerIsToBeDeleted" => TransportError::rule(
                "error.transport.relationships.activeIdentityDeletionProcessOfOwnerOfRelationshipTemplate",
                "The Identity that created the RelationshipTemplate is currently in the process of deleting itself. Thus, it is not possible to establish a Relationship to it.",
            ),
            _ => TransportError::rule(
                code,
                format!("a relationship to '{peer}' cannot be created"),
            ),
        })
    }

    /// Requestor: creates a relationship from a loaded peer template.
    pub async fn create_relationship(
        &self,
        template_id: &str,
        creation_content: Value,
    ) -> Result<RelationshipRecord> {
        self.can_create_relationship(template_id).await?;
        let template = self.template(template_id).await?;
        let request_secrets = RelationshipRequestSecrets::from_peer(
            &template.template_public_key()?,
            &template.templator_public_key()?,
        )?;
        let account = self.account();
        let built = build_creation_content(
            creation_content.clone(),
            &account.wire_identity(),
            template_id,
            &request_secrets,
            &account.device_key(),
            nmshd_crypto::random_bytes(),
        )?;
        let created = self
            .backbone()
            .create_relationship(&CreateRelationshipRequest {
                relationship_template_id: template_id.to_owned(),
                creation_content: built.creation_content,
            })
            .await?;
        let mut record = RelationshipRecord::new(
            created.id.clone(),
            template_id.to_owned(),
            created.status.clone(),
            PeerIdentity {
                address: template.created_by.clone(),
                public_key: public_key_text(&template.templator_public_key()?),
            },
            creation_content,
            created.audit_log.clone(),
            RelationshipRole::Requestor,
            created.created_at.clone(),
        );
        record.set_request_secrets(&request_secrets);
        let stored = documents::insert(self.store(), &record).await?.record;
        self.publish_changed(&stored).await;
        Ok(stored)
    }

    /// Templator: accepts a pending relationship with the encrypted creation response.
    pub async fn accept_relationship(&self, id: &str) -> Result<RelationshipRecord> {
        let stored = self.relationship(id).await?.record;
        require_status(&stored, &RelationshipStatus::Pending)?;
        if stored.role != RelationshipRole::Templator {
            return Err(TransportError::rule(
                "error.transport.relationships.operationOnlyAllowedForPeer",
                format!(
                    "Only your peer can accept the relationship {id}. Revoke the relationship instead."
                ),
            ));
        }
        let device_key = self.account().device_key();
        // The counter advances and is stored before the content leaves.
        let content = self
            .with_secrets_mut(id, |secrets| {
                Ok(build_creation_response_content(id, secrets, &device_key)?
                    .creation_response_content)
            })
            .await?;
        let metadata = self.backbone().accept_relationship(id, &content).await?;
        self.apply_metadata(&metadata).await
    }

    /// The other state changes: reject, revoke, terminate and the reactivation steps, with the
    /// transport's checks (status, who made the last move) before the Backbone call.
    pub async fn change_relationship(
        &self,
        id: &str,
        action: RelationshipAction,
    ) -> Result<RelationshipRecord> {
        let stored = self.relationship(id).await?.record;
        check_action(&stored, action)?;
        let backbone = self.backbone();
        let metadata = match action {
            RelationshipAction::Reject => backbone.reject_relationship(id, None).await?,
            RelationshipAction::Revoke => backbone.revoke_relationship(id, None).await?,
            RelationshipAction::Terminate => backbone.terminate_relationship(id).await?,
            RelationshipAction::RequestReactivation => {
                backbone.request_relationship_reactivation(id).await?
            }
            RelationshipAction::AcceptReactivation => {
                backbone.accept_relationship_reactivation(id).await?
            }
            RelationshipAction::RejectReactivation => {
                backbone.reject_relationship_reactivation(id).await?
            }
            RelationshipAction::RevokeReactivation => {
                backbone.revoke_relationship_reactivation(id).await?
            }
        };
        self.apply_metadata(&metadata).await
    }

    /// Decomposes on the Backbone, then removes the relationship and what belonged to it locally.
    pub async fn decompose_relationship(&self, id: &str) -> Result<()> {
        let stored = self.relationship(id).await?.record;
        if !matches!(
            stored.status,
            RelationshipStatus::Terminated | RelationshipStatus::DeletionProposed
        ) {
            return Err(wrong_status(&stored));
        }
        self.backbone().decompose_relationship(id).await?;
        self.store()
            .delete(RelationshipRecord::COLLECTION, id, None)
            .await?;
        self.clean_up_decomposed(&stored).await?;
        self.events()
            .publish(
                "transport.relationshipDecomposedBySelf",
                json!({ "relationshipId": id }),
            )
            .await;
        Ok(())
    }

    /// Stores status and audit log from a state change the Backbone answered.
    async fn apply_metadata(&self, metadata: &RelationshipMetadata) -> Result<RelationshipRecord> {
        let stored = documents::update::<RelationshipRecord>(self.store(), &metadata.id, |r| {
            r.status = metadata.status.clone();
            r.audit_log = metadata.audit_log.clone();
            Ok(())
        })
        .await?
        .record;
        self.publish_changed(&stored).await;
        Ok(stored)
    }

    /// After an own step: `transport.relationshipChanged`, plus the reactivation event when the
    /// step was one (as the runtime's RelationshipsController publishes them).
    async fn publish_changed(&self, record: &RelationshipRecord) {
        let dto = record.to_dto();
        self.events()
            .publish(RELATIONSHIP_CHANGED, dto.clone())
            .await;
        let reason = record.audit_log.last().map(|e| e.reason.as_str());
        match reason {
            Some("ReactivationRequested") => {
                self.events()
                    .publish("transport.relationshipReactivationRequested", dto)
                    .await
            }
            Some(
                "AcceptanceOfReactivation" | "RejectionOfReactivation" | "RevocationOfReactivation",
            ) => {
                self.events()
                    .publish("transport.relationshipReactivationCompleted", dto)
                    .await
            }
            _ => {}
        }
    }

    /// Sync: a relationship changed on the Backbone (new, answered, terminated, reactivated, …).
    /// As the runtime's external event processors: the event's own announcement
    /// (`announce`, for the reactivation events) always, then `transport.relationshipChanged` only
    /// when the audit log grew, so a step that arrives as several external events (or again)
    /// is announced once.
    pub(crate) async fn apply_relationship_event(
        &self,
        payload: &Value,
        announce: Option<&'static str>,
    ) -> Result<()> {
        let id = relationship_id(payload)?;
        let relationship = self.backbone().get_relationship(id).await?;
        let (stored, grew) = match documents::get::<RelationshipRecord>(self.store(), id).await? {
            None => match self.receive_new_relationship(&relationship).await? {
                Some(stored) => (stored, true),
                None => return Ok(()),
            },
            Some(old) => {
                let before = old.record.audit_log.len();
                let stored = self.update_from_backbone(&relationship).await?;
                let grew = stored.audit_log.len() != before;
                (stored, grew)
            }
        };
        let dto = stored.to_dto();
        if let Some(namespace) = announce {
            self.events().publish(namespace, dto.clone()).await;
        }
        if grew {
            self.events().publish(RELATIONSHIP_CHANGED, dto).await;
        }
        Ok(())
    }

    /// Stores a relationship on an own template; `None` when another replica stored it first.
    async fn receive_new_relationship(
        &self,
        relationship: &Relationship,
    ) -> Result<Option<RelationshipRecord>> {
        let metadata = &relationship.metadata;
        if metadata.to != self.address() {
            return Err(TransportError::not_found("Relationship", &metadata.id));
        }
        let template = self.template(&metadata.relationship_template_id).await?;
        let creation_content = relationship.creation_content.as_deref().ok_or_else(|| {
            TransportError::rule(
                "error.transport.relationships.noCreationContent",
                "the Backbone returned the relationship without creation content",
            )
        })?;
        let (secrets, opened) =
            templator_open_creation_content(creation_content, &template.template_keypair()?)?;
        if opened.wrapper.identity.address != metadata.from
            || opened.wrapper.template_id != metadata.relationship_template_id
        {
            return Err(TransportError::rule(
                "error.transport.relationships.creationContentMismatch",
                "the creation content names another requestor or template",
            ));
        }
        let mut record = RelationshipRecord::new(
            metadata.id.clone(),
            metadata.relationship_template_id.clone(),
            metadata.status.clone(),
            PeerIdentity {
                address: metadata.from.clone(),
                public_key: public_key_text(&opened.wrapper.identity.public_key),
            },
            opened.wrapper.content,
            metadata.audit_log.clone(),
            RelationshipRole::Templator,
            metadata.created_at.clone(),
        );
        record.set_secrets(&secrets);
        let stored = match documents::insert(self.store(), &record).await {
            // Another replica stored it first (a redelivered event): nothing new.
            Err(TransportError::Store(e)) if e.is_conflict() => return Ok(None),
            other => other?.record,
        };
        Ok(Some(stored))
    }

    async fn update_from_backbone(
        &self,
        relationship: &Relationship,
    ) -> Result<RelationshipRecord> {
        let metadata = &relationship.metadata;
        let response = relationship.creation_response_content.clone();
        let stored = documents::update::<RelationshipRecord>(self.store(), &metadata.id, |r| {
            r.status = metadata.status.clone();
            r.audit_log = metadata.audit_log.clone();
            if r.role == RelationshipRole::Requestor
                && !r.has_secrets()
                && let (Some(response), Some(request)) = (&response, r.request_secrets()?)
            {
                let opened = open_creation_response_content(response, &request)?;
                r.set_secrets(&opened.secrets);
            }
            Ok(())
        })
        .await?
        .record;
        Ok(stored)
    }

    /// Sync: `PeerToBeDeleted`, `PeerDeletionCancelled`, `PeerDeleted`.
    pub(crate) async fn apply_peer_deletion_event(
        &self,
        payload: &Value,
        status: Option<&'static str>,
        namespace: &'static str,
    ) -> Result<()> {
        let id = relationship_id(payload)?;
        let info = status.map(|s| {
            json!({
                "deletionStatus": s,
                "deletionDate": payload.get("deletionDate").cloned().unwrap_or(Value::Null),
            })
        });
        let stored = match documents::update::<RelationshipRecord>(self.store(), id, |r| {
            r.peer_deletion_info = info.clone();
            Ok(())
        })
        .await
        {
            // Not known here (e.g. already decomposed locally): nothing to update.
            Err(TransportError::NotFound { .. }) => return Ok(()),
            other => other?.record,
        };
        self.events().publish(namespace, stored.to_dto()).await;
        Ok(())
    }
}

fn relationship_id(payload: &Value) -> Result<&str> {
    payload
        .get("relationshipId")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            TransportError::rule(
                "error.transport.externalEventPayloadInvalid",
                "the external event has no relationshipId",
            )
        })
}

fn wrong_status(record: &RelationshipRecord) -> TransportError {
    TransportError::rule(
        "error.transport.relationships.wrongRelationshipStatus",
        format!(
            "The Relationship '{}' has the wrong status '{}' to run this operation.",
            record.id,
            record.status.as_str()
        ),
    )
}

fn require_status(record: &RelationshipRecord, status: &RelationshipStatus) -> Result<()> {
    if &record.status == status {
        Ok(())
    } else {
        Err(wrong_status(record))
    }
}

fn only_peer(message: String) -> TransportError {
    TransportError::rule(
        "error.transport.relationships.operationOnlyAllowedForPeer",
        message,
    )
}

/// The transport's preconditions of each action (`RelationshipsController`).
fn check_action(record: &RelationshipRecord, action: RelationshipAction) -> Result<()> {
    let id = &record.id;
    let last = record.audit_log.last();
    let last_by_peer = last.is_some_and(|e| e.created_by == record.peer);
    let reactivation_requested = last.is_some_and(|e| e.reason.as_str() == "ReactivationRequested");
    match action {
        RelationshipAction::Reject => {
            require_status(record, &RelationshipStatus::Pending)?;
            if !last_by_peer {
                return Err(only_peer(format!(
                    "Only your peer can reject the relationship {id}. Revoke the relationship instead."
                )));
            }
        }
        RelationshipAction::Revoke => {
            require_status(record, &RelationshipStatus::Pending)?;
            if last_by_peer {
                return Err(only_peer(format!(
                    "Only your peer can revoke the relationship {id}. Reject the relationship instead."
                )));
            }
        }
        RelationshipAction::Terminate => require_status(record, &RelationshipStatus::Active)?,
        RelationshipAction::RequestReactivation => {
            require_status(record, &RelationshipStatus::Terminated)?;
            if reactivation_requested {
                let message = if last_by_peer {
                    format!(
                        "Your peer has already requested the reactivation of the relationship {id}. You can accept the reactivation instead."
                    )
                } else {
                    format!("You have already requested the reactivation of the relationship {id}.")
                };
                return Err(TransportError::rule(
                    "error.transport.relationships.reactivationAlreadyRequested",
                    message,
                ));
            }
        }
        RelationshipAction::AcceptReactivation
        | RelationshipAction::RejectReactivation
        | RelationshipAction::RevokeReactivation => {
            require_status(record, &RelationshipStatus::Terminated)?;
            if !reactivation_requested {
                return Err(TransportError::rule(
                    "error.transport.relationships.reactivationNotRequested",
                    format!("The Relationship '{id}' has no reactivation Request to respond to."),
                ));
            }
            let (needs_peer, verb, instead) = match action {
                RelationshipAction::AcceptReactivation => (true, "accept", ""),
                RelationshipAction::RejectReactivation => (
                    true,
                    "reject",
                    " Revoke the relationship reactivation instead.",
                ),
                _ => (
                    false,
                    "revoke",
                    " Reject the relationship reactivation instead.",
                ),
            };
            if needs_peer != last_by_peer {
                return Err(only_peer(format!(
                    "Only your peer can {verb} the reactivation of the relationship {id}.{instead}"
                )));
            }
        }
    }
    Ok(())
}
