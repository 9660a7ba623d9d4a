//! Files (wire-formats §11): `FileMetadata`, the upload fields of `POST /api/v2/Files` and the checks
//! of a download.

use crate::date::CoreDate;
use crate::error::{Result, WireError};
use crate::serial::{Fields, SerialObject, WireObject};
use nmshd_crypto::{
    Cipher, HashAlgorithm, SecretKey, Signature, SignaturePrivateKey, SignaturePublicKey,
    b64url_encode, decrypt, encrypt_with_nonce, hash::sha512,
};
use serde_json::Value;

/// `FileMetadata`: what the metadata key protects (`encryptedProperties`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileMetadata {
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// File name.
    pub filename: String,
    /// Tags.
    pub tags: Option<Vec<String>>,
    /// base64url of SHA-512 of the plaintext (`CoreHash`).
    pub plaintext_hash: String,
    /// The key the content is encrypted with (`cipherKey`).
    pub secret_key: SecretKey,
    /// Plaintext size in bytes.
    pub filesize: u64,
    /// Last modification of the original file.
    pub filemodified: Option<CoreDate>,
    /// MIME type.
    pub mimetype: String,
}

impl WireObject for FileMetadata {
    const TYPE: &'static str = "FileMetadata";

    fn to_value(&self, verbose: bool) -> Value {
        SerialObject::new()
            .opt_field("title", self.title.as_deref())
            .opt_field("description", self.description.as_deref())
            .field("filename", self.filename.as_str())
            .opt_field("tags", self.tags.clone())
            .field("plaintextHash", self.plaintext_hash.as_str())
            .field("secretKey", self.secret_key.to_value(false))
            .field("filesize", self.filesize)
            .opt_field("filemodified", self.filemodified)
            .field("mimetype", self.mimetype.as_str())
            .finish(Self::TYPE, verbose)
    }

    fn from_value(value: &Value) -> Result<Self> {
        let f = Fields::new(value, Self::TYPE)?;
        Ok(Self {
            title: f.opt_str("title")?.map(str::to_owned),
            description: f.opt_str("description")?.map(str::to_owned),
            filename: f.str("filename")?.to_owned(),
            tags: f.opt_string_list("tags")?,
            plaintext_hash: f.str("plaintextHash")?.to_owned(),
            secret_key: f.nested("secretKey", |v| Ok(SecretKey::from_value(v)?))?,
            filesize: f.u64("filesize")?,
            filemodified: f
                .opt_str("filemodified")?
                .map(CoreDate::parse)
                .transpose()?,
            mimetype: f.str("mimetype")?.to_owned(),
        })
    }
}

/// The descriptive part of a file upload (what the user supplies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDescription {
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// File name.
    pub filename: String,
    /// Tags.
    pub tags: Option<Vec<String>>,
    /// Last modification of the original file.
    pub filemodified: Option<CoreDate>,
    /// MIME type.
    pub mimetype: String,
}

/// Everything needed to upload a file; keys and nonces are passed in.
#[derive(Debug, Clone)]
pub struct FileUploadInput<'a> {
    /// The plaintext bytes.
    pub plaintext: &'a [u8],
    /// Name, MIME type and the rest.
    pub description: FileDescription,
    /// The uploading device's signing key (signs the plaintext hash).
    pub device_key: &'a SignaturePrivateKey,
    /// Fresh content key (`cipherKey`).
    pub cipher_key: &'a SecretKey,
    /// Fresh nonce for the content.
    pub content_nonce: [u8; 24],
    /// Fresh metadata key (the key of the FileReference).
    pub metadata_key: &'a SecretKey,
    /// Fresh nonce for the metadata.
    pub metadata_nonce: [u8; 24],
    /// Uploader address (`owner` form field).
    pub owner: String,
    /// Expiry.
    pub expires_at: CoreDate,
}

/// The multipart form of `POST /api/v2/Files`, in the client's field order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileUploadFields {
    /// The `content` file part (`cipher.bin`): UTF-8 of the verbose cipher JSON.
    pub content: Vec<u8>,
    /// base64url SHA-512 of `content`.
    pub cipher_hash: String,
    /// Uploader address.
    pub owner: String,
    /// `CryptoSignature.toBase64()` of the device signature over the plaintext hash.
    pub owner_signature: String,
    /// Expiry (ISO string).
    pub expires_at: CoreDate,
    /// `cipher.toBase64()` of the encrypted metadata.
    pub encrypted_properties: String,
}

impl FileUploadFields {
    /// The text fields as (name, value) pairs in order (without the binary `content` part).
    pub fn text_fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("cipherHash", self.cipher_hash.clone()),
            ("owner", self.owner.clone()),
            ("ownerSignature", self.owner_signature.clone()),
            ("expiresAt", self.expires_at.to_iso_string()),
            ("encryptedProperties", self.encrypted_properties.clone()),
        ]
    }
}

/// The result of [`prepare_file_upload`].
#[derive(Debug, Clone)]
pub struct PreparedFileUpload {
    /// The metadata (keep it: it holds the `cipherKey`).
    pub metadata: FileMetadata,
    /// Its verbose serialization (the encrypted plaintext).
    pub serialized_metadata: String,
    /// The owner signature itself.
    pub owner_signature: Signature,
    /// The form fields.
    pub fields: FileUploadFields,
}

/// Hashes, signs and encrypts a file and its metadata (`FileController.sendFile`).
pub fn prepare_file_upload(input: &FileUploadInput<'_>) -> Result<PreparedFileUpload> {
    let plaintext_hash = sha512(input.plaintext);
    let owner_signature = input
        .device_key
        .sign(&plaintext_hash, HashAlgorithm::Sha512);
    let cipher = encrypt_with_nonce(input.plaintext, input.cipher_key, input.content_nonce);
    let content = cipher.to_json(true).into_bytes();
    let cipher_hash = b64url_encode(&sha512(&content));
    let d = &input.description;
    let metadata = FileMetadata {
        title: d.title.clone(),
        description: d.description.clone(),
        filename: d.filename.clone(),
        tags: d.tags.clone(),
        plaintext_hash: b64url_encode(&plaintext_hash),
        secret_key: input.cipher_key.clone(),
        filesize: input.plaintext.len() as u64,
        filemodified: d.filemodified,
        mimetype: d.mimetype.clone(),
    };
    let serialized_metadata = metadata.to_json(true);
    let metadata_cipher = encrypt_with_nonce(
        serialized_metadata.as_bytes(),
        input.metadata_key,
        input.metadata_nonce,
    );
    Ok(PreparedFileUpload {
        metadata,
        serialized_metadata,
        owner_signature,
        fields: FileUploadFields {
            content,
            cipher_hash,
            owner: input.owner.clone(),
            owner_signature: owner_signature.to_base64(),
            expires_at: input.expires_at,
            encrypted_properties: metadata_cipher.to_base64(),
        },
    })
}

/// Decrypts `encryptedProperties` with the metadata key (the key of the FileReference).
pub fn open_file_metadata(
    encrypted_properties: &str,
    metadata_key: &SecretKey,
) -> Result<FileMetadata> {
    let cipher = Cipher::from_base64(encrypted_properties)?;
    let plaintext = decrypt(&cipher, metadata_key)?;
    let text = String::from_utf8(plaintext).map_err(|_| WireError::NotUtf8("file metadata"))?;
    FileMetadata::from_json(&text)
}

/// Checks and decrypts downloaded file bytes (`FileController.downloadFileContent`): SHA-512 against
/// `cipher_hash`, parse as cipher JSON, decrypt with the metadata's `secretKey`, plaintext SHA-512
/// against `plaintextHash`.
pub fn decrypt_file_download(
    downloaded: &[u8],
    cipher_hash: &str,
    metadata: &FileMetadata,
) -> Result<Vec<u8>> {
    if b64url_encode(&sha512(downloaded)) != cipher_hash {
        return Err(WireError::CipherHashMismatch);
    }
    let text = std::str::from_utf8(downloaded).map_err(|_| WireError::NotUtf8("file content"))?;
    let cipher = Cipher::from_json(text)?;
    let plaintext = decrypt(&cipher, &metadata.secret_key)?;
    if b64url_encode(&sha512(&plaintext)) != metadata.plaintext_hash {
        return Err(WireError::PlaintextHashMismatch);
    }
    Ok(plaintext)
}

/// Verifies an `ownerSignature` (base64url signature JSON) over the raw SHA-512 of the plaintext with
/// the owner's device key. Transport itself does not check it; the Connector may.
pub fn verify_owner_signature(
    owner_signature: &str,
    plaintext: &[u8],
    device_public_key: &SignaturePublicKey,
) -> Result<()> {
    let signature = Signature::from_base64(owner_signature)?;
    if device_public_key.verify(&sha512(plaintext), &signature) {
        Ok(())
    } else {
        Err(WireError::InvalidSignature("file owner"))
    }
}
