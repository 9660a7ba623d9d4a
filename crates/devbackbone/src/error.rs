//! The Backbone's error envelope and the status codes the TypeScript client can read (backbone-api §1.2, §1.3).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

use crate::{clock, ids};

/// An error answered to a client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
        }
    }

    /// 400 with a domain or validation code.
    pub fn bad_request(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 404 `error.platform.recordNotFound` in the real server's wording.
    pub fn not_found(entity: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "error.platform.recordNotFound",
            format!(
                "{entity} not found. Make sure the ID exists and the record is not expired. If a password is required to fetch the record, make sure you passed the correct one."
            ),
        )
    }

    /// 400 `error.platform.inputCannotBeParsed` (binding failed).
    pub fn unparsable(message: impl Into<String>) -> Self {
        Self::bad_request("error.platform.inputCannotBeParsed", message)
    }

    /// 400 `error.platform.validation.invalidPropertyValue`.
    pub fn invalid_value(message: impl Into<String>) -> Self {
        Self::bad_request("error.platform.validation.invalidPropertyValue", message)
    }

    /// 400 `error.platform.validation.invalidId`.
    pub fn invalid_id(what: &str) -> Self {
        Self::bad_request(
            "error.platform.validation.invalidId",
            format!("The ID '{what}' is not valid."),
        )
    }

    /// 403 `error.platform.forbidden` (the client never sees the body).
    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "error.platform.forbidden",
            "You are not allowed to perform this action.",
        )
    }

    /// 401 without body: the client re-authenticates once.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "error.platform.unauthorized",
            "Authorization is required.",
        )
    }

    /// A relationship rule (`error.platform.validation.relationship.<rule>`).
    pub fn relationship(rule: &str, message: impl Into<String>) -> Self {
        Self::bad_request(
            format!("error.platform.validation.relationship.{rule}"),
            message,
        )
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        // 401 and unknown routes have no body on the real server.
        if self.status == StatusCode::UNAUTHORIZED || self.code.is_empty() {
            return HttpResponse::build(self.status).finish();
        }
        HttpResponse::build(self.status).json(json!({
            "error": {
                "id": ids::new_error_id(),
                "code": self.code,
                "message": self.message,
                "docs": "",
                "time": clock::format(clock::now()),
                "data": null,
            }
        }))
    }
}
