//! The IQL module on its own: what queries parse into, how terms select attributes, and the shape of the
//! validation answer. (`iql_judge.rs` compares all of it with the real `@nmshd/iql`.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

use connector_content::iql::{self, Expr, Predicate, Term};
use serde_json::{Value, json};

fn attr(value: Value, tags: &[&str]) -> Value {
    json!({"@type": "IdentityAttribute", "owner": "did:e:a:dids:1", "value": value, "tags": tags})
}

fn run(query: &str, attributes: &[Value]) -> Vec<usize> {
    iql::execute(&iql::parse(query).unwrap(), attributes).unwrap()
}

#[test]
fn queries_parse_into_terms_and_operators() {
    assert_eq!(
        iql::parse("( GivenName || Surname='Doe \\'x\\'' ) && !#tag").unwrap(),
        Expr::And(vec![
            Expr::Or(vec![
                Expr::Term(Term::OfType("GivenName".into())),
                Expr::Term(Term::PrimaryValue {
                    attribute_type: "Surname".into(),
                    predicate: Predicate::Equals("Doe 'x'".into()),
                }),
            ]),
            Expr::Not(Box::new(Expr::Term(Term::Tag("tag".into())))),
        ])
    );
    assert_eq!(
        iql::parse("StreetAddress.city~x").unwrap(),
        Expr::Term(Term::Primary {
            attribute_type: "StreetAddress".into(),
            path: vec!["city".into()],
            predicate: Predicate::Contains("x".into()),
        })
    );
    assert_eq!(
        iql::parse("value.city?").unwrap(),
        Expr::Term(Term::Metadata {
            path: vec!["value".into(), "city".into()],
            predicate: Predicate::Defined,
        })
    );
    // the unquoted value runs up to a space, so ")" needs one before it
    assert!(iql::parse("( ab=c )").is_ok());
    assert!(iql::parse("( ab=c)").is_err());
}

#[test]
fn syntax_errors_report_position_expectations_and_what_was_found() {
    let error = iql::parse("GivenName &&\nx").unwrap_err();
    assert_eq!(
        (error.start.offset, error.start.line, error.start.column),
        (13, 2, 1)
    );
    assert_eq!(error.end.offset, 14);
    assert!(
        error.message.starts_with("Expected \"!\", \"(\","),
        "{}",
        error.message
    );
    assert!(
        error.message.ends_with("but \"x\" found."),
        "{}",
        error.message
    );
    let at_end = iql::parse("( A").unwrap_err();
    assert_eq!(at_end.start, at_end.end);
    assert!(at_end.message.ends_with("but end of input found."));
    assert_eq!(iql::validate("GivenName||Surname"), Err(10));
    assert_eq!(iql::validation_result("A"), json!({"isValid": true}));
    let invalid = iql::validation_result("A B");
    assert_eq!(invalid["isValid"], false);
    assert_eq!(invalid["error"]["location"]["start"]["column"], 3);
    assert!(invalid["error"]["message"].is_string());
}

#[test]
fn terms_select_by_type_value_path_metadata_and_tag() {
    let attributes = vec![
        attr(json!({"@type": "GivenName", "value": "Jane"}), &["a", "b"]),
        attr(json!({"@type": "Surname", "value": "Jane"}), &["b"]),
        attr(
            json!({"@type": "StreetAddress", "city": "Berlin", "zipCode": "1"}),
            &[],
        ),
    ];
    assert_eq!(run("GivenName", &attributes), [0]);
    // the type must match even where the value is the same
    assert_eq!(run("GivenName=Jane", &attributes), [0]);
    assert_eq!(run("value.value=Jane", &attributes), [0, 1]);
    assert_eq!(run("StreetAddress.city=Berlin", &attributes), [2]);
    assert_eq!(
        run("StreetAddress.street?", &attributes),
        Vec::<usize>::new()
    );
    assert_eq!(run("#b", &attributes), [0, 1]);
    assert_eq!(run("tags~a", &attributes), [0]);
    // empty arrays count as undefined
    assert_eq!(run("tags?", &attributes), [0, 1]);
    assert_eq!(run("#a || StreetAddress", &attributes), [0, 2]);
    assert_eq!(run("#b && !GivenName", &attributes), [1]);
    assert_eq!(run("!( #b )", &attributes), [2]);
}

#[test]
fn comparisons_follow_javascript_string_and_date_conversion() {
    let attributes = vec![
        attr(json!({"@type": "BirthYear", "value": 1990}), &[]),
        attr(
            json!({"@type": "Custom", "value": 1.5e-7, "list": [1, [2, null]]}),
            &[],
        ),
        json!({"@type": "IdentityAttribute", "value": {"@type": "Surname", "value": "X"},
               "validFrom": "2020-06-01T00:00:00.000Z"}),
    ];
    assert_eq!(run("BirthYear=1990", &attributes), [0]);
    assert_eq!(run("Custom=1.5e-7", &attributes), [1]);
    assert_eq!(run("Custom.list=1,2,", &attributes), [1]);
    assert_eq!(run("validFrom>2020-06-01", &attributes), [2]);
    assert_eq!(run("validFrom<2020-06-01", &attributes), [2]);
    assert_eq!(
        run("validFrom>2020-06-01T00:00:00.001Z", &attributes),
        Vec::<usize>::new()
    );
    assert_eq!(run("validFrom<2020-06-01T02:00+02:00", &attributes), [2]);
    // a number is a millisecond timestamp, the year string is a date: 1990 ms is long before 1990
    assert_eq!(run("BirthYear<1990", &attributes), [0]);
    // invalid dates compare false both ways
    assert_eq!(
        run("validFrom>soon || validFrom<soon", &attributes),
        Vec::<usize>::new()
    );
}

#[test]
fn content_the_library_cannot_walk_is_an_error() {
    let null_inside = vec![attr(json!({"@type": "X", "ab": null}), &[])];
    assert!(iql::execute(&iql::parse("X.ab.cd=1").unwrap(), &null_inside).is_err());
    let without_value = vec![json!({"@type": "IdentityAttribute"})];
    assert!(iql::execute(&iql::parse("GivenName=x").unwrap(), &without_value).is_err());
    assert_eq!(run("!GivenName", &[]), Vec::<usize>::new());
}
