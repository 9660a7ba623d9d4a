//! The request flow over messages (content-model §7.1), driven by the transport's events:
//! a received `Request` becomes an incoming request, a received `ResponseWrapper` completes the
//! outgoing request it answers. Both are idempotent, so the catch-up over the stored messages
//! (at start and after the listener fell behind) may repeat what the events already did.

use connector_store::{Condition, Filter};
use connector_transport::documents;
use connector_transport::outbox::consumer::{Backoff, Outcome};
use connector_transport::{Result, TransportError, TransportEvent};
use serde_json::{Value, json};

use crate::events;
use crate::items::{self, content};
use crate::records::{LocalAttribute, LocalRequest, LocalResponse, RequestStatus, Source};
use crate::templates::TemplateOutcome;
use crate::{Consumption, now};

/// The outbox consumer of the consumption reactions.
pub const CONSUMER: &str = "consumption";

/// Starts the consumption reactions as a consumer of the outbox with a cursor of its own, so a
/// lagging or crashed listener misses no event: what it had not handled is handled by the next
/// holder of its lease (this or another replica). Reactions are idempotent; events they publish
/// get ids derived from the event they react to, so a reaction run twice emits them once.
pub fn spawn_listener(consumption: Consumption) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        // The stored messages first, as before any event (both are idempotent, but not meant to
        // race on one message).
        if let Err(e) = consumption.catch_up().await {
            tracing::warn!(error = %e, "consumption catch-up over stored messages failed");
        }
        // Beside the listener: it may wait for claims another replica holds.
        let resuming = consumption.clone();
        tokio::spawn(async move {
            if let Err(e) = resuming.resume_unfinished().await {
                tracing::warn!(error = %e, "resuming unfinished requests failed");
            }
        });
        let Some(outbox) = consumption.transport().events().outbox().cloned() else {
            tracing::error!("the transport has no outbox; the consumption reactions do not run");
            return;
        };
        let consumer = connector_transport::outbox::consumer::spawn(
            outbox,
            CONSUMER.to_owned(),
            Backoff::default(),
            move |event| {
                let consumption = consumption.clone();
                async move {
                    crate::delay_at_test_hook().await;
                    consumption.on_event(&event).await
                }
            },
        );
        let _ = consumer.await;
    })
}

impl Consumption {
    /// Reacts to one event. A reaction that failed for a passing reason (the Backbone or the
    /// store unreachable, e.g. while sending an automatic answer) is tried again by the consumer
    /// with backoff; the reactions are idempotent and a retry picks up the request the failed
    /// attempt left unfinished. Other failures are logged and the event is done.
    async fn on_event(&self, event: &TransportEvent) -> Outcome {
        let outcome = match event.name() {
            "transport.messageReceived" => {
                let outcome = self.process_received_message(&event.data).await;
                self.announce_message_without_request(&event.data).await;
                self.announce_mail(&event.data).await;
                outcome
            }
            "transport.peerRelationshipTemplateLoaded" => {
                self.process_peer_template(&event.data).await
            }
            "transport.relationshipChanged" => {
                let hooks = self.apply_relationship_lifecycle(&event.data).await;
                let from_template = self.relationship_from_own_template(&event.data).await;
                hooks.and(from_template.map(|_| ()))
            }
            _ => return Outcome::Done,
        };
        match outcome {
            Ok(()) => Outcome::Done,
            Err(e) if e.is_transient() => {
                tracing::warn!(error = %e, event = %event.namespace, id = ?event.data.get("id"), "consumption could not process an event for now; it is tried again");
                Outcome::Retry(e.to_string())
            }
            Err(e) => {
                tracing::warn!(error = %e, event = %event.namespace, id = ?event.data.get("id"), "consumption could not process an event");
                Outcome::Done
            }
        }
    }

    /// Applies a received message (its `MessageDTO`) to the requests.
    pub async fn process_received_message(&self, message: &Value) -> Result<()> {
        let text = |name: &str| {
            message
                .get(name)
                .and_then(Value::as_str)
                .unwrap_or_default()
        };
        if message.get("isOwn") == Some(&Value::Bool(true)) {
            return Ok(());
        }
        let content = &message["content"];
        match content.get("@type").and_then(Value::as_str) {
            Some("Request") => {
                let Some(request) = self
                    .incoming_request_received(content, text("createdBy"), text("id"))
                    .await?
                else {
                    return self.finish_request_of(content, text("id"), message).await;
                };
                crate::abort_at_test_hook("incoming-request-stored");
                // As the runtime's DeciderModule: the message is processed once its new request
                // was decided automatically or left to a manual decision. A passing failure is
                // announced by the retry that gets past it.
                let decided = self.decide_automatically(&request).await;
                let result = match &decided {
                    Ok(true) => "RequestAutomaticallyDecided",
                    Ok(false) => "ManualRequestDecisionRequired",
                    Err(e) if e.is_transient() => return decided.map(drop),
                    Err(_) => "Error",
                };
                self.publish(
                    events::MESSAGE_PROCESSED,
                    json!({"message": message, "result": result}),
                )
                .await;
                decided?;
            }
            Some("ResponseWrapper")
                if content.get("requestSourceType").and_then(Value::as_str) == Some("Message") =>
            {
                self.outgoing_request_completed(
                    &content["response"],
                    text("createdBy"),
                    text("id"),
                    text("createdAt"),
                )
                .await?;
            }
            Some("ResponseWrapper")
                if content.get("requestSourceType").and_then(Value::as_str)
                    == Some("RelationshipTemplate") =>
            {
                self.outgoing_request_from_template_response(
                    content,
                    text("createdBy"),
                    text("id"),
                )
                .await?;
            }
            Some("Notification") => {
                self.notification_received(content, text("createdBy"), text("id"))
                    .await?;
            }
            _ => {}
        }
        Ok(())
    }

    /// The Request in message `message_id` is stored already (this is a retry after a passing
    /// failure, or the message came again): if its decision or answer is unfinished, it is
    /// finished now and the message announced as processed (once: the announcement's id derives
    /// from the event this reacts to).
    async fn finish_request_of(
        &self,
        request: &Value,
        message_id: &str,
        message: &Value,
    ) -> Result<()> {
        let Some(id) = request.get("id").and_then(Value::as_str) else {
            return Ok(());
        };
        let Some(stored) = documents::get::<LocalRequest>(self.store(), id).await? else {
            return Ok(());
        };
        let from_this_message = stored
            .record
            .source
            .as_ref()
            .is_some_and(|source| source.kind == "Message" && source.reference == message_id);
        let unfinished = matches!(
            stored.record.status,
            RequestStatus::DecisionRequired | RequestStatus::Decided
        );
        if !from_this_message || !unfinished || !self.resume_request(id).await? {
            return Ok(());
        }
        let finished = self.request(id, false).await?;
        if matches!(
            finished.status,
            RequestStatus::Decided | RequestStatus::Completed
        ) {
            self.publish(
                events::MESSAGE_PROCESSED,
                json!({"message": message, "result": "RequestAutomaticallyDecided"}),
            )
            .await;
        }
        Ok(())
    }

    /// A `ResponseWrapper` answering an own template's `onExistingRelationship` request arrived
    /// (content-model §7.2 step 4): the outgoing request is created with the Response's
    /// requestId, completed with the Response (source: this message) and announced by
    /// `consumption.outgoingRequestCreatedAndCompleted`. Idempotent.
    async fn outgoing_request_from_template_response(
        &self,
        wrapper: &Value,
        peer: &str,
        message_id: &str,
    ) -> Result<()> {
        let template_id = wrapper
            .get("requestSourceReference")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let template = match self.transport().template(template_id).await {
            Ok(template) if template.is_own => template,
            Ok(_) | Err(TransportError::NotFound { .. }) => return Ok(()),
            Err(e) => return Err(e),
        };
        let Some(request) = template
            .content
            .get("onExistingRelationship")
            .filter(|r| r.is_object())
        else {
            return Ok(());
        };
        let response = content::response(&wrapper["response"])?;
        let Some(id) = response.get("requestId").and_then(Value::as_str) else {
            return Ok(());
        };
        if documents::get::<LocalRequest>(self.store(), id)
            .await?
            .is_some()
        {
            return Ok(());
        }
        let now = now();
        let mut local = LocalRequest {
            id: id.to_owned(),
            is_own: true,
            peer: peer.to_owned(),
            created_at: now.clone(),
            status: RequestStatus::Draft,
            content: content::request(request)?,
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
                kind: "Message".into(),
                reference: message_id.to_owned(),
            }),
        });
        let stored = match documents::insert(self.store(), &local).await {
            Ok(stored) => stored.record,
            Err(TransportError::Store(e)) if e.is_conflict() => return Ok(()),
            Err(e) => return Err(e),
        };
        self.publish(
            events::OUTGOING_REQUEST_CREATED_AND_COMPLETED,
            stored.to_dto(),
        )
        .await;
        Ok(())
    }

    /// Why a loaded peer template offered no new request, as the runtime reports it: a request
    /// from it is still open, a relationship to its creator blocks it (Pending, Terminated,
    /// DeletionProposed, or Active without `onExistingRelationship`), its request expired, or
    /// the request could not be read.
    /// As the runtime's RequestModule: every received message that is not a Request is processed
    /// with the result `NoRequest` (a Request's result comes once it was decided or left to a
    /// manual decision). Only on the live event, so the catch-up does not announce it again.
    async fn announce_message_without_request(&self, message: &Value) {
        if message.get("isOwn") == Some(&Value::Bool(true))
            || message["content"].get("@type").and_then(Value::as_str) == Some("Request")
        {
            return;
        }
        self.publish(
            events::MESSAGE_PROCESSED,
            json!({"message": message, "result": "NoRequest"}),
        )
        .await;
    }

    /// Offers a loaded peer template's request, lets the decider's automation config decide it
    /// (accepted without an Active relationship: the relationship is created), and announces the
    /// outcome by `consumption.relationshipTemplateProcessed`, as the runtime's DeciderModule.
    async fn process_peer_template(&self, template: &Value) -> Result<()> {
        let outcome = match self.peer_template_loaded(template).await {
            Ok(TemplateOutcome::Offered(id)) => self.decide_offered(id).await,
            other => other,
        };
        let processed = match &outcome {
            Ok(outcome) => outcome.processed_event(template),
            Err(_) => json!({"template": template, "result": "Error"}),
        };
        self.publish(events::RELATIONSHIP_TEMPLATE_PROCESSED, processed)
            .await;
        outcome.map(|_| ())
    }

    /// The automation config's go at an offered template request.
    async fn decide_offered(&self, id: String) -> Result<TemplateOutcome> {
        let request = self.request(&id, false).await?;
        Ok(if self.decide_automatically(&request).await? {
            TemplateOutcome::AutomaticallyDecided(id)
        } else {
            TemplateOutcome::Offered(id)
        })
    }

    /// Re-applies every stored received Request / ResponseWrapper message (idempotent).
    pub async fn catch_up(&self) -> Result<()> {
        let filter = Filter::And(vec![
            Filter::eq("isOwn", false)?,
            Filter::field(
                "content.@type",
                Condition::In(vec![
                    "Request".into(),
                    "ResponseWrapper".into(),
                    "Notification".into(),
                ]),
            )?,
        ]);
        let mut messages = self.transport().messages(&filter).await?;
        messages.sort_by(|a, b| a.created_at.cmp(&b.created_at));
        for message in messages {
            if let Err(e) = self.process_received_message(&message.to_dto()).await {
                tracing::warn!(error = %e, message = %message.id, "catch-up of a received message failed");
            }
        }
        self.catch_up_deletion_proposed().await
    }
}

/// Clears an attribute's deletion info (a peer shared it again).
pub(crate) async fn clear_deletion_info(c: &Consumption, id: &str) -> Result<()> {
    documents::update::<LocalAttribute>(c.store(), id, |a| {
        a.deletion_info = None;
        Ok(())
    })
    .await?;
    Ok(())
}
