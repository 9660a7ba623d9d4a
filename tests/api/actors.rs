//! The actors behind the REST API: with `modules.sse` or `modules.sync` a Connector picks up an
//! incoming relationship and message without `POST /Account/Sync`; routes whose actor is gone
//! (sync, file upload) answer a 500 `error.connector.unexpected` at once instead of hanging.

use std::time::{Duration, Instant};

use connector::config;
use connector::startup::{Application, RunOptions};
use serde_json::{Value, json};

use crate::helpers::{FULL_KEY, isolated_sources, test_env};

struct Connector {
    base: String,
    client: reqwest::Client,
    actors: Option<connector_actors::Actors>,
    _dir: tempfile::TempDir,
}

impl Connector {
    async fn start(backbone_url: &str, extra_env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut env = test_env(dir.path(), backbone_url);
        for (name, value) in &mut env {
            if name == "PLATFORM_CLIENT_SECRET" {
                *value = "test".into();
            }
        }
        env.extend(
            extra_env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        let loaded = config::load(&isolated_sources(dir.path(), env)).unwrap();
        let app = Application::start(
            loaded,
            RunOptions {
                workers: 1,
                ..RunOptions::default()
            },
        )
        .await
        .unwrap();
        let base = format!("http://127.0.0.1:{}/api/core/v1", app.port());
        let actors = app.actors().cloned();
        tokio::spawn(app.run_until_stopped());
        Self {
            base,
            client: reqwest::Client::new(),
            actors,
            _dir: dir,
        }
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("X-API-KEY", FULL_KEY);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn ok(&self, method: &str, path: &str, body: Option<Value>, status: u16) -> Value {
        let (got, body) = self.call(method, path, body).await;
        assert_eq!(got, status, "{method} {path}: {body}");
        body["result"].clone()
    }

    async fn address(&self) -> String {
        self.ok("GET", "/Account/IdentityInfo", None, 200).await["address"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Polls `GET path` until `result` has an entry (panics after 15 s).
    async fn eventually_listed(&self, path: &str) -> Value {
        let what = format!("an entry in GET {path}");
        test_support::eventually(&what, Duration::from_secs(15), async || {
            let listed = self.ok("GET", path, None, 200).await;
            listed
                .as_array()
                .and_then(|l| l.first())
                .cloned()
                .ok_or(listed)
        })
        .await
    }
}

fn in_a_day() -> String {
    nmshd_wire::CoreDate::from_offset_date_time(
        time::OffsetDateTime::now_utc() + time::Duration::days(1),
    )
    .to_iso_string()
}

/// `a` syncs by itself (sse or sync module); `b` requests a relationship on `a`'s template and
/// sends a message once it is accepted. `a` never calls `POST /Account/Sync`.
async fn picks_up_without_sync_calls(a: &Connector, b: &Connector) {
    let a_address = a.address().await;
    let template = a
        .ok(
            "POST",
            "/RelationshipTemplates/Own",
            Some(json!({
                "content": {"@type": "ArbitraryRelationshipTemplateContent", "value": {}},
                "expiresAt": in_a_day(),
            })),
            201,
        )
        .await;
    let template_id = template["id"].as_str().unwrap().to_owned();
    let token = a
        .ok(
            "POST",
            &format!("/RelationshipTemplates/Own/{template_id}/Token"),
            Some(json!({})),
            201,
        )
        .await;
    b.ok(
        "POST",
        "/RelationshipTemplates/Peer",
        Some(json!({"reference": token["reference"]["truncated"]})),
        201,
    )
    .await;
    let creation = json!({"@type": "ArbitraryRelationshipCreationContent", "value": {}});
    let relationship = b
        .ok(
            "POST",
            "/Relationships",
            Some(json!({"templateId": template_id, "creationContent": creation})),
            201,
        )
        .await;
    let relationship_id = relationship["id"].as_str().unwrap();

    let incoming = a.eventually_listed("/Relationships").await;
    assert_eq!(incoming["id"], relationship_id);
    a.ok(
        "PUT",
        &format!("/Relationships/{relationship_id}/Accept"),
        None,
        200,
    )
    .await;
    b.ok("POST", "/Account/Sync", None, 204).await;

    let sent = b
        .ok(
            "POST",
            "/Messages",
            Some(json!({
                "recipients": [a_address],
                "content": {"@type": "Mail", "to": [a_address], "subject": "hi", "body": "x"},
            })),
            201,
        )
        .await;
    let received = a.eventually_listed("/Messages").await;
    assert_eq!(received["id"], sent["id"]);
}

#[tokio::test]
async fn the_sse_module_picks_up_relationships_and_messages() {
    let backbone = devbackbone::start(devbackbone::BackboneConfig::default())
        .await
        .unwrap();
    let a = Connector::start(&backbone.base_url(), &[("modules__sse__enabled", "true")]).await;
    let b = Connector::start(&backbone.base_url(), &[]).await;
    picks_up_without_sync_calls(&a, &b).await;
}

#[tokio::test]
async fn the_sync_module_picks_up_relationships_and_messages() {
    let backbone = devbackbone::start(devbackbone::BackboneConfig::default())
        .await
        .unwrap();
    let a = Connector::start(
        &backbone.base_url(),
        &[
            ("modules__sync__enabled", "true"),
            ("modules__sync__interval", "1"),
        ],
    )
    .await;
    let b = Connector::start(&backbone.base_url(), &[]).await;
    picks_up_without_sync_calls(&a, &b).await;
}

#[tokio::test]
async fn routes_whose_actor_is_gone_answer_500_at_once() {
    let backbone = devbackbone::start(devbackbone::BackboneConfig::default())
        .await
        .unwrap();
    let a = Connector::start(&backbone.base_url(), &[]).await;
    a.ok("POST", "/Account/Sync", None, 204).await;

    let actors = a.actors.as_ref().unwrap();
    actors.system.stop();
    test_support::eventually("the actors gone", Duration::from_secs(10), async || {
        let alive = [
            actors.sync.connected(),
            actors.messaging.connected(),
            actors.files.connected(),
            actors.identity.connected(),
        ];
        if alive.contains(&true) {
            Err(format!("{alive:?}"))
        } else {
            Ok(())
        }
    })
    .await;

    let started = Instant::now();
    let (status, body) = a.call("POST", "/Account/Sync", None).await;
    assert_eq!(status, 500, "{body}");
    assert_eq!(body["error"]["code"], "error.connector.unexpected");
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"hello".to_vec())
            .file_name("a.txt")
            .mime_str("text/plain")
            .unwrap(),
    );
    let response = a
        .client
        .post(format!("{}/Files/Own", a.base))
        .header("X-API-KEY", FULL_KEY)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 500);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "error.connector.unexpected");
    assert!(started.elapsed() < Duration::from_secs(10));
}
