//! Sync runs and the datawallet (backbone-api §5.10). Every call carries
//! `x-supported-datawallet-version`.

use crate::client::AuthenticatedClient;
use crate::dto::{
    Datawallet, DatawalletModification, ExternalEvent, FinalizeDatawalletVersionUpgradeRequest,
    FinalizeDatawalletVersionUpgradeResponse, FinalizeExternalEventSyncRequest,
    FinalizeExternalEventSyncResponse, PushDatawalletModificationsRequest,
    PushDatawalletModificationsResponse, StartSyncRunRequest, StartSyncRunResponse, SyncRun,
    SyncRunType,
};
use crate::error::Result;
use crate::request::{Query, Request};

/// The header naming the datawallet version the client understands.
pub const DATAWALLET_VERSION_HEADER: &str = "x-supported-datawallet-version";
/// The datawallet version this client sends (the transport's default).
pub const SUPPORTED_DATAWALLET_VERSION: u16 = 1;

fn sync_request(request: Request) -> Request {
    request.header(
        DATAWALLET_VERSION_HEADER,
        SUPPORTED_DATAWALLET_VERSION.to_string(),
    )
}

impl AuthenticatedClient {
    /// `POST /api/v2/SyncRuns`: `Created` with a run, or `NoNewEvents` without one.
    pub async fn start_sync_run(
        &self,
        sync_run_type: SyncRunType,
        duration_seconds: Option<u16>,
    ) -> Result<StartSyncRunResponse> {
        let body = StartSyncRunRequest {
            sync_run_type,
            duration: duration_seconds,
        };
        self.fetch(&sync_request(
            Request::post("/api/v2/SyncRuns", &[]).json(&body)?,
        ))
        .await
    }

    /// `GET /api/v2/SyncRuns/{id}`.
    pub async fn get_sync_run(&self, id: &str) -> Result<SyncRun> {
        self.fetch(&sync_request(Request::get("/api/v2/SyncRuns/{id}", &[id])))
            .await
    }

    /// `GET /api/v2/SyncRuns/{id}/ExternalEvents` (all pages).
    pub async fn get_external_events(&self, sync_run_id: &str) -> Result<Vec<ExternalEvent>> {
        self.fetch_all(&sync_request(Request::get(
            "/api/v2/SyncRuns/{id}/ExternalEvents",
            &[sync_run_id],
        )))
        .await
    }

    /// `PUT /api/v2/SyncRuns/{id}/FinalizeExternalEventSync`.
    pub async fn finalize_external_event_sync(
        &self,
        sync_run_id: &str,
        results: &FinalizeExternalEventSyncRequest,
    ) -> Result<FinalizeExternalEventSyncResponse> {
        let request = Request::put(
            "/api/v2/SyncRuns/{id}/FinalizeExternalEventSync",
            &[sync_run_id],
        )
        .json(results)?;
        self.fetch(&sync_request(request)).await
    }

    /// `PUT /api/v2/SyncRuns/{id}/FinalizeDatawalletVersionUpgrade`.
    pub async fn finalize_datawallet_version_upgrade(
        &self,
        sync_run_id: &str,
        upgrade: &FinalizeDatawalletVersionUpgradeRequest,
    ) -> Result<FinalizeDatawalletVersionUpgradeResponse> {
        let request = Request::put(
            "/api/v2/SyncRuns/{id}/FinalizeDatawalletVersionUpgrade",
            &[sync_run_id],
        )
        .json(upgrade)?;
        self.fetch(&sync_request(request)).await
    }

    /// `GET /api/v2/Datawallet` (404 while there is none).
    pub async fn get_datawallet(&self) -> Result<Datawallet> {
        self.fetch(&sync_request(Request::get("/api/v2/Datawallet", &[])))
            .await
    }

    /// `GET /api/v2/Datawallet/Modifications?localIndex=N` (all pages; all when `None`).
    pub async fn get_datawallet_modifications(
        &self,
        local_index: Option<i64>,
    ) -> Result<Vec<DatawalletModification>> {
        let query = match local_index {
            Some(index) => Query::new().pair("localIndex", index.to_string()),
            None => Query::new(),
        };
        self.fetch_all(&sync_request(
            Request::get("/api/v2/Datawallet/Modifications", &[]).query(query),
        ))
        .await
    }

    /// `POST /api/v2/Datawallet/Modifications`.
    pub async fn push_datawallet_modifications(
        &self,
        push: &PushDatawalletModificationsRequest,
    ) -> Result<PushDatawalletModificationsResponse> {
        let request = Request::post("/api/v2/Datawallet/Modifications", &[]).json(push)?;
        self.fetch(&sync_request(request)).await
    }
}
