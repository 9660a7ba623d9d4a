//! How a development Backbone is set up.

use std::path::PathBuf;

/// Settings of a development Backbone.
#[derive(Debug, Clone)]
pub struct BackboneConfig {
    /// TCP port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Where state is kept; `None` keeps everything in memory.
    pub data_dir: Option<PathBuf>,
    /// The one accepted OAuth client.
    pub client_id: String,
    pub client_secret: String,
    /// DID domain of identity addresses: must equal the hostname clients put in their base URL.
    pub did_domain: String,
    /// Access token lifetime in seconds (300 on the real Backbone).
    pub access_token_lifetime_secs: i64,
    /// `MaxNumberOfUnreceivedMessagesFromOneSender` (20 on the real Backbone).
    pub max_unreceived_messages_from_one_sender: usize,
    /// `MaxNumberOfMessageRecipients` (deployments configure it; 1 in the shipped defaults).
    pub max_message_recipients: usize,
    /// Upper bound of an uploaded file's (encrypted) content.
    pub max_file_size: usize,
    /// Default sync run lifetime in seconds.
    pub sync_run_duration_secs: i64,
    /// Grace period of a deletion process started without `lengthOfGracePeriodInDays`
    /// (`IdentityDeletionConfiguration.LengthOfGracePeriodInDays`: 14 days on the real Backbone).
    pub deletion_grace_period: std::time::Duration,
}

impl Default for BackboneConfig {
    fn default() -> Self {
        Self {
            port: 0,
            data_dir: None,
            client_id: "test".into(),
            client_secret: "test".into(),
            did_domain: "localhost".into(),
            access_token_lifetime_secs: 300,
            max_unreceived_messages_from_one_sender: 20,
            max_message_recipients: 50,
            max_file_size: 10 * 1024 * 1024,
            sync_run_duration_secs: 10,
            deletion_grace_period: DEFAULT_DELETION_GRACE_PERIOD,
        }
    }
}

/// The real Backbone's default grace period of an identity deletion: 14 days.
pub const DEFAULT_DELETION_GRACE_PERIOD: std::time::Duration =
    std::time::Duration::from_secs(14 * 24 * 60 * 60);

/// Size limits of JSON bodies (10 MiB of content as base64 plus the rest of the body).
pub const MAX_JSON_BODY: usize = 16 * 1024 * 1024;
/// 10 MiB, the real server's limit for message bodies, template, token and relationship contents.
pub const MAX_CONTENT: usize = 10 * 1024 * 1024;
