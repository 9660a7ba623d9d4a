//! Files (wire-formats §11, backbone-api §5.9): own uploads, peer files loaded by reference or
//! token, downloads, file tokens and deletion.
//!
//! One [`FileRecord`] per known file holds what the `FileDTO` shows plus the keys: the metadata
//! key (the key of the file's reference) and the decrypted metadata (which carries the content
//! key). Records are keyed by the file id, so loading a file twice updates the one record.

use backbone_client::dto::UploadFileRequest;
use nmshd_crypto::{Reference, SecretKey};
use nmshd_wire::file::{
    FileDescription, FileMetadata, FileUploadInput, decrypt_file_download, open_file_metadata,
    prepare_file_upload,
};
use nmshd_wire::token::{TokenContent, TokenContentFile, open_token};
use nmshd_wire::{CoreDate, PasswordInput, WireObject};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::Transport;
use crate::documents::{self, Record};
use crate::error::{Result, TransportError};
use crate::protection::PasswordProtectionInput;
use crate::tokens::{NewToken, TokenRecord};

/// The content limit of the runtime's upload use case (10 MiB).
pub const MAX_FILE_SIZE: usize = 10 * 1024 * 1024;

/// A known file: the `FileDTO` fields plus its keys. Serialized field names are those of the DTO,
/// so list filters apply to the stored document directly.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileRecord {
    pub id: String,
    pub is_own: bool,
    pub filename: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    pub filesize: u64,
    pub created_at: String,
    pub created_by: String,
    pub created_by_device: String,
    pub expires_at: String,
    pub mimetype: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub owner: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ownership_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ownership_is_locked: Option<bool>,
    /// SHA-512 of the uploaded cipher bytes (base64url), checked on download.
    pub cipher_hash: String,
    /// `CryptoSecretKey` JSON of the metadata key (the key of the reference).
    metadata_key: String,
    /// Verbose `FileMetadata` JSON (holds the content key).
    metadata: String,
}

impl std::fmt::Debug for FileRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileRecord")
            .field("id", &self.id)
            .field("is_own", &self.is_own)
            .field("filename", &self.filename)
            .finish_non_exhaustive()
    }
}

impl Record for FileRecord {
    const COLLECTION: &'static str = "Files";
}

impl FileRecord {
    /// The key of the file's reference.
    pub fn metadata_key(&self) -> Result<SecretKey> {
        Ok(SecretKey::from_json(&self.metadata_key)?)
    }

    fn file_metadata(&self) -> Result<FileMetadata> {
        Ok(FileMetadata::from_json(&self.metadata)?)
    }

    /// The file's reference (with the Backbone base URL, as transport writes it).
    pub fn reference(&self, backbone_base_url: &str) -> Result<Reference> {
        Ok(Reference {
            id: self.id.clone(),
            backbone_base_url: Some(backbone_base_url.to_owned()),
            key: self.metadata_key()?,
            for_identity_truncated: None,
            password_protection: None,
        })
    }

    /// The `FileDTO` (connector-api §10).
    pub fn to_dto(&self, backbone_base_url: &str) -> Result<Value> {
        let reference = self.reference(backbone_base_url)?;
        let mut dto = json!({
            "id": self.id,
            "isOwn": self.is_own,
            "filename": self.filename,
        });
        let map = dto
            .as_object_mut()
            .ok_or_else(|| TransportError::rule("error.transport.unknown", "not an object"))?;
        if let Some(tags) = &self.tags {
            map.insert("tags".into(), json!(tags));
        }
        map.insert("filesize".into(), json!(self.filesize));
        map.insert("createdAt".into(), json!(self.created_at));
        map.insert("createdBy".into(), json!(self.created_by));
        map.insert("createdByDevice".into(), json!(self.created_by_device));
        map.insert("expiresAt".into(), json!(self.expires_at));
        map.insert("mimetype".into(), json!(self.mimetype));
        if let Some(title) = &self.title {
            map.insert("title".into(), json!(title));
        }
        if let Some(description) = &self.description {
            map.insert("description".into(), json!(description));
        }
        map.insert(
            "reference".into(),
            json!({ "truncated": reference.truncate(), "url": reference.to_url(None)? }),
        );
        map.insert("owner".into(), json!(self.owner));
        if let Some(token) = &self.ownership_token {
            map.insert("ownershipToken".into(), json!(token));
        }
        if self.ownership_is_locked == Some(true) {
            map.insert("ownershipIsLocked".into(), json!(true));
        }
        Ok(dto)
    }
}

/// What the user supplies for an upload.
#[derive(Debug, Clone)]
pub struct NewFile {
    pub content: Vec<u8>,
    pub filename: String,
    pub mimetype: String,
    pub title: Option<String>,
    pub description: Option<String>,
    pub tags: Option<Vec<String>>,
    pub expires_at: CoreDate,
}

/// Options of a file token (`POST /Files/{id}/Token`).
#[derive(Debug, Clone)]
pub struct FileTokenOptions {
    pub expires_at: Option<CoreDate>,
    pub ephemeral: bool,
    pub for_identity: Option<String>,
    pub password_protection: Option<PasswordProtectionInput>,
}

fn file_not_found(id: &str) -> TransportError {
    TransportError::not_found("File", id)
}

impl Transport {
    /// Encrypts, signs and uploads an own file (`POST /Files/Own`), then stores its record.
    pub async fn upload_own_file(&self, file: NewFile) -> Result<FileRecord> {
        if file.content.len() > MAX_FILE_SIZE {
            return Err(TransportError::rule(
                "error.runtime.validation.invalidPropertyValue",
                "'content' is too large",
            ));
        }
        let device_key = self.account().device_key();
        let cipher_key = SecretKey::generate();
        let metadata_key = SecretKey::generate();
        let prepared = prepare_file_upload(&FileUploadInput {
            plaintext: &file.content,
            description: FileDescription {
                title: file.title,
                description: file.description,
                filename: file.filename,
                tags: file.tags,
                filemodified: None,
                mimetype: file.mimetype,
            },
            device_key: &device_key,
            cipher_key: &cipher_key,
            content_nonce: nmshd_crypto::random_bytes::<24>(),
            metadata_key: &metadata_key,
            metadata_nonce: nmshd_crypto::random_bytes::<24>(),
            owner: self.address().to_owned(),
            expires_at: file.expires_at,
        })?;
        let fields = prepared.fields;
        let created = self
            .backbone()
            .upload_file(&UploadFileRequest {
                content: fields.content,
                cipher_hash: fields.cipher_hash,
                owner: fields.owner,
                owner_signature: fields.owner_signature,
                expires_at: fields.expires_at.to_iso_string(),
                encrypted_properties: fields.encrypted_properties,
            })
            .await?;
        let metadata = prepared.metadata;
        let record = FileRecord {
            id: created.id,
            is_own: true,
            filename: metadata.filename.clone(),
            tags: metadata.tags.clone(),
            filesize: metadata.filesize,
            created_at: created.created_at,
            created_by: created.created_by,
            created_by_device: created
                .created_by_device
                .unwrap_or_else(|| self.account().device_id.clone()),
            expires_at: created.expires_at,
            mimetype: metadata.mimetype.clone(),
            title: metadata.title.clone(),
            description: metadata.description.clone(),
            owner: created.owner,
            ownership_token: Some(created.ownership_token),
            ownership_is_locked: None,
            cipher_hash: created.cipher_hash,
            metadata_key: metadata_key.to_json(true),
            metadata: prepared.serialized_metadata,
        };
        let stored = documents::insert(self.store(), &record).await?;
        Ok(stored.record)
    }

    /// Loads (or refreshes) a file by its reference: metadata from the Backbone, decrypted with
    /// the reference key, stored. Used for `POST /Files/Peer` and message attachments.
    pub async fn load_file(&self, id: &str, metadata_key: &SecretKey) -> Result<FileRecord> {
        let dto = self.backbone().get_file_metadata(id).await?;
        let metadata = open_file_metadata(&dto.encrypted_properties, metadata_key)?;
        let is_own = dto.owner == self.address();
        let existing = documents::get::<FileRecord>(self.store(), &dto.id).await?;
        let record = FileRecord {
            id: dto.id.clone(),
            is_own,
            filename: metadata.filename.clone(),
            tags: metadata.tags.clone(),
            filesize: metadata.filesize,
            created_at: dto.created_at,
            created_by: dto.created_by,
            created_by_device: dto.created_by_device.unwrap_or_default(),
            expires_at: dto.expires_at,
            mimetype: metadata.mimetype.clone(),
            title: metadata.title.clone(),
            description: metadata.description.clone(),
            owner: dto.owner,
            ownership_token: existing
                .as_ref()
                .and_then(|e| e.record.ownership_token.clone())
                .filter(|_| is_own),
            ownership_is_locked: dto.ownership_is_locked.then_some(true),
            cipher_hash: dto.cipher_hash,
            metadata_key: metadata_key.to_json(true),
            metadata: metadata.to_json(true),
        };
        match existing {
            None => match documents::insert(self.store(), &record).await {
                Ok(stored) => Ok(stored.record),
                // Loaded concurrently by someone else: theirs is the same file.
                Err(TransportError::Store(e)) if e.is_conflict() => self.file(&dto.id).await,
                Err(e) => Err(e),
            },
            Some(_) => Ok(
                documents::update::<FileRecord>(self.store(), &dto.id, |stored| {
                    *stored = record.clone();
                    Ok(())
                })
                .await?
                .record,
            ),
        }
    }

    /// Loads a peer file from a file reference or a token reference (`POST /Files/Peer`).
    pub async fn load_peer_file(
        &self,
        reference: &Reference,
        password: Option<&str>,
    ) -> Result<FileRecord> {
        if reference.id.starts_with("FIL") {
            return self.load_file(&reference.id, &reference.key).await;
        }
        if !reference.id.starts_with("TOK") {
            return Err(TransportError::rule(
                "error.runtime.invalidReference",
                "The given reference is neither a file nor a token reference.",
            ));
        }
        let password_hash = match (&reference.password_protection, password) {
            (None, _) => None,
            (Some(_), None) => {
                return Err(TransportError::rule(
                    "error.transport.noPasswordProvided",
                    "You need to provide a password to perform this operation.",
                ));
            }
            (Some(protection), Some(password)) => Some(
                PasswordInput {
                    password: password.to_owned(),
                    salt: protection.salt,
                }
                .hash_for_backbone()?,
            ),
        };
        let token = self
            .backbone()
            .get_token(&reference.id, password_hash.as_deref())
            .await?;
        let content = token.content.ok_or_else(|| {
            TransportError::rule(
                "error.runtime.invalidTokenContent",
                "The token has no content.",
            )
        })?;
        match open_token(&content, &reference.key)? {
            TokenContent::File(file) => self.load_file(&file.file_id, &file.secret_key).await,
            _ => Err(TransportError::rule(
                "error.runtime.invalidTokenContent",
                "The token content is not a file.",
            )),
        }
    }

    /// A stored file.
    pub async fn file(&self, id: &str) -> Result<FileRecord> {
        documents::get::<FileRecord>(self.store(), id)
            .await?
            .map(|s| s.record)
            .ok_or_else(|| file_not_found(id))
    }

    /// Stored files matching `filter` (oldest first).
    pub async fn files(&self, filter: &connector_store::Filter) -> Result<Vec<FileRecord>> {
        let mut files: Vec<FileRecord> = documents::find_records(self.store(), filter).await?;
        files.sort_by(|a, b| a.created_at.cmp(&b.created_at));
        Ok(files)
    }

    /// Fetches and decrypts a known file's content (no local cache; hashes checked).
    pub async fn download_file(&self, id: &str) -> Result<(FileRecord, Vec<u8>)> {
        let record = self.file(id).await?;
        let downloaded = self.backbone().download_file(id).await?;
        let plaintext =
            decrypt_file_download(&downloaded, &record.cipher_hash, &record.file_metadata()?)?;
        Ok((record, plaintext))
    }

    /// Creates a token carrying the file's reference key (`POST /Files/{id}/Token`); the expiry
    /// defaults to the file's. Stored like any own token unless ephemeral.
    pub async fn create_file_token(
        &self,
        id: &str,
        options: FileTokenOptions,
    ) -> Result<TokenRecord> {
        let record = self.file(id).await?;
        let expires_at = match options.expires_at {
            Some(at) => at,
            None => CoreDate::parse(&record.expires_at)?,
        };
        self.create_own_token(NewToken {
            content: TokenContent::File(TokenContentFile {
                file_id: record.id.clone(),
                secret_key: record.metadata_key()?,
            }),
            expires_at,
            ephemeral: options.ephemeral,
            for_identity: options.for_identity,
            password_protection: options.password_protection,
        })
        .await
    }

    /// A new ownership token for an own file (unlocks it); peer files are refused.
    pub async fn regenerate_ownership_token(&self, id: &str) -> Result<FileRecord> {
        let record = self.file(id).await?;
        if !record.is_own {
            return Err(TransportError::rule(
                "error.runtime.files.notOwnedByYou",
                "Only the owner of the File can perform this action.",
            ));
        }
        let token = self
            .backbone()
            .regenerate_file_ownership_token(id)
            .await?
            .new_ownership_token;
        Ok(documents::update::<FileRecord>(self.store(), id, |stored| {
            stored.ownership_token = Some(token.clone());
            stored.ownership_is_locked = None;
            Ok(())
        })
        .await?
        .record)
    }

    /// `FileOwnershipLocked`: someone tried a wrong ownership token on an own file.
    pub async fn apply_file_ownership_locked(&self, payload: &Value) -> Result<()> {
        let Some(id) = payload.get("fileId").and_then(Value::as_str) else {
            return Err(TransportError::rule(
                "error.transport.invalidExternalEvent",
                "FileOwnershipLocked without a fileId",
            ));
        };
        if documents::get::<FileRecord>(self.store(), id)
            .await?
            .is_none()
        {
            return Ok(());
        }
        let updated = documents::update::<FileRecord>(self.store(), id, |stored| {
            stored.ownership_is_locked = Some(true);
            Ok(())
        })
        .await?
        .record;
        self.publish_file_event("transport.fileOwnershipLocked", &updated)
            .await
    }

    /// Publishes a file event with the FileDTO, as the runtime's external event processors do.
    async fn publish_file_event(&self, namespace: &'static str, file: &FileRecord) -> Result<()> {
        let dto = file.to_dto(&self.config().base_url)?;
        self.events().publish(namespace, dto).await;
        Ok(())
    }

    /// `FileOwnershipClaimed`: another identity became the owner; the metadata is reloaded.
    pub async fn apply_file_ownership_claimed(&self, payload: &Value) -> Result<()> {
        let Some(id) = payload.get("fileId").and_then(Value::as_str) else {
            return Err(TransportError::rule(
                "error.transport.invalidExternalEvent",
                "FileOwnershipClaimed without a fileId",
            ));
        };
        let Some(stored) = documents::get::<FileRecord>(self.store(), id).await? else {
            return Ok(());
        };
        let updated = self.load_file(id, &stored.record.metadata_key()?).await?;
        self.publish_file_event("transport.fileOwnershipClaimed", &updated)
            .await
    }

    /// Deletes a file: own files on the Backbone first, then the local record.
    pub async fn delete_file(&self, id: &str) -> Result<()> {
        let record = self.file(id).await?;
        if record.is_own {
            self.backbone().delete_file(id).await?;
        }
        self.store()
            .delete(FileRecord::COLLECTION, id, None)
            .await?;
        Ok(())
    }
}
