//! Bad input gets the Backbone's error envelope and status: one test per family
//! (malformed JSON, missing/expired tokens, wrong passwords, oversized payloads, unknown ids,
//! forbidden state transitions, sync-run misuse).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{Server, assert_error, in_seconds};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn malformed_json_cannot_be_parsed() {
    let server = Server::start().await;
    let a = server.onboard().await;
    let response = server
        .http
        .post(server.url("/api/v2/RelationshipTemplates"))
        .bearer_auth(&a.token)
        .header("content-type", "application/json")
        .body("{\"content\": ")
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body = response.json().await.unwrap();
    assert_error(status, &body, 400, "error.platform.inputCannotBeParsed");

    let (status, body) = server
        .call(
            Method::POST,
            "/api/v2/RelationshipTemplates",
            Some(&a.token),
            Some(json!({ "content": 5 })),
        )
        .await;
    assert_error(status, &body, 400, "error.platform.inputCannotBeParsed");

    let (status, body) = server
        .call(
            Method::POST,
            "/api/v2/RelationshipTemplates",
            Some(&a.token),
            Some(json!({ "content": "not base64!" })),
        )
        .await;
    assert_error(status, &body, 400, "error.platform.inputCannotBeParsed");
}

#[tokio::test]
async fn missing_invalid_and_expired_tokens_are_401() {
    let server = Server::start_with(devbackbone::BackboneConfig {
        access_token_lifetime_secs: 1,
        ..Default::default()
    })
    .await;
    let a = server.onboard().await;
    let (status, body) = server
        .call(Method::GET, "/api/v2/Devices/Self", None, None)
        .await;
    assert_eq!(
        (status, body),
        (StatusCode::UNAUTHORIZED, serde_json::Value::Null)
    );
    let (status, _) = server
        .call(Method::GET, "/api/v2/Devices/Self", Some("forged"), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = server
        .call(Method::GET, "/api/v2/Devices/Self", Some(&a.token), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    // Time under test: past the token's 1 s lifetime.
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let (status, _) = server
        .call(Method::GET, "/api/v2/Devices/Self", Some(&a.token), None)
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "an expired token is refused"
    );
    // Logging in again works: that is what the client does after a 401.
    let (status, _) = server.login(&a.username, &a.password).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn wrong_passwords_are_refused() {
    let server = Server::start().await;
    let a = server.onboard().await;
    let b = server.onboard().await;

    let (status, body) = server.login(&a.username, "wrong").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");

    // Template and token passwords: a wrong or missing one is 404, the right one opens it.
    let template = server
        .template(&a, json!({ "content": "AAEC", "password": "cGFzc3dvcmQ=" }))
        .await;
    for query in ["", "?password=d3Jvbmc%3D"] {
        let (status, body) = server
            .call(
                Method::GET,
                &format!("/api/v2/RelationshipTemplates/{template}{query}"),
                Some(&b.token),
                None,
            )
            .await;
        assert_error(status, &body, 404, "error.platform.recordNotFound");
    }
    let (status, body) = server
        .call(
            Method::GET,
            &format!("/api/v2/RelationshipTemplates/{template}?password=cGFzc3dvcmQ%3D"),
            Some(&b.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (_, token) = server
        .call(
            Method::POST,
            "/api/v2/Tokens",
            Some(&a.token),
            Some(json!({ "content": "AAEC", "expiresAt": in_seconds(600), "password": "cGFzc3dvcmQ=" })),
        )
        .await;
    let token = token["result"]["id"].as_str().unwrap();
    let (status, body) = server
        .call(
            Method::GET,
            &format!("/api/v2/Tokens/{token}?password=d3Jvbmc%3D"),
            None,
            None,
        )
        .await;
    assert_error(status, &body, 404, "error.platform.recordNotFound");
    let (status, body) = server
        .call(
            Method::GET,
            &format!("/api/v2/Tokens/{token}?password=cGFzc3dvcmQ%3D"),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["result"]["isPasswordProtected"], true);

    let (status, body) = server
        .call(
            Method::PUT,
            "/api/v2/Devices/Self/Password",
            Some(&a.token),
            Some(json!({ "oldPassword": "wrong", "newPassword": "new" })),
        )
        .await;
    assert_error(
        status,
        &body,
        400,
        "error.platform.validation.device.changePasswordFailed",
    );
}

#[tokio::test]
async fn oversized_payloads_are_refused() {
    let server = Server::start_with(devbackbone::BackboneConfig {
        max_file_size: 1024,
        ..Default::default()
    })
    .await;
    let a = server.onboard().await;
    let b = server.onboard().await;
    server.relate(&a, &b, true).await;

    // A message body just over 10 MiB (as base64url).
    let big = "A".repeat((10_usize * 1024 * 1024).div_ceil(3) * 4);
    let (status, body) = server
        .call(
            Method::POST,
            "/api/v2/Messages",
            Some(&a.token),
            Some(json!({ "recipients": [{ "address": b.address, "encryptedKey": "A".repeat(60) }], "body": big })),
        )
        .await;
    assert_error(
        status,
        &body,
        400,
        "error.platform.validation.invalidPropertyValue",
    );

    // A request body over the JSON limit.
    let huge = "A".repeat(17 * 1024 * 1024);
    let (status, body) = server
        .call(
            Method::POST,
            "/api/v2/RelationshipTemplates",
            Some(&a.token),
            Some(json!({ "content": huge })),
        )
        .await;
    assert_error(status, &body, 400, "error.platform.requestBodyTooLarge");

    // A file over the configured limit.
    let form = reqwest::multipart::Form::new()
        .part(
            "content",
            reqwest::multipart::Part::bytes(vec![7u8; 2048]).file_name("cipher.bin"),
        )
        .text("cipherHash", "AAEC")
        .text("owner", a.address.clone())
        .text("ownerSignature", "AAEC")
        .text("expiresAt", in_seconds(3600))
        .text("encryptedProperties", "AAEC");
    let response = server
        .http
        .post(server.url("/api/v2/Files"))
        .bearer_auth(&a.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body = response.json().await.unwrap();
    assert_error(
        status,
        &body,
        400,
        "error.platform.validation.invalidPropertyValue",
    );
}

#[tokio::test]
async fn unknown_and_malformed_ids() {
    let server = Server::start().await;
    let a = server.onboard().await;
    for path in [
        "/api/v2/Relationships/RELAAAAAAAAAAAAAAAAA",
        "/api/v2/Messages/MSGAAAAAAAAAAAAAAAAA",
        "/api/v2/Files/FILAAAAAAAAAAAAAAAAA/metadata",
        "/api/v2/Files/FILAAAAAAAAAAAAAAAAA",
        "/api/v2/Tokens/TOKAAAAAAAAAAAAAAAAA",
        "/api/v2/RelationshipTemplates/RLTAAAAAAAAAAAAAAAAA",
        "/api/v2/Challenges/CHLAAAAAAAAAAAAAAAAA",
    ] {
        let (status, body) = server.call(Method::GET, path, Some(&a.token), None).await;
        assert_error(status, &body, 404, "error.platform.recordNotFound");
    }
    for path in [
        "/api/v2/Relationships/REL1",
        "/api/v2/Messages/RELAAAAAAAAAAAAAAAAA",
        "/api/v2/Tokens/TOK!AAAAAAAAAAAAAAAA",
    ] {
        let (status, body) = server.call(Method::GET, path, Some(&a.token), None).await;
        assert_error(status, &body, 400, "error.platform.validation.invalidId");
    }
    let (status, body) = server
        .call(Method::GET, "/api/v2/NoSuchThing", Some(&a.token), None)
        .await;
    // Unknown routes: 404 without a body, as from ASP.NET.
    assert_eq!(
        (status, body),
        (StatusCode::NOT_FOUND, serde_json::Value::Null)
    );
}

#[tokio::test]
async fn forbidden_state_transitions() {
    let server = Server::start().await;
    let a = server.onboard().await;
    let b = server.onboard().await;
    let pending = server.relate(&a, &b, false).await;
    let rule = |name: &str| format!("error.platform.validation.relationship.{name}");

    let transition = |who: &common::Account, id: &str, action: &str| {
        let path = format!("/api/v2/Relationships/{id}/{action}");
        let token = who.token.clone();
        let server = &server;
        async move {
            server
                .call(Method::PUT, &path, Some(&token), Some(json!({})))
                .await
        }
    };
    let (status, body) = transition(&b, &pending, "Accept").await;
    assert_error(
        status,
        &body,
        400,
        &rule("cannotAcceptOrRejectRelationshipAddressedToSomeoneElse"),
    );
    let (status, body) = transition(&a, &pending, "Revoke").await;
    assert_error(
        status,
        &body,
        400,
        &rule("cannotRevokeRelationshipNotCreatedByYourself"),
    );
    let (status, body) = transition(&a, &pending, "Terminate").await;
    assert_error(
        status,
        &body,
        400,
        &rule("relationshipIsNotInCorrectStatus"),
    );
    let (status, body) = transition(&a, &pending, "Decompose").await;
    assert_error(
        status,
        &body,
        400,
        &rule("relationshipIsNotInCorrectStatus"),
    );

    // A second relationship between the two, and one with oneself.
    let template = server.template(&a, json!({ "content": "AAEC" })).await;
    let (status, body) = server
        .call(
            Method::POST,
            "/api/v2/Relationships",
            Some(&b.token),
            Some(json!({ "relationshipTemplateId": template })),
        )
        .await;
    assert_error(
        status,
        &body,
        400,
        &rule("relationshipToTargetAlreadyExists"),
    );
    let (status, body) = server
        .call(
            Method::POST,
            "/api/v2/Relationships",
            Some(&a.token),
            Some(json!({ "relationshipTemplateId": template })),
        )
        .await;
    assert_error(
        status,
        &body,
        400,
        &rule("cannotCreateRelationshipWithYourself"),
    );

    // Reactivation rules on a terminated relationship.
    let (status, _) = transition(&a, &pending, "Accept").await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = transition(&b, &pending, "Terminate").await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = transition(&b, &pending, "Reactivate").await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = transition(&b, &pending, "Reactivate").await;
    assert_error(
        status,
        &body,
        400,
        &rule("cannotRequestReactivationWhenThereIsAnOpenReactivationRequest"),
    );
    let (status, body) = transition(&b, &pending, "Reactivate/Accept").await;
    assert_error(
        status,
        &body,
        400,
        &rule("noAcceptableRelationshipReactivationRequestExists"),
    );
    let (status, body) = transition(&a, &pending, "Reactivate/Revoke").await;
    assert_error(
        status,
        &body,
        400,
        &rule("noRevocableReactivationRequestExists"),
    );
    let (status, _) = transition(&a, &pending, "Reactivate/Reject").await;
    assert_eq!(status, StatusCode::OK);

    // Decomposed by one side: that side no longer sees it.
    let (status, _) = transition(&a, &pending, "Decompose").await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = transition(&a, &pending, "Decompose").await;
    assert_error(status, &body, 400, &rule("relationshipAlreadyDecomposed"));
    let (status, body) = server
        .call(
            Method::GET,
            &format!("/api/v2/Relationships/{pending}"),
            Some(&a.token),
            None,
        )
        .await;
    assert_error(status, &body, 400, &rule("relationshipAlreadyDecomposed"));

    // Someone else's template cannot be deleted (403: the client never sees a body).
    let (status, _) = server
        .call(
            Method::DELETE,
            &format!("/api/v2/RelationshipTemplates/{template}"),
            Some(&b.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn sync_run_misuse() {
    let server = Server::start().await;
    let a = server.onboard().await;
    // Before the datawallet exists, an event sync cannot start.
    let (status, body) = server
        .call(
            Method::POST,
            "/api/v2/SyncRuns",
            Some(&a.token),
            Some(json!({ "type": "ExternalEventSync" })),
        )
        .await;
    assert_error(status, &body, 404, "error.platform.recordNotFound");
    let (status, run) = server
        .call(
            Method::POST,
            "/api/v2/SyncRuns",
            Some(&a.token),
            Some(json!({ "type": "DatawalletVersionUpgrade" })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{run}");
    let run = run["result"]["syncRun"]["id"].as_str().unwrap().to_owned();
    let (status, body) = server
        .call(
            Method::POST,
            "/api/v2/SyncRuns",
            Some(&a.token),
            Some(json!({ "type": "DatawalletVersionUpgrade" })),
        )
        .await;
    assert_error(
        status,
        &body,
        400,
        "error.platform.validation.syncRun.cannotStartSyncRunWhenAnotherSyncRunIsRunning",
    );
    let finalize = format!("/api/v2/SyncRuns/{run}/FinalizeDatawalletVersionUpgrade");
    let body = json!({ "newDatawalletVersion": 1, "datawalletModifications": [] });
    let (status, _) = server
        .call(Method::PUT, &finalize, Some(&a.token), Some(body.clone()))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, response) = server
        .call(Method::PUT, &finalize, Some(&a.token), Some(body))
        .await;
    assert_error(
        status,
        &response,
        400,
        "error.platform.validation.syncRun.syncRunAlreadyFinalized",
    );

    // Without the datawallet version header the run is refused.
    let response = server
        .http
        .post(server.url("/api/v2/SyncRuns"))
        .bearer_auth(&a.token)
        .json(&json!({ "type": "ExternalEventSync" }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body = response.json().await.unwrap();
    assert_error(
        status,
        &body,
        400,
        "error.platform.validation.invalidPropertyValue",
    );
    let (status, body) = server
        .call(
            Method::POST,
            "/api/v2/SyncRuns",
            Some(&a.token),
            Some(json!({ "type": "ExternalEventSync" })),
        )
        .await;
    assert_eq!(
        (status, &body["result"]["status"]),
        (StatusCode::OK, &json!("NoNewEvents")),
        "{body}"
    );
}
