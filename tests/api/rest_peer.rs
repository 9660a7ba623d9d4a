//! A Connector started in-process on a dev Backbone and called over REST, for the tests in which
//! two Connectors talk to each other; `relate` makes them peers over REST only.

use connector::config;
use connector::startup::{Application, RunOptions};
use serde_json::{Value, json};

use crate::helpers::{FULL_KEY, assert_error, isolated_sources, test_env};

pub struct Connector {
    address: String,
    client: reqwest::Client,
    /// The actors of an in-process Connector (none for a remote one).
    actors: Option<connector_actors::Actors>,
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
        let actors = app.actors().cloned();
        tokio::spawn(app.run_until_stopped());
        Self {
            address,
            client: reqwest::Client::new(),
            actors,
            _dir: Some(dir),
        }
    }

    /// A Connector that already runs elsewhere (e.g. a `connector start` process), by base URL.
    pub fn remote(address: &str) -> Self {
        Self {
            address: address.trim_end_matches('/').to_owned(),
            client: reqwest::Client::new(),
            actors: None,
            _dir: None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/api/core/v1{path}", self.address)
    }

    /// A request with the full key and, if given, a JSON body.
    fn request(&self, method: &str, path: &str, body: Option<Value>) -> reqwest::RequestBuilder {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let request = self
            .client
            .request(method, self.url(path))
            .header("X-API-KEY", FULL_KEY);
        match body {
            Some(body) => request.json(&body),
            None => request,
        }
    }

    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> reqwest::Response {
        self.request(method, path, body).send().await.unwrap()
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

    /// `GET path`, answered 200; the `result`.
    pub async fn get(&self, path: &str) -> Value {
        self.ok("GET", path, None, 200).await
    }

    /// `POST path` with `body`, answered 201 (created); the `result`.
    pub async fn post(&self, path: &str, body: Value) -> Value {
        self.ok("POST", path, Some(body), 201).await
    }

    /// `PUT path` with `body`, answered 200; the `result`.
    pub async fn put(&self, path: &str, body: Value) -> Value {
        self.ok("PUT", path, Some(body), 200).await
    }

    /// `POST /Attributes` of an own identity attribute with `value` (e.g. a `GivenName`); the
    /// created attribute.
    pub async fn create_attribute(&self, value: Value) -> Value {
        self.post("/Attributes", json!({"content": {"value": value}}))
            .await
    }

    /// `DELETE path`, answered 204.
    pub async fn delete(&self, path: &str) {
        self.ok("DELETE", path, None, 204).await;
    }

    /// `POST /Account/Sync`, answered 204.
    pub async fn sync(&self) {
        self.ok("POST", "/Account/Sync", None, 204).await;
    }

    /// A call answered with `status` and the error `code` in the real Connector's envelope
    /// ([`assert_error`]); the error object.
    pub async fn fails(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        status: u16,
        code: &str,
    ) -> Value {
        assert_error(self.call(method, path, body).await, status, code).await
    }

    /// `GET path` answered 404 `error.runtime.recordNotFound`; the error object.
    pub async fn get_not_found(&self, path: &str) -> Value {
        self.fails("GET", path, None, 404, "error.runtime.recordNotFound")
            .await
    }

    /// The actors of an in-process Connector.
    pub fn actors(&self) -> &connector_actors::Actors {
        self.actors
            .as_ref()
            .expect("an in-process Connector with actors")
    }

    /// A call that may fail to connect (a killed or not yet started process): None then, else
    /// status and body.
    pub async fn try_call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Option<(u16, String)> {
        let response = self.request(method, path, body).send().await.ok()?;
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
        self.get("/Account/IdentityInfo").await["address"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

/// A dev Backbone with the default settings, on a free port (stops when dropped).
pub async fn start_backbone() -> devbackbone::RunningBackbone {
    devbackbone::start(devbackbone::BackboneConfig::default())
        .await
        .unwrap()
}

/// A dev Backbone and two Connectors on it: (backbone, a, b, a's address, b's address). Keep the
/// backbone bound for the test's length (dropping it stops the Backbone).
pub type Pair = (
    devbackbone::RunningBackbone,
    Connector,
    Connector,
    String,
    String,
);

/// Two Connectors on a new dev Backbone: the usual preamble of a two-party test.
pub async fn pair() -> Pair {
    pair_with_env(Vec::new(), Vec::new()).await
}

/// As [`pair`], with more configuration from the environment for `a` and for `b`.
pub async fn pair_with_env(env_a: Vec<(String, String)>, env_b: Vec<(String, String)>) -> Pair {
    let backbone = start_backbone().await;
    let a = Connector::start_with_env(&backbone.base_url(), env_a).await;
    let b = Connector::start_with_env(&backbone.base_url(), env_b).await;
    let (a_address, b_address) = (a.address().await, b.address().await);
    (backbone, a, b, a_address, b_address)
}

/// As [`pair`], related by [`relate`] (`a` offers the template).
pub async fn related_pair() -> Pair {
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

/// An `EMailAddress` attribute value.
pub fn email(address: &str) -> Value {
    json!({"@type": "EMailAddress", "value": address})
}

/// `a` offers a relationship template (arbitrary content, expiring in a day); the template.
pub async fn offer_template(a: &Connector) -> Value {
    let content = json!({"@type": "ArbitraryRelationshipTemplateContent", "value": {}});
    offer_template_with(a, content).await
}

/// `a` offers a relationship template with `content`, expiring in a day; the template.
pub async fn offer_template_with(a: &Connector, content: Value) -> Value {
    a.post(
        "/RelationshipTemplates/Own",
        json!({"content": content, "expiresAt": in_a_day()}),
    )
    .await
}

/// `b` loads a peer's template by `reference` (a truncated reference); the loaded template.
pub async fn load_template(b: &Connector, reference: &Value) -> Value {
    b.post(
        "/RelationshipTemplates/Peer",
        json!({"reference": reference}),
    )
    .await
}

/// `b` asks for a relationship on the `loaded` template (arbitrary creation content); its id.
pub async fn request_relationship(b: &Connector, loaded: &Value) -> String {
    let creation = json!({"@type": "ArbitraryRelationshipCreationContent", "value": {}});
    let relationship = b
        .post(
            "/Relationships",
            json!({"templateId": loaded["id"], "creationContent": creation}),
        )
        .await;
    relationship["id"].as_str().unwrap().to_owned()
}

/// `a` syncs and accepts relationship `id`, then `b` syncs.
pub async fn accept_relationship(a: &Connector, b: &Connector, id: &str) {
    a.sync().await;
    a.put(&format!("/Relationships/{id}/Accept"), json!({}))
        .await;
    b.sync().await;
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
    a.put(&format!("{path}/Terminate"), json!({})).await;
    a.put(&format!("{path}/Reactivate"), json!({})).await;
    b.sync().await;
    b.put(&format!("{path}/Reactivate/Accept"), json!({})).await;
    a.sync().await;
}

/// `b` starts and cancels its deletion (debug routes); `peer` syncs after each step.
pub async fn deletion_started_and_cancelled(b: &Connector, peer: &Connector) {
    b.ok("POST", "/IdentityDeletionProcess", None, 200).await;
    peer.sync().await;
    b.ok("DELETE", "/IdentityDeletionProcess", None, 200).await;
    peer.sync().await;
}

/// `a` creates the outgoing request `body` (`{"content": …, "peer": …}`) and sends it to the
/// peer by message; the created request.
pub async fn send_request(a: &Connector, body: Value) -> Value {
    let peer = body["peer"].clone();
    let created = a.post("/Requests/Outgoing", body).await;
    a.post(
        "/Messages",
        json!({"recipients": [peer], "content": created["content"]}),
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
        c.sync().await;
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
        let value = c.get(path).await;
        if done(&value) { Ok(value) } else { Err(value) }
    })
    .await
}
