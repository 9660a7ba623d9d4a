//! Relationship templates (backbone-api §5.5).

use super::id_password_query;
use crate::client::AuthenticatedClient;
use crate::dto::{CreateTemplateRequest, Created, Template, TemplateQuery};
use crate::error::Result;
use crate::request::{Query, Request};

impl AuthenticatedClient {
    /// `POST /api/v2/RelationshipTemplates`.
    pub async fn create_template(&self, template: &CreateTemplateRequest) -> Result<Created> {
        self.fetch(&Request::post("/api/v2/RelationshipTemplates", &[]).json(template)?)
            .await
    }

    /// `GET /api/v2/RelationshipTemplates/{id}` (allocates it for a non-creator); `password` is the
    /// standard base64 password hash.
    pub async fn get_template(&self, id: &str, password: Option<&str>) -> Result<Template> {
        let request = Request::get("/api/v2/RelationshipTemplates/{id}", &[id])
            .query(Query::new().opt("password", password));
        self.fetch(&request).await
    }

    /// `GET /api/v2/RelationshipTemplates?templates.0.id=…&templates.0.password=…` (all pages).
    pub async fn list_templates(&self, templates: &[TemplateQuery]) -> Result<Vec<Template>> {
        let request = Request::get("/api/v2/RelationshipTemplates", &[])
            .query(id_password_query("templates", templates));
        self.fetch_all(&request).await
    }

    /// `DELETE /api/v2/RelationshipTemplates/{id}` (creator only).
    pub async fn delete_template(&self, id: &str) -> Result<()> {
        self.execute(&Request::delete(
            "/api/v2/RelationshipTemplates/{id}",
            &[id],
        ))
        .await
    }
}
