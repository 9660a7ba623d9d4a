//! The runtime's MessageModule: a received message whose content is a `Mail` is announced by
//! `consumption.mailReceived` (payload: the MessageDTO), followed by
//! `consumption.relationshipEvent.<relationship id>` (payload: the RelationshipDTO of the
//! newest relationship to the sender) when there is one. Other contents announce nothing.

use std::collections::HashSet;
use std::sync::{LazyLock, Mutex, PoisonError};

use serde_json::Value;

use crate::Consumption;
use crate::events;

/// Event names are `&'static str` on the bus; the per-relationship names are made once each
/// (one small string per relationship that ever received a mail).
fn relationship_event_name(relationship_id: &str) -> &'static str {
    static NAMES: LazyLock<Mutex<HashSet<&'static str>>> = LazyLock::new(Default::default);
    let name = format!("{}{relationship_id}", events::RELATIONSHIP_EVENT_PREFIX);
    let mut names = NAMES.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(known) = names.get(name.as_str()) {
        return known;
    }
    let leaked: &'static str = Box::leak(name.into_boxed_str());
    names.insert(leaked);
    leaked
}

impl Consumption {
    /// On `transport.messageReceived` (live only, so a catch-up does not announce it again), when
    /// the MessageModule is enabled.
    pub async fn announce_mail(&self, message: &Value) {
        if !self.message_module
            || message.get("isOwn") == Some(&Value::Bool(true))
            || message["content"].get("@type").and_then(Value::as_str) != Some("Mail")
        {
            return;
        }
        self.publish(events::MAIL_RECEIVED, message.clone());
        let Some(sender) = message.get("createdBy").and_then(Value::as_str) else {
            return;
        };
        match self.transport().relationship_to(sender).await {
            Ok(Some(relationship)) => self.publish(
                relationship_event_name(&relationship.record.id),
                relationship.record.to_dto(),
            ),
            Ok(None) => {
                tracing::warn!(sender, "no relationship to the sender of a received mail");
            }
            Err(e) => {
                tracing::warn!(error = %e, sender, "cannot read the relationship to a mail's sender")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relationship_event_names_are_made_once_per_relationship() {
        let first = relationship_event_name("RELaaaaaaaaaaaaaaaaa");
        assert_eq!(first, "consumption.relationshipEvent.RELaaaaaaaaaaaaaaaaa");
        let again = relationship_event_name("RELaaaaaaaaaaaaaaaaa");
        assert!(std::ptr::eq(first, again));
    }
}
