//! [`Body`]: a JSON request body read into its typed request ([`RequestBody`]).
//!
//! Decoding (JSON syntax, size limit, content type) fails the request before the handler runs,
//! with the errors of [`super::json_config`]. Reading the JSON into the request type is kept for
//! the handler to take ([`Body::into_inner`]), because the runtime checks some things before the
//! body (a path id, the Backbone connection) and the first failure is the one answered.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use serde_json::Value;

use crate::error::ConnectorError;

/// A request body type: reads the decoded JSON as the runtime's schema and use case do, and
/// answers their first failure with their message.
pub trait RequestBody: Sized {
    /// The typed request, or the first validation failure.
    fn from_json(json: Value) -> Result<Self, ConnectorError>;
}

/// The decoded JSON of a request, to be read as `T`.
pub struct Body<T> {
    json: Value,
    into: PhantomData<fn() -> T>,
}

impl<T: RequestBody> Body<T> {
    /// The typed request (its validation runs here).
    pub fn into_inner(self) -> Result<T, ConnectorError> {
        T::from_json(self.json)
    }

    /// An optional body: a missing (or undecodable) one reads as `{}`.
    pub fn optional(body: Option<Self>) -> Result<T, ConnectorError> {
        T::from_json(body.map_or_else(|| Value::Object(serde_json::Map::new()), |b| b.json))
    }
}

impl<T: 'static> FromRequest for Body<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let decoded = web::Json::<Value>::from_request(req, payload);
        Box::pin(async move {
            Ok(Self {
                json: decoded.await?.into_inner(),
                into: PhantomData,
            })
        })
    }
}
