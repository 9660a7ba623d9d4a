//! Sync runs, external events and the datawallet (backbone-api §5.10, §6.2, §6.4).

use serde::Deserialize;
use serde_json::{Value, json};
use time::Duration;

use crate::clock::format;
use crate::error::{ApiError, ApiResult};
use crate::ids;
use crate::model::*;
use crate::server::{Backend, Caller, Reply, Request, Tx, binary_field, id_field};

/// External events that failed this often are no longer delivered.
const MAX_SYNC_ERRORS: u32 = 3;

fn sync_error(rule: &str, message: &str) -> ApiError {
    ApiError::bad_request(format!("error.platform.validation.syncRun.{rule}"), message)
}

fn datawallet_error(rule: &str, message: &str) -> ApiError {
    ApiError::bad_request(
        format!("error.platform.validation.datawallet.{rule}"),
        message,
    )
}

/// `x-supported-datawallet-version`; missing binds to 0 on the real server, which is refused.
fn supported_version(req: &Request) -> ApiResult<u16> {
    let version = req
        .headers
        .get("x-supported-datawallet-version")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u16>().ok())
        .unwrap_or(0);
    if version == 0 {
        return Err(ApiError::invalid_value(
            "'SupportedDatawalletVersion' must be greater than 0.",
        ));
    }
    Ok(version)
}

fn sync_run_dto(run: &SyncRun) -> Value {
    json!({
        "id": run.id,
        "type": format!("{:?}", run.run_type),
        "expiresAt": format(run.expires_at),
        "index": run.index,
        "createdAt": format(run.created_at),
        "createdBy": run.created_by,
        "createdByDevice": run.created_by_device,
        "eventCount": run.event_keys.len(),
    })
}

fn event_dto(e: &ExternalEvent) -> Value {
    json!({
        "id": e.id,
        "type": e.event_type,
        "index": e.index,
        "createdAt": format(e.created_at),
        "syncErrorCount": e.sync_error_count,
        "payload": e.payload,
    })
}

fn identity_range(owner: &str) -> std::ops::Range<String> {
    // '|' is followed by '}' in ASCII: every key "<owner>|…" sorts inside this range.
    format!("{owner}|")..format!("{owner}}}")
}

/// Gives the run's events back (unsynced, one more error): the run ended without a result for them.
fn release_events(tx: &mut Tx<'_>, run: &SyncRun) {
    for key in &run.event_keys {
        tx.state.events.update(key, |e| {
            e.sync_run_id = None;
            e.sync_error_count += 1;
        });
    }
}

/// The identity's newest sync run, if it is still open.
fn open_run(tx: &Tx<'_>, owner: &str) -> Option<SyncRun> {
    tx.state
        .sync_runs
        .rows_by(&crate::db::open_run_key(owner))
        .filter(|r| r.created_by == owner && !r.finalized)
        .max_by_key(|r| r.index)
        .cloned()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StartSyncRun {
    #[serde(rename = "type")]
    run_type: SyncRunType,
    duration: Option<u16>,
}

/// `POST /api/v2/SyncRuns`.
pub fn start(backend: &Backend, req: &Request) -> ApiResult<Reply> {
    let caller = req.caller()?;
    let body: StartSyncRun = req.json()?;
    let supported = supported_version(req)?;
    let duration = body
        .duration
        .map_or(backend.config.sync_run_duration_secs, i64::from);
    backend.write(|tx| {
        let identity = tx
            .state
            .identities
            .get(&caller.address)
            .cloned()
            .ok_or_else(|| ApiError::not_found("Identity"))?;
        if body.run_type == SyncRunType::ExternalEventSync {
            if identity.status.is_being_deleted() {
                return Err(sync_error(
                    "cannotStartSyncRunWhileIdentityIsToBeDeleted",
                    "A sync run cannot be started while the identity is to be deleted.",
                ));
            }
            let version = identity
                .datawallet_version
                .ok_or_else(|| ApiError::not_found("Datawallet"))?;
            if supported < version {
                return Err(datawallet_error(
                    "insufficientSupportedDatawalletVersion",
                    "The supported datawallet version is lower than the datawallet's version.",
                ));
            }
        }
        if let Some(run) = open_run(tx, &caller.address) {
            if run.expires_at > tx.now {
                return Err(sync_error(
                    "cannotStartSyncRunWhenAnotherSyncRunIsRunning",
                    "Another sync run is running.",
                ));
            }
            // The expired run is cancelled: its events come again (with one more error).
            release_events(tx, &run);
            tx.state.sync_runs.update(&run.id, |r| r.finalized = true);
        }
        let event_keys: Vec<String> = if body.run_type == SyncRunType::ExternalEventSync {
            let keys: Vec<String> = tx
                .state
                .events
                .range(identity_range(&caller.address))
                .filter(|(_, e)| {
                    e.sync_run_id.is_none()
                        && !e.is_delivery_blocked
                        && e.sync_error_count < MAX_SYNC_ERRORS
                })
                .map(|(key, _)| key.clone())
                .collect();
            if keys.is_empty() {
                return Ok(Reply::Ok(
                    json!({ "status": "NoNewEvents", "syncRun": null }),
                ));
            }
            keys
        } else {
            Vec::new()
        };
        let index = tx
            .state
            .identities
            .update(&caller.address, |i| {
                let index = i.next_sync_run_index;
                i.next_sync_run_index += 1;
                index
            })
            .unwrap_or_default();
        let run = SyncRun {
            id: ids::new_id("SYR"),
            run_type: body.run_type,
            expires_at: tx.now + Duration::seconds(duration),
            index,
            created_at: tx.now,
            created_by: caller.address.clone(),
            created_by_device: caller.device.clone(),
            event_keys,
            finalized: false,
        };
        for key in &run.event_keys {
            tx.state
                .events
                .update(key, |e| e.sync_run_id = Some(run.id.clone()));
        }
        let dto = json!({ "status": "Created", "syncRun": sync_run_dto(&run) });
        tx.state.sync_runs.insert(run.id.clone(), run);
        Ok(Reply::Created(dto))
    })
}

/// The caller's own run, open and started by the calling device.
fn own_open_run(tx: &Tx<'_>, caller: &Caller, id: &str, reading: bool) -> ApiResult<SyncRun> {
    let id = id_field(id, "SYR")?;
    let run = tx
        .state
        .sync_runs
        .get(&id)
        .filter(|r| r.created_by == caller.address)
        .cloned()
        .ok_or_else(|| ApiError::not_found("SyncRun"))?;
    if run.created_by_device != caller.device {
        return Err(if reading {
            sync_error(
                "cannotReadExternalEventsOfASyncRunStartedByAnotherDevice",
                "The sync run was started by another device.",
            )
        } else {
            sync_error(
                "cannotFinalizeSyncRunStartedByAnotherDevice",
                "The sync run was started by another device.",
            )
        });
    }
    if run.finalized {
        return Err(sync_error(
            "syncRunAlreadyFinalized",
            "The sync run is already finalized.",
        ));
    }
    Ok(run)
}

/// `GET /api/v2/SyncRuns/{id}`.
pub fn get(backend: &Backend, req: &Request, id: &str) -> ApiResult<Reply> {
    let caller = req.caller()?;
    backend.read(|state| {
        state
            .sync_runs
            .get(id)
            .filter(|r| r.created_by == caller.address)
            .map(|r| Reply::Ok(sync_run_dto(r)))
            .ok_or_else(|| ApiError::not_found("SyncRun"))
    })
}

/// `GET /api/v2/SyncRuns/{id}/ExternalEvents`.
pub fn events(backend: &Backend, req: &Request, id: &str) -> ApiResult<Reply> {
    let caller = req.caller()?;
    backend.write(|tx| {
        let run = own_open_run(tx, caller, id, true)?;
        let events = run
            .event_keys
            .iter()
            .filter_map(|key| tx.state.events.get(key))
            .map(event_dto)
            .collect();
        Ok(Reply::Ok(Value::Array(events)))
    })
}

/// `PUT /api/v2/SyncRuns/{id}/RefreshExpirationTime`.
pub fn refresh(backend: &Backend, req: &Request, id: &str) -> ApiResult<Reply> {
    let caller = req.caller()?;
    let lifetime = Duration::seconds(backend.config.sync_run_duration_secs);
    backend.write(|tx| {
        let run = own_open_run(tx, caller, id, false)?;
        let expires_at = tx.now + lifetime;
        let dto = tx
            .state
            .sync_runs
            .update(&run.id, |r| {
                r.expires_at = expires_at;
                sync_run_dto(r)
            })
            .unwrap_or(Value::Null);
        Ok(Reply::Ok(dto))
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModificationInput {
    object_identifier: String,
    payload_category: Option<String>,
    collection: String,
    #[serde(rename = "type")]
    modification_type: String,
    encrypted_payload: Option<String>,
    datawallet_version: u16,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventResult {
    external_event_id: String,
    error_code: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FinalizeEventSync {
    #[serde(default)]
    external_event_results: Vec<EventResult>,
    #[serde(default)]
    datawallet_modifications: Vec<ModificationInput>,
}

/// `PUT /api/v2/SyncRuns/{id}/FinalizeExternalEventSync`.
pub fn finalize_event_sync(backend: &Backend, req: &Request, id: &str) -> ApiResult<Reply> {
    let caller = req.caller()?;
    let body: FinalizeEventSync = req.json()?;
    if body
        .external_event_results
        .iter()
        .any(|r| r.error_code.as_ref().is_some_and(|c| c.len() > 100))
    {
        return Err(ApiError::invalid_value(
            "'errorCode' must be at most 100 characters long.",
        ));
    }
    let modifications = validate_modifications(&body.datawallet_modifications)?;
    backend.write(|tx| {
        let run = own_open_run(tx, caller, id, false)?;
        if run.run_type != SyncRunType::ExternalEventSync {
            return Err(sync_error(
                "unexpectedSyncRunType",
                "The sync run has another type.",
            ));
        }
        for key in &run.event_keys {
            let Some(event_id) = tx.state.events.get(key).map(|e| e.id.clone()) else {
                continue;
            };
            let result = body
                .external_event_results
                .iter()
                .find(|r| r.external_event_id == event_id);
            if result.is_none_or(|r| r.error_code.is_some()) {
                tx.state.events.update(key, |e| {
                    e.sync_run_id = None;
                    e.sync_error_count += 1;
                });
            }
        }
        tx.state.sync_runs.update(&run.id, |r| r.finalized = true);
        let (new_index, added) = append_modifications(tx, caller, modifications)?;
        let unsynced = tx
            .state
            .events
            .range(identity_range(&caller.address))
            .any(|(_, e)| {
                e.sync_run_id.is_none() && !e.is_delivery_blocked && e.sync_error_count < 1
            });
        Ok(Reply::Ok(json!({
            "newDatawalletModificationIndex": new_index,
            "datawalletModifications": added,
            "newUnsyncedExternalEventsExist": unsynced,
        })))
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FinalizeUpgrade {
    new_datawallet_version: u16,
    #[serde(default)]
    datawallet_modifications: Vec<ModificationInput>,
}

/// `PUT /api/v2/SyncRuns/{id}/FinalizeDatawalletVersionUpgrade`: creates or upgrades the datawallet.
pub fn finalize_upgrade(backend: &Backend, req: &Request, id: &str) -> ApiResult<Reply> {
    let caller = req.caller()?;
    let body: FinalizeUpgrade = req.json()?;
    let modifications = validate_modifications(&body.datawallet_modifications)?;
    backend.write(|tx| {
        let run = own_open_run(tx, caller, id, false)?;
        if run.run_type != SyncRunType::DatawalletVersionUpgrade {
            return Err(sync_error(
                "unexpectedSyncRunType",
                "The sync run has another type.",
            ));
        }
        let current = tx
            .state
            .identities
            .get(&caller.address)
            .and_then(|i| i.datawallet_version);
        if current.is_some_and(|v| v > body.new_datawallet_version) {
            return Err(datawallet_error(
                "cannotDowngradeDatawalletVersion",
                "The datawallet cannot be downgraded.",
            ));
        }
        tx.state.identities.update(&caller.address, |i| {
            i.datawallet_version = Some(body.new_datawallet_version);
        });
        tx.state.sync_runs.update(&run.id, |r| r.finalized = true);
        let (new_index, added) = append_modifications(tx, caller, modifications)?;
        Ok(Reply::Ok(json!({
            "newDatawalletModificationIndex": new_index,
            "datawalletModifications": added,
        })))
    })
}

/// A checked modification, payload already decoded.
pub struct NewModification {
    input: ModificationInput,
    payload: Option<String>,
}

fn validate_modifications(inputs: &[ModificationInput]) -> ApiResult<Vec<NewModification>> {
    inputs
        .iter()
        .map(|m| {
            if m.collection.is_empty() || m.collection.len() > 50 {
                return Err(ApiError::invalid_value(
                    "'collection' must be 1 to 50 characters long.",
                ));
            }
            if m.object_identifier.is_empty() || m.object_identifier.len() > 100 {
                return Err(ApiError::invalid_value(
                    "'objectIdentifier' must be 1 to 100 characters long.",
                ));
            }
            if m.payload_category.as_ref().is_some_and(|c| c.len() > 50) {
                return Err(ApiError::invalid_value(
                    "'payloadCategory' must be at most 50 characters long.",
                ));
            }
            if !matches!(
                m.modification_type.as_str(),
                "Create" | "Update" | "Delete" | "CacheChanged"
            ) {
                return Err(ApiError::unparsable("'type': unknown modification type."));
            }
            let payload = m
                .encrypted_payload
                .as_deref()
                .map(|p| binary_field("encryptedPayload", p).map(|b| crate::bytes::encode(&b)))
                .transpose()?;
            Ok(NewModification {
                input: ModificationInput {
                    object_identifier: m.object_identifier.clone(),
                    payload_category: m.payload_category.clone(),
                    collection: m.collection.clone(),
                    modification_type: m.modification_type.clone(),
                    encrypted_payload: None,
                    datawallet_version: m.datawallet_version,
                },
                payload,
            })
        })
        .collect()
}

/// Appends modifications with the next indexes; returns the newest index and `{id,index,createdAt}`s.
fn append_modifications(
    tx: &mut Tx<'_>,
    caller: &Caller,
    modifications: Vec<NewModification>,
) -> ApiResult<(Option<u64>, Vec<Value>)> {
    let version = tx
        .state
        .identities
        .get(&caller.address)
        .and_then(|i| i.datawallet_version)
        .unwrap_or(0);
    if modifications
        .iter()
        .any(|m| m.input.datawallet_version > version)
    {
        return Err(datawallet_error(
            "datawalletVersionOfModificationTooHigh",
            "A modification's datawallet version is higher than the datawallet's.",
        ));
    }
    let mut added = Vec::new();
    for m in modifications {
        let Some(index) = tx.state.identities.update(&caller.address, |i| {
            let index = i.next_modification_index;
            i.next_modification_index += 1;
            index
        }) else {
            break;
        };
        let stored = DatawalletModification {
            id: ids::new_id("DWM"),
            owner: caller.address.clone(),
            index,
            object_identifier: m.input.object_identifier,
            payload_category: m.input.payload_category,
            created_at: tx.now,
            created_by_device: caller.device.clone(),
            collection: m.input.collection,
            modification_type: m.input.modification_type,
            encrypted_payload: m.payload,
            datawallet_version: m.input.datawallet_version,
        };
        added.push(json!({ "id": stored.id, "index": index, "createdAt": format(tx.now) }));
        tx.state
            .modifications
            .insert(sequence_key(&caller.address, index), stored);
    }
    let newest = tx
        .state
        .identities
        .get(&caller.address)
        .and_then(|i| i.next_modification_index.checked_sub(1));
    Ok((newest, added))
}

/// `GET /api/v2/Datawallet`.
pub fn get_datawallet(backend: &Backend, req: &Request) -> ApiResult<Reply> {
    let caller = req.caller()?;
    backend.read(|state| {
        state
            .identities
            .get(&caller.address)
            .and_then(|i| i.datawallet_version)
            .map(|version| Reply::Ok(json!({ "version": version })))
            .ok_or_else(|| ApiError::not_found("Datawallet"))
    })
}

fn modification_dto(m: &DatawalletModification) -> Value {
    json!({
        "id": m.id,
        "index": m.index,
        "objectIdentifier": m.object_identifier,
        "payloadCategory": m.payload_category,
        "createdAt": format(m.created_at),
        "createdByDevice": m.created_by_device,
        "collection": m.collection,
        "type": m.modification_type,
        "encryptedPayload": m.encrypted_payload,
        "datawalletVersion": m.datawallet_version,
    })
}

/// `GET /api/v2/Datawallet/Modifications?localIndex=N`: those with a higher index, ascending.
pub fn get_modifications(backend: &Backend, req: &Request) -> ApiResult<Reply> {
    let caller = req.caller()?;
    supported_version(req)?;
    let local_index = match req.query.get("localIndex") {
        Some(text) => Some(
            text.parse::<i64>()
                .map_err(|_| ApiError::unparsable("'localIndex': not a number."))?,
        ),
        None => None,
    };
    backend.read(|state| {
        Ok(Reply::Ok(Value::Array(
            state
                .modifications
                .range(identity_range(&caller.address))
                .map(|(_, m)| m)
                .filter(|m| local_index.is_none_or(|l| m.index as i64 > l))
                .map(modification_dto)
                .collect(),
        )))
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PushModifications {
    local_index: Option<i64>,
    modifications: Vec<ModificationInput>,
}

/// `POST /api/v2/Datawallet/Modifications`.
pub fn push_modifications(backend: &Backend, req: &Request) -> ApiResult<Reply> {
    let caller = req.caller()?;
    supported_version(req)?;
    let body: PushModifications = req.json()?;
    if body.modifications.is_empty() {
        return Err(ApiError::invalid_value(
            "'modifications' must not be empty.",
        ));
    }
    let modifications = validate_modifications(&body.modifications)?;
    backend.write(|tx| {
        let identity = tx
            .state
            .identities
            .get(&caller.address)
            .cloned()
            .ok_or_else(|| ApiError::not_found("Identity"))?;
        if identity.datawallet_version.is_none() {
            return Err(ApiError::not_found("Datawallet"));
        }
        if open_run(tx, &caller.address).is_some_and(|r| r.expires_at > tx.now) {
            return Err(datawallet_error(
                "cannotPushDatawalletModificationsDuringActiveSyncRun",
                "Modifications cannot be pushed during an active sync run.",
            ));
        }
        let latest = identity
            .next_modification_index
            .checked_sub(1)
            .map(|i| i as i64);
        if latest.is_some() && body.local_index != latest {
            return Err(datawallet_error(
                "datawalletNotUpToDate",
                "The local datawallet is not up to date.",
            ));
        }
        let (new_index, added) = append_modifications(tx, caller, modifications)?;
        Ok(Reply::Created(
            json!({ "newIndex": new_index, "modifications": added }),
        ))
    })
}
