//! `Idempotency-Key` on creating routes (POST and PUT): a client that timed out may retry a
//! request with the same key, through any replica, and gets the first answer again instead of a
//! second message, file or relationship. Opt-in: without the header nothing changes. (The real
//! Connector has no such feature.)
//!
//! How it is safe across replicas: the key is claimed by inserting a document whose id is derived
//! from the API key's name and the key, so exactly one insert wins on every backend (the id is
//! the unique key). The winner runs the handler and stores its answer (status, content type,
//! body) in that document; every other request with the key waits for that answer and replays
//! it. The document also holds a fingerprint of the request (method, path, query, body), so the
//! same key with another request is refused with 422. Documents expire after
//! `infrastructure.replicas.idempotencyKeyRetentionSeconds` (24 h).
//!
//! The handler runs in a task of its own, so a client that disconnects (the usual reason to
//! retry) does not cancel it half-way: its answer is still recorded for the retry.

use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, EitherBody, MessageBody, to_bytes};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{CONTENT_TYPE, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{Error, HttpMessage, HttpResponse, ResponseError, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use connector_store::{Condition, Filter, FindOptions, Store, iso_timestamp, now_iso};
use futures_util::StreamExt;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::auth::Principal;
use crate::error::ConnectorError;
use crate::state::AppState;

/// The request header (matched case-insensitively).
pub const HEADER: &str = "Idempotency-Key";
/// Header on a replayed answer.
pub const REPLAYED_HEADER: &str = "Idempotent-Replayed";
/// The store collection of claimed keys and their answers.
pub const COLLECTION: &str = "idempotencyKeys";
/// Longest accepted key (UUIDs and similar fit easily).
const MAX_KEY_LEN: usize = 255;
/// Largest request body read with a key: a file upload of the largest size plus the form.
const MAX_BODY: usize = connector_transport::files::MAX_FILE_SIZE + super::JSON_LIMIT;
/// A claim whose request has not answered this long after the longest wait of any route is
/// taken over by the next request with the key: its replica died.
const ABANDONED_MARGIN: Duration = Duration::from_secs(60);
/// Out of how many successful claims one also removes expired keys.
const PURGE_EVERY: u32 = 64;

/// The middleware function (inside the gate, so the caller is known).
pub async fn idempotency(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody + 'static, BoxBody>>, Error> {
    let creating = matches!(*req.method(), Method::POST | Method::PUT);
    let Some(key) = req.headers().get(HEADER).cloned().filter(|_| creating) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let key = match valid_key(&key) {
        Ok(key) => key,
        Err(error) => return Ok(refuse(req, &error)),
    };
    let body = match read_body(&mut req).await {
        Ok(body) => body,
        Err(error) => return Ok(refuse(req, &error)),
    };
    let fingerprint = fingerprint(&req, &body);
    req.set_payload(Payload::from(body));
    let scope = req
        .extensions()
        .get::<Principal>()
        .and_then(|p| p.key_name.clone())
        .unwrap_or_default();
    let settings = &state.config.settings.infrastructure.replicas;
    let keys = Keys {
        store: state.store.as_ref(),
        id: record_id(&scope, &key),
        retention: settings.idempotency_key_retention(),
        abandoned_after: settings
            .actor_call_timeout()
            .max(settings.sync_call_timeout())
            + ABANDONED_MARGIN,
    };
    let claimed = keys
        .claim(&key, &scope, &fingerprint, settings.idempotency_wait())
        .await;
    match claimed {
        Ok(Claim::Won(record)) => {
            let store = std::sync::Arc::clone(&state.store);
            Ok(run_and_record(req, next, store, record)
                .await?
                .map_into_right_body())
        }
        Ok(Claim::Answered(response)) => Ok(req.into_response(response).map_into_right_body()),
        Err(error) => Ok(refuse(req, &error)),
    }
}

fn refuse<B>(req: ServiceRequest, error: &ConnectorError) -> ServiceResponse<EitherBody<B>> {
    req.into_response(error.error_response())
        .map_into_right_body()
}

fn valid_key(value: &HeaderValue) -> Result<String, ConnectorError> {
    let key = value.to_str().unwrap_or_default().trim();
    if key.is_empty() || key.len() > MAX_KEY_LEN || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ConnectorError::application(
            crate::error_codes::ErrorCode::ConnectorValidationInvalidIdempotencyKey,
            format!(
                "The {HEADER} header must be 1-{MAX_KEY_LEN} visible ASCII characters (e.g. a UUID)."
            ),
        ));
    }
    Ok(key.to_owned())
}

async fn read_body(req: &mut ServiceRequest) -> Result<Bytes, ConnectorError> {
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            if super::body_deadline::is_timeout(&e) {
                super::request_timeout(req.request())
            } else {
                ConnectorError::InvalidJsonInPayload
            }
        })?;
        if body.len() + chunk.len() > MAX_BODY {
            return Err(ConnectorError::PayloadTooLarge { limit: MAX_BODY });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// What makes two requests "the same": method, path, query and body. A JSON body counts by its
/// content (key order and white space do not matter); any other body by its bytes.
fn fingerprint(req: &ServiceRequest, body: &[u8]) -> String {
    let mut hash = Sha256::new();
    hash.update(req.method().as_str());
    hash.update(b" ");
    hash.update(req.path());
    hash.update(b"?");
    hash.update(req.query_string());
    hash.update(b"\n");
    let json = req.content_type().contains("json");
    match serde_json::from_slice::<Value>(body).ok().filter(|_| json) {
        Some(value) => hash.update(canonical(value).to_string()),
        None => hash.update(body),
    }
    hex::encode(hash.finalize())
}

/// `value` with the keys of every object sorted.
fn canonical(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, canonical(v)))
                    .collect::<Map<_, _>>(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(canonical).collect()),
        other => other,
    }
}

/// Keys are scoped per API key: the document id hashes the key's name and the key.
fn record_id(scope: &str, key: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(scope.len().to_le_bytes());
    hash.update(scope);
    hash.update(key);
    hex::encode(hash.finalize())
}

/// The outcome of claiming a key.
enum Claim {
    /// This request runs; the pending record as stored.
    Won(Value),
    /// An earlier request with the key answered this.
    Answered(HttpResponse),
}

struct Keys<'a> {
    store: &'a dyn Store,
    id: String,
    retention: Duration,
    abandoned_after: Duration,
}

impl Keys<'_> {
    /// Claims the key, or waits (up to `wait`) for the answer of the request that holds it.
    async fn claim(
        &self,
        key: &str,
        scope: &str,
        fingerprint: &str,
        wait: Duration,
    ) -> Result<Claim, ConnectorError> {
        let deadline = Instant::now() + wait;
        let mut poll = Duration::from_millis(20);
        loop {
            let now = OffsetDateTime::now_utc();
            let pending = json!({
                "id": self.id,
                "apiKey": scope,
                "fingerprint": fingerprint,
                "state": "pending",
                "claimedAt": iso_timestamp(now),
                "abandonedAt": iso_timestamp(now + self.abandoned_after),
                "expiresAt": iso_timestamp(now + self.retention),
            });
            match self.store.insert(COLLECTION, pending.clone()).await {
                Ok(record) => {
                    if rand::random_range(0..PURGE_EVERY) == 0 {
                        self.purge_expired().await;
                    }
                    return Ok(Claim::Won(record));
                }
                Err(error) if error.is_conflict() => {}
                Err(error) => return Err(error.into()),
            }
            let Some(existing) = self.store.get(COLLECTION, &self.id).await? else {
                continue; // removed since (expired): claim again
            };
            let version = existing["version"].as_u64();
            let now = iso_timestamp(now);
            if existing["expiresAt"]
                .as_str()
                .is_none_or(|at| at <= now.as_str())
            {
                // Expired: remove it (unless somebody else changed it meanwhile) and claim again.
                let _ = self.store.delete(COLLECTION, &self.id, version).await;
                continue;
            }
            if existing["fingerprint"] != fingerprint {
                return Err(ConnectorError::IdempotencyKeyReused {
                    key: key.to_owned(),
                });
            }
            if existing["state"] == "done" {
                return Ok(Claim::Answered(replay(&existing)?));
            }
            if existing["abandonedAt"]
                .as_str()
                .is_none_or(|at| at <= now.as_str())
            {
                let mut takeover = pending;
                takeover["version"] = existing["version"].clone();
                match self.store.replace(COLLECTION, takeover).await {
                    Ok(record) => {
                        tracing::warn!(
                            "an Idempotency-Key claim was never answered (its replica stopped); running the request again"
                        );
                        return Ok(Claim::Won(record));
                    }
                    Err(error)
                        if error.is_conflict()
                            || matches!(error, connector_store::StoreError::NotFound { .. }) =>
                    {
                        continue;
                    }
                    Err(error) => return Err(error.into()),
                }
            }
            if Instant::now() >= deadline {
                return Err(ConnectorError::IdempotencyKeyInProgress {
                    key: key.to_owned(),
                });
            }
            // Waiting for another request (maybe on another replica) to answer; the store has
            // no change notification, so poll, a little less often the longer it takes.
            tokio::time::sleep(poll).await;
            poll = (poll * 2).min(Duration::from_millis(250));
        }
    }

    /// Removes some expired records (expiry is otherwise only noticed when a key is reused).
    async fn purge_expired(&self) {
        let Ok(filter) = Filter::field("expiresAt", Condition::Lt(Value::from(now_iso()))) else {
            return;
        };
        let options = FindOptions {
            limit: Some(100),
            ..FindOptions::default()
        };
        let Ok(expired) = self.store.find_with(COLLECTION, &filter, &options).await else {
            return;
        };
        for record in expired {
            if let Some(id) = record["id"].as_str() {
                let _ = self
                    .store
                    .delete(COLLECTION, id, record["version"].as_u64())
                    .await;
            }
        }
    }
}

/// Runs the request in a task of its own (a disconnecting client does not cancel it), stores its
/// answer in the claimed record and answers with it.
async fn run_and_record<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
    store: std::sync::Arc<dyn Store>,
    record: Value,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let task = actix_web::rt::spawn(async move {
        let response = match next.call(req).await {
            Ok(response) => response,
            Err(error) => {
                release(store.as_ref(), &record).await;
                return Err(error);
            }
        };
        let (http_request, response) = response.into_parts();
        let (head, body) = response.into_parts();
        let Ok(bytes) = to_bytes(body).await else {
            release(store.as_ref(), &record).await;
            let error = ConnectorError::unexpected(std::io::Error::other(
                "the response body could not be read",
            ));
            return Ok(ServiceResponse::new(http_request, error.error_response()));
        };
        let content_type = head
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let mut done = record;
        done["state"] = Value::from("done");
        done["status"] = Value::from(head.status().as_u16());
        done["contentType"] = Value::from(content_type);
        done["body"] = Value::from(BASE64.encode(&bytes));
        done["answeredAt"] = Value::from(now_iso());
        if let Err(error) = store.replace(COLLECTION, done).await {
            // The answer still goes out; a retry then finds the claim pending and, after the
            // abandonment time, runs again.
            tracing::error!(%error, "the answer to a request with an Idempotency-Key could not be stored");
        }
        Ok(ServiceResponse::new(
            http_request,
            head.set_body(BoxBody::new(bytes)),
        ))
    });
    match task.await {
        Ok(result) => result,
        Err(join) => {
            Err(ConnectorError::unexpected(std::io::Error::other(join.to_string())).into())
        }
    }
}

/// Gives a claim up (the request failed before it answered), so a retry runs it again.
async fn release(store: &dyn Store, record: &Value) {
    if let Some(id) = record["id"].as_str() {
        let _ = store
            .delete(COLLECTION, id, record["version"].as_u64())
            .await;
    }
}

/// The stored answer as a response again.
fn replay(record: &Value) -> Result<HttpResponse, ConnectorError> {
    let corrupt = || {
        ConnectorError::unexpected(std::io::Error::other(
            "a stored Idempotency-Key answer is incomplete",
        ))
    };
    let status = record["status"]
        .as_u64()
        .and_then(|s| u16::try_from(s).ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .ok_or_else(corrupt)?;
    let body = record["body"]
        .as_str()
        .and_then(|b| BASE64.decode(b).ok())
        .ok_or_else(corrupt)?;
    let mut response = HttpResponse::build(status);
    if let Some(content_type) = record["contentType"].as_str().filter(|c| !c.is_empty()) {
        response.insert_header((CONTENT_TYPE, content_type));
    }
    response.insert_header((REPLAYED_HEADER, "true"));
    Ok(response.body(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_bodies_compare_by_content() {
        let a =
            canonical(serde_json::from_str(r#"{"b":1,"a":{"d":2,"c":[{"f":1,"e":2}]}}"#).unwrap());
        let b =
            canonical(serde_json::from_str(r#"{"a":{"c":[{"e":2,"f":1}],"d":2},"b":1}"#).unwrap());
        assert_eq!(a.to_string(), b.to_string());
    }

    #[test]
    fn keys_are_scoped_per_api_key() {
        assert_ne!(record_id("main", "k1"), record_id("other", "k1"));
        assert_eq!(record_id("main", "k1"), record_id("main", "k1"));
        assert_ne!(record_id("a", "\0b"), record_id("a\0", "b"));
    }
}
