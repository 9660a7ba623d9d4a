//! IQL over REST: `POST /Attributes/ExecuteIQLQuery` evaluates a query over every version of the own
//! identity attributes created through the API, `POST /Attributes/ValidateIQLQuery` answers the IQL
//! library's validation result, and both refuse malformed bodies with the runtime's codes and messages.

use serde_json::{Value, json};

use crate::helpers::assert_error;
use crate::rest_peer::{Connector, start_backbone};

async fn create(c: &Connector, value: Value, tags: &[&str]) -> String {
    let mut content = json!({"value": value});
    if !tags.is_empty() {
        content["tags"] = json!(tags);
    }
    let created = c.post("/Attributes", json!({"content": content})).await;
    created["id"].as_str().unwrap().to_owned()
}

/// The ids `ExecuteIQLQuery` answers for `query`, sorted; every entry must be a full own attribute.
async fn execute(c: &Connector, query: Value) -> Vec<String> {
    let found = c
        .ok(
            "POST",
            "/Attributes/ExecuteIQLQuery",
            Some(json!({"query": query})),
            200,
        )
        .await;
    let mut ids: Vec<String> = found
        .as_array()
        .unwrap_or_else(|| panic!("a list: {found}"))
        .iter()
        .map(|a| {
            assert_eq!(a["@type"], "OwnIdentityAttribute", "{a}");
            assert_eq!(a["content"]["@type"], "IdentityAttribute", "{a}");
            a["id"].as_str().unwrap().to_owned()
        })
        .collect();
    ids.sort();
    ids
}

fn sorted(ids: &[&String]) -> Vec<String> {
    let mut ids: Vec<String> = ids.iter().map(|s| (*s).clone()).collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn execute_and_validate_iql_queries_over_own_identity_attributes() {
    let backbone = start_backbone().await;
    let a = Connector::start(&backbone.base_url()).await;
    let me = a.address().await;

    let jane = create(
        &a,
        json!({"@type": "GivenName", "value": "Jane"}),
        &["x:edu", "x:de"],
    )
    .await;
    let doe = create(&a, json!({"@type": "Surname", "value": "Doe"}), &["x:en"]).await;
    let address = create(
        &a,
        json!({"@type": "StreetAddress", "recipient": "Jane Doe", "street": "Main St", "houseNo": "1",
               "zipCode": "12345", "city": "Berlin", "country": "DE"}),
        &[],
    )
    .await;
    let jon = create(&a, json!({"@type": "GivenName", "value": "Jon"}), &[]).await;
    let succeeded = a
        .post(
            &format!("/Attributes/{jon}/Succeed"),
            json!({"successorContent": {"value": {"@type": "GivenName", "value": "John"}}}),
        )
        .await;
    let john = succeeded["successor"]["id"].as_str().unwrap().to_owned();

    let q = |s: &str| json!({"queryString": s});
    // every version counts, the succeeded one included
    assert_eq!(
        execute(&a, q("GivenName")).await,
        sorted(&[&jane, &jon, &john])
    );
    assert_eq!(execute(&a, q("GivenName=Jon")).await, sorted(&[&jon]));
    assert_eq!(
        execute(&a, q("#x:edu || Surname")).await,
        sorted(&[&jane, &doe])
    );
    assert_eq!(
        execute(&a, q("GivenName && !( #x:edu || #x:en )")).await,
        sorted(&[&jon, &john])
    );
    assert_eq!(
        execute(&a, q("StreetAddress.city=Berlin")).await,
        sorted(&[&address])
    );
    assert_eq!(
        execute(&a, q("StreetAddress.city=Hamburg")).await,
        Vec::<String>::new()
    );
    assert_eq!(
        execute(&a, q(&format!("owner={me} && !Surname"))).await,
        sorted(&[&jane, &address, &jon, &john])
    );
    assert_eq!(execute(&a, q("tags~x:de")).await, sorted(&[&jane]));
    // `@type` and creation hints are accepted
    let typed = json!({"@type": "IQLQuery", "queryString": "Surname='Doe'",
                       "attributeCreationHints": {"valueType": "Surname", "tags": ["x:en"]}});
    assert_eq!(execute(&a, typed).await, sorted(&[&doe]));

    let valid = a
        .ok(
            "POST",
            "/Attributes/ValidateIQLQuery",
            Some(json!({"query": {"@type": "IQLQuery", "queryString": "GivenName && #x:edu"}})),
            200,
        )
        .await;
    assert_eq!(valid, json!({"isValid": true}));

    // Invalid IQL is refused where the runtime reads the body as an IQLQuery, with the column the
    // library reports ("GivenName &&" needs whitespace and a term after column 12).
    for (route, query) in [
        (
            "/Attributes/ExecuteIQLQuery",
            json!({"queryString": "GivenName &&"}),
        ),
        (
            "/Attributes/ValidateIQLQuery",
            json!({"@type": "IQLQuery", "queryString": "GivenName &&"}),
        ),
    ] {
        let response = a.call("POST", route, Some(json!({"query": query}))).await;
        let error = assert_error(response, 400, "error.runtime.requestDeserialization").await;
        assert_eq!(
            error["message"],
            "IQLQuery.queryString:String :: invalid IQL query at character offset 13",
            "{route}"
        );
    }
    let too_long = json!({"queryString": "A".repeat(4097)});
    let response = a
        .call(
            "POST",
            "/Attributes/ExecuteIQLQuery",
            Some(json!({"query": too_long})),
        )
        .await;
    assert_error(response, 400, "error.runtime.requestDeserialization").await;

    // Malformed bodies: the runtime's schema messages.
    for (route, body, message) in [
        (
            "/Attributes/ExecuteIQLQuery",
            json!({}),
            "must have required property 'query'",
        ),
        (
            "/Attributes/ExecuteIQLQuery",
            json!({"query": "GivenName"}),
            "query must be object",
        ),
        (
            "/Attributes/ExecuteIQLQuery",
            json!({"query": {"queryString": "GivenName"}, "other": 1}),
            "must NOT have additional properties",
        ),
        (
            "/Attributes/ExecuteIQLQuery",
            json!({"query": {"queryString": "GivenName", "valueType": "GivenName"}}),
            "query must NOT have additional properties",
        ),
        (
            "/Attributes/ExecuteIQLQuery",
            json!({"query": {"queryString": 5}}),
            "query/queryString must be string",
        ),
        (
            "/Attributes/ExecuteIQLQuery",
            json!({"query": {"@type": "IdentityAttributeQuery", "queryString": "GivenName"}}),
            "query/@type must be equal to constant",
        ),
        (
            "/Attributes/ExecuteIQLQuery",
            json!({"query": {"queryString": "GivenName", "attributeCreationHints": {}}}),
            "query/attributeCreationHints must have required property 'valueType'",
        ),
        (
            "/Attributes/ValidateIQLQuery",
            json!({"query": {"queryString": "GivenName"}}),
            "query must have required property '@type'",
        ),
        // the first failing property in each schema's order
        (
            "/Attributes/ExecuteIQLQuery",
            json!({"query": {"@type": "IQLQuery", "@version": 5, "queryString": 5}}),
            "query/queryString must be string",
        ),
        (
            "/Attributes/ValidateIQLQuery",
            json!({"query": {"@type": "IQLQuery", "@version": 5, "queryString": 5}}),
            "query/@version must be string",
        ),
    ] {
        let error = a
            .fails(
                "POST",
                route,
                Some(body.clone()),
                400,
                "error.runtime.validation.invalidPropertyValue",
            )
            .await;
        assert_eq!(error["message"], message, "{route} {body}");
    }
}
