//! Attributes over REST on a Connector with a dev Backbone: own identity attributes (trimming,
//! duplicates, succession, versions, queries, filters, deletion) and the 400/404 answers.

use serde_json::{Value, json};

use crate::helpers::assert_error;
use crate::rest_peer::Connector;

fn given_name(value: &str) -> Value {
    json!({"content": {"value": {"@type": "GivenName", "value": value}}})
}

#[tokio::test]
async fn own_identity_attributes_create_succeed_query_filter_delete() {
    let backbone = devbackbone::start(devbackbone::BackboneConfig::default())
        .await
        .unwrap();
    let a = Connector::start(&backbone.base_url()).await;
    let me = a.address().await;

    let can = a
        .ok(
            "PUT",
            "/Attributes/CanCreate",
            Some(given_name("  Jane ")),
            200,
        )
        .await;
    assert_eq!(can, json!({"isSuccess": true}));
    let jane = a
        .ok("POST", "/Attributes", Some(given_name("  Jane ")), 201)
        .await;
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
    let duplicate = a
        .call("POST", "/Attributes", Some(given_name("Jane  ")))
        .await;
    assert_error(
        duplicate,
        400,
        "error.runtime.attributes.cannotCreateDuplicateOwnIdentityAttribute",
    )
    .await;
    let can = a
        .ok(
            "PUT",
            "/Attributes/CanCreate",
            Some(given_name("Jane")),
            200,
        )
        .await;
    assert_eq!(can["isSuccess"], false);
    assert_eq!(
        can["code"],
        "error.runtime.attributes.cannotCreateDuplicateOwnIdentityAttribute"
    );

    let doe = a
        .ok(
            "POST",
            "/Attributes",
            Some(json!({"content": {"value": {"@type": "Surname", "value": "Doe"}, "tags": ["x:work"]}})),
            201,
        )
        .await;
    assert_eq!(doe["content"]["tags"], json!(["x:work"]));

    // Succession.
    let succeeded = a
        .ok(
            "POST",
            &format!("/Attributes/{jane_id}/Succeed"),
            Some(json!({"successorContent": {"value": {"@type": "GivenName", "value": "Janet"}}})),
            201,
        )
        .await;
    let successor_id = succeeded["successor"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        succeeded["predecessor"]["succeededBy"],
        successor_id.as_str()
    );
    assert_eq!(succeeded["successor"]["succeeds"], jane_id.as_str());
    assert_eq!(succeeded["successor"]["content"]["value"]["value"], "Janet");
    let again = a
        .call(
            "POST",
            &format!("/Attributes/{jane_id}/Succeed"),
            Some(json!({"successorContent": {"value": {"@type": "GivenName", "value": "Jo"}}})),
        )
        .await;
    assert_error(
        again,
        400,
        "error.consumption.attributes.cannotSucceedAttributesWithASuccessor",
    )
    .await;
    let unchanged = a
        .call(
            "POST",
            &format!("/Attributes/{successor_id}/Succeed"),
            Some(json!({"successorContent": {"value": {"@type": "GivenName", "value": "Janet"}}})),
        )
        .await;
    assert_error(
        unchanged,
        400,
        "error.consumption.attributes.successionMustChangeContent",
    )
    .await;

    let versions = a
        .ok(
            "GET",
            &format!("/Attributes/{successor_id}/Versions"),
            None,
            200,
        )
        .await;
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
    let latest = a.ok("GET", "/Attributes/Own/Identity", None, 200).await;
    assert_eq!(latest.as_array().unwrap().len(), 2, "{latest}");
    let all = a
        .ok(
            "GET",
            "/Attributes/Own/Identity?onlyLatestVersions=false",
            None,
            200,
        )
        .await;
    assert_eq!(all.as_array().unwrap().len(), 3);
    let names = a
        .ok(
            "GET",
            "/Attributes?content.value.@type=GivenName",
            None,
            200,
        )
        .await;
    assert_eq!(names.as_array().unwrap().len(), 2);
    let current = a
        .ok(
            "GET",
            "/Attributes?content.value.@type=GivenName&succeededBy=!",
            None,
            200,
        )
        .await;
    assert_eq!(current[0]["id"], successor_id.as_str());
    let tagged = a
        .ok("GET", "/Attributes?content.tags=x:work", None, 200)
        .await;
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
    let none = a
        .call(
            "POST",
            "/Attributes/ExecuteRelationshipAttributeQuery",
            Some(json!({"query": {"@type": "RelationshipAttributeQuery", "key": "k", "owner": "",
                "attributeCreationHints": {"title": "t", "valueType": "ProprietaryString", "confidentiality": "public"}}})),
        )
        .await;
    assert_error(none, 404, "error.runtime.recordNotFound").await;

    // 404 / 400 for ids.
    let missing = a
        .call("GET", "/Attributes/ATTZZZZZZZZZZZZZZZZZ", None)
        .await;
    assert_error(missing, 404, "error.runtime.recordNotFound").await;
    let bad = a.call("GET", "/Attributes/nope", None).await;
    assert_error(bad, 400, "error.runtime.validation.invalidPropertyValue").await;
    let no_value = a
        .call("POST", "/Attributes", Some(json!({"content": {}})))
        .await;
    assert_error(
        no_value,
        400,
        "error.runtime.validation.invalidPropertyValue",
    )
    .await;

    // Whitelist and tags.
    let forbidden = a
        .call("POST", "/Attributes", Some(given_name("Jane \u{1F600}")))
        .await;
    assert_error(
        forbidden,
        400,
        "error.consumption.attributes.forbiddenCharactersInAttribute",
    )
    .await;
    let bad_tag = a
        .call(
            "POST",
            "/Attributes",
            Some(json!({"content": {"value": {"@type": "GivenName", "value": "Max"}, "tags": ["bkb:unknown", "x:fine"]}})),
        )
        .await;
    let error = assert_error(bad_tag, 400, "error.consumption.attributes.invalidTags").await;
    assert!(
        error["message"].as_str().unwrap().contains("bkb:unknown"),
        "{error}"
    );
    let tags = a.ok("GET", "/Attributes/TagCollection", None, 200).await;
    assert!(tags["supportedLanguages"].is_array(), "{tags}");
    assert!(tags["tagsForAttributeValueTypes"].is_object(), "{tags}");

    // Deleting the newest version deletes its predecessors too; nobody to notify.
    let deleted = a
        .ok("DELETE", &format!("/Attributes/{successor_id}"), None, 200)
        .await;
    assert_eq!(deleted, json!({"notificationIds": []}));
    for id in [&successor_id, &jane_id] {
        let gone = a.call("GET", &format!("/Attributes/{id}"), None).await;
        assert_error(gone, 404, "error.runtime.recordNotFound").await;
    }
    let left = a.ok("GET", "/Attributes", None, 200).await;
    assert_eq!(left.as_array().unwrap().len(), 1);
}
