//! A deadline on reading a request's body: the whole body must have arrived within
//! `infrastructure.httpServer.requestTimeoutSeconds` (300 s, Node's `requestTimeout`, which the
//! real Connector inherits) of the request's start. A body that trickles in (one byte a second)
//! is answered `408` and its connection closed, instead of holding the connection forever.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{Error, HttpMessage, web};
use futures_util::Stream;
use tokio::time::Sleep;

/// The time a request's body may take to arrive.
#[derive(Debug, Clone, Copy)]
pub struct BodyDeadline(pub Duration);

/// Whether a payload error is this deadline's.
pub fn is_timeout(error: &PayloadError) -> bool {
    matches!(error, PayloadError::Io(e) if e.kind() == std::io::ErrorKind::TimedOut)
}

/// The middleware (use with `actix_web::middleware::from_fn`).
pub async fn body_deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, Error> {
    if let Some(limit) = req.app_data::<web::Data<BodyDeadline>>().map(|d| d.0) {
        let inner = req.take_payload();
        let stream: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(Deadline {
            inner,
            sleep: Box::pin(tokio::time::sleep(limit)),
            expired: false,
        });
        req.set_payload(Payload::from(stream));
    }
    next.call(req).await
}

/// The payload, cut off with a timeout error once the deadline has passed.
struct Deadline {
    inner: Payload,
    sleep: Pin<Box<Sleep>>,
    expired: bool,
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.expired {
            return Poll::Ready(None);
        }
        if let Poll::Ready(item) = Pin::new(&mut self.inner).poll_next(cx) {
            return Poll::Ready(item);
        }
        if self.sleep.as_mut().poll(cx).is_ready() {
            self.expired = true;
            return Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the request body did not arrive in time",
            )))));
        }
        Poll::Pending
    }
}
