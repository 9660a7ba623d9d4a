//! `POST /connect/token` (password grant, opaque tokens) and bearer-token checks (backbone-api §2).

use actix_web::HttpResponse;
use actix_web::http::header;
use serde_json::json;
use sha2::{Digest, Sha256};
use time::Duration;

use crate::model::{Device, IdentityStatus};
use crate::server::{Backend, Caller, Session, lock};
use crate::{clock, ids};

const MAX_FAILED_LOGINS: u32 = 3;
/// The real Backbone locks for 10 minutes, 1 minute in Development.
const LOCKOUT: Duration = Duration::minutes(1);

/// A salted SHA-256 of a device password; device passwords are long random strings, so a slow
/// hash would add nothing here.
pub fn hash_password(salt: &str, password: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(salt.as_bytes());
    hasher.update(password.as_bytes());
    nmshd_hex(&hasher.finalize())
}

fn nmshd_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh salt for [`hash_password`].
pub fn new_salt() -> String {
    nmshd_hex(&nmshd_crypto::random_bytes::<16>())
}

pub fn password_matches(device: &Device, password: &str) -> bool {
    hash_password(&device.password_salt, password) == device.password_hash
}

fn oauth_error(error: &str, description: &str) -> HttpResponse {
    HttpResponse::BadRequest().json(json!({ "error": error, "error_description": description }))
}

/// The token endpoint: form fields `grant_type`, `client_id`, `client_secret`, `username`, `password`.
pub fn token(backend: &Backend, body: &[u8]) -> HttpResponse {
    let form: Vec<(String, String)> = form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    };
    if field("grant_type") != "password" {
        return oauth_error(
            "unsupported_grant_type",
            "The specified 'grant_type' is not supported.",
        );
    }
    if field("client_id") != backend.config.client_id
        || field("client_secret") != backend.config.client_secret
    {
        return oauth_error(
            "invalid_client",
            "The specified 'client_id' is invalid or the client credentials are wrong.",
        );
    }
    let username = field("username");
    let now = clock::now();
    {
        let failures = lock(&backend.login_failures);
        if failures
            .get(username)
            .and_then(|f| f.locked_until)
            .is_some_and(|until| until > now)
        {
            return oauth_error("access_denied", "The user account is locked out.");
        }
    }
    let found = backend.read(|state| {
        state
            .devices
            .rows_by(&crate::db::username_key(username))
            .find(|d| d.username == username)
            .cloned()
            .map(|device| {
                let identity = state.identities.get(&device.address).cloned();
                (device, identity)
            })
    });
    let login = match found {
        Some((device, Some(identity))) if password_matches(&device, field("password")) => {
            let grace_over = identity.status == IdentityStatus::Deleting
                || identity.status == IdentityStatus::ToBeDeleted
                    && identity
                        .deletion_grace_period_ends_at
                        .is_some_and(|end| end <= now);
            (!grace_over).then_some((device, identity))
        }
        _ => None,
    };
    let Some((device, identity)) = login else {
        let mut failures = lock(&backend.login_failures);
        let entry = failures.entry(username.to_owned()).or_default();
        entry.count += 1;
        if entry.count >= MAX_FAILED_LOGINS {
            entry.count = 0;
            entry.locked_until = Some(now + LOCKOUT);
        }
        return oauth_error("invalid_grant", "The username/password couple is invalid.");
    };
    lock(&backend.login_failures).remove(username);
    // Recording the login is best effort: a failed journal write must not refuse the login.
    let _ = backend.write(|tx| {
        tx.state
            .devices
            .update(&device.id, |d| d.last_login = Some(tx.now));
        Ok(())
    });
    let access_token = ids::new_access_token();
    let lifetime = backend.config.access_token_lifetime_secs;
    let mut sessions = lock(&backend.sessions);
    sessions.retain(|_, session| session.expires_at > now);
    sessions.insert(
        access_token.clone(),
        Session {
            caller: Caller {
                address: identity.address,
                device: device.id,
            },
            expires_at: now + Duration::seconds(lifetime),
        },
    );
    drop(sessions);
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(
            json!({ "access_token": access_token, "token_type": "Bearer", "expires_in": lifetime }),
        )
}

/// The caller of a request with `Authorization: Bearer …`, if the token is known and valid.
pub fn authenticate(backend: &Backend, headers: &header::HeaderMap) -> Option<Caller> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))?
        .trim();
    let mut sessions = lock(&backend.sessions);
    let session = sessions.get(token)?;
    if session.expires_at <= clock::now() {
        sessions.remove(token);
        return None;
    }
    Some(session.caller.clone())
}
