//! The decider's automationConfig (`modules.decider.automationConfig`, content-model §5.12) over
//! REST with real Connectors: one accepts Read requests for a GivenName with a new attribute, one
//! rejects everything from a given peer; a request with a Consent item is left to a manual
//! decision. Requests offered by loaded peer templates are decided alike (§7.2): an accept
//! without a relationship creates it, a reject completes without one, an uncovered request waits,
//! and `consumption.relationshipTemplateProcessed` tells which.

use std::time::Duration;

use serde_json::{Value, json};

use crate::notifications::non_empty;
use crate::rest_peer::{
    Connector, in_a_day, load_template, offer_template_with, relate, start_backbone, sync_until,
};
use crate::webhooks::{Hit, Receiver, webhooks_env};

fn automation(config: Value) -> Vec<(String, String)> {
    vec![(
        "modules__decider__automationConfig".to_owned(),
        config.to_string(),
    )]
}

/// Creates and sends a request from `a` to `to`; returns its id.
async fn send_request(a: &Connector, to: &str, items: Value) -> String {
    let body = json!({"content": {"expiresAt": in_a_day(), "items": items}, "peer": to});
    let created = crate::rest_peer::send_request(a, body).await;
    created["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn automation_config_accepts_rejects_and_leaves_consent_to_a_manual_decision() {
    let backbone = start_backbone().await;
    let a = Connector::start(&backbone.base_url()).await;
    let a_address = a.address().await;
    let receiver = Receiver::start();
    let mut env = automation(json!([{
        "requestConfig": {"content.item.@type": "ReadAttributeRequestItem", "content.item.query.valueType": "GivenName"},
        "responseConfig": {"accept": true, "newAttribute": {"@type": "IdentityAttribute", "owner": "",
            "value": {"@type": "GivenName", "value": "Auto"}}}
    }]));
    env.extend(webhooks_env(&json!({"webhooks": [{
        "triggers": ["consumption.incomingRequestStatusChanged"],
        "target": {"url": format!("{}/b", receiver.base)},
    }]})));
    let accepting = Connector::start_with_env(&backbone.base_url(), env).await;
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
    // As the runtime: DecisionRequired → Decided, never ManualDecisionRequired on the way; the
    // consent request (manual only) goes to ManualDecisionRequired.
    let steps_of = |hits: &[Hit], id: &str| -> Vec<(String, String)> {
        hits.iter()
            .map(|h| &h.body["data"])
            .filter(|d| d["request"]["id"] == id)
            .map(|d| (as_string(&d["oldStatus"]), as_string(&d["newStatus"])))
            .collect()
    };
    let hits = receiver
        .wait_for("/b", Duration::from_secs(60), "status changes", |hits| {
            steps_of(hits, &accepted).len() >= 3 && steps_of(hits, &consent).len() >= 2
        })
        .await;
    let expected = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    };
    assert_eq!(
        steps_of(&hits, &accepted),
        expected(&[
            ("Open", "DecisionRequired"),
            ("DecisionRequired", "Decided"),
            ("Decided", "Completed"),
        ])
    );
    assert_eq!(
        steps_of(&hits, &consent),
        expected(&[
            ("Open", "DecisionRequired"),
            ("DecisionRequired", "ManualDecisionRequired"),
        ])
    );
    let decided = hits
        .iter()
        .map(|h| &h.body["data"])
        .find(|d| d["request"]["id"] == accepted.as_str() && d["newStatus"] == "Decided")
        .unwrap();
    assert_eq!(
        decided["request"]["wasAutomaticallyDecided"], true,
        "{decided}"
    );
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
        .get(&format!("/Requests/Incoming/{rejected}"))
        .await;
    assert_eq!(on_c["wasAutomaticallyDecided"], true);

    // The request with a Consent item waits for a person.
    // (Stored in DecisionRequired first; the decider then leaves it to a person.)
    let waiting = sync_until(
        &accepting,
        &format!("/Requests/Incoming?id={consent}&status=ManualDecisionRequired"),
        non_empty,
    )
    .await;
    assert_eq!(waiting[0]["status"], "ManualDecisionRequired");
    assert!(waiting[0].get("wasAutomaticallyDecided").is_none());
    assert_eq!(
        a.get(&format!("/Requests/Outgoing/{consent}")).await["status"],
        "Open"
    );
}

#[tokio::test]
async fn incompatible_automation_config_refuses_to_start() {
    let backbone = start_backbone().await;
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

/// Creates an own template of `templator` with `content` and loads it on `loader`; returns the
/// loaded RelationshipTemplateDTO.
async fn offer_and_load(templator: &Connector, loader: &Connector, content: Value) -> Value {
    let template = offer_template_with(templator, content).await;
    load_template(loader, &template["reference"]["truncated"]).await
}

/// The `consumption.relationshipTemplateProcessed` payload the webhook under `prefix` got for
/// `template`.
async fn processed(receiver: &Receiver, prefix: &str, template: &Value) -> Value {
    let is_it = |data: &Value| data["template"]["id"] == template["id"];
    let hits = receiver
        .wait_for(
            prefix,
            Duration::from_secs(60),
            "relationshipTemplateProcessed",
            |hits| hits.iter().any(|h| is_it(&h.body["data"])),
        )
        .await;
    let mine: Vec<Value> = hits
        .into_iter()
        .map(|h| h.body["data"].clone())
        .filter(is_it)
        .collect();
    assert_eq!(mine.len(), 1, "processed once: {mine:#?}");
    mine[0].clone()
}

fn read(value_type: &str) -> Value {
    json!({"@type": "ReadAttributeRequestItem", "mustBeAccepted": true,
        "query": {"@type": "IdentityAttributeQuery", "valueType": value_type}})
}

fn on_new(items: Value) -> Value {
    json!({"@type": "RelationshipTemplateContent", "onNewRelationship": {"items": items}})
}

fn new_attribute(value_type: &str) -> Value {
    json!({"@type": "IdentityAttribute", "owner": "", "value": {"@type": value_type, "value": "Auto"}})
}

#[tokio::test]
async fn automation_config_decides_template_requests() {
    let backbone = start_backbone().await;
    let receiver = Receiver::start();
    let mut env = automation(json!([
        {"requestConfig": {"content.item.@type": "ReadAttributeRequestItem", "content.item.query.valueType": "GivenName"},
         "responseConfig": {"accept": true, "newAttribute": new_attribute("GivenName")}},
        {"requestConfig": {"content.item.@type": "ReadAttributeRequestItem", "content.item.query.valueType": "Surname"},
         "responseConfig": {"accept": true, "newAttribute": new_attribute("Surname")}},
        {"requestConfig": {"content.item.@type": "FormFieldRequestItem"},
         "responseConfig": {"accept": false, "message": "no forms"}}
    ]));
    env.extend(webhooks_env(&json!({"webhooks": [{
        "triggers": ["consumption.relationshipTemplateProcessed"],
        "target": {"url": format!("{}/b", receiver.base)},
    }]})));
    let a = Connector::start(&backbone.base_url()).await;
    let b = Connector::start_with_env(&backbone.base_url(), env).await;
    let c = Connector::start(&backbone.base_url()).await;
    let b_address = b.address().await;

    // Rejected automatically: completed without an answer, no relationship on either side.
    let form = json!([{"@type": "FormFieldRequestItem", "mustBeAccepted": false, "title": "Comment",
        "settings": {"@type": "StringFormFieldSettings"}}]);
    let loaded = offer_and_load(&a, &b, on_new(form)).await;
    let event = processed(&receiver, "/b", &loaded).await;
    assert_eq!(event["result"], "RequestAutomaticallyDecided", "{event}");
    assert_eq!(event["template"], loaded);
    let rejected = event["requestId"].as_str().unwrap().to_owned();
    let request = b.get(&format!("/Requests/Incoming/{rejected}")).await;
    assert_eq!(request["status"], "Completed", "{request}");
    assert_eq!(request["wasAutomaticallyDecided"], true);
    assert_eq!(request["source"]["reference"], loaded["id"]);
    assert_eq!(request["response"]["content"]["result"], "Rejected");
    assert_eq!(
        request["response"]["content"]["items"][0]["message"],
        "no forms"
    );
    assert!(request["response"].get("source").is_none(), "{request}");
    assert_eq!(b.get("/Relationships").await, json!([]));

    // Accepted automatically without a relationship: b creates it with the Response, and the
    // templator finds a Pending relationship carrying it.
    let loaded = offer_and_load(&a, &b, on_new(json!([read("GivenName")]))).await;
    let event = processed(&receiver, "/b", &loaded).await;
    assert_eq!(event["result"], "RequestAutomaticallyDecided", "{event}");
    let accepted = event["requestId"].as_str().unwrap().to_owned();
    let request = b.get(&format!("/Requests/Incoming/{accepted}")).await;
    assert_eq!(request["status"], "Completed", "{request}");
    assert_eq!(request["wasAutomaticallyDecided"], true);
    assert_eq!(request["response"]["source"]["type"], "Relationship");
    let relationship_id = request["response"]["source"]["reference"]
        .as_str()
        .unwrap()
        .to_owned();
    let at_a = sync_until(&a, "/Relationships", non_empty).await;
    assert_eq!(at_a.as_array().unwrap().len(), 1, "{at_a}");
    let relationship = &at_a[0];
    assert_eq!(relationship["id"], relationship_id.as_str());
    assert_eq!(relationship["status"], "Pending");
    assert_eq!(relationship["peer"], b_address.as_str());
    let creation = &relationship["creationContent"];
    assert_eq!(
        creation["@type"], "RelationshipCreationContent",
        "{creation}"
    );
    assert_eq!(creation["response"], request["response"]["content"]);
    assert_eq!(creation["response"]["result"], "Accepted");
    let item = &creation["response"]["items"][0];
    assert_eq!(item["@type"], "ReadAttributeAcceptResponseItem", "{item}");
    assert_eq!(item["attribute"]["value"]["value"], "Auto");
    assert_eq!(item["attribute"]["owner"], b_address.as_str());
    // a's side of the template flow: the outgoing request, completed from the relationship.
    // Its consumption listener does that once the sync brought the relationship: poll.
    let outgoing = sync_until(
        &a,
        &format!("/Requests/Outgoing?id={accepted}&status=Completed"),
        non_empty,
    )
    .await;
    let outgoing = &outgoing[0];
    assert_eq!(outgoing["status"], "Completed", "{outgoing}");
    assert_eq!(
        outgoing["response"]["source"]["reference"],
        relationship_id.as_str()
    );

    // With the relationship active, onExistingRelationship is accepted by a ResponseWrapper.
    a.put(
        &format!("/Relationships/{relationship_id}/Accept"),
        json!({}),
    )
    .await;
    sync_until(&b, "/Relationships?status=Active", non_empty).await;
    let existing = json!({"@type": "RelationshipTemplateContent",
        "onNewRelationship": {"items": [read("GivenName")]},
        "onExistingRelationship": {"items": [read("Surname")]}});
    let loaded = offer_and_load(&a, &b, existing).await;
    let event = processed(&receiver, "/b", &loaded).await;
    assert_eq!(event["result"], "RequestAutomaticallyDecided", "{event}");
    let by_message = event["requestId"].as_str().unwrap().to_owned();
    let request = b.get(&format!("/Requests/Incoming/{by_message}")).await;
    assert_eq!(request["status"], "Completed", "{request}");
    assert_eq!(request["response"]["source"]["type"], "Message");
    let done = sync_until(
        &a,
        &format!("/Requests/Outgoing?id={by_message}&status=Completed"),
        non_empty,
    )
    .await;
    assert_eq!(done[0]["response"]["content"]["result"], "Accepted");
    assert_eq!(
        done[0]["response"]["content"]["items"][0]["attribute"]["value"]["@type"],
        "Surname"
    );
    assert_eq!(a.get("/Relationships").await.as_array().unwrap().len(), 1);

    // Not covered by the config: left to a manual decision, no relationship yet.
    let loaded = offer_and_load(&c, &b, on_new(json!([read("EMailAddress")]))).await;
    let event = processed(&receiver, "/b", &loaded).await;
    assert_eq!(event["result"], "ManualRequestDecisionRequired", "{event}");
    let waiting = event["requestId"].as_str().unwrap();
    let request = b.get(&format!("/Requests/Incoming/{waiting}")).await;
    assert_eq!(request["status"], "ManualDecisionRequired", "{request}");
    assert!(request.get("wasAutomaticallyDecided").is_none());
    c.sync().await;
    assert_eq!(c.get("/Relationships").await, json!([]));
}

fn as_string(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}
