//! Contract tests ported from nmshd/connector `test/account.test.ts` (test names as there), with
//! the auth, scope and method errors of the area.

use crate::helpers::{NO_SCOPE_KEY, assert_error};
use crate::rest_peer::{Connector, start_backbone};

// account.test.ts: "can get IdentityInfo", "can sync", "can get the LastCompletedSyncRun"
#[tokio::test]
async fn account_endpoints() {
    let backbone = start_backbone().await;
    let c = Connector::start(&backbone.base_url()).await;

    let info = c.get("/Account/IdentityInfo").await;
    let info = info.as_object().unwrap();
    assert_eq!(info.len(), 2, "only address and publicKey: {info:?}");
    assert!(info["address"].as_str().unwrap().starts_with("did:e:"));
    assert!(!info["publicKey"].as_str().unwrap().is_empty());

    // A void result: 204 without a body.
    let response = c.call("POST", "/Account/Sync", None).await;
    assert_eq!(response.status().as_u16(), 204);
    assert!(response.text().await.unwrap().is_empty());

    let sync_info = c.get("/Account/SyncInfo").await;
    let sync_info = sync_info.as_object().unwrap();
    assert!(
        sync_info
            .keys()
            .all(|k| k == "lastDatawalletSync" || k == "lastSyncRun"),
        "{sync_info:?}"
    );
    let completed = sync_info["lastSyncRun"]["completedAt"].as_str().unwrap();
    assert!(completed.ends_with('Z'));

    // The area's edge errors.
    let response = reqwest::Client::new()
        .get(c.url("/Account/IdentityInfo"))
        .header("X-API-KEY", NO_SCOPE_KEY)
        .send()
        .await
        .unwrap();
    assert_error(response, 403, "error.connector.forbidden").await;
    let response = c.call("PUT", "/Account/Sync", None).await;
    assert_eq!(response.headers()["allow"], "POST");
    assert_error(response, 405, "error.connector.http.methodNotAllowed").await;
    let response = c.call("GET", "/Account/Unknown", None).await;
    assert_error(response, 404, "error.connector.http.routeDoesNotExist").await;
    let response = reqwest::Client::new()
        .get(c.url("/Account/IdentityInfo"))
        .header("Accept", "image/png")
        .header("X-API-KEY", crate::helpers::FULL_KEY)
        .send()
        .await
        .unwrap();
    assert_error(response, 406, "error.connector.http.notAcceptable").await;
}
