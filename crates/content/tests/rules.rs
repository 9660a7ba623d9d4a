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

#[test]
fn bank_account_iban_and_bic_rules() {
    let account = |iban: &str, bic: Option<&str>| {
        let mut v = json!({"@type": "BankAccount", "accountHolder": "Jane Doe", "iban": iban});
        if let Some(bic) = bic {
            v["bic"] = json!(bic);
        }
        v
    };
    value_ok(account("DE89370400440532013000", Some("COBADEFFXXX")));
    value_ok(account("BE68539007547034", Some("GEBABEBB")));
    value_ok(account("FR1420041010050500013M02606", None));
    value_err(account("DE89370400440532013001", None), "IBAN"); // mod-97 checksum
    value_err(account("DE8937040044053201300", None), "IBAN"); // length of the country
    value_err(account("XX89370400440532013000", None), "IBAN"); // unknown country
    value_err(account("de89370400440532013000", None), "IBAN"); // electronic format is upper case
    value_err(account("BE68539007547035", None), "IBAN"); // Belgian national check digits
    value_err(account("DE89", None), "at least 14");
    value_err(account("DE89370400440532013000", Some("COBAXXFF")), "BIC"); // unknown country XX
    value_err(account("DE89370400440532013000", Some("C0BADEFF")), "BIC"); // digit in the bank code
    value_err(account("DE89370400440532013000", Some("COBADEFFXX")), "BIC"); // 10 characters: 8 or 11
    value_err(
        account("DE89370400440532013000", Some("COBADEF")),
        "at least 8",
    );
}

#[test]
fn birth_date_is_a_past_calendar_date() {
    let date = |d: Value, m: Value, y: Value| json!({"@type": "BirthDate", "day": d, "month": m, "year": y});
    value_ok(date(json!(29), json!(2), json!(2000)));
    value_err(date(json!(29), json!(2), json!(1900)), "not a valid date");
    value_err(date(json!(31), json!(4), json!(2000)), "not a valid date");
    value_err(date(json!(1), json!(1), json!(9999)), "future");
    value_err(date(json!(0), json!(1), json!(2000)), "between 1 and 31");
    value_err(date(json!(1), json!(13), json!(2000)), "between 1 and 12");
    value_err(date(json!(1.5), json!(1), json!(2000)), "integer");
    value_err(date(json!("1"), json!(1), json!(2000)), "number");
    // components may come wrapped and are emitted bare
    let wrapped = AttributeValue::from_json(&date(
        json!({"@type": "BirthDay", "value": 3}),
        json!(2.0),
        json!(1990),
    ))
    .unwrap();
    assert_eq!(
        wrapped.to_json(),
        json!({"@type": "BirthDate", "day": 3, "month": 2, "year": 1990})
    );
}

#[test]
fn code_lists_enums_and_lengths_of_value_types() {
    value_ok(json!({"@type": "Nationality", "value": "DE"}));
    value_err(json!({"@type": "Nationality", "value": "de"}), "ISO 3166-1");
    value_ok(json!({"@type": "CommunicationLanguage", "value": "de"}));
    value_err(
        json!({"@type": "CommunicationLanguage", "value": "xx"}),
        "ISO 639-1",
    );
    value_err(
        json!({"@type": "StreetAddress", "recipient": "r", "street": "s", "houseNo": "1", "zipCode": "1", "city": "c", "country": "XX"}),
        "StreetAddress.country",
    );
    value_ok(json!({"@type": "Sex", "value": "intersex"}));
    value_err(json!({"@type": "Sex", "value": "other"}), "must be one of");
    value_ok(json!({"@type": "MaritalStatus", "value": "civilPartnership"}));
    value_err(
        json!({"@type": "MaritalStatus", "value": "complicated"}),
        "must be one of",
    );
    value_err(
        json!({"@type": "IdentityFileReference", "value": "x".repeat(29)}),
        "at least 30",
    );
    value_ok(relationship_value("ProprietaryJSON", json!({"a": [1, 2]})));
    value_err(
        relationship_value("ProprietaryJSON", json!("x".repeat(4095))),
        "stringified",
    );
    value_err(
        relationship_value("ProprietaryInteger", json!(1.5)),
        "integer",
    );
    value_err(
        relationship_value("ProprietaryBoolean", json!("true")),
        "boolean",
    );
    value_err(
        json!({"@type": "ProprietaryString", "title": "x".repeat(101), "value": "v"}),
        "ProprietaryString.title",
    );
    value_ok(
        json!({"@type": "Consent", "consent": "c", "link": "HTTPS://EXAMPLE.COM/a", "linkDisplayText": "Terms"}),
    );
    value_err(
        json!({"@type": "Consent", "consent": "c", "linkDisplayText": "Terms"}),
        "only allowed if a link is set",
    );
    value_ok(
        json!({"@type": "SchematizedJSON", "value": {"a": 1}, "schemaURL": "https://example.com/s.json"}),
    );
}

#[test]
fn query_structure() {
    let q = AttributeQuery::from_json(&json!({"@type": "ThirdPartyRelationshipAttributeQuery", "key": "k", "owner": "thirdParty", "thirdParty": "did:e:a"})).unwrap();
    assert_eq!(
        q.to_json()["thirdParty"],
        json!(["did:e:a"]),
        "a single thirdParty string is wrapped"
    );
    rejects(
        AttributeQuery::from_json(
            &json!({"@type": "ThirdPartyRelationshipAttributeQuery", "key": "k", "owner": "", "thirdParty": []}),
        ),
        INVALID,
        "thirdParty must have at least 1 element",
    );
    rejects(
        AttributeQuery::from_json(
            &json!({"@type": "ThirdPartyRelationshipAttributeQuery", "key": "k", "owner": "sender", "thirdParty": [""]}),
        ),
        INVALID,
        "owner must be one of",
    );
    rejects(
        AttributeQuery::from_json(
            &json!({"@type": "IdentityAttributeQuery", "valueType": "ProprietaryString"}),
        ),
        INVALID,
        "IdentityAttributeQuery.valueType",
    );
    rejects(
        AttributeQuery::from_json(
            &json!({"@type": "RelationshipAttributeQuery", "key": "k", "owner": "", "attributeCreationHints": {"title": "t", "valueType": "GivenName", "confidentiality": "public"}}),
        ),
        INVALID,
        "RelationshipAttributeCreationHints.valueType",
    );
    rejects(
        AttributeQuery::from_json(
            &json!({"@type": "IdentityAttributeQuery", "valueType": "GivenName", "tags": ["a", "a"]}),
        ),
        INVALID,
        "unique",
    );
    rejects(
        AttributeQuery::from_json(&json!({"@type": "IQLQuery", "queryString": "#a && "})),
        INVALID,
        "offset 7",
    );
    rejects(
        AttributeQuery::from_json(&json!({"@type": "IQLQuery", "queryString": ""})),
        INVALID,
        "offset 1",
    );
    assert!(iql::validate("( GivenName || Surname='Doe \\'x\\'' ) && !#tag").is_ok());
    assert_eq!(iql::validate("GivenName||Surname"), Err(10));
    // ReadAttribute accepts all four queries, ProposeAttribute only three
    let third_party = json!({"@type": "ThirdPartyRelationshipAttributeQuery", "key": "k", "owner": "", "thirdParty": [""]});
    assert!(RequestItem::from_json(&json!({"@type": "ReadAttributeRequestItem", "mustBeAccepted": true, "query": third_party})).is_ok());
    rejects(
        RequestItem::from_json(
            &json!({"@type": "ProposeAttributeRequestItem", "mustBeAccepted": true, "query": third_party, "attribute": relationship(json!({"@type": "ProprietaryString", "title": "t", "value": "v"}))}),
        ),
        INVALID,
        "ProposeAttributeRequestItem.query",
    );
}

#[test]
fn propose_attribute_structural_rules() {
    let propose = |query: Value, attribute: Value| {
        RequestItem::from_json(
            &json!({"@type": "ProposeAttributeRequestItem", "mustBeAccepted": true, "query": query, "attribute": attribute}),
        )
    };
    let given = identity(json!({"@type": "GivenName", "value": "Jane"}));
    let proprietary =
        relationship(json!({"@type": "ProprietaryString", "title": "t", "value": "v"}));
    let rel_query = |value_type: &str| json!({"@type": "RelationshipAttributeQuery", "key": "k", "owner": "", "attributeCreationHints": {"title": "t", "valueType": value_type, "confidentiality": "public"}});
    assert!(
        propose(
            json!({"@type": "IdentityAttributeQuery", "valueType": "GivenName"}),
            given.clone()
        )
        .is_ok()
    );
    assert!(
        propose(
            json!({"@type": "IQLQuery", "queryString": "GivenName"}),
            given.clone()
        )
        .is_ok()
    );
    assert!(propose(rel_query("ProprietaryString"), proprietary.clone()).is_ok());
    rejects(
        propose(
            json!({"@type": "IdentityAttributeQuery", "valueType": "GivenName"}),
            proprietary.clone(),
        ),
        INVALID,
        "has to be a RelationshipAttributeQuery",
    );
    rejects(
        propose(rel_query("ProprietaryString"), given.clone()),
        INVALID,
        "has to be a IdentityAttributeQuery or IQLQuery",
    );
    rejects(
        propose(
            json!({"@type": "IdentityAttributeQuery", "valueType": "Surname"}),
            given.clone(),
        ),
        INVALID,
        "('GivenName') is different from the value type of the query ('Surname')",
    );
    rejects(
        propose(
            json!({"@type": "IQLQuery", "queryString": "GivenName", "attributeCreationHints": {"valueType": "Surname"}}),
            given,
        ),
        INVALID,
        "('Surname')",
    );
    rejects(
        propose(rel_query("ProprietaryInteger"), proprietary),
        INVALID,
        "('ProprietaryInteger')",
    );
}

#[test]
fn form_field_settings_can_create_and_can_accept() {
    let settings = |v: Value| FormFieldSettings::from_json(&v).unwrap();
    let create_err = "error.consumption.requests.invalidRequestItem";
    let accept_err = "error.consumption.requests.invalidAcceptParameters";
    let s = |x: &str| FormFieldResponse::String(x.into());
    let n = FormFieldResponse::Number;

    rejects(
        settings(json!({"@type": "StringFormFieldSettings", "min": 5, "max": 3})).can_create(),
        create_err,
        "max cannot be smaller",
    );
    // the "0 bound skipped" quirk: max 0 means "no max", min 0 means "no min"
    let zero_max = settings(json!({"@type": "StringFormFieldSettings", "min": 5, "max": 0}));
    assert!(zero_max.can_create().is_ok());
    assert!(zero_max.can_accept(&s(&"x".repeat(100))).is_ok());
    rejects(
        zero_max.can_accept(&s("abc")),
        accept_err,
        "smaller than the min 5",
    );
    let string = settings(json!({"@type": "StringFormFieldSettings", "min": 2, "max": 3}));
    rejects(
        string.can_accept(&s("abcd")),
        accept_err,
        "greater than the max 3",
    );
    rejects(string.can_accept(&n(1.0)), accept_err, "with a string");
    assert!(
        string.can_accept(&s("😀")).is_ok(),
        "length counts UTF-16 units: 2"
    );

    let integer = settings(json!({"@type": "IntegerFormFieldSettings", "min": -5, "max": 5}));
    assert!(integer.can_accept(&n(-5.0)).is_ok());
    rejects(integer.can_accept(&n(1.5)), accept_err, "with an integer");
    rejects(
        integer.can_accept(&n(6.0)),
        accept_err,
        "greater than the max 5",
    );
    assert!(
        settings(json!({"@type": "IntegerFormFieldSettings", "min": 0, "max": -3}))
            .can_create()
            .is_ok(),
        "0 bound skipped"
    );
    let double = settings(json!({"@type": "DoubleFormFieldSettings", "min": 0.5}));
    rejects(
        double.can_accept(&n(0.25)),
        accept_err,
        "smaller than the min 0.5",
    );

    let boolean = settings(json!({"@type": "BooleanFormFieldSettings"}));
    assert!(
        boolean
            .can_accept(&FormFieldResponse::Boolean(false))
            .is_ok()
    );
    rejects(boolean.can_accept(&s("true")), accept_err, "boolean");
    let date = settings(json!({"@type": "DateFormFieldSettings"}));
    assert!(date.can_accept(&s("2024-02-29")).is_ok());
    rejects(date.can_accept(&s("2024-02-30")), accept_err, "ISO 8601");

    let single = settings(json!({"@type": "SelectionFormFieldSettings", "options": ["a", "b"]}));
    assert!(single.can_accept(&s("a")).is_ok());
    rejects(single.can_accept(&s("c")), accept_err, "'c'");
    rejects(
        single.can_accept(&FormFieldResponse::StringArray(vec!["a".into()])),
        accept_err,
        "with a string",
    );
    let multi = settings(
        json!({"@type": "SelectionFormFieldSettings", "options": ["a", "b"], "allowMultipleSelection": true}),
    );
    assert!(
        multi
            .can_accept(&FormFieldResponse::StringArray(vec![
                "a".into(),
                "b".into()
            ]))
            .is_ok()
    );
    rejects(
        multi.can_accept(&FormFieldResponse::StringArray(vec![])),
        accept_err,
        "At least one option",
    );
    rejects(
        multi.can_accept(&FormFieldResponse::StringArray(vec![
            "a".into(),
            "a".into(),
        ])),
        accept_err,
        "unique",
    );
    rejects(
        multi.can_accept(&FormFieldResponse::StringArray(vec![
            "x".into(),
            "y".into(),
        ])),
        accept_err,
        "'x', 'y'",
    );
    rejects(
        settings(json!({"@type": "SelectionFormFieldSettings", "options": []})).can_create(),
        create_err,
        "at least one option",
    );
    rejects(
        settings(json!({"@type": "SelectionFormFieldSettings", "options": ["a", "a"]}))
            .can_create(),
        create_err,
        "unique options",
    );

    let rating = settings(json!({"@type": "RatingFormFieldSettings", "maxRating": 5}));
    assert!(rating.can_accept(&n(5.0)).is_ok());
    rejects(rating.can_accept(&n(0.0)), accept_err, "between 1 and 5");
    rejects(
        FormFieldSettings::from_json(&json!({"@type": "RatingFormFieldSettings", "maxRating": 4})),
        INVALID,
        "between 5 and 10",
    );
    rejects(
        FormFieldSettings::from_json(&json!({"@type": "StringFormFieldSettings", "max": 4097})),
        INVALID,
        "between 0 and 4096",
    );
}

#[test]
fn date_input_forms_are_normalized_to_utc_milliseconds() {
    let expires = |v: Value| {
        Request::from_json(&json!({"@type": "Request", "expiresAt": v, "items": [{"@type": "AuthenticationRequestItem", "title": "t", "mustBeAccepted": true}]}))
            .map(|r| r.to_json()["expiresAt"].clone())
    };
    assert_eq!(
        expires(json!("2025-01-01")).unwrap(),
        json!("2025-01-01T00:00:00.000Z")
    );
    assert_eq!(
        expires(json!("2025-01-01T10:00:00+02:00")).unwrap(),
        json!("2025-01-01T08:00:00.000Z")
    );
    assert_eq!(
        expires(json!("2025-01-01T10:00:00.123456-0130")).unwrap(),
        json!("2025-01-01T11:30:00.123Z")
    );
    assert_eq!(
        expires(json!("20250101T1000")).unwrap(),
        json!("2025-01-01T10:00:00.000Z")
    );
    assert_eq!(
        expires(json!("2025-W01-1")).unwrap(),
        json!("2024-12-30T00:00:00.000Z")
    );
    assert_eq!(
        expires(json!("2025-032")).unwrap(),
        json!("2025-02-01T00:00:00.000Z")
    );
    assert_eq!(
        expires(json!(1_700_000_000_000u64)).unwrap(),
        json!("2023-11-14T22:13:20.000Z")
    );
    assert_eq!(
        expires(json!({"date": "2025-01-01T10:00"})).unwrap(),
        json!("2025-01-01T10:00:00.000Z")
    );
    assert_eq!(
        expires(Value::Null).unwrap(),
        Value::Null,
        "null = absent, not emitted"
    );
    rejects(
        expires(json!("garbage")),
        INVALID,
        "Request.expiresAt is not a valid date",
    );
    rejects(expires(json!("2025-02-30")), INVALID, "not a valid date");
    rejects(expires(json!(true)), INVALID, "not a valid date");
}

#[test]
fn round_trip_normalization() {
    // defaults, dropped unknown keys / @version / null optionals, bare components
    let attribute = Attribute::from_json(&json!({"@type": "RelationshipAttribute", "@version": 1, "owner": "", "key": "k", "confidentiality": "public", "validTo": "2030-01-01", "value": {"@type": "ProprietaryString", "title": "t", "description": null, "value": "v"}})).unwrap();
    assert_eq!(
        attribute.to_json(),
        json!({"@type": "RelationshipAttribute", "owner": "", "key": "k", "isTechnical": false, "confidentiality": "public", "value": {"@type": "ProprietaryString", "title": "t", "value": "v"}})
    );
    let mail = Mail::from_json(&json!({"@type": "Mail", "to": ["a"], "subject": "s", "body": "b"}))
        .unwrap();
    assert_eq!(
        mail.to_json(),
        json!({"@type": "Mail", "to": ["a"], "cc": [], "subject": "s", "body": "b", "bodyFormat": "PlainText"})
    );
    let address = AttributeValue::from_json(&json!({"@type": "StreetAddress", "recipient": "r", "street": {"@type": "Street", "value": "Main"}, "houseNo": "1", "zipCode": "1", "city": "c", "country": "DE"})).unwrap();
    assert_eq!(address.get_str("street"), Some("Main"));
    // initialAttributePeer / thirdPartyAddress: both read, both written
    for key in ["initialAttributePeer", "thirdPartyAddress"] {
        let item = json!({"@type": "ShareAttributeRequestItem", "mustBeAccepted": true, "attributeId": "ATTa", key: "did:e:peer", "attribute": relationship(json!({"@type": "ProprietaryString", "title": "t", "value": "v"}))});
        let out = RequestItem::from_json(&item).unwrap().to_json();
        assert_eq!(
            (&out["initialAttributePeer"], &out["thirdPartyAddress"]),
            (&json!("did:e:peer"), &json!("did:e:peer"))
        );
    }
    // every top-level type: to_json ∘ from_json is idempotent
    let request = json!({"@type": "Request", "id": "REQa", "items": [{"@type": "RequestItemGroup", "items": [{"@type": "ReadAttributeRequestItem", "mustBeAccepted": false, "query": {"@type": "IdentityAttributeQuery", "valueType": "GivenName"}}]}]});
    let once = Request::from_json(&request).unwrap().to_json();
    assert_eq!(Request::from_json(&once).unwrap().to_json(), once);
    assert_eq!(message_content_kind(&request), MessageContentKind::Request);
    assert_eq!(
        message_content_kind(&json!({"@type": "ResponseWrapper"})),
        MessageContentKind::ResponseWrapper
    );
    assert_eq!(
        message_content_kind(&json!({"@type": "ArbitraryMessageContent"})),
        MessageContentKind::Arbitrary
    );
    assert_eq!(
        message_content_kind(&json!({"hello": 1})),
        MessageContentKind::Other
    );
}

#[test]
fn own_identity_attributes_are_trimmed() {
    let attribute = IdentityAttribute::from_json(&identity(json!({"@type": "StreetAddress", "recipient": " Jane ", "street": "Main\t", "houseNo": "1", "zipCode": " 1 ", "city": "c", "country": "DE"}))).unwrap();
    let trimmed = attribute.trimmed().unwrap();
    assert_eq!(trimmed.value.get_str("recipient"), Some("Jane"));
    assert_eq!(trimmed.value.get_str("street"), Some("Main"));
    assert_eq!(trimmed.value.get_str("zipCode"), Some("1"));
    // trimming can break a rule: it is validated again
    let phone =
        IdentityAttribute::from_json(&identity(json!({"@type": "PhoneNumber", "value": " 12 "})))
            .unwrap();
    rejects(phone.trimmed(), INVALID, "PhoneNumber.value");
}
