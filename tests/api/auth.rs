//! X-API-KEY authentication, the failed-auth delay and scopes.

use std::time::{Duration, Instant};

use crate::helpers::*;

#[tokio::test]
async fn a_valid_key_passes_and_the_header_name_is_case_insensitive() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/Monitoring/Version"))
        .header("x-api-key", FULL_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(
        body["version"].is_string() && body["runtimeVersion"].is_string(),
        "{body}"
    );
    assert!(body.get("result").is_none(), "monitoring bodies are raw");
}

#[tokio::test]
async fn a_wrong_or_missing_key_is_401_after_a_delay_of_one_to_four_seconds() {
    let app = spawn_app().await;
    for key in [Some("wrong"), None] {
        let started = Instant::now();
        let response = app.get("/api/core/v1/Messages", key).await;
        let elapsed = started.elapsed();
        let error = assert_error(response, 401, "error.connector.unauthorized").await;
        assert_eq!(error["message"], "Unauthorized.");
        assert!(
            elapsed >= Duration::from_secs(1) && elapsed < Duration::from_secs(5),
            "{elapsed:?}"
        );
    }
}

#[tokio::test]
async fn unknown_routes_need_credentials_first() {
    let app = spawn_app().await;
    assert_error(
        app.get("/no/such/route", None).await,
        401,
        "error.connector.unauthorized",
    )
    .await;
}

#[tokio::test]
async fn scopes_decide_access() {
    let app = spawn_app().await;
    // monitoring:* covers monitoring:version but not core routes
    assert_eq!(
        app.get("/Monitoring/Version", Some(MONITORING_KEY))
            .await
            .status(),
        200
    );
    assert_error(
        app.get("/api/core/v1/Files", Some(MONITORING_KEY)).await,
        403,
        "error.connector.forbidden",
    )
    .await;
    // core:** covers core routes, not monitoring
    let error = assert_error(
        app.get("/Monitoring/Requests", Some(CORE_KEY)).await,
        403,
        "error.connector.forbidden",
    )
    .await;
    assert_eq!(
        error["message"],
        "You are not allowed to access this endpoint."
    );
    // past authorization: this app runs without a Backbone, so a business route says so
    assert_error(
        app.get("/api/core/v1/Files", Some(CORE_KEY)).await,
        400,
        "error.connector.transportUnavailable",
    )
    .await;
    // an empty scope list permits nothing
    assert_error(
        app.get("/Monitoring/Version", Some(NO_SCOPE_KEY)).await,
        403,
        "error.connector.forbidden",
    )
    .await;
}

#[tokio::test]
async fn expired_and_disabled_keys_are_refused() {
    let expired = "Expired_TEST_key_with_enough_chars_12345!";
    let disabled = "Disabled_TEST_key_with_enough_chars_1234!";
    let app = spawn_app_with(
        |env| {
            env.push((
                "infrastructure__httpServer__authentication__apiKey__keys__old".into(),
                format!(r#"{{"key":"{expired}","expiresAt":"2020-01-01T00:00:00Z"}}"#),
            ));
            env.push((
                "infrastructure__httpServer__authentication__apiKey__keys__off".into(),
                format!(r#"{{"key":"{disabled}","enabled":false}}"#),
            ));
        },
        "http://127.0.0.1:9",
    )
    .await;
    let (a, b) = tokio::join!(
        app.get("/Monitoring/Version", Some(expired)),
        app.get("/Monitoring/Version", Some(disabled))
    );
    assert_eq!(a.status(), 401);
    assert_eq!(b.status(), 401);
}

#[tokio::test]
async fn debug_mode_without_keys_is_open() {
    let app = spawn_app_with(
        |env| {
            env.retain(|(k, _)| !k.contains("apiKey"));
            env.push(("DEBUG".into(), "true".into()));
        },
        "http://127.0.0.1:9",
    )
    .await;
    assert_eq!(app.get("/Monitoring/Version", None).await.status(), 200);
    // The debug-only route is reachable without a key (this app has no Backbone behind it).
    assert_error(
        app.get("/api/core/v1/IdentityDeletionProcess", None).await,
        400,
        "error.connector.transportUnavailable",
    )
    .await;
}
