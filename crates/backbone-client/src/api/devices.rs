//! Devices (backbone-api §5.4).

use crate::client::AuthenticatedClient;
use crate::dto::{
    ChangePasswordRequest, CreateDeviceRequest, CreatedDevice, Device, PushRegistration,
    PushRegistrationResponse, UpdateDeviceRequest,
};
use crate::error::Result;
use crate::request::Request;

impl AuthenticatedClient {
    /// `POST /api/v2/Devices`: another device of the caller's identity.
    pub async fn create_device(&self, device: &CreateDeviceRequest) -> Result<CreatedDevice> {
        self.fetch(&Request::post("/api/v2/Devices", &[]).json(device)?)
            .await
    }

    /// `DELETE /api/v2/Devices/{id}` (only devices that never logged in).
    pub async fn delete_device(&self, id: &str) -> Result<()> {
        self.execute(&Request::delete("/api/v2/Devices/{id}", &[id]))
            .await
    }

    /// `GET /api/v2/Devices/Self`.
    pub async fn get_device_self(&self) -> Result<Device> {
        self.fetch(&Request::get("/api/v2/Devices/Self", &[])).await
    }

    /// `PUT /api/v2/Devices/Self` (communication language).
    pub async fn update_device_self(&self, communication_language: &str) -> Result<()> {
        let body = UpdateDeviceRequest {
            communication_language: communication_language.to_owned(),
        };
        self.execute(&Request::put("/api/v2/Devices/Self", &[]).json(&body)?)
            .await
    }

    /// `PUT /api/v2/Devices/Self/Password`; on success later logins use `new_password`.
    pub async fn change_password(&self, old_password: &str, new_password: &str) -> Result<()> {
        let body = ChangePasswordRequest {
            old_password: old_password.to_owned(),
            new_password: new_password.to_owned(),
        };
        self.execute(&Request::put("/api/v2/Devices/Self/Password", &[]).json(&body)?)
            .await?;
        self.set_password(new_password).await;
        Ok(())
    }

    /// `PUT /api/v2/Devices/Self/PushNotifications`.
    pub async fn register_push_notifications(
        &self,
        registration: &PushRegistration,
    ) -> Result<PushRegistrationResponse> {
        self.fetch(&Request::put("/api/v2/Devices/Self/PushNotifications", &[]).json(registration)?)
            .await
    }

    /// `DELETE /api/v2/Devices/Self/PushNotifications`.
    pub async fn unregister_push_notifications(&self) -> Result<()> {
        self.execute(&Request::delete(
            "/api/v2/Devices/Self/PushNotifications",
            &[],
        ))
        .await
    }
}
