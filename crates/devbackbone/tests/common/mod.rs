//! Raw-HTTP helpers for tests against the dev Backbone: onboarding with a signed challenge,
//! login, and calls that return status and JSON body.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use nmshd_crypto::signature::SignatureKeypair;
use nmshd_wire::{Challenge, ChallengeType, CoreDate, challenge::build_create_identity_body};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub struct Server {
    pub backbone: devbackbone::RunningBackbone,
    pub http: reqwest::Client,
}

impl Server {
    pub async fn start() -> Self {
        Self::start_with(devbackbone::BackboneConfig::default()).await
    }

    pub async fn start_with(config: devbackbone::BackboneConfig) -> Self {
        let backbone = devbackbone::start(config)
            .await
            .expect("dev Backbone starts");
        Self {
            backbone,
            http: reqwest::Client::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.backbone.base_url())
    }

    /// Any call; returns the status and the JSON body (`Null` when empty).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.http.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request = request.header("x-supported-datawallet-version", "1");
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request is answered");
        let status = response.status();
        let text = response.text().await.expect("body is readable");
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, value)
    }

    pub async fn login(&self, username: &str, password: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .post(self.url("/connect/token"))
            .form(&[
                ("grant_type", "password"),
                ("client_id", "test"),
                ("client_secret", "test"),
                ("username", username),
                ("password", password),
            ])
            .send()
            .await
            .expect("token endpoint answers");
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// A new identity with one device, logged in.
    pub async fn onboard(&self) -> Account {
        let (status, challenge) = self
            .call(Method::POST, "/api/v2/Challenges", None, Some(json!({})))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{challenge}");
        let challenge = Challenge {
            id: challenge["result"]["id"].as_str().unwrap().to_owned(),
            expires_at: CoreDate::parse(challenge["result"]["expiresAt"].as_str().unwrap())
                .unwrap(),
            created_by: None,
            created_by_device: None,
            challenge_type: ChallengeType::Identity,
        };
        let keys = SignatureKeypair::generate();
        let password = "Aa1!-a-device-password-for-tests-0123456789";
        let body = build_create_identity_body(&challenge, &keys.private, password, "test", "test");
        let (status, created) = self
            .call(
                Method::POST,
                "/api/v2/Identities",
                None,
                Some(body.to_value()),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let result = &created["result"];
        let username = result["device"]["username"].as_str().unwrap().to_owned();
        let (status, token) = self.login(&username, password).await;
        assert_eq!(status, StatusCode::OK, "{token}");
        Account {
            address: result["address"].as_str().unwrap().to_owned(),
            username,
            password: password.to_owned(),
            token: token["access_token"].as_str().unwrap().to_owned(),
        }
    }

    /// A relationship from `peer` to a template of `templator`, accepted when `accept`.
    pub async fn relate(&self, templator: &Account, peer: &Account, accept: bool) -> String {
        let template = self.template(templator, json!({ "content": "AAEC" })).await;
        let (status, _) = self
            .call(
                Method::GET,
                &format!("/api/v2/RelationshipTemplates/{template}"),
                Some(&peer.token),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, created) = self
            .call(
                Method::POST,
                "/api/v2/Relationships",
                Some(&peer.token),
                Some(json!({ "relationshipTemplateId": template, "creationContent": "AAEC" })),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let id = created["result"]["id"].as_str().unwrap().to_owned();
        if accept {
            let (status, body) = self
                .call(
                    Method::PUT,
                    &format!("/api/v2/Relationships/{id}/Accept"),
                    Some(&templator.token),
                    Some(json!({ "creationResponseContent": "AAEC" })),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        id
    }

    pub async fn template(&self, owner: &Account, body: Value) -> String {
        let (status, created) = self
            .call(
                Method::POST,
                "/api/v2/RelationshipTemplates",
                Some(&owner.token),
                Some(body),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        created["result"]["id"].as_str().unwrap().to_owned()
    }
}

pub struct Account {
    pub address: String,
    pub username: String,
    pub password: String,
    pub token: String,
}

/// Asserts the Backbone's error envelope with this status and code.
pub fn assert_error(status: StatusCode, body: &Value, expected_status: u16, code: &str) {
    assert_eq!(status.as_u16(), expected_status, "{body}");
    let error = &body["error"];
    assert_eq!(error["code"], code, "{body}");
    let id = error["id"].as_str().unwrap_or_default();
    assert!(id.starts_with("ERR") && id.len() == 20, "{body}");
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(
        error["time"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{body}"
    );
}

/// A date `seconds` from now, as the client writes it.
pub fn in_seconds(seconds: i64) -> String {
    CoreDate::from_offset_date_time(
        time::OffsetDateTime::now_utc() + time::Duration::seconds(seconds),
    )
    .to_iso_string()
}
