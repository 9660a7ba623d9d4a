//! Contract tests ported from nmshd/connector `test/tokens.test.ts` (test names as there), plus
//! the Backbone's recordNotFound surfacing as the runtime's 404 (connector-api §4 notes).

use serde_json::{Value, json};

use crate::helpers::assert_error;
use crate::rest_peer::{Connector, in_a_day, pair};

async fn two() -> (devbackbone::RunningBackbone, Connector, Connector) {
    let (backbone, a, b, _, _) = pair().await;
    (backbone, a, b)
}

/// The real tests' token content: free JSON without `@type`.
fn content() -> Value {
    json!({"aKey": "aValue"})
}

/// `uploadOwnToken(client, forIdentity?, passwordProtection?)` of the real test utils.
async fn upload_own_token(
    c: &Connector,
    for_identity: Option<&str>,
    protection: Option<Value>,
) -> Value {
    let mut body = json!({"content": content(), "expiresAt": in_a_day()});
    if let Some(f) = for_identity {
        body["forIdentity"] = f.into();
    }
    if let Some(p) = protection {
        body["passwordProtection"] = p;
    }
    c.post("/Tokens/Own", body).await
}

async fn load(c: &Connector, token: &Value, password: Option<&str>) -> Value {
    let mut body = json!({"reference": token["reference"]["truncated"]});
    if let Some(p) = password {
        body["password"] = p.into();
    }
    c.post("/Tokens/Peer", body).await
}

// tokens.test.ts: "send a token", "load a token", "send and receive a personalized token"
#[tokio::test]
async fn send_load_and_personalize_a_token() {
    let (_backbone, a, b) = two().await;
    let token = upload_own_token(&a, None, None).await;
    assert_eq!(token["content"], content());
    assert_eq!(token["isOwn"], true);
    let loaded = load(&b, &token, None).await;
    assert_eq!(loaded["id"], token["id"]);
    assert_eq!(loaded["isOwn"], false);
    assert_eq!(loaded["content"], token["content"]);

    // Content with an `@type` the runtime does not know cannot be read (as `Serializable.fromUnknown`).
    a.fails(
        "POST",
        "/Tokens/Own",
        Some(json!({"content": {"@type": "SomeType", "aKey": "aValue"}, "expiresAt": in_a_day()})),
        400,
        "error.runtime.invalidTokenContent",
    )
    .await;
    // A known content class is kept as sent.
    let typed =
        json!({"@type": "ArbitraryRelationshipTemplateContent", "value": {"aKey": "aValue"}});
    let token = a
        .post(
            "/Tokens/Own",
            json!({"content": typed, "expiresAt": in_a_day()}),
        )
        .await;
    assert_eq!(load(&b, &token, None).await["content"], typed);

    let b_address = b.address().await;
    let token = upload_own_token(&a, Some(&b_address), None).await;
    assert_eq!(token["forIdentity"], b_address.as_str());
    assert_eq!(
        load(&b, &token, None).await["forIdentity"],
        b_address.as_str()
    );
}

// tokens.test.ts: "send and receive a password-protected token", "... a PIN-protected token",
// "... with PasswordLocationIndicator that is a string" / "... a number"
#[tokio::test]
async fn password_and_pin_protected_tokens() {
    let (_backbone, a, b) = two().await;
    let token = upload_own_token(&a, None, Some(json!({"password": "password"}))).await;
    assert_eq!(token["passwordProtection"], json!({"password": "password"}));
    let loaded = load(&b, &token, Some("password")).await;
    assert_eq!(
        loaded["passwordProtection"],
        json!({"password": "password"})
    );

    let token = upload_own_token(
        &a,
        None,
        Some(json!({"password": "1234", "passwordIsPin": true})),
    )
    .await;
    assert_eq!(
        token["passwordProtection"],
        json!({"password": "1234", "passwordIsPin": true})
    );
    let loaded = load(&b, &token, Some("1234")).await;
    assert_eq!(
        loaded["passwordProtection"],
        json!({"password": "1234", "passwordIsPin": true})
    );

    // Digits without the flag are a password, not a PIN (the reference says `pw`).
    let token = upload_own_token(&a, None, Some(json!({"password": "1234"}))).await;
    assert_eq!(token["passwordProtection"], json!({"password": "1234"}));
    let loaded = load(&b, &token, Some("1234")).await;
    assert_eq!(loaded["passwordProtection"], json!({"password": "1234"}));

    for indicator in [json!("Email"), json!(99)] {
        let token = upload_own_token(
            &a,
            None,
            Some(json!({"password": "password", "passwordLocationIndicator": indicator})),
        )
        .await;
        assert_eq!(
            token["passwordProtection"]["passwordLocationIndicator"],
            indicator
        );
        let loaded = load(&b, &token, Some("password")).await;
        assert_eq!(
            loaded["passwordProtection"]["passwordLocationIndicator"],
            indicator
        );
    }

    // The PIN rules apply only when the flag says so; the flag is `true` or absent.
    let create = |protection: Value| {
        a.call(
            "POST",
            "/Tokens/Own",
            Some(json!({"content": content(), "expiresAt": in_a_day(), "passwordProtection": protection})),
        )
    };
    for (protection, message) in [
        (
            json!({"password": "12a4", "passwordIsPin": true}),
            "'passwordProtection.passwordIsPin' is true, hence 'passwordProtection.password' must consist of 4 to 16 digits from 0 to 9.",
        ),
        (
            json!({"password": "123", "passwordIsPin": true}),
            "'passwordProtection.passwordIsPin' is true, hence 'passwordProtection.password' must consist of 4 to 16 digits from 0 to 9.",
        ),
        (
            json!({"password": "12345678901234567", "passwordIsPin": true}),
            "'passwordProtection.passwordIsPin' is true, hence 'passwordProtection.password' must consist of 4 to 16 digits from 0 to 9.",
        ),
        (
            json!({"password": "1234", "passwordIsPin": false}),
            "passwordProtection/passwordIsPin must be equal to constant",
        ),
        // tokens.test.ts: "cannot set an invalid string/number as PasswordLocationIndicator"
        (
            json!({"password": "password", "passwordLocationIndicator": "invalidPasswordLocationIndicator"}),
            "must be a number from 50 to 99 or one of the following strings: Self, Letter, RegistrationLetter, Email, SMS, Website",
        ),
        (
            json!({"password": "password", "passwordLocationIndicator": 1000}),
            "must be a number from 50 to 99 or one of the following strings: Self, Letter, RegistrationLetter, Email, SMS, Website",
        ),
    ] {
        let error = assert_error(
            create(protection).await,
            400,
            "error.runtime.validation.invalidPropertyValue",
        )
        .await;
        assert_eq!(error["message"], message);
    }
}

// tokens.test.ts: "delete a token"; then the peer's load of the deleted token: the Backbone's
// error.platform.recordNotFound surfaces as error.runtime.recordNotFound (404, Backbone reason).
#[tokio::test]
async fn delete_a_token_and_load_it_afterwards() {
    let (_backbone, a, b) = two().await;
    let token = upload_own_token(&a, None, None).await;
    let id = token["id"].as_str().unwrap();
    a.get(&format!("/Tokens/{id}")).await;
    a.delete(&format!("/Tokens/{id}")).await;
    let error = a.get_not_found(&format!("/Tokens/{id}")).await;
    assert_eq!(
        error["message"],
        "Token not found. Make sure the ID exists and the record is not expired."
    );

    let response = b
        .call(
            "POST",
            "/Tokens/Peer",
            Some(json!({"reference": token["reference"]["truncated"]})),
        )
        .await;
    let error = assert_error(response, 404, "error.runtime.recordNotFound").await;
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .starts_with("Token not found."),
        "{error}"
    );

    // A template reference of a template deleted on the Backbone: the same mapping.
    let template = a
        .post(
            "/RelationshipTemplates/Own",
            json!({"content": {"@type": "ArbitraryRelationshipTemplateContent", "value": {}},
                        "expiresAt": in_a_day()}),
        )
        .await;
    let template_id = template["id"].as_str().unwrap();
    a.delete(&format!("/RelationshipTemplates/{template_id}"))
        .await;
    let error = b
        .fails(
            "POST",
            "/RelationshipTemplates/Peer",
            Some(json!({"reference": template["reference"]["truncated"]})),
            404,
            "error.runtime.recordNotFound",
        )
        .await;
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .starts_with("RelationshipTemplate not found."),
        "{error}"
    );
}

// tokens.test.ts: "Tokens query" ("query own tokens", "query own PIN-protected tokens",
// "query peer tokens"): each condition once matching, once not.
/// Ids of the list a GET answers.
async fn ids(c: &Connector, path: &str) -> Vec<String> {
    c.get(path)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn tokens_query() {
    let (_backbone, a, b) = two().await;
    let a_address = a.address().await;
    let b_address = b.address().await;
    let token = upload_own_token(
        &a,
        Some(&a_address),
        Some(json!({"password": "password", "passwordLocationIndicator": 50})),
    )
    .await;
    let pin = upload_own_token(
        &a,
        Some(&a_address),
        Some(json!({"password": "1234", "passwordIsPin": true, "passwordLocationIndicator": "Email"})),
    )
    .await;
    let id = |t: &Value| t["id"].as_str().unwrap().to_owned();
    let expires = token["expiresAt"].as_str().unwrap();
    let device = token["createdByDevice"].as_str().unwrap();
    for (query, expected) in [
        (format!("expiresAt={expires}"), true),
        ("expiresAt=2000-01-01T00:00:00.000Z".to_owned(), false),
        (format!("createdByDevice={device}"), true),
        ("createdByDevice=DVCxxxxxxxxxxxxxxxxx".to_owned(), false),
        (format!("forIdentity={a_address}"), true),
        (format!("forIdentity={b_address}"), false),
        ("passwordProtection=".to_owned(), true),
        ("passwordProtection=!".to_owned(), false),
        ("passwordProtection.password=password".to_owned(), true),
        ("passwordProtection.password=other".to_owned(), false),
        ("passwordProtection.passwordIsPin=true".to_owned(), false),
        ("passwordProtection.passwordIsPin=!".to_owned(), true),
        (
            "passwordProtection.passwordLocationIndicator=50".to_owned(),
            true,
        ),
        (
            "passwordProtection.passwordLocationIndicator=Self".to_owned(),
            false,
        ),
    ] {
        let found = ids(&a, &format!("/Tokens/Own?{query}")).await;
        assert_eq!(found.contains(&id(&token)), expected, "{query}");
    }
    for (query, expected) in [
        ("passwordProtection.password=1234", true),
        ("passwordProtection.passwordIsPin=true", true),
        ("passwordProtection.passwordIsPin=!", false),
        ("passwordProtection.passwordLocationIndicator=Email", true),
        ("passwordProtection.passwordLocationIndicator=SMS", false),
    ] {
        let found = ids(&a, &format!("/Tokens/Own?{query}")).await;
        assert_eq!(found.contains(&id(&pin)), expected, "{query}");
    }

    let exchanged = upload_own_token(&a, Some(&b_address), None).await;
    load(&b, &exchanged, None).await;
    for (query, expected) in [
        (format!("createdBy={a_address}"), true),
        (format!("createdBy={b_address}"), false),
        (format!("forIdentity={b_address}"), true),
        ("passwordProtection=".to_owned(), false),
        ("passwordProtection=!".to_owned(), true),
    ] {
        let found = ids(&b, &format!("/Tokens/Peer?{query}")).await;
        assert_eq!(found.contains(&id(&exchanged)), expected, "{query}");
    }
    assert!(ids(&b, "/Tokens/Own").await.is_empty());
    let error = a
        .fails(
            "GET",
            "/Tokens/Own?unknownKey=1",
            None,
            400,
            "error.runtime.validation.invalidPropertyValue",
        )
        .await;
    assert_eq!(
        error["message"],
        "query must NOT have additional properties"
    );
}
