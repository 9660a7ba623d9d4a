//! Devices (backbone-api §3.6, §5.4).

use serde::{Deserialize, Serialize};

use super::SignedChallenge;

/// Body of `POST /api/v2/Devices` (a new device of the caller's identity).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateDeviceRequest {
    /// Password of the new device.
    pub device_password: String,
    /// Challenge signed with the identity key.
    pub signed_challenge: SignedChallenge,
    /// Whether this is the (single) backup device.
    pub is_backup_device: bool,
    /// Two-letter language code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub communication_language: Option<String>,
}

/// Response of `POST /api/v2/Devices`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedDevice {
    /// `DVC…` id.
    pub id: String,
    /// `USR…` username.
    pub username: String,
    /// Creation time.
    pub created_at: String,
    /// Device that created it.
    pub created_by_device: Option<String>,
    /// Backup device flag.
    #[serde(default)]
    pub is_backup_device: bool,
}

/// `lastLogin` of a device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastLogin {
    /// Time of the last login.
    pub time: Option<String>,
}

/// `DeviceDTO`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    /// `DVC…` id.
    pub id: String,
    /// `USR…` username.
    pub username: String,
    /// Creation time.
    pub created_at: String,
    /// Device that created it.
    pub created_by_device: Option<String>,
    /// Last login.
    pub last_login: Option<LastLogin>,
    /// Two-letter language code.
    pub communication_language: Option<String>,
    /// Backup device flag.
    #[serde(default)]
    pub is_backup_device: bool,
}

/// Body of `PUT /api/v2/Devices/Self`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateDeviceRequest {
    /// Two-letter ISO 639-1 code.
    pub communication_language: String,
}

/// Body of `PUT /api/v2/Devices/Self/Password`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangePasswordRequest {
    /// Current password.
    pub old_password: String,
    /// New password.
    pub new_password: String,
}

impl std::fmt::Debug for ChangePasswordRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChangePasswordRequest { <redacted> }")
    }
}

string_enum! {
    /// Push notification platform.
    pub enum PushPlatform {
        /// Firebase.
        Fcm = "fcm",
        /// Apple.
        Apns = "apns",
        /// No delivery.
        Dummy = "dummy",
        /// Server-sent events.
        Sse = "sse",
    }
}

string_enum! {
    /// Push environment.
    pub enum PushEnvironment {
        /// Development.
        Development = "Development",
        /// Production.
        Production = "Production",
    }
}

/// Body of `PUT /api/v2/Devices/Self/PushNotifications`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushRegistration {
    /// Platform.
    pub platform: PushPlatform,
    /// Platform handle (10–500 chars).
    pub handle: String,
    /// App id, e.g. `eu.enmeshed.app`.
    pub app_id: String,
    /// Environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<PushEnvironment>,
}

/// Response of `PUT /api/v2/Devices/Self/PushNotifications`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushRegistrationResponse {
    /// `DPI…` id.
    pub device_push_identifier: String,
}
