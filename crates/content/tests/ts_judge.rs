//! Judge test: the same corpus of valid and invalid content goes through this crate and through the real
//! `@nmshd/content` 7.0.0 on node (`tests/node/content/judge.mjs`); both must take the same accept/reject
//! decision and produce the same normalized JSON (key order aside). Intentional differences are listed per
//! case with the reason (HEAD-only types and fields of §0.1, the `initialAttributePeer`/`thirdPartyAddress`
//! double emission, and places where we follow the spec's stricter or more lenient rule).
//! Needs node ≥20 and `tests/node_modules` (`scripts/test-all.sh` installs them).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use connector_content::*;
use serde_json::{Value, json};

/// How the two implementations are expected to relate for one case.
enum Expect {
    /// Same decision; if accepted, the same JSON.
    Same,
    /// We accept, 7.0.0 rejects (reason).
    OnlyRustAccepts(&'static str),
    /// We reject, 7.0.0 accepts (reason).
    OnlyTsAccepts(&'static str),
    /// Both accept; the 7.0.0 output is adjusted before comparing (reason, adjustment).
    Adjusted(&'static str, fn(&mut Value)),
}

struct Case {
    name: &'static str,
    input: Value,
    expect: Expect,
}

fn case(name: &'static str, input: Value) -> Case {
    Case {
        name,
        input,
        expect: Expect::Same,
    }
}

fn differs(name: &'static str, input: Value, expect: Expect) -> Case {
    Case {
        name,
        input,
        expect,
    }
}

/// Parses with the type matching the top-level `@type` and renders again.
fn rust_roundtrip(input: &Value) -> Result<Value, ContentError> {
    let ty = input
        .get("@type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    Ok(match ty {
        "Request" => Request::from_json(input)?.to_json(),
        "RequestItemGroup" => RequestItemGroup::from_json(input)?.to_json(),
        "Response" => Response::from_json(input)?.to_json(),
        "ResponseItemGroup" => ResponseItemGroup::from_json(input)?.to_json(),
        "ResponseWrapper" => ResponseWrapper::from_json(input)?.to_json(),
        "RelationshipTemplateContent" => RelationshipTemplateContent::from_json(input)?.to_json(),
        "RelationshipCreationContent" => RelationshipCreationContent::from_json(input)?.to_json(),
        "Mail" => Mail::from_json(input)?.to_json(),
        "Notification" => Notification::from_json(input)?.to_json(),
        "IdentityAttribute" | "RelationshipAttribute" => Attribute::from_json(input)?.to_json(),
        t if t.starts_with("Arbitrary") => ArbitraryContent::from_json(input)?.to_json(),
        t if t.ends_with("AttributeQuery") || t == "IQLQuery" => {
            AttributeQuery::from_json(input)?.to_json()
        }
        t if t.ends_with("NotificationItem") => NotificationItem::from_json(input)?.to_json(),
        t if t.ends_with("RequestItem") => RequestItem::from_json(input)?.to_json(),
        t if t.ends_with("ResponseItem") => ResponseItem::from_json(input)?.to_json(),
        t if t.ends_with("FormFieldSettings") => FormFieldSettings::from_json(input)?.to_json(),
        _ => AttributeValue::from_json(input)?.to_json(),
    })
}

fn tests_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests")
}

fn ts_judge(inputs: &[Value]) -> Vec<Value> {
    let marker = tests_dir().join("node_modules/@nmshd/content/package.json");
    assert!(
        marker.exists(),
        "{} is missing: run scripts/test-all.sh (npm ci in tests/) first",
        marker.display()
    );
    let mut child = Command::new("node")
        .arg(tests_dir().join("node/content/judge.mjs"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node on PATH (Node.js >= 20)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(Value::from(inputs.to_vec()).to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "judge.mjs failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("judge.mjs prints a JSON array")
}

/// base64url("FILaaaaaaaaaaaaaaaaa|3|<base64url of 32 bytes>")
const FILE_REF: &str =
    "RklMYWFhYWFhYWFhYWFhYWFhYWF8M3xBQUVDQXdRRkJnY0lDUW9MREEwT0R4QVJFaE1VRlJZWEdCa2FHeHdkSGg4";
/// base64url("3|<base64url of 32 bytes>||")
const FILE_URL_FRAGMENT: &str = "M3xBQUVDQXdRRkJnY0lDUW9MREEwT0R4QVJFaE1VRlJZWEdCa2FHeHdkSGg4fHw";
const ADDR: &str = "did:e:localhost:dids:0123456789abcdef012345";

fn ident(value: Value) -> Value {
    json!({ "@type": "IdentityAttribute", "owner": ADDR, "value": value })
}

fn rel(value: Value) -> Value {
    json!({ "@type": "RelationshipAttribute", "owner": ADDR, "key": "k", "confidentiality": "protected", "value": value })
}

fn request(items: Value) -> Value {
    json!({ "@type": "Request", "items": items })
}

fn auth() -> Value {
    json!({ "@type": "AuthenticationRequestItem", "mustBeAccepted": true, "title": "Log in" })
}

/// §1: `@type` is emitted on every object, also where the class is fixed; 7.0.0 omits it there. Adds it to
/// the 7.0.0 output at those positions (applied to every case; the only general difference).
fn add_fixed_class_types(v: &mut Value) {
    fn walk(v: &mut Value) {
        match v {
            Value::Array(items) => items.iter_mut().for_each(walk),
            Value::Object(map) => {
                let ty = map
                    .get("@type")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                for (key, child) in map.iter_mut() {
                    let fixed = match (ty.as_str(), key.as_str()) {
                        (
                            "RelationshipTemplateContent",
                            "onNewRelationship" | "onExistingRelationship",
                        ) => Some("Request"),
                        ("ResponseWrapper" | "RelationshipCreationContent", "response") => {
                            Some("Response")
                        }
                        ("IQLQuery", "attributeCreationHints") => Some("IQLQueryCreationHints"),
                        ("RelationshipAttributeQuery", "attributeCreationHints") => {
                            Some("RelationshipAttributeCreationHints")
                        }
                        ("TransferFileOwnershipAcceptResponseItem", "attribute") => {
                            Some("IdentityAttribute")
                        }
                        ("ValueHints" | "ValueHintsOverride", "values") => Some("ValueHintsValue"),
                        _ => None,
                    };
                    if let Some(fixed) = fixed {
                        let targets: Vec<&mut Value> = match &mut *child {
                            Value::Array(items) => items.iter_mut().collect(),
                            other => vec![other],
                        };
                        for target in targets {
                            if let Value::Object(m) = target {
                                m.entry("@type").or_insert_with(|| json!(fixed));
                            }
                        }
                    }
                    walk(child);
                }
            }
            _ => {}
        }
    }
    walk(v);
}

fn add_body_format(v: &mut Value) {
    v["bodyFormat"] = json!("PlainText");
}

/// 7.0.0 only knows `thirdPartyAddress`; we also emit `initialAttributePeer` with the same value.
fn add_initial_attribute_peer(v: &mut Value) {
    let peer = v["thirdPartyAddress"].clone();
    v["initialAttributePeer"] = peer;
}

fn millis_date_in_utc(v: &mut Value) {
    v["expiresAt"] = json!("2023-11-14T22:13:20.000Z");
}

const V71: &str = "type added after 7.0.0 (§0.1); HEAD accepts it";

fn corpus() -> Vec<Case> {
    let long = |n: usize| "x".repeat(n);
    let iban = "DE89370400440532013000";
    vec![
        // ---- Request / groups / common item fields
        case("request minimal", request(json!([auth()]))),
        case(
            "request full",
            json!({"@type": "Request", "id": "REQyB8AzanfTmT2afQqA", "expiresAt": "2026-01-01T00:00:00.000Z", "title": "t", "description": "d", "metadata": {"a": [1, null]}, "items": [auth()], "unknown": 1, "@version": 1}),
        ),
        case("request no items", request(json!([]))),
        case("request items missing", json!({"@type": "Request"})),
        case(
            "request title 200",
            json!({"@type": "Request", "title": long(200), "items": [auth()]}),
        ),
        case(
            "request title 201",
            json!({"@type": "Request", "title": long(201), "items": [auth()]}),
        ),
        case(
            "request description 501",
            json!({"@type": "Request", "description": long(501), "items": [auth()]}),
        ),
        case(
            "request date only",
            json!({"@type": "Request", "expiresAt": "2025-01-01", "items": [auth()]}),
        ),
        case(
            "request date with offset",
            json!({"@type": "Request", "expiresAt": "2025-01-01T10:00:00+02:00", "items": [auth()]}),
        ),
        case(
            "request date without offset",
            json!({"@type": "Request", "expiresAt": {"date": "2025-01-01T10:00"}, "items": [auth()]}),
        ),
        case(
            "request week date",
            json!({"@type": "Request", "expiresAt": "2025-W01-1", "items": [auth()]}),
        ),
        case(
            "request ordinal date",
            json!({"@type": "Request", "expiresAt": "2025-032", "items": [auth()]}),
        ),
        case(
            "request fractional seconds",
            json!({"@type": "Request", "expiresAt": "2025-01-01T10:00:00.123456Z", "items": [auth()]}),
        ),
        case(
            "request garbage date",
            json!({"@type": "Request", "expiresAt": "garbage", "items": [auth()]}),
        ),
        case(
            "request invalid calendar date",
            json!({"@type": "Request", "expiresAt": "2025-02-30", "items": [auth()]}),
        ),
        differs(
            "request epoch millis",
            json!({"@type": "Request", "expiresAt": 1_700_000_000_000u64, "items": [auth()]}),
            Expect::Adjusted(
                "7.0.0 renders millis in the process zone as +00:00; we always emit Z (§1)",
                millis_date_in_utc,
            ),
        ),
        differs(
            "request expiresAt null",
            json!({"@type": "Request", "expiresAt": null, "items": [auth()]}),
            Expect::Adjusted(
                "7.0.0 echoes null; §1: null = absent, never emitted",
                |v| {
                    v.as_object_mut().unwrap().remove("expiresAt");
                },
            ),
        ),
        case(
            "request metadata number",
            json!({"@type": "Request", "metadata": 5, "items": [auth()]}),
        ),
        case(
            "group",
            request(json!([{"@type": "RequestItemGroup", "title": "g", "items": [auth()]}])),
        ),
        case(
            "group empty",
            request(json!([{"@type": "RequestItemGroup", "items": []}])),
        ),
        differs(
            "group nested",
            request(
                json!([{"@type": "RequestItemGroup", "items": [{"@type": "RequestItemGroup", "items": [auth()]}]}]),
            ),
            Expect::OnlyTsAccepts(
                "§2.2: groups do not nest (7.0.0 does not check; the processors cannot handle it)",
            ),
        ),
        case(
            "item unknown type",
            request(json!([{"@type": "FooRequestItem", "mustBeAccepted": true}])),
        ),
        differs(
            "item without type",
            request(json!([{"mustBeAccepted": true, "title": "x"}])),
            Expect::OnlyTsAccepts(
                "§1: @type is mandatory in union positions (7.0.0 falls back to the abstract RequestItem)",
            ),
        ),
        case(
            "item mustBeAccepted missing",
            request(json!([{"@type": "AuthenticationRequestItem", "title": "x"}])),
        ),
        case(
            "item mustBeAccepted string",
            request(
                json!([{"@type": "AuthenticationRequestItem", "title": "x", "mustBeAccepted": "true"}]),
            ),
        ),
        case(
            "item title number",
            request(
                json!([{"@type": "AuthenticationRequestItem", "title": 5, "mustBeAccepted": true}]),
            ),
        ),
        differs(
            "item description null",
            request(
                json!([{"@type": "AuthenticationRequestItem", "title": "x", "mustBeAccepted": true, "description": null}]),
            ),
            Expect::OnlyRustAccepts(
                "§1: null on an optional field = absent (7.0.0 rejects null strings)",
            ),
        ),
        // ---- request items
        case(
            "consent",
            json!({"@type": "ConsentRequestItem", "mustBeAccepted": true, "consent": "I agree", "link": "https://example.com/terms", "linkDisplayText": "Terms", "requiresInteraction": true}),
        ),
        case(
            "consent link uppercase",
            json!({"@type": "ConsentRequestItem", "mustBeAccepted": true, "consent": "c", "link": "HTTPS://EXAMPLE.COM/X"}),
        ),
        case(
            "consent bad link",
            json!({"@type": "ConsentRequestItem", "mustBeAccepted": true, "consent": "c", "link": "not a link"}),
        ),
        case(
            "consent display text without link",
            json!({"@type": "ConsentRequestItem", "mustBeAccepted": true, "consent": "c", "linkDisplayText": "Terms"}),
        ),
        case(
            "consent display text too short",
            json!({"@type": "ConsentRequestItem", "mustBeAccepted": true, "consent": "c", "link": "https://e.de", "linkDisplayText": "ab"}),
        ),
        case(
            "consent too long",
            json!({"@type": "ConsentRequestItem", "mustBeAccepted": true, "consent": long(10001)}),
        ),
        case(
            "create identity",
            json!({"@type": "CreateAttributeRequestItem", "mustBeAccepted": true, "attribute": ident(json!({"@type": "GivenName", "value": "Jane"}))}),
        ),
        case(
            "create relationship isTechnical default",
            json!({"@type": "CreateAttributeRequestItem", "mustBeAccepted": false, "attribute": rel(json!({"@type": "ProprietaryString", "title": "t", "value": "v"}))}),
        ),
        case(
            "create without attribute",
            json!({"@type": "CreateAttributeRequestItem", "mustBeAccepted": true}),
        ),
        case(
            "delete",
            json!({"@type": "DeleteAttributeRequestItem", "mustBeAccepted": true, "attributeId": "ATTxxxxxxxxxxxxxxxxx"}),
        ),
        case(
            "delete without id",
            json!({"@type": "DeleteAttributeRequestItem", "mustBeAccepted": true}),
        ),
        case(
            "read identity query",
            json!({"@type": "ReadAttributeRequestItem", "mustBeAccepted": true, "query": {"@type": "IdentityAttributeQuery", "valueType": "GivenName", "tags": ["x:a"]}}),
        ),
        case(
            "read iql",
            json!({"@type": "ReadAttributeRequestItem", "mustBeAccepted": true, "query": {"@type": "IQLQuery", "queryString": "GivenName || #x:y", "attributeCreationHints": {"valueType": "GivenName"}}}),
        ),
        case(
            "read relationship query",
            json!({"@type": "ReadAttributeRequestItem", "mustBeAccepted": true, "query": {"@type": "RelationshipAttributeQuery", "key": "k", "owner": "", "attributeCreationHints": {"title": "t", "valueType": "ProprietaryString", "confidentiality": "public", "valueHints": {"max": 3, "values": [{"key": 1, "displayName": "one"}]}}}}),
        ),
        case(
            "read third party query string",
            json!({"@type": "ReadAttributeRequestItem", "mustBeAccepted": true, "query": {"@type": "ThirdPartyRelationshipAttributeQuery", "key": "k", "owner": "thirdParty", "thirdParty": ADDR}}),
        ),
        case(
            "read third party bad owner",
            json!({"@type": "ReadAttributeRequestItem", "mustBeAccepted": true, "query": {"@type": "ThirdPartyRelationshipAttributeQuery", "key": "k", "owner": "me", "thirdParty": [ADDR]}}),
        ),
        case(
            "read without query",
            json!({"@type": "ReadAttributeRequestItem", "mustBeAccepted": true}),
        ),
        case(
            "propose identity",
            json!({"@type": "ProposeAttributeRequestItem", "mustBeAccepted": true, "query": {"@type": "IdentityAttributeQuery", "valueType": "GivenName"}, "attribute": ident(json!({"@type": "GivenName", "value": "Jane"}))}),
        ),
        case(
            "propose value type mismatch",
            json!({"@type": "ProposeAttributeRequestItem", "mustBeAccepted": true, "query": {"@type": "IdentityAttributeQuery", "valueType": "Surname"}, "attribute": ident(json!({"@type": "GivenName", "value": "Jane"}))}),
        ),
        case(
            "propose relationship with identity query",
            json!({"@type": "ProposeAttributeRequestItem", "mustBeAccepted": true, "query": {"@type": "IdentityAttributeQuery", "valueType": "GivenName"}, "attribute": rel(json!({"@type": "ProprietaryString", "title": "t", "value": "v"}))}),
        ),
        case(
            "propose identity with relationship query",
            json!({"@type": "ProposeAttributeRequestItem", "mustBeAccepted": true, "query": {"@type": "RelationshipAttributeQuery", "key": "k", "owner": "", "attributeCreationHints": {"title": "t", "valueType": "ProprietaryString", "confidentiality": "public"}}, "attribute": ident(json!({"@type": "GivenName", "value": "Jane"}))}),
        ),
        case(
            "propose iql hints mismatch",
            json!({"@type": "ProposeAttributeRequestItem", "mustBeAccepted": true, "query": {"@type": "IQLQuery", "queryString": "GivenName", "attributeCreationHints": {"valueType": "Surname"}}, "attribute": ident(json!({"@type": "GivenName", "value": "Jane"}))}),
        ),
        case(
            "propose relationship query title mismatch is fine",
            json!({"@type": "ProposeAttributeRequestItem", "mustBeAccepted": true, "query": {"@type": "RelationshipAttributeQuery", "key": "k", "owner": "", "attributeCreationHints": {"title": "t", "valueType": "ProprietaryString", "confidentiality": "public"}}, "attribute": rel(json!({"@type": "ProprietaryString", "title": "other", "value": "v"}))}),
        ),
        case(
            "propose relationship query type mismatch",
            json!({"@type": "ProposeAttributeRequestItem", "mustBeAccepted": true, "query": {"@type": "RelationshipAttributeQuery", "key": "k", "owner": "", "attributeCreationHints": {"title": "t", "valueType": "ProprietaryInteger", "confidentiality": "public"}}, "attribute": rel(json!({"@type": "ProprietaryString", "title": "t", "value": "v"}))}),
        ),
        differs(
            "share with thirdPartyAddress",
            json!({"@type": "ShareAttributeRequestItem", "mustBeAccepted": true, "attributeId": "ATTa", "thirdPartyAddress": ADDR, "attribute": rel(json!({"@type": "ProprietaryString", "title": "t", "value": "v"}))}),
            Expect::Adjusted(
                "we emit initialAttributePeer and thirdPartyAddress (wire compat, peer.rs)",
                add_initial_attribute_peer,
            ),
        ),
        differs(
            "share with initialAttributePeer",
            json!({"@type": "ShareAttributeRequestItem", "mustBeAccepted": true, "attributeId": "ATTa", "initialAttributePeer": ADDR, "attribute": rel(json!({"@type": "ProprietaryString", "title": "t", "value": "v"}))}),
            Expect::Adjusted("7.0.0 drops the HEAD name; we keep it and emit both", |v| {
                v["initialAttributePeer"] = json!(ADDR);
                v["thirdPartyAddress"] = json!(ADDR);
            }),
        ),
        case(
            "share without attributeId",
            json!({"@type": "ShareAttributeRequestItem", "mustBeAccepted": true, "attribute": ident(json!({"@type": "GivenName", "value": "Jane"}))}),
        ),
        case(
            "form field string",
            json!({"@type": "FormFieldRequestItem", "mustBeAccepted": true, "title": "Name", "settings": {"@type": "StringFormFieldSettings", "allowNewlines": true, "min": 0, "max": 10}}),
        ),
        case(
            "form field selection",
            json!({"@type": "FormFieldRequestItem", "mustBeAccepted": false, "title": "Pick", "settings": {"@type": "SelectionFormFieldSettings", "options": ["a", "b"], "allowMultipleSelection": true}}),
        ),
        case(
            "form field selection empty option",
            json!({"@type": "FormFieldRequestItem", "mustBeAccepted": false, "title": "Pick", "settings": {"@type": "SelectionFormFieldSettings", "options": [""]}}),
        ),
        case(
            "form field rating 11",
            json!({"@type": "FormFieldRequestItem", "mustBeAccepted": false, "title": "Rate", "settings": {"@type": "RatingFormFieldSettings", "maxRating": 11}}),
        ),
        case(
            "form field rating",
            json!({"@type": "FormFieldRequestItem", "mustBeAccepted": false, "title": "Rate", "settings": {"@type": "RatingFormFieldSettings", "maxRating": 5}}),
        ),
        case(
            "form field integer",
            json!({"@type": "FormFieldRequestItem", "mustBeAccepted": false, "title": "n", "settings": {"@type": "IntegerFormFieldSettings", "unit": "kg", "min": 1, "max": 3}}),
        ),
        case(
            "form field integer fractional bound",
            json!({"@type": "FormFieldRequestItem", "mustBeAccepted": false, "title": "n", "settings": {"@type": "IntegerFormFieldSettings", "min": 1.5}}),
        ),
        case(
            "form field double",
            json!({"@type": "FormFieldRequestItem", "mustBeAccepted": false, "title": "n", "settings": {"@type": "DoubleFormFieldSettings", "min": 0.5, "max": 2.5}}),
        ),
        case(
            "form field date/boolean",
            request(
                json!([{"@type": "FormFieldRequestItem", "mustBeAccepted": false, "title": "d", "settings": {"@type": "DateFormFieldSettings"}}, {"@type": "FormFieldRequestItem", "mustBeAccepted": false, "title": "b", "settings": {"@type": "BooleanFormFieldSettings"}}]),
            ),
        ),
        case(
            "form field string max 4097",
            json!({"@type": "FormFieldRequestItem", "mustBeAccepted": true, "title": "Name", "settings": {"@type": "StringFormFieldSettings", "max": 4097}}),
        ),
        case(
            "form field unknown settings",
            json!({"@type": "FormFieldRequestItem", "mustBeAccepted": true, "title": "Name", "settings": {"@type": "ColorFormFieldSettings"}}),
        ),
        case(
            "transfer file ownership",
            json!({"@type": "TransferFileOwnershipRequestItem", "mustBeAccepted": true, "fileReference": FILE_REF, "ownershipToken": "tok"}),
        ),
        case(
            "transfer file ownership url",
            json!({"@type": "TransferFileOwnershipRequestItem", "mustBeAccepted": true, "fileReference": format!("https://b.example/r/FILaaaaaaaaaaaaaaaaa#{FILE_URL_FRAGMENT}"), "ownershipToken": "tok"}),
        ),
        case(
            "transfer file ownership two components",
            json!({"@type": "TransferFileOwnershipRequestItem", "mustBeAccepted": true, "fileReference": "RklMeHh4eHh4eHh4eHh4eHh4eHh4fGxvY2FsaG9zdA", "ownershipToken": "tok"}),
        ),
        differs(
            "share credential offer",
            json!({"@type": "ShareCredentialOfferRequestItem", "mustBeAccepted": true, "credentialOfferUrl": "openid-credential-offer://x"}),
            Expect::OnlyRustAccepts(V71),
        ),
        differs(
            "share authorization request",
            json!({"@type": "ShareAuthorizationRequestRequestItem", "mustBeAccepted": true, "authorizationRequestUrl": "openid4vp://x"}),
            Expect::OnlyRustAccepts(V71),
        ),
        // ---- responses
        case(
            "response",
            json!({"@type": "Response", "result": "Accepted", "requestId": "REQa", "items": [{"@type": "AcceptResponseItem", "result": "Accepted"}, {"@type": "ResponseItemGroup", "items": [{"@type": "RejectResponseItem", "result": "Rejected", "code": "c", "message": "m"}]}]}),
        ),
        case(
            "response empty items",
            json!({"@type": "Response", "result": "Accepted", "requestId": "REQa", "items": []}),
        ),
        differs(
            "response bad result",
            json!({"@type": "Response", "result": "Maybe", "requestId": "REQa", "items": [{"@type": "AcceptResponseItem", "result": "Accepted"}]}),
            Expect::OnlyTsAccepts(
                "§2.6: result is \"Accepted\" | \"Rejected\" (7.0.0 does not check the enum)",
            ),
        ),
        case(
            "response without requestId",
            json!({"@type": "Response", "result": "Accepted", "items": [{"@type": "AcceptResponseItem", "result": "Accepted"}]}),
        ),
        differs(
            "accept item with result Rejected",
            json!({"@type": "AcceptResponseItem", "result": "Rejected"}),
            Expect::OnlyTsAccepts(
                "a result contradicting the class is refused (7.0.0 does not cross-check, never emits it)",
            ),
        ),
        case(
            "error item",
            json!({"@type": "ErrorResponseItem", "result": "Error", "code": "error.x", "message": "m"}),
        ),
        case(
            "error item without message",
            json!({"@type": "ErrorResponseItem", "result": "Error", "code": "error.x"}),
        ),
        case(
            "reject code too long",
            json!({"@type": "RejectResponseItem", "result": "Rejected", "code": long(201)}),
        ),
        case(
            "create accept",
            json!({"@type": "CreateAttributeAcceptResponseItem", "result": "Accepted", "attributeId": "ATTa"}),
        ),
        case(
            "delete accept",
            json!({"@type": "DeleteAttributeAcceptResponseItem", "result": "Accepted", "deletionDate": "2025-06-01T12:00:00+01:00"}),
        ),
        case(
            "delete accept bad date",
            json!({"@type": "DeleteAttributeAcceptResponseItem", "result": "Accepted", "deletionDate": "tomorrow"}),
        ),
        case(
            "propose accept",
            json!({"@type": "ProposeAttributeAcceptResponseItem", "result": "Accepted", "attributeId": "ATTa", "attribute": ident(json!({"@type": "Surname", "value": "Doe"}))}),
        ),
        differs(
            "read accept with thirdPartyAddress",
            json!({"@type": "ReadAttributeAcceptResponseItem", "result": "Accepted", "attributeId": "ATTa", "thirdPartyAddress": ADDR, "attribute": rel(json!({"@type": "ProprietaryBoolean", "title": "t", "value": true}))}),
            Expect::Adjusted(
                "we emit initialAttributePeer and thirdPartyAddress (wire compat, peer.rs)",
                add_initial_attribute_peer,
            ),
        ),
        case(
            "read accept",
            json!({"@type": "ReadAttributeAcceptResponseItem", "result": "Accepted", "attributeId": "ATTa", "attribute": ident(json!({"@type": "Sex", "value": "female"}))}),
        ),
        case(
            "form field accept string",
            json!({"@type": "FormFieldAcceptResponseItem", "result": "Accepted", "response": "x"}),
        ),
        case(
            "form field accept empty string",
            json!({"@type": "FormFieldAcceptResponseItem", "result": "Accepted", "response": ""}),
        ),
        case(
            "form field accept array",
            json!({"@type": "FormFieldAcceptResponseItem", "result": "Accepted", "response": ["a", "b"]}),
        ),
        case(
            "form field accept object",
            json!({"@type": "FormFieldAcceptResponseItem", "result": "Accepted", "response": {"a": 1}}),
        ),
        case(
            "form field accept number array",
            json!({"@type": "FormFieldAcceptResponseItem", "result": "Accepted", "response": [1]}),
        ),
        case(
            "transfer accept",
            json!({"@type": "TransferFileOwnershipAcceptResponseItem", "result": "Accepted", "attributeId": "ATTa", "attribute": ident(json!({"@type": "IdentityFileReference", "value": "RklMeHh4eHh4eHh4eHh4eHh4eHh4fGxvY2FsaG9zdA"}))}),
        ),
        case(
            "already shared",
            json!({"@type": "AttributeAlreadySharedAcceptResponseItem", "result": "Accepted", "attributeId": "ATTa"}),
        ),
        case(
            "succession",
            json!({"@type": "AttributeSuccessionAcceptResponseItem", "result": "Accepted", "predecessorId": "ATTa", "successorId": "ATTb", "successorContent": ident(json!({"@type": "GivenName", "value": "J"}))}),
        ),
        case(
            "wrapper",
            json!({"@type": "ResponseWrapper", "requestId": "REQa", "requestSourceReference": "MSGa", "requestSourceType": "Message", "response": {"result": "Rejected", "requestId": "REQa", "items": [{"@type": "RejectResponseItem", "result": "Rejected"}]}}),
        ),
        case(
            "wrapper bad source type",
            json!({"@type": "ResponseWrapper", "requestId": "REQa", "requestSourceReference": "MSGa", "requestSourceType": "Token", "response": {"@type": "Response", "result": "Accepted", "requestId": "REQa", "items": [{"@type": "AcceptResponseItem", "result": "Accepted"}]}}),
        ),
        // ---- template / creation / arbitrary / mail / notification
        case(
            "template content",
            json!({"@type": "RelationshipTemplateContent", "title": "Hi", "metadata": {"m": 1}, "onNewRelationship": request(json!([auth()])), "onExistingRelationship": request(json!([auth()]))}),
        ),
        case(
            "template content without onNewRelationship",
            json!({"@type": "RelationshipTemplateContent", "title": "Hi"}),
        ),
        case(
            "creation content",
            json!({"@type": "RelationshipCreationContent", "response": {"@type": "Response", "result": "Accepted", "requestId": "REQa", "items": [{"@type": "AcceptResponseItem", "result": "Accepted"}]}}),
        ),
        case(
            "arbitrary template",
            json!({"@type": "ArbitraryRelationshipTemplateContent", "value": {"hello": ["world", 1, null]}}),
        ),
        case(
            "arbitrary message",
            json!({"@type": "ArbitraryMessageContent", "value": "text"}),
        ),
        case(
            "arbitrary creation without value",
            json!({"@type": "ArbitraryRelationshipCreationContent"}),
        ),
        differs(
            "mail",
            json!({"@type": "Mail", "to": [ADDR], "subject": "s", "body": "b", "x": 1}),
            Expect::Adjusted(
                "bodyFormat is 7.1+, defaulted and emitted (§2.11)",
                add_body_format,
            ),
        ),
        differs(
            "mail cc null",
            json!({"@type": "Mail", "to": [ADDR], "cc": null, "subject": "s", "body": "b"}),
            Expect::Adjusted("bodyFormat is 7.1+", add_body_format),
        ),
        differs(
            "mail markdown",
            json!({"@type": "Mail", "to": [ADDR], "cc": [ADDR], "subject": "s", "body": "**b**", "bodyFormat": "Markdown"}),
            Expect::Adjusted("bodyFormat is 7.1+ (7.0.0 drops it)", |v| {
                v["bodyFormat"] = json!("Markdown")
            }),
        ),
        case(
            "mail empty to",
            json!({"@type": "Mail", "to": [], "subject": "s", "body": "b"}),
        ),
        case(
            "mail subject 301",
            json!({"@type": "Mail", "to": [ADDR], "subject": long(301), "body": "b"}),
        ),
        case(
            "mail without body",
            json!({"@type": "Mail", "to": [ADDR], "subject": "s"}),
        ),
        case(
            "notification",
            json!({"@type": "Notification", "id": "NOTa", "items": [
            {"@type": "PeerAttributeSucceededNotificationItem", "predecessorId": "ATTa", "successorId": "ATTb", "successorContent": ident(json!({"@type": "EMailAddress", "value": "new@example.com"}))},
            {"@type": "OwnAttributeDeletedByOwnerNotificationItem", "attributeId": "ATTa"},
            {"@type": "PeerRelationshipAttributeDeletedByPeerNotificationItem", "attributeId": "ATTa"},
            {"@type": "ForwardedAttributeDeletedByPeerNotificationItem", "attributeId": "ATTa"}]}),
        ),
        case(
            "notification without items",
            json!({"@type": "Notification", "id": "NOTa", "items": []}),
        ),
        case(
            "notification unknown item",
            json!({"@type": "Notification", "id": "NOTa", "items": [{"@type": "FooNotificationItem"}]}),
        ),
        // ---- attributes and queries
        case(
            "identity tags",
            ident(json!({"@type": "GivenName", "value": "J"}))
                .as_object()
                .cloned()
                .map(|mut m| {
                    m.insert("tags".into(), json!(["x:a", "bkb:b"]));
                    Value::Object(m)
                })
                .unwrap(),
        ),
        case(
            "identity duplicate tags",
            json!({"@type": "IdentityAttribute", "owner": "", "tags": ["a", "a"], "value": {"@type": "GivenName", "value": "J"}}),
        ),
        case(
            "identity 21 tags",
            json!({"@type": "IdentityAttribute", "owner": "", "tags": (0..21).map(|i| format!("x:{i}")).collect::<Vec<_>>(), "value": {"@type": "GivenName", "value": "J"}}),
        ),
        case(
            "identity tag 251",
            json!({"@type": "IdentityAttribute", "owner": "", "tags": [long(251)], "value": {"@type": "GivenName", "value": "J"}}),
        ),
        case(
            "identity with relationship value",
            ident(json!({"@type": "ProprietaryString", "title": "t", "value": "v"})),
        ),
        case(
            "identity bare value",
            json!({"@type": "IdentityAttribute", "owner": "", "value": "Jane"}),
        ),
        case(
            "identity without owner",
            json!({"@type": "IdentityAttribute", "value": {"@type": "GivenName", "value": "J"}}),
        ),
        case(
            "relationship technical",
            json!({"@type": "RelationshipAttribute", "owner": "", "key": "k", "isTechnical": true, "confidentiality": "private", "value": {"@type": "Consent", "consent": "c"}}),
        ),
        case(
            "relationship bad confidentiality",
            json!({"@type": "RelationshipAttribute", "owner": "", "key": "k", "confidentiality": "secret", "value": {"@type": "ProprietaryString", "title": "t", "value": "v"}}),
        ),
        case(
            "relationship key 101",
            json!({"@type": "RelationshipAttribute", "owner": "", "key": long(101), "confidentiality": "public", "value": {"@type": "ProprietaryString", "title": "t", "value": "v"}}),
        ),
        case(
            "identity query unknown value type",
            json!({"@type": "IdentityAttributeQuery", "valueType": "Foo"}),
        ),
        case(
            "identity query relationship value type",
            json!({"@type": "IdentityAttributeQuery", "valueType": "ProprietaryString"}),
        ),
        case(
            "identity query duplicate tags",
            json!({"@type": "IdentityAttributeQuery", "valueType": "GivenName", "tags": ["a", "a"]}),
        ),
        case(
            "relationship query missing hints",
            json!({"@type": "RelationshipAttributeQuery", "key": "k", "owner": ""}),
        ),
        case(
            "relationship query identity value type",
            json!({"@type": "RelationshipAttributeQuery", "key": "k", "owner": "", "attributeCreationHints": {"title": "t", "valueType": "GivenName", "confidentiality": "public"}}),
        ),
        case(
            "relationship query hints override",
            json!({"@type": "RelationshipAttributeQuery", "key": "k", "owner": ADDR, "attributeCreationHints": {"title": "t", "description": "d", "valueType": "ProprietaryInteger", "confidentiality": "public", "valueHints": {"editHelp": "e", "min": 1, "max": 5, "pattern": "[0-9]", "defaultValue": 2, "propertyHints": {"value": {"max": 1}}}}}),
        ),
        case(
            "third party query array",
            json!({"@type": "ThirdPartyRelationshipAttributeQuery", "key": "k", "owner": "", "thirdParty": ["", ADDR]}),
        ),
        case(
            "third party query empty",
            json!({"@type": "ThirdPartyRelationshipAttributeQuery", "key": "k", "owner": "", "thirdParty": []}),
        ),
        case("iql empty", json!({"@type": "IQLQuery", "queryString": ""})),
        case(
            "iql dangling and",
            json!({"@type": "IQLQuery", "queryString": "#a && "}),
        ),
        case("iql tag", json!({"@type": "IQLQuery", "queryString": "#a"})),
        case(
            "iql complex",
            json!({"@type": "IQLQuery", "queryString": "( StreetAddress.city=Berlin || !PhoneNumber? ) && owner='did:e:x' && tags~x:y"}),
        ),
        case(
            "iql missing spaces",
            json!({"@type": "IQLQuery", "queryString": "GivenName||Surname"}),
        ),
        case(
            "iql parens without spaces",
            json!({"@type": "IQLQuery", "queryString": "(GivenName)"}),
        ),
        case(
            "iql lowercase single segment",
            json!({"@type": "IQLQuery", "queryString": "a=b"}),
        ),
        case(
            "iql quoted escape",
            json!({"@type": "IQLQuery", "queryString": "GivenName='Jane \\'J\\' Doe'"}),
        ),
        case(
            "iql unterminated quote",
            json!({"@type": "IQLQuery", "queryString": "GivenName='Jane"}),
        ),
        case(
            "iql date compare",
            json!({"@type": "IQLQuery", "queryString": "BirthDate.year>1990 && createdAt<2020-01-01"}),
        ),
        case(
            "iql too long",
            json!({"@type": "IQLQuery", "queryString": format!("#{}", long(4096))}),
        ),
        // ---- value types (TSV)
        case(
            "affiliation",
            json!({"@type": "Affiliation", "organization": "O", "role": "R", "unit": "U"}),
        ),
        case(
            "affiliation wrapped component",
            json!({"@type": "Affiliation", "organization": {"@type": "AffiliationOrganization", "value": "O"}}),
        ),
        case(
            "affiliation missing organization",
            json!({"@type": "Affiliation", "role": "R"}),
        ),
        case(
            "birth date",
            json!({"@type": "BirthDate", "day": 29, "month": 2, "year": 2000}),
        ),
        case(
            "birth date wrapped",
            json!({"@type": "BirthDate", "day": {"@type": "BirthDay", "value": 3}, "month": 2.0, "year": 2000}),
        ),
        case(
            "birth date feb 30",
            json!({"@type": "BirthDate", "day": 30, "month": 2, "year": 2000}),
        ),
        case(
            "birth date feb 29 non-leap",
            json!({"@type": "BirthDate", "day": 29, "month": 2, "year": 1900}),
        ),
        case(
            "birth date in future",
            json!({"@type": "BirthDate", "day": 1, "month": 1, "year": 9999}),
        ),
        case(
            "birth date month 13",
            json!({"@type": "BirthDate", "day": 1, "month": 13, "year": 2000}),
        ),
        case(
            "birth date fractional",
            json!({"@type": "BirthDate", "day": 1.5, "month": 1, "year": 2000}),
        ),
        case(
            "birth place",
            json!({"@type": "BirthPlace", "city": "Köln", "country": "DE", "state": "NRW"}),
        ),
        case(
            "birth place lowercase country",
            json!({"@type": "BirthPlace", "city": "Köln", "country": "de"}),
        ),
        case(
            "citizenship",
            json!({"@type": "Citizenship", "value": "AT"}),
        ),
        case(
            "citizenship unknown",
            json!({"@type": "Citizenship", "value": "XX"}),
        ),
        case(
            "language",
            json!({"@type": "CommunicationLanguage", "value": "de"}),
        ),
        case(
            "language unknown",
            json!({"@type": "CommunicationLanguage", "value": "xx"}),
        ),
        case(
            "delivery box",
            json!({"@type": "DeliveryBoxAddress", "recipient": "r", "userId": "u", "deliveryBoxId": "d", "zipCode": "1", "city": "c", "country": "DE", "phoneNumber": "+49 1", "state": "s"}),
        ),
        case(
            "delivery box bad phone",
            json!({"@type": "DeliveryBoxAddress", "recipient": "r", "userId": "u", "deliveryBoxId": "d", "zipCode": "1", "city": "c", "country": "DE", "phoneNumber": "abc"}),
        ),
        case(
            "display name 100",
            json!({"@type": "DisplayName", "value": long(100)}),
        ),
        case(
            "display name 101",
            json!({"@type": "DisplayName", "value": long(101)}),
        ),
        case(
            "display name number",
            json!({"@type": "DisplayName", "value": 5}),
        ),
        case(
            "email",
            json!({"@type": "EMailAddress", "value": "a.b+c@sub.exämple.de"}),
        ),
        case(
            "email no tld",
            json!({"@type": "EMailAddress", "value": "a@b"}),
        ),
        case(
            "email too short",
            json!({"@type": "EMailAddress", "value": "ab"}),
        ),
        case(
            "fax",
            json!({"@type": "FaxNumber", "value": "+49 (0) 123-4 x5"}),
        ),
        case(
            "fax letters",
            json!({"@type": "FaxNumber", "value": "fax me"}),
        ),
        case(
            "honorifics",
            json!({"@type": "HonorificPrefix", "value": "Dr."}),
        ),
        case(
            "honorific suffix",
            json!({"@type": "HonorificSuffix", "value": "PhD"}),
        ),
        case(
            "file reference",
            json!({"@type": "IdentityFileReference", "value": long(30)}),
        ),
        case(
            "file reference short",
            json!({"@type": "IdentityFileReference", "value": long(29)}),
        ),
        case("job title", json!({"@type": "JobTitle", "value": "Dev"})),
        case("names", json!({"@type": "MiddleName", "value": "M"})),
        case("birth name", json!({"@type": "BirthName", "value": ""})),
        case(
            "nationality",
            json!({"@type": "Nationality", "value": "FR"}),
        ),
        case("phone", json!({"@type": "PhoneNumber", "value": "123"})),
        case(
            "phone too short",
            json!({"@type": "PhoneNumber", "value": "12"}),
        ),
        case(
            "po box",
            json!({"@type": "PostOfficeBoxAddress", "recipient": "r", "boxId": "b", "zipCode": "z", "city": "c", "country": "CH"}),
        ),
        case("pseudonym", json!({"@type": "Pseudonym", "value": "p"})),
        case(
            "schematized xml",
            json!({"@type": "SchematizedXML", "value": "<a/>", "schemaURL": "https://example.com/a.xsd"}),
        ),
        case(
            "schematized xml bad url",
            json!({"@type": "SchematizedXML", "value": "<a/>", "schemaURL": "x"}),
        ),
        case("sex", json!({"@type": "Sex", "value": "intersex"})),
        case("sex unknown", json!({"@type": "Sex", "value": "other"})),
        case(
            "street address",
            json!({"@type": "StreetAddress", "recipient": "r", "street": {"@type": "Street", "value": "Main"}, "houseNo": "1a", "zipCode": "12345", "city": "c", "country": "DE", "state": "s", "foo": "bar"}),
        ),
        case(
            "street address number house",
            json!({"@type": "StreetAddress", "recipient": "r", "street": "s", "houseNo": 1, "zipCode": "1", "city": "c", "country": "DE"}),
        ),
        case("surname", json!({"@type": "Surname", "value": "Doe"})),
        case(
            "website",
            json!({"@type": "Website", "value": "https://www.exämple.de:8080/a/b?c=d#e"}),
        ),
        case(
            "website bare domain",
            json!({"@type": "Website", "value": "example.com"}),
        ),
        case(
            "website www only",
            json!({"@type": "Website", "value": "www.com"}),
        ),
        case(
            "website no dot",
            json!({"@type": "Website", "value": "localhost"}),
        ),
        case(
            "consent value",
            json!({"@type": "Consent", "consent": "c", "link": "https://e.de", "linkDisplayText": "abc"}),
        ),
        case(
            "consent value display without link",
            json!({"@type": "Consent", "consent": "c", "linkDisplayText": "abc"}),
        ),
        case(
            "proprietary boolean",
            json!({"@type": "ProprietaryBoolean", "title": "t", "value": false}),
        ),
        case(
            "proprietary boolean string",
            json!({"@type": "ProprietaryBoolean", "title": "t", "value": "false"}),
        ),
        case(
            "proprietary country",
            json!({"@type": "ProprietaryCountry", "title": "t", "value": "DE"}),
        ),
        case(
            "proprietary email",
            json!({"@type": "ProprietaryEMailAddress", "title": "t", "description": "d", "value": "a@b.de"}),
        ),
        case(
            "proprietary file reference",
            json!({"@type": "ProprietaryFileReference", "title": "t", "value": long(150)}),
        ),
        case(
            "proprietary float",
            json!({"@type": "ProprietaryFloat", "title": "t", "value": 1.5}),
        ),
        case(
            "proprietary hex",
            json!({"@type": "ProprietaryHEXColor", "title": "t", "value": "#FFF"}),
        ),
        case(
            "proprietary hex bad",
            json!({"@type": "ProprietaryHEXColor", "title": "t", "value": "#GGG"}),
        ),
        case(
            "proprietary integer",
            json!({"@type": "ProprietaryInteger", "title": "t", "value": -3, "valueHintsOverride": {"min": -5, "values": [{"key": -3, "displayName": "minus three"}]}}),
        ),
        case(
            "proprietary integer fractional",
            json!({"@type": "ProprietaryInteger", "title": "t", "value": 1.5}),
        ),
        case(
            "proprietary json",
            json!({"@type": "ProprietaryJSON", "title": "t", "value": {"a": [1, 2, {"b": null}]}}),
        ),
        case(
            "proprietary json too long",
            json!({"@type": "ProprietaryJSON", "title": "t", "value": long(4095)}),
        ),
        case(
            "proprietary language",
            json!({"@type": "ProprietaryLanguage", "title": "t", "value": "en"}),
        ),
        case(
            "proprietary phone",
            json!({"@type": "ProprietaryPhoneNumber", "title": "t", "value": "+1 555"}),
        ),
        case(
            "proprietary string",
            json!({"@type": "ProprietaryString", "title": long(100), "description": long(1000), "value": long(100)}),
        ),
        case(
            "proprietary string title 101",
            json!({"@type": "ProprietaryString", "title": long(101), "value": "v"}),
        ),
        case(
            "proprietary string without title",
            json!({"@type": "ProprietaryString", "value": "v"}),
        ),
        case(
            "proprietary url",
            json!({"@type": "ProprietaryURL", "title": "t", "value": "http://a.de"}),
        ),
        case(
            "proprietary xml",
            json!({"@type": "ProprietaryXML", "title": "t", "value": "<x/>", "schemaURL": "https://a.de/x.xsd"}),
        ),
        differs(
            "bank account",
            json!({"@type": "BankAccount", "accountHolder": "Jane", "iban": iban, "bic": "COBADEFFXXX"}),
            Expect::OnlyRustAccepts(V71),
        ),
        differs(
            "marital status",
            json!({"@type": "MaritalStatus", "value": "married"}),
            Expect::OnlyRustAccepts(V71),
        ),
        differs(
            "schematized json",
            json!({"@type": "SchematizedJSON", "value": {"a": 1}}),
            Expect::OnlyRustAccepts(V71),
        ),
        case(
            "bank account bad iban",
            json!({"@type": "BankAccount", "accountHolder": "Jane", "iban": "DE00370400440532013000"}),
        ),
        case(
            "consent link with backslash path",
            json!({"@type": "ConsentRequestItem", "mustBeAccepted": true, "consent": "c", "link": "https://e.de/a\\b"}),
        ),
        case(
            "schema url with backslash path",
            json!({"@type": "SchematizedXML", "value": "<a/>", "schemaURL": "https://e.de/a\\b"}),
        ),
        case(
            "consent link mailto",
            json!({"@type": "ConsentRequestItem", "mustBeAccepted": true, "consent": "c", "link": "mailto:jane@example.com"}),
        ),
        case(
            "website scheme and www",
            json!({"@type": "Website", "value": "http://www.example.com"}),
        ),
        case(
            "website www.www",
            json!({"@type": "Website", "value": "www.www.de"}),
        ),
        case(
            "website trailing dot",
            json!({"@type": "Website", "value": "example.com."}),
        ),
        case(
            "website port path",
            json!({"@type": "Website", "value": "example.com:8080/a/(b)"}),
        ),
        case(
            "iql newline whitespace",
            json!({"@type": "IQLQuery", "queryString": "GivenName\n&&\t#x"}),
        ),
        case(
            "iql double negation",
            json!({"@type": "IQLQuery", "queryString": "!!GivenName"}),
        ),
        case(
            "iql single-letter metadata",
            json!({"@type": "IQLQuery", "queryString": "a.bc=x"}),
        ),
        case(
            "iql path on type",
            json!({"@type": "IQLQuery", "queryString": "StreetAddress.c=x"}),
        ),
        case(
            "iql empty tag",
            json!({"@type": "IQLQuery", "queryString": "# && #"}),
        ),
        case(
            "iql trailing space",
            json!({"@type": "IQLQuery", "queryString": "GivenName "}),
        ),
        differs(
            "response group nested",
            json!({"@type": "Response", "result": "Accepted", "requestId": "R", "items": [{"@type": "ResponseItemGroup", "items": [{"@type": "ResponseItemGroup", "items": [{"@type": "AcceptResponseItem", "result": "Accepted"}]}]}]}),
            Expect::OnlyTsAccepts(
                "groups do not nest (§2.2, §2.6: a ResponseItemGroup answers a RequestItemGroup; 7.0.0 does not check)",
            ),
        ),
        case(
            "email with umlaut local part",
            json!({"@type": "EMailAddress", "value": "jä@example.com"}),
        ),
        case(
            "email 254",
            json!({"@type": "EMailAddress", "value": format!("{}@example.com", long(242))}),
        ),
        case(
            "phone with brackets",
            json!({"@type": "PhoneNumber", "value": "[0] 123/45"}),
        ),
        case(
            "hex color 8 digits",
            json!({"@type": "ProprietaryHEXColor", "title": "t", "value": "#AABBCCDD"}),
        ),
        case(
            "proprietary float integer-valued",
            json!({"@type": "ProprietaryFloat", "title": "t", "value": 2.0}),
        ),
        case(
            "mail cc number",
            json!({"@type": "Mail", "to": [ADDR], "cc": [1], "subject": "s", "body": "b"}),
        ),
        case(
            "value hints value without key",
            json!({"@type": "ProprietaryString", "title": "t", "value": "v", "valueHintsOverride": {"values": [{"displayName": "x"}]}}),
        ),
        case(
            "statement is not a value type",
            json!({"@type": "Statement", "value": "x"}),
        ),
    ]
}

#[test]
fn content_matches_nmshd_content_7_0_0() {
    let cases = corpus();
    let inputs: Vec<Value> = cases.iter().map(|c| c.input.clone()).collect();
    let verdicts = ts_judge(&inputs);
    assert_eq!(verdicts.len(), cases.len());
    let mut failures = Vec::new();
    let (mut same, mut documented) = (0, 0);
    for (case, verdict) in cases.iter().zip(&verdicts) {
        let ts = verdict["accepted"].as_bool().unwrap().then(|| {
            let mut json = verdict["json"].clone();
            add_fixed_class_types(&mut json);
            json
        });
        let rust = rust_roundtrip(&case.input);
        let outcome = match (&case.expect, &ts, &rust) {
            (Expect::Same, None, Err(_)) => Ok(()),
            (Expect::Same, Some(ts), Ok(ours)) if ts == ours => Ok(()),
            (Expect::Adjusted(_, adjust), Some(ts), Ok(ours)) => {
                let mut ts = ts.clone();
                adjust(&mut ts);
                if &ts == ours {
                    Ok(())
                } else {
                    Err(format!("adjusted TS {ts}\n      ours {ours}"))
                }
            }
            (Expect::OnlyRustAccepts(_), None, Ok(_))
            | (Expect::OnlyTsAccepts(_), Some(_), Err(_)) => Ok(()),
            _ => Err(format!(
                "TS {}\n      ours {}",
                ts.as_ref()
                    .map_or_else(|| verdict["error"].to_string(), Value::to_string),
                rust.as_ref()
                    .map_or_else(|e| e.to_string(), Value::to_string)
            )),
        };
        match outcome {
            Ok(()) if matches!(case.expect, Expect::Same) => same += 1,
            Ok(()) => {
                documented += 1;
                let reason = match &case.expect {
                    Expect::OnlyRustAccepts(r)
                    | Expect::OnlyTsAccepts(r)
                    | Expect::Adjusted(r, _) => r,
                    Expect::Same => "",
                };
                println!("documented difference – {}: {reason}", case.name);
            }
            Err(e) => failures.push(format!("{}: {e}", case.name)),
        }
    }
    println!(
        "{same} cases identical to @nmshd/content 7.0.0, {documented} with a documented difference"
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// The whitelist (§3.5) against the regex inside the real `@nmshd/consumption` 7.0.0: every single BMP code
/// point, every ASCII letter with every combining diacritic, and the longer sequences of the DIN SPEC list.
#[test]
fn whitelist_matches_nmshd_consumption_7_0_0() {
    let mut strings: Vec<String> = Vec::new();
    for base in ('A'..='Z').chain('a'..='z') {
        for mark in '\u{0300}'..='\u{036F}' {
            strings.push(format!("{base}{mark}"));
        }
    }
    for s in [
        "C\u{0328}\u{0306}",
        "c\u{0328}\u{0306}",
        "K\u{035F}H",
        "K\u{035F}h",
        "k\u{035F}h",
        "L\u{0325}\u{0304}",
        "l\u{0325}\u{0304}",
        "R\u{0325}\u{0304}",
        "S\u{031B}\u{0304}",
        "s\u{031B}\u{0304}",
        "Ç\u{0306}",
        "Û\u{0304}",
        "ç\u{0306}",
        "û\u{0304}",
        "ÿ\u{0301}",
        "Č\u{0315}",
        "č\u{0323}",
        "ē\u{030D}",
        "Ī\u{0301}",
        "ī\u{0301}",
        "ō\u{030D}",
        "Ž\u{0326}",
        "ž\u{0327}",
        "Ḳ\u{0304}",
        "ḳ\u{0304}",
        "Ṣ\u{0304}",
        "ṣ\u{0304}",
        "Ṭ\u{0304}",
        "ṭ\u{0304}",
        "Ạ\u{0308}",
        "ạ\u{0308}",
        "Ọ\u{0308}",
        "ọ\u{0308}",
        "Ụ\u{0304}",
        "ụ\u{0308}",
        "Jane Doe",
        "Zoë\tŁukasz\r\n",
        "a\u{0300}b",
        "",
        "😀",
        "x\u{00AD}y",
        "Straße 1 ‡ € ’",
    ] {
        strings.push(s.to_string());
    }

    let marker = tests_dir().join("node_modules/@nmshd/consumption/package.json");
    assert!(
        marker.exists(),
        "{} is missing: run scripts/test-all.sh first",
        marker.display()
    );
    let mut child = Command::new("node")
        .arg(tests_dir().join("node/content/whitelist.mjs"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node on PATH (Node.js >= 20)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(serde_json::to_string(&strings).unwrap().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "whitelist.mjs failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();

    let ts_code_points: Vec<u32> = report["acceptedCodePoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as u32)
        .collect();
    let ours: Vec<u32> = (0..=0xFFFFu32)
        .filter_map(char::from_u32)
        .filter(|c| whitelist::is_whitelisted(&c.to_string()))
        .map(|c| c as u32)
        .collect();
    assert_eq!(
        ours, ts_code_points,
        "single code points accepted by the whitelist differ"
    );

    let ts_strings: Vec<bool> = report["strings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_bool().unwrap())
        .collect();
    let mismatches: Vec<String> = strings
        .iter()
        .zip(&ts_strings)
        .filter(|(s, ts)| whitelist::is_whitelisted(s) != **ts)
        .map(|(s, ts)| format!("{s:?} (@nmshd/consumption: {ts})"))
        .collect();
    assert!(
        mismatches.is_empty(),
        "whitelist verdicts differ: {mismatches:?}"
    );
    let accepted_sequences = ts_strings.iter().filter(|b| **b).count();
    println!(
        "whitelist: {} single code points and {} of {} sequences accepted, identical to @nmshd/consumption 7.0.0",
        ours.len(),
        accepted_sequences,
        strings.len()
    );
}

/// Tag validation (§3.6) against `AttributesController.isValidTag` of the real `@nmshd/consumption` 7.0.0.
#[test]
fn tags_match_nmshd_consumption_7_0_0() {
    let collection = json!({
        "supportedLanguages": ["de", "en"],
        "tagsForAttributeValueTypes": {
            "PhoneNumber": {
                "emergency": { "displayNames": { "en": "Emergency" }, "children": {
                    "first": { "displayNames": { "en": "First" } },
                    "second": { "displayNames": { "en": "Second" }, "children": { "deep": { "displayNames": { "en": "Deep" } } } } } },
                "private": { "displayNames": { "en": "Private" } },
                "empty": { "displayNames": { "en": "Empty" }, "children": {} }
            },
            "EMailAddress": { "work": { "displayNames": { "en": "Work" } } }
        }
    });
    let tags = [
        "x:anything",
        "X:caps",
        "x:",
        "urn:isbn:1",
        "URN:x",
        "language:de",
        "language:xx",
        "language:",
        "Language:de",
        "mimetype:image/png",
        "mimetype:application/vnd-x*",
        "mimetype:Image/png",
        "mimetype:image",
        "mimetype:/",
        "bkb:private",
        "BKB:private",
        "bkb:emergency",
        "bkb:emergency:first",
        "bkb:emergency:second",
        "bkb:emergency:second:deep",
        "bkb:emergency:third",
        "bkb:work",
        "bkb:",
        "bkb:empty",
        "bkb:private:extra",
        "other",
        "",
        "private",
    ];
    let cases: Vec<(&str, &str)> = tags
        .iter()
        .flat_map(|t| ["PhoneNumber", "EMailAddress", "GivenName"].map(|vt| (*t, vt)))
        .collect();
    let input = json!({
        "collection": collection,
        "cases": cases.iter().map(|(tag, vt)| json!({"tag": tag, "valueType": vt})).collect::<Vec<_>>(),
    });
    let mut child = Command::new("node")
        .arg(tests_dir().join("node/content/tags.mjs"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node on PATH (Node.js >= 20)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "tags.mjs failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verdicts: Vec<bool> = serde_json::from_slice(&out.stdout).unwrap();
    let collection = tags::AttributeTagCollection::from_json(&collection);
    let mismatches: Vec<String> = cases
        .iter()
        .zip(&verdicts)
        .filter(|((tag, vt), ts)| tags::is_valid_tag(tag, vt, &collection) != **ts)
        .map(|((tag, vt), ts)| format!("{tag:?} for {vt} (@nmshd/consumption: {ts})"))
        .collect();
    assert!(mismatches.is_empty(), "tag verdicts differ: {mismatches:?}");
    println!(
        "tags: {} verdicts ({} valid) identical to @nmshd/consumption 7.0.0",
        verdicts.len(),
        verdicts.iter().filter(|v| **v).count()
    );
}
