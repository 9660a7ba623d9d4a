//! `/health` and `/Monitoring/Support`.

use actix_web::{App, HttpResponse, HttpServer, web};

use crate::helpers::JsonBody;
use crate::helpers::*;
use crate::rest_peer::start_backbone;

/// A stand-in Backbone that only answers `/health`.
#[expect(
    clippy::unused_async,
    reason = "must run inside the tokio runtime: it spawns the server"
)]
async fn fake_backbone() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = HttpServer::new(|| App::new().route("/health", web::get().to(HttpResponse::Ok)))
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
    tokio::spawn(server);
    format!("http://127.0.0.1:{port}")
}

#[tokio::test]
async fn health_is_public_raw_and_500_when_the_backbone_is_unreachable() {
    let app = spawn_app().await;
    let response = app.get("/health", None).await;
    assert_eq!(response.status(), 500);
    assert!(
        app.data_dir.path().join("data").join("default.db").exists(),
        "embedded store in database.folder"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({"isHealthy": false, "services": {"database": "healthy", "backboneConnection": "unhealthy", "backboneAuthentication": "unhealthy"}})
    );
}

#[tokio::test]
async fn health_sees_a_reachable_backbone() {
    let backbone = fake_backbone().await;
    let app = spawn_app_with(|_| {}, &backbone).await;
    let body: serde_json::Value = app.get("/HEALTH/", None).await.json().await.unwrap();
    assert_eq!(body["services"]["backboneConnection"], "healthy", "{body}");
    // without the transport layer the Backbone login cannot be shown to work
    assert_eq!(body["services"]["backboneAuthentication"], "unhealthy");
    assert_eq!(body["isHealthy"], false);
}

#[tokio::test]
async fn support_redacts_secrets() {
    let app = spawn_app().await;
    let response = app.get("/Monitoring/Support", Some(FULL_KEY)).await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert!(
        !text.contains(FULL_KEY) && !text.contains("a-client-secret-value"),
        "{text}"
    );
    let body: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        body["configuration"]["transportLibrary"]["platformClientSecret"],
        "***"
    );
    assert_eq!(
        body["configuration"]["infrastructure"]["httpServer"]["authentication"]["apiKey"],
        "redacted (enabled)"
    );
    assert_eq!(
        body["configuration"]["infrastructure"]["httpServer"]["authentication"]["oidc"],
        "redacted (disabled)"
    );
    assert!(body["identityInfo"]["error"].is_string());
    assert_eq!(body["health"]["isHealthy"], false);
}

#[tokio::test]
async fn the_sandbox_connector_serves_with_its_generated_key() {
    use connector::sandbox::{SandboxBackbone, build_dev_connector};
    let dev_backbone = start_backbone().await;
    let backbone = SandboxBackbone {
        base_url: dev_backbone.base_url(),
        client_id: "test".into(),
        client_secret: "test".into(),
    };
    let dir = tempfile::tempdir().unwrap();
    let env = vec![
        (
            "infrastructure__httpServer__port".to_owned(),
            "0".to_owned(),
        ),
        (
            "database__folder".to_owned(),
            dir.path().join("data").display().to_string(),
        ),
    ];
    let sources = isolated_sources(dir.path(), env);
    let folder = connector::sandbox::sandbox_data_folder(&sources).unwrap();
    assert_eq!(folder, dir.path().join("data"));
    let dev = build_dev_connector(sources, &backbone).await.unwrap();
    let banner = connector::sandbox::banner(&dev, &backbone);
    assert!(banner.contains("http://127.0.0.1:"), "{banner}");
    assert!(
        banner.contains(&dev.api_key) && banner.contains(&backbone.base_url),
        "{banner}"
    );
    let address = format!("http://127.0.0.1:{}", dev.app.port());
    let key = dev.api_key.clone();
    let handle = dev.app.handle();
    tokio::spawn(dev.app.run_until_stopped());
    let client = reqwest::Client::new();
    let response = client
        .get(format!("{address}/Monitoring/Version"))
        .header("X-API-KEY", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = client.get(format!("{address}/health")).json_body().await;
    assert_eq!(
        body["services"]["backboneConnection"], "healthy",
        "the sandbox points at its Backbone: {body}"
    );
    assert_eq!(
        body["isHealthy"], true,
        "the sandbox onboarded and can log in: {body}"
    );
    let info: serde_json::Value = client
        .get(format!("{address}/api/core/v1/Account/IdentityInfo"))
        .header("X-API-KEY", &key)
        .json_body()
        .await;
    assert!(
        info["result"]["address"]
            .as_str()
            .is_some_and(|a| a.starts_with("did:e:localhost:dids:")),
        "{info}"
    );
    handle.stop(false).await;
}
