//! Requests on relationship templates (content-model §7.2): loading a peer's template with a
//! `RelationshipTemplateContent` creates the incoming request (source RelationshipTemplate); a
//! new relationship to an own template whose creation content carries the Response creates and
//! completes the outgoing request on the templator's side.

use connector_store::Filter;
use connector_transport::documents;
use connector_transport::{Result, TransportError};
use serde_json::{Value, json};

use crate::attributes::eq;
use crate::items::{self, content};
use crate::records::{LocalRequest, LocalResponse, RequestStatus, Source};
use crate::{Consumption, new_id, now};

/// Relationship states in which a template's request is not offered (§7.2).
const BLOCKING: [&str; 3] = ["Pending", "Terminated", "DeletionProposed"];

fn earlier<'a>(a: Option<&'a str>, b: Option<&'a str>) -> Option<&'a str> {
    match (a, b) {
        (Some(a), Some(b)) => Some(
            match (
                nmshd_wire::CoreDate::parse(a),
                nmshd_wire::CoreDate::parse(b),
            ) {
                (Ok(x), Ok(y)) if y.unix_millis() < x.unix_millis() => b,
                _ => a,
            },
        ),
        (a, b) => a.or(b),
    }
}

/// What loading a peer's template did: the `result` of `consumption.relationshipTemplateProcessed`.
#[derive(Debug)]
pub enum TemplateOutcome {
    /// Its request was offered and waits for a manual decision (its id).
    Offered(String),
    /// Its request was offered and decided by the automation config (its id).
    AutomaticallyDecided(String),
    /// Not a peer's `RelationshipTemplateContent`.
    NoRequest,
    /// A request from this template is still open (its id).
    NonCompletedRequestExists(String),
    /// A relationship to the templator blocks the request, or is Active and the template has no
    /// `onExistingRelationship` (the relationship's id).
    RelationshipExists(String),
    /// The offered request (or, without a relationship, the template) has expired.
    RequestExpired,
    /// The request could not be offered (unparseable, or its id is taken).
    Error,
}

impl TemplateOutcome {
    /// The event payload for `template`.
    pub fn processed_event(&self, template: &Value) -> Value {
        let (result, reference) = match self {
            Self::Offered(id) => ("ManualRequestDecisionRequired", Some(("requestId", id))),
            Self::AutomaticallyDecided(id) => {
                ("RequestAutomaticallyDecided", Some(("requestId", id)))
            }
            Self::NoRequest => ("NoRequest", None),
            Self::NonCompletedRequestExists(id) => {
                ("NonCompletedRequestExists", Some(("requestId", id)))
            }
            Self::RelationshipExists(id) => ("RelationshipExists", Some(("relationshipId", id))),
            Self::RequestExpired => ("RequestExpired", None),
            Self::Error => ("Error", None),
        };
        let mut event = json!({"template": template, "result": result});
        if let Some((key, id)) = reference {
            event[key] = id.clone().into();
        }
        event
    }
}

impl Consumption {
    /// A peer's template (its `RelationshipTemplateDTO`) was loaded: offer its request, or say why not.
    pub async fn peer_template_loaded(&self, template: &Value) -> Result<TemplateOutcome> {
        let text = |name: &str| {
            template
                .get(name)
                .and_then(Value::as_str)
                .unwrap_or_default()
        };
        let template_content = &template["content"];
        if template.get("isOwn") != Some(&Value::Bool(false))
            || template_content.get("@type").and_then(Value::as_str)
                != Some("RelationshipTemplateContent")
        {
            return Ok(TemplateOutcome::NoRequest);
        }
        let (template_id, peer) = (text("id"), text("createdBy"));
        let open_from_template = Filter::And(vec![
            eq("isOwn", false)?,
            eq("source.reference", template_id)?,
            Filter::field(
                "status",
                connector_store::Condition::Ne(RequestStatus::Completed.as_str().into()),
            )?,
        ]);
        if let Some(open) =
            documents::find_records::<LocalRequest>(self.store(), &open_from_template)
                .await?
                .into_iter()
                .next()
        {
            return Ok(TemplateOutcome::NonCompletedRequestExists(open.id));
        }
        let relationship = self
            .transport()
            .relationship_to(peer)
            .await?
            .map(|r| r.record);
        let status = relationship.as_ref().map(|r| r.status.as_str().to_owned());
        let relationship_id = relationship
            .as_ref()
            .map(|r| r.id.clone())
            .unwrap_or_default();
        if status.as_deref().is_some_and(|s| BLOCKING.contains(&s)) {
            return Ok(TemplateOutcome::RelationshipExists(relationship_id));
        }
        let active = status.as_deref() == Some("Active");
        let request = if active {
            template_content.get("onExistingRelationship")
        } else {
            template_content.get("onNewRelationship")
        };
        let Some(request) = request.filter(|r| r.is_object()) else {
            return Ok(if active {
                TemplateOutcome::RelationshipExists(relationship_id)
            } else {
                TemplateOutcome::Error
            });
        };
        let mut content = match content::request(request) {
            Ok(content) => content,
            Err(e) => {
                tracing::warn!(template = template_id, error = %e, "a template's Request does not parse");
                return Ok(TemplateOutcome::Error);
            }
        };
        // As the runtime: the stored content stays as the template carries it (normally without
        // an `id`); the LocalRequest's id is the content's id when present, else a new one.
        let id = match content.get("id").and_then(Value::as_str) {
            Some(id) => id.to_owned(),
            None => new_id("REQ"),
        };
        if documents::get::<LocalRequest>(self.store(), &id)
            .await?
            .is_some()
        {
            return Ok(TemplateOutcome::Error);
        }
        if !active
            && let Some(at) = earlier(
                content.get("expiresAt").and_then(Value::as_str),
                template.get("expiresAt").and_then(Value::as_str),
            )
        {
            content["expiresAt"] = at.to_owned().into();
        }
        if let Some(at) = content.get("expiresAt").and_then(Value::as_str)
            && crate::requests::is_past(at, &now())
        {
            return Ok(TemplateOutcome::RequestExpired);
        }
        let source = Source {
            kind: "RelationshipTemplate".into(),
            reference: template_id.to_owned(),
        };
        Ok(
            match self.insert_incoming(&id, content, peer, source).await? {
                Some(request) => TemplateOutcome::Offered(request.id),
                // Another replica offered it at the same moment.
                None => TemplateOutcome::NonCompletedRequestExists(id),
            },
        )
    }

    /// A relationship (its `RelationshipDTO`) to an own template appeared: if its creation
    /// content answers the template's `onNewRelationship` request, create the outgoing request
    /// and complete it with that Response (applying its items). Idempotent.
    pub async fn relationship_from_own_template(
        &self,
        relationship: &Value,
    ) -> Result<Option<LocalRequest>> {
        let text = |name: &str| {
            relationship
                .get(name)
                .and_then(Value::as_str)
                .unwrap_or_default()
        };
        let creation = &relationship["creationContent"];
        if text("status") != "Pending"
            || creation.get("@type").and_then(Value::as_str) != Some("RelationshipCreationContent")
        {
            return Ok(None);
        }
        let template = match self.transport().template(text("templateId")).await {
            Ok(t) if t.is_own => t,
            Ok(_) | Err(TransportError::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let Some(request) = template
            .content
            .get("onNewRelationship")
            .filter(|r| r.is_object())
        else {
            return Ok(None);
        };
        let response = content::response(&creation["response"])?;
        let Some(id) = response.get("requestId").and_then(Value::as_str) else {
            return Ok(None);
        };
        if documents::get::<LocalRequest>(self.store(), id)
            .await?
            .is_some()
        {
            return Ok(None);
        }
        // The runtime stores the template's request as it is: the id lives on the LocalRequest
        // (the Response's requestId), not inside the content.
        let request_content = content::request(request)?;
        let now = now();
        let mut local = LocalRequest {
            id: id.to_owned(),
            is_own: true,
            peer: text("peer").to_owned(),
            created_at: now.clone(),
            status: RequestStatus::Draft,
            content: request_content,
            source: Some(Source {
                kind: "RelationshipTemplate".into(),
                reference: template.id.clone(),
            }),
            response: None,
            was_automatically_decided: None,
            status_log: Vec::new(),
        };
        local.change_status(RequestStatus::Open, &now);
        items::apply_response(self, &local, &response).await?;
        local.change_status(RequestStatus::Completed, &now);
        local.response = Some(LocalResponse {
            created_at: now,
            content: response,
            source: Some(Source {
                kind: "Relationship".into(),
                reference: text("id").to_owned(),
            }),
        });
        let stored = match documents::insert(self.store(), &local).await {
            Ok(stored) => stored.record,
            Err(TransportError::Store(e)) if e.is_conflict() => return Ok(None),
            Err(e) => return Err(e),
        };
        self.publish(
            "consumption.outgoingRequestFromRelationshipCreationCreatedAndCompleted",
            stored.to_dto(),
        )
        .await;
        Ok(Some(stored))
    }

    /// Whether a decided incoming template request is answered by creating the relationship
    /// (no Active relationship to the templator) rather than by a ResponseWrapper message.
    pub async fn answers_by_relationship(&self, request: &LocalRequest) -> Result<bool> {
        if request.source.as_ref().map(|s| s.kind.as_str()) != Some("RelationshipTemplate") {
            return Ok(false);
        }
        let status = self
            .transport()
            .relationship_to(&request.peer)
            .await?
            .map(|r| r.record.status.as_str().to_owned());
        Ok(status.as_deref() != Some("Active"))
    }

    /// The relationship creation content answering a decided template request.
    pub fn creation_content(request: &LocalRequest) -> Value {
        let response = request
            .response
            .as_ref()
            .map_or(Value::Null, |r| r.content.clone());
        json!({"@type": "RelationshipCreationContent", "response": response})
    }
}
