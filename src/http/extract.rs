//! Extractors for handlers: the caller ([`Principal`]), the [`CorrelationId`] (to pass on to
//! Backbone and webhook calls) and the raw list query ([`ListQuery`]).

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};

use super::auth::Principal;
use super::telemetry::CorrelationId;
use crate::error::ConnectorError;
use crate::query::{QueryPairs, parse_query_string};

impl FromRequest for CorrelationId {
    type Error = ConnectorError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // The telemetry middleware always sets it; a fresh id keeps handlers usable without it.
        let id = req.extensions().get::<CorrelationId>().cloned();
        ready(Ok(id.unwrap_or_else(|| {
            CorrelationId(uuid::Uuid::new_v4().to_string())
        })))
    }
}

impl FromRequest for Principal {
    type Error = ConnectorError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<Principal>()
                .cloned()
                .ok_or(ConnectorError::Unauthorized),
        )
    }
}

/// The query string of a list route, parsed like Node's `querystring` (repeated keys kept).
#[derive(Debug, Clone, Default)]
pub struct ListQuery(pub QueryPairs);

impl FromRequest for ListQuery {
    type Error = ConnectorError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self(parse_query_string(req.query_string()))))
    }
}
