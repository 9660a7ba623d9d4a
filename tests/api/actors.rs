//! The actors behind the REST API: with `modules.sse` or `modules.sync` a Connector picks up an
//! incoming relationship and message without `POST /Account/Sync`; routes whose actor is gone
//! (sync, file upload) answer a 500 `error.connector.unexpected` at once instead of hanging.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::rest_peer::{
    Connector, load_template, offer_template, request_relationship, start_backbone,
};

/// A Connector with the settings `extra_env` (environment names and values).
async fn start(backbone_url: &str, extra_env: &[(&str, &str)]) -> Connector {
    let env = extra_env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Connector::start_with_env(backbone_url, env).await
}

/// Polls `GET path` on `c` until `result` has an entry (panics after 15 s); no sync call.
async fn eventually_listed(c: &Connector, path: &str) -> Value {
    let what = format!("an entry in GET {path}");
    test_support::eventually(&what, Duration::from_secs(15), async || {
        let listed = c.get(path).await;
        listed
            .as_array()
            .and_then(|l| l.first())
            .cloned()
            .ok_or(listed)
    })
    .await
}

/// `a` syncs by itself (sse or sync module); `b` requests a relationship on `a`'s template and
/// sends a message once it is accepted. `a` never calls `POST /Account/Sync`.
async fn picks_up_without_sync_calls(a: &Connector, b: &Connector) {
    let a_address = a.address().await;
    let template = offer_template(a).await;
    let loaded = load_template(b, &template["reference"]["truncated"]).await;
    let relationship_id = request_relationship(b, &loaded).await;

    let incoming = eventually_listed(a, "/Relationships").await;
    assert_eq!(incoming["id"], relationship_id);
    a.ok(
        "PUT",
        &format!("/Relationships/{relationship_id}/Accept"),
        None,
        200,
    )
    .await;
    b.sync().await;

    let sent = b
        .post(
            "/Messages",
            json!({
                "recipients": [a_address],
                "content": {"@type": "Mail", "to": [a_address], "subject": "hi", "body": "x"},
            }),
        )
        .await;
    let received = eventually_listed(a, "/Messages").await;
    assert_eq!(received["id"], sent["id"]);
}

#[tokio::test]
async fn the_sse_module_picks_up_relationships_and_messages() {
    let backbone = start_backbone().await;
    let a = start(&backbone.base_url(), &[("modules__sse__enabled", "true")]).await;
    let b = start(&backbone.base_url(), &[]).await;
    picks_up_without_sync_calls(&a, &b).await;
}

#[tokio::test]
async fn the_sync_module_picks_up_relationships_and_messages() {
    let backbone = start_backbone().await;
    let a = start(
        &backbone.base_url(),
        &[
            ("modules__sync__enabled", "true"),
            ("modules__sync__interval", "1"),
        ],
    )
    .await;
    let b = start(&backbone.base_url(), &[]).await;
    picks_up_without_sync_calls(&a, &b).await;
}

#[tokio::test]
async fn routes_whose_actor_is_gone_answer_500_at_once() {
    let backbone = start_backbone().await;
    let a = start(&backbone.base_url(), &[]).await;
    a.sync().await;

    let actors = a.actors();
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
    let response = a.call("POST", "/Account/Sync", None).await;
    assert_eq!(response.status().as_u16(), 500);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "error.connector.unexpected");
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"hello".to_vec())
            .file_name("a.txt")
            .mime_str("text/plain")
            .unwrap(),
    );
    let response = a.upload(form).await;
    assert_eq!(response.status().as_u16(), 500);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "error.connector.unexpected");
    assert!(started.elapsed() < Duration::from_secs(10));
}
