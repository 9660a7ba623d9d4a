//! Contract tests ported from nmshd/connector `test/attributes.test.ts` (each test names the case
//! it ports). Two (or three) Connectors on one dev Backbone, over REST only; the original's
//! waits for webhook events become syncs until the state shows.

use serde_json::{Value, json};

use crate::query_conditions::QueryConditions;
use crate::rest_peer::{Connector, relate, related_pair, sync_until};

/// Two related Connectors on a fresh dev Backbone (the original's `beforeAll`).
pub struct Peers {
    pub backbone: devbackbone::RunningBackbone,
    pub a: Connector,
    pub b: Connector,
    pub a_address: String,
    pub b_address: String,
}

pub async fn peers() -> Peers {
    let (backbone, a, b, a_address, b_address) = related_pair().await;
    Peers {
        backbone,
        a,
        b,
        a_address,
        b_address,
    }
}

/// `sender` sends a request with `items` to `recipient`, which accepts every item with
/// `{accept: true}` once it needs a manual decision; returns the sender's completed request
/// (the original's `executeFullCreateAndShare…Flow` steps).
pub async fn request_accepted(sender: &Connector, recipient: &Connector, items: Value) -> Value {
    let recipient_address = recipient.address().await;
    let created = sender
        .post(
            "/Requests/Outgoing",
            json!({"peer": recipient_address, "content": {"items": items}}),
        )
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    sender
        .post(
            "/Messages",
            json!({"recipients": [recipient_address], "content": created["content"]}),
        )
        .await;
    sync_until(recipient, &format!("/Requests/Incoming/{id}"), |r| {
        r["status"] == "ManualDecisionRequired"
    })
    .await;
    let decisions: Vec<Value> = (0..items.as_array().unwrap().len())
        .map(|_| json!({"accept": true}))
        .collect();
    recipient
        .put(
            &format!("/Requests/Incoming/{id}/Accept"),
            json!({"items": decisions}),
        )
        .await;
    sync_until(sender, &format!("/Requests/Outgoing/{id}"), |r| {
        r["status"] == "Completed"
    })
    .await
}

pub async fn create_own(c: &Connector, content: Value) -> Value {
    c.post("/Attributes", json!({"content": content})).await
}

fn given_name(value: &str) -> Value {
    json!({"@type": "GivenName", "value": value})
}

/// `executeFullCreateAndShareOwnIdentityAttributeFlow`: the sender's own identity attribute,
/// shared with each recipient by a ShareAttributeRequestItem.
async fn create_and_share_own_identity(
    sender: &Connector,
    recipients: &[&Connector],
    value: Value,
) -> Value {
    let attribute = create_own(sender, json!({"value": value})).await;
    for recipient in recipients {
        request_accepted(
            sender,
            recipient,
            json!([{"@type": "ShareAttributeRequestItem", "mustBeAccepted": true,
                    "attributeId": attribute["id"], "attribute": attribute["content"]}]),
        )
        .await;
    }
    let id = attribute["id"].as_str().unwrap();
    sender.get(&format!("/Attributes/{id}")).await
}

/// `executeFullCreateAndShareRelationshipAttributeFlow`: a CreateAttributeRequestItem with a
/// relationship attribute the sender owns; returns the sender's OwnRelationshipAttribute.
async fn create_and_share_relationship_attribute(
    sender: &Connector,
    recipient: &Connector,
    content: Value,
) -> Value {
    let mut attribute = content;
    attribute["@type"] = "RelationshipAttribute".into();
    attribute["owner"] = sender.address().await.into();
    let request = request_accepted(
        sender,
        recipient,
        json!([{"@type": "CreateAttributeRequestItem", "mustBeAccepted": true, "attribute": attribute}]),
    )
    .await;
    let id = request["response"]["content"]["items"][0]["attributeId"]
        .as_str()
        .unwrap();
    sender.get(&format!("/Attributes/{id}")).await
}

fn proprietary(key: &str, value: &str) -> Value {
    json!({"value": {"@type": "ProprietaryString", "title": "text", "value": value},
           "key": key, "confidentiality": "public"})
}

fn tagged_given_name() -> Value {
    json!({"value": given_name("AGivenName"), "tags": ["x:content.edu.de"]})
}

// "Attributes": "should check if an OwnIdentityAttribute can be created"
#[tokio::test]
async fn should_check_if_an_own_identity_attribute_can_be_created() {
    let p = peers().await;
    let result =
        p.a.put(
            "/Attributes/CanCreate",
            json!({"content": tagged_given_name()}),
        )
        .await;
    assert_eq!(result["isSuccess"], true, "{result}");
}

// "Attributes": "should create an OwnIdentityAttribute", "should get the created attribute",
// "should get the created attribute in the list of attributes", "should not set isDefault
// creating new OwnIdentityAttributes"
#[tokio::test]
async fn should_create_get_and_list_an_own_identity_attribute() {
    let p = peers().await;
    let created = create_own(&p.a, tagged_given_name()).await;
    let id = created["id"].as_str().unwrap();
    assert_eq!(p.a.get(&format!("/Attributes/{id}")).await, created);
    let listed = p.a.get("/Attributes").await;
    assert!(listed.as_array().unwrap().contains(&created));
    let surname = create_own(
        &p.a,
        json!({"value": {"@type": "Surname", "value": "ASurname"}}),
    )
    .await;
    assert!(surname.get("isDefault").is_none(), "{surname}");
}

// "Attributes": "should get ForwardingDetails for a forwarded OwnIdentityAttribute", "should get
// ForwardingDetails using a query"
#[tokio::test]
async fn should_get_forwarding_details_for_a_forwarded_own_identity_attribute() {
    let p = peers().await;
    let forwarded = create_and_share_own_identity(&p.a, &[&p.b], given_name("AGivenName")).await;
    let id = forwarded["id"].as_str().unwrap();
    let details =
        p.a.get(&format!("/Attributes/{id}/ForwardingDetails"))
            .await;
    assert_eq!(details.as_array().unwrap().len(), 1);
    assert_eq!(details[0]["peer"], p.b_address.as_str());
    let none =
        p.a.get(&format!(
            "/Attributes/{id}/ForwardingDetails?peer=aPeerWithoutForward"
        ))
        .await;
    assert_eq!(none, json!([]));
    let to_b =
        p.a.get(&format!(
            "/Attributes/{id}/ForwardingDetails?peer={}",
            p.b_address
        ))
        .await;
    assert_eq!(to_b.as_array().unwrap().len(), 1);
    // The runtime's LocalAttributeDTO counts the forwarding.
    assert_eq!(forwarded["numberOfForwards"], 1);
}

// "Attributes": "should succeed an OwnIdentityAttribute"
#[tokio::test]
async fn should_succeed_an_own_identity_attribute() {
    let p = peers().await;
    let created = create_own(&p.a, tagged_given_name()).await;
    let id = created["id"].as_str().unwrap();
    let succeeded =
        p.a.post(
            &format!("/Attributes/{id}/Succeed"),
            json!({"successorContent": {"value": given_name("ANewGivenName"),
                "tags": ["x:content.edu.de"]}}),
        )
        .await;
    let successor_id = succeeded["successor"]["id"].as_str().unwrap();
    let successor = p.a.get(&format!("/Attributes/{successor_id}")).await;
    assert_eq!(successor["content"]["tags"], json!(["x:content.edu.de"]));
    assert_eq!(successor["content"]["value"], given_name("ANewGivenName"));
    assert_eq!(successor["content"]["owner"], p.a_address.as_str());
    assert_eq!(succeeded["predecessor"]["succeededBy"], successor_id);
}

// "Attributes": "should notify peer about OwnIdentityAttribute Succession"
#[tokio::test]
async fn should_notify_peer_about_own_identity_attribute_succession() {
    let p = peers().await;
    let shared = create_and_share_own_identity(&p.a, &[&p.b], given_name("AGivenName")).await;
    let id = shared["id"].as_str().unwrap();
    let succeeded =
        p.a.post(
            &format!("/Attributes/{id}/Succeed"),
            json!({"successorContent": {"value": given_name("ANewGivenName")}}),
        )
        .await;
    let successor_id = succeeded["successor"]["id"].as_str().unwrap();
    let notified =
        p.a.post(
            &format!("/Attributes/{successor_id}/NotifyPeer"),
            json!({"peer": p.b_address}),
        )
        .await;
    assert!(notified["notificationId"].is_string(), "{notified}");
    let at_b = sync_until(&p.b, &format!("/Attributes/{successor_id}"), |r| {
        r["id"] == successor_id
    })
    .await;
    assert_eq!(
        at_b["content"]["value"],
        notified["successor"]["content"]["value"]
    );
}

// "Attributes": "should succeed an OwnRelationshipAttribute"
#[tokio::test]
async fn should_succeed_an_own_relationship_attribute() {
    let p = peers().await;
    let attribute =
        create_and_share_relationship_attribute(&p.a, &p.b, proprietary("key", "AGivenName")).await;
    let id = attribute["id"].as_str().unwrap();
    let successor_value =
        json!({"@type": "ProprietaryString", "title": "text", "value": "ANewGivenName"});
    let succeeded =
        p.a.post(
            &format!("/Attributes/{id}/Succeed"),
            json!({"successorContent": {"value": successor_value}}),
        )
        .await;
    let successor_id = succeeded["successor"]["id"].as_str().unwrap();
    let at_b = sync_until(&p.b, &format!("/Attributes/{successor_id}"), |r| {
        r["id"] == successor_id
    })
    .await;
    assert_eq!(at_b["content"]["value"], successor_value);
}

// "Attributes Query": "should query attributes"
#[tokio::test]
async fn should_query_attributes() {
    let p = peers().await;
    let attribute = create_own(&p.a, tagged_given_name()).await;
    QueryConditions::new(&attribute)
        .date("createdAt")
        .string("content.@type")
        .string_array("content.tags")
        .string("content.owner")
        .string("content.key")
        .boolean("content.isTechnical")
        .string("content.confidentiality")
        .string("content.value.@type")
        .string("succeeds")
        .string("succeededBy")
        .string("peer")
        .string("sourceReference")
        .string("initialAttributePeer")
        .execute(&p.a, "/Attributes")
        .await;
}

// "Attributes Query": "should query own Attributes shared with peer"
#[tokio::test]
async fn should_query_own_attributes_shared_with_peer() {
    let p = peers().await;
    let forwarded = create_and_share_own_identity(&p.a, &[&p.b], given_name("AGivenName")).await;
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("@type", "OwnIdentityAttribute")
        .append_pair("createdAt", forwarded["createdAt"].as_str().unwrap())
        .append_pair("content.@type", "IdentityAttribute")
        .append_pair("content.value.@type", "GivenName")
        .append_pair("deletionInfo", "!")
        .finish();
    let found =
        p.a.get(&format!("/Attributes/Own/Shared/{}?{query}", p.b_address))
            .await;
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
}

// "Attributes Query": "should query peer Attributes"
#[tokio::test]
async fn should_query_peer_attributes() {
    let p = peers().await;
    create_and_share_own_identity(&p.b, &[&p.a], given_name("AGivenName")).await;
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("@type", "PeerIdentityAttribute")
        .append_pair("content.@type", "IdentityAttribute")
        .append_pair("content.value.@type", "GivenName")
        .append_pair("deletionInfo", "!")
        .finish();
    let found =
        p.a.get(&format!("/Attributes/Peer/{}?{query}", p.b_address))
            .await;
    assert_eq!(found.as_array().unwrap().len(), 1, "{found}");
}

// "Execute AttributeQueries": "should execute an IdentityAttributeQuery"
#[tokio::test]
async fn should_execute_an_identity_attribute_query() {
    let p = peers().await;
    let attribute = create_own(&p.a, json!({"value": given_name("AGivenName")})).await;
    let found =
        p.a.ok(
            "POST",
            "/Attributes/ExecuteIdentityAttributeQuery",
            Some(json!({"query": {"valueType": "GivenName"}})),
            200,
        )
        .await;
    assert!(found.as_array().unwrap().contains(&attribute), "{found}");
}

// "Execute AttributeQueries": "should execute a RelationshipAttributeQuery"
#[tokio::test]
async fn should_execute_a_relationship_attribute_query() {
    let p = peers().await;
    create_and_share_relationship_attribute(
        &p.a,
        &p.b,
        proprietary("someSpecialKey", "AGivenName"),
    )
    .await;
    let found =
        p.b.ok(
            "POST",
            "/Attributes/ExecuteRelationshipAttributeQuery",
            Some(
                json!({"query": {"key": "someSpecialKey", "owner": p.a_address,
                "attributeCreationHints": {"valueType": "ProprietaryString", "title": "text",
                    "confidentiality": "public"}}}),
            ),
            200,
        )
        .await;
    assert_eq!(found["content"]["value"]["value"], "AGivenName");
}

// "Read Attribute and versions": "should get all OwnIdentityAttributes"
#[tokio::test]
async fn should_get_all_own_identity_attributes() {
    let p = peers().await;
    let none = p.a.get("/Attributes/Own/Identity").await;
    assert_eq!(none, json!([]));
    for i in 0..5 {
        create_own(
            &p.a,
            json!({"value": given_name(&format!("AGivenName{i}"))}),
        )
        .await;
    }
    create_and_share_own_identity(&p.a, &[&p.b], given_name("AGivenName5")).await;
    let all = p.a.get("/Attributes/Own/Identity").await;
    assert_eq!(all.as_array().unwrap().len(), 6);
}

// "Read Attribute and versions": "should get latest versions of all OwnIdentityAttributes"
#[tokio::test]
async fn should_get_latest_versions_of_all_own_identity_attributes() {
    let p = peers().await;
    let mut last = Value::Null;
    for i in 0..5 {
        last = create_own(
            &p.a,
            json!({"value": given_name(&format!("AGivenName{i}"))}),
        )
        .await;
    }
    let id = last["id"].as_str().unwrap();
    p.a.post(
        &format!("/Attributes/{id}/Succeed"),
        json!({"successorContent": {"value": given_name("ANewGivenName")}}),
    )
    .await;
    let all =
        p.a.get("/Attributes/Own/Identity?onlyLatestVersions=false")
            .await;
    assert_eq!(all.as_array().unwrap().len(), 6);
    let latest =
        p.a.get("/Attributes/Own/Identity?onlyLatestVersions=true")
            .await;
    assert_eq!(latest.as_array().unwrap().len(), 5);
}

// "Read Attribute and versions": "should get all own Attributes shared with peer and peer
// Attributes"
#[tokio::test]
async fn should_get_all_own_attributes_shared_with_peer_and_peer_attributes() {
    let p = peers().await;
    create_and_share_own_identity(&p.a, &[&p.b], given_name("ANewGivenName")).await;
    create_own(&p.a, json!({"value": given_name("AGivenName")})).await;
    let own =
        p.a.get(&format!("/Attributes/Own/Shared/{}", p.b_address))
            .await;
    let peer = p.b.get(&format!("/Attributes/Peer/{}", p.a_address)).await;
    assert_eq!(own.as_array().unwrap().len(), 1);
    assert_eq!(peer.as_array().unwrap().len(), 1);
}

// "Read Attribute and versions": "should get latest versions of own Attributes shared with peer
// and peer Attributes"
#[tokio::test]
async fn should_get_latest_versions_of_own_attributes_shared_with_peer_and_peer_attributes() {
    let p = peers().await;
    let shared = create_and_share_own_identity(&p.a, &[&p.b], given_name("AGivenName")).await;
    let id = shared["id"].as_str().unwrap();
    let succeeded =
        p.a.post(
            &format!("/Attributes/{id}/Succeed"),
            json!({"successorContent": {"value": given_name("ANewGivenName")}}),
        )
        .await;
    let successor_id = succeeded["successor"]["id"].as_str().unwrap();
    p.a.post(
        &format!("/Attributes/{successor_id}/NotifyPeer"),
        json!({"peer": p.b_address}),
    )
    .await;
    let own =
        p.a.get(&format!("/Attributes/Own/Shared/{}", p.b_address))
            .await;
    assert_eq!(own.as_array().unwrap().len(), 1, "{own}");
    // The original reads b without syncing first: b still holds only the first version.
    let peer = p.b.get(&format!("/Attributes/Peer/{}", p.a_address)).await;
    assert_eq!(peer.as_array().unwrap().len(), 1, "{peer}");
}

// "Read Attribute and versions": "should get all (shared) versions of an Attribute"
#[tokio::test]
async fn should_get_all_shared_versions_of_an_attribute() {
    let p = peers().await;
    let c = Connector::start(&p.backbone.base_url()).await;
    relate(&p.a, &c).await;
    let c_address = c.address().await;
    let first = create_and_share_own_identity(&p.a, &[&p.b, &c], given_name("AGivenName")).await;
    let first_id = first["id"].as_str().unwrap().to_owned();
    let mut latest = first_id.clone();
    for i in 0..5 {
        let succeeded =
            p.a.post(
                &format!("/Attributes/{latest}/Succeed"),
                json!({"successorContent": {"value": given_name(&format!("AGivenName{i}"))}}),
            )
            .await;
        latest = succeeded["successor"]["id"].as_str().unwrap().to_owned();
        for peer in [&p.b_address, &c_address] {
            p.a.post(
                &format!("/Attributes/{latest}/NotifyPeer"),
                json!({"peer": peer}),
            )
            .await;
        }
    }
    let versions = p.a.get(&format!("/Attributes/{first_id}/Versions")).await;
    assert_eq!(versions.as_array().unwrap().len(), 6);
    let shared = |only_latest: bool| {
        format!(
            "/Attributes/{first_id}/Versions/Shared?peer={}&onlyLatestVersions={only_latest}",
            p.b_address
        )
    };
    let all = p.a.get(&shared(false)).await;
    assert_eq!(all.as_array().unwrap().len(), 6);
    let latest_shared = p.a.get(&shared(true)).await;
    assert_eq!(latest_shared.as_array().unwrap().len(), 1);
}

// "Delete attributes": "should delete an OwnIdentityAttribute and notify peer"
#[tokio::test]
async fn should_delete_an_own_identity_attribute_and_notify_peer() {
    let p = peers().await;
    let shared = create_and_share_own_identity(&p.a, &[&p.b], given_name("AGivenName")).await;
    let id = shared["id"].as_str().unwrap();
    let deleted =
        p.a.ok("DELETE", &format!("/Attributes/{id}"), None, 200)
            .await;
    assert_eq!(deleted["notificationIds"].as_array().unwrap().len(), 1);
    sync_until(&p.b, &format!("/Attributes/{id}"), |r| {
        r["deletionInfo"]["deletionStatus"] == "DeletedByEmitter"
    })
    .await;
    let gone = p.a.call("GET", &format!("/Attributes/{id}"), None).await;
    assert_eq!(gone.status().as_u16(), 404);
}

// "Delete attributes": "should delete a PeerIdentityAttribute and notify owner"
#[tokio::test]
async fn should_delete_a_peer_identity_attribute_and_notify_owner() {
    let p = peers().await;
    let shared = create_and_share_own_identity(&p.a, &[&p.b], given_name("AGivenName")).await;
    let id = shared["id"].as_str().unwrap();
    let deleted =
        p.b.ok("DELETE", &format!("/Attributes/{id}"), None, 200)
            .await;
    assert_eq!(deleted["notificationIds"].as_array().unwrap().len(), 1);
    sync_until(&p.a, &format!("/Attributes/{id}/ForwardingDetails"), |r| {
        r[0]["deletionInfo"]["deletionStatus"] == "DeletedByRecipient"
    })
    .await;
    let gone = p.b.call("GET", &format!("/Attributes/{id}"), None).await;
    assert_eq!(gone.status().as_u16(), 404);
}

// "Delete attributes": "should delete an unshared OwnIdentityAttribute"
#[tokio::test]
async fn should_delete_an_unshared_own_identity_attribute() {
    let p = peers().await;
    let attribute = create_own(&p.a, json!({"value": given_name("AGivenName")})).await;
    let id = attribute["id"].as_str().unwrap();
    p.a.ok("DELETE", &format!("/Attributes/{id}"), None, 200)
        .await;
    let gone = p.a.call("GET", &format!("/Attributes/{id}"), None).await;
    assert_eq!(gone.status().as_u16(), 404);
}

// "Delete attributes": "should delete a ThirdPartyRelationshipAttribute and notify the peer"
#[tokio::test]
async fn should_delete_a_third_party_relationship_attribute_and_notify_the_peer() {
    let p = peers().await;
    let c = Connector::start(&p.backbone.base_url()).await;
    relate(&c, &p.b).await;
    let own = create_and_share_relationship_attribute(
        &p.a,
        &p.b,
        proprietary("randomKey", "ANewGivenName"),
    )
    .await;
    let created = c
        .post(
            "/Requests/Outgoing",
            json!({"peer": p.b_address, "content": {"items": [
                {"@type": "ReadAttributeRequestItem", "mustBeAccepted": true,
                 "query": {"@type": "ThirdPartyRelationshipAttributeQuery", "key": "randomKey",
                           "owner": "", "thirdParty": [p.a_address]}}]}}),
        )
        .await;
    let id = created["id"].as_str().unwrap();
    c.post(
        "/Messages",
        json!({"recipients": [p.b_address], "content": created["content"]}),
    )
    .await;
    sync_until(&p.b, &format!("/Requests/Incoming/{id}"), |r| {
        r["status"] == "ManualDecisionRequired"
    })
    .await;
    p.b.put(
        &format!("/Requests/Incoming/{id}/Accept"),
        json!({"items": [{"accept": true, "existingAttributeId": own["id"]}]}),
    )
    .await;
    let completed = sync_until(&c, &format!("/Requests/Outgoing/{id}"), |r| {
        r["status"] == "Completed"
    })
    .await;
    let third_party_id = completed["response"]["content"]["items"][0]["attributeId"]
        .as_str()
        .unwrap()
        .to_owned();
    let third_party = c.get(&format!("/Attributes/{third_party_id}")).await;
    assert_eq!(third_party["@type"], "ThirdPartyRelationshipAttribute");
    let deleted = c
        .ok(
            "DELETE",
            &format!("/Attributes/{third_party_id}"),
            None,
            200,
        )
        .await;
    assert_eq!(deleted["notificationIds"].as_array().unwrap().len(), 1);
    // b's forwarding of its copy to c reads DeletedByRecipient once the notification arrived.
    sync_until(
        &p.b,
        &format!(
            "/Attributes/{}/ForwardingDetails?peer={}",
            own["id"].as_str().unwrap(),
            c.address().await
        ),
        |r| r[0]["deletionInfo"]["deletionStatus"] == "DeletedByRecipient",
    )
    .await;
    let gone = c
        .call("GET", &format!("/Attributes/{third_party_id}"), None)
        .await;
    assert_eq!(gone.status().as_u16(), 404);
}

// "Attributes Tag Collection": "should get all valid tags"
#[tokio::test]
async fn should_get_all_valid_tags() {
    let p = peers().await;
    let tags = p.a.get("/Attributes/TagCollection").await;
    assert!(tags.is_object(), "{tags}");
}
