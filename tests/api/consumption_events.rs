//! The consumption layer's events (connector-operations.md §3) reach every kind of target with the
//! real payload (issue 8): two Connectors, each with a `consumption.**` webhook, an AMQP exchange
//! of its own and Redis, run a template request flow, a request flow by message, an own identity
//! attribute's create/succeed/delete and a succession announced by `NotifyPeer`; each target gets
//! the same events, and the payloads are the DTOs the REST API answers for the same objects.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};

use crate::brokers::{
    AMQP_URL, REDIS_URL, broker_env, collect, publishing_pair, redis_consumer_on,
};
use crate::notifications::non_empty;
use crate::rest_peer::sync_until;
use crate::rest_peer::{
    Connector, email, in_a_day, load_template, offer_template, offer_template_with,
};
use crate::webhooks::{Receiver, webhooks_env};

pub type Events = BTreeMap<String, Vec<Value>>;

/// A Connector's environment: a `consumption.**` webhook under `/{name}/`, AMQP on `exchange`
/// and Redis.
fn publishing_env(receiver: &Receiver, name: &str, exchange: &str) -> Vec<(String, String)> {
    let mut env = webhooks_env(&json!({"webhooks": [{
        "triggers": ["consumption.**"],
        "target": {"url": format!("{}/{name}/{{{{trigger}}}}", receiver.base)},
    }]}));
    env.extend(broker_env(json!([
        {"type": "AMQP", "configuration": {"url": AMQP_URL, "exchange": exchange}},
        {"type": "Redis", "configuration": {"url": REDIS_URL}},
    ])));
    env
}

/// The webhook bodies under `/{name}/` once no more arrived for a second, by trigger.
pub async fn webhook_events(receiver: &Receiver, name: &str) -> Events {
    let prefix = format!("/{name}/");
    let hits = receiver
        .settled(&prefix, Duration::from_secs(1), Duration::from_secs(30))
        .await;
    let mut events = Events::new();
    for hit in hits {
        assert_eq!(hit.path, format!("/{name}/{}", hit.trigger()));
        let keys: Vec<&String> = hit.body.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["trigger", "data"]);
        events
            .entry(hit.trigger().to_owned())
            .or_default()
            .push(hit.body["data"].clone());
    }
    events
}

fn as_strs(keys: &[String]) -> Vec<&str> {
    keys.iter().map(String::as_str).collect()
}

fn counts(events: &Events) -> BTreeMap<&str, usize> {
    events.iter().map(|(k, v)| (k.as_str(), v.len())).collect()
}

/// The payloads as sorted JSON texts, to compare what two publishers sent in any interleaving.
fn sorted(payloads: impl IntoIterator<Item = Value>) -> Vec<String> {
    let mut texts: Vec<String> = payloads.into_iter().map(|p| p.to_string()).collect();
    texts.sort();
    texts
}

/// `(oldStatus, newStatus)` of the status events of request `id`, and its last DTO.
fn statuses(events: &Events, trigger: &str, id: &str) -> (Vec<(String, String)>, Value) {
    let changes: Vec<&Value> = events[trigger]
        .iter()
        .filter(|e| e["request"]["id"] == id)
        .collect();
    let steps = changes
        .iter()
        .map(|e| {
            (
                e["oldStatus"].as_str().unwrap().to_owned(),
                e["newStatus"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (steps, changes.last().unwrap()["request"].clone())
}

fn steps(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

/// A REST attribute answer (or `{predecessor, successor}`) without `numberOfForwards`: the
/// /Attributes routes count the forwardings when they answer, the events carry the stored
/// LocalAttributeDTO without the count.
fn uncounted(mut rest: Value) -> Value {
    if let Some(dto) = rest.as_object_mut() {
        dto.remove("numberOfForwards");
        for version in ["predecessor", "successor"] {
            if let Some(Value::Object(inner)) = dto.get_mut(version) {
                inner.remove("numberOfForwards");
            }
        }
    }
    rest
}

/// The response items of outgoing request `id`.
async fn response_items(c: &Connector, id: &str) -> Value {
    c.get(&format!("/Requests/Outgoing/{id}")).await["response"]["content"]["items"].clone()
}

/// The request items of a template's `onNewRelationship`: the peer's GivenName, required.
pub fn read_given_name() -> Value {
    json!({"items": [
        {"@type": "ReadAttributeRequestItem", "mustBeAccepted": true,
         "query": {"@type": "IdentityAttributeQuery", "valueType": "GivenName"}}
    ]})
}

/// `b` accepts `a`'s template request `request` with a new GivenName "Tom", which creates the
/// relationship; `a` syncs until its outgoing request is completed, accepts the relationship, and
/// `b` syncs. (b's decided request, the relationship's id.)
pub async fn accept_onboarding(a: &Connector, b: &Connector, request: &str) -> (Value, String) {
    let given_name = json!({"@type": "IdentityAttribute", "owner": "",
        "value": {"@type": "GivenName", "value": "Tom"}});
    let decided = b
        .put(
            &format!("/Requests/Incoming/{request}/Accept"),
            json!({"items": [{"accept": true, "newAttribute": given_name}]}),
        )
        .await;
    sync_until(a, &format!("/Requests/Outgoing?id={request}"), non_empty).await;
    let relationship_id = a.get("/Relationships").await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    a.put(
        &format!("/Relationships/{relationship_id}/Accept"),
        json!({}),
    )
    .await;
    b.sync().await;
    (decided, relationship_id)
}

#[tokio::test(flavor = "multi_thread")]
async fn consumption_events_reach_webhooks_amqp_and_redis_with_the_dtos() {
    let receiver = Receiver::start();
    let mut redis = redis_consumer_on(&["consumption.*"]).await;
    let ((_backbone, a, b, a_address, b_address), mut amqp_a, mut amqp_b) =
        publishing_pair("consumption", |name, exchange| {
            publishing_env(&receiver, name, exchange)
        })
        .await;
    // 1. Template request flow: b loads a's template, accepts its request with a new GivenName,
    //    which creates the relationship; a completes its outgoing request and accepts.
    let onboarding = read_given_name();
    let content = json!({"@type": "RelationshipTemplateContent", "onNewRelationship": onboarding});
    let template = offer_template_with(&a, content).await;
    let loaded = load_template(&b, &template["reference"]["truncated"]).await;
    let offered = sync_until(&b, "/Requests/Incoming", left_to_a_person).await;
    let template_request = offered[0]["id"].as_str().unwrap().to_owned();
    let (_, relationship_id) = accept_onboarding(&a, &b, &template_request).await;

    // b loads a's first template again: the active relationship leaves nothing to offer.
    let loaded_again = load_template(&b, &template["reference"]["truncated"]).await;

    // 2. Request flow by message: Read (a new Surname) and Create (a relationship attribute).
    let request = json!({"expiresAt": in_a_day(), "items": [
        {"@type": "ReadAttributeRequestItem", "mustBeAccepted": true,
         "query": {"@type": "IdentityAttributeQuery", "valueType": "Surname"}},
        {"@type": "CreateAttributeRequestItem", "mustBeAccepted": true,
         "attribute": {"@type": "RelationshipAttribute", "owner": a_address, "key": "customerNo",
           "confidentiality": "protected",
           "value": {"@type": "ProprietaryString", "title": "Customer number", "value": "4711"}}}
    ]});
    let created = a
        .post(
            "/Requests/Outgoing",
            json!({"content": request, "peer": b_address}),
        )
        .await;
    let message_request = created["id"].as_str().unwrap().to_owned();
    let request_message = a
        .post(
            "/Messages",
            json!({"recipients": [b_address], "content": created["content"]}),
        )
        .await;
    sync_until(
        &b,
        &format!("/Requests/Incoming?id={message_request}"),
        left_to_a_person,
    )
    .await;
    let surname = json!({"@type": "IdentityAttribute", "owner": "", "value": {"@type": "Surname", "value": "Smith"}});
    b.put(
        &format!("/Requests/Incoming/{message_request}/Accept"),
        json!({"items": [{"accept": true, "newAttribute": surname}, {"accept": true}]}),
    )
    .await;
    sync_until(
        &a,
        &format!("/Requests/Outgoing?id={message_request}&status=Completed"),
        non_empty,
    )
    .await;

    // 3. a's own identity attribute: created, succeeded, deleted (with its predecessor).
    let mail = a.create_attribute(email("a@example.com")).await;
    let mail_id = mail["id"].as_str().unwrap().to_owned();
    let mail_succeeded = a
        .post(
            &format!("/Attributes/{mail_id}/Succeed"),
            json!({"successorContent": {"value": {"@type": "EMailAddress", "value": "new@example.com"}}}),
        )
        .await;
    let mail_successor = mail_succeeded["successor"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    a.ok(
        "DELETE",
        &format!("/Attributes/{mail_successor}"),
        None,
        200,
    )
    .await;

    // 4. b succeeds the GivenName it shared with a and tells a by NotifyPeer.
    let shared_name = b
        .get("/Attributes?@type=OwnIdentityAttribute&content.value.@type=GivenName")
        .await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let name_succeeded = b
        .post(
            &format!("/Attributes/{shared_name}/Succeed"),
            json!({"successorContent": {"value": {"@type": "GivenName", "value": "Thomas"}}}),
        )
        .await;
    let name_successor = name_succeeded["successor"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    b.post(
        &format!("/Attributes/{name_successor}/NotifyPeer"),
        json!({"peer": a_address}),
    )
    .await;
    sync_until(&a, &format!("/Attributes?succeeds={shared_name}"), |v| {
        v[0]["sourceReference"]
            .as_str()
            .is_some_and(|r| r.starts_with("NOT"))
    })
    .await;

    // 5. A template of a's answered over the existing relationship: b's response goes back in a
    //    ResponseWrapper message, a creates and completes its outgoing request.
    let login = json!({"items": [{"@type": "AuthenticationRequestItem", "mustBeAccepted": true, "title": "Login"}]});
    let content = json!({"@type": "RelationshipTemplateContent",
        "onNewRelationship": login, "onExistingRelationship": login});
    let existing_template = offer_template_with(&a, content).await;
    let existing_loaded = load_template(&b, &existing_template["reference"]["truncated"]).await;
    let offered = sync_until(
        &b,
        &format!(
            "/Requests/Incoming?source.reference={}",
            existing_loaded["id"].as_str().unwrap()
        ),
        left_to_a_person,
    )
    .await;
    let login_request = offered[0]["id"].as_str().unwrap().to_owned();
    // Loaded again while its request is open: no second request.
    let existing_again = load_template(&b, &existing_template["reference"]["truncated"]).await;
    b.put(
        &format!("/Requests/Incoming/{login_request}/Accept"),
        json!({"items": [{"accept": true}]}),
    )
    .await;
    sync_until(
        &a,
        &format!("/Requests/Outgoing?id={login_request}"),
        non_empty,
    )
    .await;

    // 6. b loads a template of a's without a request.
    let plain_template = offer_template(&a).await;
    let plain_loaded = load_template(&b, &plain_template["reference"]["truncated"]).await;

    // Every target got the same events.
    let (hooks_a, hooks_b) = (
        webhook_events(&receiver, "a").await,
        webhook_events(&receiver, "b").await,
    );
    let keys = |events: &Events| events.keys().cloned().collect::<Vec<String>>();
    let (keys_a, keys_b) = (keys(&hooks_a), keys(&hooks_b));
    // The AMQP queues are bound to `#`: the transport events are there too.
    let consumption_only = |events: Events| -> Events {
        events
            .into_iter()
            .filter(|(key, _)| key.starts_with("consumption."))
            .collect()
    };
    let from_amqp_a = consumption_only(collect(&mut amqp_a.received, &as_strs(&keys_a)).await);
    let from_amqp_b = consumption_only(collect(&mut amqp_b.received, &as_strs(&keys_b)).await);
    let mut all_keys = keys_a.clone();
    all_keys.extend(keys_b.iter().cloned());
    let from_redis = collect(&mut redis, &as_strs(&all_keys)).await;
    amqp_a.delete().await;
    amqp_b.delete().await;
    assert_eq!(from_amqp_a, hooks_a, "a: AMQP and the webhook differ");
    assert_eq!(from_amqp_b, hooks_b, "b: AMQP and the webhook differ");
    // The Redis channels are shared by both Connectors (and other tests): what they carried of
    // these payloads is exactly what both published.
    for key in &all_keys {
        let published: Vec<Value> = [&hooks_a, &hooks_b]
            .iter()
            .flat_map(|events| events.get(key).cloned().unwrap_or_default())
            .collect();
        let on_redis = from_redis
            .get(key)
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|p| published.contains(p));
        assert_eq!(sorted(on_redis), sorted(published), "Redis: {key}");
    }

    // Every consumption event these flows cause, per Connector (the webhook's `**` saw no more).
    let expected_a = BTreeMap::from([
        ("consumption.attributeCreated", 4),
        ("consumption.attributeDeleted", 2),
        ("consumption.attributeSucceeded", 2),
        ("consumption.messageProcessed", 3),
        ("consumption.outgoingRequestCreated", 1),
        ("consumption.outgoingRequestCreatedAndCompleted", 1),
        (
            "consumption.outgoingRequestFromRelationshipCreationCreatedAndCompleted",
            1,
        ),
        ("consumption.outgoingRequestStatusChanged", 2),
    ]);
    let expected_b = BTreeMap::from([
        ("consumption.attributeCreated", 3),
        ("consumption.attributeForwardingDetailsChanged", 3),
        ("consumption.attributeSucceeded", 1),
        ("consumption.incomingRequestReceived", 3),
        ("consumption.incomingRequestStatusChanged", 12),
        ("consumption.messageProcessed", 1),
        ("consumption.relationshipTemplateProcessed", 5),
    ]);
    assert_eq!(counts(&hooks_a), expected_a, "a: {hooks_a:#?}");
    assert_eq!(counts(&hooks_b), expected_b, "b: {hooks_b:#?}");

    // b, the templates: processed, each new request left to a manual decision; loaded again with
    // the relationship active or with its request open, nothing new.
    assert_eq!(
        hooks_b["consumption.relationshipTemplateProcessed"],
        [
            json!({"template": loaded, "result": "ManualRequestDecisionRequired", "requestId": template_request}),
            json!({"template": loaded_again, "result": "RelationshipExists", "relationshipId": relationship_id}),
            json!({"template": existing_loaded, "result": "ManualRequestDecisionRequired", "requestId": login_request}),
            json!({"template": existing_again, "result": "NonCompletedRequestExists", "requestId": login_request}),
            json!({"template": plain_loaded, "result": "NoRequest"}),
        ]
    );
    // b, the three incoming requests: received Open, then through to Completed; the last DTO is what
    // REST answers now.
    let received = &hooks_b["consumption.incomingRequestReceived"];
    assert_eq!(received.len(), 3);
    for (event, id) in received
        .iter()
        .zip([&template_request, &message_request, &login_request])
    {
        let dto = b.get(&format!("/Requests/Incoming/{id}")).await;
        assert_eq!(event["id"], dto["id"]);
        assert_eq!(event["status"], "Open");
        for field in ["isOwn", "peer", "createdAt", "content", "source"] {
            assert_eq!(event[field], dto[field], "incomingRequestReceived.{field}");
        }
        let (steps_seen, last) = statuses(&hooks_b, "consumption.incomingRequestStatusChanged", id);
        assert_eq!(
            steps_seen,
            steps(&[
                ("Open", "DecisionRequired"),
                ("DecisionRequired", "ManualDecisionRequired"),
                ("ManualDecisionRequired", "Decided"),
                ("Decided", "Completed"),
            ])
        );
        assert_eq!(last, dto);
    }
    // b, the request message: processed, the request left to a manual decision.
    let processed = &hooks_b["consumption.messageProcessed"][0];
    assert_eq!(processed.as_object().unwrap().len(), 2, "{processed}");
    assert_eq!(processed["result"], "ManualRequestDecisionRequired");
    let message_id = request_message["id"].as_str().unwrap();
    let message = b.get(&format!("/Messages/{message_id}")).await;
    for field in ["id", "isOwn", "content", "createdBy", "createdAt"] {
        assert_eq!(
            processed["message"][field], message[field],
            "message.{field}"
        );
    }
    assert_eq!(processed["message"]["content"], created["content"]);

    // a, the outgoing requests: the created Draft is the REST answer, Draft → Open → Completed
    // ends in what REST answers now; the template's request appears completed.
    assert_eq!(hooks_a["consumption.outgoingRequestCreated"], [created]);
    let (steps_seen, last) = statuses(
        &hooks_a,
        "consumption.outgoingRequestStatusChanged",
        &message_request,
    );
    assert_eq!(
        steps_seen,
        steps(&[("Draft", "Open"), ("Open", "Completed")])
    );
    assert_eq!(
        last,
        a.get(&format!("/Requests/Outgoing/{message_request}"))
            .await
    );
    assert_eq!(
        hooks_a["consumption.outgoingRequestFromRelationshipCreationCreatedAndCompleted"],
        [a.get(&format!("/Requests/Outgoing/{template_request}"))
            .await]
    );

    // a, the template request answered by message: created and completed at once, as REST
    // shows it, its response from b's ResponseWrapper message.
    let login_dto = a.get(&format!("/Requests/Outgoing/{login_request}")).await;
    assert_eq!(
        hooks_a["consumption.outgoingRequestCreatedAndCompleted"],
        std::slice::from_ref(&login_dto)
    );
    assert_eq!(login_dto["status"], "Completed");
    assert_eq!(
        login_dto["source"],
        json!({"type": "RelationshipTemplate", "reference": existing_template["id"]})
    );
    assert_eq!(login_dto["response"]["source"]["type"], "Message");
    assert_eq!(login_dto["response"]["content"]["result"], "Accepted");

    // a, the messages without a Request it received: processed with `NoRequest` (b's answers
    // to both requests and b's notification), each as REST shows it.
    let message_request_dto = a
        .get(&format!("/Requests/Outgoing/{message_request}"))
        .await;
    let no_request = &hooks_a["consumption.messageProcessed"];
    assert!(no_request.iter().all(|p| p["result"] == "NoRequest"));
    let types: Vec<&str> = no_request
        .iter()
        .map(|p| p["message"]["content"]["@type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        ["ResponseWrapper", "Notification", "ResponseWrapper"]
    );
    assert_eq!(
        no_request[0]["message"]["id"],
        message_request_dto["response"]["source"]["reference"]
    );
    assert_eq!(
        no_request[2]["message"]["id"],
        login_dto["response"]["source"]["reference"]
    );
    for processed in no_request {
        let id = processed["message"]["id"].as_str().unwrap();
        let message = a.get(&format!("/Messages/{id}")).await;
        for field in ["id", "isOwn", "content", "createdBy", "createdAt"] {
            assert_eq!(
                processed["message"][field], message[field],
                "message.{field}"
            );
        }
    }

    // The attributes: created as REST shows them (content, type, creation), succeeded and
    // deleted with the DTOs the REST answers carried.
    let template_items = response_items(&a, &template_request).await;
    let message_items = response_items(&a, &message_request).await;
    let tom = template_items[0]["attributeId"]
        .as_str()
        .unwrap()
        .to_owned();
    let smith = message_items[0]["attributeId"].as_str().unwrap().to_owned();
    let customer_no = message_items[1]["attributeId"].as_str().unwrap().to_owned();
    let created_a = &hooks_a["consumption.attributeCreated"];
    let ids = |events: &[Value]| -> Vec<String> {
        events
            .iter()
            .map(|e| e["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        ids(created_a),
        [
            tom.clone(),
            smith.clone(),
            customer_no.clone(),
            mail_id.clone()
        ]
    );
    assert_eq!(created_a[3], uncounted(mail));
    for (connector, events) in [
        (&a, created_a),
        (&b, &hooks_b["consumption.attributeCreated"]),
    ] {
        for event in events.iter().filter(|e| e["id"] != mail_id.as_str()) {
            let id = event["id"].as_str().unwrap();
            let dto = connector.get(&format!("/Attributes/{id}")).await;
            for field in ["@type", "content", "createdAt", "peer"] {
                assert_eq!(event[field], dto[field], "attributeCreated {id}.{field}");
            }
        }
    }
    assert_eq!(
        ids(&hooks_b["consumption.attributeCreated"]),
        [tom.clone(), smith.clone(), customer_no.clone()]
    );
    assert_eq!(
        hooks_a["consumption.attributeSucceeded"][0],
        uncounted(mail_succeeded.clone())
    );
    assert_eq!(
        hooks_a["consumption.attributeDeleted"],
        [
            uncounted(mail_succeeded["successor"].clone()),
            uncounted(mail_succeeded["predecessor"].clone())
        ]
    );
    assert_eq!(
        hooks_b["consumption.attributeSucceeded"],
        [uncounted(name_succeeded.clone())]
    );
    // a learns the succession from the notification: its copies, linked both ways.
    let notified = &hooks_a["consumption.attributeSucceeded"][1];
    assert_eq!(notified["predecessor"]["id"], tom.as_str());
    assert_eq!(
        notified["predecessor"]["succeededBy"],
        name_successor.as_str()
    );
    assert_eq!(notified["successor"]["id"], name_successor.as_str());
    assert_eq!(notified["successor"]["succeeds"], tom.as_str());
    let copy = a.get(&format!("/Attributes/{name_successor}")).await;
    assert!(
        copy["sourceReference"]
            .as_str()
            .is_some_and(|r| r.starts_with("NOT"))
    );
    assert_eq!(notified["successor"], uncounted(copy));
    assert_eq!(
        notified["successor"]["content"],
        name_succeeded["successor"]["content"]
    );
    // b's forwardings: Tom and Smith by the responses, Thomas by NotifyPeer; each as REST shows
    // it now.
    let forwarded = &hooks_b["consumption.attributeForwardingDetailsChanged"];
    assert_eq!(
        ids(forwarded),
        [tom.clone(), smith.clone(), name_successor.clone()]
    );
    assert_eq!(
        forwarded[2],
        uncounted(b.get(&format!("/Attributes/{name_successor}")).await)
    );
    assert_eq!(
        hooks_a["consumption.outgoingRequestFromRelationshipCreationCreatedAndCompleted"][0]["response"]
            ["source"],
        json!({"type": "Relationship", "reference": relationship_id})
    );
}

/// Listed, and each already moved on by the decider to `ManualDecisionRequired`: a request is
/// stored in `DecisionRequired` first, and deciding it over REST before the decider has left it to a
/// person would race the decider (the test asserts the status steps of the manual path).
fn left_to_a_person(listed: &Value) -> bool {
    non_empty(listed)
        && listed
            .as_array()
            .is_some_and(|all| all.iter().all(|r| r["status"] == "ManualDecisionRequired"))
}
