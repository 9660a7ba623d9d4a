//! Tokens: own ones (sealed with a fresh key and sent) and peer ones (loaded by reference).
//! Ephemeral tokens are returned but never stored.

use backbone_client::dto::CreateTokenRequest;
use connector_store::Filter;
use nmshd_crypto::{Reference, SecretKey};
use nmshd_wire::CoreDate;
use nmshd_wire::token::{TokenContent, TokenContentRelationshipTemplate, open_token, seal_token};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Transport;
use crate::documents::{self, Record};
use crate::error::{Result, TransportError};
use crate::protection::{PasswordProtection, PasswordProtectionInput};

/// One token, own or peer.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenRecord {
    /// `TOK…`.
    pub id: String,
    pub is_own: bool,
    pub created_by: String,
    pub created_by_device: Option<String>,
    pub created_at: String,
    pub expires_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_identity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_protection: Option<PasswordProtection>,
    /// The decrypted content (verbose JSON with `@type`).
    pub content: Value,
    /// `CryptoSecretKey` JSON.
    secret_key: String,
}

impl std::fmt::Debug for TokenRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRecord")
            .field("id", &self.id)
            .field("is_own", &self.is_own)
            .finish_non_exhaustive()
    }
}

impl Record for TokenRecord {
    const COLLECTION: &'static str = "Tokens";
}

impl TokenRecord {
    pub fn secret_key(&self) -> Result<SecretKey> {
        SecretKey::from_json(&self.secret_key).map_err(|e| TransportError::Corrupt {
            collection: Self::COLLECTION,
            why: format!("secret key: {e}"),
        })
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

/// Parameters of an own token.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub content: TokenContent,
    pub expires_at: CoreDate,
    pub ephemeral: bool,
    pub for_identity: Option<String>,
    pub password_protection: Option<PasswordProtectionInput>,
}

impl Transport {
    /// Seals and sends an own token; stores it unless ephemeral.
    pub async fn create_own_token(&self, new: NewToken) -> Result<TokenRecord> {
        let secret_key = SecretKey::generate();
        let protection = new
            .password_protection
            .as_ref()
            .map(PasswordProtection::new);
        let input = protection
            .as_ref()
            .map(PasswordProtection::input)
            .transpose()?;
        let sealed = seal_token(
            &new.content,
            &secret_key,
            nmshd_crypto::random_bytes(),
            new.expires_at,
            new.for_identity.as_deref(),
            input.as_ref(),
        )?;
        let created = self
            .backbone()
            .create_token(&CreateTokenRequest {
                content: Some(sealed.content),
                expires_at: new.expires_at.to_iso_string(),
                for_identity: new.for_identity.clone(),
                password: sealed.body.password,
            })
            .await?;
        let account = self.account();
        let record = TokenRecord {
            id: created.id,
            is_own: true,
            created_by: account.address.clone(),
            created_by_device: Some(account.device_id.clone()),
            created_at: created.created_at,
            expires_at: new.expires_at.to_iso_string(),
            for_identity: new.for_identity,
            password_protection: protection,
            content: new.content.to_value(),
            secret_key: secret_key.to_json(false),
        };
        if new.ephemeral {
            return Ok(record);
        }
        Ok(documents::insert(self.store(), &record).await?.record)
    }

    /// A token for an own template that inherits the template's personalization and password
    /// protection (see [`Transport::create_template_token_with`]).
    pub async fn create_template_token(
        &self,
        template_id: &str,
        expires_at: Option<CoreDate>,
        ephemeral: bool,
        for_identity: Option<String>,
    ) -> Result<TokenRecord> {
        let template = self.template(template_id).await?;
        let protection = template
            .password_protection
            .as_ref()
            .map(|p| PasswordProtectionInput {
                password: p.password.clone(),
                password_is_pin: p.password_type.starts_with("pin"),
                password_location_indicator: p.password_location_indicator,
            });
        let for_identity = for_identity.or(template.for_identity);
        self.create_template_token_with(
            template_id,
            expires_at,
            ephemeral,
            for_identity,
            protection,
        )
        .await
    }

    /// A token for an own template (`CreateTokenForOwnRelationshipTemplate`): expiry defaults to the
    /// template's (or 12 days); a personalized template needs the same `for_identity`, a protected
    /// one the same password protection; the token gets the requested protection.
    pub async fn create_template_token_with(
        &self,
        template_id: &str,
        expires_at: Option<CoreDate>,
        ephemeral: bool,
        for_identity: Option<String>,
        password_protection: Option<PasswordProtectionInput>,
    ) -> Result<TokenRecord> {
        let template = self.template(template_id).await?;
        if !template.is_own {
            return Err(TransportError::rule(
                "error.runtime.relationshipTemplates.cannotCreateTokenForPeerTemplate",
                "You cannot create a Token for a peer RelationshipTemplate.",
            ));
        }
        if template.for_identity.is_some() && for_identity != template.for_identity {
            return Err(TransportError::rule(
                "error.runtime.relationshipTemplates.personalizationMustBeInherited",
                "If a RelationshipTemplate is personalized, Tokens created from it must have the same personalization.",
            ));
        }
        if let Some(protection) = &template.password_protection {
            let requested_type = password_protection
                .as_ref()
                .map(|p| PasswordProtection::new(p).password_type);
            let same = password_protection.as_ref().is_some_and(|p| {
                p.password == protection.password
                    && p.password_location_indicator == protection.password_location_indicator
            }) && requested_type.as_deref() == Some(protection.password_type.as_str());
            if !same {
                return Err(TransportError::rule(
                    "error.runtime.relationshipTemplates.passwordProtectionMustBeInherited",
                    "If a RelationshipTemplate has password protection, Tokens created from it must have the same password protection.",
                ));
            }
        }
        let expires_at = match (expires_at, template.expires_at.as_deref()) {
            (Some(at), _) => at,
            (None, Some(at)) => CoreDate::parse(at)?,
            (None, None) => CoreDate::from_offset_date_time(
                time::OffsetDateTime::now_utc() + time::Duration::days(12),
            ),
        };
        let content = TokenContent::RelationshipTemplate(TokenContentRelationshipTemplate {
            template_id: template.id.clone(),
            secret_key: template.secret_key()?,
            for_identity: template.for_identity.clone(),
            password_protection: template
                .password_protection
                .as_ref()
                .map(PasswordProtection::shared)
                .transpose()?,
        });
        self.create_own_token(NewToken {
            content,
            expires_at,
            ephemeral,
            for_identity,
            password_protection,
        })
        .await
    }

    /// Loads a peer token by reference (truncated or URL form); stores it unless ephemeral.
    pub async fn load_peer_token(
        &self,
        reference: &str,
        password: Option<&str>,
        ephemeral: bool,
    ) -> Result<TokenRecord> {
        let parsed = Reference::parse(reference).map_err(|e| {
            TransportError::rule(
                "error.runtime.validation.invalidPropertyValue",
                format!("the token reference is invalid: {e}"),
            )
        })?;
        if !parsed.id.starts_with("TOK") {
            return Err(TransportError::rule(
                "error.runtime.validation.invalidPropertyValue",
                "the reference is not a token reference",
            ));
        }
        let protection = match (&parsed.password_protection, password) {
            (Some(shared), Some(password)) => {
                Some(PasswordProtection::from_shared(shared, password))
            }
            (Some(_), None) => {
                return Err(TransportError::rule(
                    "error.transport.noPasswordProvided",
                    "the token is password protected; a password is required",
                ));
            }
            (None, _) => None,
        };
        let hash = protection
            .as_ref()
            .map(PasswordProtection::backbone_hash)
            .transpose()?;
        let token = self
            .backbone()
            .get_token(&parsed.id, hash.as_deref())
            .await?;
        let content = token.content.as_deref().ok_or_else(|| {
            TransportError::rule(
                "error.transport.tokens.noContent",
                "the token has no content yet",
            )
        })?;
        let opened = open_token(content, &parsed.key)?;
        let record = TokenRecord {
            is_own: token.created_by.as_deref() == Some(self.address()),
            id: token.id,
            created_by: token.created_by.unwrap_or_default(),
            created_by_device: token.created_by_device,
            created_at: token.created_at,
            expires_at: token.expires_at,
            for_identity: token.for_identity,
            password_protection: protection,
            content: opened.to_value(),
            secret_key: parsed.key.to_json(false),
        };
        if ephemeral || record.is_own {
            return Ok(record);
        }
        match documents::get::<TokenRecord>(self.store(), &record.id).await? {
            None => match documents::insert(self.store(), &record).await {
                Err(TransportError::Store(e)) if e.is_conflict() => self.token(&record.id).await,
                other => other.map(|s| s.record),
            },
            Some(stored) => Ok(stored.record),
        }
    }

    /// A stored token by id.
    pub async fn token(&self, id: &str) -> Result<TokenRecord> {
        documents::require(self.store(), id, "Token").await
    }

    /// Deletes a token: an own one on the Backbone and locally, a peer one locally.
    pub async fn delete_token(&self, id: &str) -> Result<()> {
        let token = self.token(id).await?;
        if token.is_own {
            self.backbone().delete_token(id).await?;
        }
        self.store()
            .delete(TokenRecord::COLLECTION, id, None)
            .await?;
        Ok(())
    }

    /// Stored tokens matching `filter`.
    pub async fn tokens(&self, filter: &Filter) -> Result<Vec<TokenRecord>> {
        documents::find_records(self.store(), filter).await
    }
}
