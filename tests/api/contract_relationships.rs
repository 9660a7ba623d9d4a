//! Contract tests ported from nmshd/connector `test/relationships.test.ts` (test names as there);
//! terminate/reactivate/decompose are covered in `relationships.rs`.

use serde_json::{Value, json};

use crate::rest_peer::{Connector, in_a_day, pair, relate};

fn creation() -> Value {
    json!({"@type": "ArbitraryRelationshipCreationContent", "value": {}})
}

/// a's template token, loaded by b: b's template id.
async fn template_loaded_by(a: &Connector, b: &Connector) -> String {
    let template = a
        .ok(
            "POST",
            "/RelationshipTemplates/Own",
            Some(
                json!({"content": {"@type": "ArbitraryRelationshipTemplateContent", "value": {}},
                        "expiresAt": in_a_day(), "maxNumberOfAllocations": 1}),
            ),
            201,
        )
        .await;
    let id = template["id"].as_str().unwrap();
    let token = a
        .ok(
            "POST",
            &format!("/RelationshipTemplates/Own/{id}/Token"),
            Some(json!({})),
            201,
        )
        .await;
    let loaded = b
        .ok(
            "POST",
            "/RelationshipTemplates/Peer",
            Some(json!({"reference": token["reference"]["truncated"]})),
            201,
        )
        .await;
    loaded["id"].as_str().unwrap().to_owned()
}

async fn status(c: &Connector, id: &str) -> Value {
    c.ok("GET", &format!("/Relationships/{id}"), None, 200)
        .await["status"]
        .clone()
}

async fn two() -> (devbackbone::RunningBackbone, Connector, Connector) {
    let (backbone, a, b, _, _) = pair().await;
    (backbone, a, b)
}

// relationships.test.ts: "should create a relationship"
#[tokio::test]
async fn should_create_a_relationship() {
    let (_backbone, a, b) = two().await;
    let template_id = template_loaded_by(&a, &b).await;
    let can = b
        .ok(
            "PUT",
            "/Relationships/CanCreate",
            Some(json!({"templateId": template_id})),
            200,
        )
        .await;
    assert_eq!(can["isSuccess"], true);
    let can = b
        .ok(
            "PUT",
            "/Relationships/CanCreate",
            Some(json!({"templateId": template_id, "creationContent": creation()})),
            200,
        )
        .await;
    assert_eq!(can["isSuccess"], true);
    let created = b
        .ok(
            "POST",
            "/Relationships",
            Some(json!({"templateId": template_id, "creationContent": creation()})),
            201,
        )
        .await;
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["status"], "Pending");
    a.ok("POST", "/Account/Sync", None, 204).await;
    a.ok(
        "PUT",
        &format!("/Relationships/{id}/Accept"),
        Some(json!({})),
        200,
    )
    .await;
    assert_eq!(
        a.ok("GET", "/Relationships", None, 200)
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    b.ok("POST", "/Account/Sync", None, 204).await;
    assert_eq!(status(&a, id).await, "Active");
    assert_eq!(status(&b, id).await, "Active");
}

// relationships.test.ts: "query relationships" (peer, status, templateId: matching and not)
#[tokio::test]
async fn query_relationships() {
    let (_backbone, a, b) = two().await;
    relate(&a, &b).await;
    let relationship = a.ok("GET", "/Relationships", None, 200).await[0].clone();
    let id = relationship["id"].as_str().unwrap();
    let ids = |v: Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect()
    };
    for key in ["peer", "status", "templateId"] {
        let value = relationship[key].as_str().unwrap();
        let found = ids(a
            .ok("GET", &format!("/Relationships?{key}={value}"), None, 200)
            .await);
        assert_eq!(found, vec![id.to_owned()], "{key}={value}");
        let found = ids(a
            .ok("GET", &format!("/Relationships?{key}=!{value}"), None, 200)
            .await);
        assert!(found.is_empty(), "{key}=!{value}");
    }
}

// relationships.test.ts: "reject relationship", "revoke relationship"
#[tokio::test]
async fn reject_and_revoke_relationship() {
    let (_backbone, a, b) = two().await;
    for (action, by_templator) in [("Reject", true), ("Revoke", false)] {
        let template_id = template_loaded_by(&a, &b).await;
        let created = b
            .ok(
                "POST",
                "/Relationships",
                Some(json!({"templateId": template_id, "creationContent": creation()})),
                201,
            )
            .await;
        let id = created["id"].as_str().unwrap();
        a.ok("POST", "/Account/Sync", None, 204).await;
        let (actor, other) = if by_templator { (&a, &b) } else { (&b, &a) };
        actor
            .ok(
                "PUT",
                &format!("/Relationships/{id}/{action}"),
                Some(json!({})),
                200,
            )
            .await;
        other.ok("POST", "/Account/Sync", None, 204).await;
        let expected = if by_templator { "Rejected" } else { "Revoked" };
        assert_eq!(status(&a, id).await, expected);
        assert_eq!(status(&b, id).await, expected);
    }
}
