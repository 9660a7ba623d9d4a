//! The decider's automationConfig (`modules.decider.automationConfig`, content-model §5.12) over
//! REST with real Connectors: one accepts Read requests for a GivenName with a new attribute, one
//! rejects everything from a given peer; a request with a Consent item is left to a manual
//! decision.

use std::time::Duration;

use serde_json::{Value, json};

use crate::rest_peer::{Connector, in_a_day, relate};

async fn sync_until(c: &Connector, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..60 {
        c.ok("POST", "/Account/Sync", None, 204).await;
        let value = c.ok("GET", path, None, 200).await;
        if done(&value) {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("{path} never satisfied the condition");
}

fn non_empty(v: &Value) -> bool {
    v.as_array().is_some_and(|a| !a.is_empty())
}

fn automation(config: Value) -> Vec<(String, String)> {
    vec![(
        "modules__decider__automationConfig".to_owned(),
        config.to_string(),
    )]
}

/// Creates and sends a request from `a` to `to`; returns its id.
async fn send_request(a: &Connector, to: &str, items: Value) -> String {
    let created = a
        .ok(
            "POST",
            "/Requests/Outgoing",
            Some(json!({"content": {"expiresAt": in_a_day(), "items": items}, "peer": to})),
            201,
        )
        .await;
    a.ok(
        "POST",
        "/Messages",
        Some(json!({"recipients": [to], "content": created["content"]})),
        201,
    )
    .await;
    created["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn automation_config_accepts_rejects_and_leaves_consent_to_a_manual_decision() {
    let backbone = devbackbone::start(devbackbone::BackboneConfig::default())
        .await
        .unwrap();
    let a = Connector::start(&backbone.base_url()).await;
    let a_address = a.address().await;
    let accepting = Connector::start_with_env(
        &backbone.base_url(),
        automation(json!([{
            "requestConfig": {"content.item.@type": "ReadAttributeRequestItem", "content.item.query.valueType": "GivenName"},
            "responseConfig": {"accept": true, "newAttribute": {"@type": "IdentityAttribute", "owner": "",
                "value": {"@type": "GivenName", "value": "Auto"}}}
        }])),
    )
    .await;
    let rejecting = Connector::start_with_env(
        &backbone.base_url(),
        automation(json!([{
            "requestConfig": {"peer": [a_address]},
            "responseConfig": {"accept": false, "message": "not today"}
        }])),
    )
    .await;
    let (b, c) = (accepting.address().await, rejecting.address().await);
    relate(&a, &accepting).await;
    relate(&a, &rejecting).await;

    let read = json!([{"@type": "ReadAttributeRequestItem", "mustBeAccepted": true,
        "query": {"@type": "IdentityAttributeQuery", "valueType": "GivenName"}}]);
    let accepted = send_request(&a, &b, read.clone()).await;
    let consent = send_request(
        &a,
        &b,
        json!([{"@type": "ConsentRequestItem", "mustBeAccepted": true, "consent": "I agree"},
               read[0].clone()]),
    )
    .await;
    let form = json!([{"@type": "FormFieldRequestItem", "mustBeAccepted": false, "title": "Comment",
        "settings": {"@type": "StringFormFieldSettings"}}]);
    let rejected = send_request(&a, &c, form).await;

    // b accepted on its own: the new GivenName, the request marked as decided by automation.
    let incoming = sync_until(
        &accepting,
        &format!("/Requests/Incoming?id={accepted}&status=Completed"),
        non_empty,
    )
    .await;
    assert_eq!(incoming[0]["wasAutomaticallyDecided"], true, "{incoming}");
    let done = sync_until(
        &a,
        &format!("/Requests/Outgoing?id={accepted}&status=Completed"),
        non_empty,
    )
    .await;
    let item = &done[0]["response"]["content"]["items"][0];
    assert_eq!(item["@type"], "ReadAttributeAcceptResponseItem", "{item}");
    assert_eq!(item["attribute"]["value"]["value"], "Auto");
    assert_eq!(item["attribute"]["owner"], b.as_str());

    // c rejected the form from a.
    sync_until(
        &rejecting,
        &format!("/Requests/Incoming?id={rejected}&status=Completed"),
        non_empty,
    )
    .await;
    let done = sync_until(
        &a,
        &format!("/Requests/Outgoing?id={rejected}&status=Completed"),
        non_empty,
    )
    .await;
    assert_eq!(done[0]["response"]["content"]["result"], "Rejected");
    assert_eq!(
        done[0]["response"]["content"]["items"][0]["message"],
        "not today"
    );
    let on_c = rejecting
        .ok("GET", &format!("/Requests/Incoming/{rejected}"), None, 200)
        .await;
    assert_eq!(on_c["wasAutomaticallyDecided"], true);

    // The request with a Consent item waits for a person.
    let waiting = sync_until(
        &accepting,
        &format!("/Requests/Incoming?id={consent}"),
        non_empty,
    )
    .await;
    assert_eq!(waiting[0]["status"], "ManualDecisionRequired");
    assert!(waiting[0].get("wasAutomaticallyDecided").is_none());
    assert_eq!(
        a.ok("GET", &format!("/Requests/Outgoing/{consent}"), None, 200)
            .await["status"],
        "Open"
    );
}

#[tokio::test]
async fn incompatible_automation_config_refuses_to_start() {
    let backbone = devbackbone::start(devbackbone::BackboneConfig::default())
        .await
        .unwrap();
    let url = backbone.base_url();
    let result = std::panic::AssertUnwindSafe(Connector::start_with_env(
        &url,
        automation(json!([{
            "requestConfig": {"content.item.@type": "ReadAttributeRequestItem"},
            "responseConfig": {"accept": true}
        }])),
    ));
    let outcome = futures_util::FutureExt::catch_unwind(result).await;
    assert!(
        outcome.is_err(),
        "a Read accept without newAttribute must not start"
    );
}
