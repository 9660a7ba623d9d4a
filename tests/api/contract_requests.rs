//! Contract tests ported from nmshd/connector `test/outgoingRequests.test.ts` (the Connector has
//! no separate incoming-requests test file; incoming requests are exercised by the attribute
//! flows in contract_attributes.rs).

use serde_json::{Value, json};

use crate::contract_attributes::peers;
use crate::query_conditions::QueryConditions;
use crate::rest_peer::in_a_day;

fn read_surname() -> Value {
    json!({"items": [{"@type": "ReadAttributeRequestItem", "mustBeAccepted": false,
        "query": {"@type": "IdentityAttributeQuery", "valueType": "Surname"}}],
        "expiresAt": in_a_day()})
}

// "Outgoing Requests": "sender: create an outgoing Request in status Draft"
#[tokio::test]
async fn sender_create_an_outgoing_request_in_status_draft() {
    let p = peers().await;
    let created =
        p.b.post(
            "/Requests/Outgoing",
            json!({"content": read_surname(), "peer": p.a_address}),
        )
        .await;
    let id = created["id"].as_str().unwrap();
    let request = p.b.get(&format!("/Requests/Outgoing/{id}")).await;
    assert_eq!(request["status"], "Draft");
    let items = request["content"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["@type"], "ReadAttributeRequestItem");
    assert_eq!(items[0]["mustBeAccepted"], false);
}

// "Outgoing Requests": "should query outgoing requests"
#[tokio::test]
async fn should_query_outgoing_requests() {
    let p = peers().await;
    let created =
        p.a.post(
            "/Requests/Outgoing",
            json!({"content": read_surname(), "peer": p.b_address}),
        )
        .await;
    QueryConditions::new(&created)
        .string("id")
        .string("peer")
        .date("createdAt")
        .string("status")
        .date("content.expiresAt")
        .string("content.items.@type")
        .string("source.type")
        .string("source.reference")
        .date("response.createdAt")
        .string("response.source.type")
        .string("response.source.reference")
        .boolean("response.content.result")
        .string("response.content.items.@type")
        .string("response.content.items.items.@type")
        .execute(&p.a, "/Requests/Outgoing")
        .await;
}
