//! Challenges (backbone-api §3.1).

use crate::client::AuthenticatedClient;
use crate::dto::Challenge;
use crate::error::Result;
use crate::request::Request;

impl AuthenticatedClient {
    /// `POST /api/v2/Challenges` with a token (`createdBy`/`createdByDevice` filled).
    pub async fn create_challenge(&self) -> Result<Challenge> {
        self.fetch(&Request::post("/api/v2/Challenges", &[]).empty_json())
            .await
    }

    /// `GET /api/v2/Challenges/{id}`.
    pub async fn get_challenge(&self, id: &str) -> Result<Challenge> {
        self.fetch(&Request::get("/api/v2/Challenges/{id}", &[id]))
            .await
    }
}
