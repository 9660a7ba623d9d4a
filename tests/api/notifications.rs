//! Notifications between two Connectors over REST (content-model §6): an identity attribute
//! shared by a Share request, then succeeded and announced with `NotifyPeer`, then deleted; the
//! peer's copy follows each step (successor with the succession links, `DeletedByEmitter`).

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::assert_error;
use crate::rest_peer::{Connector, email, in_a_day, related_pair, send_request, sync_until};

pub fn non_empty(v: &Value) -> bool {
    v.as_array().is_some_and(|a| !a.is_empty())
}

#[tokio::test]
async fn shared_identity_attribute_succeeded_notified_and_deleted_reaches_the_peer() {
    let (_backbone, a, b, a_address, b_address) = related_pair().await;

    let mail = a.create_attribute(email("a@example.com")).await;
    let mail_id = mail["id"].as_str().unwrap().to_owned();

    // Share it with b by a request b accepts; a applies the response (forwarding to b).
    let content = json!({"expiresAt": in_a_day(), "items": [
        {"@type": "ShareAttributeRequestItem", "mustBeAccepted": true,
         "attributeId": mail_id, "attribute": mail["content"]}
    ]});
    let created = send_request(&a, json!({"content": content, "peer": b_address})).await;
    let request_id = created["id"].as_str().unwrap().to_owned();
    sync_until(
        &b,
        &format!("/Requests/Incoming?id={request_id}"),
        non_empty,
    )
    .await;
    b.put(
        &format!("/Requests/Incoming/{request_id}/Accept"),
        json!({"items": [{"accept": true}]}),
    )
    .await;
    sync_until(
        &a,
        &format!("/Requests/Outgoing?id={request_id}&status=Completed"),
        non_empty,
    )
    .await;

    // NotifyPeer before a succession: b holds this very version.
    a.fails(
        "POST",
        &format!("/Attributes/{mail_id}/NotifyPeer"),
        Some(json!({"peer": b_address})),
        400,
        "error.runtime.attributes.ownIdentityAttributeHasAlreadyBeenSharedWithPeer",
    )
    .await;

    let succeeded = a
        .post(
            &format!("/Attributes/{mail_id}/Succeed"),
            json!({"successorContent": {"value": {"@type": "EMailAddress", "value": "new@example.com"}}}),
        )
        .await;
    let successor_id = succeeded["successor"]["id"].as_str().unwrap().to_owned();
    let notified = a
        .post(
            &format!("/Attributes/{successor_id}/NotifyPeer"),
            json!({"peer": b_address}),
        )
        .await;
    assert_eq!(notified["predecessor"]["id"], mail_id.as_str());
    assert_eq!(notified["successor"]["id"], successor_id.as_str());
    let notification_id = notified["notificationId"].as_str().unwrap().to_owned();
    assert!(notification_id.starts_with("NOT") && notification_id.len() == 20);
    let again = a
        .call(
            "POST",
            &format!("/Attributes/{successor_id}/NotifyPeer"),
            Some(json!({"peer": b_address})),
        )
        .await;
    assert_error(
        again,
        400,
        "error.runtime.attributes.ownIdentityAttributeHasAlreadyBeenSharedWithPeer",
    )
    .await;
    let shared = a
        .get(&format!("/Attributes/{successor_id}/ForwardingDetails"))
        .await;
    assert_eq!(shared[0]["peer"], b_address.as_str());
    assert_eq!(shared[0]["sourceReference"], notification_id.as_str());

    // b: the successor copy under a's id, linked both ways, made by the notification.
    // (The successor is stored first and gets its sourceReference right after.)
    let found = sync_until(&b, &format!("/Attributes?succeeds={mail_id}"), |v| {
        v[0]["sourceReference"]
            .as_str()
            .is_some_and(|r| r.starts_with("NOT"))
    })
    .await;
    let copy = &found[0];
    assert_eq!(copy["id"], successor_id.as_str());
    assert_eq!(copy["@type"], "PeerIdentityAttribute");
    assert_eq!(copy["peer"], a_address.as_str());
    assert_eq!(copy["sourceReference"], notification_id.as_str());
    assert_eq!(copy["content"]["value"]["value"], "new@example.com");
    let old = b.get(&format!("/Attributes/{mail_id}")).await;
    assert_eq!(old["succeededBy"], successor_id.as_str());
    let latest = b.get(&format!("/Attributes/Peer/{a_address}")).await;
    let latest: Vec<&Value> = latest.as_array().unwrap().iter().collect();
    assert_eq!(
        latest.len(),
        1,
        "only the successor is the latest: {latest:?}"
    );

    // a deletes the successor (and so its predecessor): b's copies are DeletedByEmitter.
    let deleted = a
        .ok("DELETE", &format!("/Attributes/{successor_id}"), None, 200)
        .await;
    assert_eq!(deleted["notificationIds"].as_array().unwrap().len(), 1);
    let gone = sync_until(
        &b,
        &format!("/Attributes?deletionInfo.deletionStatus=DeletedByEmitter&peer={a_address}"),
        |v| v.as_array().is_some_and(|a| a.len() == 2),
    )
    .await;
    let mut ids: Vec<&str> = gone
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    let mut expected = vec![mail_id.as_str(), successor_id.as_str()];
    expected.sort_unstable();
    assert_eq!(ids, expected);
    assert!(gone[0]["deletionInfo"]["deletionDate"].is_string());

    // Syncing again (redelivery/catch-up) changes nothing more.
    b.sync().await;
    let after = b.get(&format!("/Attributes?peer={a_address}")).await;
    assert_eq!(after.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn relationship_attribute_succeeded_reaches_the_peer() {
    let (_backbone, a, b, _, b_address) = related_pair().await;

    // a asks b to hold a RelationshipAttribute owned by b.
    let content = json!({"expiresAt": in_a_day(), "items": [
        {"@type": "CreateAttributeRequestItem", "mustBeAccepted": true,
         "attribute": {"@type": "RelationshipAttribute", "owner": "", "key": "customerNo",
           "confidentiality": "protected",
           "value": {"@type": "ProprietaryString", "title": "Customer number", "value": "4711"}}}
    ]});
    let created = send_request(&a, json!({"content": content, "peer": b_address})).await;
    let request_id = created["id"].as_str().unwrap().to_owned();
    sync_until(
        &b,
        &format!("/Requests/Incoming?id={request_id}"),
        non_empty,
    )
    .await;
    let decided = b
        .put(
            &format!("/Requests/Incoming/{request_id}/Accept"),
            json!({"items": [{"accept": true}]}),
        )
        .await;
    let own_id = decided["response"]["content"]["items"][0]["attributeId"]
        .as_str()
        .unwrap()
        .to_owned();
    sync_until(
        &a,
        &format!("/Attributes?@type=PeerRelationshipAttribute&peer={b_address}"),
        non_empty,
    )
    .await;

    let succeeded = b
        .post(
            &format!("/Attributes/{own_id}/Succeed"),
            json!({"successorContent": {"value": {"@type": "ProprietaryString", "title": "Customer number", "value": "4712"}}}),
        )
        .await;
    let successor = &succeeded["successor"];
    let notification_id = succeeded["notificationId"].as_str().unwrap();
    assert_eq!(successor["@type"], "OwnRelationshipAttribute");
    assert_eq!(successor["sourceReference"], notification_id);
    assert_eq!(successor["content"]["key"], "customerNo");
    assert_eq!(successor["content"]["confidentiality"], "protected");
    assert_eq!(successor["content"]["owner"], b_address.as_str());
    assert_eq!(succeeded["predecessor"]["succeededBy"], successor["id"]);

    let found = sync_until(&a, &format!("/Attributes?succeeds={own_id}"), |v| {
        v[0]["sourceReference"].as_str() == Some(notification_id)
    })
    .await;
    assert_eq!(found[0]["id"], successor["id"]);
    assert_eq!(found[0]["@type"], "PeerRelationshipAttribute");
    assert_eq!(found[0]["peer"], b_address.as_str());
    assert_eq!(found[0]["content"]["value"]["value"], "4712");

    // a deletes its copy: b's own attribute and its predecessor read DeletedByRecipient.
    let successor_id = successor["id"].as_str().unwrap();
    a.ok("DELETE", &format!("/Attributes/{successor_id}"), None, 200)
        .await;
    let marked = sync_until(
        &b,
        "/Attributes?@type=OwnRelationshipAttribute&deletionInfo.deletionStatus=DeletedByRecipient",
        |v| v.as_array().is_some_and(|a| a.len() == 2),
    )
    .await;
    assert!(
        marked
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"] == own_id.as_str())
    );
}

/// a sends `content` to b, b decides with `decision`, a syncs until the request is Completed.
pub async fn request_decided(
    a: &Connector,
    b: &Connector,
    content: Value,
    decision: Value,
) -> String {
    let b_address = b.address().await;
    let created = send_request(a, json!({"content": content, "peer": b_address})).await;
    let id = created["id"].as_str().unwrap().to_owned();
    sync_until(b, &format!("/Requests/Incoming?id={id}"), non_empty).await;
    let accept = decision["items"][0]["accept"] == true;
    let path = if accept { "Accept" } else { "Reject" };
    b.put(&format!("/Requests/Incoming/{id}/{path}"), decision)
        .await;
    sync_until(
        a,
        &format!("/Requests/Outgoing?id={id}&status=Completed"),
        non_empty,
    )
    .await;
    id
}

#[tokio::test]
async fn delete_attribute_request_accepted_and_rejected() {
    let (_backbone, a, b, _, b_address) = related_pair().await;

    let mut shared = Vec::new();
    for value in ["a@example.com", "other@example.com"] {
        let mail = a
            .create_attribute(json!({"@type": "EMailAddress", "value": value}))
            .await;
        let id = mail["id"].as_str().unwrap().to_owned();
        let share = json!({"items": [{"@type": "ShareAttributeRequestItem", "mustBeAccepted": true,
            "attributeId": id, "attribute": mail["content"]}]});
        request_decided(&a, &b, share, json!({"items": [{"accept": true}]})).await;
        shared.push(id);
    }

    // canCreate: unknown attribute, and one not shared with b.
    let lonely = a
        .create_attribute(json!({"@type": "Surname", "value": "Alone"}))
        .await;
    for attribute_id in ["ATTxxxxxxxxxxxxxxxxx", lonely["id"].as_str().unwrap()] {
        let result = a
            .post("/Requests/Outgoing/Validate", json!({"peer": b_address, "content": {"items": [
                    {"@type": "DeleteAttributeRequestItem", "mustBeAccepted": true, "attributeId": attribute_id}
                ]}}))
            .await;
        assert_eq!(
            result["items"][0]["code"], "error.consumption.requests.invalidRequestItem",
            "{result}"
        );
    }

    let forwarding = |id: String| {
        let a = &a;
        async move { a.get(&format!("/Attributes/{id}/ForwardingDetails")).await[0].clone() }
    };

    // Accepted with a deletion date: b's copy ToBeDeleted, a's forwarding ToBeDeletedByRecipient.
    let deletion_date = in_a_day();
    let delete = |id: &str| json!({"items": [{"@type": "DeleteAttributeRequestItem", "mustBeAccepted": true, "attributeId": id}]});
    let past = b_decides_bad_date(&a, &b, delete(&shared[0])).await;
    request_decided_existing(&b, &a, &past, &deletion_date).await;
    let copy = b.get(&format!("/Attributes/{}", shared[0])).await;
    assert_eq!(copy["deletionInfo"]["deletionStatus"], "ToBeDeleted");
    assert_eq!(copy["deletionInfo"]["deletionDate"], deletion_date.as_str());
    let f = forwarding(shared[0].clone()).await;
    assert_eq!(
        f["deletionInfo"]["deletionStatus"],
        "ToBeDeletedByRecipient"
    );
    assert_eq!(f["deletionInfo"]["deletionDate"], deletion_date.as_str());

    // Rejected: a's forwarding DeletionRequestRejected, b's copy untouched.
    request_decided(
        &a,
        &b,
        delete(&shared[1]),
        json!({"items": [{"accept": false}]}),
    )
    .await;
    let f = forwarding(shared[1].clone()).await;
    assert_eq!(
        f["deletionInfo"]["deletionStatus"],
        "DeletionRequestRejected"
    );
    let copy = b.get(&format!("/Attributes/{}", shared[1])).await;
    assert!(copy.get("deletionInfo").is_none(), "{copy}");

    // b deletes its copy on its own: a's forwarding reads DeletedByRecipient.
    b.ok("DELETE", &format!("/Attributes/{}", shared[1]), None, 200)
        .await;
    test_support::eventually(
        "a's forwarding reading DeletedByRecipient",
        Duration::from_secs(30),
        async || {
            a.sync().await;
            let read = forwarding(shared[1].clone()).await;
            if read["deletionInfo"]["deletionStatus"] == "DeletedByRecipient" {
                Ok(())
            } else {
                Err(read)
            }
        },
    )
    .await;
}

/// a sends the delete request; while it is open a's forwarding reads DeletionRequestSent; b
/// cannot accept with a past deletion date. Returns the request id.
async fn b_decides_bad_date(a: &Connector, b: &Connector, content: Value) -> String {
    let b_address = b.address().await;
    let created = a
        .post(
            "/Requests/Outgoing",
            json!({"content": content, "peer": b_address}),
        )
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let attribute_id = content["items"][0]["attributeId"].as_str().unwrap();
    a.post(
        "/Messages",
        json!({"recipients": [b_address], "content": created["content"]}),
    )
    .await;
    let f = a
        .get(&format!("/Attributes/{attribute_id}/ForwardingDetails"))
        .await;
    assert_eq!(
        f[0]["deletionInfo"]["deletionStatus"],
        "DeletionRequestSent"
    );
    sync_until(b, &format!("/Requests/Incoming?id={id}"), non_empty).await;
    let can = b
        .put(
            &format!("/Requests/Incoming/{id}/CanAccept"),
            json!({"items": [{"accept": true, "deletionDate": "2020-01-01T00:00:00.000Z"}]}),
        )
        .await;
    assert_eq!(can["isSuccess"], false, "{can}");
    id
}

/// b accepts the open request `id` with `deletion_date`; a syncs until it is Completed.
async fn request_decided_existing(b: &Connector, a: &Connector, id: &str, deletion_date: &str) {
    b.put(
        &format!("/Requests/Incoming/{id}/Accept"),
        json!({"items": [{"accept": true, "deletionDate": deletion_date}]}),
    )
    .await;
    sync_until(
        a,
        &format!("/Requests/Outgoing?id={id}&status=Completed"),
        non_empty,
    )
    .await;
}

#[tokio::test]
async fn transfer_file_ownership_request_accepted() {
    let (_backbone, a, b, a_address, b_address) = related_pair().await;

    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"contract".to_vec())
            .file_name("contract.txt")
            .mime_str("text/plain")
            .unwrap(),
    );
    let response = a.upload(form).await;
    assert_eq!(response.status(), 201);
    let file = response.json::<Value>().await.unwrap()["result"].clone();
    let file_id = file["id"].as_str().unwrap().to_owned();
    let truncated = file["reference"]["truncated"].as_str().unwrap().to_owned();
    let token = file["ownershipToken"].as_str().unwrap().to_owned();

    // A wrong token is refused by canCreate (the owner asking does not lock the file).
    let wrong = a
        .post(
            "/Requests/Outgoing/Validate",
            json!({"peer": b_address, "content": {"items": [
                {"@type": "TransferFileOwnershipRequestItem", "mustBeAccepted": true,
                 "fileReference": truncated, "ownershipToken": "wrongtoken"}
            ]}}),
        )
        .await;
    assert_eq!(
        wrong["items"][0]["code"], "error.consumption.requests.invalidRequestItem",
        "{wrong}"
    );

    let content = json!({"items": [{"@type": "TransferFileOwnershipRequestItem", "mustBeAccepted": true,
        "fileReference": truncated, "ownershipToken": token}]});
    let id = request_decided(&a, &b, content, json!({"items": [{"accept": true}]})).await;

    // b owns the file and keeps its reference as an OwnIdentityAttribute shared with a.
    let owned = b.get(&format!("/Files/{file_id}")).await;
    assert_eq!(owned["isOwn"], true, "{owned}");
    assert_eq!(owned["owner"], b_address.as_str());
    let response = a.get(&format!("/Requests/Outgoing/{id}")).await;
    let item = &response["response"]["content"]["items"][0];
    assert_eq!(item["@type"], "TransferFileOwnershipAcceptResponseItem");
    let attribute_id = item["attributeId"].as_str().unwrap();
    let own = b.get(&format!("/Attributes/{attribute_id}")).await;
    assert_eq!(own["@type"], "OwnIdentityAttribute");
    assert_eq!(own["content"]["value"]["@type"], "IdentityFileReference");
    let own_reference = own["content"]["value"]["value"].as_str().unwrap();
    assert!(own_reference.len() > 20, "{own}");
    let forwarded = b
        .get(&format!("/Attributes/{attribute_id}/ForwardingDetails"))
        .await;
    assert_eq!(forwarded[0]["peer"], a_address.as_str());
    // a holds it as a PeerIdentityAttribute under b's id.
    let copy = a.get(&format!("/Attributes/{attribute_id}")).await;
    assert_eq!(copy["@type"], "PeerIdentityAttribute");
    assert_eq!(copy["peer"], b_address.as_str());
    assert_eq!(copy["content"], own["content"]);
}
