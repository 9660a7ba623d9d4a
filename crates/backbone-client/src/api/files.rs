//! Files (backbone-api §5.9).

use crate::client::AuthenticatedClient;
use crate::dto::{
    CreatedFile, FileMetadata, NewOwnershipToken, OwnershipTokenBody, OwnershipTokenValidation,
    UploadFileRequest,
};
use crate::error::Result;
use crate::request::{Body, MultipartField, Query, Request};

/// The file name of the `content` part (as the TypeScript client sends it).
const CONTENT_FILE_NAME: &str = "cipher.bin";

impl AuthenticatedClient {
    /// `POST /api/v2/Files` (multipart: `content`, `cipherHash`, `owner`, `ownerSignature`,
    /// `expiresAt`, `encryptedProperties`).
    pub async fn upload_file(&self, file: &UploadFileRequest) -> Result<CreatedFile> {
        let text = |name, value: &String| MultipartField::Text {
            name,
            value: value.clone(),
        };
        let fields = vec![
            MultipartField::File {
                name: "content",
                filename: CONTENT_FILE_NAME,
                bytes: file.content.clone(),
            },
            text("cipherHash", &file.cipher_hash),
            text("owner", &file.owner),
            text("ownerSignature", &file.owner_signature),
            text("expiresAt", &file.expires_at),
            text("encryptedProperties", &file.encrypted_properties),
        ];
        self.fetch(&Request::post("/api/v2/Files", &[]).body(Body::Multipart(fields)))
            .await
    }

    /// `GET /api/v2/Files/{id}/metadata`.
    pub async fn get_file_metadata(&self, id: &str) -> Result<FileMetadata> {
        self.fetch(&Request::get("/api/v2/Files/{id}/metadata", &[id]))
            .await
    }

    /// `GET /api/v2/Files?ids=…` (all pages).
    pub async fn list_files<S: AsRef<str>>(&self, ids: &[S]) -> Result<Vec<FileMetadata>> {
        let request = Request::get("/api/v2/Files", &[]).query(Query::new().repeated("ids", ids));
        self.fetch_all(&request).await
    }

    /// `GET /api/v2/Files/{id}`: the uploaded `content` bytes, unchanged.
    pub async fn download_file(&self, id: &str) -> Result<Vec<u8>> {
        let response = self
            .call(&Request::get("/api/v2/Files/{id}", &[id]))
            .await?;
        Ok(response.body)
    }

    /// `DELETE /api/v2/Files/{id}` (creator only).
    pub async fn delete_file(&self, id: &str) -> Result<()> {
        self.execute(&Request::delete("/api/v2/Files/{id}", &[id]))
            .await
    }

    /// `POST /api/v2/Files/{id}/ValidateOwnershipToken`.
    pub async fn validate_file_ownership_token(
        &self,
        id: &str,
        ownership_token: &str,
    ) -> Result<OwnershipTokenValidation> {
        let request = Request::post("/api/v2/Files/{id}/ValidateOwnershipToken", &[id])
            .json(&OwnershipTokenBody { ownership_token })?;
        self.fetch(&request).await
    }

    /// `PATCH /api/v2/Files/{id}/RegenerateOwnershipToken` (owner only).
    pub async fn regenerate_file_ownership_token(&self, id: &str) -> Result<NewOwnershipToken> {
        self.fetch(&Request::patch(
            "/api/v2/Files/{id}/RegenerateOwnershipToken",
            &[id],
        ))
        .await
    }

    /// `PATCH /api/v2/Files/{id}/ClaimOwnership`.
    pub async fn claim_file_ownership(
        &self,
        id: &str,
        ownership_token: &str,
    ) -> Result<NewOwnershipToken> {
        let request = Request::patch("/api/v2/Files/{id}/ClaimOwnership", &[id])
            .json(&OwnershipTokenBody { ownership_token })?;
        self.fetch(&request).await
    }
}
