//! Tracing output of Backbone calls: one span per call with method, path template and status,
//! and never a token, password or secret. Alone in its test binary, because a scoped tracing
//! subscriber does not reliably see callsites that parallel tests hit first.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod stub;

use std::sync::{Arc, Mutex};

use serde_json::json;
use stub::{Reply, Stub};

/// Collects formatted tracing output.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn tracing_records_calls_but_no_secrets() {
    let stub = stub::start(|r| match r.path.as_str() {
        "/api/v2/Tokens/TOKa1b2c3d4e5f6g7h8i" => {
            Reply::error(404, "error.platform.recordNotFound", "x")
        }
        _ => Reply::result(
            200,
            json!({"id": "DVCa8Kd02LmQx7Rt5Zp3", "username": "USRq3Rr9Xb2Lk0Pw8Mn1", "createdAt": "2025-03-01T10:00:05.123Z", "createdByDevice": null, "lastLogin": null, "communicationLanguage": "en", "isBackupDevice": false}),
        ),
    });
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let client = stub.client().authenticated(Stub::credentials());
    client.get_device_self().await.unwrap();
    stub.revoke_tokens();
    client.get_device_self().await.unwrap();
    client
        .get_token("TOKa1b2c3d4e5f6g7h8i", Some("cGFzc3dvcmQ="))
        .await
        .unwrap_err();
    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("backbone.request"), "{text}");
    assert!(text.contains("path=\"/api/v2/Devices/Self\""), "{text}");
    assert!(text.contains("path=\"/api/v2/Tokens/{id}\""), "{text}");
    assert!(text.contains("status=401"), "{text}");
    for secret in [
        "Device-Password-1",
        "token-1",
        "token-2",
        "cGFzc3dvcmQ",
        "secret",
    ] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    assert!(!format!("{client:?}").contains("Device-Password-1"));
}
