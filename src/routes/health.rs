//! `GET /health`: raw body, 200 when healthy, 500 when not.

use actix_web::{HttpResponse, web};

use crate::state::AppState;

/// Runs the health checks.
#[tracing::instrument(skip_all)]
pub async fn health(state: web::Data<AppState>) -> HttpResponse {
    let report = state.health.check().await;
    if report.is_healthy() {
        HttpResponse::Ok().json(report.to_json())
    } else {
        HttpResponse::InternalServerError().json(report.to_json())
    }
}
