//! The route gate: one middleware that applies the real Connector's order of checks to every
//! request (`connector-api.md` §1.2, §4): public routes pass; otherwise authenticate (401 after
//! a random 1–4 s delay), then unknown route (404), wrong method (405 + `Allow`), scope (403),
//! `Accept` (406). A passing request gets its path rewritten to the template's casing (Express
//! matches case-insensitively) and carries its [`Principal`] and [`Negotiated`] media type.

use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Uri;
use actix_web::http::header::{ACCEPT, HeaderValue, VARY};
use actix_web::http::uri::PathAndQuery;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, ResponseError, web};

use super::accept::{MediaType, negotiate};
use super::auth::{Authenticator, Principal};
use super::catalog::{Access, Lookup, Produces, lookup};
use super::scope::is_permitted;
use crate::error::ConnectorError;

/// What the gate needs, shared by all workers.
#[derive(Debug)]
pub struct GateConfig {
    /// Who is calling.
    pub authenticator: Authenticator,
    /// Debug mode (debug-only routes exist).
    pub debug: bool,
    /// Range of the failed-authentication delay in whole seconds (1..=4 in the real Connector).
    pub failed_auth_delay_secs: std::ops::RangeInclusive<u64>,
}

/// The media type the gate negotiated (`None`: the route declares none).
#[derive(Debug, Clone, Copy)]
pub struct Negotiated(pub Option<MediaType>);

/// The middleware function (use with `actix_web::middleware::from_fn`).
pub async fn gate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody + 'static>>, Error> {
    let Some(config) = req.app_data::<web::Data<GateConfig>>().cloned() else {
        return refuse(
            req,
            ConnectorError::unexpected(std::io::Error::other("gate configuration missing")),
        );
    };
    let debug = config.debug;
    crate::error::DEBUG_ERRORS
        .scope(debug, checked(req, next, config))
        .await
}

/// The checks, with [`crate::error::DEBUG_ERRORS`] set for the request.
async fn checked(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    config: web::Data<GateConfig>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody + 'static>>, Error> {
    // The documentation routes (only registered when enabled) are public and outside the catalog.
    if crate::routes::openapi::is_docs_path(req.path())
        && req
            .app_data::<web::Data<crate::routes::openapi::DocsEnabled>>()
            .is_some()
    {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let found = lookup(req.method().as_str(), req.path(), config.debug);

    let public = match &found {
        Lookup::Found { route, .. } => route.access == Access::Public,
        Lookup::MethodNotAllowed { public, .. } => *public,
        Lookup::NotFound => false,
    };
    let principal = if public {
        None
    } else {
        match config.authenticator.authenticate(req.headers()) {
            Some(principal) => Some(principal),
            None => {
                // Slow down key guessing: a random whole number of seconds, as the original does.
                let (low, high) = (
                    *config.failed_auth_delay_secs.start(),
                    *config.failed_auth_delay_secs.end(),
                );
                let seconds = if high > low {
                    rand::random_range(low..=high)
                } else {
                    low
                };
                tokio::time::sleep(Duration::from_secs(seconds)).await;
                return refuse(req, ConnectorError::Unauthorized);
            }
        }
    };

    let (route, canonical_path) = match found {
        Lookup::Found {
            route,
            canonical_path,
        } => (route, canonical_path),
        Lookup::MethodNotAllowed { allow, .. } => {
            return refuse(req, ConnectorError::MethodNotAllowed { allow });
        }
        Lookup::NotFound => return refuse(req, ConnectorError::RouteDoesNotExist),
    };
    if let (Access::Scoped(permitted), Some(principal)) = (route.access, &principal)
        && !is_permitted(&principal.roles, permitted)
    {
        return refuse(req, ConnectorError::Forbidden);
    }
    let accept = req
        .headers()
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let Some(media) = negotiate(accept.as_deref(), route.produces) else {
        return refuse(req, ConnectorError::NotAcceptable);
    };

    if canonical_path != req.path() {
        rewrite_path(&mut req, &canonical_path);
    }
    if let Some(principal) = principal {
        req.extensions_mut().insert::<Principal>(principal);
    }
    req.extensions_mut().insert(Negotiated(media));
    let declares_types = route.produces != Produces::Any && route.method == "GET";
    let mut response = next.call(req).await?;
    if declares_types {
        response
            .headers_mut()
            .append(VARY, HeaderValue::from_static("Accept"));
    }
    Ok(response.map_into_left_body())
}

fn refuse<B>(
    req: ServiceRequest,
    error: ConnectorError,
) -> Result<ServiceResponse<EitherBody<B>>, Error> {
    Ok(req
        .into_response(error.error_response())
        .map_into_right_body())
}

/// Replaces the request path (keeping the query) and re-primes the router's view of it, as
/// actix's own `NormalizePath` does.
fn rewrite_path(req: &mut ServiceRequest, path: &str) {
    let uri = req.head().uri.clone();
    let with_query = match uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_owned(),
    };
    let mut parts = uri.into_parts();
    let Ok(path_and_query) = PathAndQuery::from_maybe_shared(with_query) else {
        return;
    };
    parts.path_and_query = Some(path_and_query);
    if let Ok(new_uri) = Uri::from_parts(parts) {
        req.match_info_mut().get_mut().update(&new_uri);
        req.head_mut().uri = new_uri;
    }
}
