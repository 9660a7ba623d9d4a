//! The actix-web HTTP edge: middleware (telemetry outermost, then the route gate), the JSON body
//! limits and errors, and the registration of every catalog route.

pub mod accept;
pub mod auth;
pub mod body;
pub mod body_deadline;
pub mod catalog;
pub mod extract;
pub mod gate;
pub mod idempotency;
pub mod scope;
pub mod telemetry;

use actix_web::error::JsonPayloadError;
use actix_web::http::Method;
use actix_web::middleware::DefaultHeaders;
use actix_web::{HttpRequest, HttpResponse, Route, guard, web};

use crate::error::ConnectorError;
use crate::routes;
use catalog::{RouteSpec, registration_order};

/// Request body limit of the real Connector (`express.json({limit: "2mb"})`).
pub const JSON_LIMIT: usize = 2 * 1024 * 1024;

/// JSON extractor settings: 2 MB, malformed bodies answered in the Connector's format.
pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(JSON_LIMIT)
        .error_handler(json_error)
}

fn json_error(error: JsonPayloadError, req: &HttpRequest) -> actix_web::Error {
    match error {
        JsonPayloadError::OverflowKnownLength { limit, .. }
        | JsonPayloadError::Overflow { limit } => ConnectorError::PayloadTooLarge { limit }.into(),
        JsonPayloadError::Payload(ref payload) if body_deadline::is_timeout(payload) => {
            request_timeout(req).into()
        }
        _ => ConnectorError::InvalidJsonInPayload.into(),
    }
}

/// The answer to a body that missed [`body_deadline::BodyDeadline`].
pub fn request_timeout(req: &HttpRequest) -> ConnectorError {
    let seconds = req
        .app_data::<web::Data<body_deadline::BodyDeadline>>()
        .map_or(0, |d| d.0.as_secs());
    ConnectorError::RequestTimeout { seconds }
}

/// helmet's default security headers, which the real Connector sends in production mode.
pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((
            "Content-Security-Policy",
            "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests",
        ))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add(("Cross-Origin-Resource-Policy", "same-origin"))
        .add(("Origin-Agent-Cluster", "?1"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-DNS-Prefetch-Control", "off"))
        .add(("X-Download-Options", "noopen"))
        .add(("X-Frame-Options", "SAMEORIGIN"))
        .add(("X-Permitted-Cross-Domain-Policies", "none"))
        .add(("X-XSS-Protection", "0"))
}

/// Registers every route of the catalog: implemented ones with their handlers, all others with
/// the "not implemented yet" answer (never a fake success).
pub fn configure(cfg: &mut web::ServiceConfig, debug: bool) {
    for spec in registration_order(debug) {
        let Ok(method) = Method::from_bytes(spec.method.as_bytes()) else {
            continue;
        };
        cfg.service(
            web::resource(spec.path)
                .guard(guard::Method(method))
                .route(handler_for(spec)),
        );
    }
}

fn handler_for(spec: RouteSpec) -> Route {
    match (spec.method, spec.path) {
        ("GET", "/health") => web::route().to(routes::health::health),
        ("GET", "/Monitoring/Version") => web::route().to(routes::monitoring::version),
        ("GET", "/Monitoring/Requests") => web::route().to(routes::monitoring::requests),
        ("GET", "/Monitoring/Support") => web::route().to(routes::monitoring::support),
        (method, path)
            if path.starts_with("/api/core/v1/Files/")
                || path == "/api/core/v1/Files"
                || path.starts_with("/api/core/v1/Messages") =>
        {
            routes::files::file_and_message_route(method, path)
        }
        ("GET", "/api/core/v1/Account/IdentityInfo") => {
            web::route().to(routes::account::identity_info)
        }
        ("POST", "/api/core/v1/Account/Sync") => web::route().to(routes::account::sync),
        ("POST", "/api/core/v1/IdentityDeletionProcess") => {
            web::route().to(routes::identity_deletion::initiate)
        }
        ("GET", "/api/core/v1/IdentityDeletionProcess") => {
            web::route().to(routes::identity_deletion::active)
        }
        ("DELETE", "/api/core/v1/IdentityDeletionProcess") => {
            web::route().to(routes::identity_deletion::cancel)
        }
        ("PUT", "/api/core/v1/IdentityMetadata") => {
            web::route().to(routes::small_areas::put_identity_metadata)
        }
        ("GET", "/api/core/v1/IdentityMetadata") => {
            web::route().to(routes::small_areas::get_identity_metadata)
        }
        ("DELETE", "/api/core/v1/IdentityMetadata") => {
            web::route().to(routes::small_areas::delete_identity_metadata)
        }
        ("GET", "/api/core/v1/Announcements") => {
            web::route().to(routes::small_areas::announcements)
        }
        ("POST", "/api/core/v1/BackboneNotifications") => {
            web::route().to(routes::small_areas::backbone_notification)
        }
        ("GET", "/api/core/v1/Account/SyncInfo") => web::route().to(routes::account::sync_info),
        ("POST", "/api/core/v1/Challenges") => web::route().to(routes::challenges::create),
        ("POST", "/api/core/v1/Challenges/Validate") => {
            web::route().to(routes::challenges::validate)
        }
        (method, path)
            if path.starts_with("/api/core/v1/Relationship")
                || path.starts_with("/api/core/v1/Tokens") =>
        {
            relationship_route(method, path).unwrap_or_else(|| not_implemented(method, path))
        }
        (method, path)
            if path.starts_with("/api/core/v1/Attributes")
                || path.starts_with("/api/core/v1/Requests") =>
        {
            consumption_route(method, path).unwrap_or_else(|| not_implemented(method, path))
        }
        (method, path) => not_implemented(method, path),
    }
}

/// Attributes and Requests (`consumption-rest.md`).
fn consumption_route(method: &str, path: &str) -> Option<Route> {
    use routes::{attributes as attr, requests as req};
    let route = web::route();
    Some(match (method, path.trim_start_matches("/api/core/v1")) {
        ("PUT", "/Attributes/CanCreate") => route.to(attr::can_create),
        ("POST", "/Attributes") => route.to(attr::create),
        ("POST", "/Attributes/{predecessorId}/Succeed") => route.to(attr::succeed),
        ("POST", "/Attributes/{id}/NotifyPeer") => route.to(attr::notify_peer),
        ("GET", "/Attributes") => route.to(attr::get_all),
        ("GET", "/Attributes/Own/Identity") => route.to(attr::get_own_identity),
        ("GET", "/Attributes/Own/Shared/{peer}") => route.to(attr::get_own_shared),
        ("GET", "/Attributes/Peer/{peer}") => route.to(attr::get_peer),
        ("GET", "/Attributes/{id}/ForwardingDetails") => route.to(attr::get_forwarding_details),
        ("GET", "/Attributes/{id}/Versions") => route.to(attr::get_versions),
        ("GET", "/Attributes/{id}/Versions/Shared") => route.to(attr::get_versions_shared),
        ("POST", "/Attributes/ExecuteIdentityAttributeQuery") => {
            route.to(attr::execute_identity_query)
        }
        ("POST", "/Attributes/ExecuteRelationshipAttributeQuery") => {
            route.to(attr::execute_relationship_query)
        }
        ("POST", "/Attributes/ExecuteThirdPartyRelationshipAttributeQuery") => {
            route.to(attr::execute_third_party_query)
        }
        ("POST", "/Attributes/ExecuteIQLQuery") => route.to(attr::execute_iql_query),
        ("POST", "/Attributes/ValidateIQLQuery") => route.to(attr::validate_iql_query),
        ("GET", "/Attributes/TagCollection") => route.to(attr::tag_collection),
        ("GET", "/Attributes/{id}") => route.to(attr::get_one),
        ("DELETE", "/Attributes/{id}") => route.to(attr::delete),
        ("POST", "/Requests/Outgoing/Validate") => route.to(req::validate_outgoing),
        ("POST", "/Requests/Outgoing") => route.to(req::create_outgoing),
        ("GET", "/Requests/Outgoing") => route.to(req::get_outgoing),
        ("GET", "/Requests/Outgoing/{id}") => route.to(req::get_outgoing_one),
        ("GET", "/Requests/Incoming") => route.to(req::get_incoming),
        ("GET", "/Requests/Incoming/{id}") => route.to(req::get_incoming_one),
        ("PUT", "/Requests/Incoming/{id}/CanAccept") => route.to(req::can_accept),
        ("PUT", "/Requests/Incoming/{id}/Accept") => route.to(req::accept),
        ("PUT", "/Requests/Incoming/{id}/CanReject") => route.to(req::can_reject),
        ("PUT", "/Requests/Incoming/{id}/Reject") => route.to(req::reject),
        _ => return None,
    })
}

fn not_implemented(method: &'static str, path: &'static str) -> Route {
    web::route().to(move || async move {
        Err::<HttpResponse, _>(ConnectorError::NotImplemented {
            method: method.to_owned(),
            path: path.to_owned(),
        })
    })
}

/// Templates, tokens and relationships (`connector-api.md` §7.8–7.10).
fn relationship_route(method: &str, path: &str) -> Option<Route> {
    use routes::{relationship_templates as rt, relationships as rel, tokens as tok};
    let route = web::route();
    Some(match (method, path.trim_start_matches("/api/core/v1")) {
        ("GET", "/RelationshipTemplates") => route.to(rt::get_all),
        ("GET", "/RelationshipTemplates/Own") => route.to(rt::get_own),
        ("GET", "/RelationshipTemplates/Peer") => route.to(rt::get_peer),
        ("GET", "/RelationshipTemplates/{id}") => route.to(rt::get_one),
        ("POST", "/RelationshipTemplates/Own") => route.to(rt::create_own),
        ("POST", "/RelationshipTemplates/Peer") => route.to(rt::load_peer),
        ("POST", "/RelationshipTemplates/Own/{id}/Token") => route.to(rt::create_token),
        ("DELETE", "/RelationshipTemplates/{id}") => route.to(rt::delete),
        ("PUT", "/Relationships/CanCreate") => route.to(rel::can_create),
        ("POST", "/Relationships") => route.to(rel::create),
        ("GET", "/Relationships") => route.to(rel::get_all),
        ("GET", "/Relationships/{id}") => route.to(rel::get_one),
        ("GET", "/Relationships/{id}/Attributes") => {
            route.to(routes::attributes::get_for_relationship)
        }
        ("PUT", "/Relationships/{id}/Accept") => route.to(rel::accept),
        ("PUT", "/Relationships/{id}/Reject") => route.to(rel::reject),
        ("PUT", "/Relationships/{id}/Revoke") => route.to(rel::revoke),
        ("PUT", "/Relationships/{id}/Terminate") => route.to(rel::terminate),
        ("PUT", "/Relationships/{id}/Reactivate") => route.to(rel::reactivate),
        ("PUT", "/Relationships/{id}/Reactivate/Accept") => route.to(rel::accept_reactivation),
        ("PUT", "/Relationships/{id}/Reactivate/Reject") => route.to(rel::reject_reactivation),
        ("PUT", "/Relationships/{id}/Reactivate/Revoke") => route.to(rel::revoke_reactivation),
        ("DELETE", "/Relationships/{id}") => route.to(rel::decompose),
        ("POST", "/Tokens/Own") => route.to(tok::create_own),
        ("POST", "/Tokens/Peer") => route.to(tok::load_peer),
        ("GET", "/Tokens/Own") => route.to(tok::get_own),
        ("GET", "/Tokens/Peer") => route.to(tok::get_peer),
        ("GET", "/Tokens/{id}") => route.to(tok::get_one),
        ("DELETE", "/Tokens/{id}") => route.to(tok::delete),
        _ => return None,
    })
}

/// Fallback after the gate (only reachable if the router and the catalog disagree).
pub async fn route_does_not_exist() -> Result<HttpResponse, ConnectorError> {
    Err(ConnectorError::RouteDoesNotExist)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn json_body_errors_use_the_connector_codes() {
        let req = TestRequest::default().to_http_request();
        let syntax = serde_json::from_str::<serde_json::Value>("{").unwrap_err();
        let error = json_error(JsonPayloadError::Deserialize(syntax), &req);
        assert_eq!(error.as_response_error().status_code().as_u16(), 400);
        let error = json_error(JsonPayloadError::Overflow { limit: JSON_LIMIT }, &req);
        assert_eq!(error.as_response_error().status_code().as_u16(), 413);
    }
}
