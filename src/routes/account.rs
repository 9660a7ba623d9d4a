//! `/api/core/v1/Account/*` (`connector-api.md` §7.1).

use actix_web::{HttpResponse, web};
use serde_json::{Map, Value, json};

use crate::envelope;
use crate::error::ConnectorError;
use crate::state::AppState;

/// `GET /Account/IdentityInfo`: the address and the identity public key
/// (`CryptoSignaturePublicKey.toBase64(false)`: base64url of the non-verbose JSON).
pub async fn identity_info(state: web::Data<AppState>) -> Result<HttpResponse, ConnectorError> {
    Ok(envelope::ok(&identity_info_dto(state.transport()?)))
}

/// `GetIdentityInfoResponse`: `{address, publicKey}` (also in `/Monitoring/Support`).
pub fn identity_info_dto(transport: &connector_transport::Transport) -> Value {
    let account = transport.account();
    let public_key = account.identity_public_key().to_json(false);
    json!({
        "address": account.address,
        "publicKey": nmshd_crypto::b64url_encode(public_key.as_bytes()),
    })
}

/// `POST /Account/Sync`: a full sync; concurrent calls share one run.
pub async fn sync(state: web::Data<AppState>) -> Result<HttpResponse, ConnectorError> {
    state.transport()?;
    state.sync_now().await?;
    Ok(envelope::no_content())
}

/// `GET /Account/SyncInfo`: members only for syncs that completed.
pub async fn sync_info(state: web::Data<AppState>) -> Result<HttpResponse, ConnectorError> {
    let info = state.transport()?.sync_info().await?;
    let mut body = Map::new();
    if let Some(at) = info.last_sync_run_completed_at {
        body.insert("lastSyncRun".into(), json!({ "completedAt": at }));
    }
    Ok(envelope::ok(&Value::Object(body)))
}
