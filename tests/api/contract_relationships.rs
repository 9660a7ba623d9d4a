//! Contract tests ported from nmshd/connector `test/relationships.test.ts` (test names as there);
//! terminate/reactivate/decompose are covered in `relationships.rs`.

use serde_json::{Value, json};

use crate::rest_peer::{Connector, in_a_day, load_template, pair, relate};

fn creation() -> Value {
    json!({"@type": "ArbitraryRelationshipCreationContent", "value": {}})
}

/// a's template token, loaded by b: b's template id.
async fn template_loaded_by(a: &Connector, b: &Connector) -> String {
    let template = a
        .post(
            "/RelationshipTemplates/Own",
            json!({"content": {"@type": "ArbitraryRelationshipTemplateContent", "value": {}},
                        "expiresAt": in_a_day(), "maxNumberOfAllocations": 1}),
        )
        .await;
    let id = template["id"].as_str().unwrap();
    let token = a
        .post(&format!("/RelationshipTemplates/Own/{id}/Token"), json!({}))
        .await;
    let loaded = load_template(b, &token["reference"]["truncated"]).await;
    loaded["id"].as_str().unwrap().to_owned()
}

async fn status(c: &Connector, id: &str) -> Value {
    c.get(&format!("/Relationships/{id}")).await["status"].clone()
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
        .put(
            "/Relationships/CanCreate",
            json!({"templateId": template_id}),
        )
        .await;
    assert_eq!(can["isSuccess"], true);
    let can = b
        .put(
            "/Relationships/CanCreate",
            json!({"templateId": template_id, "creationContent": creation()}),
        )
        .await;
    assert_eq!(can["isSuccess"], true);
    let created = b
        .post(
            "/Relationships",
            json!({"templateId": template_id, "creationContent": creation()}),
        )
        .await;
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["status"], "Pending");
    a.sync().await;
    a.put(&format!("/Relationships/{id}/Accept"), json!({}))
        .await;
    assert_eq!(a.get("/Relationships").await.as_array().unwrap().len(), 1);
    b.sync().await;
    assert_eq!(status(&a, id).await, "Active");
    assert_eq!(status(&b, id).await, "Active");
}

// relationships.test.ts: "query relationships" (peer, status, templateId: matching and not)
#[tokio::test]
async fn query_relationships() {
    let (_backbone, a, b) = two().await;
    relate(&a, &b).await;
    let relationship = a.get("/Relationships").await[0].clone();
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
        let found = ids(a.get(&format!("/Relationships?{key}={value}")).await);
        assert_eq!(found, vec![id.to_owned()], "{key}={value}");
        let found = ids(a.get(&format!("/Relationships?{key}=!{value}")).await);
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
            .post(
                "/Relationships",
                json!({"templateId": template_id, "creationContent": creation()}),
            )
            .await;
        let id = created["id"].as_str().unwrap();
        a.sync().await;
        let (actor, other) = if by_templator { (&a, &b) } else { (&b, &a) };
        actor
            .put(&format!("/Relationships/{id}/{action}"), json!({}))
            .await;
        other.sync().await;
        let expected = if by_templator { "Rejected" } else { "Revoked" };
        assert_eq!(status(&a, id).await, expected);
        assert_eq!(status(&b, id).await, expected);
    }
}
