//! `GET /api/v1/sse`: a text/event-stream per device that says when external events are waiting.

use std::time::Duration;

use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use futures_util::stream;
use tokio::sync::broadcast::error::RecvError;

use crate::auth;
use crate::server::Backend;

const KEEP_ALIVE: Duration = Duration::from_secs(30);

fn frame(event: &str) -> Bytes {
    Bytes::from(format!("event: {event}\ndata: _\n\n"))
}

pub fn open(backend: &Backend, http: &HttpRequest) -> HttpResponse {
    let Some(caller) = auth::authenticate(backend, http.headers()) else {
        return HttpResponse::Unauthorized().finish();
    };
    let receiver = backend.hub.subscribe(&caller.address);
    let first =
        stream::once(async { Ok::<_, std::convert::Infallible>(frame("ConnectionOpened")) });
    let rest = stream::unfold(receiver, |mut receiver| async move {
        let chunk = match tokio::time::timeout(KEEP_ALIVE, receiver.recv()).await {
            Ok(Ok(event)) => frame(event),
            // Missed some: one wake-up is as good as many, the client syncs everything.
            Ok(Err(RecvError::Lagged(_))) => frame("ExternalEventCreated"),
            Ok(Err(RecvError::Closed)) => return None,
            Err(_) => Bytes::from_static(b": keep-alive\n\n"),
        };
        Some((Ok(chunk), receiver))
    });
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        .streaming(futures_util::StreamExt::chain(first, rest))
}
