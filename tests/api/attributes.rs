//! Attributes over REST on a Connector with a dev Backbone: own identity attributes (trimming,
//! duplicates, succession, versions, queries, filters, deletion) and the 400/404 answers.

use serde_json::{Value, json};

use crate::helpers::assert_error;
use crate::rest_peer::{Connector, start_backbone};

fn given_name(value: &str) -> Value {
    json!({"content": {"value": {"@type": "GivenName", "value": value}}})
}

#[tokio::test]
async fn own_identity_attributes_create_succeed_query_filter_delete() {
    let backbone = start_backbone().await;
    let a = Connector::start(&backbone.base_url()).await;
    let me = a.address().await;

    let can = a.put("/Attributes/CanCreate", given_name("  Jane ")).await;
    assert_eq!(can, json!({"isSuccess": true}));
    let jane = a.post("/Attributes", given_name("  Jane ")).await;
    let jane_id = jane["id"].as_str().unwrap().to_owned();
    assert!(jane_id.starts_with("ATT") && jane_id.len() == 20, "{jane}");
    assert_eq!(jane["@type"], "OwnIdentityAttribute");
    assert_eq!(
        jane["content"],
        json!({"@type": "IdentityAttribute", "owner": me, "value": {"@type": "GivenName", "value": "Jane"}}),
        "owner is self and the value is trimmed"
    );
    assert!(jane.get("succeededBy").is_none() && jane.get("peer").is_none());
    assert!(!jane.to_string().contains("null"), "no nulls: {jane}");

    // The trimmed value is a duplicate.
    a.fails(
        "POST",
        "/Attributes",
        Some(given_name("Jane  ")),
        400,
        "error.runtime.attributes.cannotCreateDuplicateOwnIdentityAttribute",
    )
    .await;
    let can = a.put("/Attributes/CanCreate", given_name("Jane")).await;
    assert_eq!(can["isSuccess"], false);
    assert_eq!(
        can["code"],
        "error.runtime.attributes.cannotCreateDuplicateOwnIdentityAttribute"
    );

    let doe = a
        .post(
            "/Attributes",
            json!({"content": {"value": {"@type": "Surname", "value": "Doe"}, "tags": ["x:work"]}}),
        )
        .await;
    assert_eq!(doe["content"]["tags"], json!(["x:work"]));

    // Succession.
    let succeeded = a
        .post(
            &format!("/Attributes/{jane_id}/Succeed"),
            json!({"successorContent": {"value": {"@type": "GivenName", "value": "Janet"}}}),
        )
        .await;
    let successor_id = succeeded["successor"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        succeeded["predecessor"]["succeededBy"],
        successor_id.as_str()
    );
    assert_eq!(succeeded["successor"]["succeeds"], jane_id.as_str());
    assert_eq!(succeeded["successor"]["content"]["value"]["value"], "Janet");
    a.fails(
        "POST",
        &format!("/Attributes/{jane_id}/Succeed"),
        Some(json!({"successorContent": {"value": {"@type": "GivenName", "value": "Jo"}}})),
        400,
        "error.consumption.attributes.cannotSucceedAttributesWithASuccessor",
    )
    .await;
    a.fails(
        "POST",
        &format!("/Attributes/{successor_id}/Succeed"),
        Some(json!({"successorContent": {"value": {"@type": "GivenName", "value": "Janet"}}})),
        400,
        "error.consumption.attributes.successionMustChangeContent",
    )
    .await;

    let versions = a.get(&format!("/Attributes/{successor_id}/Versions")).await;
    let ids: Vec<&str> = versions
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [successor_id.as_str(), jane_id.as_str()],
        "newest first"
    );

    // Lists and filters.
    let latest = a.get("/Attributes/Own/Identity").await;
    assert_eq!(latest.as_array().unwrap().len(), 2, "{latest}");
    let all = a
        .get("/Attributes/Own/Identity?onlyLatestVersions=false")
        .await;
    assert_eq!(all.as_array().unwrap().len(), 3);
    let names = a.get("/Attributes?content.value.@type=GivenName").await;
    assert_eq!(names.as_array().unwrap().len(), 2);
    let current = a
        .get("/Attributes?content.value.@type=GivenName&succeededBy=!")
        .await;
    assert_eq!(current[0]["id"], successor_id.as_str());
    let tagged = a.get("/Attributes?content.tags=x:work").await;
    assert_eq!(tagged[0]["id"], doe["id"]);
    let unknown = a.call("GET", "/Attributes?nope=1", None).await;
    assert_error(
        unknown,
        400,
        "error.runtime.validation.invalidPropertyValue",
    )
    .await;

    // Queries.
    let found = a
        .ok(
            "POST",
            "/Attributes/ExecuteIdentityAttributeQuery",
            Some(json!({"query": {"@type": "IdentityAttributeQuery", "valueType": "GivenName"}})),
            200,
        )
        .await;
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["id"], successor_id.as_str());
    let by_tag = a
        .ok(
            "POST",
            "/Attributes/ExecuteIdentityAttributeQuery",
            Some(json!({"query": {"valueType": "Surname", "tags": ["x:other"]}})),
            200,
        )
        .await;
    assert_eq!(by_tag, json!([]));
    a.fails(
        "POST",
        "/Attributes/ExecuteRelationshipAttributeQuery",
        Some(json!({"query": {"@type": "RelationshipAttributeQuery", "key": "k", "owner": "",
                "attributeCreationHints": {"title": "t", "valueType": "ProprietaryString", "confidentiality": "public"}}})),
        404,
        "error.runtime.recordNotFound",
    )
    .await;

    // 404 / 400 for ids.
    a.get_not_found("/Attributes/ATTZZZZZZZZZZZZZZZZZ").await;
    a.fails(
        "GET",
        "/Attributes/nope",
        None,
        400,
        "error.runtime.validation.invalidPropertyValue",
    )
    .await;
    a.fails(
        "POST",
        "/Attributes",
        Some(json!({"content": {}})),
        400,
        "error.runtime.validation.invalidPropertyValue",
    )
    .await;

    // Whitelist and tags.
    a.fails(
        "POST",
        "/Attributes",
        Some(given_name("Jane \u{1F600}")),
        400,
        "error.consumption.attributes.forbiddenCharactersInAttribute",
    )
    .await;
    let error = a.fails(
        "POST",
        "/Attributes",
        Some(json!({"content": {"value": {"@type": "GivenName", "value": "Max"}, "tags": ["bkb:unknown", "x:fine"]}})),
        400,
        "error.consumption.attributes.invalidTags",
    )
    .await;
    assert!(
        error["message"].as_str().unwrap().contains("bkb:unknown"),
        "{error}"
    );
    let tags = a.get("/Attributes/TagCollection").await;
    assert!(tags["supportedLanguages"].is_array(), "{tags}");
    assert!(tags["tagsForAttributeValueTypes"].is_object(), "{tags}");

    // Deleting the newest version deletes its predecessors too; nobody to notify.
    let deleted = a
        .ok("DELETE", &format!("/Attributes/{successor_id}"), None, 200)
        .await;
    assert_eq!(deleted, json!({"notificationIds": []}));
    for id in [&successor_id, &jane_id] {
        a.get_not_found(&format!("/Attributes/{id}")).await;
    }
    let left = a.get("/Attributes").await;
    assert_eq!(left.as_array().unwrap().len(), 1);
}
