//! The shared server state, the request context handlers see, and replies in the `result` envelope.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::config::BackboneConfig;
use crate::db::{Db, State};
use crate::error::{ApiError, ApiResult};
use crate::hub::Hub;
use crate::model::ExternalEvent;
use crate::{clock, ids};

/// An authenticated device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub address: String,
    pub device: String,
}

/// A bearer token's owner and expiry.
#[derive(Debug, Clone)]
pub struct Session {
    pub caller: Caller,
    pub expires_at: OffsetDateTime,
}

/// Failed logins per username (lockout after 3, backbone-api §2.1).
#[derive(Debug, Clone, Default)]
pub struct LoginFailures {
    pub count: u32,
    pub locked_until: Option<OffsetDateTime>,
}

/// Everything the handlers share.
#[derive(Debug)]
pub struct Backend {
    pub config: BackboneConfig,
    db: Mutex<Db>,
    pub sessions: Mutex<HashMap<String, Session>>,
    pub login_failures: Mutex<HashMap<String, LoginFailures>>,
    pub hub: Hub,
}

/// Locks a mutex; a panic in another request must not take the server down with it.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One request's access to the state.
pub struct Tx<'a> {
    pub state: &'a mut State,
    pub now: OffsetDateTime,
    /// Identities that got a deliverable external event (told over SSE after the commit).
    notify: Vec<String>,
}

impl Tx<'_> {
    /// Creates an external event for `owner` (backbone-api §6.2).
    pub fn emit(
        &mut self,
        owner: &str,
        event_type: &str,
        payload: Value,
        context: Option<&str>,
        blocked: bool,
    ) {
        let Some(index) = self.state.identities.update(owner, |identity| {
            let index = identity.next_event_index;
            identity.next_event_index += 1;
            index
        }) else {
            return;
        };
        let event = ExternalEvent {
            id: ids::new_id("SYI"),
            event_type: event_type.to_owned(),
            owner: owner.to_owned(),
            index,
            created_at: self.now,
            payload,
            context: context.map(str::to_owned),
            sync_run_id: None,
            sync_error_count: 0,
            is_delivery_blocked: blocked,
        };
        self.state
            .events
            .insert(crate::model::sequence_key(owner, index), event);
        if !blocked {
            self.notify(owner);
        }
    }

    /// Tells the identity's open SSE streams that events are waiting.
    pub fn notify(&mut self, owner: &str) {
        if !self.notify.iter().any(|o| o == owner) {
            self.notify.push(owner.to_owned());
        }
    }
}

impl Backend {
    pub fn new(config: BackboneConfig, db: Db) -> Self {
        Self {
            config,
            db: Mutex::new(db),
            sessions: Mutex::new(HashMap::new()),
            login_failures: Mutex::new(HashMap::new()),
            hub: Hub::default(),
        }
    }

    /// Runs `work` on the state under the lock, then makes its changes durable (also when it
    /// failed: a failed password attempt is a change) and wakes SSE listeners.
    pub fn write<R>(&self, work: impl FnOnce(&mut Tx<'_>) -> ApiResult<R>) -> ApiResult<R> {
        let mut db = lock(&self.db);
        let mut tx = Tx {
            state: &mut db.state,
            now: clock::now(),
            notify: Vec::new(),
        };
        let result = work(&mut tx);
        let notify = tx.notify;
        if let Err(e) = db.commit() {
            tracing::error!(error = %e, "could not write the journal");
            return Err(internal_error());
        }
        drop(db);
        for owner in notify {
            self.hub.publish(&owner, "ExternalEventCreated");
        }
        result
    }

    /// Read-only access to the state.
    pub fn read<R>(&self, work: impl FnOnce(&State) -> R) -> R {
        work(&lock(&self.db).state)
    }

    pub fn put_blob(&self, id: &str, bytes: Vec<u8>) -> ApiResult<()> {
        lock(&self.db).put_blob(id, bytes).map_err(|e| {
            tracing::error!(error = %e, "could not store file content");
            internal_error()
        })
    }

    pub fn get_blob(&self, id: &str) -> ApiResult<Vec<u8>> {
        lock(&self.db).get_blob(id).map_err(|e| {
            tracing::error!(error = %e, file = id, "could not read file content");
            internal_error()
        })
    }
}

pub fn internal_error() -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "error.platform.unexpected",
        "An unexpected error occurred.",
    )
}

/// A parsed request as the handlers see it.
#[derive(Debug)]
pub struct Request {
    /// Path segments as sent (ids keep their case).
    pub segments: Vec<String>,
    pub query: Query,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub caller: Option<Caller>,
}

impl Request {
    /// The authenticated caller, or 401 (the client then logs in again).
    pub fn caller(&self) -> ApiResult<&Caller> {
        self.caller.as_ref().ok_or_else(ApiError::unauthorized)
    }

    /// The JSON body bound to `T` (an empty body counts as `{}`).
    pub fn json<T: DeserializeOwned>(&self) -> ApiResult<T> {
        let body: &[u8] = if self.body.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &self.body
        };
        serde_json::from_slice(body).map_err(|e| ApiError::unparsable(format!("'body': {e}")))
    }

    pub fn segment(&self, index: usize) -> &str {
        self.segments.get(index).map_or("", String::as_str)
    }
}

/// Query parameters; names match case-insensitively like on the real server.
#[derive(Debug, Default)]
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn parse(text: &str) -> Self {
        Self(
            form_urlencoded::parse(text.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Complex arrays as axios writes them: `name.0.id=…&name.0.password=…&name.1.id=…`
    /// (read from index 0 until an index has no `id`), or the legacy `ids=…` list.
    pub fn id_password_list(&self, name: &str) -> Vec<(String, Option<String>)> {
        let mut out = Vec::new();
        for index in 0.. {
            let Some(id) = self.get(&format!("{name}.{index}.id")) else {
                break;
            };
            let password = self.get(&format!("{name}.{index}.password"));
            out.push((id.to_owned(), password.map(str::to_owned)));
        }
        out.extend(self.all("ids").into_iter().map(|id| (id.to_owned(), None)));
        out
    }
}

/// A successful answer.
#[derive(Debug)]
pub enum Reply {
    /// 200 with `{"result": …}`.
    Ok(Value),
    /// 201 with `{"result": …}`.
    Created(Value),
    /// 204 without body.
    NoContent,
    /// Anything else (file download, tags with their ETag); kept `Send` for the blocking pool.
    Raw {
        status: StatusCode,
        headers: Vec<(&'static str, String)>,
        content_type: &'static str,
        body: Vec<u8>,
    },
}

impl Reply {
    pub fn into_response(self) -> HttpResponse {
        match self {
            Self::Ok(result) => HttpResponse::Ok().json(json!({ "result": result })),
            Self::Created(result) => HttpResponse::Created().json(json!({ "result": result })),
            Self::NoContent => HttpResponse::NoContent().finish(),
            Self::Raw {
                status,
                headers,
                content_type,
                body,
            } => {
                let mut response = HttpResponse::build(status);
                for header in headers {
                    response.insert_header(header);
                }
                response.content_type(content_type).body(body)
            }
        }
    }
}

/// Decodes a binary input field (lenient base64) and re-encodes it as base64url.
pub fn binary_field(name: &str, text: &str) -> ApiResult<Vec<u8>> {
    crate::bytes::decode_lenient(text)
        .ok_or_else(|| ApiError::unparsable(format!("'{name}': The value is not valid base64.")))
}

/// Checks a decoded binary field's length.
pub fn check_length(name: &str, bytes: &[u8], min: usize, max: usize) -> ApiResult<()> {
    if bytes.len() < min || bytes.len() > max {
        return Err(ApiError::invalid_value(format!(
            "'{name}' must be between {min} and {max} bytes long (it is {}).",
            bytes.len()
        )));
    }
    Ok(())
}

/// Parses an input timestamp.
pub fn timestamp_field(name: &str, text: &str) -> ApiResult<OffsetDateTime> {
    clock::parse(text)
        .ok_or_else(|| ApiError::unparsable(format!("'{name}': The value is not a valid date.")))
}

/// An id from the route or body, checked for its prefix.
pub fn id_field(id: &str, prefix: &str) -> ApiResult<String> {
    if ids::is_valid_id(id, prefix) {
        Ok(id.to_owned())
    } else {
        Err(ApiError::invalid_id(id))
    }
}
