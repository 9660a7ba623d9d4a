//! Anonymous endpoints (backbone-api §2.3).

use crate::client::BackboneClient;
use crate::dto::{
    Challenge, CreateIdentityBody, CreateIdentityRequest, CreateTokenRequest, Created,
    CreatedIdentity, IsDeletedResponse, Tags, TagsResponse, Token, VersionInfo,
};
use crate::envelope;
use crate::error::Result;
use crate::request::{Query, Request};

impl BackboneClient {
    /// `GET /api/v2/Version`.
    pub async fn get_version(&self) -> Result<VersionInfo> {
        let response = self.call(&Request::get("/api/v2/Version", &[])).await?;
        envelope::result_or_bare(&response.body)
    }

    /// `POST /api/v2/Challenges` without a token.
    pub async fn create_challenge(&self) -> Result<Challenge> {
        let request = Request::post("/api/v2/Challenges", &[]).empty_json();
        self.call(&request).await?.result()
    }

    /// `POST /api/v2/Identities`: creates an identity and its first device; the OAuth client id
    /// and secret come from the configuration.
    pub async fn create_identity(
        &self,
        identity: &CreateIdentityRequest,
    ) -> Result<CreatedIdentity> {
        let config = self.config();
        let body = CreateIdentityBody {
            identity_public_key: &identity.identity_public_key,
            device_password: &identity.device_password,
            signed_challenge: &identity.signed_challenge,
            client_id: &config.client_id,
            client_secret: &config.client_secret,
            identity_version: identity.identity_version,
        };
        let request = Request::post("/api/v2/Identities", &[]).json(&body)?;
        self.call(&request).await?.result()
    }

    /// `GET /api/v2/Identities/IsDeleted?username=…`.
    pub async fn is_identity_deleted(&self, username: &str) -> Result<IsDeletedResponse> {
        let request = Request::get("/api/v2/Identities/IsDeleted", &[])
            .query(Query::new().pair("username", username));
        self.call(&request).await?.result()
    }

    /// `GET /api/v2/Tokens/{id}` without a token (`password`: standard base64 hash).
    pub async fn get_token(&self, id: &str, password: Option<&str>) -> Result<Token> {
        let request = Request::get("/api/v2/Tokens/{id}", &[id])
            .query(Query::new().opt("password", password));
        self.call(&request).await?.result()
    }

    /// `POST /api/v2/Tokens` without a token: an empty token (`content` must be `None`, `expiresAt`
    /// less than 5 minutes ahead).
    pub async fn create_empty_token(&self, token: &CreateTokenRequest) -> Result<Created> {
        let request = Request::post("/api/v2/Tokens", &[]).json(token)?;
        self.call(&request).await?.result()
    }

    /// `GET /api/v2/Tags`, with `If-None-Match` when `etag` is given.
    pub async fn get_tags(&self, etag: Option<&str>) -> Result<TagsResponse> {
        let mut request = Request::get("/api/v2/Tags", &[]);
        if let Some(etag) = etag {
            request = request.header("if-none-match", etag);
        }
        let response = self.call(&request).await?;
        if response.status == 304 {
            return Ok(TagsResponse::NotModified);
        }
        let tags: Tags = envelope::result_or_bare(&response.body)?;
        Ok(TagsResponse::Modified {
            tags,
            etag: response.header("etag"),
        })
    }
}
