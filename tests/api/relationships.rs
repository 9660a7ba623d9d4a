//! Templates, tokens and relationships over REST: two Connectors on one dev Backbone.

use serde_json::{Value, json};

use crate::helpers::assert_error;
use crate::rest_peer::{Connector, in_a_day, pair, relate};

#[tokio::test]
async fn template_token_peer_load_relationship_accept_over_rest() {
    let (_backbone, a, b, a_address, b_address) = pair().await;

    let content = json!({"@type": "ArbitraryRelationshipTemplateContent", "value": {"x": 1}});
    let template = a
        .ok(
            "POST",
            "/RelationshipTemplates/Own",
            Some(json!({"content": content, "expiresAt": in_a_day()})),
            201,
        )
        .await;
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
    let listed = a.ok("GET", "/RelationshipTemplates/Own", None, 200).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let got = a
        .ok(
            "GET",
            &format!("/RelationshipTemplates/{template_id}"),
            None,
            200,
        )
        .await;
    assert_eq!(got, template);

    let token = a
        .ok(
            "POST",
            &format!("/RelationshipTemplates/Own/{template_id}/Token"),
            Some(json!({})),
            201,
        )
        .await;
    assert_eq!(token["isEphemeral"], true);
    assert_eq!(
        token["content"]["@type"],
        "TokenContentRelationshipTemplate"
    );
    let token_reference = token["reference"]["truncated"].as_str().unwrap();
    assert!(token_reference.starts_with("VE9L"));

    let peer_template = b
        .ok(
            "POST",
            "/RelationshipTemplates/Peer",
            Some(json!({"reference": token_reference})),
            201,
        )
        .await;
    assert_eq!(peer_template["id"], template_id.as_str());
    assert_eq!(peer_template["isOwn"], false);
    assert_eq!(peer_template["content"], content);
    let peer_list = b.ok("GET", "/RelationshipTemplates/Peer", None, 200).await;
    assert_eq!(peer_list.as_array().unwrap().len(), 1);

    let can = b
        .ok(
            "PUT",
            "/Relationships/CanCreate",
            Some(json!({"templateId": template_id})),
            200,
        )
        .await;
    assert_eq!(can, json!({"isSuccess": true}));
    let creation = json!({"@type": "ArbitraryRelationshipCreationContent", "value": {"y": 2}});
    let relationship = b
        .ok(
            "POST",
            "/Relationships",
            Some(json!({"templateId": template_id, "creationContent": creation})),
            201,
        )
        .await;
    let relationship_id = relationship["id"].as_str().unwrap().to_owned();
    assert_eq!(relationship["status"], "Pending");
    assert_eq!(relationship["peer"], a_address.as_str());
    assert_eq!(relationship["templateId"], template_id.as_str());
    assert_eq!(relationship["auditLog"][0]["reason"], "Creation");

    a.ok("POST", "/Account/Sync", None, 204).await;
    let incoming = a
        .ok(
            "GET",
            &format!("/Relationships?peer={b_address}"),
            None,
            200,
        )
        .await;
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
    b.ok("POST", "/Account/Sync", None, 204).await;
    let active = b
        .ok(
            "GET",
            &format!("/Relationships/{relationship_id}"),
            None,
            200,
        )
        .await;
    assert_eq!(active["status"], "Active");
    let by_status = b.ok("GET", "/Relationships?status=Active", None, 200).await;
    assert_eq!(by_status.as_array().unwrap().len(), 1);

    // Terminate, reactivate, terminate again and decompose on both sides.
    let path = |suffix: &str| format!("/Relationships/{relationship_id}{suffix}");
    let terminated = a.ok("PUT", &path("/Terminate"), None, 200).await;
    assert_eq!(terminated["status"], "Terminated");
    b.ok("POST", "/Account/Sync", None, 204).await;
    assert_error(
        b.call("PUT", &path("/Reactivate/Accept"), None).await,
        400,
        "error.transport.relationships.reactivationNotRequested",
    )
    .await;
    b.ok("PUT", &path("/Reactivate"), None, 200).await;
    a.ok("POST", "/Account/Sync", None, 204).await;
    let reactivated = a.ok("PUT", &path("/Reactivate/Accept"), None, 200).await;
    assert_eq!(reactivated["status"], "Active");
    b.ok("POST", "/Account/Sync", None, 204).await;
    assert_eq!(b.ok("GET", &path(""), None, 200).await["status"], "Active");
    b.ok("PUT", &path("/Terminate"), None, 200).await;
    a.ok("POST", "/Account/Sync", None, 204).await;
    a.ok("DELETE", &path(""), None, 204).await;
    assert_error(
        a.call("GET", &path(""), None).await,
        404,
        "error.runtime.recordNotFound",
    )
    .await;
    b.ok("POST", "/Account/Sync", None, 204).await;
    assert_eq!(
        b.ok("GET", &path(""), None, 200).await["status"],
        "DeletionProposed"
    );
    b.ok("DELETE", &path(""), None, 204).await;

    // Own tokens with content, and loading them as a peer.
    let own_token = a
        .ok(
            "POST",
            "/Tokens/Own",
            Some(json!({
                "content": {"value": {"z": 3}},
                "expiresAt": in_a_day(),
            })),
            201,
        )
        .await;
    assert_eq!(own_token["isEphemeral"], false);
    let token_id = own_token["id"].as_str().unwrap();
    assert_eq!(
        a.ok("GET", &format!("/Tokens/{token_id}"), None, 200).await["id"],
        token_id
    );
    assert_eq!(
        a.ok("GET", "/Tokens/Own", None, 200)
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let loaded = b
        .ok(
            "POST",
            "/Tokens/Peer",
            Some(json!({"reference": own_token["reference"]["truncated"]})),
            201,
        )
        .await;
    assert_eq!(loaded["content"], own_token["content"]);
    assert_eq!(loaded["isOwn"], false);
    assert_eq!(
        b.ok("GET", "/Tokens/Peer", None, 200)
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn validation_and_not_found_errors() {
    let backbone = devbackbone::start(devbackbone::BackboneConfig::default())
        .await
        .unwrap();
    let a = Connector::start(&backbone.base_url()).await;
    let invalid = "error.runtime.validation.invalidPropertyValue";
    assert_error(
        a.call(
            "POST",
            "/RelationshipTemplates/Own",
            Some(json!({"expiresAt": in_a_day()})),
        )
        .await,
        400,
        invalid,
    )
    .await;
    // A known class of another kind is deserialised as that class, as in the runtime, and fails
    // on its first missing property.
    let wrong_kind = assert_error(
        a.call(
            "POST",
            "/RelationshipTemplates/Own",
            Some(json!({"content": {"@type": "Mail"}, "expiresAt": in_a_day()})),
        )
        .await,
        400,
        "error.runtime.requestDeserialization",
    )
    .await;
    assert_eq!(wrong_kind["message"], "Mail.to :: Value is not defined");
    assert_error(
        a.call(
            "POST",
            "/Tokens/Own",
            Some(json!({"content": {"@type": "X"}, "expiresAt": "2001-01-01T00:00:00.000Z"})),
        )
        .await,
        400,
        invalid,
    )
    .await;
    assert_error(
        a.call(
            "POST",
            "/Relationships",
            Some(json!({"creationContent": {}})),
        )
        .await,
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
    assert_error(
        a.call(
            "POST",
            "/RelationshipTemplates/Own",
            Some(request_content("2099-01-01T00:00:00.000Z")),
        )
        .await,
        400,
        "error.runtime.relationshipTemplates.requestCannotExpireAfterRelationshipTemplate",
    )
    .await;
    let mut without_expiry = request_content("x");
    without_expiry["content"]["onNewRelationship"]
        .as_object_mut()
        .unwrap()
        .remove("expiresAt");
    let template = a
        .ok(
            "POST",
            "/RelationshipTemplates/Own",
            Some(without_expiry),
            201,
        )
        .await;
    assert_eq!(
        template["content"]["onNewRelationship"]["expiresAt"],
        template["expiresAt"]
    );
    assert_error(
        a.call(
            "POST",
            "/Tokens/Own",
            Some(json!({
                "content": {"@type": "X"},
                "expiresAt": in_a_day(),
                "passwordProtection": {"password": "1234", "passwordLocationIndicator": "RecoveryKit"},
            })),
        )
        .await,
        400,
        invalid,
    )
    .await;
    assert_error(
        a.call("GET", "/RelationshipTemplates/RLTaaaaaaaaaaaaaaaaa", None)
            .await,
        404,
        "error.runtime.recordNotFound",
    )
    .await;
    assert_error(
        a.call("GET", "/Tokens/TOKaaaaaaaaaaaaaaaaa", None).await,
        404,
        "error.runtime.recordNotFound",
    )
    .await;
    assert_error(
        a.call("GET", "/Relationships/RELaaaaaaaaaaaaaaaaa", None)
            .await,
        404,
        "error.runtime.recordNotFound",
    )
    .await;
    assert_error(
        a.call(
            "POST",
            "/RelationshipTemplates/Peer",
            Some(json!({"reference": "nonsense"})),
        )
        .await,
        400,
        invalid,
    )
    .await;
    let can = a
        .ok(
            "PUT",
            "/Relationships/CanCreate",
            Some(json!({"templateId": "RLTaaaaaaaaaaaaaaaaa"})),
            200,
        )
        .await;
    assert_eq!(can["isSuccess"], false);
    assert_eq!(can["code"], "error.runtime.recordNotFound");
}

#[tokio::test]
async fn password_protection_and_deletion_over_rest() {
    let (_backbone, a, b, _, _) = pair().await;
    let template = a
        .ok(
            "POST",
            "/RelationshipTemplates/Own",
            Some(json!({
                "content": {"@type": "ArbitraryRelationshipTemplateContent", "value": 1},
                "expiresAt": in_a_day(),
                "passwordProtection": {"password": "4711", "passwordIsPin": true, "passwordLocationIndicator": "Letter"},
            })),
            201,
        )
        .await;
    assert_eq!(
        template["passwordProtection"],
        json!({"password": "4711", "passwordIsPin": true, "passwordLocationIndicator": "Letter"})
    );
    let id = template["id"].as_str().unwrap();
    let reference = template["reference"]["url"].as_str().unwrap();
    assert_error(
        b.call(
            "POST",
            "/RelationshipTemplates/Peer",
            Some(json!({"reference": reference, "password": "0000"})),
        )
        .await,
        404,
        "error.runtime.recordNotFound",
    )
    .await;
    let loaded = b
        .ok(
            "POST",
            "/RelationshipTemplates/Peer",
            Some(json!({"reference": reference, "password": "4711"})),
            201,
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
        let found = a
            .ok("GET", &format!("/RelationshipTemplates?{query}"), None, 200)
            .await;
        assert_eq!(found.as_array().unwrap().len(), expected, "{query}");
    }

    // Token of the protected template inherits the protection; deleting own and peer records.
    assert_error(
        a.call(
            "POST",
            &format!("/RelationshipTemplates/Own/{id}/Token"),
            Some(json!({"ephemeral": false})),
        )
        .await,
        400,
        "error.runtime.relationshipTemplates.passwordProtectionMustBeInherited",
    )
    .await;
    let token = a
        .ok(
            "POST",
            &format!("/RelationshipTemplates/Own/{id}/Token"),
            Some(json!({
                "ephemeral": false,
                "passwordProtection": {"password": "4711", "passwordIsPin": true, "passwordLocationIndicator": "Letter"},
            })),
            201,
        )
        .await;
    assert_eq!(token["passwordProtection"]["passwordIsPin"], true);
    let token_id = token["id"].as_str().unwrap();
    a.ok("DELETE", &format!("/Tokens/{token_id}"), None, 204)
        .await;
    assert_error(
        a.call("GET", &format!("/Tokens/{token_id}"), None).await,
        404,
        "error.runtime.recordNotFound",
    )
    .await;
    b.ok("DELETE", &format!("/RelationshipTemplates/{id}"), None, 204)
        .await;
    a.ok("DELETE", &format!("/RelationshipTemplates/{id}"), None, 204)
        .await;
    assert_error(
        a.call("GET", &format!("/RelationshipTemplates/{id}"), None)
            .await,
        404,
        "error.runtime.recordNotFound",
    )
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
    let b_template = b
        .ok(
            "POST",
            "/RelationshipTemplates/Own",
            Some(json!({"content": content, "expiresAt": in_a_day()})),
            201,
        )
        .await;
    a.ok(
        "POST",
        "/RelationshipTemplates/Peer",
        Some(json!({"reference": b_template["reference"]["truncated"]})),
        201,
    )
    .await;
    let b_token = b
        .ok(
            "POST",
            "/Tokens/Own",
            Some(json!({"content": {"value": {"k": "v"}}, "expiresAt": in_a_day()})),
            201,
        )
        .await;
    a.ok(
        "POST",
        "/Tokens/Peer",
        Some(json!({"reference": b_token["reference"]["truncated"]})),
        201,
    )
    .await;

    let to_b = send(&a, &[&b_address]).await;
    let to_b_and_c = send(&a, &[&b_address, &c_address]).await;
    let from_b = send(&b, &[&a_address]).await;
    a.ok("POST", "/Account/Sync", None, 204).await;
    let ids = |listed: &Value| -> Vec<Value> {
        listed
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].clone())
            .collect()
    };
    let before = a.ok("GET", "/Messages", None, 200).await;
    assert!(ids(&before).contains(&from_b), "{before}");

    let relationship = a
        .ok(
            "GET",
            &format!("/Relationships?peer={b_address}"),
            None,
            200,
        )
        .await[0]["id"]
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
    a.ok(
        "DELETE",
        &format!("/Relationships/{relationship}"),
        None,
        204,
    )
    .await;

    let after = a.ok("GET", "/Messages", None, 200).await;
    let left = ids(&after);
    assert!(!left.contains(&to_b) && !left.contains(&from_b), "{after}");
    assert!(left.contains(&to_b_and_c), "{after}");
    let shared = a
        .ok(
            "GET",
            &format!("/Messages/{}", to_b_and_c.as_str().unwrap()),
            None,
            200,
        )
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

    let templates = a.ok("GET", "/RelationshipTemplates", None, 200).await;
    assert!(
        templates
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["createdBy"] != b_address.as_str()),
        "{templates}"
    );
    let own = a.ok("GET", "/RelationshipTemplates/Own", None, 200).await;
    assert_eq!(
        own.as_array().unwrap().len(),
        2,
        "own templates allowing more allocations stay"
    );
    let tokens = a.ok("GET", "/Tokens/Peer", None, 200).await;
    assert_eq!(tokens, json!([]));

    // The peer decomposes too: the template it used and everything with a is gone there.
    b.ok("POST", "/Account/Sync", None, 204).await;
    b.ok(
        "DELETE",
        &format!("/Relationships/{relationship}"),
        None,
        204,
    )
    .await;
    assert_eq!(b.ok("GET", "/Messages", None, 200).await, json!([]));
    assert_eq!(
        b.ok("GET", "/RelationshipTemplates/Peer", None, 200).await,
        json!([])
    );
}

/// Sends an arbitrary message; its id.
async fn send(from: &Connector, to: &[&str]) -> Value {
    let body =
        json!({"recipients": to, "content": {"@type": "ArbitraryMessageContent", "value": {}}});
    from.ok("POST", "/Messages", Some(body), 201).await["id"].clone()
}
