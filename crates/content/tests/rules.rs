//! One test per rule family of the content model (issue 6: "invalid content is rejected with the real error codes").
#![allow(clippy::unwrap_used, clippy::expect_used)]

use connector_content::tags::{AttributeTagCollection, validate_tags};
use connector_content::whitelist::check_attribute_characters;
use connector_content::*;
use serde_json::{Value, json};

const INVALID: &str = "error.runtime.validation.invalidPropertyValue";

fn identity(value: Value) -> Value {
    json!({ "@type": "IdentityAttribute", "owner": "did:e:localhost:dids:0123456789abcdef012345", "value": value })
}

fn relationship(value: Value) -> Value {
    json!({ "@type": "RelationshipAttribute", "owner": "", "key": "k", "confidentiality": "public", "value": value })
}

fn rejects(result: Result<impl std::fmt::Debug, ContentError>, code: &str, fragment: &str) {
    match result {
        Ok(v) => panic!("accepted, expected {code} mentioning {fragment:?}: {v:?}"),
        Err(e) => {
            assert_eq!(e.code, code, "{e}");
            assert!(
                e.message.contains(fragment),
                "message {:?} should mention {fragment:?}",
                e.message
            );
        }
    }
}

fn value_ok(value: Value) {
    let parsed =
        AttributeValue::from_json(&value).unwrap_or_else(|e| panic!("{value} rejected: {e}"));
    assert_eq!(parsed.to_json(), value, "round trip");
}

fn value_err(value: Value, fragment: &str) {
    rejects(AttributeValue::from_json(&value), INVALID, fragment);
}

#[test]
fn unknown_type_is_rejected_naming_the_position() {
    rejects(
        Request::from_json(
            &json!({"@type": "Request", "items": [{"@type": "NoSuchRequestItem", "mustBeAccepted": true}]}),
        ),
        INVALID,
        "unknown @type \"NoSuchRequestItem\"",
    );
    rejects(
        AttributeValue::from_json(&json!({"@type": "Statement", "value": "x"})),
        INVALID,
        "unknown @type \"Statement\"",
    );
    // An Identity value type is unknown as a RelationshipAttribute value.
    rejects(
        RelationshipAttribute::from_json(&relationship(
            json!({"@type": "GivenName", "value": "x"}),
        )),
        INVALID,
        "RelationshipAttribute.value",
    );
    rejects(
        Request::from_json(&json!({"@type": "Mail", "items": []})),
        INVALID,
        "Request.@type",
    );
}

#[test]
fn missing_required_fields_are_rejected() {
    rejects(
        Request::from_json(&json!({"@type": "Request", "items": []})),
        INVALID,
        "Request.items must have at least 1 element",
    );
    rejects(
        Request::from_json(&json!({"@type": "Request"})),
        INVALID,
        "Request.items is required",
    );
    rejects(
        Request::from_json(
            &json!({"@type": "Request", "items": [{"@type": "AuthenticationRequestItem", "title": "t"}]}),
        ),
        INVALID,
        "AuthenticationRequestItem.mustBeAccepted is required",
    );
    rejects(
        Mail::from_json(&json!({"@type": "Mail", "to": ["a"], "subject": "s", "body": null})),
        INVALID,
        "Mail.body is required",
    );
    rejects(
        Mail::from_json(&json!({"@type": "Mail", "to": [], "subject": "s", "body": "b"})),
        INVALID,
        "Mail.to must have at least 1 element",
    );
    rejects(
        Notification::from_json(
            &json!({"@type": "Notification", "items": [{"@type": "OwnAttributeDeletedByOwnerNotificationItem", "attributeId": "A"}]}),
        ),
        INVALID,
        "Notification.id is required",
    );
    rejects(
        ResponseItem::from_json(
            &json!({"@type": "ErrorResponseItem", "result": "Error", "code": "c"}),
        ),
        INVALID,
        "ErrorResponseItem.message is required",
    );
    rejects(
        ResponseItem::from_json(&json!({"@type": "AcceptResponseItem"})),
        INVALID,
        "AcceptResponseItem.result is required",
    );
}

#[test]
fn length_limits_count_utf16_code_units() {
    // 50 emoji = 100 UTF-16 units: allowed; 51 = 102: too long. 100 'ä' = 100 units although 200 bytes.
    value_ok(json!({"@type": "GivenName", "value": "😀".repeat(50)}));
    value_err(
        json!({"@type": "GivenName", "value": "😀".repeat(51)}),
        "at most 100",
    );
    value_ok(json!({"@type": "GivenName", "value": "ä".repeat(100)}));
    let title = "x".repeat(201);
    rejects(
        Request::from_json(
            &json!({"@type": "Request", "title": title, "items": [{"@type": "AuthenticationRequestItem", "title": "t", "mustBeAccepted": true}]}),
        ),
        INVALID,
        "Request.title must be at most 200",
    );
    rejects(
        Mail::from_json(
            &json!({"@type": "Mail", "to": ["a"], "subject": "s".repeat(301), "body": "b"}),
        ),
        INVALID,
        "Mail.subject",
    );
}

#[test]
fn regexes_compile_and_match() {
    value_ok(json!({"@type": "EMailAddress", "value": "jane.doe@exämple.de"}));
    value_err(
        json!({"@type": "EMailAddress", "value": "jane@localhost"}),
        "e-mail",
    );
    value_ok(json!({"@type": "PhoneNumber", "value": "+49 (0)123/456-78"}));
    value_err(json!({"@type": "PhoneNumber", "value": "call me"}), "phone");
    value_ok(json!({"@type": "Website", "value": "https://www.example.com/path?x=1"}));
    value_ok(json!({"@type": "Website", "value": "example.com"}));
    value_err(json!({"@type": "Website", "value": "www.com"}), "website");
    value_ok(relationship_value("ProprietaryHEXColor", json!("#a1B2c3")));
    value_err(
        relationship_value("ProprietaryHEXColor", json!("#12345")),
        "hex",
    );
    value_ok(
        json!({"@type": "SchematizedXML", "value": "<a/>", "schemaURL": "https://example.com/schema.xsd"}),
    );
    value_err(
        json!({"@type": "SchematizedXML", "value": "<a/>", "schemaURL": "not a url"}),
        "schemaURL",
    );
}

fn relationship_value(ty: &str, value: Value) -> Value {
    json!({"@type": ty, "title": "t", "value": value})
}

#[test]
fn whitelist_refuses_characters_outside_din_spec_91379() {
    let ok = Attribute::from_json(&identity(
        json!({"@type": "GivenName", "value": "Zoë Łukasz Ḃ’€"}),
    ))
    .unwrap();
    assert!(check_attribute_characters(&ok).is_ok());
    let bad =
        Attribute::from_json(&identity(json!({"@type": "GivenName", "value": "Jane 😀"}))).unwrap();
    rejects(
        check_attribute_characters(&bad),
        "error.consumption.attributes.forbiddenCharactersInAttribute",
        "GivenName.value",
    );
    // title/description of relationship values are not checked
    let rel = Attribute::from_json(&relationship(
        json!({"@type": "ProprietaryString", "title": "😀", "value": "ok"}),
    ))
    .unwrap();
    assert!(check_attribute_characters(&rel).is_ok());
}

#[test]
fn tags_are_validated_against_the_collection() {
    let collection = AttributeTagCollection::from_json(&json!({
        "supportedLanguages": ["de", "en"],
        "tagsForAttributeValueTypes": { "PhoneNumber": { "emergency": { "displayNames": {"en": "Emergency"}, "children": { "first": { "displayNames": {"en": "First"} } } } } }
    }));
    let tags = |t: &[&str]| t.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(
        validate_tags(
            &tags(&[
                "x:anything",
                "X:caps",
                "urn:foo",
                "language:de",
                "mimetype:image/png",
                "bkb:emergency:first"
            ]),
            "PhoneNumber",
            &collection
        )
        .is_ok()
    );
    rejects(
        validate_tags(&tags(&["bkb:emergency"]), "PhoneNumber", &collection),
        "error.consumption.attributes.invalidTags",
        "'bkb:emergency'",
    );
    rejects(
        validate_tags(&tags(&["language:xx", "foo"]), "PhoneNumber", &collection),
        "error.consumption.attributes.invalidTags",
        "'language:xx', 'foo'",
    );
}

#[test]
fn ids_have_twenty_alphanumeric_characters() {
    let id = ids::new_id("REQ");
    assert_eq!(id.len(), 20);
    assert!(id.starts_with("REQ") && id.chars().all(|c| c.is_ascii_alphanumeric()));
}
