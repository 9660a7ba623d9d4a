//! Challenges over REST between Connectors on one dev Backbone: created and signed by one side,
//! validated by the other (connector-api §7.4).

use nmshd_crypto::{Signature, b64url_encode};
use serde_json::{Value, json};

use crate::helpers::assert_error;
use crate::rest_peer::{Connector, in_a_day, load_template, related_pair, start_backbone};

async fn create(connector: &Connector, body: Value) -> Value {
    connector.post("/Challenges", body).await
}

async fn validate(connector: &Connector, challenge: &str, signature: &str) -> reqwest::Response {
    connector
        .call(
            "POST",
            "/Challenges/Validate",
            Some(json!({"challengeString": challenge, "signature": signature})),
        )
        .await
}

async fn is_valid(connector: &Connector, challenge: &str, signature: &str) -> Value {
    let response = validate(connector, challenge, signature).await;
    assert_eq!(response.status().as_u16(), 200);
    response.json::<Value>().await.unwrap()["result"].clone()
}

/// The same signature bytes with one bit flipped, still a well-formed serialized signature.
fn tampered(signature: &str) -> String {
    let parsed = Signature::from_base64(signature).unwrap();
    let mut value = parsed.to_value(false);
    let sig = value["sig"].as_str().unwrap().to_owned();
    let mut bytes = nmshd_crypto::b64url_decode(&sig).unwrap();
    bytes[0] ^= 1;
    value["sig"] = b64url_encode(&bytes).into();
    let again = Signature::from_value(&value).unwrap();
    b64url_encode(again.to_json(false).as_bytes())
}

#[tokio::test]
async fn a_peer_validates_relationship_and_identity_challenges() {
    let (backbone, a, b, _, _) = related_pair().await;
    let a_address = a.address().await;
    let relationships = a.get("/Relationships").await;
    let relationship = relationships[0]["id"].as_str().unwrap();

    let challenge = create(
        &a,
        json!({"challengeType": "Relationship", "relationship": relationship}),
    )
    .await;
    assert_eq!(challenge["type"], "Relationship");
    assert_eq!(challenge["createdBy"], a_address.as_str());
    assert!(challenge["id"].as_str().unwrap().starts_with("CHL"));
    assert!(
        challenge["createdByDevice"]
            .as_str()
            .unwrap()
            .starts_with("DVC")
    );
    // The challenge string is the sorted, non-verbose challenge with the DTO's members.
    let string = challenge["challengeString"].as_str().unwrap();
    let parsed: Value = serde_json::from_str(string).unwrap();
    assert_eq!(
        parsed,
        json!({"createdBy": a_address, "createdByDevice": challenge["createdByDevice"],
               "expiresAt": challenge["expiresAt"], "id": challenge["id"], "type": "Relationship"})
    );
    assert!(string.starts_with("{\"createdBy\""), "{string}");
    let signature = challenge["signature"].as_str().unwrap();
    // Relationship key: alg 1 (SHA-256 label), non-verbose base64.
    let decoded = nmshd_crypto::b64url_decode(signature).unwrap();
    let decoded: Value = serde_json::from_slice(&decoded).unwrap();
    assert_eq!(decoded["alg"], 1);
    assert!(decoded.get("@type").is_none());

    let result = is_valid(&b, string, signature).await;
    assert_eq!(result["isValid"], true);
    assert_eq!(
        result["correspondingRelationship"]["peer"],
        a_address.as_str()
    );
    assert_eq!(result["correspondingRelationship"]["status"], "Active");

    // Tampered signature, or another challenge's signature: not valid, no relationship.
    let result = is_valid(&b, string, &tampered(signature)).await;
    assert_eq!(result, json!({"isValid": false}));
    let other = create(
        &a,
        json!({"challengeType": "Relationship", "relationship": relationship}),
    )
    .await;
    let result = is_valid(&b, string, other["signature"].as_str().unwrap()).await;
    assert_eq!(result, json!({"isValid": false}));
    // A relationship challenge is not signed with the identity key (and vice versa).
    let identity = create(&a, json!({"challengeType": "Identity"})).await;
    assert_eq!(identity["type"], "Identity");
    let identity_string = identity["challengeString"].as_str().unwrap();
    let identity_signature = identity["signature"].as_str().unwrap();
    let result = is_valid(&b, identity_string, identity_signature).await;
    assert_eq!(result["isValid"], true);
    assert_eq!(
        result["correspondingRelationship"]["peer"],
        a_address.as_str()
    );
    let result = is_valid(&b, string, identity_signature).await;
    assert_eq!(result["isValid"], false);
    // A changed challenge string no longer matches its signature.
    let edited = identity_string.replace("\"Identity\"", "\"Relationship\"");
    let result = is_valid(&b, &edited, identity_signature).await;
    assert_eq!(result["isValid"], false);

    // Device challenges can be created but not validated.
    let device = create(&a, json!({"challengeType": "Device"})).await;
    assert_eq!(device["type"], "Device");
    let response = validate(
        &b,
        device["challengeString"].as_str().unwrap(),
        device["signature"].as_str().unwrap(),
    )
    .await;
    let error = assert_error(response, 400, "error.runtime.notSupported").await;
    assert_eq!(
        error["message"],
        "Validating challenges of the type 'Device' is not yet supported."
    );

    // A stranger's challenge: no active relationship to its creator.
    let c = Connector::start(&backbone.base_url()).await;
    let stranger = create(&c, json!({"challengeType": "Identity"})).await;
    let response = validate(
        &b,
        stranger["challengeString"].as_str().unwrap(),
        stranger["signature"].as_str().unwrap(),
    )
    .await;
    assert_error(response, 404, "error.transport.recordNotFound").await;

    // A relationship challenge needs an active relationship: c's pending request to b.
    let template = b
        .post(
            "/RelationshipTemplates/Own",
            json!({"content": {"@type": "ArbitraryRelationshipTemplateContent", "value": {}},
                        "expiresAt": in_a_day()}),
        )
        .await;
    let loaded = load_template(&c, &template["reference"]["truncated"]).await;
    let pending = c
        .post("/Relationships", json!({"templateId": loaded["id"],
                        "creationContent": {"@type": "ArbitraryRelationshipCreationContent", "value": {}}}))
        .await;
    let error = c
        .fails(
            "POST",
            "/Challenges",
            Some(json!({"challengeType": "Relationship", "relationship": pending["id"]})),
            400,
            "error.transport.challenges.challengeTypeRequiresActiveRelationship",
        )
        .await;
    assert_eq!(
        error["message"],
        "The challenge type Relationship requires an active Relationship."
    );
}

#[tokio::test]
async fn challenge_bodies_are_validated() {
    let backbone = start_backbone().await;
    let a = Connector::start(&backbone.base_url()).await;
    let call = |body: Value| a.call("POST", "/Challenges", Some(body));

    for body in [
        json!({}),
        json!({"challengeType": "Relationship"}),
        json!({"challengeType": "Other"}),
        json!([]),
    ] {
        let error = assert_error(
            call(body).await,
            400,
            "error.runtime.validation.invalidPayload",
        )
        .await;
        assert_eq!(
            error["message"],
            "The given combination of properties in the payload is not supported."
        );
    }
    let error = assert_error(
        call(json!({"challengeType": "Identity", "relationship": "RELaaaaaaaaaaaaaaaaa"})).await,
        400,
        "error.runtime.validation.invalidPropertyValue",
    )
    .await;
    assert_eq!(error["message"], "must NOT have additional properties");
    let error = assert_error(
        call(json!({"challengeType": "Relationship", "relationship": "abc"})).await,
        400,
        "error.runtime.validation.invalidPropertyValue",
    )
    .await;
    assert_eq!(
        error["message"],
        "relationship must match pattern REL[A-Za-z0-9]{17}"
    );
    let error = assert_error(
        call(json!({"challengeType": "Relationship", "relationship": "RELaaaaaaaaaaaaaaaaa"}))
            .await,
        404,
        "error.runtime.recordNotFound",
    )
    .await;
    assert_eq!(
        error["message"],
        "Relationship not found. Make sure the ID exists and the record is not expired."
    );

    let own = create(&a, json!({"challengeType": "Identity"})).await;
    let string = own["challengeString"].as_str().unwrap();
    let signature = own["signature"].as_str().unwrap();
    let validate_body = |body: Value| a.call("POST", "/Challenges/Validate", Some(body));
    for (body, message) in [
        (
            json!({"signature": signature}),
            "must have required property 'challengeString'",
        ),
        (
            json!({"challengeString": string, "signature": 5}),
            "signature must be string",
        ),
        (
            json!({"challengeString": string, "signature": signature, "x": 1}),
            "must NOT have additional properties",
        ),
        (
            json!({"challengeString": string, "signature": "not a signature"}),
            "The signature is invalid.",
        ),
        (
            json!({"challengeString": "{}", "signature": signature}),
            "The challengeString is invalid.",
        ),
    ] {
        let error = assert_error(
            validate_body(body).await,
            400,
            "error.runtime.validation.invalidPropertyValue",
        )
        .await;
        assert_eq!(error["message"], message);
    }
}
