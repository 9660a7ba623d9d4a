//! A Connector started in-process on a dev Backbone and called over REST, for the tests in which
//! two Connectors talk to each other; `relate` makes them peers over REST only.

use connector::config;
use connector::startup::{Application, RunOptions};
use serde_json::{Value, json};

use crate::helpers::{FULL_KEY, isolated_sources, test_env};

pub struct Connector {
    address: String,
    client: reqwest::Client,
    _dir: Option<tempfile::TempDir>,
}

impl Connector {
    pub async fn start(backbone_url: &str) -> Self {
        Self::start_with_env(backbone_url, Vec::new()).await
    }

    /// A Connector with more configuration from the environment (e.g. a module's settings).
    pub async fn start_with_env(backbone_url: &str, extra_env: Vec<(String, String)>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut env = test_env(dir.path(), backbone_url);
        env.extend(extra_env);
        for (name, value) in &mut env {
            if name == "PLATFORM_CLIENT_SECRET" {
                *value = "test".into();
            }
        }
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
        let address = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        Self {
            address,
            client: reqwest::Client::new(),
            _dir: Some(dir),
        }
    }

    /// A Connector that already runs elsewhere (e.g. a `connector start` process), by base URL.
    pub fn remote(address: &str) -> Self {
        Self {
            address: address.trim_end_matches('/').to_owned(),
            client: reqwest::Client::new(),
            _dir: None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/api/core/v1{path}", self.address)
    }

    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> reqwest::Response {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self
            .client
            .request(method, self.url(path))
            .header("X-API-KEY", FULL_KEY);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    pub async fn ok(&self, method: &str, path: &str, body: Option<Value>, status: u16) -> Value {
        let response = self.call(method, path, body).await;
        let got = response.status().as_u16();
        let text = response.text().await.unwrap();
        assert_eq!(got, status, "{method} {path}: {text}");
        if text.is_empty() {
            return Value::Null;
        }
        serde_json::from_str::<Value>(&text).unwrap()["result"].clone()
    }

    pub async fn upload(&self, form: reqwest::multipart::Form) -> reqwest::Response {
        self.client
            .post(self.url("/Files/Own"))
            .header("X-API-KEY", FULL_KEY)
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    /// A raw request: full path (with the API prefix), raw body bytes, a content type.
    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        body: Vec<u8>,
        content_type: &str,
    ) -> (u16, String) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let response = self
            .client
            .request(method, format!("{}{path}", self.address))
            .header("X-API-KEY", FULL_KEY)
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    }

    pub async fn address(&self) -> String {
        self.ok("GET", "/Account/IdentityInfo", None, 200).await["address"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

pub fn in_a_day() -> String {
    nmshd_wire::CoreDate::from_offset_date_time(
        time::OffsetDateTime::now_utc() + time::Duration::days(1),
    )
    .to_iso_string()
}

/// a templates, b requests, a accepts; all over REST.
pub async fn relate(a: &Connector, b: &Connector) {
    let content = json!({"@type": "ArbitraryRelationshipTemplateContent", "value": {}});
    let template = a
        .ok(
            "POST",
            "/RelationshipTemplates/Own",
            Some(json!({"content": content, "expiresAt": in_a_day()})),
            201,
        )
        .await;
    let reference = template["reference"]["truncated"].as_str().unwrap();
    let loaded = b
        .ok(
            "POST",
            "/RelationshipTemplates/Peer",
            Some(json!({"reference": reference})),
            201,
        )
        .await;
    let creation = json!({"@type": "ArbitraryRelationshipCreationContent", "value": {}});
    let relationship = b
        .ok(
            "POST",
            "/Relationships",
            Some(json!({"templateId": loaded["id"], "creationContent": creation})),
            201,
        )
        .await;
    let id = relationship["id"].as_str().unwrap();
    a.ok("POST", "/Account/Sync", None, 204).await;
    a.ok(
        "PUT",
        &format!("/Relationships/{id}/Accept"),
        Some(json!({})),
        200,
    )
    .await;
    b.ok("POST", "/Account/Sync", None, 204).await;
}

/// Syncs `c` and reads `GET path` until its `result` satisfies `done`; returns that `result`.
/// Answers other than 200 (e.g. 404 before the item arrived) count as "not yet". Gives up after
/// 60 s with the last answer.
pub async fn sync_until(c: &Connector, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        c.ok("POST", "/Account/Sync", None, 204).await;
        let response = c.call("GET", path, None).await;
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or_default();
        if status == 200 && done(&body["result"]) {
            return body["result"].clone();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{path} never satisfied the condition; last answer {status} {body}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}
