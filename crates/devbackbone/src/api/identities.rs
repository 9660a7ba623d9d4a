//! Challenges, identities, devices and identity deletion processes (backbone-api §3, §5.2–5.4).

use serde::Deserialize;
use serde_json::{Value, json};
use time::Duration;

use nmshd_crypto::signature::{Signature, SignaturePublicKey};

use crate::auth::{hash_password, new_salt, password_matches};
use crate::clock::{format, json_opt};
use crate::error::{ApiError, ApiResult};
use crate::model::*;
use crate::server::{Backend, Reply, Request, Tx, binary_field, id_field};
use crate::{clock, ids};

const CHALLENGE_LIFETIME: Duration = Duration::minutes(10);
const MAX_GRACE_PERIOD_DAYS: f64 = 365.0;
const SECONDS_PER_DAY: f64 = 86_400.0;

fn challenge_dto(c: &Challenge) -> Value {
    json!({
        "id": c.id,
        "expiresAt": format(c.expires_at),
        "createdBy": c.created_by,
        "createdByDevice": c.created_by_device,
    })
}

/// `POST /api/v2/Challenges` (anonymous or authenticated).
pub fn create_challenge(backend: &Backend, req: &Request) -> ApiResult<Reply> {
    backend.write(|tx| {
        let challenge = Challenge {
            id: ids::new_id("CHL"),
            expires_at: tx.now + CHALLENGE_LIFETIME,
            created_by: req.caller.as_ref().map(|c| c.address.clone()),
            created_by_device: req.caller.as_ref().map(|c| c.device.clone()),
        };
        let dto = challenge_dto(&challenge);
        tx.state.challenges.insert(challenge.id.clone(), challenge);
        Ok(Reply::Created(dto))
    })
}

/// `GET /api/v2/Challenges/{id}`.
pub fn get_challenge(backend: &Backend, req: &Request, id: &str) -> ApiResult<Reply> {
    req.caller()?;
    let id = id_field(id, "CHL")?;
    backend.read(|state| {
        state
            .challenges
            .get(&id)
            .map(|c| Reply::Ok(challenge_dto(c)))
            .ok_or_else(|| ApiError::not_found("Challenge"))
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignedChallenge {
    challenge: String,
    signature: String,
}

fn device_error(rule: &str, message: &str) -> ApiError {
    ApiError::bad_request(format!("error.platform.validation.device.{rule}"), message)
}

/// Checks a challenge signed with an identity key; returns the key (backbone-api §3.2).
fn verify_signed_challenge(
    tx: &Tx<'_>,
    public_key: &SignaturePublicKey,
    signed: &SignedChallenge,
) -> ApiResult<()> {
    let signature = binary_field("signedChallenge.signature", &signed.signature)?;
    let signature = std::str::from_utf8(&signature)
        .ok()
        .and_then(|text| Signature::from_json(text).ok())
        .ok_or_else(|| {
            device_error(
                "invalidSignature",
                "The signature is not a valid CryptoSignature.",
            )
        })?;
    if !public_key.verify(signed.challenge.as_bytes(), &signature) {
        return Err(device_error(
            "invalidSignature",
            "The signature is invalid.",
        ));
    }
    let challenge: Value = serde_json::from_str(&signed.challenge)
        .map_err(|_| ApiError::unparsable("'signedChallenge.challenge': not a JSON object."))?;
    let id = challenge
        .as_object()
        .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case("id")))
        .and_then(|(_, v)| v.as_str())
        .ok_or_else(|| ApiError::unparsable("'signedChallenge.challenge': no id."))?;
    let stored = tx
        .state
        .challenges
        .get(id)
        .ok_or_else(|| ApiError::not_found("Challenge"))?;
    if stored.expires_at < tx.now {
        return Err(device_error(
            "challengeHasExpired",
            "The challenge has expired.",
        ));
    }
    Ok(())
}

fn parse_public_key(text: &str) -> ApiResult<SignaturePublicKey> {
    let bytes = binary_field("identityPublicKey", text)?;
    std::str::from_utf8(&bytes)
        .ok()
        .and_then(|json| SignaturePublicKey::from_json(json).ok())
        .ok_or_else(|| {
            ApiError::invalid_value("'identityPublicKey' is not a valid CryptoSignaturePublicKey.")
        })
}

fn new_device(
    tx: &Tx<'_>,
    address: &str,
    password: &str,
    created_by_device: Option<&str>,
    language: Option<String>,
    is_backup_device: bool,
) -> Device {
    let id = ids::new_id("DVC");
    let salt = new_salt();
    Device {
        created_by_device: created_by_device.unwrap_or(&id).to_owned(),
        id,
        address: address.to_owned(),
        username: ids::new_id("USR"),
        password_hash: hash_password(&salt, password),
        password_salt: salt,
        created_at: tx.now,
        communication_language: language.unwrap_or_else(|| "en".into()),
        is_backup_device,
        last_login: None,
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateIdentity {
    identity_public_key: String,
    device_password: String,
    signed_challenge: SignedChallenge,
    client_id: String,
    client_secret: String,
    identity_version: u8,
    device_communication_language: Option<String>,
}

/// `POST /api/v2/Identities` (anonymous).
pub fn create_identity(backend: &Backend, req: &Request) -> ApiResult<Reply> {
    let body: CreateIdentity = req.json()?;
    if body.client_id != backend.config.client_id
        || body.client_secret != backend.config.client_secret
    {
        return Err(ApiError::bad_request(
            "error.platform.unauthorized",
            "The client credentials are invalid.",
        ));
    }
    if body.device_password.is_empty() {
        return Err(ApiError::invalid_value(
            "'devicePassword' must not be empty.",
        ));
    }
    let public_key = parse_public_key(&body.identity_public_key)?;
    let address = nmshd_crypto::derive_address(public_key.as_bytes(), &backend.config.did_domain);
    backend.write(|tx| {
        verify_signed_challenge(tx, &public_key, &body.signed_challenge)?;
        if tx.state.identities.contains(&address) {
            return Err(device_error(
                "addressAlreadyExists",
                "The address already exists.",
            ));
        }
        let device = new_device(
            tx,
            &address,
            &body.device_password,
            None,
            body.device_communication_language.clone(),
            false,
        );
        let dto = json!({
            "address": address,
            "createdAt": format(tx.now),
            "device": { "id": device.id, "username": device.username, "createdAt": format(tx.now) },
        });
        tx.state.identities.insert(
            address.clone(),
            Identity {
                address: address.clone(),
                public_key: crate::bytes::encode(public_key.as_bytes()),
                client_id: body.client_id.clone(),
                created_at: tx.now,
                identity_version: body.identity_version,
                status: IdentityStatus::Active,
                deletion_grace_period_ends_at: None,
                next_event_index: 0,
                next_modification_index: 0,
                next_sync_run_index: 0,
                datawallet_version: None,
            },
        );
        tx.state.devices.insert(device.id.clone(), device);
        Ok(Reply::Created(dto))
    })
}

/// `GET /api/v2/Identities/IsDeleted?username=` (anonymous).
pub fn is_deleted(backend: &Backend, req: &Request) -> ApiResult<Reply> {
    let username = req.query.get("username").unwrap_or_default();
    let now = clock::now();
    backend.read(|state| {
        let device = state
            .devices
            .rows_by(&crate::db::username_key(username))
            .find(|d| d.username == username)
            .ok_or_else(|| ApiError::not_found("Device"))?;
        let end = state
            .identities
            .get(&device.address)
            .filter(|i| i.status.is_being_deleted())
            .and_then(|i| i.deletion_grace_period_ends_at)
            .filter(|end| *end <= now);
        Ok(Reply::Ok(
            json!({ "isDeleted": end.is_some(), "deletionDate": json_opt(end) }),
        ))
    })
}

/// `GET /api/v2/Identities/Self`.
pub fn get_self(backend: &Backend, req: &Request) -> ApiResult<Reply> {
    let caller = req.caller()?;
    backend.read(|state| {
        let identity = state
            .identities
            .get(&caller.address)
            .ok_or_else(|| ApiError::not_found("Identity"))?;
        Ok(Reply::Ok(json!({
            "address": identity.address,
            "createdAt": format(identity.created_at),
            "identityVersion": identity.identity_version,
            "tierId": "TIRdevelopmentBasic",
            "status": identity.status.name(),
            "deletionGracePeriodEndsAt": json_opt(identity.deletion_grace_period_ends_at),
        })))
    })
}

fn deletion_process_dto(p: &DeletionProcess) -> Value {
    json!({
        "id": p.id,
        "status": p.status.name(),
        "createdAt": format(p.created_at),
        "createdByDevice": p.created_by_device,
        "approvedAt": format(p.created_at),
        "approvedByDevice": p.created_by_device,
        "gracePeriodEndsAt": format(p.grace_period_ends_at),
        "gracePeriodReminder1SentAt": null,
        "gracePeriodReminder2SentAt": null,
        "gracePeriodReminder3SentAt": null,
        "cancelledAt": json_opt(p.cancelled_at),
        "cancelledByDevice": p.cancelled_by_device,
    })
}

/// Tells the identity's related peers (Pending/Active/Terminated) about its deletion state.
pub(crate) fn tell_peers(
    tx: &mut Tx<'_>,
    address: &str,
    event_type: &str,
    deletion_date: Option<String>,
) {
    let related: Vec<(String, String)> = tx
        .state
        .relationships
        .rows_by(&crate::db::party_key(address))
        .filter(|r| r.involves(address))
        .filter(|r| {
            matches!(
                r.status,
                RelationshipStatus::Pending
                    | RelationshipStatus::Active
                    | RelationshipStatus::Terminated
            )
        })
        .map(|r| (r.id.clone(), r.peer_of(address).to_owned()))
        .collect();
    for (relationship_id, peer) in related {
        let mut payload = json!({ "relationshipId": relationship_id });
        if let Some(date) = &deletion_date {
            payload["deletionDate"] = date.clone().into();
        }
        tx.emit(&peer, event_type, payload, Some(&relationship_id), false);
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StartDeletion {
    /// A double on the real Backbone: fractions of a day are allowed.
    length_of_grace_period_in_days: Option<f64>,
}

/// `POST /api/v2/Identities/Self/DeletionProcesses`.
pub fn start_deletion(backend: &Backend, req: &Request) -> ApiResult<Reply> {
    let caller = req.caller()?;
    let body: StartDeletion = req.json()?;
    let grace_period = match body.length_of_grace_period_in_days {
        Some(days) if (0.0..=MAX_GRACE_PERIOD_DAYS).contains(&days) => {
            Duration::seconds_f64(days * SECONDS_PER_DAY)
        }
        Some(_) => {
            return Err(ApiError::invalid_value(
                "'lengthOfGracePeriodInDays' must be between 0 and 365.",
            ));
        }
        // The configured default (14 days unless the dev Backbone was told otherwise).
        None => {
            Duration::try_from(backend.config.deletion_grace_period).unwrap_or(Duration::days(14))
        }
    };
    backend.write(|tx| {
        if tx
            .state
            .deletion_processes
            .rows_by(&crate::db::party_key(&caller.address))
            .any(|p| p.address == caller.address && p.status != DeletionProcessStatus::Cancelled)
        {
            return Err(device_error(
                "onlyOneActiveDeletionProcessAllowed",
                "Only one active deletion process is allowed.",
            ));
        }
        let process = DeletionProcess {
            id: ids::new_id("IDP"),
            address: caller.address.clone(),
            status: DeletionProcessStatus::Active,
            created_at: tx.now,
            created_by_device: caller.device.clone(),
            grace_period_ends_at: tx.now + grace_period,
            cancelled_at: None,
            cancelled_by_device: None,
        };
        let end = process.grace_period_ends_at;
        tx.state.identities.update(&caller.address, |i| {
            i.status = IdentityStatus::ToBeDeleted;
            i.deletion_grace_period_ends_at = Some(end);
        });
        tell_peers(tx, &caller.address, "PeerToBeDeleted", Some(format(end)));
        let dto = deletion_process_dto(&process);
        tx.state
            .deletion_processes
            .insert(process.id.clone(), process);
        Ok(Reply::Created(dto))
    })
}

/// `GET /api/v2/Identities/Self/DeletionProcesses[/{id}]`.
pub fn get_deletion_processes(
    backend: &Backend,
    req: &Request,
    id: Option<&str>,
) -> ApiResult<Reply> {
    let caller = req.caller()?;
    backend.read(|state| match id {
        Some(id) => state
            .deletion_processes
            .get(id)
            .filter(|p| p.address == caller.address)
            .map(|p| Reply::Ok(deletion_process_dto(p)))
            .ok_or_else(|| ApiError::not_found("IdentityDeletionProcess")),
        None => Ok(Reply::Ok(Value::Array(
            state
                .deletion_processes
                .rows_by(&crate::db::party_key(&caller.address))
                .filter(|p| p.address == caller.address)
                .map(deletion_process_dto)
                .collect(),
        ))),
    })
}

/// `PUT /api/v2/Identities/Self/DeletionProcesses/{id}/Cancel`.
pub fn cancel_deletion(backend: &Backend, req: &Request, id: &str) -> ApiResult<Reply> {
    let caller = req.caller()?;
    backend.write(|tx| {
        let process = tx
            .state
            .deletion_processes
            .get(id)
            .filter(|p| p.address == caller.address)
            .ok_or_else(|| ApiError::not_found("IdentityDeletionProcess"))?;
        if process.status != DeletionProcessStatus::Active {
            return Err(device_error(
                "deletionProcessIsNotInRequiredStatus",
                "The deletion process is not active.",
            ));
        }
        let now = tx.now;
        let dto = tx
            .state
            .deletion_processes
            .update(id, |p| {
                p.status = DeletionProcessStatus::Cancelled;
                p.cancelled_at = Some(now);
                p.cancelled_by_device = Some(caller.device.clone());
                deletion_process_dto(p)
            })
            .unwrap_or(Value::Null);
        tx.state.identities.update(&caller.address, |i| {
            i.status = IdentityStatus::Active;
            i.deletion_grace_period_ends_at = None;
        });
        tell_peers(tx, &caller.address, "PeerDeletionCancelled", None);
        Ok(Reply::Ok(dto))
    })
}

fn device_dto(d: &Device) -> Value {
    json!({
        "id": d.id,
        "username": d.username,
        "createdAt": format(d.created_at),
        "createdByDevice": d.created_by_device,
        "lastLogin": d.last_login.map(|t| json!({ "time": format(t) })),
        "communicationLanguage": d.communication_language,
        "isBackupDevice": d.is_backup_device,
    })
}

/// `GET /api/v2/Devices/Self`.
pub fn get_own_device(backend: &Backend, req: &Request) -> ApiResult<Reply> {
    let caller = req.caller()?;
    backend.read(|state| {
        state
            .devices
            .get(&caller.device)
            .map(|d| Reply::Ok(device_dto(d)))
            .ok_or_else(|| ApiError::not_found("Device"))
    })
}

/// `GET /api/v2/Devices`.
pub fn list_devices(backend: &Backend, req: &Request) -> ApiResult<Reply> {
    let caller = req.caller()?;
    backend.read(|state| {
        Ok(Reply::Ok(Value::Array(
            state
                .devices
                .rows_by(&crate::db::party_key(&caller.address))
                .filter(|d| d.address == caller.address)
                .map(device_dto)
                .collect(),
        )))
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateDevice {
    communication_language: String,
}

/// `PUT /api/v2/Devices/Self`.
pub fn update_own_device(backend: &Backend, req: &Request) -> ApiResult<Reply> {
    let caller = req.caller()?;
    let body: UpdateDevice = req.json()?;
    let language = body.communication_language;
    if language.len() != 2 || !language.bytes().all(|b| b.is_ascii_lowercase()) {
        return Err(ApiError::invalid_value(
            "'communicationLanguage' must be a two-letter ISO 639-1 code.",
        ));
    }
    backend.write(|tx| {
        tx.state
            .devices
            .update(&caller.device, |d| d.communication_language = language)
            .ok_or_else(|| ApiError::not_found("Device"))?;
        Ok(Reply::NoContent)
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChangePassword {
    old_password: String,
    new_password: String,
}

/// `PUT /api/v2/Devices/Self/Password`.
pub fn change_password(backend: &Backend, req: &Request) -> ApiResult<Reply> {
    let caller = req.caller()?;
    let body: ChangePassword = req.json()?;
    if body.new_password.is_empty() {
        return Err(ApiError::invalid_value("'newPassword' must not be empty."));
    }
    backend.write(|tx| {
        let device = tx
            .state
            .devices
            .get(&caller.device)
            .ok_or_else(|| ApiError::not_found("Device"))?;
        if !password_matches(device, &body.old_password) {
            return Err(device_error(
                "changePasswordFailed",
                "Changing the password failed.",
            ));
        }
        let salt = new_salt();
        let hash = hash_password(&salt, &body.new_password);
        tx.state.devices.update(&caller.device, |d| {
            d.password_salt = salt;
            d.password_hash = hash;
        });
        Ok(Reply::NoContent)
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateDevice {
    device_password: String,
    signed_challenge: SignedChallenge,
    #[serde(default)]
    is_backup_device: bool,
    communication_language: Option<String>,
}

/// `POST /api/v2/Devices`: another device of the caller's identity.
pub fn create_device(backend: &Backend, req: &Request) -> ApiResult<Reply> {
    let caller = req.caller()?;
    let body: CreateDevice = req.json()?;
    backend.write(|tx| {
        let identity = tx
            .state
            .identities
            .get(&caller.address)
            .ok_or_else(|| ApiError::not_found("Identity"))?;
        let key_bytes = crate::bytes::decode_lenient(&identity.public_key).unwrap_or_default();
        let key: [u8; 32] = key_bytes
            .try_into()
            .map_err(|_| crate::server::internal_error())?;
        verify_signed_challenge(tx, &SignaturePublicKey(key), &body.signed_challenge)?;
        if body.is_backup_device
            && tx
                .state
                .devices
                .rows_by(&crate::db::party_key(&caller.address))
                .any(|d| d.address == caller.address && d.is_backup_device)
        {
            return Err(device_error(
                "onlyOneBackupDeviceCanExist",
                "Only one backup device can exist.",
            ));
        }
        let device = new_device(
            tx,
            &caller.address,
            &body.device_password,
            Some(&caller.device),
            body.communication_language.clone(),
            body.is_backup_device,
        );
        let dto = json!({
            "id": device.id,
            "username": device.username,
            "createdAt": format(device.created_at),
            "createdByDevice": device.created_by_device,
            "isBackupDevice": device.is_backup_device,
        });
        tx.state.devices.insert(device.id.clone(), device);
        Ok(Reply::Created(dto))
    })
}

/// `DELETE /api/v2/Devices/{id}`: only a device of the caller's identity that never logged in.
pub fn delete_device(backend: &Backend, req: &Request, id: &str) -> ApiResult<Reply> {
    let caller = req.caller()?;
    let id = id_field(id, "DVC")?;
    backend.write(|tx| {
        let device = tx
            .state
            .devices
            .get(&id)
            .filter(|d| d.address == caller.address)
            .ok_or_else(|| ApiError::not_found("Device"))?;
        if device.last_login.is_some() {
            return Err(device_error(
                "deviceCannotBeDeleted",
                "The device has already been used.",
            ));
        }
        tx.state.devices.remove(&id);
        Ok(Reply::NoContent)
    })
}

/// `PUT /api/v2/Devices/Self/PushNotifications`: accepted, nothing is ever pushed.
pub fn register_push(req: &Request) -> ApiResult<Reply> {
    req.caller()?;
    let body: Value = req.json()?;
    let handle = body
        .get("handle")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !(10..=500).contains(&handle.len()) {
        return Err(ApiError::invalid_value(
            "'handle' must be between 10 and 500 characters long.",
        ));
    }
    Ok(Reply::Ok(
        json!({ "devicePushIdentifier": ids::new_id("DPI") }),
    ))
}
