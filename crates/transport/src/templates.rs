//! Relationship templates: own ones (sealed, sent, keys kept) and peer ones (loaded by reference).
//!
//! An own template's record keeps its secret key and the exchange keypair whose public half the
//! template carries; the templator needs the keypair to open the creation content of relationships
//! created from it. A peer template's record keeps the templator's identity key and template key,
//! which the requestor needs to create the relationship.

use backbone_client::dto::{CreateTemplateRequest, Template};
use connector_store::Filter;
use nmshd_crypto::{ExchangeKeypair, ExchangePublicKey, Reference, SecretKey};
use nmshd_wire::CoreDate;
use nmshd_wire::template::{
    RelationshipTemplatePublicKey, TemplateSealInput, open_template, seal_template,
};
use nmshd_wire::token::TokenContent;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Transport;
use crate::documents::{self, Record};
use crate::error::{Result, TransportError};
use crate::protection::{PasswordProtection, PasswordProtectionInput, new_id};

/// One template, own or peer.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateRecord {
    /// `RLT…`.
    pub id: String,
    pub is_own: bool,
    pub created_by: String,
    pub created_by_device: Option<String>,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_number_of_allocations: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_identity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_protection: Option<PasswordProtection>,
    /// The decrypted template content.
    pub content: Value,
    /// `CryptoSignaturePublicKey` JSON of the templator identity.
    pub templator_public_key: String,
    /// `CryptoExchangePublicKey` JSON of the template key.
    pub template_public_key: String,
    /// `CryptoSecretKey` JSON.
    secret_key: String,
    /// `CryptoExchangeKeypair` JSON (own templates only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    template_keypair: Option<String>,
}

impl std::fmt::Debug for TemplateRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TemplateRecord")
            .field("id", &self.id)
            .field("is_own", &self.is_own)
            .finish_non_exhaustive()
    }
}

impl Record for TemplateRecord {
    const COLLECTION: &'static str = "RelationshipTemplates";
}

fn corrupt(what: &str, e: &impl std::fmt::Display) -> TransportError {
    TransportError::Corrupt {
        collection: TemplateRecord::COLLECTION,
        why: format!("{what}: {e}"),
    }
}

impl TemplateRecord {
    pub fn secret_key(&self) -> Result<SecretKey> {
        SecretKey::from_json(&self.secret_key).map_err(|e| corrupt("secret key", &e))
    }

    /// The template exchange keypair (own templates).
    pub fn template_keypair(&self) -> Result<ExchangeKeypair> {
        let json = self.template_keypair.as_deref().ok_or_else(|| {
            TransportError::rule(
                "error.transport.relationshipTemplates.notOwn",
                format!("'{}' is not an own template", self.id),
            )
        })?;
        ExchangeKeypair::from_json(json).map_err(|e| corrupt("template keypair", &e))
    }

    pub fn template_public_key(&self) -> Result<ExchangePublicKey> {
        ExchangePublicKey::from_json(&self.template_public_key)
            .map_err(|e| corrupt("template public key", &e))
    }

    pub fn templator_public_key(&self) -> Result<nmshd_crypto::SignaturePublicKey> {
        nmshd_crypto::SignaturePublicKey::from_json(&self.templator_public_key)
            .map_err(|e| corrupt("templator key", &e))
    }

    /// The `RelationshipTemplateDTO` (REST answers and events); a content that is neither
    /// template content type is shown wrapped in an ArbitraryRelationshipTemplateContent.
    pub fn to_dto(&self, base_url: &str) -> Result<Value> {
        const CONTENT_TYPES: [&str; 2] = [
            "RelationshipTemplateContent",
            "ArbitraryRelationshipTemplateContent",
        ];
        let mut dto = serde_json::Map::new();
        dto.insert("id".into(), self.id.clone().into());
        dto.insert("isOwn".into(), self.is_own.into());
        dto.insert("createdBy".into(), self.created_by.clone().into());
        if let Some(device) = &self.created_by_device {
            dto.insert("createdByDevice".into(), device.clone().into());
        }
        dto.insert("createdAt".into(), self.created_at.clone().into());
        if let Some(f) = &self.for_identity {
            dto.insert("forIdentity".into(), f.clone().into());
        }
        if let Some(p) = &self.password_protection {
            dto.insert("passwordProtection".into(), p.to_dto());
        }
        let content = match self.content.get("@type").and_then(Value::as_str) {
            Some(ty) if CONTENT_TYPES.contains(&ty) => self.content.clone(),
            _ => serde_json::json!({
                "@type": "ArbitraryRelationshipTemplateContent",
                "value": self.content,
            }),
        };
        dto.insert("content".into(), content);
        if let Some(at) = &self.expires_at {
            dto.insert("expiresAt".into(), at.clone().into());
        }
        if let Some(n) = self.max_number_of_allocations {
            dto.insert("maxNumberOfAllocations".into(), n.into());
        }
        let reference = self.reference(base_url)?;
        let mut shown = serde_json::Map::new();
        shown.insert("truncated".into(), reference.truncate().into());
        if let Ok(url) = reference.to_url(None) {
            shown.insert("url".into(), url.into());
        }
        dto.insert("reference".into(), Value::Object(shown));
        Ok(Value::Object(dto))
    }

    /// The reference with the Backbone base URL embedded.
    pub fn reference(&self, base_url: &str) -> Result<Reference> {
        Ok(Reference {
            id: self.id.clone(),
            backbone_base_url: Some(base_url.to_owned()),
            key: self.secret_key()?,
            for_identity_truncated: self
                .for_identity
                .as_deref()
                .map(nmshd_wire::reference::truncate_for_identity),
            password_protection: self
                .password_protection
                .as_ref()
                .map(PasswordProtection::shared)
                .transpose()?,
        })
    }
}

/// Parameters of an own template.
#[derive(Debug, Clone)]
pub struct NewTemplate {
    pub content: Value,
    pub expires_at: CoreDate,
    pub max_number_of_allocations: Option<u32>,
    pub for_identity: Option<String>,
    pub password_protection: Option<PasswordProtectionInput>,
}

impl Transport {
    /// Seals and sends an own template and stores it with its keys.
    pub async fn create_own_template(&self, new: NewTemplate) -> Result<TemplateRecord> {
        let account = self.account();
        let keypair = ExchangeKeypair::generate();
        let secret_key = SecretKey::generate();
        let protection = new
            .password_protection
            .as_ref()
            .map(PasswordProtection::new);
        let sealed = seal_template(&TemplateSealInput {
            content: new.content.clone(),
            identity: account.wire_identity(),
            identity_key: &account.identity_key(),
            template_key: RelationshipTemplatePublicKey {
                id: new_id("TRPRTK"),
                key: keypair.public,
            },
            secret_key: &secret_key,
            nonce: nmshd_crypto::random_bytes(),
            expires_at: new.expires_at,
            max_number_of_allocations: new.max_number_of_allocations,
            for_identity: new.for_identity.clone(),
            password: protection
                .as_ref()
                .map(PasswordProtection::input)
                .transpose()?,
        })?;
        let created = self
            .backbone()
            .create_template(&CreateTemplateRequest {
                content: sealed.content,
                expires_at: Some(new.expires_at.to_iso_string()),
                max_number_of_allocations: new.max_number_of_allocations,
                for_identity: new.for_identity.clone(),
                password: sealed.body.password,
            })
            .await?;
        let record = TemplateRecord {
            id: created.id,
            is_own: true,
            created_by: account.address.clone(),
            created_by_device: Some(account.device_id.clone()),
            created_at: created.created_at,
            expires_at: Some(new.expires_at.to_iso_string()),
            max_number_of_allocations: new.max_number_of_allocations,
            for_identity: new.for_identity,
            password_protection: protection,
            content: new.content,
            templator_public_key: account.identity_public_key().to_json(false),
            template_public_key: keypair.public.to_json(false),
            secret_key: secret_key.to_json(false),
            template_keypair: Some(keypair.to_json(false)),
        };
        Ok(documents::insert(self.store(), &record).await?.record)
    }

    /// A stored template by id.
    pub async fn template(&self, id: &str) -> Result<TemplateRecord> {
        documents::require(self.store(), id, "RelationshipTemplate").await
    }

    /// Sync: `RelationshipTemplateAllocationsExhausted` of an own template announces
    /// `transport.relationshipTemplateAllocationsExhausted` with its DTO (as the runtime's
    /// processor; a template no longer stored here announces nothing).
    pub(crate) async fn announce_allocations_exhausted(&self, payload: &Value) -> Result<()> {
        let Some(id) = payload
            .get("relationshipTemplateId")
            .and_then(Value::as_str)
        else {
            return Err(TransportError::rule(
                "error.transport.externalEventPayloadInvalid",
                "the external event has no relationshipTemplateId",
            ));
        };
        let Some(stored) = documents::get::<TemplateRecord>(self.store(), id).await? else {
            return Ok(());
        };
        let dto = stored.record.to_dto(&self.config().base_url)?;
        self.events()
            .publish("transport.relationshipTemplateAllocationsExhausted", dto)
            .await;
        Ok(())
    }

    /// Deletes a template: an own one on the Backbone and locally, a peer one locally.
    pub async fn delete_template(&self, id: &str) -> Result<()> {
        let template = self.template(id).await?;
        if template.is_own {
            self.backbone().delete_template(id).await?;
        }
        self.store()
            .delete(TemplateRecord::COLLECTION, id, None)
            .await?;
        Ok(())
    }

    /// Stored templates matching `filter`.
    pub async fn templates(&self, filter: &Filter) -> Result<Vec<TemplateRecord>> {
        documents::find_records(self.store(), filter).await
    }

    /// Loads a peer template by a template or token reference (truncated or URL form).
    pub async fn load_peer_template(
        &self,
        reference: &str,
        password: Option<&str>,
    ) -> Result<TemplateRecord> {
        let parsed = Reference::parse(reference).map_err(|e| {
            TransportError::rule(
                "error.runtime.validation.invalidPropertyValue",
                format!("the reference is invalid: {e}"),
            )
        })?;
        match parsed.id.get(..3) {
            Some("RLT") => {
                self.load_peer_template_by_reference(&parsed, password)
                    .await
            }
            Some("TOK") => {
                let token = self.load_peer_token(reference, password, true).await?;
                let content = TokenContent::from_value(&token.content)?;
                let TokenContent::RelationshipTemplate(t) = content else {
                    return Err(TransportError::rule(
                        "error.runtime.validation.invalidPropertyValue",
                        "the token does not reference a relationship template",
                    ));
                };
                let reference = Reference {
                    id: t.template_id,
                    backbone_base_url: None,
                    key: t.secret_key,
                    for_identity_truncated: t
                        .for_identity
                        .as_deref()
                        .map(nmshd_wire::reference::truncate_for_identity),
                    password_protection: t.password_protection,
                };
                self.load_peer_template_by_reference(&reference, password)
                    .await
            }
            _ => Err(TransportError::rule(
                "error.runtime.validation.invalidPropertyValue",
                "the reference is neither a relationship template nor a token reference",
            )),
        }
    }

    async fn load_peer_template_by_reference(
        &self,
        reference: &Reference,
        password: Option<&str>,
    ) -> Result<TemplateRecord> {
        let protection = match (&reference.password_protection, password) {
            (Some(shared), Some(password)) => {
                Some(PasswordProtection::from_shared(shared, password))
            }
            (Some(_), None) => {
                return Err(TransportError::rule(
                    "error.transport.noPasswordProvided",
                    "the template is password protected; a password is required",
                ));
            }
            (None, _) => None,
        };
        let hash = protection
            .as_ref()
            .map(PasswordProtection::backbone_hash)
            .transpose()?;
        let template = self
            .backbone()
            .get_template(&reference.id, hash.as_deref())
            .await?;
        self.store_peer_template(template, &reference.key, protection)
            .await
    }

    async fn store_peer_template(
        &self,
        template: Template,
        key: &SecretKey,
        protection: Option<PasswordProtection>,
    ) -> Result<TemplateRecord> {
        if template.created_by == self.address()
            && let Ok(own) = self.template(&template.id).await
        {
            return Ok(own);
        }
        let content = template.content.as_deref().ok_or_else(|| {
            TransportError::rule(
                "error.transport.relationshipTemplates.noContent",
                "the Backbone returned the template without content",
            )
        })?;
        let opened = open_template(content, key)?;
        if opened.wrapper.identity.address != template.created_by {
            return Err(TransportError::rule(
                "error.transport.relationshipTemplates.wrongCreator",
                "the template's identity is not its creator",
            ));
        }
        let record = TemplateRecord {
            id: template.id.clone(),
            is_own: false,
            created_by: template.created_by,
            created_by_device: template.created_by_device,
            created_at: template.created_at,
            expires_at: template.expires_at,
            max_number_of_allocations: template.max_number_of_allocations,
            for_identity: template.for_identity,
            password_protection: protection,
            content: opened.wrapper.content,
            templator_public_key: opened.wrapper.identity.public_key.to_json(false),
            template_public_key: opened.wrapper.template_key.key.to_json(false),
            secret_key: key.to_json(false),
            template_keypair: None,
        };
        match documents::get::<TemplateRecord>(self.store(), &record.id).await? {
            None => match documents::insert(self.store(), &record).await {
                Err(TransportError::Store(e)) if e.is_conflict() => self.template(&record.id).await,
                other => other.map(|s| s.record),
            },
            Some(stored) => Ok(documents::replace(self.store(), &record, stored.version)
                .await?
                .record),
        }
    }
}
