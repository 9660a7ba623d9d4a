//! Relationship lifecycle hooks (content-model §7.3) and the MessageModule's events between two
//! Connectors on a dev Backbone, over REST, with a `consumption.**` webhook on each:
//!
//! * a relationship created from a template whose request shares, reads and creates attributes
//!   is rejected (by the templator) or revoked (by the requestor): both sides lose what was
//!   exchanged in it and announce each deleted attribute;
//! * an active one is terminated and decomposed by one side: that side loses the peer's requests
//!   and attributes; the other side sees DeletionProposed and marks everything shared as deleted
//!   by the peer, dated with the decomposition, then decomposes and loses it too;
//! * a received Mail is announced by `consumption.mailReceived` and
//!   `consumption.relationshipEvent.<relationship id>`.

use std::time::Duration;

use serde_json::{Value, json};

use crate::notifications::non_empty;
use crate::processes::{KillOnDrop, connector_start, free_port, serving};
use crate::rest_peer::{
    Connector, email, load_template, offer_template_with, relate, start_backbone,
};
use crate::rest_peer::{read_until, send_request, sync_until};
use crate::webhooks::{Hit, Receiver, webhooks_env};

const WAIT: Duration = Duration::from_secs(60);

/// A Connector whose consumption events reach `receiver` under `/{name}/`.
async fn connector(backbone: &str, receiver: &Receiver, name: &str) -> Connector {
    connector_with(backbone, receiver, name, &[]).await
}

/// [`connector`] with more configuration (environment variables).
async fn connector_with(
    backbone: &str,
    receiver: &Receiver,
    name: &str,
    extra: &[(&str, &str)],
) -> Connector {
    let mut env = webhooks_env(&json!({"webhooks": [{
        "triggers": ["consumption.**"],
        "target": {"url": format!("{}/{name}/{{{{trigger}}}}", receiver.base)},
    }]}));
    env.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    Connector::start_with_env(backbone, env).await
}

fn of<'a>(hits: &'a [Hit], trigger: &str) -> Vec<&'a Value> {
    hits.iter()
        .filter(|h| h.trigger() == trigger)
        .map(|h| &h.body["data"])
        .collect()
}

fn ids(list: &Value) -> Vec<String> {
    let mut ids: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

fn empty(v: &Value) -> bool {
    v.as_array().is_some_and(Vec::is_empty)
}

/// What the template flow exchanged.
struct Onboarded {
    relationship: String,
    request: String,
    /// a's own EMailAddress, shared with b.
    a_mail: String,
    /// b's own GivenName, read by a.
    b_given_name: String,
    /// The attributes a holds with peer b, and b with peer a (ids, sorted).
    a_with_b: Vec<String>,
    b_with_a: Vec<String>,
}

/// a offers a template whose request shares a's e-mail address, reads b's given name and
/// creates a relationship attribute owned by each side; b accepts, which creates the (Pending)
/// relationship; a completes its outgoing request.
async fn onboard(a: &Connector, b: &Connector) -> Onboarded {
    let (a_address, b_address) = (a.address().await, b.address().await);
    let mail = a.create_attribute(email("a@example.com")).await;
    let relationship_attribute = |owner: &str, key: &str| {
        json!({"@type": "CreateAttributeRequestItem", "mustBeAccepted": true,
            "attribute": {"@type": "RelationshipAttribute", "owner": owner, "key": key,
              "confidentiality": "public",
              "value": {"@type": "ProprietaryString", "title": key, "value": "V-1"}}})
    };
    let request = json!({"items": [
        {"@type": "ShareAttributeRequestItem", "mustBeAccepted": true,
         "attributeId": mail["id"], "attribute": mail["content"]},
        {"@type": "ReadAttributeRequestItem", "mustBeAccepted": true,
         "query": {"@type": "IdentityAttributeQuery", "valueType": "GivenName"}},
        relationship_attribute(&a_address, "contractNo"),
        relationship_attribute("", "customerNo"),
    ]});
    let content = json!({"@type": "RelationshipTemplateContent", "onNewRelationship": request});
    let template = offer_template_with(a, content).await;
    load_template(b, &template["reference"]["truncated"]).await;
    let offered = sync_until(b, "/Requests/Incoming", non_empty).await;
    let request = id(&offered[0]);
    let given_name = json!({"@type": "IdentityAttribute", "owner": "",
        "value": {"@type": "GivenName", "value": "Tom"}});
    let decision = json!({"items": [
        {"accept": true},
        {"accept": true, "newAttribute": given_name},
        {"accept": true},
        {"accept": true},
    ]});
    b.put(&format!("/Requests/Incoming/{request}/Accept"), decision)
        .await;
    let completed = b.get(&format!("/Requests/Incoming/{request}")).await;
    assert_eq!(completed["status"], "Completed", "{completed}");
    let relationship = completed["response"]["source"]["reference"]
        .as_str()
        .unwrap()
        .to_owned();
    sync_until(
        a,
        &format!("/Requests/Outgoing?id={request}&status=Completed"),
        non_empty,
    )
    .await;

    let a_with_b = ids(&a.get(&format!("/Attributes?peer={b_address}")).await);
    let b_with_a = ids(&b.get(&format!("/Attributes?peer={a_address}")).await);
    assert_eq!(a_with_b.len(), 3, "a: given name, contractNo, customerNo");
    assert_eq!(b_with_a.len(), 3, "b: e-mail, contractNo, customerNo");
    let b_given_name = b
        .get("/Attributes/Own/Identity")
        .await
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["content"]["value"]["@type"] == "GivenName")
        .map(id)
        .unwrap();
    for (c, attribute) in [(a, id(&mail)), (b, b_given_name.clone())] {
        let details = c
            .get(&format!("/Attributes/{attribute}/ForwardingDetails"))
            .await;
        assert_eq!(
            details.as_array().unwrap().len(),
            1,
            "{attribute}: {details}"
        );
    }
    Onboarded {
        relationship,
        request,
        a_mail: id(&mail),
        b_given_name,
        a_with_b,
        b_with_a,
    }
}

/// After a Rejected or Revoked relationship: nothing with the peer is left, the own identity
/// attributes stay without forwardings, and each deleted attribute was announced.
async fn assert_exchange_undone(
    c: &Connector,
    receiver: &Receiver,
    name: &str,
    peer: &str,
    deleted: &[String],
    kept: &str,
) {
    read_until(c, &format!("/Attributes?peer={peer}"), empty).await;
    let own = c.get(&format!("/Attributes/{kept}")).await;
    assert_eq!(own["@type"], "OwnIdentityAttribute");
    read_until(c, &format!("/Attributes/{kept}/ForwardingDetails"), empty).await;
    let hits = receiver
        .wait_for(
            &format!("/{name}/"),
            WAIT,
            "attributeDeleted events",
            |hits| {
                let announced: Vec<&Value> = of(hits, "consumption.attributeDeleted");
                deleted
                    .iter()
                    .all(|d| announced.iter().any(|e| e["id"] == d.as_str()))
                    && of(hits, "consumption.attributeForwardingDetailsChanged")
                        .iter()
                        .filter(|e| e["id"] == kept)
                        .count()
                        >= 2
            },
        )
        .await;
    let announced = of(&hits, "consumption.attributeDeleted");
    assert_eq!(
        announced.len(),
        deleted.len(),
        "each deletion announced once"
    );
    let last_change = of(&hits, "consumption.attributeForwardingDetailsChanged")
        .into_iter()
        .rfind(|e| e["id"] == kept)
        .unwrap()
        .clone();
    assert_eq!(last_change["@type"], "OwnIdentityAttribute");
}

/// After decomposing, `c` holds no attribute and no request with `peer`, and its attribute
/// `shared` no longer counts as forwarded to anyone.
async fn assert_nothing_left_with(c: &Connector, peer: &str, shared: &str) {
    for path in [
        format!("/Attributes?peer={peer}"),
        format!("/Attributes/{shared}/ForwardingDetails"),
        format!("/Requests/Outgoing?peer={peer}"),
        format!("/Requests/Incoming?peer={peer}"),
    ] {
        let left = c.get(&path).await;
        assert!(empty(&left), "{path}: {left}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn rejected_relationship_deletes_the_exchanged_attributes_on_both_sides() {
    ending_the_pending_relationship_undoes_the_exchange("Reject", "Rejected").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn revoked_relationship_deletes_the_exchanged_attributes_on_both_sides() {
    ending_the_pending_relationship_undoes_the_exchange("Revoke", "Revoked").await;
}

/// The templator a rejects (`Reject`) or the requestor b revokes (`Revoke`) the pending
/// relationship: first that side, then the other after syncing, holds nothing exchanged in it.
async fn ending_the_pending_relationship_undoes_the_exchange(step: &str, status: &str) {
    let backbone = start_backbone().await;
    let receiver = Receiver::start();
    let a = connector(&backbone.base_url(), &receiver, "a").await;
    let b = connector(&backbone.base_url(), &receiver, "b").await;
    let (a_address, b_address) = (a.address().await, b.address().await);
    let onboarded = onboard(&a, &b).await;

    // (connector, its webhook name, its peer, what it holds with the peer, its own shared attribute)
    let a_side = (&a, "a", &b_address, &onboarded.a_with_b, &onboarded.a_mail);
    let b_side = (
        &b,
        "b",
        &a_address,
        &onboarded.b_with_a,
        &onboarded.b_given_name,
    );
    let (acting, other) = if step == "Reject" {
        (a_side, b_side)
    } else {
        (b_side, a_side)
    };
    let path = format!("/Relationships/{}", onboarded.relationship);
    let ended = acting.0.put(&format!("{path}/{step}"), json!({})).await;
    assert_eq!(ended["status"], status);
    for (side, synced) in [(acting, false), (other, true)] {
        let (c, name, peer, deleted, kept) = side;
        if synced {
            sync_until(c, &path, |r| r["status"] == status).await;
        }
        assert_exchange_undone(c, &receiver, name, peer, deleted, kept).await;
    }
    // The requests stay: only attributes go on Rejected/Revoked.
    a.get(&format!("/Requests/Outgoing/{}", onboarded.request))
        .await;
}

/// Issue 18: a's consumption consumer lags (a debug-build hook delays each event by 100 ms)
/// while a creates many attributes; the rejection's event waits behind them in the outbox and is
/// still applied: both sides lose what was exchanged.
#[tokio::test(flavor = "multi_thread")]
async fn lagging_consumer_still_removes_the_exchanged_attributes_on_rejection() {
    const EVENTS: usize = 40;
    let backbone = start_backbone().await;
    let receiver = Receiver::start();
    // a is a process of its own: the hook reads the process environment.
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut command = connector_start(dir.path(), &backbone.base_url(), port);
    command
        .env("CONNECTOR_TEST_HOOK_CONSUMPTION_DELAY_MS", "100")
        .envs(webhooks_env(&json!({"webhooks": [{
            "triggers": ["consumption.**"],
            "target": {"url": format!("{}/a/{{{{trigger}}}}", receiver.base)},
        }]})));
    let _a_process = KillOnDrop(command.spawn().unwrap());
    let a = serving(port).await;
    let b = connector(&backbone.base_url(), &receiver, "b").await;
    let (a_address, b_address) = (a.address().await, b.address().await);
    let onboarded = onboard(&a, &b).await;

    // Many events ahead of the rejection's in a's outbox (the relationship is still pending, so
    // no messages: a creates attributes, each an event).
    for i in 0..EVENTS {
        a.create_attribute(email(&format!("a{i}@example.com")))
            .await;
    }
    let path = format!("/Relationships/{}", onboarded.relationship);
    let ended = a.put(&format!("{path}/Reject"), json!({})).await;
    assert_eq!(ended["status"], "Rejected");
    // The consumer really lags: about 40 events at 100 ms each are ahead of the rejection's, so
    // right after the call a still holds what was exchanged (time is what this checks).
    let held = a.get(&format!("/Attributes?peer={b_address}")).await;
    assert!(!empty(&held), "the consumption consumer does not lag");
    sync_until(&b, &path, |r| r["status"] == "Rejected").await;
    let sides = [
        (&a, "a", &b_address, &onboarded.a_with_b, &onboarded.a_mail),
        (
            &b,
            "b",
            &a_address,
            &onboarded.b_with_a,
            &onboarded.b_given_name,
        ),
    ];
    for (c, name, peer, deleted, kept) in sides {
        assert_exchange_undone(c, &receiver, name, peer, deleted, kept).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn decomposition_marks_the_peers_attributes_deleted_and_then_removes_them() {
    let backbone = start_backbone().await;
    let receiver = Receiver::start();
    let a = connector(&backbone.base_url(), &receiver, "a").await;
    let b = connector(&backbone.base_url(), &receiver, "b").await;
    let (a_address, b_address) = (a.address().await, b.address().await);
    let onboarded = onboard(&a, &b).await;
    let path = format!("/Relationships/{}", onboarded.relationship);
    a.put(&format!("{path}/Accept"), json!({})).await;
    sync_until(&b, &path, |r| r["status"] == "Active").await;

    // A request by message, so both sides also hold requests of the other direction.
    let by_message = json!({"items": [{"@type": "ReadAttributeRequestItem", "mustBeAccepted": false,
        "query": {"@type": "IdentityAttributeQuery", "valueType": "Surname"}}]});
    let created = send_request(&b, json!({"content": by_message, "peer": a_address})).await;
    sync_until(
        &a,
        &format!("/Requests/Incoming?id={}", id(&created)),
        non_empty,
    )
    .await;

    // a terminates and decomposes: a loses everything it had with b.
    a.put(&format!("{path}/Terminate"), json!({})).await;
    sync_until(&b, &path, |r| r["status"] == "Terminated").await;
    a.delete(&path).await;
    assert_nothing_left_with(&a, &b_address, &onboarded.a_mail).await;
    a.get(&format!("/Attributes/{}", onboarded.a_mail)).await;
    receiver
        .wait_for("/a/", WAIT, "forwarding details changed", |hits| {
            of(hits, "consumption.attributeForwardingDetailsChanged")
                .iter()
                .any(|e| e["id"] == onboarded.a_mail.as_str())
        })
        .await;

    // b sees DeletionProposed: all it shares with a counts as deleted by a.
    let proposed = sync_until(&b, &path, |r| r["status"] == "DeletionProposed").await;
    let date = proposed["auditLog"].as_array().unwrap().last().unwrap()["createdAt"].clone();
    let marked = read_until(&b, &format!("/Attributes?peer={a_address}"), |list| {
        list.as_array()
            .unwrap()
            .iter()
            .all(|x| x.get("deletionInfo").is_some())
    })
    .await;
    assert_eq!(ids(&marked), onboarded.b_with_a);
    for attribute in marked.as_array().unwrap() {
        let expected = match attribute["@type"].as_str().unwrap() {
            "OwnRelationshipAttribute" => "DeletedByRecipient",
            "PeerIdentityAttribute" | "PeerRelationshipAttribute" => "DeletedByEmitter",
            other => panic!("unexpected {other}"),
        };
        assert_eq!(
            attribute["deletionInfo"],
            json!({"deletionStatus": expected, "deletionDate": date}),
            "{attribute}"
        );
    }
    let forwarding = read_until(
        &b,
        &format!("/Attributes/{}/ForwardingDetails", onboarded.b_given_name),
        |list| list[0].get("deletionInfo").is_some(),
    )
    .await;
    assert_eq!(
        forwarding[0]["deletionInfo"],
        json!({"deletionStatus": "DeletedByRecipient", "deletionDate": date})
    );
    // A repeated sync changes nothing.
    b.sync().await;
    assert_eq!(
        b.get(&format!("/Attributes?peer={a_address}")).await,
        marked
    );

    // b decomposes too: its requests and attributes with a go.
    b.delete(&path).await;
    assert_nothing_left_with(&b, &a_address, &onboarded.b_given_name).await;
    b.get(&format!("/Attributes/{}", onboarded.b_given_name))
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn received_mail_is_announced_with_its_relationship() {
    let backbone = start_backbone().await;
    let receiver = Receiver::start();
    let a = Connector::start(&backbone.base_url()).await;
    let message_module = [("modules__message__enabled", "true")];
    let b = connector_with(&backbone.base_url(), &receiver, "b", &message_module).await;
    relate(&a, &b).await;
    let b_address = b.address().await;
    let relationship = id(&b.get("/Relationships").await[0]);

    let arbitrary = a
        .post(
            "/Messages",
            json!({"recipients": [b_address],
                "content": {"@type": "ArbitraryMessageContent", "value": {"n": 1}}}),
        )
        .await;
    let mail = a
        .post("/Messages", json!({"recipients": [b_address],
                "content": {"@type": "Mail", "to": [b_address], "subject": "Hello", "body": "World"}}))
        .await;
    sync_until(&b, "/Messages", |list| {
        list.as_array()
            .is_some_and(|l| l.iter().any(|m| m["id"] == mail["id"]))
    })
    .await;
    let relationship_event = format!("consumption.relationshipEvent.{relationship}");
    let hits = receiver
        .wait_for("/b/", WAIT, "mail events", |hits| {
            !of(hits, &relationship_event).is_empty()
                && of(hits, "consumption.messageProcessed").len() >= 2
        })
        .await;

    let received = of(&hits, "consumption.mailReceived");
    assert_eq!(received.len(), 1, "only the Mail is announced");
    let rest = b.get(&format!("/Messages/{}", id(&mail))).await;
    assert_eq!(received[0]["id"], rest["id"]);
    assert_eq!(received[0]["content"], rest["content"]);
    assert_eq!(received[0]["createdBy"], rest["createdBy"]);
    let with_relationship = of(&hits, &relationship_event);
    assert_eq!(with_relationship.len(), 1);
    let rest_relationship = b.get(&format!("/Relationships/{relationship}")).await;
    assert_eq!(with_relationship[0]["id"], rest_relationship["id"]);
    assert_eq!(with_relationship[0]["status"], "Active");
    assert_eq!(with_relationship[0]["peer"], rest_relationship["peer"]);
    // Both messages are processed as usual; the arbitrary one announces nothing else.
    let processed: Vec<&Value> = of(&hits, "consumption.messageProcessed");
    for message in [&arbitrary, &mail] {
        assert!(
            processed
                .iter()
                .any(|p| p["message"]["id"] == message["id"] && p["result"] == "NoRequest"),
            "{processed:?}"
        );
    }

    // Without the MessageModule (the default) a received Mail is only processed.
    let c = connector(&backbone.base_url(), &receiver, "c").await;
    relate(&a, &c).await;
    let c_address = c.address().await;
    let mail = a
        .post(
            "/Messages",
            json!({"recipients": [c_address],
                "content": {"@type": "Mail", "to": [c_address], "subject": "Hi", "body": "C"}}),
        )
        .await;
    // A later message: the target's queue is in emission order, so once its event is in, any
    // event about the Mail would be too.
    let later = a
        .post(
            "/Messages",
            json!({"recipients": [c_address],
                "content": {"@type": "ArbitraryMessageContent", "value": {"n": 2}}}),
        )
        .await;
    sync_until(&c, "/Messages", |list| {
        list.as_array().is_some_and(|l| {
            [&mail, &later]
                .iter()
                .all(|sent| l.iter().any(|m| m["id"] == sent["id"]))
        })
    })
    .await;
    let hits = receiver
        .wait_for("/c/", WAIT, "both messages processed", |hits| {
            let processed = of(hits, "consumption.messageProcessed");
            [&mail, &later]
                .iter()
                .all(|sent| processed.iter().any(|p| p["message"]["id"] == sent["id"]))
        })
        .await;
    assert!(of(&hits, "consumption.mailReceived").is_empty(), "{hits:?}");
}
