//! Messages (backbone-api §5.7).

use crate::client::AuthenticatedClient;
use crate::dto::{Created, Message, SendMessageRequest};
use crate::error::Result;
use crate::request::{Query, Request};

impl AuthenticatedClient {
    /// `POST /api/v2/Messages`.
    pub async fn send_message(&self, message: &SendMessageRequest) -> Result<Created> {
        self.fetch(&Request::post("/api/v2/Messages", &[]).json(message)?)
            .await
    }

    /// `GET /api/v2/Messages/{id}` (marks it received for a recipient).
    pub async fn get_message(&self, id: &str) -> Result<Message> {
        self.fetch(&Request::get("/api/v2/Messages/{id}", &[id]))
            .await
    }

    /// `GET /api/v2/Messages?ids=…` (all pages; marks them received).
    pub async fn list_messages<S: AsRef<str>>(&self, ids: &[S]) -> Result<Vec<Message>> {
        let request =
            Request::get("/api/v2/Messages", &[]).query(Query::new().repeated("ids", ids));
        self.fetch_all(&request).await
    }
}
