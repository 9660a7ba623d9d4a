//! Tokens: passwords, forIdentity, locking, anonymous empty tokens (backbone-api §5.8, §6.6).

use serde::Deserialize;
use serde_json::{Value, json};
use time::Duration;

use crate::api::templates::password_bytes;
use crate::clock::format;
use crate::config::MAX_CONTENT;
use crate::error::{ApiError, ApiResult};
use crate::ids;
use crate::model::*;
use crate::server::{
    Backend, Caller, Reply, Request, Tx, binary_field, check_length, id_field, timestamp_field,
};

const MAX_FAILED_PASSWORD_ATTEMPTS: u32 = 100;
const ANONYMOUS_MAX_LIFETIME: Duration = Duration::minutes(5);

fn token_dto(t: &Token, with_content: bool) -> Value {
    let mut dto = json!({
        "id": t.id,
        "createdBy": t.created_by,
        "createdByDevice": t.created_by_device,
        "forIdentity": t.for_identity,
        "createdAt": format(t.created_at),
        "expiresAt": format(t.expires_at),
        "isPasswordProtected": t.password.is_some(),
    });
    if with_content {
        dto["content"] = t.content.clone().into();
    }
    dto
}

fn locked_error() -> ApiError {
    ApiError::bad_request(
        "error.platform.token.tooManyFailedPasswordAttempts",
        "The token is locked after too many failed password attempts.",
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateToken {
    content: Option<String>,
    expires_at: String,
    for_identity: Option<String>,
    password: Option<String>,
}

/// `POST /api/v2/Tokens` (authenticated with or without content; anonymous only without).
pub fn create(backend: &Backend, req: &Request) -> ApiResult<Reply> {
    let body: CreateToken = req.json()?;
    let content = body
        .content
        .as_deref()
        .map(|c| binary_field("content", c))
        .transpose()?;
    if let Some(content) = &content {
        check_length("content", content, 0, MAX_CONTENT)?;
    }
    let expires_at = timestamp_field("expiresAt", &body.expires_at)?;
    let password = password_bytes(body.password.as_deref())?;
    backend.write(|tx| {
        if expires_at <= tx.now {
            return Err(ApiError::invalid_value(
                "'expiresAt' must be in the future.",
            ));
        }
        if req.caller.is_none() {
            if content.is_some() {
                return Err(ApiError::unauthorized());
            }
            if expires_at >= tx.now + ANONYMOUS_MAX_LIFETIME {
                return Err(ApiError::invalid_value(
                    "'expiresAt' of an anonymous token must be less than 5 minutes from now.",
                ));
            }
        }
        let token = Token {
            id: ids::new_id("TOK"),
            created_by: req.caller.as_ref().map(|c| c.address.clone()),
            created_by_device: req.caller.as_ref().map(|c| c.device.clone()),
            for_identity: body.for_identity.clone(),
            created_at: tx.now,
            expires_at,
            content: content.as_deref().map(crate::bytes::encode),
            password,
            allocations: Vec::new(),
            failed_password_attempts: 0,
        };
        let dto = json!({ "id": token.id, "createdAt": format(token.created_at) });
        tx.state.tokens.insert(token.id.clone(), token);
        Ok(Reply::Created(dto))
    })
}

/// The access rules of §6.6, in order; a wrong password counts (and may lock the token).
fn access(
    tx: &mut Tx<'_>,
    caller: Option<&Caller>,
    id: &str,
    password: Option<&[u8]>,
) -> ApiResult<Token> {
    let token = tx
        .state
        .tokens
        .get(id)
        .cloned()
        .ok_or_else(|| ApiError::not_found("Token"))?;
    let address = caller.map(|c| c.address.as_str());
    if address.is_some_and(|a| {
        token.created_by.as_deref() == Some(a) || token.allocations.iter().any(|x| x == a)
    }) {
        return Ok(token);
    }
    if token.expires_at <= tx.now {
        return Err(ApiError::not_found("Token"));
    }
    if token.failed_password_attempts >= MAX_FAILED_PASSWORD_ATTEMPTS {
        return Err(locked_error());
    }
    if token
        .for_identity
        .as_deref()
        .is_some_and(|f| Some(f) != address)
    {
        return Err(ApiError::not_found("Token"));
    }
    if token
        .password
        .as_deref()
        .is_some_and(|p| Some(p) != password)
    {
        let attempts = tx
            .state
            .tokens
            .update(id, |t| {
                t.failed_password_attempts += 1;
                t.failed_password_attempts
            })
            .unwrap_or_default();
        if attempts >= MAX_FAILED_PASSWORD_ATTEMPTS {
            // TokenLocked has no processor in transport 7.x clients: not emitted (backbone-api §6.2).
            return Err(locked_error());
        }
        return Err(ApiError::not_found("Token"));
    }
    if let Some(address) = address {
        tx.state
            .tokens
            .update(id, |t| t.allocations.push(address.to_owned()));
    }
    Ok(token)
}

/// `GET /api/v2/Tokens/{id}?password=` (anonymous or authenticated).
pub fn get(backend: &Backend, req: &Request, id: &str) -> ApiResult<Reply> {
    let id = id_field(id, "TOK")?;
    let password = password_bytes(req.query.get("password"))?;
    backend.write(|tx| {
        let token = access(tx, req.caller.as_ref(), &id, password.as_deref())?;
        Ok(Reply::Ok(token_dto(&token, true)))
    })
}

/// `GET /api/v2/Tokens?tokens.N.id=…` (or `ids=…`): the accessible ones.
pub fn list(backend: &Backend, req: &Request) -> ApiResult<Reply> {
    let caller = req.caller()?;
    let wanted = req.query.id_password_list("tokens");
    backend.write(|tx| {
        let mut out = Vec::new();
        for (id, password) in wanted {
            let password = password_bytes(password.as_deref())?;
            if let Ok(token) = access(tx, Some(caller), &id, password.as_deref()) {
                out.push(token_dto(&token, true));
            }
        }
        Ok(Reply::Ok(Value::Array(out)))
    })
}

/// `DELETE /api/v2/Tokens/{id}`: only by its creator.
pub fn delete(backend: &Backend, req: &Request, id: &str) -> ApiResult<Reply> {
    let caller = req.caller()?;
    let id = id_field(id, "TOK")?;
    backend.write(|tx| {
        let token = tx
            .state
            .tokens
            .get(&id)
            .ok_or_else(|| ApiError::not_found("Token"))?;
        if token.created_by.as_deref() != Some(caller.address.as_str()) {
            return Err(ApiError::forbidden());
        }
        tx.state.tokens.remove(&id);
        Ok(Reply::NoContent)
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateContent {
    new_content: String,
    password: Option<String>,
}

/// `POST /api/v2/Tokens/{id}/UpdateContent`: fills an empty token; the caller becomes its creator.
pub fn update_content(backend: &Backend, req: &Request, id: &str) -> ApiResult<Reply> {
    let caller = req.caller()?;
    let id = id_field(id, "TOK")?;
    let body: UpdateContent = req.json()?;
    let content = binary_field("newContent", &body.new_content)?;
    check_length("newContent", &content, 1, MAX_CONTENT)?;
    let password = password_bytes(body.password.as_deref())?;
    backend.write(|tx| {
        let token = access(tx, Some(caller), &id, password.as_deref())?;
        if token.content.is_some() {
            return Err(ApiError::bad_request(
                "error.platform.token.contentUpdateNotPossibleBecauseContentAlreadyExists",
                "The token already has content.",
            ));
        }
        let updated = tx
            .state
            .tokens
            .update(&id, |t| {
                t.content = Some(crate::bytes::encode(&content));
                t.created_by = Some(caller.address.clone());
                t.created_by_device = Some(caller.device.clone());
                token_dto(t, false)
            })
            .ok_or_else(|| ApiError::not_found("Token"))?;
        Ok(Reply::Ok(updated))
    })
}
