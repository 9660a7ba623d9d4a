//! Client configuration and device credentials (both redact their secrets in `Debug`).

use std::fmt;
use std::time::Duration;

/// Where the Backbone is and which OAuth client this Connector is.
#[derive(Clone)]
pub struct ClientConfig {
    /// Base URL, e.g. `http://localhost:8090` (a path prefix is kept; a trailing slash is ignored).
    pub base_url: String,
    /// OAuth client id (`platformClientId`).
    pub client_id: String,
    /// OAuth client secret (`platformClientSecret`).
    pub client_secret: String,
    /// Timeout for each HTTP request (connect, send and receive).
    pub timeout: Duration,
}

impl ClientConfig {
    /// A configuration with the default timeout of 60 s.
    pub fn new(
        base_url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        Self {
            base_url: base_url.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            timeout: Duration::from_secs(60),
        }
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &self.base_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The login of one device (`USR…` username and its password).
#[derive(Clone, PartialEq, Eq)]
pub struct DeviceCredentials {
    /// Device username (`USR…`).
    pub username: String,
    /// Device password.
    pub password: String,
}

impl DeviceCredentials {
    /// Credentials from username and password.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            password: password.into(),
        }
    }
}

impl fmt::Debug for DeviceCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceCredentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_secrets() {
        let c = ClientConfig::new("http://x", "id", "s3cr3t");
        assert!(!format!("{c:?}").contains("s3cr3t"));
        let d = DeviceCredentials::new("USR1", "pa55word");
        let text = format!("{d:?}");
        assert!(text.contains("USR1") && !text.contains("pa55word"));
    }
}
