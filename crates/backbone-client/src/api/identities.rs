//! The caller's identity and its deletion processes (backbone-api §5.3).

use crate::client::AuthenticatedClient;
use crate::dto::{DeletionProcess, IdentitySelf, StartDeletionProcessRequest};
use crate::error::Result;
use crate::request::Request;

impl AuthenticatedClient {
    /// `GET /api/v2/Identities/Self`.
    pub async fn get_identity_self(&self) -> Result<IdentitySelf> {
        self.fetch(&Request::get("/api/v2/Identities/Self", &[]))
            .await
    }

    /// `POST /api/v2/Identities/Self/DeletionProcesses` (grace period in days, server default when
    /// `None`).
    pub async fn start_deletion_process(
        &self,
        length_of_grace_period_in_days: Option<u32>,
    ) -> Result<DeletionProcess> {
        let body = StartDeletionProcessRequest {
            length_of_grace_period_in_days,
        };
        self.fetch(&Request::post("/api/v2/Identities/Self/DeletionProcesses", &[]).json(&body)?)
            .await
    }

    /// `GET /api/v2/Identities/Self/DeletionProcesses/{id}`.
    pub async fn get_deletion_process(&self, id: &str) -> Result<DeletionProcess> {
        self.fetch(&Request::get(
            "/api/v2/Identities/Self/DeletionProcesses/{id}",
            &[id],
        ))
        .await
    }

    /// `GET /api/v2/Identities/Self/DeletionProcesses` (all pages).
    pub async fn list_deletion_processes(&self) -> Result<Vec<DeletionProcess>> {
        self.fetch_all(&Request::get(
            "/api/v2/Identities/Self/DeletionProcesses",
            &[],
        ))
        .await
    }

    /// `PUT /api/v2/Identities/Self/DeletionProcesses/{id}/Cancel`.
    pub async fn cancel_deletion_process(&self, id: &str) -> Result<DeletionProcess> {
        self.fetch(
            &Request::put(
                "/api/v2/Identities/Self/DeletionProcesses/{id}/Cancel",
                &[id],
            )
            .empty_json(),
        )
        .await
    }
}
