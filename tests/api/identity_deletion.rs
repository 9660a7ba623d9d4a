//! `/IdentityDeletionProcess` (debug mode) when requests race: the Backbone allows one active
//! process, and the losers get the runtime's errors, not the Backbone's.

use crate::rest_peer::Connector;

async fn statuses_and_codes(
    connector: &Connector,
    method: &'static str,
) -> Vec<(u16, Option<String>)> {
    let calls = (0..4).map(|_| async move {
        let response = connector
            .call(method, "/IdentityDeletionProcess", None)
            .await;
        let status = response.status().as_u16();
        let body: serde_json::Value = response.json().await.unwrap();
        let code = body["error"]["code"].as_str().map(str::to_owned);
        (status, code)
    });
    futures_util::future::join_all(calls).await
}

#[tokio::test]
async fn concurrent_starts_and_cancels_leave_one_winner() {
    let backbone = devbackbone::start(devbackbone::BackboneConfig::default())
        .await
        .unwrap();
    let a = Connector::start_with_env(&backbone.base_url(), vec![("DEBUG".into(), "true".into())])
        .await;

    for (method, loser_code) in [
        (
            "POST",
            "error.runtime.identityDeletionProcess.activeIdentityDeletionProcessAlreadyExists",
        ),
        (
            "DELETE",
            "error.runtime.identityDeletionProcess.noActiveIdentityDeletionProcess",
        ),
    ] {
        let results = statuses_and_codes(&a, method).await;
        let winners = results.iter().filter(|(status, _)| *status == 200).count();
        assert_eq!(winners, 1, "{method}: {results:?}");
        for (status, code) in results.iter().filter(|(status, _)| *status != 200) {
            assert_eq!(*status, 400, "{method}: {results:?}");
            assert_eq!(code.as_deref(), Some(loser_code), "{method}: {results:?}");
        }
    }
}
