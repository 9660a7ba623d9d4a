//! Relationships and their state machine with the external events of each transition (backbone-api §5.6, §6.1).

use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::templates;
use crate::clock::format;
use crate::config::MAX_CONTENT;
use crate::error::{ApiError, ApiResult};
use crate::ids;
use crate::model::*;
use crate::server::{Backend, Caller, Reply, Request, Tx, binary_field, check_length, id_field};

use AuditReason as R;
use RelationshipStatus as S;

fn audit_dto(e: &AuditEntry) -> Value {
    json!({
        "createdAt": format(e.created_at),
        "createdBy": e.created_by,
        "createdByDevice": e.created_by_device,
        "reason": format!("{:?}", e.reason),
        "oldStatus": e.old_status.map(S::name),
        "newStatus": e.new_status.name(),
    })
}

fn metadata_dto(r: &Relationship) -> Value {
    json!({
        "id": r.id,
        "relationshipTemplateId": r.template_id,
        "from": r.from,
        "to": r.to,
        "createdAt": format(r.created_at),
        "status": r.status.name(),
        "auditLog": r.audit_log.iter().map(audit_dto).collect::<Vec<_>>(),
    })
}

fn full_dto(r: &Relationship) -> Value {
    let mut dto = metadata_dto(r);
    dto["creationContent"] = r.creation_content.clone().into();
    dto["creationResponseContent"] = r.creation_response_content.clone().into();
    dto
}

/// The relationship between two identities that blocks a new one (Pending/Active/Terminated/DeletionProposed).
fn blocking_relationship<'a>(tx: &'a Tx<'_>, a: &str, b: &str) -> Option<&'a Relationship> {
    tx.state
        .relationships
        .rows_by(&crate::db::pair_key(a, b))
        .find(|r| r.involves(a) && r.involves(b) && r.status.blocks_new_relationship())
}

fn peer_status_blocks(tx: &Tx<'_>, peer: &str) -> bool {
    tx.state
        .identities
        .get(peer)
        .is_some_and(|i| i.status.is_being_deleted())
}

/// `GET /api/v2/Relationships/CanCreate?peer=`.
pub fn can_create(backend: &Backend, req: &Request) -> ApiResult<Reply> {
    let caller = req.caller()?;
    let peer = req.query.get("peer").unwrap_or_default().to_owned();
    backend.write(|tx| {
        if !tx.state.identities.contains(&peer) {
            return Err(ApiError::new(
                actix_web::http::StatusCode::NOT_FOUND,
                "error.platform.recordNotFound",
                "Identity not found. Make sure the ID exists and the record is not expired.",
            ));
        }
        let code = if peer_status_blocks(tx, &peer) {
            Some("error.platform.validation.relationship.peerIsToBeDeleted")
        } else if blocking_relationship(tx, &caller.address, &peer).is_some() {
            Some("error.platform.validation.relationship.relationshipToTargetAlreadyExists")
        } else {
            None
        };
        Ok(Reply::Ok(
            json!({ "canCreate": code.is_none(), "code": code }),
        ))
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateRelationship {
    relationship_template_id: String,
    creation_content: Option<String>,
}

/// `POST /api/v2/Relationships`: the caller requests a relationship to the template's creator.
pub fn create(backend: &Backend, req: &Request) -> ApiResult<Reply> {
    let caller = req.caller()?;
    let body: CreateRelationship = req.json()?;
    let template_id = id_field(&body.relationship_template_id, "RLT")?;
    let content = body
        .creation_content
        .as_deref()
        .map(|c| binary_field("creationContent", c))
        .transpose()?;
    if let Some(content) = &content {
        check_length("creationContent", content, 0, MAX_CONTENT)?;
    }
    backend.write(|tx| {
        let template = templates::load_for(tx, caller, &template_id, None)?;
        let templator = template.created_by.clone();
        if templator == caller.address {
            return Err(ApiError::relationship(
                "cannotCreateRelationshipWithYourself",
                "You cannot create a relationship with yourself.",
            ));
        }
        if peer_status_blocks(tx, &templator) {
            return Err(ApiError::relationship(
                "peerIsToBeDeleted",
                "The peer is to be deleted.",
            ));
        }
        if blocking_relationship(tx, &caller.address, &templator).is_some() {
            return Err(ApiError::relationship(
                "relationshipToTargetAlreadyExists",
                "A relationship to the target already exists.",
            ));
        }
        let relationship = Relationship {
            id: ids::new_id("REL"),
            template_id,
            from: caller.address.clone(),
            to: templator.clone(),
            created_at: tx.now,
            status: S::Pending,
            audit_log: vec![AuditEntry {
                created_at: tx.now,
                created_by: caller.address.clone(),
                created_by_device: Some(caller.device.clone()),
                reason: R::Creation,
                old_status: None,
                new_status: S::Pending,
            }],
            creation_content: content.as_deref().map(crate::bytes::encode),
            creation_response_content: None,
            from_decomposed: false,
            to_decomposed: false,
        };
        let dto = metadata_dto(&relationship);
        let id = relationship.id.clone();
        tx.state.relationships.insert(id.clone(), relationship);
        tx.emit(
            &templator,
            "RelationshipStatusChanged",
            json!({ "relationshipId": id }),
            Some(&id),
            false,
        );
        Ok(Reply::Created(dto))
    })
}

/// The relationship as a participant that has not decomposed it sees it.
fn visible(tx: &Tx<'_>, caller: &Caller, id: &str) -> ApiResult<Relationship> {
    let relationship = tx
        .state
        .relationships
        .get(id)
        .filter(|r| r.involves(&caller.address))
        .ok_or_else(|| ApiError::not_found("Relationship"))?;
    if relationship.decomposed_by(&caller.address) {
        return Err(ApiError::relationship(
            "relationshipAlreadyDecomposed",
            "The relationship has already been decomposed.",
        ));
    }
    Ok(relationship.clone())
}

/// `GET /api/v2/Relationships/{id}`.
pub fn get(backend: &Backend, req: &Request, id: &str) -> ApiResult<Reply> {
    let caller = req.caller()?;
    let id = id_field(id, "REL")?;
    backend.write(|tx| Ok(Reply::Ok(full_dto(&visible(tx, caller, &id)?))))
}

/// `GET /api/v2/Relationships?ids=…`.
pub fn list(backend: &Backend, req: &Request) -> ApiResult<Reply> {
    let caller = req.caller()?;
    let wanted = req.query.all("ids");
    backend.write(|tx| {
        let found = wanted
            .iter()
            .filter_map(|id| visible(tx, caller, id).ok())
            .map(|r| full_dto(&r))
            .collect();
        Ok(Reply::Ok(Value::Array(found)))
    })
}

/// The transitions of §6.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Accept,
    Reject,
    Revoke,
    Terminate,
    RequestReactivation,
    AcceptReactivation,
    RejectReactivation,
    RevokeReactivation,
    Decompose,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct TransitionBody {
    creation_response_content: Option<String>,
}

fn not_in_status() -> ApiError {
    ApiError::relationship(
        "relationshipIsNotInCorrectStatus",
        "The relationship is not in the correct status for this operation.",
    )
}

fn last_reason(r: &Relationship) -> Option<AuditReason> {
    r.audit_log.last().map(|e| e.reason)
}

/// Who requested the open reactivation, if one is open.
fn open_reactivation_requester(r: &Relationship) -> Option<&str> {
    r.audit_log
        .last()
        .filter(|e| e.reason == R::ReactivationRequested)
        .map(|e| e.created_by.as_str())
}

/// Who gets which external event after a transition.
type EventFor = Option<(String, &'static str)>;

/// Checks the rules of a transition; returns the new state, the audit reason and who gets an event.
fn plan(r: &Relationship, caller: &str, action: Action) -> ApiResult<(S, AuditReason, EventFor)> {
    let peer = r.peer_of(caller).to_owned();
    let status_changed = |to: String| Some((to, "RelationshipStatusChanged"));
    match action {
        Action::Accept | Action::Reject => {
            if r.to != caller {
                return Err(ApiError::relationship(
                    "cannotAcceptOrRejectRelationshipAddressedToSomeoneElse",
                    "You cannot accept or reject a relationship addressed to someone else.",
                ));
            }
            if r.status != S::Pending {
                return Err(not_in_status());
            }
            Ok(if action == Action::Accept {
                (
                    S::Active,
                    R::AcceptanceOfCreation,
                    status_changed(r.from.clone()),
                )
            } else {
                (
                    S::Rejected,
                    R::RejectionOfCreation,
                    status_changed(r.from.clone()),
                )
            })
        }
        Action::Revoke => {
            if r.from != caller {
                return Err(ApiError::relationship(
                    "cannotRevokeRelationshipNotCreatedByYourself",
                    "You cannot revoke a relationship you did not create.",
                ));
            }
            if r.status != S::Pending {
                return Err(not_in_status());
            }
            Ok((
                S::Revoked,
                R::RevocationOfCreation,
                status_changed(r.to.clone()),
            ))
        }
        Action::Terminate => {
            if r.status != S::Active {
                return Err(not_in_status());
            }
            Ok((S::Terminated, R::Termination, status_changed(peer)))
        }
        Action::RequestReactivation => {
            if r.status != S::Terminated {
                return Err(not_in_status());
            }
            if last_reason(r) == Some(R::ReactivationRequested) {
                return Err(ApiError::relationship(
                    "cannotRequestReactivationWhenThereIsAnOpenReactivationRequest",
                    "There is already an open reactivation request.",
                ));
            }
            Ok((
                S::Terminated,
                R::ReactivationRequested,
                Some((peer, "RelationshipReactivationRequested")),
            ))
        }
        Action::AcceptReactivation | Action::RejectReactivation => {
            let requester = open_reactivation_requester(r).filter(|q| *q != caller);
            let Some(requester) = requester else {
                return Err(if action == Action::AcceptReactivation {
                    ApiError::relationship(
                        "noAcceptableRelationshipReactivationRequestExists",
                        "There is no reactivation request you could accept.",
                    )
                } else {
                    ApiError::relationship(
                        "noRejectableReactivationRequestExists",
                        "There is no reactivation request you could reject.",
                    )
                });
            };
            let event = Some((requester.to_owned(), "RelationshipReactivationCompleted"));
            Ok(if action == Action::AcceptReactivation {
                (S::Active, R::AcceptanceOfReactivation, event)
            } else {
                (S::Terminated, R::RejectionOfReactivation, event)
            })
        }
        Action::RevokeReactivation => {
            if open_reactivation_requester(r) != Some(caller) {
                return Err(ApiError::relationship(
                    "noRevocableReactivationRequestExists",
                    "There is no reactivation request you could revoke.",
                ));
            }
            Ok((
                S::Terminated,
                R::RevocationOfReactivation,
                Some((peer, "RelationshipReactivationCompleted")),
            ))
        }
        Action::Decompose => match r.status {
            S::Rejected | S::Revoked | S::Terminated => {
                Ok((S::DeletionProposed, R::Decomposition, status_changed(peer)))
            }
            // The peer decomposed first; the caller completes it and nobody is left to tell.
            S::DeletionProposed => Ok((S::ReadyForDeletion, R::Decomposition, None)),
            _ => Err(not_in_status()),
        },
    }
}

/// `PUT /api/v2/Relationships/{id}/<action>`.
pub fn transition(backend: &Backend, req: &Request, id: &str, action: Action) -> ApiResult<Reply> {
    let caller = req.caller()?;
    let id = id_field(id, "REL")?;
    let body: TransitionBody = req.json()?;
    let response_content = body
        .creation_response_content
        .as_deref()
        .map(|c| binary_field("creationResponseContent", c))
        .transpose()?;
    if let Some(content) = &response_content {
        check_length("creationResponseContent", content, 0, MAX_CONTENT)?;
    }
    backend.write(|tx| {
        let relationship = visible(tx, caller, &id)?;
        let (new_status, reason, event) = plan(&relationship, &caller.address, action)?;
        let entry = AuditEntry {
            created_at: tx.now,
            created_by: caller.address.clone(),
            created_by_device: Some(caller.device.clone()),
            reason,
            old_status: Some(relationship.status),
            new_status,
        };
        let dto = tx
            .state
            .relationships
            .update(&id, |r| {
                r.status = new_status;
                r.audit_log.push(entry);
                if matches!(action, Action::Accept | Action::Reject | Action::Revoke)
                    && let Some(content) = &response_content
                {
                    r.creation_response_content = Some(crate::bytes::encode(content));
                }
                if action == Action::Decompose {
                    if r.from == caller.address {
                        r.from_decomposed = true;
                    } else {
                        r.to_decomposed = true;
                    }
                }
                metadata_dto(r)
            })
            .ok_or_else(|| ApiError::not_found("Relationship"))?;
        apply_event_effects(tx, &id, &caller.address, action);
        if let Some((owner, event_type)) = event {
            tx.emit(
                &owner,
                event_type,
                json!({ "relationshipId": id }),
                Some(&id),
                false,
            );
        }
        Ok(Reply::Ok(dto))
    })
}

/// What a transition does to queued events: unblock, delete blocked, or drop the decomposer's.
fn apply_event_effects(tx: &mut Tx<'_>, relationship_id: &str, caller: &str, action: Action) {
    let in_context: Vec<(String, ExternalEvent)> = tx
        .state
        .events
        .rows_by(&crate::db::context_key(relationship_id))
        .filter(|e| e.context.as_deref() == Some(relationship_id) && e.sync_run_id.is_none())
        .map(|e| (sequence_key(&e.owner, e.index), e.clone()))
        .collect();
    for (key, event) in in_context {
        match action {
            Action::Accept | Action::AcceptReactivation if event.is_delivery_blocked => {
                tx.state
                    .events
                    .update(&key, |e| e.is_delivery_blocked = false);
                tx.notify(&event.owner);
            }
            Action::Reject | Action::Revoke if event.is_delivery_blocked => {
                tx.state.events.remove(&key);
            }
            Action::Decompose if event.owner == caller => {
                tx.state.events.remove(&key);
            }
            _ => {}
        }
    }
}
