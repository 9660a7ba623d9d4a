//! Contract tests ported from nmshd/connector `test/identityMetadata.test.ts` (test names as
//! there).

use serde_json::{Value, json};

use crate::rest_peer::{Connector, start_backbone};

// "should upsert an IdentityMetadata with key '$key' and value '$value'" (three cases),
// "should get an IdentityMetadata", "should delete an IdentityMetadata"
#[tokio::test]
async fn identity_metadata() {
    let backbone = start_backbone().await;
    let c = Connector::start(&backbone.base_url()).await;
    let address = c.address().await;
    for (key, value) in [
        (None, json!("value")),
        (None, json!({"a": "json"})),
        (Some("key"), json!("value")),
    ] {
        let mut body = json!({"reference": address, "value": value});
        if let Some(k) = key {
            body["key"] = k.into();
        }
        let stored = c.put("/IdentityMetadata", body).await;
        assert_eq!(stored["reference"], address.as_str());
        assert_eq!(stored.get("key").and_then(Value::as_str), key);
        assert_eq!(stored["value"], value);
    }
    let read = c
        .get(&format!("/IdentityMetadata?reference={address}&key=key"))
        .await;
    assert_eq!(read["value"], "value");
    let response = c
        .call(
            "DELETE",
            &format!("/IdentityMetadata?reference={address}&key=key"),
            None,
        )
        .await;
    assert_eq!(response.status().as_u16(), 204);
    let error = c
        .fails(
            "GET",
            &format!("/IdentityMetadata?reference={address}&key=key"),
            None,
            400,
            "error.runtime.identityMetadata.notFound",
        )
        .await;
    assert_eq!(
        error["message"],
        "There is no stored IdentityMetadata for the specified combination of reference and key."
    );
}
