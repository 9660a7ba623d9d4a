//! `autoAcceptPendingRelationships` and `autoDecomposeDeletionProposedRelationships`
//! (`connector-operations.md` §2.4, §2.5): reactions to `transport.relationshipChanged`.
//!
//! Both are idempotent instead of timed (lessons-from-the-original 14: the original waits 500 ms
//! before decomposing). The transport publishes the event after the change is stored, and each
//! reaction reads the stored relationship again and acts only while it is still in the status
//! that asked for it. With several replicas, a replica that loses a race (the relationship is
//! gone or already answered, the Backbone refuses the second answer) logs that at info level.

use connector_store::Filter;
use connector_transport::outbox::consumer::{self, Backoff, Outcome};
use connector_transport::{Transport, TransportError};
use serde_json::Value;

use crate::config::Settings;

const RELATIONSHIP_CHANGED: &str = "transport.relationshipChanged";
const AUTO_ACCEPT: &str = "autoAcceptPendingRelationships";
const AUTO_DECOMPOSE: &str = "autoDecomposeDeletionProposedRelationships";

/// Starts the enabled modules as consumers of the event outbox (and the decompose module's sweep
/// at start), each with its own cursor, so no relationship change is missed.
pub fn start(settings: &Settings, transport: &Transport) {
    let Some(outbox) = transport.events().outbox().cloned() else {
        return;
    };
    if super::module(settings, AUTO_ACCEPT).is_some() {
        let transport = transport.clone();
        consumer::spawn(
            outbox.clone(),
            AUTO_ACCEPT.to_owned(),
            Backoff::default(),
            move |event| {
                let transport = transport.clone();
                async move {
                    if event.name() == RELATIONSHIP_CHANGED
                        && is_incoming_request(&event.data, transport.address())
                    {
                        accept(&transport, &event.data).await;
                    }
                    Outcome::Done
                }
            },
        );
    }
    if super::module(settings, AUTO_DECOMPOSE).is_some() {
        let sweeping = transport.clone();
        tokio::spawn(async move { decompose_all_proposed(&sweeping).await });
        let transport = transport.clone();
        consumer::spawn(
            outbox,
            AUTO_DECOMPOSE.to_owned(),
            Backoff::default(),
            move |event| {
                let transport = transport.clone();
                async move {
                    if event.name() == RELATIONSHIP_CHANGED
                        && status(&event.data) == Some("DeletionProposed")
                        && let Some(id) = id(&event.data)
                    {
                        decompose(&transport, id).await;
                    }
                    Outcome::Done
                }
            },
        );
    }
}

fn id(dto: &Value) -> Option<&str> {
    dto.get("id").and_then(Value::as_str)
}

fn status(dto: &Value) -> Option<&str> {
    dto.get("status").and_then(Value::as_str)
}

/// A request on one of our templates: Pending, one audit entry, made by the peer.
fn is_incoming_request(dto: &Value, own_address: &str) -> bool {
    let audit_log = dto.get("auditLog").and_then(Value::as_array);
    status(dto) == Some("Pending")
        && audit_log.is_some_and(|log| {
            log.len() == 1 && log[0].get("createdBy").and_then(Value::as_str) != Some(own_address)
        })
}

/// Someone else got there first: the relationship is gone or no longer in the asked-for status.
fn lost_race(error: &TransportError) -> bool {
    match error {
        TransportError::NotFound { .. } => true,
        TransportError::Rule { code, .. } => code.ends_with("wrongRelationshipStatus"),
        TransportError::Store(e) => e.is_conflict(),
        _ => false,
    }
}

async fn accept(transport: &Transport, dto: &Value) {
    let Some(id) = id(dto) else { return };
    match transport.accept_relationship(id).await {
        Ok(_) => tracing::info!(module = AUTO_ACCEPT, relationship.id = id, "accepted"),
        Err(e) if lost_race(&e) => tracing::info!(
            module = AUTO_ACCEPT,
            relationship.id = id,
            "not accepted, no longer pending: {e}"
        ),
        Err(e) => tracing::warn!(
            module = AUTO_ACCEPT,
            relationship.id = id,
            "could not accept: {e}"
        ),
    }
}

async fn decompose_all_proposed(transport: &Transport) {
    let proposed = match Filter::eq("status", "DeletionProposed") {
        Ok(filter) => transport.relationships(&filter).await,
        Err(e) => Err(e.into()),
    };
    match proposed {
        Ok(relationships) => {
            for relationship in relationships {
                decompose(transport, &relationship.id).await;
            }
        }
        Err(e) => tracing::warn!(
            module = AUTO_DECOMPOSE,
            "cannot list the relationships with status DeletionProposed: {e}"
        ),
    }
}

/// Through the consumption layer, which also removes the peer's requests and attributes.
async fn decompose(transport: &Transport, id: &str) {
    let consumption = connector_consumption::Consumption::new(transport.clone());
    match consumption.decompose_relationship(id).await {
        Ok(()) => tracing::info!(module = AUTO_DECOMPOSE, relationship.id = id, "decomposed"),
        Err(e) if lost_race(&e) => tracing::info!(
            module = AUTO_DECOMPOSE,
            relationship.id = id,
            "not decomposed, already gone: {e}"
        ),
        Err(e) => tracing::warn!(
            module = AUTO_DECOMPOSE,
            relationship.id = id,
            "could not decompose: {e}"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_a_peers_fresh_request_is_accepted() {
        let dto = |status: &str, by: &[&str]| {
            json!({
                "id": "REL1",
                "status": status,
                "auditLog": by.iter().map(|b| json!({"createdBy": b})).collect::<Vec<_>>(),
            })
        };
        assert!(is_incoming_request(
            &dto("Pending", &["did:peer"]),
            "did:me"
        ));
        assert!(!is_incoming_request(&dto("Pending", &["did:me"]), "did:me"));
        assert!(!is_incoming_request(
            &dto("Active", &["did:peer"]),
            "did:me"
        ));
        assert!(!is_incoming_request(
            &dto("Pending", &["did:peer", "did:me"]),
            "did:me"
        ));
        assert!(!is_incoming_request(
            &json!({"status": "Pending"}),
            "did:me"
        ));
    }
}
