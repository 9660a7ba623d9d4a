//! A scriptable stand-in Backbone on actix-web: it records every request, runs the token endpoint
//! (password grant, opaque tokens, 401 for unknown bearer tokens) and hands all other requests to
//! the test's handler.
// shared by several test binaries, each using a part of it
#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use backbone_client::{BackboneClient, ClientConfig, DeviceCredentials};
use serde_json::{Value, json};

/// One request as the stub saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    pub fn form(&self) -> HashMap<String, String> {
        url_decode_pairs(&String::from_utf8_lossy(&self.body))
    }
}

/// What the handler answers.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(status: u16, value: &Value) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: serde_json::to_vec(value).unwrap(),
        }
    }

    pub fn result(status: u16, value: Value) -> Self {
        Self::json(status, &json!({ "result": value }))
    }

    pub fn error(status: u16, code: &str, message: &str) -> Self {
        Self::json(
            status,
            &json!({"error": {"id": "ERRA1B2C3D4E5F6G7H8J", "code": code, "message": message, "docs": "", "time": "2025-03-01T10:00:00.000Z", "data": null}}),
        )
    }

    pub fn empty(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }
}

pub type Handler = dyn Fn(&Recorded) -> Reply + Send + Sync;

/// Token endpoint behaviour and the request log.
pub struct State {
    pub log: Vec<Recorded>,
    pub tokens_issued: u32,
    pub valid_tokens: HashSet<String>,
    /// `expires_in` sent with new tokens.
    pub expires_in: Value,
    /// How long the token endpoint takes.
    pub token_delay: Duration,
    /// The password the token endpoint accepts.
    pub password: String,
}

pub struct Stub {
    state: Mutex<State>,
    handler: Box<Handler>,
    pub base_url: String,
}

impl Stub {
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    /// Requests other than the token endpoint.
    pub fn api_requests(&self) -> Vec<Recorded> {
        self.state()
            .log
            .iter()
            .filter(|r| r.path != "/connect/token")
            .cloned()
            .collect()
    }

    pub fn token_requests(&self) -> Vec<Recorded> {
        self.state()
            .log
            .iter()
            .filter(|r| r.path == "/connect/token")
            .cloned()
            .collect()
    }

    /// Makes every issued token invalid (as if the Backbone restarted).
    pub fn revoke_tokens(&self) {
        self.state().valid_tokens.clear();
    }

    pub fn client(&self) -> BackboneClient {
        BackboneClient::new(ClientConfig::new(&self.base_url, "test", "secret")).unwrap()
    }

    pub fn credentials() -> DeviceCredentials {
        DeviceCredentials::new("USRa1b2c3d4e5f6g7h8i", "Device-Password-1")
    }
}

/// Starts the stub on a free port; must be called inside the tokio runtime.
pub fn start(handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Arc<Stub> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let stub = Arc::new(Stub {
        state: Mutex::new(State {
            log: Vec::new(),
            tokens_issued: 0,
            valid_tokens: HashSet::new(),
            expires_in: json!(300),
            token_delay: Duration::ZERO,
            password: Stub::credentials().password,
        }),
        handler: Box::new(handler),
        base_url: format!("http://localhost:{port}"),
    });
    let shared = web::Data::from(Arc::clone(&stub));
    let server = HttpServer::new(move || {
        App::new()
            .app_data(shared.clone())
            .app_data(web::PayloadConfig::new(64 * 1024 * 1024))
            .default_service(web::to(handle))
    })
    .workers(2)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    stub
}

async fn handle(stub: web::Data<Stub>, request: HttpRequest, body: web::Bytes) -> HttpResponse {
    let recorded = Recorded {
        method: request.method().to_string(),
        path: request.path().to_owned(),
        query: request.query_string().to_owned(),
        headers: request
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect(),
        body: body.to_vec(),
    };
    stub.state().log.push(recorded.clone());
    let reply = if recorded.path == "/connect/token" {
        let delay = stub.state().token_delay;
        // Time under test: a slow token endpoint (the client's timeouts and concurrent logins).
        actix_web::rt::time::sleep(delay).await;
        token_endpoint(&stub, &recorded)
    } else if let Some(auth) = recorded.header("authorization") {
        let token = auth.trim_start_matches("Bearer ").to_owned();
        if stub.state().valid_tokens.contains(&token) {
            (stub.handler)(&recorded)
        } else {
            Reply::empty(401)
        }
    } else {
        (stub.handler)(&recorded)
    };
    let mut response =
        HttpResponse::build(actix_web::http::StatusCode::from_u16(reply.status).unwrap());
    for (name, value) in reply.headers {
        response.insert_header((name, value));
    }
    response.body(reply.body)
}

fn token_endpoint(stub: &Stub, recorded: &Recorded) -> Reply {
    let form = recorded.form();
    let mut state = stub.state();
    if form.get("password") != Some(&state.password) {
        return Reply::json(
            400,
            &json!({"error": "invalid_grant", "error_description": "The username/password couple is invalid."}),
        );
    }
    state.tokens_issued += 1;
    let token = format!("token-{}", state.tokens_issued);
    state.valid_tokens.insert(token.clone());
    Reply::json(
        200,
        &json!({"access_token": token, "token_type": "Bearer", "expires_in": state.expires_in}),
    )
}

fn url_decode_pairs(text: &str) -> HashMap<String, String> {
    reqwest::Url::parse(&format!("http://x/?{text}"))
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}
