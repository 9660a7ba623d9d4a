//! Judge test: IQL queries go through this crate's `iql` module and through the real `@nmshd/iql` on node
//! (`tests/node/iql/judge.mjs`): `validate` must answer the same `IValidateResult` (message and location
//! included) and `execute` the same indices (or both throw) for every query × attribute set of the table.
//! Not covered on purpose: date strings only V8's legacy parser reads (`March 7 2020`, `2020/01/01`), which
//! this crate treats as invalid dates (see `iql/js.rs`). Needs node ≥20 and `tests/node_modules`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use connector_content::iql;
use serde_json::{Value, json};

const ADDR: &str = "did:e:localhost:dids:0123456789abcdef012345";

fn attribute(value: Value, extra: Value) -> Value {
    let mut a = json!({"@type": "IdentityAttribute", "owner": ADDR, "value": value});
    for (k, v) in extra.as_object().unwrap() {
        a[k] = v.clone();
    }
    a
}

/// Attributes of many shapes: plain values, complex values, tags, validity dates, and JSON values
/// whose JavaScript string and date conversions are not obvious.
fn attributes() -> Vec<Value> {
    vec![
        attribute(
            json!({"@type": "GivenName", "value": "Jane"}),
            json!({"tags": ["x:content.edu.de.higher", "language:de"]}),
        ),
        attribute(
            json!({"@type": "Surname", "value": "Doe"}),
            json!({"tags": ["language:en"]}),
        ),
        attribute(
            json!({"@type": "StreetAddress", "recipient": "Jane Doe", "street": "Main St", "houseNo": "1",
                   "zipCode": "12345", "city": "Berlin", "country": "DE"}),
            json!({"validFrom": "2020-01-01T00:00:00.000Z"}),
        ),
        attribute(
            json!({"@type": "BirthDate", "day": 7, "month": 3, "year": 1990}),
            json!({}),
        ),
        attribute(json!({"@type": "BirthYear", "value": 1990}), json!({})),
        attribute(
            json!({"@type": "PhoneNumber", "value": "+49 123"}),
            json!({"tags": ["emergency"], "validTo": "2030-06-01T12:00:00.000Z"}),
        ),
        attribute(
            json!({"@type": "GivenName", "value": "O'Brien \\ x"}),
            json!({"tags": []}),
        ),
        attribute(
            json!({"@type": "Nationality", "value": "DE"}),
            json!({"tags": ["a b", ""]}),
        ),
        attribute(
            json!({"@type": "Custom", "value": 1.5e-7, "list": [1, [2, null], "x"], "empty": {},
                   "emptyList": [], "flag": true, "big": 1e21, "fraction": 123.456, "neg": -0.0,
                   "dateStr": "2020-01-01T10:00", "obj": {"ab": 1}, "nothing": null, "text": ""}),
            json!({}),
        ),
    ]
}

fn execute_queries() -> Vec<&'static str> {
    vec![
        "GivenName",
        "GivenName=Jane",
        "GivenName='Jane'",
        "GivenName=jane",
        "Surname || GivenName",
        "GivenName && #language:de",
        "!GivenName",
        "!!GivenName",
        "( GivenName || Surname ) && !#language:en",
        "#x:content.edu.de.higher",
        "#x:content.edu.de.higher || #language:en",
        "#x:content.edu.de.higher && ( #language:de || #language:en )",
        "StreetAddress.city=Berlin",
        "StreetAddress.city?",
        "StreetAddress.nothere?",
        "StreetAddress=Berlin",
        "BirthDate.year=1990",
        "BirthDate.month<1970-01-01T00:00:00.004Z",
        "BirthDate.month>1970-01-01T00:00:00.004Z",
        "BirthYear=1990",
        "BirthYear>1990",
        "BirthYear<1990",
        "validFrom>2019-12-31",
        "validFrom<2020",
        "validFrom>2020-01-01T00:00:00.001Z",
        "validFrom>2020-1-1",
        "validFrom<'2020-01-01 00:00'",
        "validFrom<2019-12-31T24:00:00Z",
        "validFrom>2019-11-31",
        "validFrom>+002019-12-31",
        "validFrom>2020-01-01t00:00:00z",
        "validFrom>nonsense",
        "validFrom>",
        "validTo>2030-06-01T13:00+02:00",
        "validTo<2030-06-01T11:59:59.9999Z",
        "validTo<2030-06-01T12:00:00.0001Z",
        "owner=did:e:localhost:dids:0123456789abcdef012345",
        "owner?",
        "tags?",
        "tags~emergency",
        "tags~'a b'",
        "#'a b'",
        "#",
        "tags=emergency",
        "tags=language:en",
        "value.value=Jane",
        "value.city=Berlin",
        "value?",
        "GivenName='O\\'Brien \\\\ x'",
        "GivenName=",
        "Custom=1.5e-7",
        "Custom.list=1,2,,x",
        "Custom.list~x",
        "Custom.list?",
        "Custom.empty?",
        "Custom.emptyList?",
        "Custom.flag=true",
        "Custom.big=1e+21",
        "Custom.fraction=123.456",
        "Custom.neg=0",
        "Custom.obj='[object Object]'",
        "Custom.obj.ab=1",
        "Custom.nothing?",
        "Custom.text?",
        "Custom.text=",
        "Custom.dateStr>2020-01-01T09:59",
        "Custom.dateStr<2020-01-01T09:59",
        "Custom.flag>1970-01-01T00:00:00.001Z",
        "Custom.flag<1970-01-01T00:00:00.000Z",
        "Custom.value>1970",
        "Custom.list>2001",
        "Custom.obj>1970",
        "Custom",
        "Nationality=DE && #'a b'",
        "PhoneNumber.value='+49 123'",
        "PhoneNumber=+49",
        "!( GivenName || Surname || StreetAddress )",
        "Surname && GivenName",
        "Unknown || !Unknown",
    ]
}

fn validate_queries() -> Vec<&'static str> {
    vec![
        "",
        "A B",
        "A)",
        "( A",
        "( A )",
        "(A)",
        "( A)",
        "GivenName||Surname",
        "GivenName ||Surname",
        "!",
        "!!GivenName",
        "! A",
        "#",
        "##",
        "a=b",
        "a",
        "ab",
        "aB=1",
        "a.b=1",
        "ab.c=1",
        "ab.cd=1",
        "Given.name",
        "GivenName.x=1",
        "GivenName.xy",
        "GivenName.xy.",
        "GivenName=x y",
        "GivenName='x y'",
        "GivenName='x",
        "GivenName='x\\'",
        "GivenName=x\\y",
        "GivenName=x\\\\y",
        "GivenName=x'y",
        "tags~",
        "x?",
        "xy?",
        "xy",
        "GivenName && ",
        "GivenName &&  Surname",
        "GivenName\n&&\nSurname",
        "GivenName\n&& B)",
        "GivenName\r\n&& B )",
        "é",
        "GivenName é",
        "GivenName\u{0301}",
        "GivenName\u{200B}",
        "GivenName \u{1F600}",
        "A\u{7F}",
        "A\t\"",
        "A\\",
        "( A\n|| )",
        "A && B || C && !D",
        "A || (B)",
        "( ( A ) )",
        "!( A )",
        "A && ( B || C ) )",
        "A?",
        "A=",
        "A=='x'",
        "A>",
        "A<'2020'",
        "A~x y",
        "1A",
        "_a=1",
        "A.b",
        "Ab.cd?",
        "Ab.cd.ef=1 || #t",
        "#t && ",
        " A",
        "A ",
        "\u{0}",
        "A\u{1}",
        "A\u{9F}",
    ]
}

fn node_judge(input: &Value) -> Value {
    node_harness::require("@nmshd/iql");
    node_harness::script("iql/judge.mjs")
        .env("TZ", "UTC")
        .run_json(Some(input))
}

/// Our answer in the judge's shape: `{ indices }` or `{ error }` (the JavaScript error name and message).
fn rust_execute(query: &str, attributes: &[Value]) -> Value {
    let expr = iql::parse(query).unwrap_or_else(|e| panic!("{query:?} must parse: {e:?}"));
    match iql::execute(&expr, attributes) {
        Ok(indices) => json!({ "indices": indices }),
        Err(e) => json!({ "error": format!("TypeError: {e}") }),
    }
}

#[test]
fn iql_matches_nmshd_iql() {
    let attributes = attributes();
    let mut cases: Vec<(String, Vec<Value>)> = execute_queries()
        .into_iter()
        .map(|q| (q.to_owned(), attributes.clone()))
        .collect();
    // shapes the library cannot walk (it throws) and the empty set
    let null_inside = vec![attribute(json!({"@type": "X", "ab": null}), json!({}))];
    cases.push(("X.ab.cd=1".into(), null_inside.clone()));
    cases.push(("X.ab?".into(), null_inside.clone()));
    cases.push(("ab.cd=1".into(), null_inside));
    let without_value = vec![json!({"@type": "IdentityAttribute", "owner": ADDR})];
    cases.push(("GivenName=x".into(), without_value.clone()));
    cases.push(("GivenName".into(), without_value.clone()));
    cases.push(("owner?".into(), without_value));
    cases.push(("!GivenName".into(), Vec::new()));
    cases.push(("GivenName || #x".into(), Vec::new()));

    let validate = validate_queries();
    let input = json!({
        "validate": validate,
        "execute": cases.iter().map(|(q, a)| json!({"query": q, "attributes": a})).collect::<Vec<_>>(),
    });
    let node = node_judge(&input);

    let mut mismatches = Vec::new();
    for (query, expected) in validate.iter().zip(node["validate"].as_array().unwrap()) {
        let ours = iql::validation_result(query);
        if &ours != expected {
            mismatches.push(format!(
                "validate {query:?}:\n  ours {ours}\n  node {expected}"
            ));
        }
    }
    let mut matched = 0;
    for ((query, attrs), expected) in cases.iter().zip(node["execute"].as_array().unwrap()) {
        let ours = rust_execute(query, attrs);
        if &ours != expected {
            mismatches.push(format!(
                "execute {query:?}:\n  ours {ours}\n  node {expected}"
            ));
        }
        matched += ours["indices"].as_array().map_or(0, Vec::len);
    }
    println!(
        "{} validate and {} execute cases compared ({matched} matches in total)",
        validate.len(),
        cases.len()
    );
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
