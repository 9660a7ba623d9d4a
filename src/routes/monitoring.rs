//! `/Monitoring/*` (raw bodies, outside the envelope; `connector-api.md` §8).

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::http::telemetry::RequestCounter;
use crate::state::AppState;

/// `GET /Monitoring/Version`.
pub async fn version(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(state.version.to_json())
}

/// `GET /Monitoring/Requests`.
pub async fn requests(counter: web::Data<RequestCounter>) -> HttpResponse {
    HttpResponse::Ok().json(counter.snapshot())
}

/// `GET /Monitoring/Support`: version, health, redacted configuration and identity info.
pub async fn support(state: web::Data<AppState>) -> HttpResponse {
    let health = state.health.check().await;
    HttpResponse::Ok().json(json!({
        "version": state.version.to_json(),
        "health": health.to_json(),
        "configuration": state.config.redacted(),
        "identityInfo": match &state.transport {
            Some(transport) => crate::routes::account::identity_info_dto(transport),
            None => json!({ "error": "This Connector was started without a connection to a Backbone." }),
        },
    }))
}
