//! Tokens (backbone-api §5.8).

use super::id_password_query;
use crate::client::AuthenticatedClient;
use crate::dto::{CreateTokenRequest, Created, Token, TokenQuery, UpdateTokenContentRequest};
use crate::error::Result;
use crate::request::{Query, Request};

impl AuthenticatedClient {
    /// `POST /api/v2/Tokens` (with content, or empty when `content` is `None`).
    pub async fn create_token(&self, token: &CreateTokenRequest) -> Result<Created> {
        self.fetch(&Request::post("/api/v2/Tokens", &[]).json(token)?)
            .await
    }

    /// `GET /api/v2/Tokens/{id}` (allocates it for a non-creator); `password` is the standard
    /// base64 password hash.
    pub async fn get_token(&self, id: &str, password: Option<&str>) -> Result<Token> {
        let request = Request::get("/api/v2/Tokens/{id}", &[id])
            .query(Query::new().opt("password", password));
        self.fetch(&request).await
    }

    /// `GET /api/v2/Tokens?tokens.0.id=…` (all pages).
    pub async fn list_tokens(&self, tokens: &[TokenQuery]) -> Result<Vec<Token>> {
        let request =
            Request::get("/api/v2/Tokens", &[]).query(id_password_query("tokens", tokens));
        self.fetch_all(&request).await
    }

    /// `DELETE /api/v2/Tokens/{id}` (creator only).
    pub async fn delete_token(&self, id: &str) -> Result<()> {
        self.execute(&Request::delete("/api/v2/Tokens/{id}", &[id]))
            .await
    }

    /// `POST /api/v2/Tokens/{id}/UpdateContent`: fills an empty token (the response has no content).
    pub async fn update_token_content(&self, update: &UpdateTokenContentRequest) -> Result<Token> {
        let request =
            Request::post("/api/v2/Tokens/{id}/UpdateContent", &[&update.id]).json(update)?;
        self.fetch(&request).await
    }
}
