//! Messages (wire-formats §8, backbone-api §5.7, §6.3, §9.4): sending with attachments, and
//! receiving by sync.
//!
//! Sending encrypts the message key for each recipient with the relationship's transmit state at
//! a counter from [`Transport::take_send_counter`]: counters are reserved in blocks, each block
//! persisted (compare-and-set) before any of its counters is used, so a counter is never used
//! twice, also under concurrent sends and across replicas and restarts, without a durable write
//! per send. Receiving is idempotent: a message already stored is not stored again when sync
//! redelivers its event.

use backbone_client::dto::{IdRef, SendMessageRecipient, SendMessageRequest};
use nmshd_crypto::{Reference, SecretKey, encrypt_with_nonce};
use nmshd_wire::message::{MessageContentWrapper, MessageSignature, MessageSigned, open_message};
use nmshd_wire::{CoreDate, WireObject};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::Transport;
use crate::documents::{self, Record};
use crate::error::{Result, TransportError};
use crate::files::FileRecord;

/// A recipient as the `RecipientDTO` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageRecipientRecord {
    pub address: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_by_device: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationship_id: Option<String>,
}

/// A stored message: the `MessageDTO` fields plus `participants` (sender and recipients, for the
/// `participant` filter).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageRecord {
    pub id: String,
    pub is_own: bool,
    pub content: Value,
    pub created_by: String,
    pub created_by_device: String,
    pub recipients: Vec<MessageRecipientRecord>,
    pub created_at: String,
    pub attachments: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub was_read_at: Option<String>,
    pub participants: Vec<String>,
}

impl Record for MessageRecord {
    const COLLECTION: &'static str = "Messages";
}

impl MessageRecord {
    /// The `MessageDTO`.
    pub fn to_dto(&self) -> Value {
        let mut dto = json!({
            "id": self.id,
            "isOwn": self.is_own,
            "content": self.content,
            "createdBy": self.created_by,
            "createdByDevice": self.created_by_device,
            "recipients": self.recipients,
            "createdAt": self.created_at,
            "attachments": self.attachments,
        });
        if let (Some(at), Some(map)) = (&self.was_read_at, dto.as_object_mut()) {
            map.insert("wasReadAt".into(), json!(at));
        }
        dto
    }
}

/// A message to send.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub recipients: Vec<String>,
    pub content: Value,
    /// Ids of known files (own or peer).
    pub attachments: Vec<String>,
}

fn content_type(content: &Value) -> Option<&str> {
    content.get("@type").and_then(Value::as_str)
}

impl Transport {
    /// Encrypts and sends a message (`POST /Messages`) and stores it.
    pub async fn send_message(&self, message: NewMessage) -> Result<MessageRecord> {
        let kind = content_type(&message.content).unwrap_or_default();
        if message.recipients.is_empty() {
            return Err(TransportError::rule(
                "error.runtime.validation.invalidPropertyValue",
                "recipients must NOT have fewer than 1 items",
            ));
        }
        // Relationship checks first, so nothing is consumed for a message that cannot go out.
        let relationships = self
            .check_recipients(&message.recipients, kind == "Notification")
            .await?;
        let mut attachments: Vec<Reference> = Vec::with_capacity(message.attachments.len());
        for id in &message.attachments {
            attachments.push(self.file(id).await?.reference(&self.config().base_url)?);
        }

        let message_key = SecretKey::generate();
        let serialized_key = message_key.to_json(false);
        let wrapper = MessageContentWrapper {
            attachments,
            content: message.content.clone(),
            created_at: CoreDate::now(),
            recipients: message.recipients.clone(),
        };
        let serialized_wrapper = wrapper.to_json(true);

        let mut entries = Vec::with_capacity(message.recipients.len());
        let mut signatures = Vec::with_capacity(message.recipients.len());
        for (address, relationship_id) in message.recipients.iter().zip(&relationships) {
            let (secrets, counter) = self.take_send_counter(relationship_id).await?;
            let encrypted_key = secrets
                .encrypt_at(serialized_key.as_bytes(), counter)
                .to_base64();
            let signature = secrets.sign(serialized_wrapper.as_bytes());
            entries.push(SendMessageRecipient {
                address: address.clone(),
                encrypted_key,
            });
            signatures.push(MessageSignature {
                recipient: address.clone(),
                signature,
            });
        }
        let signed = MessageSigned {
            message: serialized_wrapper,
            signatures,
        };
        let body = encrypt_with_nonce(
            signed.to_json(true).as_bytes(),
            &message_key,
            nmshd_crypto::random_bytes::<24>(),
        )
        .to_base64();
        let created = self
            .backbone()
            .send_message(&SendMessageRequest {
                recipients: entries,
                body,
                attachments: message.attachments.iter().map(IdRef::new).collect(),
            })
            .await?;

        let mut participants = vec![self.address().to_owned()];
        participants.extend(message.recipients.iter().cloned());
        let record = MessageRecord {
            id: created.id,
            is_own: true,
            content: message.content,
            created_by: self.address().to_owned(),
            created_by_device: self.account().device_id.clone(),
            recipients: message
                .recipients
                .iter()
                .zip(relationships)
                .map(|(address, relationship_id)| MessageRecipientRecord {
                    address: address.clone(),
                    received_at: None,
                    received_by_device: None,
                    relationship_id: Some(relationship_id),
                })
                .collect(),
            created_at: created.created_at,
            attachments: message.attachments,
            was_read_at: None,
            participants,
        };
        let stored = documents::insert(self.store(), &record).await?;
        self.events()
            .publish("transport.messageSent", stored.record.to_dto())
            .await;
        Ok(stored.record)
    }

    /// The runtime's recipient rules (`SendMessage` use case), in its order: without a
    /// Notification, every recipient needs an Active relationship and must not be in deletion;
    /// always, every recipient needs an Active or Terminated relationship and must not be deleted.
    /// Returns the relationship id per recipient.
    pub async fn check_recipients(
        &self,
        recipients: &[String],
        is_notification: bool,
    ) -> Result<Vec<String>> {
        use backbone_client::dto::RelationshipStatus;
        let list = |addresses: &[String]| {
            addresses
                .iter()
                .map(|a| format!("'{a}'"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut ids = Vec::with_capacity(recipients.len());
        let (mut not_active, mut neither, mut in_deletion, mut deleted) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for recipient in recipients {
            let relationship = self.relationship_to(recipient).await?.map(|s| s.record);
            let status = relationship.as_ref().map(|r| r.status.clone());
            if status != Some(RelationshipStatus::Active) {
                not_active.push(recipient.clone());
                if status != Some(RelationshipStatus::Terminated) {
                    neither.push(recipient.clone());
                }
            }
            let deletion = relationship
                .as_ref()
                .and_then(|r| r.peer_deletion_info.as_ref())
                .and_then(|d| d.get("deletionStatus"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            if status == Some(RelationshipStatus::Active) {
                match deletion.as_deref() {
                    Some("ToBeDeleted") => in_deletion.push(recipient.clone()),
                    Some("Deleted") => deleted.push(recipient.clone()),
                    _ => {}
                }
            }
            if let Some(r) = relationship {
                ids.push(r.id);
            }
        }
        if !is_notification && !not_active.is_empty() {
            return Err(TransportError::rule(
                "error.runtime.messages.hasNoActiveRelationship",
                format!(
                    "The Message cannot be sent as there is no active Relationship to the recipient(s) with the following address(es): {}. However, please note that Messages whose content is a Notification can be sent on terminated Relationships as well.",
                    list(&not_active)
                ),
            ));
        }
        if !is_notification && !in_deletion.is_empty() {
            return Err(TransportError::rule(
                "error.runtime.messages.peerIsInDeletion",
                format!(
                    "The Message cannot be sent as the recipient(s) with the following address(es) being in deletion: {}. However, please note that Messages whose content is a Notification can be sent to recipients in deletion.",
                    list(&in_deletion)
                ),
            ));
        }
        if !neither.is_empty() {
            return Err(TransportError::rule(
                "error.transport.messages.hasNeitherActiveNorTerminatedRelationship",
                format!(
                    "The Message cannot be sent as there is neither an active nor a terminated Relationship to the recipient(s) with the following address(es): {}.",
                    list(&neither)
                ),
            ));
        }
        if !deleted.is_empty() {
            return Err(TransportError::rule(
                "error.transport.messages.peerIsDeleted",
                format!(
                    "The Message cannot be sent due to the deletion of the recipient(s) with the following address(es): {}",
                    list(&deleted)
                ),
            ));
        }
        Ok(ids)
    }

    /// Applies a `MessageReceived` external event: fetch, decrypt, load the attachments' metadata,
    /// store. Already stored messages are left as they are.
    pub async fn apply_message_received(&self, payload: &Value) -> Result<()> {
        let id = payload.get("id").and_then(Value::as_str).ok_or_else(|| {
            TransportError::rule(
                "error.transport.invalidExternalEvent",
                "MessageReceived without an id",
            )
        })?;
        if let Some(stored) = documents::get::<MessageRecord>(self.store(), id).await? {
            // Stored by an earlier run that may have died before writing the event: written
            // again under the same derived id, which the outbox ignores when it has it.
            self.publish_message_received(&stored.record).await;
            return Ok(());
        }
        let record = self.receive_message(id).await?;
        match documents::insert(self.store(), &record).await {
            Ok(stored) => {
                // One line per stored message: across replicas the insert above happens once, so
                // these lines (and the event) count each received message exactly once.
                tracing::info!(event = "transport.messageReceived", message.id = %id, "message received");
                self.publish_message_received(&stored.record).await;
                Ok(())
            }
            // A concurrent sync of another replica stored it first.
            Err(TransportError::Store(e)) if e.is_conflict() => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// `transport.messageReceived` with its id derived from the message's id (`message:<id>`):
    /// however often the message is applied, one event. Not for messages received before the
    /// outbox's retention time, whose event may be pruned already and would be sent again.
    async fn publish_message_received(&self, record: &MessageRecord) {
        let retention = self
            .events()
            .outbox()
            .map_or(std::time::Duration::ZERO, |o| o.settings().retention);
        let oldest = time::OffsetDateTime::now_utc() - retention;
        if record.created_at < connector_store::iso_timestamp(oldest) {
            return;
        }
        self.events()
            .publish_caused_by(
                &format!("message:{}", record.id),
                "transport.messageReceived",
                record.to_dto(),
            )
            .await;
    }

    async fn receive_message(&self, id: &str) -> Result<MessageRecord> {
        let message = self.backbone().get_message(id).await?;
        let own_address = self.address().to_owned();
        let own = message
            .recipients
            .iter()
            .find(|r| r.address == own_address)
            .ok_or_else(|| {
                TransportError::rule(
                    "error.transport.messages.notARecipient",
                    format!("this identity is not a recipient of '{id}'"),
                )
            })?;
        let relationship = self
            .relationship_to(&message.created_by)
            .await?
            .ok_or_else(|| {
                TransportError::rule(
                    "error.transport.messages.noRelationship",
                    format!("no relationship to the sender of '{id}'"),
                )
            })?
            .record;
        let body = message.body.as_deref().ok_or_else(|| {
            TransportError::rule(
                "error.transport.messages.noBody",
                format!("the message '{id}' has no body"),
            )
        })?;
        let opened = self
            .with_secrets(&relationship.id, |secrets| {
                Ok(open_message(
                    body,
                    &own.encrypted_key,
                    &own_address,
                    secrets,
                )?)
            })
            .await?;
        let mut attachments = Vec::with_capacity(opened.wrapper.attachments.len());
        for reference in &opened.wrapper.attachments {
            let file: FileRecord = self.load_file(&reference.id, &reference.key).await?;
            attachments.push(file.id);
        }
        let mut participants = vec![message.created_by.clone()];
        participants.extend(message.recipients.iter().map(|r| r.address.clone()));
        Ok(MessageRecord {
            id: message.id,
            is_own: false,
            content: opened.wrapper.content,
            created_by: message.created_by,
            created_by_device: message.created_by_device.unwrap_or_default(),
            // Like transport: a received message keeps only the own recipient entry.
            recipients: message
                .recipients
                .iter()
                .filter(|r| r.address == own_address)
                .map(|r| MessageRecipientRecord {
                    address: r.address.clone(),
                    received_at: r.received_at.clone(),
                    received_by_device: r.received_by_device.clone(),
                    relationship_id: Some(relationship.id.clone()),
                })
                .collect(),
            created_at: message.created_at,
            attachments,
            was_read_at: None,
            participants,
        })
    }

    /// A stored message.
    pub async fn message(&self, id: &str) -> Result<MessageRecord> {
        documents::require(self.store(), id, "Message").await
    }

    /// Stored messages matching `filter` (oldest first).
    pub async fn messages(&self, filter: &connector_store::Filter) -> Result<Vec<MessageRecord>> {
        let mut messages: Vec<MessageRecord> =
            documents::find_records(self.store(), filter).await?;
        messages.sort_by(|a, b| a.created_at.cmp(&b.created_at));
        Ok(messages)
    }

    /// An attachment of a stored message (`fileNotFoundInMessage` if it is not one).
    pub async fn message_attachment(&self, id: &str, attachment_id: &str) -> Result<FileRecord> {
        let message = self.message(id).await?;
        if !message.attachments.iter().any(|a| a == attachment_id) {
            return Err(TransportError::rule(
                "error.runtime.messages.fileNotFoundInMessage",
                format!(
                    "The requested File '{attachment_id}' was not found in the given Message '{id}'."
                ),
            ));
        }
        self.file(attachment_id).await
    }
}
