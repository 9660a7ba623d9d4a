//! Announcements, notifications, public template references (backbone-api §5.11).

use crate::client::AuthenticatedClient;
use crate::dto::{Announcement, PublicTemplateReference, SendNotificationRequest};
use crate::error::Result;
use crate::request::{Query, Request};

impl AuthenticatedClient {
    /// `GET /api/v2/Announcements?language=…`.
    pub async fn get_announcements(&self, language: &str) -> Result<Vec<Announcement>> {
        let request = Request::get("/api/v2/Announcements", &[])
            .query(Query::new().pair("language", language));
        self.fetch_all(&request).await
    }

    /// `POST /api/v2/Notifications`.
    pub async fn send_notification(&self, notification: &SendNotificationRequest) -> Result<()> {
        self.execute(&Request::post("/api/v2/Notifications", &[]).json(notification)?)
            .await
    }

    /// `GET /api/poc/PublicRelationshipTemplateReferences`.
    pub async fn get_public_template_references(&self) -> Result<Vec<PublicTemplateReference>> {
        self.fetch(&Request::get(
            "/api/poc/PublicRelationshipTemplateReferences",
            &[],
        ))
        .await
    }
}
