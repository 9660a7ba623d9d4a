//! Success responses in the real Connector's envelope (`connector-api.md` §2).

use actix_web::HttpResponse;
use actix_web::http::header::LOCATION;
use serde::Serialize;
use serde_json::json;

/// 200 with `{"result": payload}`.
pub fn ok<T: Serialize>(payload: &T) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "result": payload }))
}

/// 201 with `{"result": payload}` and the literal `Location: _` the real Connector sends.
pub fn created<T: Serialize>(payload: &T) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((LOCATION, "_"))
        .json(json!({ "result": payload }))
}

/// 204 with an empty body.
pub fn no_content() -> HttpResponse {
    HttpResponse::NoContent().finish()
}
