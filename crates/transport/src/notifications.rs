//! Backbone notifications (`POST /BackboneNotifications`) and announcements, both live calls.

use backbone_client::dto::{Announcement, SendNotificationRequest};

use crate::Transport;
use crate::error::{Result, TransportError};

fn rule(name: &str, message: impl Into<String>) -> TransportError {
    TransportError::rule(
        format!("error.transport.backboneNotifications.{name}"),
        message,
    )
}

impl Transport {
    /// Sends a configured notification code to peers; each needs an active relationship.
    pub async fn send_backbone_notification(
        &self,
        recipients: &[String],
        code: &str,
    ) -> Result<()> {
        if recipients.is_empty() {
            return Err(rule(
                "atLeastOneRecipientRequired",
                "At least one recipient is required.",
            ));
        }
        if code.is_empty() {
            return Err(rule("codeMustNotBeEmpty", "The code must not be empty."));
        }
        let mut unrelated = Vec::new();
        for recipient in recipients {
            if self.active_relationship_to(recipient).await.is_err() {
                unrelated.push(recipient.as_str());
            }
        }
        if !unrelated.is_empty() {
            return Err(rule(
                "noActiveRelationshipFoundForRecipients",
                format!(
                    "There is no active relationship to: {}.",
                    unrelated.join(", ")
                ),
            ));
        }
        self.backbone()
            .send_notification(&SendNotificationRequest {
                recipients: recipients.to_vec(),
                code: code.to_owned(),
            })
            .await?;
        Ok(())
    }

    /// The Backbone's current announcements in `language`.
    pub async fn announcements(&self, language: &str) -> Result<Vec<Announcement>> {
        Ok(self.backbone().get_announcements(language).await?)
    }
}
