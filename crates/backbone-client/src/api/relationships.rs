//! Relationships and their state machine (backbone-api §5.6, §6.1).

use crate::client::AuthenticatedClient;
use crate::dto::{
    CanCreateRelationship, CreateRelationshipRequest, CreationResponseBody, Relationship,
    RelationshipMetadata,
};
use crate::error::Result;
use crate::request::{Query, Request};

impl AuthenticatedClient {
    /// `GET /api/v2/Relationships/CanCreate?peer=<address>`.
    pub async fn can_create_relationship(&self, peer: &str) -> Result<CanCreateRelationship> {
        let request = Request::get("/api/v2/Relationships/CanCreate", &[])
            .query(Query::new().pair("peer", peer));
        self.fetch(&request).await
    }

    /// `POST /api/v2/Relationships`.
    pub async fn create_relationship(
        &self,
        relationship: &CreateRelationshipRequest,
    ) -> Result<RelationshipMetadata> {
        self.fetch(&Request::post("/api/v2/Relationships", &[]).json(relationship)?)
            .await
    }

    /// `GET /api/v2/Relationships/{id}`.
    pub async fn get_relationship(&self, id: &str) -> Result<Relationship> {
        self.fetch(&Request::get("/api/v2/Relationships/{id}", &[id]))
            .await
    }

    /// `GET /api/v2/Relationships?ids=…` (all pages; `ids` must not be empty).
    pub async fn list_relationships<S: AsRef<str>>(&self, ids: &[S]) -> Result<Vec<Relationship>> {
        let request =
            Request::get("/api/v2/Relationships", &[]).query(Query::new().repeated("ids", ids));
        self.fetch_all(&request).await
    }

    /// `PUT /api/v2/Relationships/{id}/Accept` (templator).
    pub async fn accept_relationship(
        &self,
        id: &str,
        creation_response_content: &str,
    ) -> Result<RelationshipMetadata> {
        let body = CreationResponseBody {
            creation_response_content: Some(creation_response_content.to_owned()),
        };
        self.change_relationship("/api/v2/Relationships/{id}/Accept", id, &body)
            .await
    }

    /// `PUT /api/v2/Relationships/{id}/Reject` (templator).
    pub async fn reject_relationship(
        &self,
        id: &str,
        creation_response_content: Option<&str>,
    ) -> Result<RelationshipMetadata> {
        let body = CreationResponseBody {
            creation_response_content: creation_response_content.map(str::to_owned),
        };
        self.change_relationship("/api/v2/Relationships/{id}/Reject", id, &body)
            .await
    }

    /// `PUT /api/v2/Relationships/{id}/Revoke` (requestor).
    pub async fn revoke_relationship(
        &self,
        id: &str,
        creation_response_content: Option<&str>,
    ) -> Result<RelationshipMetadata> {
        let body = CreationResponseBody {
            creation_response_content: creation_response_content.map(str::to_owned),
        };
        self.change_relationship("/api/v2/Relationships/{id}/Revoke", id, &body)
            .await
    }

    /// `PUT /api/v2/Relationships/{id}/Terminate`.
    pub async fn terminate_relationship(&self, id: &str) -> Result<RelationshipMetadata> {
        self.change_relationship(
            "/api/v2/Relationships/{id}/Terminate",
            id,
            &Default::default(),
        )
        .await
    }

    /// `PUT /api/v2/Relationships/{id}/Reactivate` (request a reactivation).
    pub async fn request_relationship_reactivation(
        &self,
        id: &str,
    ) -> Result<RelationshipMetadata> {
        self.change_relationship(
            "/api/v2/Relationships/{id}/Reactivate",
            id,
            &Default::default(),
        )
        .await
    }

    /// `PUT /api/v2/Relationships/{id}/Reactivate/Accept`.
    pub async fn accept_relationship_reactivation(&self, id: &str) -> Result<RelationshipMetadata> {
        self.change_relationship(
            "/api/v2/Relationships/{id}/Reactivate/Accept",
            id,
            &Default::default(),
        )
        .await
    }

    /// `PUT /api/v2/Relationships/{id}/Reactivate/Reject`.
    pub async fn reject_relationship_reactivation(&self, id: &str) -> Result<RelationshipMetadata> {
        self.change_relationship(
            "/api/v2/Relationships/{id}/Reactivate/Reject",
            id,
            &Default::default(),
        )
        .await
    }

    /// `PUT /api/v2/Relationships/{id}/Reactivate/Revoke`.
    pub async fn revoke_relationship_reactivation(&self, id: &str) -> Result<RelationshipMetadata> {
        self.change_relationship(
            "/api/v2/Relationships/{id}/Reactivate/Revoke",
            id,
            &Default::default(),
        )
        .await
    }

    /// `PUT /api/v2/Relationships/{id}/Decompose` (the response body is ignored, as the
    /// TypeScript client does).
    pub async fn decompose_relationship(&self, id: &str) -> Result<()> {
        self.execute(&Request::put("/api/v2/Relationships/{id}/Decompose", &[id]).empty_json())
            .await
    }

    async fn change_relationship(
        &self,
        template: &'static str,
        id: &str,
        body: &CreationResponseBody,
    ) -> Result<RelationshipMetadata> {
        self.fetch(&Request::put(template, &[id]).json(body)?).await
    }
}
