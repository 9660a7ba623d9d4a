//! Correlation id, response headers and the request counter.

use crate::helpers::*;

#[tokio::test]
async fn correlation_id_is_taken_from_the_request_or_generated() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/health"))
        .header("X-Correlation-ID", "my-id-123")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-correlation-id"], "my-id-123");
    let response = app.client.get(app.url("/health")).send().await.unwrap();
    let generated = response.headers()["x-correlation-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(uuid::Uuid::parse_str(&generated).is_ok(), "{generated}");
    assert!(response.headers().contains_key("x-response-time"));
    assert!(
        response.headers()["x-response-duration-ms"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .is_ok()
    );
}

#[tokio::test]
async fn requests_are_counted_by_status() {
    let app = spawn_app().await;
    app.get("/health", None).await;
    app.get("/nothing", Some(FULL_KEY)).await;
    let body: serde_json::Value = app
        .get("/Monitoring/Requests", Some(FULL_KEY))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["requestCount"], 2, "{body}");
    assert_eq!(body["requestCountByStatus"]["404"], 1, "{body}");
    assert_eq!(
        body["requestCountByStatus"]["500"], 1,
        "health is 500 without a Backbone: {body}"
    );
    assert!(body["since"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn security_headers_and_compression() {
    let app = spawn_app().await;
    let response = app.get("/health", None).await;
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert_eq!(response.headers()["x-frame-options"], "SAMEORIGIN");
    let response = app
        .client
        .get(app.url("/Monitoring/Support"))
        .header("X-API-KEY", FULL_KEY)
        .header("Accept-Encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-encoding"], "gzip");
}
