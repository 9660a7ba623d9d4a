//! Requests by message between two Connectors on one dev Backbone, over REST only: the sender
//! validates, creates and sends; the recipient syncs, decides (accept / reject); the sender
//! syncs and sees the request completed with the response applied. Plus the real error codes.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::assert_error;
use crate::rest_peer::{
    Connector, email, in_a_day, load_template, offer_template_with, pair, relate, related_pair,
    sync_until,
};

fn read_create_form_consent() -> Value {
    json!({
        "expiresAt": in_a_day(),
        "title": "Onboarding",
        "items": [
            {"@type": "ReadAttributeRequestItem", "mustBeAccepted": true,
             "query": {"@type": "IdentityAttributeQuery", "valueType": "GivenName"}},
            {"@type": "RequestItemGroup", "title": "Contract", "items": [
                {"@type": "CreateAttributeRequestItem", "mustBeAccepted": true,
                 "attribute": {"@type": "RelationshipAttribute", "owner": "", "key": "customerNo",
                   "confidentiality": "protected",
                   "value": {"@type": "ProprietaryString", "title": "Customer number", "value": "4711"}}},
                {"@type": "FormFieldRequestItem", "mustBeAccepted": false, "title": "Comment",
                 "settings": {"@type": "StringFormFieldSettings", "max": 20}}
            ]},
            {"@type": "ConsentRequestItem", "mustBeAccepted": true, "consent": "I agree"}
        ]
    })
}

/// Creates the request at `a` for `b_address`, sends it, and returns `(request id, message id)`.
async fn create_and_send(a: &Connector, b_address: &str, content: Value) -> (String, String) {
    let created = a
        .post(
            "/Requests/Outgoing",
            json!({"content": content, "peer": b_address}),
        )
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["status"], "Draft");
    let message = a
        .post(
            "/Messages",
            json!({"recipients": [b_address], "content": created["content"]}),
        )
        .await;
    (id, message["id"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn request_by_message_accepted_creates_attributes_on_both_sides() {
    let (_backbone, a, b, a_address, b_address) = related_pair().await;

    let content = read_create_form_consent();
    let validation = a
        .post(
            "/Requests/Outgoing/Validate",
            json!({"content": content, "peer": b_address}),
        )
        .await;
    assert_eq!(validation["isSuccess"], true, "{validation}");
    assert_eq!(validation["items"].as_array().unwrap().len(), 3);
    assert_eq!(validation["items"][1]["items"].as_array().unwrap().len(), 2);

    let created = a
        .post(
            "/Requests/Outgoing",
            json!({"content": content, "peer": b_address}),
        )
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("REQ") && id.len() == 20);
    assert_eq!(created["content"]["id"], id.as_str());
    assert_eq!(created["content"]["@type"], "Request");
    assert_eq!(created["isOwn"], true);
    assert_eq!(created["peer"], b_address.as_str());
    assert!(created.get("statusLog").is_none() && created.get("source").is_none());

    // Sending a changed content is refused; sending the stored one opens the request.
    let mut changed = created["content"].clone();
    changed["title"] = "Other".into();
    let refused = a
        .call(
            "POST",
            "/Messages",
            Some(json!({"recipients": [b_address], "content": changed})),
        )
        .await;
    assert_error(
        refused,
        400,
        "error.runtime.validation.invalidPropertyValue",
    )
    .await;
    let message = a
        .post(
            "/Messages",
            json!({"recipients": [b_address], "content": created["content"]}),
        )
        .await;
    let message_id = message["id"].as_str().unwrap();
    let open = a.get(&format!("/Requests/Outgoing/{id}")).await;
    assert_eq!(open["status"], "Open");
    assert_eq!(
        open["source"],
        json!({"type": "Message", "reference": message_id})
    );
    a.fails(
        "POST",
        "/Messages",
        Some(json!({"recipients": [b_address], "content": created["content"]})),
        400,
        "error.runtime.messages.cannotSendRequestThatWasAlreadySent",
    )
    .await;

    // The recipient receives it and must decide manually (stored in DecisionRequired first, then
    // left to a person by the decider).
    let incoming = sync_until(&b, "/Requests/Incoming", |v| {
        v.as_array()
            .is_some_and(|a| !a.is_empty() && a[0]["status"] == "ManualDecisionRequired")
    })
    .await;
    assert_eq!(incoming.as_array().unwrap().len(), 1, "exactly once");
    let request = &incoming[0];
    assert_eq!(request["id"], id.as_str());
    assert_eq!(request["isOwn"], false);
    assert_eq!(request["peer"], a_address.as_str());
    assert_eq!(request["status"], "ManualDecisionRequired");
    assert_eq!(request["content"], created["content"]);
    assert_eq!(
        request["source"],
        json!({"type": "Message", "reference": message_id})
    );
    let filtered = b
        .get(
            "/Requests/Incoming?status=ManualDecisionRequired&content.items.@type=ConsentRequestItem",
        )
        .await;
    assert_eq!(filtered.as_array().unwrap().len(), 1);

    // Decide-body rules.
    let path = |what: &str| format!("/Requests/Incoming/{id}/{what}");
    let too_few = b
        .put(&path("CanAccept"), json!({"items": [{"accept": true}]}))
        .await;
    assert_eq!(too_few["isSuccess"], false);
    assert_eq!(
        too_few["code"],
        "error.consumption.requests.decide.validation.invalidNumberOfItems"
    );
    b.fails(
        "PUT",
        &path("Accept"),
        Some(json!({"items": [], "decidedByAutomation": true})),
        400,
        "error.connector.incomingRequests.decidedByAutomation",
    )
    .await;
    let new_name = json!({"accept": true, "newAttribute": {"@type": "IdentityAttribute", "owner": "",
        "value": {"@type": "GivenName", "value": "Bob"}}});
    let too_long = json!({"items": [new_name, {"items": [{"accept": true}, {"accept": true, "response": "x".repeat(21)}]}, {"accept": true}]});
    let checked = b.put(&path("CanAccept"), too_long.clone()).await;
    assert_eq!(checked["isSuccess"], false, "{checked}");
    assert_eq!(
        checked["code"],
        "error.consumption.requests.validation.inheritedFromItem"
    );
    assert_eq!(
        checked["items"][1]["items"][1]["code"],
        "error.consumption.requests.invalidAcceptParameters"
    );
    b.fails(
        "PUT",
        &path("Accept"),
        Some(too_long),
        400,
        "error.consumption.requests.validation.inheritedFromItem",
    )
    .await;
    let must = json!({"items": [new_name, {"items": [{"accept": true}, {"accept": false}]}, {"accept": false}]});
    let checked = b.put(&path("CanAccept"), must).await;
    assert_eq!(
        checked["code"],
        "error.consumption.requests.decide.validation.mustBeAcceptedItemNotAccepted"
    );

    let decision = json!({"items": [new_name, {"items": [{"accept": true}, {"accept": true, "response": "hello"}]}, {"accept": true}]});
    let ok = b.put(&path("CanAccept"), decision.clone()).await;
    assert_eq!(ok["isSuccess"], true, "{ok}");
    let decided = b.put(&path("Accept"), decision).await;
    assert_eq!(decided["status"], "Decided");
    let response = &decided["response"]["content"];
    assert_eq!(response["result"], "Accepted");
    assert_eq!(response["requestId"], id.as_str());
    assert_eq!(
        response["items"][0]["@type"],
        "ReadAttributeAcceptResponseItem"
    );
    assert_eq!(response["items"][1]["@type"], "ResponseItemGroup");
    assert_eq!(
        response["items"][1]["items"][0]["@type"],
        "CreateAttributeAcceptResponseItem"
    );
    assert_eq!(
        response["items"][1]["items"][1],
        json!({"@type": "FormFieldAcceptResponseItem", "result": "Accepted", "response": "hello"})
    );
    assert_eq!(
        response["items"][2],
        json!({"@type": "AcceptResponseItem", "result": "Accepted"})
    );
    let completed = b.get(&format!("/Requests/Incoming/{id}")).await;
    assert_eq!(completed["status"], "Completed");
    assert_eq!(completed["response"]["source"]["type"], "Message");
    b.fails(
        "PUT",
        &path("Accept"),
        Some(json!({"items": []})),
        400,
        "error.consumption.requests.wrongRequestStatus",
    )
    .await;

    // The recipient's attributes: its new given name, shared with a; the relationship attribute.
    let bob_id = response["items"][0]["attributeId"].as_str().unwrap();
    let bob = b.get(&format!("/Attributes/{bob_id}")).await;
    assert_eq!(bob["@type"], "OwnIdentityAttribute");
    assert_eq!(bob["content"]["owner"], b_address.as_str());
    let forwarded = b
        .get(&format!("/Attributes/{bob_id}/ForwardingDetails"))
        .await;
    assert_eq!(forwarded.as_array().unwrap().len(), 1);
    assert_eq!(forwarded[0]["peer"], a_address.as_str());
    assert_eq!(forwarded[0]["sourceReference"], id.as_str());
    let shared = b.get(&format!("/Attributes/Own/Shared/{a_address}")).await;
    let kinds: Vec<&str> = shared
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["@type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.len(), 2, "{shared}");
    assert!(kinds.contains(&"OwnIdentityAttribute") && kinds.contains(&"OwnRelationshipAttribute"));
    let versions_shared = b
        .get(&format!(
            "/Attributes/{bob_id}/Versions/Shared?peer={a_address}"
        ))
        .await;
    assert_eq!(versions_shared[0]["id"], bob_id);

    // The sender completes the request and holds the peer's attributes.
    let outgoing = sync_until(&a, &format!("/Requests/Outgoing/{id}"), |v| {
        v["status"] == "Completed"
    })
    .await;
    assert_eq!(outgoing["response"]["content"], *response);
    assert_eq!(outgoing["response"]["source"]["type"], "Message");
    let peer_attributes = a.get(&format!("/Attributes/Peer/{b_address}")).await;
    let peer_attributes = peer_attributes.as_array().unwrap();
    assert_eq!(peer_attributes.len(), 2, "{peer_attributes:?}");
    let given = peer_attributes
        .iter()
        .find(|p| p["@type"] == "PeerIdentityAttribute")
        .unwrap();
    assert_eq!(given["id"], bob_id, "the copy keeps the owner's id");
    assert_eq!(given["content"]["value"]["value"], "Bob");
    assert_eq!(given["sourceReference"], id.as_str());
    let relationship = peer_attributes
        .iter()
        .find(|p| p["@type"] == "PeerRelationshipAttribute")
        .unwrap();
    assert_eq!(relationship["content"]["owner"], b_address.as_str());
    assert_eq!(relationship["content"]["key"], "customerNo");
    // GET /Relationships/{id}/Attributes: what was exchanged with that relationship's peer.
    let relationships = a.get(&format!("/Relationships?peer={b_address}")).await;
    let relationship_id = relationships[0]["id"].as_str().unwrap();
    let exchanged = a
        .get(&format!("/Relationships/{relationship_id}/Attributes"))
        .await;
    let mut exchanged_ids: Vec<&str> = exchanged
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    let mut peer_ids: Vec<&str> = peer_attributes
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    exchanged_ids.sort_unstable();
    peer_ids.sort_unstable();
    assert_eq!(exchanged_ids, peer_ids, "{exchanged}");
    let unknown = a
        .call(
            "GET",
            "/Relationships/RELaaaaaaaaaaaaaaaaa/Attributes",
            None,
        )
        .await;
    assert_eq!(unknown.status(), 404);
    let completed_list = a
        .get("/Requests/Outgoing?status=Completed&response.content.result=Accepted")
        .await;
    assert_eq!(completed_list.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn rejected_request_and_validation_errors() {
    let (_backbone, a, b, a_address, b_address) = pair().await;

    let consent = json!({"items": [{"@type": "ConsentRequestItem", "mustBeAccepted": false, "consent": "ok?"}]});
    a.fails(
        "POST",
        "/Requests/Outgoing",
        Some(json!({"content": consent, "peer": b_address})),
        400,
        "error.consumption.requests.missingRelationship",
    )
    .await;
    relate(&a, &b).await;

    a.fails(
        "POST",
        "/Requests/Outgoing",
        Some(json!({"content": consent, "peer": a_address})),
        400,
        "error.consumption.requests.cannotShareRequestWithYourself",
    )
    .await;
    let mut past = consent.clone();
    past["expiresAt"] = "2020-01-01T00:00:00.000Z".into();
    a.fails(
        "POST",
        "/Requests/Outgoing",
        Some(json!({"content": past, "peer": b_address})),
        400,
        "error.consumption.requests.cannotCreateRequestWithExpirationDateInPast",
    )
    .await;
    a.fails(
        "POST",
        "/Requests/Outgoing",
        Some(json!({"content": consent})),
        400,
        "error.runtime.validation.invalidPropertyValue",
    )
    .await;

    // An item that cannot be created: an IdentityAttribute owned by the sender.
    let own = json!({"items": [{"@type": "CreateAttributeRequestItem", "mustBeAccepted": true,
        "attribute": {"@type": "IdentityAttribute", "owner": a_address, "value": {"@type": "GivenName", "value": "A"}}}]});
    let result = a
        .post(
            "/Requests/Outgoing/Validate",
            json!({"content": own, "peer": b_address}),
        )
        .await;
    assert_eq!(result["isSuccess"], false);
    assert_eq!(
        result["code"],
        "error.consumption.requests.validation.inheritedFromItem"
    );
    assert_eq!(
        result["items"][0]["code"],
        "error.consumption.requests.invalidRequestItem"
    );
    a.fails(
        "POST",
        "/Requests/Outgoing",
        Some(json!({"content": own, "peer": b_address})),
        400,
        "error.consumption.requests.validation.inheritedFromItem",
    )
    .await;
    let bad_form = json!({"items": [{"@type": "FormFieldRequestItem", "mustBeAccepted": false, "title": "n",
        "settings": {"@type": "IntegerFormFieldSettings", "min": 5, "max": 2}}]});
    let result = a
        .post("/Requests/Outgoing/Validate", json!({"content": bad_form}))
        .await;
    assert_eq!(result["items"][0]["isSuccess"], false, "{result}");

    // Reject path.
    let (id, _) = create_and_send(&a, &b_address, consent).await;
    sync_until(&b, &format!("/Requests/Incoming?id={id}"), |v| {
        v.as_array().is_some_and(|a| !a.is_empty())
    })
    .await;
    let path = |what: &str| format!("/Requests/Incoming/{id}/{what}");
    let accepted_item = b
        .put(&path("CanReject"), json!({"items": [{"accept": true}]}))
        .await;
    assert_eq!(
        accepted_item["code"],
        "error.consumption.requests.decide.validation.itemAcceptedButRequestNotAccepted"
    );
    let reject = json!({"items": [{"accept": false, "code": "x:notNow", "message": "not now"}]});
    let checked = b.put(&path("CanReject"), reject.clone()).await;
    assert_eq!(checked["isSuccess"], true);
    let decided = b.put(&path("Reject"), reject).await;
    assert_eq!(decided["status"], "Decided");
    assert_eq!(decided["response"]["content"]["result"], "Rejected");
    assert_eq!(
        decided["response"]["content"]["items"][0],
        json!({"@type": "RejectResponseItem", "result": "Rejected", "code": "x:notNow", "message": "not now"})
    );
    let outgoing = sync_until(&a, &format!("/Requests/Outgoing/{id}"), |v| {
        v["status"] == "Completed"
    })
    .await;
    assert_eq!(outgoing["response"]["content"]["result"], "Rejected");

    b.get_not_found("/Requests/Incoming/REQZZZZZZZZZZZZZZZZZ")
        .await;
    a.get_not_found(&format!("/Requests/Incoming/{id}")).await;
    b.fails(
        "GET",
        "/Requests/Outgoing/nope",
        None,
        400,
        "error.runtime.validation.invalidPropertyValue",
    )
    .await;
}

#[tokio::test]
async fn share_read_existing_propose_and_authentication_and_lazy_expiry() {
    let (_backbone, a, b, a_address, b_address) = related_pair().await;

    let mail = a.create_attribute(email("a@example.com")).await;
    let mail_id = mail["id"].as_str().unwrap().to_owned();
    let name = b
        .post(
            "/Attributes",
            json!({"content": {"value": {"@type": "GivenName", "value": "Bea"}, "tags": ["x:t1"]}}),
        )
        .await;
    let name_id = name["id"].as_str().unwrap().to_owned();

    let share = json!({"@type": "ShareAttributeRequestItem", "mustBeAccepted": true,
        "attributeId": mail_id, "attribute": mail["content"]});
    let content = json!({"items": [
        {"@type": "AuthenticationRequestItem", "mustBeAccepted": true, "title": "Login"},
        share,
        {"@type": "ReadAttributeRequestItem", "mustBeAccepted": true,
         "query": {"@type": "IdentityAttributeQuery", "valueType": "GivenName"}},
        {"@type": "ProposeAttributeRequestItem", "mustBeAccepted": false,
         "query": {"@type": "IdentityAttributeQuery", "valueType": "Surname"},
         "attribute": {"@type": "IdentityAttribute", "owner": "", "value": {"@type": "Surname", "value": "Beeson"}}}
    ]});
    let mut tampered = content.clone();
    tampered["items"][1]["attribute"]["value"]["value"] = "other@example.com".into();
    let result = a
        .post(
            "/Requests/Outgoing/Validate",
            json!({"content": tampered, "peer": b_address}),
        )
        .await;
    assert_eq!(
        result["items"][1]["code"], "error.consumption.requests.invalidRequestItem",
        "{result}"
    );
    assert_eq!(result["items"][0]["isSuccess"], true);

    let (id, _) = create_and_send(&a, &b_address, content.clone()).await;
    sync_until(&b, &format!("/Requests/Incoming?id={id}"), |v| {
        v.as_array().is_some_and(|a| !a.is_empty())
    })
    .await;
    let decision = json!({"items": [
        {"accept": true},
        {"accept": true},
        {"accept": true, "existingAttributeId": name_id, "tags": ["x:t2"]},
        {"accept": true, "attribute": {"@type": "IdentityAttribute", "owner": "", "value": {"@type": "Surname", "value": "Beeson"}}}
    ]});
    let decided = b
        .put(&format!("/Requests/Incoming/{id}/Accept"), decision)
        .await;
    let items = &decided["response"]["content"]["items"];
    assert_eq!(items[0]["@type"], "AcceptResponseItem");
    assert_eq!(items[1]["@type"], "AcceptResponseItem");
    assert_eq!(items[2]["@type"], "ReadAttributeAcceptResponseItem");
    assert_eq!(items[3]["@type"], "ProposeAttributeAcceptResponseItem");

    // b: the shared copy keeps a's id; the read name was succeeded with the extra tag.
    let copy = b.get(&format!("/Attributes/{mail_id}")).await;
    assert_eq!(copy["@type"], "PeerIdentityAttribute");
    assert_eq!(copy["peer"], a_address.as_str());
    assert_eq!(copy["sourceReference"], id.as_str());
    let successor_id = items[2]["attributeId"].as_str().unwrap();
    assert_ne!(successor_id, name_id);
    let successor = b.get(&format!("/Attributes/{successor_id}")).await;
    assert_eq!(successor["succeeds"], name_id.as_str());
    assert_eq!(successor["content"]["tags"], json!(["x:t1", "x:t2"]));
    let surname = b
        .get("/Attributes/Own/Identity?content.value.@type=Surname")
        .await;
    assert_eq!(surname[0]["content"]["value"]["value"], "Beeson");

    // a: completed; the mail is forwarded to b; b's name and surname are peer attributes.
    sync_until(&a, &format!("/Requests/Outgoing/{id}"), |v| {
        v["status"] == "Completed"
    })
    .await;
    let forwarded = a
        .get(&format!("/Attributes/{mail_id}/ForwardingDetails"))
        .await;
    assert_eq!(forwarded[0]["peer"], b_address.as_str());
    assert_eq!(forwarded[0]["sourceReference"], id.as_str());
    let shared = a.get(&format!("/Attributes/Own/Shared/{b_address}")).await;
    assert_eq!(shared.as_array().unwrap().len(), 1);
    assert_eq!(shared[0]["id"], mail_id.as_str());
    let peer = a
        .get(&format!(
            "/Attributes/Peer/{b_address}?content.value.@type=GivenName"
        ))
        .await;
    assert_eq!(peer[0]["id"], successor_id);
    assert_eq!(peer[0]["content"]["tags"], json!(["x:t1", "x:t2"]));

    // Sharing the same attribute again is refused.
    let again = a
        .post(
            "/Requests/Outgoing/Validate",
            json!({"content": {"items": [content["items"][1]]}, "peer": b_address}),
        )
        .await;
    assert_eq!(
        again["items"][0]["code"],
        "error.consumption.requests.invalidRequestItem"
    );

    // b succeeds its name once more and answers a second read with it: a receives the succession
    // (AttributeSuccessionAcceptResponseItem) and stores the successor in one write, with the
    // request as its source.
    let newer = b
        .post(
            &format!("/Attributes/{successor_id}/Succeed"),
            json!({"successorContent": {"value": {"@type": "GivenName", "value": "Beatrice"}}}),
        )
        .await;
    let newer_id = newer["successor"]["id"].as_str().unwrap().to_owned();
    let read_again = json!({"items": [{"@type": "ReadAttributeRequestItem", "mustBeAccepted": true,
        "query": {"@type": "IdentityAttributeQuery", "valueType": "GivenName"}}]});
    let (second, _) = create_and_send(&a, &b_address, read_again).await;
    sync_until(&b, &format!("/Requests/Incoming?id={second}"), |v| {
        v.as_array().is_some_and(|a| !a.is_empty())
    })
    .await;
    let answered = b
        .put(
            &format!("/Requests/Incoming/{second}/Accept"),
            json!({"items": [{"accept": true, "existingAttributeId": newer_id}]}),
        )
        .await;
    let item = &answered["response"]["content"]["items"][0];
    assert_eq!(
        item["@type"], "AttributeSuccessionAcceptResponseItem",
        "{item}"
    );
    assert_eq!(item["predecessorId"], successor_id);
    assert_eq!(item["successorId"], newer_id.as_str());
    sync_until(&a, &format!("/Requests/Outgoing/{second}"), |v| {
        v["status"] == "Completed"
    })
    .await;
    let received = a.get(&format!("/Attributes/{newer_id}")).await;
    assert_eq!(received["@type"], "PeerIdentityAttribute");
    assert_eq!(received["succeeds"], successor_id);
    assert_eq!(received["sourceReference"], second.as_str());
    assert_eq!(received["content"]["value"]["value"], "Beatrice");

    // Lazy expiry: a Draft whose expiresAt passes becomes Expired when read, and is not sent.
    let soon = nmshd_wire::CoreDate::from_offset_date_time(
        // Far enough ahead that creating it on a loaded machine does not already find it expired.
        time::OffsetDateTime::now_utc() + time::Duration::seconds(5),
    )
    .to_iso_string();
    let consent = json!({"expiresAt": soon, "items": [{"@type": "ConsentRequestItem", "mustBeAccepted": false, "consent": "ok?"}]});
    let created = a
        .post(
            "/Requests/Outgoing",
            json!({"content": consent, "peer": b_address}),
        )
        .await;
    let path = format!("/Requests/Outgoing/{}", created["id"].as_str().unwrap());
    // Time under test: the request expires 5 s after its creation.
    test_support::eventually("the request expired", Duration::from_secs(30), async || {
        let read = a.get(&path).await;
        if read["status"] == "Expired" {
            return Ok(());
        }
        assert_eq!(read["status"], "Draft", "{read}");
        Err(read)
    })
    .await;
    a.fails(
        "POST",
        "/Messages",
        Some(json!({"recipients": [b_address], "content": created["content"]})),
        400,
        "error.runtime.messages.cannotSendMessageWithExpiredRequest",
    )
    .await;
}

#[tokio::test]
async fn template_request_answered_by_creating_the_relationship() {
    let (_backbone, a, b, a_address, b_address) = pair().await;

    let request = json!({"items": [
        {"@type": "ReadAttributeRequestItem", "mustBeAccepted": true,
         "query": {"@type": "IdentityAttributeQuery", "valueType": "GivenName"}},
        {"@type": "CreateAttributeRequestItem", "mustBeAccepted": true,
         "attribute": {"@type": "RelationshipAttribute", "owner": a_address, "key": "contractNo",
           "confidentiality": "public",
           "value": {"@type": "ProprietaryString", "title": "Contract", "value": "C-1"}}}
    ]});
    let validation = a
        .post("/Requests/Outgoing/Validate", json!({"content": request}))
        .await;
    assert_eq!(validation["isSuccess"], true, "{validation}");
    let content = json!({"@type": "RelationshipTemplateContent", "title": "Join", "onNewRelationship": request});
    let template = offer_template_with(&a, content).await;
    let template_id = template["id"].as_str().unwrap().to_owned();
    let reference = template["reference"]["truncated"].as_str().unwrap();
    load_template(&b, &json!(reference)).await;
    let incoming = sync_until(&b, "/Requests/Incoming", |v| {
        v.as_array()
            .is_some_and(|a| !a.is_empty() && a[0]["status"] == "ManualDecisionRequired")
    })
    .await;
    let incoming = &incoming[0];
    let id = incoming["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("REQ"));
    // As 7.0.0: a template's request keeps its content without an id; the id is the record's.
    assert!(incoming["content"].get("id").is_none(), "{incoming}");
    assert_eq!(incoming["peer"], a_address.as_str());
    assert_eq!(incoming["status"], "ManualDecisionRequired");
    assert_eq!(
        incoming["source"],
        json!({"type": "RelationshipTemplate", "reference": template_id})
    );
    assert_eq!(
        incoming["content"]["expiresAt"], template["expiresAt"],
        "lowered to the template's expiry"
    );

    let decision = json!({"items": [
        {"accept": true, "newAttribute": {"@type": "IdentityAttribute", "owner": "", "value": {"@type": "GivenName", "value": "Tom"}}},
        {"accept": true}
    ]});
    let decided = b
        .put(&format!("/Requests/Incoming/{id}/Accept"), decision)
        .await;
    assert_eq!(decided["status"], "Decided");
    let completed = b.get(&format!("/Requests/Incoming/{id}")).await;
    assert_eq!(completed["status"], "Completed");
    assert_eq!(completed["response"]["source"]["type"], "Relationship");
    let relationship_id = completed["response"]["source"]["reference"]
        .as_str()
        .unwrap()
        .to_owned();
    let relationship = b.get(&format!("/Relationships/{relationship_id}")).await;
    assert_eq!(relationship["status"], "Pending");
    assert_eq!(
        relationship["creationContent"]["@type"],
        "RelationshipCreationContent"
    );
    assert_eq!(
        relationship["creationContent"]["response"],
        completed["response"]["content"]
    );

    // The templator: the outgoing request appears completed with the peer's attributes.
    let outgoing = sync_until(&a, &format!("/Requests/Outgoing?id={id}"), |v| {
        v.as_array().is_some_and(|a| !a.is_empty())
    })
    .await;
    let outgoing = &outgoing[0];
    assert_eq!(outgoing["status"], "Completed");
    assert!(outgoing["content"].get("id").is_none(), "{outgoing}");
    assert_eq!(outgoing["peer"], b_address.as_str());
    assert_eq!(
        outgoing["source"],
        json!({"type": "RelationshipTemplate", "reference": template_id})
    );
    assert_eq!(
        outgoing["response"]["source"],
        json!({"type": "Relationship", "reference": relationship_id})
    );
    let peer = a.get(&format!("/Attributes/Peer/{b_address}")).await;
    assert_eq!(peer.as_array().unwrap().len(), 1, "{peer}");
    assert_eq!(peer[0]["content"]["value"]["value"], "Tom");
    let own = a.get(&format!("/Attributes/Own/Shared/{b_address}")).await;
    assert_eq!(own[0]["@type"], "OwnRelationshipAttribute", "{own}");
    assert_eq!(own[0]["content"]["key"], "contractNo");
    a.put(
        &format!("/Relationships/{relationship_id}/Accept"),
        json!({}),
    )
    .await;
}

#[tokio::test]
async fn concurrent_accepts_decide_and_answer_once() {
    let (_backbone, a, b, _, b_address) = related_pair().await;
    let content = json!({"items": [{"@type": "ReadAttributeRequestItem", "mustBeAccepted": true,
        "query": {"@type": "IdentityAttributeQuery", "valueType": "GivenName"}}]});
    let (id, _) = create_and_send(&a, &b_address, content).await;
    sync_until(&b, &format!("/Requests/Incoming?id={id}"), |v| {
        v.as_array().is_some_and(|a| !a.is_empty())
    })
    .await;
    let decision = json!({"items": [{"accept": true, "newAttribute": {"@type": "IdentityAttribute", "owner": "",
        "value": {"@type": "GivenName", "value": "Once"}}}]});
    let path = format!("/Requests/Incoming/{id}/Accept");
    let (first, second) = tokio::join!(
        b.call("PUT", &path, Some(decision.clone())),
        b.call("PUT", &path, Some(decision.clone()))
    );
    let mut statuses = [first.status().as_u16(), second.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 400]);
    let names = b.get("/Attributes/Own/Identity").await;
    assert_eq!(names.as_array().unwrap().len(), 1, "{names}");
    let answers = b.get("/Messages?content.@type=ResponseWrapper").await;
    assert_eq!(answers.as_array().unwrap().len(), 1);
    sync_until(&a, &format!("/Requests/Outgoing/{id}"), |v| {
        v["status"] == "Completed"
    })
    .await;
}
