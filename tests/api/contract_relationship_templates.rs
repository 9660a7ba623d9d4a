//! Contract tests ported from nmshd/connector `test/relationshipTemplates.test.ts` (test names
//! as there).

use serde_json::{Value, json};

use crate::helpers::assert_error;
use crate::query_conditions::QueryConditions;
use crate::rest_peer::{Connector, in_a_day, pair, start_backbone};

fn content() -> Value {
    json!({"@type": "ArbitraryRelationshipTemplateContent", "value": {"a": "b"}})
}

/// `createTemplate(client, forIdentity?, passwordProtection?)` of the real test utils.
async fn create_template(
    c: &Connector,
    for_identity: Option<&str>,
    protection: Option<Value>,
) -> Value {
    let mut body =
        json!({"maxNumberOfAllocations": 1, "expiresAt": in_a_day(), "content": content()});
    if let Some(f) = for_identity {
        body["forIdentity"] = f.into();
    }
    if let Some(p) = protection {
        body["passwordProtection"] = p;
    }
    c.post("/RelationshipTemplates/Own", body).await
}

/// `getTemplateToken(client, forIdentity?, passwordProtection?)`.
async fn template_token(
    c: &Connector,
    for_identity: Option<&str>,
    protection: Option<Value>,
) -> Value {
    let template = create_template(c, for_identity, protection.clone()).await;
    let mut body = json!({});
    if let Some(f) = for_identity {
        body["forIdentity"] = f.into();
    }
    if let Some(p) = protection {
        body["passwordProtection"] = p;
    }
    let id = template["id"].as_str().unwrap();
    c.post(&format!("/RelationshipTemplates/Own/{id}/Token"), body)
        .await
}

async fn load(c: &Connector, reference: &Value, password: Option<&str>) -> Value {
    let mut body = json!({"reference": reference["reference"]["truncated"]});
    if let Some(p) = password {
        body["password"] = p.into();
    }
    c.post("/RelationshipTemplates/Peer", body).await
}

// "create a template", "create a template with undefined maxNumberOfAllocations", "read a
// template with undefined maxNumberOfAllocations", "see If template exists in
// /RelationshipTemplates/Own", "... in /RelationshipTemplates/{id}", "expect a validation error
// for sending maxNumberOfAllocations 0", "delete a template"
#[tokio::test]
async fn template_tests() {
    let backbone = start_backbone().await;
    let a = Connector::start(&backbone.base_url()).await;
    let template = create_template(&a, None, None).await;
    assert_eq!(template["maxNumberOfAllocations"], 1);
    assert_eq!(template["content"], content());

    let unlimited = a
        .post(
            "/RelationshipTemplates/Own",
            json!({"content": content(), "expiresAt": in_a_day()}),
        )
        .await;
    assert!(unlimited.get("maxNumberOfAllocations").is_none());
    let id = unlimited["id"].as_str().unwrap();
    let read = a.get(&format!("/RelationshipTemplates/{id}")).await;
    assert!(read.get("maxNumberOfAllocations").is_none());

    let own = a.get("/RelationshipTemplates/Own").await;
    assert!(own.as_array().unwrap().contains(&template), "{own}");
    let id = template["id"].as_str().unwrap();
    assert_eq!(
        a.get(&format!("/RelationshipTemplates/{id}")).await,
        template
    );

    a.fails(
        "POST",
        "/RelationshipTemplates/Own",
        Some(json!({"content": content(), "expiresAt": in_a_day(), "maxNumberOfAllocations": 0})),
        400,
        "error.runtime.validation.invalidPropertyValue",
    )
    .await;

    a.delete(&format!("/RelationshipTemplates/{id}")).await;
    let error = a
        .get_not_found(&format!("/RelationshipTemplates/{id}"))
        .await;
    assert_eq!(
        error["message"],
        "RelationshipTemplate not found. Make sure the ID exists and the record is not expired."
    );
}

// "send and receive a personalized template", "... via token", "send and receive a
// non-personalized template via personalized token", the password/PIN-protected variants
// (directly and via token, PasswordLocationIndicator string and number) and "send and receive
// an unprotected template via password-/PIN-protected token"
#[tokio::test]
async fn personalized_and_protected_templates() {
    let (_backbone, a, b, _, b_address) = pair().await;

    let template = create_template(&a, Some(&b_address), None).await;
    assert_eq!(template["forIdentity"], b_address.as_str());
    assert_eq!(
        load(&b, &template, None).await["forIdentity"],
        b_address.as_str()
    );
    let token = template_token(&a, Some(&b_address), None).await;
    assert_eq!(
        load(&b, &token, None).await["forIdentity"],
        b_address.as_str()
    );
    let plain = create_template(&a, None, None).await;
    let id = plain["id"].as_str().unwrap();
    let token = a
        .post(
            &format!("/RelationshipTemplates/Own/{id}/Token"),
            json!({"forIdentity": b_address}),
        )
        .await;
    assert_eq!(token["forIdentity"], b_address.as_str());
    assert!(load(&b, &token, None).await.get("forIdentity").is_none());

    for (protection, password) in [
        (json!({"password": "password"}), "password"),
        (json!({"password": "1234", "passwordIsPin": true}), "1234"),
        (
            json!({"password": "password", "passwordLocationIndicator": "Website"}),
            "password",
        ),
        (
            json!({"password": "password", "passwordLocationIndicator": 50}),
            "password",
        ),
    ] {
        let template = create_template(&a, None, Some(protection.clone())).await;
        assert_eq!(template["passwordProtection"], protection);
        let loaded = load(&b, &template, Some(password)).await;
        assert_eq!(loaded["passwordProtection"], protection);

        let token = template_token(&a, None, Some(protection.clone())).await;
        assert_eq!(token["passwordProtection"], protection);
        let loaded = load(&b, &token, Some(password)).await;
        assert_eq!(loaded["passwordProtection"], protection);

        // An unprotected template behind a protected token.
        let plain = create_template(&a, None, None).await;
        let id = plain["id"].as_str().unwrap();
        let token = a
            .post(
                "/Tokens/Own",
                json!({
                    "content": {"@type": "TokenContentRelationshipTemplate", "templateId": id,
                                "secretKey": secret_key_of(&a, &plain).await},
                    "expiresAt": in_a_day(),
                    "passwordProtection": protection,
                }),
            )
            .await;
        assert_eq!(token["passwordProtection"], protection);
        let loaded = load(&b, &token, Some(password)).await;
        assert_eq!(loaded["id"], plain["id"]);
        assert!(loaded.get("passwordProtection").is_none());
    }
}

/// The template's secret key as a token content carries it (from a token the Connector made).
async fn secret_key_of(a: &Connector, template: &Value) -> Value {
    let id = template["id"].as_str().unwrap();
    let token = a
        .post(&format!("/RelationshipTemplates/Own/{id}/Token"), json!({}))
        .await;
    token["content"]["secretKey"].clone()
}

// "Serialization Errors": "create a template with wrong content : missing values" and "... not
// existent type". A known class of the wrong kind is deserialised first, as by the runtime, and
// fails on its first missing property; complete, it fails on its kind.
#[tokio::test]
async fn serialization_errors() {
    let backbone = start_backbone().await;
    let a = Connector::start(&backbone.base_url()).await;
    let body = json!({"content": {"a": "A", "@type": "NonExistentType"}, "expiresAt": in_a_day()});
    let error = a
        .fails(
            "POST",
            "/RelationshipTemplates/Own",
            Some(body),
            400,
            "error.runtime.unknownType",
        )
        .await;
    assert_eq!(
        error["message"],
        "Type 'NonExistentType' with version 1 was not found within reflection classes. You might have to install a module first."
    );
    // The same for a message's content; a known type of the wrong kind stays a validation error.
    let address = a.address().await;
    let message = |content: Value| json!({"recipients": [address], "content": content});
    a.fails(
        "POST",
        "/Messages",
        Some(message(json!({"@type": "NonExistentType"}))),
        400,
        "error.runtime.unknownType",
    )
    .await;
    let template = |content: Value| {
        a.call(
            "POST",
            "/RelationshipTemplates/Own",
            Some(json!({"content": content, "expiresAt": in_a_day()})),
        )
    };
    for (content, message) in [
        (
            json!({"a": "A", "@type": "Message"}),
            "Message.secretKey :: Value is not defined",
        ),
        (json!({"@type": "Mail"}), "Mail.to :: Value is not defined"),
    ] {
        let error = assert_error(
            template(content).await,
            400,
            "error.runtime.requestDeserialization",
        )
        .await;
        assert_eq!(error["message"], message);
    }
    assert_error(
        template(json!({"@type": "Mail", "to": [address], "subject": "s", "body": "b"})).await,
        400,
        "error.runtime.validation.invalidPropertyValue",
    )
    .await;
}

// "RelationshipTemplates Query": "query templates", "query own templates", "query peer templates"
#[tokio::test]
async fn relationship_templates_query() {
    let (_backbone, a, b, a_address, b_address) = pair().await;
    let common = |template: &Value| {
        QueryConditions::new(template)
            .date("createdAt")
            .date("expiresAt")
            .string("createdBy")
            .string("createdByDevice")
            .number("maxNumberOfAllocations")
            .string("forIdentity")
    };

    let template = create_template(
        &a,
        Some(&a_address),
        Some(json!({"password": "password", "passwordLocationIndicator": "RegistrationLetter"})),
    )
    .await;
    common(&template)
        .boolean("isOwn")
        .single("passwordProtection", "", true)
        .single("passwordProtection", "!", false)
        .string("passwordProtection.password")
        .single("passwordProtection.passwordIsPin", "true", false)
        .single("passwordProtection.passwordIsPin", "!", true)
        .single(
            "passwordProtection.passwordLocationIndicator",
            "RegistrationLetter",
            true,
        )
        .single(
            "passwordProtection.passwordLocationIndicator",
            "differentLocationIndicator",
            false,
        )
        .execute(&a, "/RelationshipTemplates")
        .await;

    let pin = create_template(
        &a,
        Some(&a_address),
        Some(json!({"password": "1234", "passwordIsPin": true, "passwordLocationIndicator": 99})),
    )
    .await;
    common(&pin)
        .string("passwordProtection.password")
        .single("passwordProtection.passwordIsPin", "true", true)
        .single("passwordProtection.passwordIsPin", "!", false)
        .single("passwordProtection.passwordLocationIndicator", "99", true)
        .single("passwordProtection.passwordLocationIndicator", "50", false)
        .execute(&a, "/RelationshipTemplates/Own")
        .await;

    // exchangeTemplate: a's template for b, loaded by b.
    let offered = template_token(&a, Some(&b_address), None).await;
    let peer_template = load(&b, &offered, None).await;
    common(&peer_template)
        .single("passwordProtection", "", false)
        .single("passwordProtection", "!", true)
        .execute(&b, "/RelationshipTemplates/Peer")
        .await;
}
