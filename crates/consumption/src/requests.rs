//! Local requests (content-model §4.1, §5.11): outgoing (validate, create as Draft, sent → Open,
//! completed by the peer's Response) and incoming (received → DecisionRequired, then Decided by
//! the decider's automation or ManualDecisionRequired), lazy expiry, and the status-change events.

use connector_store::Filter;
use connector_transport::documents;
use connector_transport::{Result, TransportError};
use serde_json::{Value, json};

use crate::attributes::eq;
use crate::events;
use crate::items::{self, content};
use crate::records::{LocalRequest, LocalResponse, RequestStatus, Source};
use crate::validation::{INHERITED_FROM_ITEM, ValidationResult};
use crate::{Consumption, new_id, now, rule};

const ENTITY: &str = "LocalRequest";

/// Whether `expires_at` (ISO) lies before `now` (ISO); both are UTC with milliseconds, but
/// parse to be safe with other spellings.
pub(crate) fn is_past(expires_at: &str, now: &str) -> bool {
    match (
        nmshd_wire::CoreDate::parse(expires_at),
        nmshd_wire::CoreDate::parse(now),
    ) {
        (Ok(a), Ok(b)) => a.unix_millis() < b.unix_millis(),
        _ => false,
    }
}

impl Consumption {
    /// `POST /Requests/Outgoing/Validate`: the request-level rules and every item's canCreate.
    /// `peer` absent ⇒ rules needing the recipient are skipped (template requests).
    pub async fn can_create_outgoing_request(
        &self,
        request: &Value,
        peer: Option<&str>,
    ) -> Result<ValidationResult> {
        let request = content::request(request)?;
        if peer == Some(self.address()) {
            return Ok(ValidationResult::error(
                "error.consumption.requests.cannotShareRequestWithYourself",
                "You cannot share a Request with yourself.",
            ));
        }
        if let Some(expires_at) = request.get("expiresAt").and_then(Value::as_str)
            && is_past(expires_at, &now())
        {
            return Ok(ValidationResult::error(
                "error.consumption.requests.cannotCreateRequestWithExpirationDateInPast",
                "You cannot create a Request with an expiration date that is in the past.",
            ));
        }
        if let Some(peer) = peer
            && let Some(error) = self.relationship_error_for_create(peer).await?
        {
            return Ok(error);
        }
        let mut results = Vec::new();
        for item in request["items"].as_array().map_or(&[][..], Vec::as_slice) {
            if item["@type"] == "RequestItemGroup" {
                let mut inner = Vec::new();
                for nested in item["items"].as_array().map_or(&[][..], Vec::as_slice) {
                    inner.push(items::can_create(self, nested, peer).await?);
                }
                results.push(ValidationResult::from_items(inner));
            } else {
                results.push(items::can_create(self, item, peer).await?);
            }
        }
        let result = ValidationResult::from_items(results);
        if result.is_error() {
            return Ok(result);
        }
        if let Some(error) = items::key_uniqueness_within_request(&request, peer) {
            return Ok(error);
        }
        Ok(result)
    }

    async fn relationship_error_for_create(&self, peer: &str) -> Result<Option<ValidationResult>> {
        let Some(relationship) = self.transport().relationship_to(peer).await? else {
            return Ok(Some(ValidationResult::error(
                "error.consumption.requests.missingRelationship",
                format!(
                    "You cannot create a request to '{peer}' since you are not in a relationship."
                ),
            )));
        };
        let relationship = relationship.record;
        let status = relationship.status.as_str();
        if status != "Pending" && status != "Active" {
            return Ok(Some(ValidationResult::error(
                "error.consumption.requests.wrongRelationshipStatus",
                format!(
                    "You cannot create a request to '{peer}' since the relationship is in status '{status}'."
                ),
            )));
        }
        Ok(peer_deletion_error(
            relationship.peer_deletion_info.as_ref(),
            peer,
        ))
    }

    /// `POST /Requests/Outgoing`: validates, gives the request its `REQ…` id, stores it as Draft.
    pub async fn create_outgoing_request(
        &self,
        request: &Value,
        peer: &str,
    ) -> Result<LocalRequest> {
        let result = self
            .can_create_outgoing_request(request, Some(peer))
            .await?;
        if let Some((code, message)) = &result.error {
            if code == INHERITED_FROM_ITEM {
                return Err(rule(
                    INHERITED_FROM_ITEM,
                    "Some child items have errors. Call 'canCreate' to get more information.",
                ));
            }
            return Err(rule(code, message.clone()));
        }
        let id = new_id("REQ");
        let mut content = content::request(request)?;
        if let Some(map) = content.as_object_mut() {
            // `@type` first, then `id`, as the runtime renders it.
            let rest = std::mem::take(map);
            map.insert("@type".into(), "Request".into());
            map.insert("id".into(), id.clone().into());
            for (k, v) in rest {
                if k != "@type" && k != "id" {
                    map.insert(k, v);
                }
            }
        }
        let local = LocalRequest {
            id,
            is_own: true,
            peer: peer.to_owned(),
            created_at: now(),
            status: RequestStatus::Draft,
            content,
            source: None,
            response: None,
            was_automatically_decided: None,
            status_log: Vec::new(),
        };
        let stored = documents::insert(self.store(), &local).await?.record;
        self.publish(events::OUTGOING_REQUEST_CREATED, stored.to_dto())
            .await;
        Ok(stored)
    }

    /// One request of the given direction, expiring it lazily.
    pub async fn request(&self, id: &str, is_own: bool) -> Result<LocalRequest> {
        let found = documents::get::<LocalRequest>(self.store(), id)
            .await?
            .map(|s| s.record)
            .filter(|r| r.is_own == is_own)
            .ok_or_else(|| TransportError::not_found(ENTITY, id))?;
        self.expire_if_due(found).await
    }

    /// Requests of one direction matching `filter`, oldest first, expired lazily.
    pub async fn requests(&self, is_own: bool, filter: Filter) -> Result<Vec<LocalRequest>> {
        let filter = Filter::And(vec![eq("isOwn", is_own)?, filter]);
        let mut found = documents::find_records::<LocalRequest>(self.store(), &filter).await?;
        found.sort_by(|a, b| a.created_at.cmp(&b.created_at));
        let mut out = Vec::with_capacity(found.len());
        for request in found {
            out.push(self.expire_if_due(request).await?);
        }
        Ok(out)
    }

    /// Any status but Completed/Expired becomes Expired once `content.expiresAt` has passed.
    async fn expire_if_due(&self, request: LocalRequest) -> Result<LocalRequest> {
        let now = now();
        let due = |r: &LocalRequest| {
            !matches!(r.status, RequestStatus::Completed | RequestStatus::Expired)
                && r.expires_at().is_some_and(|at| is_past(at, &now))
        };
        if !due(&request) {
            return Ok(request);
        }
        let old = request.status;
        let updated = documents::update::<LocalRequest>(self.store(), &request.id, |r| {
            if due(r) {
                r.change_status(RequestStatus::Expired, &now);
            }
            Ok(())
        })
        .await?
        .record;
        self.publish_status_change(&updated, old).await;
        Ok(updated)
    }

    pub(crate) async fn publish_status_change(&self, request: &LocalRequest, old: RequestStatus) {
        if old == request.status {
            return;
        }
        let namespace = if request.is_own {
            events::OUTGOING_REQUEST_STATUS_CHANGED
        } else {
            events::INCOMING_REQUEST_STATUS_CHANGED
        };
        self.publish(
            namespace,
            json!({"request": request.to_dto(), "oldStatus": old.as_str(), "newStatus": request.status.as_str()}),
        ).await;
    }

    /// The checks `POST /Messages` runs for a Request content (the runtime's `SendMessage`):
    /// a Draft outgoing request with this id and exactly this content, for this recipient.
    pub async fn check_request_to_send(&self, content: &Value, recipient: &str) -> Result<()> {
        let Some(id) = content.get("id").and_then(Value::as_str) else {
            return Err(crate::invalid("The Request must have an id."));
        };
        let local = documents::get::<LocalRequest>(self.store(), id)
            .await?
            .map(|s| s.record)
            .filter(|r| r.is_own)
            .ok_or_else(|| TransportError::not_found("Request", id))?;
        let normalized = content::request(content)?;
        if normalized != local.content {
            return Err(crate::invalid(
                "The sent Request must have the same content as the LocalRequest.",
            ));
        }
        if let Some(at) = local.expires_at()
            && is_past(at, &now())
        {
            return Err(rule(
                "error.runtime.messages.cannotSendMessageWithExpiredRequest",
                "The Message cannot be sent as the contained Request is already expired. Please create a new Request and try again.",
            ));
        }
        if local.peer != recipient {
            return Err(crate::invalid(
                "The recipient does not match the Request's peer.",
            ));
        }
        if local.status != RequestStatus::Draft {
            return Err(rule(
                "error.runtime.messages.cannotSendRequestThatWasAlreadySent",
                "The Message cannot be sent as the contained Request has already been sent. Please create a new Request and try again.",
            ));
        }
        Ok(())
    }

    /// `sent`: the Draft outgoing request `request_id` went out in message `message_id` ⇒ Open.
    /// Idempotent (a request no longer in Draft is left alone).
    pub async fn outgoing_request_sent(&self, request_id: &str, message_id: &str) -> Result<()> {
        let Some(found) = documents::get::<LocalRequest>(self.store(), request_id).await? else {
            return Ok(());
        };
        if !found.record.is_own || found.record.status != RequestStatus::Draft {
            return Ok(());
        }
        let now = now();
        let mut changed = false;
        let updated = documents::update::<LocalRequest>(self.store(), request_id, |r| {
            changed = r.status == RequestStatus::Draft;
            if changed {
                r.change_status(RequestStatus::Open, &now);
                r.source = Some(Source {
                    kind: "Message".into(),
                    reference: message_id.to_owned(),
                });
            }
            Ok(())
        })
        .await?
        .record;
        if changed {
            items::delete::sent(self, &updated).await?;
            self.publish_status_change(&updated, RequestStatus::Draft)
                .await;
        }
        Ok(())
    }

    /// `received` + `checkPrerequisites`: a Request that arrived in message `message_id` from
    /// `peer` becomes an incoming request in DecisionRequired (the caller runs the decider). Exactly once: the record's id is the request's id, so a second
    /// delivery (another replica, a redelivered event) finds it and does nothing.
    pub async fn incoming_request_received(
        &self,
        request: &Value,
        peer: &str,
        message_id: &str,
    ) -> Result<Option<LocalRequest>> {
        let Some(id) = request.get("id").and_then(Value::as_str) else {
            tracing::warn!(
                message = message_id,
                "a received Request without an id is ignored"
            );
            return Ok(None);
        };
        if documents::get::<LocalRequest>(self.store(), id)
            .await?
            .is_some()
        {
            return Ok(None);
        }
        let content = match content::request(request) {
            Ok(content) => content,
            Err(e) => {
                tracing::warn!(message = message_id, error = %e, "a received Request does not parse");
                return Ok(None);
            }
        };
        let source = Source {
            kind: "Message".into(),
            reference: message_id.to_owned(),
        };
        self.insert_incoming(id, content, peer, source).await
    }

    /// Stores a new incoming request (Open → DecisionRequired, where the decider takes it) and
    /// announces it; `None` if the id exists already.
    pub(crate) async fn insert_incoming(
        &self,
        id: &str,
        content: Value,
        peer: &str,
        source: Source,
    ) -> Result<Option<LocalRequest>> {
        let now = now();
        let mut local = LocalRequest {
            id: id.to_owned(),
            is_own: false,
            peer: peer.to_owned(),
            created_at: now.clone(),
            status: RequestStatus::Open,
            content,
            source: Some(source),
            response: None,
            was_automatically_decided: None,
            status_log: Vec::new(),
        };
        let received = local.to_dto();
        local.change_status(RequestStatus::DecisionRequired, &now);
        let stored = match documents::insert(self.store(), &local).await {
            Ok(stored) => stored.record,
            Err(TransportError::Store(e)) if e.is_conflict() => return Ok(None),
            Err(e) => return Err(e),
        };
        self.publish(events::INCOMING_REQUEST_RECEIVED, received)
            .await;
        self.publish_status_change(&stored, RequestStatus::Open)
            .await;
        Ok(Some(stored))
    }

    /// DecisionRequired → ManualDecisionRequired once the decider's automation did not decide
    /// it; a request decided meanwhile (by a person or another replica) is left alone.
    pub(crate) async fn require_manual_decision(&self, id: &str) -> Result<()> {
        let now = now();
        let mut changed = false;
        let stored = documents::update::<LocalRequest>(self.store(), id, |r| {
            changed = r.status == RequestStatus::DecisionRequired;
            if changed {
                r.change_status(RequestStatus::ManualDecisionRequired, &now);
            }
            Ok(())
        })
        .await?
        .record;
        if changed {
            self.publish_status_change(&stored, RequestStatus::DecisionRequired)
                .await;
        }
        Ok(())
    }

    /// `complete` of an outgoing request: the peer's Response arrived in message `message_id`
    /// (created at `message_created_at`); applies each response item, then Open/Expired →
    /// Completed. Idempotent: a completed request is left alone.
    pub async fn outgoing_request_completed(
        &self,
        response: &Value,
        peer: &str,
        message_id: &str,
        message_created_at: &str,
    ) -> Result<Option<LocalRequest>> {
        let Some(request_id) = response.get("requestId").and_then(Value::as_str) else {
            return Ok(None);
        };
        let Some(found) = documents::get::<LocalRequest>(self.store(), request_id).await? else {
            return Ok(None);
        };
        let request = found.record;
        let completable = |r: &LocalRequest| {
            r.is_own
                && r.peer == peer
                && (r.status == RequestStatus::Open
                    || (r.status == RequestStatus::Expired
                        && r.expires_at()
                            .is_some_and(|at| !is_past(at, message_created_at))))
        };
        if !completable(&request) {
            return Ok(None);
        }
        let response = content::response(response)?;
        items::apply_response(self, &request, &response).await?;
        let now = now();
        let old = request.status;
        let mut changed = false;
        let updated = documents::update::<LocalRequest>(self.store(), request_id, |r| {
            changed = completable(r);
            if changed {
                r.change_status(RequestStatus::Completed, &now);
                r.response = Some(LocalResponse {
                    created_at: now.clone(),
                    content: response.clone(),
                    source: Some(Source {
                        kind: "Message".into(),
                        reference: message_id.to_owned(),
                    }),
                });
            }
            Ok(())
        })
        .await?
        .record;
        if !changed {
            return Ok(None);
        }
        self.publish_status_change(&updated, old).await;
        Ok(Some(updated))
    }
}

/// The peer-deletion rules: in deletion / deleted.
pub(crate) fn peer_deletion_error(info: Option<&Value>, peer: &str) -> Option<ValidationResult> {
    match info
        .and_then(|i| i.get("deletionStatus"))
        .and_then(Value::as_str)
    {
        Some("ToBeDeleted") => Some(ValidationResult::error(
            "error.consumption.requests.peerIsInDeletion",
            format!("You cannot create a Request to peer '{peer}' since the peer is in deletion."),
        )),
        Some("Deleted") => Some(ValidationResult::error(
            "error.consumption.requests.peerIsDeleted",
            format!("You cannot create a Request to peer '{peer}' since the peer is deleted."),
        )),
        _ => None,
    }
}
