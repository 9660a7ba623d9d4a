//! IdentityMetadata, Announcements and BackboneNotifications over REST.

use serde_json::json;

use crate::helpers::assert_error;
use crate::rest_peer::{pair, relate};

#[tokio::test]
async fn identity_metadata_upserts_reads_and_deletes() {
    let (_backbone, a, b, _, _) = pair().await;
    let own = a.address().await;
    let peer = b.address().await;

    let stored = a
        .put(
            "/IdentityMetadata",
            json!({"reference": own, "key": "colour", "value": {"hex": "#00f"}}),
        )
        .await;
    assert_eq!(
        stored,
        json!({"reference": own, "key": "colour", "value": {"hex": "#00f"}})
    );
    // Upsert: the same (reference, key) is replaced, a missing key is its own entry.
    a.put(
        "/IdentityMetadata",
        json!({"reference": own, "key": "colour", "value": "red"}),
    )
    .await;
    a.put("/IdentityMetadata", json!({"reference": own, "value": 1}))
        .await;
    let path = format!("/IdentityMetadata?reference={own}&key=colour");
    assert_eq!(a.get(&path).await["value"], "red");
    let without_key = format!("/IdentityMetadata?reference={own}");
    assert_eq!(a.get(&without_key).await["value"], 1);

    // A stranger is not a familiar reference until there is a relationship.
    let response = a
        .call(
            "PUT",
            "/IdentityMetadata",
            Some(json!({"reference": peer, "value": true})),
        )
        .await;
    assert_error(
        response,
        400,
        "error.runtime.identityMetadata.unfamiliarReferencedIdentity",
    )
    .await;
    relate(&a, &b).await;
    a.put(
        "/IdentityMetadata",
        json!({"reference": peer, "value": true}),
    )
    .await;

    a.delete(&path).await;
    let response = a.call("GET", &path, None).await;
    assert_error(response, 400, "error.runtime.identityMetadata.notFound").await;
    let response = a.call("DELETE", &path, None).await;
    assert_error(response, 400, "error.runtime.identityMetadata.notFound").await;
    let response = a.call("GET", "/IdentityMetadata", None).await;
    assert_error(
        response,
        400,
        "error.runtime.validation.invalidPropertyValue",
    )
    .await;
    let response = a
        .call("PUT", "/IdentityMetadata", Some(json!({"reference": own})))
        .await;
    assert_error(
        response,
        400,
        "error.runtime.validation.invalidPropertyValue",
    )
    .await;

    // Notifications need an active relationship and a code; announcements a language.
    a.ok(
        "POST",
        "/BackboneNotifications",
        Some(json!({"recipients": [peer], "code": "TestCode"})),
        204,
    )
    .await;
    let response = a
        .call(
            "POST",
            "/BackboneNotifications",
            Some(json!({"recipients": [], "code": "TestCode"})),
        )
        .await;
    assert_error(
        response,
        400,
        "error.transport.backboneNotifications.atLeastOneRecipientRequired",
    )
    .await;
    let response = a
        .call(
            "POST",
            "/BackboneNotifications",
            Some(json!({"recipients": ["did:e:localhost:dids:0000000000000000000000"], "code": "TestCode"})),
        )
        .await;
    assert_error(
        response,
        400,
        "error.transport.backboneNotifications.noActiveRelationshipFoundForRecipients",
    )
    .await;
    // the dev Backbone knows the real development Backbone's codes only (a platform validation
    // error surfaces with 500, as in the real Connector)
    let response = a
        .call(
            "POST",
            "/BackboneNotifications",
            Some(json!({"recipients": [peer], "code": "anInvalidCode"})),
        )
        .await;
    assert_error(
        response,
        500,
        "error.platform.validation.notification.codeDoesNotExist",
    )
    .await;
    assert_eq!(a.get("/Announcements?language=en").await, json!([]));
    a.fails(
        "GET",
        "/Announcements",
        None,
        400,
        "error.runtime.validation.invalidPropertyValue",
    )
    .await;
}
