//! `numberOfForwards` and forwarding details across a deletion by the peer and a second share
//! (facts from @nmshd/runtime 7.0.0 AttributesController: a forwarding the recipient deleted
//! stays as it is, sharing again writes a new one, and the count covers every record).

use serde_json::json;

use crate::contract_attributes::{create_own, peers, request_accepted};
use crate::rest_peer::sync_until;

#[tokio::test]
async fn sharing_again_after_the_peer_deleted_its_copy_adds_a_forwarding() {
    let p = peers().await;
    let own = create_own(
        &p.a,
        json!({"value": {"@type": "GivenName", "value": "Ann"}}),
    )
    .await;
    assert_eq!(own["numberOfForwards"], 0);
    let id = own["id"].as_str().unwrap();
    let share = json!([{"@type": "ShareAttributeRequestItem", "mustBeAccepted": true,
        "attributeId": id, "attribute": own["content"]}]);
    request_accepted(&p.a, &p.b, share.clone()).await;
    let shared = p.a.get(&format!("/Attributes/{id}")).await;
    assert_eq!(shared["numberOfForwards"], 1);

    p.b.ok("DELETE", &format!("/Attributes/{id}"), None, 200)
        .await;
    let details = sync_until(&p.a, &format!("/Attributes/{id}/ForwardingDetails"), |r| {
        r[0]["deletionInfo"]["deletionStatus"] == "DeletedByRecipient"
    })
    .await;
    assert_eq!(details.as_array().unwrap().len(), 1);
    let deleted_by_b = p.a.get(&format!("/Attributes/{id}")).await;
    assert_eq!(
        deleted_by_b["numberOfForwards"], 1,
        "a deleted forwarding still counts"
    );

    request_accepted(&p.a, &p.b, share).await;
    let details =
        p.a.get(&format!("/Attributes/{id}/ForwardingDetails"))
            .await;
    let details = details.as_array().unwrap();
    assert_eq!(details.len(), 2, "{details:?}");
    assert_eq!(
        details[0]["deletionInfo"]["deletionStatus"],
        "DeletedByRecipient"
    );
    assert!(details[1].get("deletionInfo").is_none(), "{details:?}");
    let listed = p.a.get("/Attributes/Own/Identity").await;
    assert_eq!(listed[0]["numberOfForwards"], 2);
    let at_b = p.b.get(&format!("/Attributes/{id}")).await;
    assert_eq!(at_b["@type"], "PeerIdentityAttribute");
    assert!(at_b.get("numberOfForwards").is_none(), "{at_b}");
}
