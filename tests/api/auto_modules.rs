//! `autoAcceptPendingRelationships` and `autoDecomposeDeletionProposedRelationships` (issue 8,
//! `connector-operations.md` §2.4, §2.5) with two Connectors on a dev Backbone, over REST.

use std::time::Duration;

use serde_json::{Value, json};

use crate::processes::{KillOnDrop, connector_start, free_port};
use crate::rest_peer::{
    Connector, load_template, offer_template, pair_with_env, relate, request_relationship,
    start_backbone,
};

fn enabled(module: &str) -> Vec<(String, String)> {
    vec![(format!("modules__{module}__enabled"), "true".to_owned())]
}

/// Syncs `who` and reads the relationship until `done` holds for (status code, DTO).
async fn sync_until(
    who: &Connector,
    id: &str,
    what: &str,
    done: impl Fn(u16, &Value) -> bool,
) -> Value {
    test_support::eventually(what, Duration::from_secs(20), async || {
        who.sync().await;
        let response = who.call("GET", &format!("/Relationships/{id}"), None).await;
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if done(status, &body["result"]) {
            Ok(body)
        } else {
            Err(format!("{status} {body}"))
        }
    })
    .await
}

/// A request on A's template is accepted by A's module as soon as A syncs it; A's own request
/// to B's template is not touched.
#[tokio::test(flavor = "multi_thread")]
async fn pending_requests_on_own_templates_are_accepted() {
    let (backbone, a, b, _, _) =
        pair_with_env(enabled("autoAcceptPendingRelationships"), Vec::new()).await;

    let template = offer_template(&a).await;
    let loaded = load_template(&b, &template["reference"]["truncated"]).await;
    let id = &request_relationship(&b, &loaded).await;
    sync_until(&a, id, "A accepts", |status, r| {
        status == 200 && r["status"] == "Active"
    })
    .await;
    let on_b = sync_until(&b, id, "B sees it accepted", |status, r| {
        status == 200 && r["status"] == "Active"
    })
    .await;
    let audit = on_b["result"]["auditLog"].as_array().unwrap();
    assert_eq!(audit.len(), 2);
    assert_eq!(audit[1]["reason"], "AcceptanceOfCreation");
    assert_eq!(audit[1]["createdBy"], json!(a.address().await));

    // The other way round: A's own pending request stays pending until B decides.
    let c = Connector::start(&backbone.base_url()).await;
    let template_c = offer_template(&c).await;
    let loaded_c = load_template(&a, &template_c["reference"]["truncated"]).await;
    let outgoing_id = request_relationship(&a, &loaded_c).await;
    a.sync().await;
    // Time under test: the module would have acted by now; an absence can only be seen over a
    // window.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let still = a.get(&format!("/Relationships/{outgoing_id}")).await;
    assert_eq!(still["status"], "Pending", "own requests are not accepted");
}

/// B decomposes; A's module decomposes A's side once A syncs the DeletionProposed relationship,
/// without a timed wait, and a further sync finds nothing left to do.
#[tokio::test(flavor = "multi_thread")]
async fn deletion_proposed_relationships_are_decomposed() {
    let (_backbone, a, b, _, _) = pair_with_env(
        enabled("autoDecomposeDeletionProposedRelationships"),
        Vec::new(),
    )
    .await;
    let id = relate(&a, &b).await;
    let path = format!("/Relationships/{id}");
    b.ok("PUT", &format!("{path}/Terminate"), None, 200).await;
    b.delete(&path).await;
    assert_eq!(b.call("GET", &path, None).await.status(), 404);

    sync_until(&a, &id, "A decomposes its side", |status, _| status == 404).await;
    let remaining = a.get("/Relationships").await;
    assert_eq!(remaining, json!([]), "A has no relationship left");
    a.sync().await;
}

/// A `connector start` process on its embedded store in `dir`, with `extra` configuration.
fn start_process(
    dir: &std::path::Path,
    backbone: &str,
    port: u16,
    extra: &[(&str, &str)],
) -> KillOnDrop {
    let child = connector_start(dir, backbone, port)
        .envs(extra.iter().copied())
        .spawn()
        .unwrap();
    KillOnDrop(child)
}

async fn wait_until_serving(api: &Connector) {
    crate::processes::wait_until_serving(api, Duration::from_secs(60)).await;
}

/// A relationship that became DeletionProposed while the module was off is decomposed when a
/// Connector starts with it, without any sync or event.
#[tokio::test(flavor = "multi_thread")]
async fn deletion_proposed_relationships_are_decomposed_at_start() {
    let backbone = start_backbone().await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let a = Connector::remote(&format!("http://127.0.0.1:{port}"));
    let process = start_process(dir.path(), &backbone.base_url(), port, &[]);
    wait_until_serving(&a).await;
    let b = Connector::start(&backbone.base_url()).await;
    let id = relate(&a, &b).await;
    let path = format!("/Relationships/{id}");
    b.ok("PUT", &format!("{path}/Terminate"), None, 200).await;
    b.delete(&path).await;
    a.sync().await;
    assert_eq!(a.get(&path).await["status"], "DeletionProposed");
    drop(process);

    let _process = start_process(
        dir.path(),
        &backbone.base_url(),
        port,
        &[(
            "modules__autoDecomposeDeletionProposedRelationships__enabled",
            "true",
        )],
    );
    wait_until_serving(&a).await;
    test_support::eventually(
        "decomposed at start",
        Duration::from_secs(20),
        async || match a.call("GET", &path, None).await.status().as_u16() {
            404 => Ok(()),
            status => Err(status),
        },
    )
    .await;
    assert_eq!(a.get("/Relationships").await, json!([]));
}
