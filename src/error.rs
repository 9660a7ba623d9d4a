//! The one error type of the Connector's HTTP edge: each case knows its enmeshed error code and
//! HTTP status (`connector-api.md` §4), and `impl ResponseError` (the only one) renders the error
//! envelope `{"error":{"id","code","message","docs","time"}}`.

use actix_web::http::StatusCode;
use actix_web::http::header::{ALLOW, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

use connector_store::now_iso;

use crate::error_codes::ErrorCode;

/// Prefix of the documentation link; the anchor is the code verbatim.
const DOCS_BASE: &str = "https://enmeshed.eu/integrate/error-codes#";
/// Alphabet of error ids: no I, O, 0, 1.
const ERROR_ID_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// Result alias for the Connector.
pub type Result<T, E = ConnectorError> = std::result::Result<T, E>;

/// Every error a client can see.
#[derive(Debug, thiserror::Error)]
pub enum ConnectorError {
    /// Missing or invalid credentials (answered after the failed-auth delay).
    #[error("Unauthorized.")]
    Unauthorized,
    /// Authenticated, but no scope permits the route.
    #[error("You are not allowed to access this endpoint.")]
    Forbidden,
    /// No route has this path.
    #[error("The requested route does not exist.")]
    RouteDoesNotExist,
    /// The path exists, the method does not; `allow` lists the declared methods.
    #[error("The request method is not supported for the requested resource.")]
    MethodNotAllowed {
        /// Methods declared for the path, in declaration order.
        allow: Vec<String>,
    },
    /// The `Accept` header cannot be satisfied.
    #[error(
        "The requested resource is capable of generating only content not acceptable according to the Accept headers sent in the request."
    )]
    NotAcceptable,
    /// The body is not JSON.
    #[error("The given payload is not a valid json object.")]
    InvalidJsonInPayload,
    /// The body exceeds the limit (the real Connector answers 500 here; 413 is clearer).
    #[error("The request body is larger than the limit of {limit} bytes.")]
    PayloadTooLarge {
        /// Limit in bytes.
        limit: usize,
    },
    /// The body did not arrive within the deadline (`http::body_deadline`); the connection is
    /// closed after this answer.
    #[error("The request body did not arrive within {seconds} seconds.")]
    RequestTimeout {
        /// The deadline in seconds.
        seconds: u64,
    },
    /// A route of the real Connector that this build does not serve yet.
    #[error("The route {method} {path} is not implemented yet by this Connector.")]
    NotImplemented {
        /// HTTP method.
        method: String,
        /// Route template.
        path: String,
    },
    /// A use-case error with an enmeshed code (`error.runtime.…`, `error.transport.…`, …).
    #[error("{message}")]
    Application {
        /// Error code.
        code: String,
        /// Message for the client.
        message: String,
    },
    /// A Backbone error passed through with the Backbone's status.
    #[error("{message}")]
    Backbone {
        /// HTTP status the Backbone answered.
        status: u16,
        /// Backbone error code (`error.platform.…`).
        code: String,
        /// Backbone reason.
        message: String,
    },
    /// An `Idempotency-Key` was sent before with a different request (method, path or body).
    #[error(
        "The Idempotency-Key '{key}' was already used for a different request (another method, path or body); use a new key for a new request."
    )]
    IdempotencyKeyReused {
        /// The key as sent.
        key: String,
    },
    /// The first request with this `Idempotency-Key` has not answered yet.
    #[error(
        "The first request with the Idempotency-Key '{key}' is still being processed; retry later to receive its answer."
    )]
    IdempotencyKeyInProgress {
        /// The key as sent.
        key: String,
    },
    /// Anything else; the cause is logged, never sent.
    #[error("An unexpected error occurred.")]
    Unexpected(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ConnectorError {
    /// `error.runtime.validation.invalidPropertyValue` with `message`.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::application(ErrorCode::RuntimeValidationInvalidPropertyValue, message)
    }

    /// An application error with an explicit code.
    pub fn application(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Application {
            code: code.into(),
            message: message.into(),
        }
    }

    /// `error.runtime.recordNotFound` for `entity` (e.g. `Token`), with the real message.
    pub fn record_not_found(entity: &str) -> Self {
        Self::application(
            ErrorCode::RuntimeRecordNotFound,
            format!("{entity} not found. Make sure the ID exists and the record is not expired."),
        )
    }

    /// A Backbone error that surfaced through a use case (connector-api §4 notes): a missing
    /// record is the runtime's 404 with the Backbone's reason, a platform validation error becomes
    /// an application error with the platform code (500), everything else keeps the Backbone's
    /// status and code.
    pub fn from_backbone(status: u16, code: String, message: String) -> Self {
        if code == "error.platform.recordNotFound" {
            Self::application(ErrorCode::RuntimeRecordNotFound, message)
        } else if code.starts_with("error.platform.validation") {
            Self::application(code, message)
        } else {
            Self::Backbone {
                status,
                code,
                message,
            }
        }
    }

    /// A write that lost a compare-and-set race or collided with another record (409): the
    /// request changed nothing and may be retried.
    pub fn concurrent_update(conflict: &connector_store::StoreError) -> Self {
        tracing::debug!(error = %conflict, "store conflict reached the edge");
        Self::application(
            ErrorCode::TransportConcurrentUpdate,
            "The record was changed by a concurrent request; nothing was changed, try again.",
        )
    }

    /// Wraps an unexpected failure.
    pub fn unexpected(cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Unexpected(Box::new(cause))
    }

    /// The enmeshed error code.
    pub fn code(&self) -> &str {
        match self {
            Self::Unauthorized => ErrorCode::ConnectorUnauthorized.as_str(),
            Self::Forbidden => ErrorCode::ConnectorForbidden.as_str(),
            Self::RouteDoesNotExist => ErrorCode::ConnectorHttpRouteDoesNotExist.as_str(),
            Self::MethodNotAllowed { .. } => ErrorCode::ConnectorHttpMethodNotAllowed.as_str(),
            Self::NotAcceptable => ErrorCode::ConnectorHttpNotAcceptable.as_str(),
            Self::InvalidJsonInPayload => {
                ErrorCode::ConnectorValidationInvalidJsonInPayload.as_str()
            }
            Self::PayloadTooLarge { .. } => ErrorCode::ConnectorHttpPayloadTooLarge.as_str(),
            Self::RequestTimeout { .. } => ErrorCode::ConnectorHttpRequestTimeout.as_str(),
            Self::NotImplemented { .. } => ErrorCode::ConnectorNotImplemented.as_str(),
            Self::IdempotencyKeyReused { .. } => ErrorCode::ConnectorIdempotencyKeyReused.as_str(),
            Self::IdempotencyKeyInProgress { .. } => {
                ErrorCode::ConnectorIdempotencyKeyInProgress.as_str()
            }
            Self::Application { code, .. } | Self::Backbone { code, .. } => code,
            Self::Unexpected(_) => ErrorCode::ConnectorUnexpected.as_str(),
        }
    }
}

impl From<connector_transport::TransportError> for ConnectorError {
    fn from(error: connector_transport::TransportError) -> Self {
        use backbone_client::BackboneError;
        use connector_transport::TransportError;
        match error {
            TransportError::Backbone(BackboneError::Api {
                status,
                code,
                message,
            }) => Self::from_backbone(status, code, message),
            TransportError::NotFound { entity, .. } => Self::record_not_found(entity),
            TransportError::Rule { code, message } => Self::application(code, message),
            TransportError::Store(store) => store.into(),
            other => Self::unexpected(other),
        }
    }
}

impl From<connector_actors::ActorError> for ConnectorError {
    /// Transport errors keep their codes; an actor that panicked, is gone or did not answer in
    /// time is a 500 `error.connector.unexpected`.
    fn from(error: connector_actors::ActorError) -> Self {
        use backbone_client::BackboneError;
        use connector_actors::ActorError;
        use connector_transport::TransportError;
        match error {
            ActorError::Transport(e) => e.into(),
            ActorError::Sync(e) => match e.as_ref() {
                TransportError::Backbone(BackboneError::Api {
                    status,
                    code,
                    message,
                }) => Self::from_backbone(*status, code.clone(), message.clone()),
                TransportError::Rule { code, message } => Self::application(code, message),
                TransportError::Store(store) if store.is_conflict() => {
                    Self::concurrent_update(store)
                }
                _ => Self::unexpected(ActorError::Sync(e)),
            },
            other => Self::unexpected(other),
        }
    }
}

impl From<connector_store::StoreError> for ConnectorError {
    /// A conflict that reached the edge is a lost race (409, retry); anything else is unexpected.
    fn from(error: connector_store::StoreError) -> Self {
        if error.is_conflict() {
            Self::concurrent_update(&error)
        } else {
            Self::unexpected(error)
        }
    }
}

/// A fresh error id: `ERR` + 17 characters from [`ERROR_ID_ALPHABET`].
pub fn new_error_id() -> String {
    let mut id = String::with_capacity(20);
    id.push_str("ERR");
    for _ in 0..17 {
        let index = rand::random_range(0..ERROR_ID_ALPHABET.len());
        id.push(char::from(ERROR_ID_ALPHABET[index]));
    }
    id
}

impl ResponseError for ConnectorError {
    /// The Backbone's own status for an error passed through, otherwise the error table's.
    fn status_code(&self) -> StatusCode {
        match self {
            // A Backbone status outside 100–599 is sanitised to 500, as the real handler does.
            Self::Backbone { status, .. } => StatusCode::from_u16(*status)
                .ok()
                .filter(|s| (100..=599).contains(&s.as_u16()))
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            _ => crate::error_codes::status_of(self.code()),
        }
    }

    fn error_response(&self) -> HttpResponse {
        let id = new_error_id();
        let status = self.status_code();
        if matches!(self, Self::NotImplemented { .. }) {
            tracing::warn!(error.id = %id, error.code = self.code(), "{self}");
        } else if status.is_server_error() {
            tracing::error!(error.id = %id, error.code = self.code(), error.cause = ?CauseChain(self), "request failed");
        } else {
            tracing::debug!(error.id = %id, error.code = self.code(), "request refused: {self}");
        }
        let code = self.code();
        let mut body = json!({
            "error": {
                "id": id,
                "code": code,
                "message": self.to_string(),
                "docs": format!("{DOCS_BASE}{code}"),
                "time": now_iso(),
            }
        });
        if DEBUG_ERRORS.try_with(|debug| *debug).unwrap_or(false) {
            body["error"]["stacktrace"] = json!(self.stacktrace());
            if let Some(details) = self.details() {
                body["error"]["details"] = json!(details);
            }
        }
        let mut response = HttpResponse::build(status);
        if matches!(self, Self::RequestTimeout { .. }) {
            // The rest of the body may still trickle in: do not keep reading it.
            response.force_close();
        }
        if let Self::MethodNotAllowed { allow } = self
            && let Ok(value) = HeaderValue::from_str(&allow.join(", "))
        {
            response.insert_header((ALLOW, value));
        }
        response.json(body)
    }
}

tokio::task_local! {
    /// Debug mode for the request being answered (set by the gate around each request): error
    /// bodies then carry `stacktrace` and `details` as in the real Connector's debug mode.
    pub static DEBUG_ERRORS: bool;
}

impl ConnectorError {
    /// Debug mode's `stacktrace`: Rust errors carry no stack, so the lines are the error and the
    /// chain of its causes (`<code>: <message>`, then `    caused by: …`).
    fn stacktrace(&self) -> Vec<String> {
        let mut lines = vec![format!("{}: {self}", self.code())];
        let mut current = std::error::Error::source(self);
        while let Some(cause) = current {
            lines.push(format!("    caused by: {cause}"));
            current = cause.source();
        }
        lines
    }

    /// Debug mode's `details`: the full original message for unexpected errors and errors of
    /// the Backbone (the real Connector's RequestErrors), absent otherwise.
    fn details(&self) -> Option<String> {
        match self {
            Self::Unexpected(_) => Some(format!("{:?}", CauseChain(self))),
            Self::Backbone { message, .. } => Some(message.clone()),
            _ => None,
        }
    }
}

/// Debug formatting that walks `source()`, for logs only.
struct CauseChain<'a>(&'a (dyn std::error::Error + 'static));

impl std::fmt::Debug for CauseChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut current = self.0.source();
        while let Some(cause) = current {
            write!(f, ": {cause}")?;
            current = cause.source();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_mode_adds_stacktrace_and_details_production_does_not() {
        let error = || ConnectorError::unexpected(std::io::Error::other("disk on fire"));
        let body = |response: HttpResponse| {
            let bytes = actix_web::body::to_bytes(response.into_body());
            let bytes = futures_util::FutureExt::now_or_never(bytes)
                .and_then(Result::ok)
                .unwrap_or_default();
            serde_json::from_slice::<serde_json::Value>(&bytes).unwrap()
        };
        let production = body(error().error_response());
        assert!(production["error"].get("stacktrace").is_none());
        assert!(production["error"].get("details").is_none());
        let debug = body(DEBUG_ERRORS.sync_scope(true, || error().error_response()));
        assert_eq!(
            debug["error"]["stacktrace"],
            json!([
                "error.connector.unexpected: An unexpected error occurred.",
                "    caused by: disk on fire"
            ])
        );
        assert!(
            debug["error"]["details"]
                .as_str()
                .unwrap()
                .contains("disk on fire")
        );
        let refused = body(
            DEBUG_ERRORS.sync_scope(true, || ConnectorError::validation("bad").error_response()),
        );
        assert_eq!(
            refused["error"]["stacktrace"],
            json!(["error.runtime.validation.invalidPropertyValue: bad"])
        );
        assert!(refused["error"].get("details").is_none());
    }

    #[test]
    fn error_ids_have_the_real_shape() {
        let id = new_error_id();
        assert_eq!(id.len(), 20);
        assert!(id.starts_with("ERR"));
        assert!(id[3..].bytes().all(|b| ERROR_ID_ALPHABET.contains(&b)));
    }

    #[test]
    fn application_codes_map_to_statuses() {
        let status = |code: &str| {
            ConnectorError::application(code, "m")
                .status_code()
                .as_u16()
        };
        assert_eq!(status("error.runtime.recordNotFound"), 404);
        assert_eq!(status("error.transport.recordNotFound"), 404);
        assert_eq!(status("error.platform.validation.x"), 500);
        assert_eq!(status("error.runtime.identityMetadata.notFound"), 400);
        let backbone = |status| ConnectorError::Backbone {
            status,
            code: "c".into(),
            message: "m".into(),
        };
        assert_eq!(backbone(429).status_code().as_u16(), 429);
        let surfaced = |status, code: &str| {
            let e = ConnectorError::from_backbone(status, code.into(), "reason".into());
            (e.status_code().as_u16(), e.code().to_owned(), e.to_string())
        };
        assert_eq!(
            surfaced(404, "error.platform.recordNotFound"),
            (404, "error.runtime.recordNotFound".into(), "reason".into())
        );
        assert_eq!(
            surfaced(400, "error.platform.validation.invalidPropertyValue"),
            (
                500,
                "error.platform.validation.invalidPropertyValue".into(),
                "reason".into()
            )
        );
        assert_eq!(
            surfaced(403, "error.platform.forbidden"),
            (403, "error.platform.forbidden".into(), "reason".into())
        );
        assert_eq!(backbone(42).status_code().as_u16(), 500);
        // A lost compare-and-set race is a conflict, from the store as from the update loop.
        let conflict = || connector_store::StoreError::Conflict {
            collection: "Requests".into(),
            id: "REQ".into(),
            reason: connector_store::ConflictReason::VersionMismatch {
                expected: 1,
                actual: 2,
            },
        };
        let from_store = ConnectorError::from(conflict());
        assert_eq!(
            (from_store.status_code().as_u16(), from_store.code()),
            (409, "error.transport.concurrentUpdate")
        );
        let from_transport =
            ConnectorError::from(connector_transport::TransportError::Store(conflict()));
        assert_eq!(from_transport.status_code().as_u16(), 409);
        assert_eq!(status("error.transport.concurrentUpdate"), 409);
        let other = ConnectorError::from(connector_store::StoreError::Backend("disk".into()));
        assert_eq!(other.status_code().as_u16(), 500);
        assert_eq!(backbone(700).status_code().as_u16(), 500);
    }
}
