//! The webhooks module (issue 8, `connector-operations.md` §2.6) against a real HTTP receiver in
//! the test: two Connectors on a dev Backbone driven over REST, the receiver records every POST.

use std::collections::VecDeque;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};

use crate::helpers::FULL_KEY;
use crate::processes::{connector_start, free_port};
use crate::replicas_set::{ReplicaSet, sync_until};
use crate::rest_peer::{
    Connector, deletion_started_and_cancelled, load_template, offer_template, relate,
    start_backbone,
};

/// One POST the receiver got.
#[derive(Debug, Clone)]
pub struct Hit {
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Value,
    /// The body as sent (what a signature covers).
    pub raw: Vec<u8>,
    pub at: Instant,
}

impl Hit {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn trigger(&self) -> &str {
        self.body["trigger"].as_str().unwrap_or_default()
    }
}

#[derive(Default)]
struct ReceiverState {
    hits: Vec<Hit>,
    /// Statuses to answer, first to last, per path prefix; 200 when none is left.
    scripts: Vec<(String, VecDeque<u16>)>,
    /// How long to wait before answering, per path prefix.
    delays: Vec<(String, Duration)>,
    token_requests: Vec<(Option<String>, Option<String>, String)>,
    tokens_issued: usize,
    token_lifetime_secs: u64,
    /// Paths under these prefixes wait until their gate opens.
    holds: Vec<(String, tokio::sync::watch::Receiver<bool>)>,
    /// The number of hits, announced with every hit (what [`Receiver::wait_for`] waits on).
    arrivals: tokio::sync::watch::Sender<usize>,
}

/// A webhook receiver and OAuth2 token endpoint (`POST /token`, client `c`/`s`, scope `hooks`).
#[derive(Clone)]
pub struct Receiver {
    pub base: String,
    state: Arc<Mutex<ReceiverState>>,
}

impl Receiver {
    pub fn start() -> Self {
        Self::start_on(free_port())
    }

    /// A receiver on `port` (e.g. one a Connector was already failing to reach).
    pub fn start_on(port: u16) -> Self {
        let state = Arc::new(Mutex::new(ReceiverState {
            token_lifetime_secs: 3600,
            ..ReceiverState::default()
        }));
        let data = web::Data::new(Arc::clone(&state));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(16 * 1024 * 1024))
                .route("/token", web::post().to(token))
                .default_service(web::to(hook))
        })
        .workers(2)
        .bind(("127.0.0.1", port))
        .unwrap()
        .run();
        tokio::spawn(server);
        Self {
            base: format!("http://127.0.0.1:{port}"),
            state,
        }
    }

    pub fn script(&self, prefix: &str, statuses: &[u16]) {
        let mut state = self.state.lock().unwrap();
        state
            .scripts
            .push((prefix.to_owned(), statuses.iter().copied().collect()));
    }

    pub fn delay(&self, prefix: &str, delay: Duration) {
        let mut state = self.state.lock().unwrap();
        state.delays.push((prefix.to_owned(), delay));
    }

    /// Requests under `prefix` are recorded but not answered until the returned gate opens
    /// (`send(true)`): a receiver that stalls.
    pub fn hold(&self, prefix: &str) -> tokio::sync::watch::Sender<bool> {
        let (open, gate) = tokio::sync::watch::channel(false);
        let mut state = self.state.lock().unwrap();
        state.holds.push((prefix.to_owned(), gate));
        open
    }

    pub fn token_lifetime(&self, secs: u64) {
        self.state.lock().unwrap().token_lifetime_secs = secs;
    }

    pub fn hits(&self, prefix: &str) -> Vec<Hit> {
        let state = self.state.lock().unwrap();
        state
            .hits
            .iter()
            .filter(|h| h.path.starts_with(prefix))
            .cloned()
            .collect()
    }

    /// The token requests: (authorization, content type, body).
    pub fn token_requests(&self) -> Vec<(Option<String>, Option<String>, String)> {
        self.state.lock().unwrap().token_requests.clone()
    }

    /// Waits until `done` holds for the hits under `prefix`, or fails after `timeout`; looks
    /// again at every hit.
    pub async fn wait_for(
        &self,
        prefix: &str,
        timeout: Duration,
        what: &str,
        done: impl Fn(&[Hit]) -> bool,
    ) -> Vec<Hit> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut arrivals = self.state.lock().unwrap().arrivals.subscribe();
        loop {
            arrivals.mark_unchanged();
            let hits = self.hits(prefix);
            if done(&hits) {
                return hits;
            }
            let arrived = tokio::time::timeout_at(deadline, arrivals.changed()).await;
            assert!(
                arrived.is_ok(),
                "{what}: not within {timeout:?}; got {:#?}",
                hits.iter()
                    .map(|h| format!("{} {}", h.path, h.trigger()))
                    .collect::<Vec<_>>()
            );
        }
    }

    /// The hits under `prefix` once `window` has passed without a new one there, or at once
    /// when one arrives (a test that expects none fails then). Time under test: that nothing
    /// more comes (a retry, a duplicate) can only be seen over a window.
    pub async fn quiet_for(&self, prefix: &str, window: Duration) -> Vec<Hit> {
        let end = tokio::time::Instant::now() + window;
        let mut arrivals = self.state.lock().unwrap().arrivals.subscribe();
        arrivals.mark_unchanged();
        let count = self.hits(prefix).len();
        while tokio::time::timeout_at(end, arrivals.changed())
            .await
            .is_ok()
        {
            arrivals.mark_unchanged();
            if self.hits(prefix).len() != count {
                break;
            }
        }
        self.hits(prefix)
    }

    /// The hits under `prefix` once none arrived there for `quiet` (at most `timeout`).
    pub async fn settled(&self, prefix: &str, quiet: Duration, timeout: Duration) -> Vec<Hit> {
        let deadline = Instant::now() + timeout;
        loop {
            let before = self.hits(prefix).len();
            let hits = self.quiet_for(prefix, quiet).await;
            if hits.len() == before || Instant::now() >= deadline {
                return hits;
            }
        }
    }
}

fn header_text(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

async fn hook(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<Arc<Mutex<ReceiverState>>>,
) -> HttpResponse {
    let path = req.path().to_owned();
    let (status, delay, hold) = {
        let mut state = state.lock().unwrap();
        state.hits.push(Hit {
            path: path.clone(),
            headers: req
                .headers()
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or_default().to_owned()))
                .collect(),
            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
            raw: body.to_vec(),
            at: Instant::now(),
        });
        state.arrivals.send_replace(state.hits.len());
        let status = state
            .scripts
            .iter_mut()
            .find(|(p, _)| path.starts_with(p.as_str()))
            .and_then(|(_, s)| s.pop_front())
            .unwrap_or(200);
        let delay = state
            .delays
            .iter()
            .find(|(p, _)| path.starts_with(p.as_str()))
            .map(|(_, d)| *d);
        let hold = state
            .holds
            .iter()
            .find(|(p, _)| path.starts_with(p.as_str()))
            .map(|(_, gate)| gate.clone());
        (status, delay, hold)
    };
    if let Some(mut gate) = hold {
        let _ = gate.wait_for(|open| *open).await;
    }
    if let Some(delay) = delay {
        // Time under test: a slow receiver (the Connector's timeouts and ordering).
        tokio::time::sleep(delay).await;
    }
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).finish()
}

async fn token(
    req: HttpRequest,
    body: String,
    state: web::Data<Arc<Mutex<ReceiverState>>>,
) -> HttpResponse {
    let authorization = header_text(&req, "authorization");
    let content_type = header_text(&req, "content-type");
    let mut state = state.lock().unwrap();
    state
        .token_requests
        .push((authorization.clone(), content_type.clone(), body.clone()));
    // base64("c:s")
    let basic = "Basic Yzpz";
    let form: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let expected_form = [
        ("grant_type".to_owned(), "client_credentials".to_owned()),
        ("scope".to_owned(), "hooks".to_owned()),
    ];
    if authorization.as_deref() != Some(basic)
        || content_type.as_deref() != Some("application/x-www-form-urlencoded")
        || form != expected_form
    {
        return HttpResponse::Unauthorized().finish();
    }
    state.tokens_issued += 1;
    HttpResponse::Ok().json(json!({
        "access_token": format!("token-{}", state.tokens_issued),
        "token_type": "Bearer",
        "expires_in": state.token_lifetime_secs,
    }))
}

/// The environment that enables the module with `settings` (JSON-valued variables, as an operator
/// would set them).
pub fn webhooks_env(settings: &Value) -> Vec<(String, String)> {
    let mut env = vec![("modules__webhooks__enabled".to_owned(), "true".to_owned())];
    for (key, value) in settings.as_object().unwrap() {
        env.push((format!("modules__webhooks__{key}"), value.to_string()));
    }
    env
}

async fn backbone() -> devbackbone::RunningBackbone {
    start_backbone().await
}

fn message(recipient: &str, tag: &str) -> Value {
    json!({
        "recipients": [recipient],
        "content": {"@type": "ArbitraryMessageContent", "value": {"tag": tag}},
    })
}

async fn relationship_id(a: &Connector) -> String {
    a.get("/Relationships").await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// POST with an `x-correlation-id`; the result of a 2xx answer.
async fn with_correlation(
    connector: &Connector,
    path: &str,
    body: Option<Value>,
    correlation_id: &str,
) -> Value {
    let mut request = reqwest::Client::new()
        .post(connector.url(path))
        .header("X-API-KEY", FULL_KEY)
        .header("x-correlation-id", correlation_id);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!(status.is_success(), "POST {path}: {status} {text}");
    serde_json::from_str::<Value>(&text).map_or(Value::Null, |v| v["result"].clone())
}

fn only(hits: &[Hit], trigger: &str) -> Vec<Hit> {
    hits.iter()
        .filter(|h| h.trigger() == trigger)
        .cloned()
        .collect()
}

/// Every event the Connector emits today reaches a `**` webhook on a named target (URL with
/// `{{trigger}}`, static header, ApiKey) with the real body; a wildcard webhook gets only its
/// events; an inline OAuth2 target gets its trigger with a cached Bearer token.
#[tokio::test(flavor = "multi_thread")]
async fn events_reach_named_wildcard_and_inline_targets_with_the_real_payload() {
    let receiver = Receiver::start();
    let backbone = backbone().await;
    let settings = json!({
        "targets": {
            "all": {
                "url": format!("{}/all/{{{{trigger}}}}", receiver.base),
                "headers": {"X-Source": "connector"},
                "authentication": {"type": "ApiKey", "apiKey": "s3cret"},
            },
        },
        "webhooks": [
            {"triggers": ["**"], "target": "all"},
            {"triggers": ["*.messageSent", "transport.relationshipDecomposedBySelf"],
             "target": {"url": format!("{}/wild", receiver.base)}},
            {"triggers": ["transport.messageReceived"],
             "target": {"url": format!("{}/oauth", receiver.base),
                        "authentication": {"type": "OAuth2", "accessTokenUrl": format!("{}/token", receiver.base),
                                           "clientId": "c", "clientSecret": "s", "scope": "hooks"}}},
        ],
    });
    // Debug mode for the /IdentityDeletionProcess routes.
    let debug = || vec![("debug".to_owned(), "true".to_owned())];
    let mut a_env = webhooks_env(&settings);
    a_env.extend(debug());
    let a = Connector::start_with_env(&backbone.base_url(), a_env).await;
    let b = Connector::start_with_env(&backbone.base_url(), debug()).await;
    relate(&a, &b).await;
    let (a_address, b_address) = (a.address().await, b.address().await);
    let id = relationship_id(&a).await;

    // A loads a template of B's.
    let template = offer_template(&b).await;
    let loaded = load_template(&a, &template["reference"]["truncated"]).await;
    // B starts and cancels its deletion; A syncs each step.
    deletion_started_and_cancelled(&b, &a).await;

    // Messages both ways; the requests' correlation ids reach the webhooks.
    let sent = with_correlation(
        &a,
        "/Messages",
        Some(message(&b_address, "a->b")),
        "corr-send",
    )
    .await;
    for tag in ["b->a 1", "b->a 2"] {
        b.post("/Messages", message(&a_address, tag)).await;
    }
    with_correlation(&a, "/Account/Sync", None, "corr-sync").await;
    // The received messages as REST shows them now (the decomposition below deletes them).
    let received_dtos = a.get(&format!("/Messages?createdBy={b_address}")).await;
    // Terminate, reactivate, terminate again, decompose.
    let path = format!("/Relationships/{id}");
    a.put(&format!("{path}/Terminate"), json!({})).await;
    a.put(&format!("{path}/Reactivate"), json!({})).await;
    b.sync().await;
    b.put(&format!("{path}/Reactivate/Accept"), json!({})).await;
    a.sync().await;
    a.put(&format!("{path}/Terminate"), json!({})).await;
    a.delete(&path).await;
    // A's own deletion process, started and cancelled.
    let initiated = a.ok("POST", "/IdentityDeletionProcess", None, 200).await;
    let cancelled = a.ok("DELETE", "/IdentityDeletionProcess", None, 200).await;

    let expected = [
        "transport.peerRelationshipTemplateLoaded",
        "transport.peerToBeDeleted",
        "transport.peerDeletionCancelled",
        "transport.identityDeletionProcessStatusChanged",
        "transport.relationshipChanged",
        "transport.messageSent",
        "transport.messageReceived",
        "transport.relationshipReactivationRequested",
        "transport.relationshipReactivationCompleted",
        "transport.relationshipDecomposedBySelf",
    ];
    let all = receiver
        .wait_for("/all/", Duration::from_secs(20), "every event", |hits| {
            only(hits, "transport.identityDeletionProcessStatusChanged").len() == 2
        })
        .await;
    for trigger in expected {
        assert!(
            !only(&all, trigger).is_empty(),
            "{trigger} reached the webhook"
        );
    }
    for hit in &all {
        assert_eq!(
            hit.path,
            format!("/all/{}", hit.trigger()),
            "{{{{trigger}}}}"
        );
        assert_eq!(hit.header("x-source"), Some("connector"));
        assert_eq!(hit.header("x-api-key"), Some("s3cret"));
        assert_eq!(hit.header("content-type"), Some("application/json"));
        let keys: Vec<&String> = hit.body.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["trigger", "data"], "the body is {{trigger, data}}");
    }

    // The payloads are the REST DTOs.
    let sent_hits = only(&all, "transport.messageSent");
    assert_eq!(sent_hits.len(), 1);
    assert_eq!(sent_hits[0].header("x-correlation-id"), Some("corr-send"));
    assert_eq!(sent_hits[0].body["data"]["id"], sent["id"]);
    assert_eq!(sent_hits[0].body["data"]["content"], sent["content"]);
    let received = only(&all, "transport.messageReceived");
    assert_eq!(received.len(), 2, "each received message once");
    assert!(
        received
            .iter()
            .all(|h| h.header("x-correlation-id") == Some("corr-sync")),
        "events of a sync carry the correlation id of the request that ran it"
    );
    for hit in &received {
        let id = &hit.body["data"]["id"];
        let dto = received_dtos
            .as_array()
            .unwrap()
            .iter()
            .find(|m| &m["id"] == id)
            .unwrap();
        assert_eq!(hit.body["data"]["content"], dto["content"]);
        assert_eq!(hit.body["data"]["createdBy"], json!(b_address));
        assert_eq!(hit.body["data"]["recipients"], dto["recipients"]);
    }
    let changed = only(&all, "transport.relationshipChanged");
    let statuses: Vec<&str> = changed
        .iter()
        .map(|h| {
            assert_eq!(h.body["data"]["id"], json!(id));
            assert_eq!(h.body["data"]["peer"], json!(b_address));
            h.body["data"]["status"].as_str().unwrap()
        })
        .collect();
    for status in ["Pending", "Active", "Terminated"] {
        assert!(statuses.contains(&status), "{status} in {statuses:?}");
    }
    let requested = only(&all, "transport.relationshipReactivationRequested");
    assert_eq!(
        requested[0].body["data"]["auditLog"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()["reason"],
        "ReactivationRequested"
    );
    assert_eq!(
        only(&all, "transport.peerRelationshipTemplateLoaded")[0].body["data"],
        loaded
    );
    let to_be_deleted = only(&all, "transport.peerToBeDeleted");
    assert_eq!(to_be_deleted[0].body["data"]["id"], json!(id));
    assert_eq!(
        to_be_deleted[0].body["data"]["peerDeletionInfo"]["deletionStatus"],
        "ToBeDeleted"
    );
    let cancelled_peer = only(&all, "transport.peerDeletionCancelled");
    assert_eq!(cancelled_peer[0].body["data"]["id"], json!(id));
    assert!(
        cancelled_peer[0].body["data"]
            .get("peerDeletionInfo")
            .is_none()
    );
    let processes: Vec<Value> = only(&all, "transport.identityDeletionProcessStatusChanged")
        .iter()
        .map(|h| h.body["data"].clone())
        .collect();
    assert_eq!(processes, [initiated, cancelled]);
    let decomposed = only(&all, "transport.relationshipDecomposedBySelf");
    assert_eq!(decomposed[0].body["data"], json!({"relationshipId": id}));

    // The wildcard webhook got exactly its two kinds, without authentication.
    let wild = receiver.hits("/wild");
    let mut kinds: Vec<&str> = wild.iter().map(Hit::trigger).collect();
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        [
            "transport.messageSent",
            "transport.relationshipDecomposedBySelf"
        ]
    );
    assert!(wild.iter().all(|h| h.header("x-api-key").is_none()));

    // The inline OAuth2 target: both received messages, one token for both.
    let oauth = receiver
        .wait_for("/oauth", Duration::from_secs(10), "OAuth2 target", |h| {
            h.len() == 2
        })
        .await;
    assert!(
        oauth
            .iter()
            .all(|h| h.header("authorization") == Some("Bearer token-1"))
    );
    assert!(
        oauth
            .iter()
            .all(|h| h.trigger() == "transport.messageReceived")
    );
    let tokens = receiver.token_requests();
    assert_eq!(tokens.len(), 1, "the token is cached: {tokens:?}");
}

/// A token that expires in 11 s is fetched again after 1 s (10 s before its expiry); a refused
/// token request means no delivery with a stale token.
#[tokio::test(flavor = "multi_thread")]
async fn oauth2_token_refreshed_ten_seconds_before_expiry() {
    let receiver = Receiver::start();
    receiver.token_lifetime(11);
    let backbone = backbone().await;
    let settings = json!({
        "webhooks": [{"triggers": ["transport.messageSent"],
            "target": {"url": format!("{}/oauth", receiver.base),
                       "authentication": {"type": "OAuth2", "accessTokenUrl": format!("{}/token", receiver.base),
                                          "clientId": "c", "clientSecret": "s", "scope": "hooks"}}}],
    });
    let a = Connector::start_with_env(&backbone.base_url(), webhooks_env(&settings)).await;
    let b = Connector::start(&backbone.base_url()).await;
    relate(&a, &b).await;
    let b_address = b.address().await;
    a.post("/Messages", message(&b_address, "1")).await;
    receiver
        .wait_for("/oauth", Duration::from_secs(10), "first", |h| h.len() == 1)
        .await;
    // Time under test: past the refresh point (10 s before the 11 s token's expiry).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    a.post("/Messages", message(&b_address, "2")).await;
    let hits = receiver
        .wait_for("/oauth", Duration::from_secs(10), "second", |h| {
            h.len() == 2
        })
        .await;
    assert_eq!(hits[0].header("authorization"), Some("Bearer token-1"));
    assert_eq!(hits[1].header("authorization"), Some("Bearer token-2"));
    let requests = receiver.token_requests();
    assert_eq!(requests.len(), 2);
    let (authorization, content_type, body) = &requests[0];
    assert_eq!(authorization.as_deref(), Some("Basic Yzpz"));
    assert_eq!(
        content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(body, "grant_type=client_credentials&scope=hooks");
}

/// 500 twice, then 200: the documented retries deliver the event (after 100 ms, then 200 ms); a
/// 404 is not retried; a receiver that takes 10 s does not slow the REST call that emits.
#[tokio::test(flavor = "multi_thread")]
async fn retries_for_server_errors_and_a_slow_receiver_does_not_block() {
    let receiver = Receiver::start();
    receiver.script("/flaky", &[500, 500]);
    receiver.script("/gone", &[404]);
    receiver.delay("/slow", Duration::from_secs(10));
    let backbone = backbone().await;
    let dir = tempfile::tempdir().unwrap();
    // From a config file this time (CUSTOM_CONFIG_LOCATION), as the real Connector reads it.
    let config = dir.path().join("webhooks.json");
    std::fs::write(
        &config,
        json!({"modules": {"webhooks": {
            "enabled": true,
            "retries": {"count": 3, "initialDelayMs": 100},
            "targets": {
                "flaky": {"url": format!("{}/flaky", receiver.base)},
                "gone": {"url": format!("{}/gone", receiver.base)},
                "slow": {"url": format!("{}/slow", receiver.base)},
            },
            "webhooks": [
                {"triggers": ["transport.messageSent"], "target": "flaky"},
                {"triggers": ["transport.messageSent"], "target": "gone"},
                {"triggers": ["transport.messageSent"], "target": "slow"},
            ],
        }}})
        .to_string(),
    )
    .unwrap();
    let env = vec![(
        "CUSTOM_CONFIG_LOCATION".to_owned(),
        config.display().to_string(),
    )];
    let a = Connector::start_with_env(&backbone.base_url(), env).await;
    let b = Connector::start(&backbone.base_url()).await;
    relate(&a, &b).await;
    let b_address = b.address().await;

    let started = Instant::now();
    let sent = a.post("/Messages", message(&b_address, "x")).await;
    let second = a.post("/Messages", message(&b_address, "y")).await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "two sends took {:?} with a 10 s receiver",
        started.elapsed()
    );

    let flaky = receiver
        .wait_for("/flaky", Duration::from_secs(10), "retries", |h| {
            h.len() >= 4
        })
        .await;
    // The first event: 500, 500, 200; then the second event at once.
    assert!(
        flaky[..3]
            .iter()
            .all(|h| h.body["data"]["id"] == sent["id"])
    );
    assert_eq!(flaky[3].body["data"]["id"], second["id"]);
    let gaps: Vec<Duration> = flaky[..3].windows(2).map(|w| w[1].at - w[0].at).collect();
    assert!(gaps[0] >= Duration::from_millis(100), "{gaps:?}");
    assert!(gaps[1] >= Duration::from_millis(200), "{gaps:?}");
    let flaky = receiver
        .quiet_for("/flaky", Duration::from_millis(700))
        .await;
    assert_eq!(flaky.len(), 4, "no more attempts");

    let gone = receiver.hits("/gone");
    assert_eq!(gone.len(), 2, "404 is not retried: one attempt per event");

    // The slow receiver still gets both, one after the other.
    receiver
        .wait_for("/slow", Duration::from_secs(30), "slow target", |h| {
            h.len() == 2
        })
        .await;
}

/// The receiver's side of Standard Webhooks: `webhook-signature` holds a `v1,` HMAC-SHA256 of
/// `{webhook-id}.{webhook-timestamp}.{body}` under the secret's bytes.
fn signature_valid(hit: &Hit, secret: &str) -> bool {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use hmac::{Hmac, Mac};
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let (Some(id), Some(timestamp), Some(signatures)) = (
        hit.header("webhook-id"),
        hit.header("webhook-timestamp"),
        hit.header("webhook-signature"),
    ) else {
        return false;
    };
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(&hit.raw);
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    // The header may list several space-separated signatures (key rotation).
    signatures.split(' ').any(|s| s == expected)
}

/// Standard Webhooks headers: a target with a `signingSecret` gets POSTs whose signature the
/// receiver verifies with that secret; a target without one gets the id and timestamp only.
/// Each event has its own `webhook-id`, the same at every target and on every retry (500, then
/// 200); the body stays `{trigger, data}`.
#[tokio::test(flavor = "multi_thread")]
async fn standard_webhooks_ids_timestamps_and_signatures() {
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let receiver = Receiver::start();
    receiver.script("/plain", &[500]);
    let backbone = backbone().await;
    let settings = json!({
        "retries": {"count": 2, "initialDelayMs": 50},
        "targets": {"signed": {"url": format!("{}/signed", receiver.base), "signingSecret": SECRET}},
        "webhooks": [
            {"triggers": ["transport.messageSent"], "target": "signed"},
            {"triggers": ["transport.messageSent"], "target": {"url": format!("{}/plain", receiver.base)}},
        ],
    });
    let a = Connector::start_with_env(&backbone.base_url(), webhooks_env(&settings)).await;
    let b = Connector::start(&backbone.base_url()).await;
    relate(&a, &b).await;
    let b_address = b.address().await;
    let started = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut sent = Vec::new();
    for tag in ["one", "two"] {
        let message = a.post("/Messages", message(&b_address, tag)).await;
        sent.push(message["id"].clone());
    }
    let signed = receiver
        .wait_for("/signed", Duration::from_secs(10), "signed", |h| {
            h.len() == 2
        })
        .await;
    // The first event: 500, then 200; the second at once.
    let plain = receiver
        .wait_for("/plain", Duration::from_secs(10), "plain", |h| h.len() == 3)
        .await;

    for hit in &signed {
        assert!(signature_valid(hit, SECRET), "verified: {:?}", hit.headers);
        assert!(
            !signature_valid(hit, "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
            "another secret does not verify"
        );
        let timestamp: i64 = hit.header("webhook-timestamp").unwrap().parse().unwrap();
        assert!(
            (started - 1..=started + 60).contains(&timestamp),
            "unix seconds: {timestamp}"
        );
        let keys: Vec<&String> = hit.body.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["trigger", "data"], "the body is unchanged");
    }
    let id_of = |hits: &[Hit], message: &Value| -> Vec<String> {
        hits.iter()
            .filter(|h| &h.body["data"]["id"] == message)
            .map(|h| h.header("webhook-id").unwrap().to_owned())
            .collect()
    };
    let first = id_of(&signed, &sent[0]);
    let second = id_of(&signed, &sent[1]);
    assert_eq!((first.len(), second.len()), (1, 1));
    assert_ne!(first, second, "each event has its own id");
    assert_eq!(
        id_of(&plain, &sent[0]),
        [first[0].clone(), first[0].clone()],
        "a retry carries the same id"
    );
    assert_eq!(
        id_of(&plain, &sent[1]),
        second,
        "the same id at every target"
    );
    assert!(plain.iter().all(
        |h| h.header("webhook-signature").is_none() && h.header("webhook-timestamp").is_some()
    ));
}

/// Invalid module configuration aborts `connector start` with the real code.
#[tokio::test(flavor = "multi_thread")]
async fn invalid_configuration_aborts_start_with_the_real_code() {
    let backbone = backbone().await;
    let cases = [
        (
            json!({"targets": {"erp": {"url": "not a url"}}}),
            "error.runtime.modules.webhooks.invalidUrlFormat",
        ),
        (
            json!({"webhooks": [{"triggers": ["**"], "target": "missing"}]}),
            "error.runtime.modules.webhooks.invalidTargetReference",
        ),
        (
            json!({"targets": {"erp": {"url": "http://x", "authentication": {"type": "Basic"}}}}),
            "error.runtime.modules.webhooks.invalidAuthenticationConfig",
        ),
    ];
    for (settings, code) in cases {
        let dir = tempfile::tempdir().unwrap();
        let mut command = connector_start(dir.path(), &backbone.base_url(), free_port());
        command
            .envs(webhooks_env(&settings))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let output = tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(!output.status.success(), "{code}: start must fail: {text}");
        assert!(text.contains(code), "{code} in: {text}");
    }
}

/// Three `connector start` replicas of one identity (MongoDB stand-in, Redis leases), each with
/// the same webhook to one receiver: a peer sends N messages, all replicas sync at once, and the
/// receiver gets each `transport.messageReceived` exactly once (only the replica that stored a
/// message emits its event).
#[tokio::test(flavor = "multi_thread")]
async fn three_replicas_deliver_each_received_message_once() {
    const MESSAGES: usize = 40;
    let receiver = Receiver::start();
    let settings = json!({
        "webhooks": [{"triggers": ["transport.messageReceived"],
                      "target": {"url": format!("{}/replicas", receiver.base)}}],
    });
    let set = ReplicaSet::start_with_env("redis://127.0.0.1:6379", MESSAGES + 10, |_| {
        webhooks_env(&settings)
    })
    .await;
    let mut sent = std::collections::BTreeSet::new();
    for i in 0..MESSAGES {
        let message = set
            .peer
            .post("/Messages", message(&set.address, &format!("m{i}")))
            .await;
        sent.insert(message["id"].as_str().unwrap().to_owned());
    }
    let syncs = set.replicas.iter().map(|replica| {
        sync_until(
            &replica.api,
            &set.peer_address,
            MESSAGES,
            Duration::from_secs(60),
        )
    });
    for messages in futures_util::future::join_all(syncs).await {
        assert_eq!(messages.len(), MESSAGES, "every replica sees every message");
    }
    receiver
        .wait_for("/replicas", Duration::from_secs(20), "all messages", |h| {
            h.len() >= MESSAGES
        })
        .await;
    // Late duplicates would arrive now.
    let hits = receiver
        .quiet_for("/replicas", Duration::from_secs(2))
        .await;
    let mut delivered: Vec<String> = hits
        .iter()
        .map(|h| h.body["data"]["id"].as_str().unwrap().to_owned())
        .collect();
    delivered.sort();
    let sent: Vec<String> = sent.into_iter().collect();
    assert_eq!(delivered, sent, "each message exactly once");
}
