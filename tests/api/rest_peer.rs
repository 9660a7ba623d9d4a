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

    /// A call that may fail to connect (a killed or not yet started process): None then, else
    /// status and body.
    pub async fn try_call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Option<(u16, String)> {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self
            .client
            .request(method, self.url(path))
            .header("X-API-KEY", FULL_KEY);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.ok()?;
        let status = response.status().as_u16();
        Some((status, response.text().await.ok()?))
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

/// Two Connectors on a new dev Backbone: (backbone, a, b, a's address, b's address). The usual
/// preamble of a two-party test; keep the backbone bound for the test's length (dropping it
/// stops the Backbone).
pub async fn pair() -> (
    devbackbone::RunningBackbone,
    Connector,
    Connector,
    String,
    String,
) {
    let backbone = devbackbone::start(devbackbone::BackboneConfig::default())
        .await
        .unwrap();
    let a = Connector::start(&backbone.base_url()).await;
    let b = Connector::start(&backbone.base_url()).await;
    let (a_address, b_address) = (a.address().await, b.address().await);
    (backbone, a, b, a_address, b_address)
}

/// As [`pair`], related by [`relate`] (`a` offers the template).
pub async fn related_pair() -> (
    devbackbone::RunningBackbone,
    Connector,
    Connector,
    String,
    String,
) {
    let pair = pair().await;
    relate(&pair.1, &pair.2).await;
    pair
}

pub fn in_a_day() -> String {
    nmshd_wire::CoreDate::from_offset_date_time(
        time::OffsetDateTime::now_utc() + time::Duration::days(1),
    )
    .to_iso_string()
}

/// `a` offers a relationship template (arbitrary content, expiring in a day); the template.
pub async fn offer_template(a: &Connector) -> Value {
    let content = json!({"@type": "ArbitraryRelationshipTemplateContent", "value": {}});
    a.ok(
        "POST",
        "/RelationshipTemplates/Own",
        Some(json!({"content": content, "expiresAt": in_a_day()})),
        201,
    )
    .await
}

/// `b` loads a peer's template by `reference` (a truncated reference); the loaded template.
pub async fn load_template(b: &Connector, reference: &Value) -> Value {
    b.ok(
        "POST",
        "/RelationshipTemplates/Peer",
        Some(json!({"reference": reference})),
        201,
    )
    .await
}

/// `b` asks for a relationship on the `loaded` template (arbitrary creation content); its id.
pub async fn request_relationship(b: &Connector, loaded: &Value) -> String {
    let creation = json!({"@type": "ArbitraryRelationshipCreationContent", "value": {}});
    let relationship = b
        .ok(
            "POST",
            "/Relationships",
            Some(json!({"templateId": loaded["id"], "creationContent": creation})),
            201,
        )
        .await;
    relationship["id"].as_str().unwrap().to_owned()
}

/// `a` syncs and accepts relationship `id`, then `b` syncs.
pub async fn accept_relationship(a: &Connector, b: &Connector, id: &str) {
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

/// a templates, b requests, a accepts; all over REST. The relationship's id.
pub async fn relate(a: &Connector, b: &Connector) -> String {
    let template = offer_template(a).await;
    let loaded = load_template(b, &template["reference"]["truncated"]).await;
    let id = request_relationship(b, &loaded).await;
    accept_relationship(a, b, &id).await;
    id
}

/// `a` terminates the relationship at `path` (`/Relationships/{id}`) and asks to reactivate
/// it; `b` syncs and agrees; `a` syncs.
pub async fn terminate_and_reactivate(a: &Connector, b: &Connector, path: &str) {
    a.ok("PUT", &format!("{path}/Terminate"), Some(json!({})), 200)
        .await;
    a.ok("PUT", &format!("{path}/Reactivate"), Some(json!({})), 200)
        .await;
    b.ok("POST", "/Account/Sync", None, 204).await;
    b.ok(
        "PUT",
        &format!("{path}/Reactivate/Accept"),
        Some(json!({})),
        200,
    )
    .await;
    a.ok("POST", "/Account/Sync", None, 204).await;
}

/// `b` starts and cancels its deletion (debug routes); `peer` syncs after each step.
pub async fn deletion_started_and_cancelled(b: &Connector, peer: &Connector) {
    b.ok("POST", "/IdentityDeletionProcess", None, 200).await;
    peer.ok("POST", "/Account/Sync", None, 204).await;
    b.ok("DELETE", "/IdentityDeletionProcess", None, 200).await;
    peer.ok("POST", "/Account/Sync", None, 204).await;
}

/// `a` creates the outgoing request `body` (`{"content": …, "peer": …}`) and sends it to the
/// peer by message; the created request.
pub async fn send_request(a: &Connector, body: Value) -> Value {
    let peer = body["peer"].clone();
    let created = a.ok("POST", "/Requests/Outgoing", Some(body), 201).await;
    a.ok(
        "POST",
        "/Messages",
        Some(json!({"recipients": [peer], "content": created["content"]})),
        201,
    )
    .await;
    created
}

/// Syncs `c` and reads `GET path` until its `result` satisfies `done`; returns that `result`.
/// Answers other than 200 (e.g. 404 before the item arrived) count as "not yet". Gives up after
/// 60 s with the last answer.
pub async fn sync_until(c: &Connector, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    let what = format!("{path} satisfying the condition");
    test_support::eventually(&what, std::time::Duration::from_secs(60), async || {
        c.ok("POST", "/Account/Sync", None, 204).await;
        let response = c.call("GET", path, None).await;
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or_default();
        if status == 200 && done(&body["result"]) {
            Ok(body["result"].clone())
        } else {
            Err(format!("{status} {body}"))
        }
    })
    .await
}

/// Reads `GET path` on `c` (200 expected; no sync) until its `result` satisfies `done`, e.g. for
/// what the event listener does after the call that caused it has answered. 60 s at the most.
pub async fn read_until(c: &Connector, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    let what = format!("{path} satisfying the condition");
    test_support::eventually(&what, std::time::Duration::from_secs(60), async || {
        let value = c.ok("GET", path, None, 200).await;
        if done(&value) { Ok(value) } else { Err(value) }
    })
    .await
}
