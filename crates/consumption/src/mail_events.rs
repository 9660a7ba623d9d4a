//! The runtime's MessageModule: a received message whose content is a `Mail` is announced by
//! `consumption.mailReceived` (payload: the MessageDTO), followed by
//! `consumption.relationshipEvent.<relationship id>` (payload: the RelationshipDTO of the
//! newest relationship to the sender) when there is one. Other contents announce nothing.

use serde_json::Value;

use crate::Consumption;
use crate::events;

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
        self.publish(events::MAIL_RECEIVED, message.clone()).await;
        let Some(sender) = message.get("createdBy").and_then(Value::as_str) else {
            return;
        };
        match self.transport().relationship_to(sender).await {
            Ok(Some(relationship)) => {
                let name = format!(
                    "{}{}",
                    events::RELATIONSHIP_EVENT_PREFIX,
                    relationship.record.id
                );
                self.publish(name, relationship.record.to_dto()).await;
            }
            Ok(None) => {
                tracing::warn!(sender, "no relationship to the sender of a received mail");
            }
            Err(e) => {
                tracing::warn!(error = %e, sender, "cannot read the relationship to a mail's sender")
            }
        }
    }
}
