//! Templates, tokens and relationships over REST: two Connectors on one dev Backbone.

use serde_json::{Value, json};

use crate::rest_peer::{
    Connector, in_a_day, load_template, offer_template_with, pair, relate, start_backbone,
};

#[tokio::test]
async fn template_token_peer_load_relationship_accept_over_rest() {
    let (_backbone, a, b, a_address, b_address) = pair().await;

    let content = json!({"@type": "ArbitraryRelationshipTemplateContent", "value": {"x": 1}});
    let template = offer_template_with(&a, content.clone()).await;
    let template_id = template["id"].as_str().unwrap().to_owned();
    assert_eq!(template["isOwn"], true);
    assert_eq!(template["createdBy"], a_address.as_str());
    assert_eq!(template["content"], content);
    assert!(
        template["reference"]["truncated"]
            .as_str()
            .unwrap()
            .starts_with("UkxU")
    );
    assert!(
        template["reference"]["url"]
            .as_str()
            .unwrap()
            .contains(&format!("/r/{template_id}#"))
    );
    let listed = a.get("/RelationshipTemplates/Own").await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let got = a
        .get(&format!("/RelationshipTemplates/{template_id}"))
        .await;
    assert_eq!(got, template);

    let token = a
        .post(
            &format!("/RelationshipTemplates/Own/{template_id}/Token"),
            json!({}),
        )
        .await;
    assert_eq!(token["isEphemeral"], true);
    assert_eq!(
        token["content"]["@type"],
        "TokenContentRelationshipTemplate"
    );
    let token_reference = token["reference"]["truncated"].as_str().unwrap();
    assert!(token_reference.starts_with("VE9L"));

    let peer_template = load_template(&b, &json!(token_reference)).await;
    assert_eq!(peer_template["id"], template_id.as_str());
    assert_eq!(peer_template["isOwn"], false);
    assert_eq!(peer_template["content"], content);
    let peer_list = b.get("/RelationshipTemplates/Peer").await;
    assert_eq!(peer_list.as_array().unwrap().len(), 1);

    let can = b
        .put(
            "/Relationships/CanCreate",
            json!({"templateId": template_id}),
        )
        .await;
    assert_eq!(can, json!({"isSuccess": true}));
    let creation = json!({"@type": "ArbitraryRelationshipCreationContent", "value": {"y": 2}});
    let relationship = b
        .post(
            "/Relationships",
            json!({"templateId": template_id, "creationContent": creation}),
        )
        .await;
    let relationship_id = relationship["id"].as_str().unwrap().to_owned();
    assert_eq!(relationship["status"], "Pending");
    assert_eq!(relationship["peer"], a_address.as_str());
    assert_eq!(relationship["templateId"], template_id.as_str());
    assert_eq!(relationship["auditLog"][0]["reason"], "Creation");

    a.sync().await;
    let incoming = a.get(&format!("/Relationships?peer={b_address}")).await;
    assert_eq!(incoming[0]["id"], relationship_id.as_str());
    assert_eq!(incoming[0]["status"], "Pending");
    assert_eq!(incoming[0]["creationContent"], creation);
    assert!(incoming[0]["peerIdentity"]["publicKey"].is_string());

    let accepted = a
        .ok(
            "PUT",
            &format!("/Relationships/{relationship_id}/Accept"),
            None,
            200,
        )
        .await;
    assert_eq!(accepted["status"], "Active");
    b.sync().await;
    let active = b.get(&format!("/Relationships/{relationship_id}")).await;
    assert_eq!(active["status"], "Active");
    let by_status = b.get("/Relationships?status=Active").await;
    assert_eq!(by_status.as_array().unwrap().len(), 1);

    // Terminate, reactivate, terminate again and decompose on both sides.
    let path = |suffix: &str| format!("/Relationships/{relationship_id}{suffix}");
    let terminated = a.ok("PUT", &path("/Terminate"), None, 200).await;
    assert_eq!(terminated["status"], "Terminated");
    b.sync().await;
    b.fails(
        "PUT",
        &path("/Reactivate/Accept"),
        None,
        400,
        "error.transport.relationships.reactivationNotRequested",
    )
    .await;
    b.ok("PUT", &path("/Reactivate"), None, 200).await;
    a.sync().await;
    let reactivated = a.ok("PUT", &path("/Reactivate/Accept"), None, 200).await;
    assert_eq!(reactivated["status"], "Active");
    b.sync().await;
    assert_eq!(b.get(&path("")).await["status"], "Active");
    b.ok("PUT", &path("/Terminate"), None, 200).await;
    a.sync().await;
    a.delete(&path("")).await;
    a.get_not_found(&path("")).await;
    b.sync().await;
    assert_eq!(b.get(&path("")).await["status"], "DeletionProposed");
    b.delete(&path("")).await;

    // Own tokens with content, and loading them as a peer.
    let own_token = a
        .post(
            "/Tokens/Own",
            json!({
                "content": {"value": {"z": 3}},
                "expiresAt": in_a_day(),
            }),
        )
        .await;
    assert_eq!(own_token["isEphemeral"], false);
    let token_id = own_token["id"].as_str().unwrap();
    assert_eq!(a.get(&format!("/Tokens/{token_id}")).await["id"], token_id);
    assert_eq!(a.get("/Tokens/Own").await.as_array().unwrap().len(), 1);
    let loaded = b
        .post(
            "/Tokens/Peer",
            json!({"reference": own_token["reference"]["truncated"]}),
        )
        .await;
    assert_eq!(loaded["content"], own_token["content"]);
    assert_eq!(loaded["isOwn"], false);
    assert_eq!(b.get("/Tokens/Peer").await.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn validation_and_not_found_errors() {
    let backbone = start_backbone().await;
    let a = Connector::start(&backbone.base_url()).await;
    let invalid = "error.runtime.validation.invalidPropertyValue";
    a.fails(
        "POST",
        "/RelationshipTemplates/Own",
        Some(json!({"expiresAt": in_a_day()})),
        400,
        invalid,
    )
    .await;
    // A known class of another kind is deserialised as that class, as in the runtime, and fails
    // on its first missing property.
    let wrong_kind = a
        .fails(
            "POST",
            "/RelationshipTemplates/Own",
            Some(json!({"content": {"@type": "Mail"}, "expiresAt": in_a_day()})),
            400,
            "error.runtime.requestDeserialization",
        )
        .await;
    assert_eq!(wrong_kind["message"], "Mail.to :: Value is not defined");
    a.fails(
        "POST",
        "/Tokens/Own",
        Some(json!({"content": {"@type": "X"}, "expiresAt": "2001-01-01T00:00:00.000Z"})),
        400,
        invalid,
    )
    .await;
    a.fails(
        "POST",
        "/Relationships",
        Some(json!({"creationContent": {}})),
        400,
        invalid,
    )
    .await;
    let request_content = |expires: &str| {
        json!({
            "content": {
                "@type": "RelationshipTemplateContent",
                "onNewRelationship": {"@type": "Request", "items": [], "expiresAt": expires},
            },
            "expiresAt": in_a_day(),
        })
    };
    a.fails(
        "POST",
        "/RelationshipTemplates/Own",
        Some(request_content("2099-01-01T00:00:00.000Z")),
        400,
        "error.runtime.relationshipTemplates.requestCannotExpireAfterRelationshipTemplate",
    )
    .await;
    let mut without_expiry = request_content("x");
    without_expiry["content"]["onNewRelationship"]
        .as_object_mut()
        .unwrap()
        .remove("expiresAt");
    let template = a.post("/RelationshipTemplates/Own", without_expiry).await;
    assert_eq!(
        template["content"]["onNewRelationship"]["expiresAt"],
        template["expiresAt"]
    );
    a.fails(
        "POST",
        "/Tokens/Own",
        Some(json!({
            "content": {"@type": "X"},
            "expiresAt": in_a_day(),
            "passwordProtection": {"password": "1234", "passwordLocationIndicator": "RecoveryKit"},
        })),
        400,
        invalid,
    )
    .await;
    a.get_not_found("/RelationshipTemplates/RLTaaaaaaaaaaaaaaaaa")
        .await;
    a.get_not_found("/Tokens/TOKaaaaaaaaaaaaaaaaa").await;
    a.get_not_found("/Relationships/RELaaaaaaaaaaaaaaaaa").await;
    a.fails(
        "POST",
        "/RelationshipTemplates/Peer",
        Some(json!({"reference": "nonsense"})),
        400,
        invalid,
    )
    .await;
    let can = a
        .put(
            "/Relationships/CanCreate",
            json!({"templateId": "RLTaaaaaaaaaaaaaaaaa"}),
        )
        .await;
    assert_eq!(can["isSuccess"], false);
    assert_eq!(can["code"], "error.runtime.recordNotFound");
}

#[tokio::test]
async fn password_protection_and_deletion_over_rest() {
    let (_backbone, a, b, _, _) = pair().await;
    let template = a
        .post("/RelationshipTemplates/Own", json!({
                "content": {"@type": "ArbitraryRelationshipTemplateContent", "value": 1},
                "expiresAt": in_a_day(),
                "passwordProtection": {"password": "4711", "passwordIsPin": true, "passwordLocationIndicator": "Letter"},
            }))
        .await;
    assert_eq!(
        template["passwordProtection"],
        json!({"password": "4711", "passwordIsPin": true, "passwordLocationIndicator": "Letter"})
    );
    let id = template["id"].as_str().unwrap();
    let reference = template["reference"]["url"].as_str().unwrap();
    b.fails(
        "POST",
        "/RelationshipTemplates/Peer",
        Some(json!({"reference": reference, "password": "0000"})),
        404,
        "error.runtime.recordNotFound",
    )
    .await;
    let loaded = b
        .post(
            "/RelationshipTemplates/Peer",
            json!({"reference": reference, "password": "4711"}),
        )
        .await;
    assert_eq!(loaded["passwordProtection"]["password"], "4711");
    for (query, expected) in [
        ("passwordProtection.passwordIsPin=true", 1),
        ("passwordProtection.passwordIsPin=!", 0),
        ("passwordProtection.passwordLocationIndicator=Letter", 1),
        ("passwordProtection.passwordLocationIndicator=2", 1),
        ("passwordProtection.passwordLocationIndicator=Email", 0),
        ("passwordProtection=", 1),
        ("passwordProtection=!", 0),
    ] {
        let found = a.get(&format!("/RelationshipTemplates?{query}")).await;
        assert_eq!(found.as_array().unwrap().len(), expected, "{query}");
    }

    // Token of the protected template inherits the protection; deleting own and peer records.
    a.fails(
        "POST",
        &format!("/RelationshipTemplates/Own/{id}/Token"),
        Some(json!({"ephemeral": false})),
        400,
        "error.runtime.relationshipTemplates.passwordProtectionMustBeInherited",
    )
    .await;
    let token = a
        .post(&format!("/RelationshipTemplates/Own/{id}/Token"), json!({
                "ephemeral": false,
                "passwordProtection": {"password": "4711", "passwordIsPin": true, "passwordLocationIndicator": "Letter"},
            }))
        .await;
    assert_eq!(token["passwordProtection"]["passwordIsPin"], true);
    let token_id = token["id"].as_str().unwrap();
    a.delete(&format!("/Tokens/{token_id}")).await;
    a.get_not_found(&format!("/Tokens/{token_id}")).await;
    b.delete(&format!("/RelationshipTemplates/{id}")).await;
    a.delete(&format!("/RelationshipTemplates/{id}")).await;
    a.get_not_found(&format!("/RelationshipTemplates/{id}"))
        .await;
}

/// Decomposing removes what belonged to the relationship locally, as the transport's cleanup does:
/// messages received from or sent only to the peer, the peer's templates and tokens, and a
/// template the relationship came from unless it is an own one that allows more allocations; in a
/// message to several recipients the peer becomes the "deleted identity" pseudonym.
#[tokio::test]
async fn decompose_removes_the_peer_s_messages_templates_and_tokens() {
    let (backbone, a, b, _, _) = pair().await;
    let c = Connector::start(&backbone.base_url()).await;
    let (b_address, c_address) = (b.address().await, c.address().await);
    relate(&a, &b).await;
    relate(&a, &c).await;
    let a_address = a.address().await;

    let content = json!({"@type": "ArbitraryRelationshipTemplateContent", "value": {"t": 2}});
    let b_template = offer_template_with(&b, content).await;
    load_template(&a, &b_template["reference"]["truncated"]).await;
    let b_token = b
        .post(
            "/Tokens/Own",
            json!({"content": {"value": {"k": "v"}}, "expiresAt": in_a_day()}),
        )
        .await;
    a.post(
        "/Tokens/Peer",
        json!({"reference": b_token["reference"]["truncated"]}),
    )
    .await;

    let to_b = send(&a, &[&b_address]).await;
    let to_b_and_c = send(&a, &[&b_address, &c_address]).await;
    let from_b = send(&b, &[&a_address]).await;
    a.sync().await;
    let ids = |listed: &Value| -> Vec<Value> {
        listed
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].clone())
            .collect()
    };
    let before = a.get("/Messages").await;
    assert!(ids(&before).contains(&from_b), "{before}");

    let relationship = a.get(&format!("/Relationships?peer={b_address}")).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    a.ok(
        "PUT",
        &format!("/Relationships/{relationship}/Terminate"),
        None,
        200,
    )
    .await;
    a.delete(&format!("/Relationships/{relationship}")).await;

    let after = a.get("/Messages").await;
    let left = ids(&after);
    assert!(!left.contains(&to_b) && !left.contains(&from_b), "{after}");
    assert!(left.contains(&to_b_and_c), "{after}");
    let shared = a
        .get(&format!("/Messages/{}", to_b_and_c.as_str().unwrap()))
        .await;
    let recipients = shared["recipients"].as_array().unwrap();
    let pseudonym = &recipients[0];
    assert_ne!(pseudonym["address"], b_address.as_str(), "{shared}");
    assert!(
        pseudonym["address"]
            .as_str()
            .unwrap()
            .starts_with("did:e:localhost:dids:")
    );
    assert!(
        pseudonym.get("relationshipId").is_none_or(Value::is_null),
        "{shared}"
    );
    assert_eq!(recipients[1]["address"], c_address.as_str());

    let templates = a.get("/RelationshipTemplates").await;
    assert!(
        templates
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["createdBy"] != b_address.as_str()),
        "{templates}"
    );
    let own = a.get("/RelationshipTemplates/Own").await;
    assert_eq!(
        own.as_array().unwrap().len(),
        2,
        "own templates allowing more allocations stay"
    );
    let tokens = a.get("/Tokens/Peer").await;
    assert_eq!(tokens, json!([]));

    // The peer decomposes too: the template it used and everything with a is gone there.
    b.sync().await;
    b.delete(&format!("/Relationships/{relationship}")).await;
    assert_eq!(b.get("/Messages").await, json!([]));
    assert_eq!(b.get("/RelationshipTemplates/Peer").await, json!([]));
}

/// Sends an arbitrary message; its id.
async fn send(from: &Connector, to: &[&str]) -> Value {
    let body =
        json!({"recipients": to, "content": {"@type": "ArbitraryMessageContent", "value": {}}});
    from.post("/Messages", body).await["id"].clone()
}
