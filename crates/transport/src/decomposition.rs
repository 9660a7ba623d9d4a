//! What a decomposed relationship leaves behind locally (transport's
//! `AccountController.cleanupDataOfDecomposedRelationship`): the peer's messages, the templates
//! of the relationship and of the peer, and the peer's tokens.
//!
//! Every step is a delete or a compare-and-set update of one record, so a repeated or concurrent
//! cleanup (another replica, a retried request) ends in the same state.

use connector_store::Filter;

use crate::documents::{self, Record};
use crate::messages::MessageRecord;
use crate::relationships::RelationshipRecord;
use crate::templates::TemplateRecord;
use crate::tokens::TokenRecord;
use crate::{Result, Transport};

/// The key bytes the transport hashes into the pseudonym that replaces a decomposed peer in
/// messages sent to several recipients.
const DELETED_IDENTITY: &[u8] = b"deleted identity";

impl Transport {
    /// Removes the local data of a relationship that was just decomposed.
    pub(crate) async fn clean_up_decomposed(
        &self,
        relationship: &RelationshipRecord,
    ) -> Result<()> {
        self.clean_up_messages(relationship).await?;
        self.clean_up_templates(relationship).await?;
        let peer_tokens = Filter::eq("createdBy", relationship.peer.as_str())?;
        for token in documents::find_records::<TokenRecord>(self.store(), &peer_tokens).await? {
            self.store()
                .delete(TokenRecord::COLLECTION, &token.id, None)
                .await?;
        }
        Ok(())
    }

    /// Received messages and messages to this peer alone are deleted; in a message to several
    /// recipients the peer becomes the pseudonym (without relationship), and the message goes
    /// once every recipient is one.
    async fn clean_up_messages(&self, relationship: &RelationshipRecord) -> Result<()> {
        let pseudonym = nmshd_crypto::address::derive_address_from_bytes(
            DELETED_IDENTITY,
            &self.config().address_hostname(),
        );
        let of_relationship = Filter::eq("recipients.relationshipId", relationship.id.as_str())?;
        for message in
            documents::find_records::<MessageRecord>(self.store(), &of_relationship).await?
        {
            if !message.is_own || message.recipients.len() == 1 {
                self.store()
                    .delete(MessageRecord::COLLECTION, &message.id, None)
                    .await?;
                continue;
            }
            let updated = documents::update::<MessageRecord>(self.store(), &message.id, |m| {
                for recipient in &mut m.recipients {
                    if recipient.relationship_id.as_deref() == Some(relationship.id.as_str()) {
                        recipient.address.clone_from(&pseudonym);
                        recipient.relationship_id = None;
                    }
                }
                m.participants.retain(|p| p != &relationship.peer);
                Ok(())
            })
            .await?
            .record;
            if updated.recipients.iter().all(|r| r.address == pseudonym) {
                self.store()
                    .delete(MessageRecord::COLLECTION, &message.id, None)
                    .await?;
            }
        }
        Ok(())
    }

    /// The relationship's template unless it is an own one that allows further allocations, and
    /// every template of the peer.
    async fn clean_up_templates(&self, relationship: &RelationshipRecord) -> Result<()> {
        if let Some(template) =
            documents::get::<TemplateRecord>(self.store(), &relationship.template_id).await?
        {
            let template = template.record;
            if !template.is_own || template.max_number_of_allocations == Some(1) {
                self.store()
                    .delete(TemplateRecord::COLLECTION, &template.id, None)
                    .await?;
            }
        }
        let of_peer = Filter::eq("createdBy", relationship.peer.as_str())?;
        for template in documents::find_records::<TemplateRecord>(self.store(), &of_peer).await? {
            self.store()
                .delete(TemplateRecord::COLLECTION, &template.id, None)
                .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pseudonym_is_an_address_of_the_backbone_host() {
        let pseudonym =
            nmshd_crypto::address::derive_address_from_bytes(DELETED_IDENTITY, "localhost");
        assert!(nmshd_crypto::address::check_address(
            &pseudonym,
            "localhost",
            None
        ));
    }
}
