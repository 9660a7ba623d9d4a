//! Every event type reaches every kind of target with the real payload (issue 8): two Connectors
//! on a dev Backbone, each publishing to a `**` webhook, an AMQP exchange of its own, MQTT and
//! Redis, run one scripted scenario over REST (relationship from a template with a request,
//! requests by message, a file ownership transfer that is first locked by a stale token and then
//! claimed, attribute successions and deletions with notifications, termination, reactivation,
//! identity deletion processes, decomposition, a template whose only allocation is taken). Every namespace the scenario causes must arrive at
//! every target kind with the same payload, under the naming of `connector-operations.md` §2.6 and
//! §2.7; the table of namespaces seen per target is printed.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::brokers::{
    AMQP_URL, REDIS_URL, broker_env, collect, mqtt_consumer_on, publishing_pair, redis_consumer_on,
};
use crate::consumption_events::{Events, accept_onboarding, read_given_name, webhook_events};
use crate::notifications::{non_empty, request_decided};
use crate::rest_peer::{Connector, email, in_a_day, load_template};
use crate::rest_peer::{
    deletion_started_and_cancelled, send_request, sync_until, terminate_and_reactivate,
};
use crate::webhooks::{Receiver, webhooks_env};

const MQTT_URL: &str = "mqtt://127.0.0.1:1883";

/// Every namespace the scenario causes on one of the two Connectors.
const EXPECTED: [&str; 28] = [
    "consumption.attributeCreated",
    "consumption.attributeDeleted",
    "consumption.attributeForwardingDetailsChanged",
    "consumption.attributeSucceeded",
    "consumption.forwardedAttributeDeletedByPeer",
    "consumption.incomingRequestReceived",
    "consumption.incomingRequestStatusChanged",
    "consumption.messageProcessed",
    "consumption.outgoingRequestCreated",
    "consumption.outgoingRequestCreatedAndCompleted",
    "consumption.outgoingRequestFromRelationshipCreationCreatedAndCompleted",
    "consumption.outgoingRequestStatusChanged",
    "consumption.ownAttributeDeletedByOwner",
    "consumption.peerRelationshipAttributeDeletedByPeer",
    "consumption.relationshipTemplateProcessed",
    "transport.fileOwnershipClaimed",
    "transport.fileOwnershipLocked",
    "transport.identityDeletionProcessStatusChanged",
    "transport.messageReceived",
    "transport.messageSent",
    "transport.peerDeletionCancelled",
    "transport.peerRelationshipTemplateLoaded",
    "transport.peerToBeDeleted",
    "transport.relationshipChanged",
    "transport.relationshipDecomposedBySelf",
    "transport.relationshipReactivationCompleted",
    "transport.relationshipReactivationRequested",
    "transport.relationshipTemplateAllocationsExhausted",
];

/// A Connector's environment: debug mode (identity deletion routes), a `**` webhook under
/// `/{name}/{{trigger}}`, and AMQP (on `exchange`), MQTT and Redis.
fn all_targets_env(receiver: &Receiver, name: &str, exchange: &str) -> Vec<(String, String)> {
    let mut env = webhooks_env(&json!({"webhooks": [{
        "triggers": ["**"],
        "target": {"url": format!("{}/{name}/{{{{trigger}}}}", receiver.base)},
    }]}));
    env.extend(broker_env(json!([
        {"type": "AMQP", "configuration": {"url": AMQP_URL, "exchange": exchange}},
        {"type": "MQTT", "configuration": {"url": MQTT_URL}},
        {"type": "Redis", "configuration": {"url": REDIS_URL}},
    ])));
    env.push(("DEBUG".into(), "true".into()));
    env
}

async fn upload(c: &Connector, name: &str) -> Value {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"contract".to_vec())
            .file_name(name.to_owned())
            .mime_str("text/plain")
            .unwrap(),
    );
    let response = c.upload(form).await;
    assert_eq!(response.status(), 201);
    response.json::<Value>().await.unwrap()["result"].clone()
}

/// Checks that `data` is the payload `connector-operations.md` §3 gives `namespace`.
fn check_shape(namespace: &str, data: &Value) -> Result<(), String> {
    let id_with = |v: &Value, prefix: &str| {
        v["id"]
            .as_str()
            .is_some_and(|id| id.starts_with(prefix) && id.len() == 20)
    };
    let attribute = |v: &Value| {
        id_with(v, "ATT")
            && v["@type"]
                .as_str()
                .is_some_and(|t| t.ends_with("Attribute"))
            && v["content"].is_object()
    };
    let request = |v: &Value| {
        id_with(v, "REQ")
            && v["status"].is_string()
            && v["content"]["items"].is_array()
            && v["isOwn"].is_boolean()
    };
    let message = |v: &Value| id_with(v, "MSG") && v["recipients"].is_array();
    let relationship =
        |v: &Value| id_with(v, "REL") && v["status"].is_string() && v["auditLog"].is_array();
    let template = |v: &Value| id_with(v, "RLT") && v["content"].is_object();
    let keys = |v: &Value| -> BTreeSet<String> {
        v.as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    let set =
        |names: &[&str]| -> BTreeSet<String> { names.iter().map(|n| n.to_string()).collect() };
    let ok = match namespace {
        "transport.messageSent" | "transport.messageReceived" => message(data),
        "transport.relationshipChanged"
        | "transport.relationshipReactivationRequested"
        | "transport.relationshipReactivationCompleted"
        | "transport.peerToBeDeleted"
        | "transport.peerDeletionCancelled" => relationship(data),
        "transport.peerRelationshipTemplateLoaded"
        | "transport.relationshipTemplateAllocationsExhausted" => template(data),
        "transport.relationshipDecomposedBySelf" => {
            keys(data) == set(&["relationshipId"])
                && data["relationshipId"]
                    .as_str()
                    .is_some_and(|id| id.starts_with("REL"))
        }
        "transport.identityDeletionProcessStatusChanged" => {
            id_with(data, "IDP") && data["status"].is_string()
        }
        "transport.fileOwnershipLocked" | "transport.fileOwnershipClaimed" => {
            id_with(data, "FIL") && data["owner"].is_string() && data["isOwn"].is_boolean()
        }
        "consumption.attributeSucceeded" => {
            keys(data) == set(&["predecessor", "successor"])
                && attribute(&data["predecessor"])
                && attribute(&data["successor"])
        }
        "consumption.incomingRequestReceived"
        | "consumption.outgoingRequestCreated"
        | "consumption.outgoingRequestCreatedAndCompleted"
        | "consumption.outgoingRequestFromRelationshipCreationCreatedAndCompleted" => request(data),
        "consumption.incomingRequestStatusChanged" | "consumption.outgoingRequestStatusChanged" => {
            keys(data) == set(&["request", "oldStatus", "newStatus"])
                && request(&data["request"])
                && data["request"]["status"] == data["newStatus"]
        }
        "consumption.messageProcessed" => {
            keys(data) == set(&["message", "result"])
                && message(&data["message"])
                && data["result"].is_string()
        }
        "consumption.relationshipTemplateProcessed" => {
            let extra = match data["result"].as_str() {
                Some("RelationshipExists") => vec!["relationshipId"],
                Some("NoRequest" | "Error" | "RequestExpired") => vec![],
                _ => vec!["requestId"],
            };
            let mut wanted = vec!["template", "result"];
            wanted.extend(extra);
            keys(data) == set(&wanted) && template(&data["template"])
        }
        n if n.starts_with("consumption.") => attribute(data),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("{namespace}: unexpected payload {data:#}"))
    }
}

/// The payloads as sorted JSON texts: a multiset to compare in any interleaving.
fn sorted(payloads: impl IntoIterator<Item = Value>) -> Vec<String> {
    let mut texts: Vec<String> = payloads.into_iter().map(|p| p.to_string()).collect();
    texts.sort();
    texts
}

/// What a shared broker (MQTT topics, Redis channels: other tests publish there too) carried of
/// the payloads `published`, by namespace.
fn only_published(seen: Events, published: &Events) -> Events {
    published
        .keys()
        .map(|key| {
            let got = seen
                .get(key)
                .into_iter()
                .flatten()
                .filter(|p| published[key].contains(p))
                .cloned()
                .collect();
            (key.clone(), got)
        })
        .filter(|(_, got): &(String, Vec<Value>)| !got.is_empty())
        .collect()
}

fn print_table(columns: &[(&str, &Events)]) {
    let namespaces: BTreeSet<&String> = columns.iter().flat_map(|(_, e)| e.keys()).collect();
    let mut table = format!("{:<72}", "namespace");
    for (name, _) in columns {
        table.push_str(&format!(" {name:>8}"));
    }
    for namespace in namespaces {
        table.push_str(&format!("\n{namespace:<72}"));
        for (_, events) in columns {
            let count = events.get(namespace).map_or(0, Vec::len);
            table.push_str(&format!(" {count:>8}"));
        }
    }
    println!("events seen per target (MQTT and Redis: both Connectors):\n{table}");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_event_type_reaches_every_target_kind_with_the_real_payload() {
    let receiver = Receiver::start();
    let mut mqtt = mqtt_consumer_on(&["transport/#", "consumption/#"]).await;
    let mut redis = redis_consumer_on(&["transport.*", "consumption.*"]).await;
    let ((_backbone, a, b, _, b_address), mut amqp_a, mut amqp_b) =
        publishing_pair("targets", |name, exchange| {
            all_targets_env(&receiver, name, exchange)
        })
        .await;
    // 1. The relationship from a's template with a request: b shares a new GivenName. b's load
    //    takes the template's only allocation (a learns it by sync).
    let onboarding = read_given_name();
    let content = json!({"@type": "RelationshipTemplateContent", "onNewRelationship": onboarding,
        "onExistingRelationship": {"items": [
            {"@type": "AuthenticationRequestItem", "mustBeAccepted": true, "title": "Login"}]}});
    let template = a
        .post(
            "/RelationshipTemplates/Own",
            json!({"content": content, "expiresAt": in_a_day(), "maxNumberOfAllocations": 1}),
        )
        .await;
    let reference = template["reference"]["truncated"].clone();
    load_template(&b, &reference).await;
    let offered = sync_until(&b, "/Requests/Incoming", non_empty).await;
    let onboarding_request = offered[0]["id"].as_str().unwrap().to_owned();
    let (decided, relationship_id) = accept_onboarding(&a, &b, &onboarding_request).await;
    let tom = decided["response"]["content"]["items"][0]["attributeId"]
        .as_str()
        .unwrap()
        .to_owned();
    let relationship = format!("/Relationships/{relationship_id}");

    // 2. The same template loaded again over the active relationship: b answers its
    //    onExistingRelationship request (the first, Completed, has the same source), a creates
    //    and completes the outgoing request.
    let again = load_template(&b, &reference).await;
    let offered = sync_until(
        &b,
        &format!(
            "/Requests/Incoming?source.reference={}&status=ManualDecisionRequired",
            again["id"].as_str().unwrap()
        ),
        non_empty,
    )
    .await;
    let login = offered[0]["id"].as_str().unwrap().to_owned();
    b.put(
        &format!("/Requests/Incoming/{login}/Accept"),
        json!({"items": [{"accept": true}]}),
    )
    .await;
    sync_until(&a, &format!("/Requests/Outgoing?id={login}"), non_empty).await;

    // 3. A file ownership transfer whose token a renews before b looks at it: b's check with
    //    the stale token locks the file, a learns it by sync; b rejects.
    let file = upload(&a, "contract.txt").await;
    let file_id = file["id"].as_str().unwrap().to_owned();
    let transfer = |token: &Value| {
        json!({"@type": "TransferFileOwnershipRequestItem", "mustBeAccepted": true,
            "fileReference": file["reference"]["truncated"], "ownershipToken": token})
    };
    let created = send_request(
        &a,
        json!({"content": {"items": [transfer(&file["ownershipToken"])]},
                "peer": b_address}),
    )
    .await;
    let stale = created["id"].as_str().unwrap().to_owned();
    let renewed = a
        .ok(
            "PATCH",
            &format!("/Files/{file_id}/RegenerateOwnershipToken"),
            None,
            200,
        )
        .await;
    sync_until(&b, &format!("/Requests/Incoming?id={stale}"), non_empty).await;
    let check = b
        .put(
            &format!("/Requests/Incoming/{stale}/CanAccept"),
            json!({"items": [{"accept": true}]}),
        )
        .await;
    assert_eq!(check["isSuccess"], false, "{check}");
    let locked = sync_until(&a, &format!("/Files/{file_id}"), |v| {
        v["ownershipIsLocked"] == true
    })
    .await;
    b.put(
        &format!("/Requests/Incoming/{stale}/Reject"),
        json!({"items": [{"accept": false}]}),
    )
    .await;
    sync_until(
        &a,
        &format!("/Requests/Outgoing?id={stale}&status=Completed"),
        non_empty,
    )
    .await;

    // 4. With a new token (which unlocks the file) b accepts the transfer and a relationship
    //    attribute; a learns that b claimed the file.
    let unlocked = a
        .ok(
            "PATCH",
            &format!("/Files/{file_id}/RegenerateOwnershipToken"),
            None,
            200,
        )
        .await;
    assert!(unlocked.get("ownershipIsLocked").is_none(), "{unlocked}");
    let customer_no = json!({"@type": "CreateAttributeRequestItem", "mustBeAccepted": true,
        "attribute": {"@type": "RelationshipAttribute", "owner": "", "key": "customerNo",
          "confidentiality": "protected",
          "value": {"@type": "ProprietaryString", "title": "Customer number", "value": "4711"}}});
    let handover = request_decided(
        &a,
        &b,
        json!({"items": [transfer(&unlocked["ownershipToken"]), customer_no]}),
        json!({"items": [{"accept": true}, {"accept": true}]}),
    )
    .await;
    let claimed = sync_until(&a, &format!("/Files/{file_id}"), |v| v["isOwn"] == false).await;
    assert_eq!(claimed["owner"], b_address.as_str());
    let items =
        a.get(&format!("/Requests/Outgoing/{handover}")).await["response"]["content"]["items"]
            .clone();
    let file_reference = items[0]["attributeId"].as_str().unwrap().to_owned();
    let customer_no = items[1]["attributeId"].as_str().unwrap().to_owned();

    // 5. Attributes: a's own e-mail address created, succeeded, deleted; b deletes the GivenName
    //    it shared (a: ownAttributeDeletedByOwner); a deletes its copies of the file reference
    //    (b: forwardedAttributeDeletedByPeer) and of the relationship attribute
    //    (b: peerRelationshipAttributeDeletedByPeer).
    let mail = a.create_attribute(email("a@example.com")).await;
    let succeeded = a
        .post(
            &format!("/Attributes/{}/Succeed", mail["id"].as_str().unwrap()),
            json!({"successorContent": {"value": {"@type": "EMailAddress", "value": "new@example.com"}}}),
        )
        .await;
    a.ok(
        "DELETE",
        &format!(
            "/Attributes/{}",
            succeeded["successor"]["id"].as_str().unwrap()
        ),
        None,
        200,
    )
    .await;
    b.ok("DELETE", &format!("/Attributes/{tom}"), None, 200)
        .await;
    for copy in [&file_reference, &customer_no] {
        a.ok("DELETE", &format!("/Attributes/{copy}"), None, 200)
            .await;
    }
    let status = |v: &Value, wanted: &str| v["deletionInfo"]["deletionStatus"] == wanted;
    sync_until(&a, &format!("/Attributes/{tom}"), |v| {
        status(v, "DeletedByEmitter")
    })
    .await;
    sync_until(&b, &format!("/Attributes/{customer_no}"), |v| {
        status(v, "DeletedByRecipient")
    })
    .await;
    sync_until(
        &b,
        &format!("/Attributes/{file_reference}/ForwardingDetails"),
        |v| status(&v[0], "DeletedByRecipient"),
    )
    .await;

    // 6. a ends the relationship, asks to resume it, b agrees.
    terminate_and_reactivate(&a, &b, &relationship).await;

    // 7. b starts and cancels its deletion (a learns both), then a its own; a ends the
    //    relationship and decomposes it.
    deletion_started_and_cancelled(&b, &a).await;
    a.ok("POST", "/IdentityDeletionProcess", None, 200).await;
    a.ok("DELETE", "/IdentityDeletionProcess", None, 200).await;
    a.put(&format!("{relationship}/Terminate"), json!({})).await;
    a.delete(&relationship).await;

    // What each target received.
    let hooks_a = webhook_events(&receiver, "a").await;
    let hooks_b = webhook_events(&receiver, "b").await;
    let keys = |events: &Events| events.keys().cloned().collect::<Vec<String>>();
    let (keys_a, keys_b) = (keys(&hooks_a), keys(&hooks_b));
    let wanted_a: Vec<&str> = keys_a.iter().map(String::as_str).collect();
    let wanted_b: Vec<&str> = keys_b.iter().map(String::as_str).collect();
    let from_amqp_a = collect(&mut amqp_a.received, &wanted_a).await;
    let from_amqp_b = collect(&mut amqp_b.received, &wanted_b).await;
    amqp_a.delete().await;
    amqp_b.delete().await;

    // Both Connectors' webhook payloads, by namespace: what the shared brokers must carry.
    let mut published = hooks_a.clone();
    for (key, payloads) in &hooks_b {
        published
            .entry(key.clone())
            .or_default()
            .extend(payloads.iter().cloned());
    }
    let all_keys = keys(&published);
    let topics: Vec<String> = all_keys.iter().map(|k| k.replace('.', "/")).collect();
    let topics: Vec<&str> = topics.iter().map(String::as_str).collect();
    let channels: Vec<&str> = all_keys.iter().map(String::as_str).collect();
    let mqtt_seen: Events = collect(&mut mqtt, &topics)
        .await
        .into_iter()
        .map(|(topic, payloads)| {
            // MQTT topic = namespace with `.` as `/`.
            assert!(!topic.contains('.'), "MQTT topic {topic}");
            (topic.replace('/', "."), payloads)
        })
        .collect();
    let from_mqtt = only_published(mqtt_seen, &published);
    let from_redis = only_published(collect(&mut redis, &channels).await, &published);

    print_table(&[
        ("hook a", &hooks_a),
        ("AMQP a", &from_amqp_a),
        ("hook b", &hooks_b),
        ("AMQP b", &from_amqp_b),
        ("MQTT", &from_mqtt),
        ("Redis", &from_redis),
    ]);

    // Every namespace of the scenario, and no other, reached the webhooks.
    let expected: BTreeSet<String> = EXPECTED.iter().map(|n| n.to_string()).collect();
    assert_eq!(
        published.keys().cloned().collect::<BTreeSet<_>>(),
        expected,
        "the webhooks got {:#?}",
        published.keys().collect::<Vec<_>>()
    );
    // Each payload has the DTO shape of its namespace.
    for (namespace, payloads) in &published {
        for data in payloads {
            check_shape(namespace, data).unwrap();
        }
    }
    // AMQP (routing key = namespace, each Connector on its own exchange): the same events in the
    // same order as each Connector's webhook.
    assert_eq!(from_amqp_a, hooks_a, "a: AMQP and the webhook differ");
    assert_eq!(from_amqp_b, hooks_b, "b: AMQP and the webhook differ");
    // MQTT and Redis carry, for every namespace, exactly the payloads both Connectors published.
    for (target, seen) in [("MQTT", &from_mqtt), ("Redis", &from_redis)] {
        assert_eq!(
            seen.keys().cloned().collect::<BTreeSet<_>>(),
            expected,
            "{target} namespaces"
        );
        for (namespace, payloads) in &published {
            assert_eq!(
                sorted(seen[namespace].iter().cloned()),
                sorted(payloads.iter().cloned()),
                "{target}: {namespace}"
            );
        }
    }

    // The file ownership events reach a with the FileDTO as REST showed it at that step.
    assert_eq!(
        hooks_a["transport.fileOwnershipLocked"],
        std::slice::from_ref(&locked)
    );
    assert_eq!(locked["ownershipToken"], renewed["ownershipToken"]);
    assert_eq!(
        hooks_a["transport.fileOwnershipClaimed"],
        std::slice::from_ref(&claimed)
    );
    assert_eq!(claimed["isOwn"], false);
    assert!(claimed.get("ownershipToken").is_none(), "{claimed}");
    for namespace in [
        "transport.fileOwnershipLocked",
        "transport.fileOwnershipClaimed",
    ] {
        assert!(!hooks_b.contains_key(namespace), "b got {namespace}");
    }
    // The deletion notifications reach the side that was told.
    assert_eq!(
        hooks_a["consumption.ownAttributeDeletedByOwner"][0]["id"],
        tom.as_str()
    );
    assert_eq!(
        hooks_b["consumption.forwardedAttributeDeletedByPeer"][0]["id"],
        file_reference.as_str()
    );
    assert_eq!(
        hooks_b["consumption.peerRelationshipAttributeDeletedByPeer"][0]["id"],
        customer_no.as_str()
    );
    assert_eq!(
        hooks_a["consumption.outgoingRequestCreatedAndCompleted"][0]["id"],
        login.as_str()
    );
    // The exhausted template: a's own, as REST answered its creation (the decomposition at the
    // end removed it).
    assert_eq!(
        hooks_a["transport.relationshipTemplateAllocationsExhausted"],
        std::slice::from_ref(&template)
    );
    assert!(!hooks_b.contains_key("transport.relationshipTemplateAllocationsExhausted"));
    // Each relationship step is announced once per side, even when it reaches a side as several
    // external events in one sync (b: the termination and the reactivation request).
    let statuses = |events: &Events| -> Vec<String> {
        events["transport.relationshipChanged"]
            .iter()
            .map(|r| r["status"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        statuses(&hooks_a),
        [
            "Pending",
            "Active",
            "Terminated",
            "Terminated",
            "Active",
            "Terminated"
        ]
    );
    assert_eq!(
        statuses(&hooks_b),
        ["Pending", "Active", "Terminated", "Active"]
    );
    for (side, events) in [("a", &hooks_a), ("b", &hooks_b)] {
        for namespace in [
            "transport.relationshipReactivationRequested",
            "transport.relationshipReactivationCompleted",
        ] {
            assert_eq!(events[namespace].len(), 1, "{side}: {namespace}");
        }
    }
    assert_eq!(
        hooks_a["transport.relationshipDecomposedBySelf"],
        [json!({"relationshipId": relationship_id})]
    );
}
