//! Files: multipart upload, metadata, download, ownership tokens (backbone-api §5.9, §6.7).

use std::collections::HashMap;

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::http::header::HeaderMap;
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::clock::{format, json_opt};
use crate::error::{ApiError, ApiResult};
use crate::ids;
use crate::model::*;
use crate::server::{
    Backend, Caller, Reply, Request, Tx, binary_field, check_length, id_field, timestamp_field,
};

/// Text parts are small; anything bigger than this is not a field the client sends.
const MAX_TEXT_PART: usize = 2 * 1024 * 1024;

/// The parts of an upload, read from the multipart stream with size limits.
pub struct Upload {
    content: Option<Vec<u8>>,
    fields: HashMap<String, String>,
}

/// Reads the multipart body; `max_file_size` bounds the `content` part.
pub async fn read_upload(
    headers: &HeaderMap,
    payload: actix_web::web::Payload,
    max_file_size: usize,
) -> ApiResult<Upload> {
    let mut multipart = Multipart::new(headers, payload);
    let mut upload = Upload {
        content: None,
        fields: HashMap::new(),
    };
    while let Some(part) = multipart.next().await {
        let mut part = part.map_err(|e| ApiError::unparsable(format!("multipart body: {e}")))?;
        let name = part
            .content_disposition()
            .and_then(|d| d.get_name())
            .unwrap_or_default()
            .to_owned();
        let limit = if name == "content" {
            max_file_size
        } else {
            MAX_TEXT_PART
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(|e| ApiError::unparsable(format!("multipart body: {e}")))?;
            if bytes.len() + chunk.len() > limit {
                return Err(ApiError::invalid_value(format!(
                    "'{name}' is too large (the limit is {limit} bytes)."
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        if name == "content" {
            upload.content = Some(bytes);
        } else {
            let text = String::from_utf8(bytes)
                .map_err(|_| ApiError::unparsable(format!("'{name}' is not UTF-8 text.")))?;
            upload.fields.insert(name, text);
        }
    }
    Ok(upload)
}

impl Upload {
    fn field(&self, name: &str) -> ApiResult<&str> {
        self.fields
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| ApiError::invalid_value(format!("'{name}' is required.")))
    }
}

fn metadata_dto(f: &File) -> Value {
    json!({
        "id": f.id,
        "createdAt": format(f.created_at),
        "createdBy": f.created_by,
        "createdByDevice": f.created_by_device,
        "modifiedAt": format(f.modified_at),
        "modifiedBy": f.modified_by,
        "modifiedByDevice": f.modified_by_device,
        "deletedAt": json_opt(f.deleted_at),
        "deletedBy": f.deleted_by,
        "deletedByDevice": f.deleted_by_device,
        "owner": f.owner,
        "ownerSignature": f.owner_signature,
        "ownershipIsLocked": f.ownership_is_locked,
        "cipherSize": f.cipher_size,
        "cipherHash": f.cipher_hash,
        "expiresAt": format(f.expires_at),
        "encryptedProperties": f.encrypted_properties,
    })
}

/// `POST /api/v2/Files` (multipart).
pub fn create(backend: &Backend, caller: &Caller, upload: Upload) -> ApiResult<Reply> {
    let content = upload
        .content
        .as_deref()
        .ok_or_else(|| ApiError::invalid_value("'content' is required."))?;
    check_length("content", content, 1, backend.config.max_file_size)?;
    let cipher_hash = binary_field("cipherHash", upload.field("cipherHash")?)?;
    check_length("cipherHash", &cipher_hash, 1, 128)?;
    let signature = binary_field("ownerSignature", upload.field("ownerSignature")?)?;
    check_length("ownerSignature", &signature, 1, 512)?;
    let properties = binary_field(
        "encryptedProperties",
        upload
            .fields
            .get("encryptedProperties")
            .map_or("", String::as_str),
    )?;
    check_length("encryptedProperties", &properties, 0, 1024 * 1024)?;
    let expires_at = timestamp_field("expiresAt", upload.field("expiresAt")?)?;
    let id = ids::new_id("FIL");
    // The content goes first: metadata without content must never be visible.
    backend.put_blob(&id, content.to_vec())?;
    backend.write(|tx| {
        if expires_at <= tx.now {
            return Err(ApiError::invalid_value(
                "'expiresAt' must be in the future.",
            ));
        }
        let file = File {
            id: id.clone(),
            created_at: tx.now,
            created_by: caller.address.clone(),
            created_by_device: caller.device.clone(),
            modified_at: tx.now,
            modified_by: caller.address.clone(),
            modified_by_device: caller.device.clone(),
            deleted_at: None,
            deleted_by: None,
            deleted_by_device: None,
            owner: caller.address.clone(),
            owner_signature: crate::bytes::encode(&signature),
            ownership_token: ids::new_ownership_token(),
            ownership_is_locked: false,
            cipher_size: content.len() as u64,
            cipher_hash: crate::bytes::encode(&cipher_hash),
            expires_at,
            encrypted_properties: crate::bytes::encode(&properties),
        };
        let mut dto = metadata_dto(&file);
        if let Some(o) = dto.as_object_mut() {
            o.remove("encryptedProperties");
            o.remove("modifiedByDevice");
            o.remove("deletedByDevice");
            o.remove("ownershipIsLocked");
            o.insert("ownershipToken".into(), file.ownership_token.clone().into());
        }
        tx.state.files.insert(id.clone(), file);
        Ok(Reply::Created(dto))
    })
}

/// The file if it exists, is not deleted and not expired.
fn live(tx: &Tx<'_>, id: &str) -> ApiResult<File> {
    tx.state
        .files
        .get(id)
        .filter(|f| f.deleted_at.is_none() && f.expires_at > tx.now)
        .cloned()
        .ok_or_else(|| ApiError::not_found("File"))
}

/// `GET /api/v2/Files/{id}/metadata`: any authenticated identity may read it.
pub fn metadata(backend: &Backend, req: &Request, id: &str) -> ApiResult<Reply> {
    req.caller()?;
    let id = id_field(id, "FIL")?;
    backend.write(|tx| Ok(Reply::Ok(metadata_dto(&live(tx, &id)?))))
}

/// `GET /api/v2/Files?ids=…`.
pub fn list(backend: &Backend, req: &Request) -> ApiResult<Reply> {
    req.caller()?;
    let wanted = req.query.all("ids");
    backend.write(|tx| {
        Ok(Reply::Ok(Value::Array(
            wanted
                .iter()
                .filter_map(|id| live(tx, id).ok())
                .map(|f| metadata_dto(&f))
                .collect(),
        )))
    })
}

/// `GET /api/v2/Files/{id}`: the uploaded bytes, unchanged.
pub fn download(backend: &Backend, req: &Request, id: &str) -> ApiResult<Reply> {
    req.caller()?;
    let id = id_field(id, "FIL")?;
    backend.write(|tx| live(tx, &id))?;
    let bytes = backend.get_blob(&id)?;
    Ok(Reply::Raw {
        status: StatusCode::OK,
        headers: Vec::new(),
        content_type: "application/octet-stream",
        body: bytes,
    })
}

/// `DELETE /api/v2/Files/{id}`: only the creator.
pub fn delete(backend: &Backend, req: &Request, id: &str) -> ApiResult<Reply> {
    let caller = req.caller()?;
    let id = id_field(id, "FIL")?;
    backend.write(|tx| {
        let file = live(tx, &id)?;
        if file.created_by != caller.address {
            return Err(ApiError::forbidden());
        }
        let now = tx.now;
        tx.state.files.update(&id, |f| {
            f.deleted_at = Some(now);
            f.deleted_by = Some(caller.address.clone());
            f.deleted_by_device = Some(caller.device.clone());
        });
        Ok(Reply::NoContent)
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OwnershipToken {
    ownership_token: String,
}

/// Locks the ownership after a wrong token from someone else and tells the owner.
fn lock_ownership(tx: &mut Tx<'_>, file: &File) {
    tx.state
        .files
        .update(&file.id, |f| f.ownership_is_locked = true);
    tx.emit(
        &file.owner,
        "FileOwnershipLocked",
        json!({ "fileId": file.id }),
        None,
        false,
    );
}

/// `POST /api/v2/Files/{id}/ValidateOwnershipToken`.
pub fn validate_ownership(backend: &Backend, req: &Request, id: &str) -> ApiResult<Reply> {
    let caller = req.caller()?;
    let id = id_field(id, "FIL")?;
    let body: OwnershipToken = req.json()?;
    backend.write(|tx| {
        let file = live(tx, &id)?;
        let valid = !file.ownership_is_locked && file.ownership_token == body.ownership_token;
        if !valid && !file.ownership_is_locked && file.owner != caller.address {
            lock_ownership(tx, &file);
        }
        Ok(Reply::Ok(json!({ "isValid": valid })))
    })
}

/// `PATCH /api/v2/Files/{id}/RegenerateOwnershipToken`: owner only; also unlocks.
pub fn regenerate_ownership(backend: &Backend, req: &Request, id: &str) -> ApiResult<Reply> {
    let caller = req.caller()?;
    let id = id_field(id, "FIL")?;
    backend.write(|tx| {
        let file = live(tx, &id)?;
        if file.owner != caller.address {
            return Err(ApiError::forbidden());
        }
        let token = ids::new_ownership_token();
        tx.state.files.update(&id, |f| {
            f.ownership_token = token.clone();
            f.ownership_is_locked = false;
        });
        Ok(Reply::Ok(json!({ "newOwnershipToken": token })))
    })
}

/// `PATCH /api/v2/Files/{id}/ClaimOwnership`.
pub fn claim_ownership(backend: &Backend, req: &Request, id: &str) -> ApiResult<Reply> {
    let caller = req.caller()?;
    let id = id_field(id, "FIL")?;
    let body: OwnershipToken = req.json()?;
    backend.write(|tx| {
        let file = live(tx, &id)?;
        if file.owner == caller.address {
            return Err(ApiError::bad_request(
                "error.platform.validation.file.cannotClaimOwnershipOfOwnFile",
                "You cannot claim the ownership of your own file.",
            ));
        }
        if file.ownership_is_locked {
            return Err(ApiError::forbidden());
        }
        if file.ownership_token != body.ownership_token {
            lock_ownership(tx, &file);
            return Err(ApiError::forbidden());
        }
        let token = ids::new_ownership_token();
        let now = tx.now;
        tx.state.files.update(&id, |f| {
            f.owner = caller.address.clone();
            f.ownership_token = token.clone();
            f.modified_at = now;
            f.modified_by = caller.address.clone();
            f.modified_by_device = caller.device.clone();
        });
        tx.emit(
            &file.owner,
            "FileOwnershipClaimed",
            json!({ "fileId": id, "newOwnerAddress": caller.address }),
            None,
            false,
        );
        Ok(Reply::Ok(json!({ "newOwnershipToken": token })))
    })
}
