//! Per-request telemetry, the outermost middleware: the correlation id (`X-Correlation-ID` or a
//! fresh UUID v4) on the request span and echoed in the response, the real Connector's
//! `X-Response-Time` / `X-Response-Duration-ms` headers, the request counter behind
//! `/Monitoring/Requests`, and one log line per response.

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, web};
use opentelemetry::KeyValue;
use opentelemetry::metrics::{Counter, Histogram};
use tracing::Instrument;

use connector_store::now_iso;

/// Header carrying the correlation id.
pub const CORRELATION_HEADER: &str = "x-correlation-id";
/// Longest accepted client-supplied correlation id; longer ones are replaced.
const MAX_CORRELATION_LEN: usize = 200;

/// The correlation id of the current request (in request extensions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrelationId(pub String);

/// Counts finished responses by status since start.
#[derive(Debug)]
pub struct RequestCounter {
    since: String,
    by_status: Mutex<BTreeMap<u16, u64>>,
}

impl Default for RequestCounter {
    fn default() -> Self {
        Self {
            since: now_iso(),
            by_status: Mutex::new(BTreeMap::new()),
        }
    }
}

impl RequestCounter {
    fn record(&self, status: u16) {
        // A poisoned lock only means another thread panicked mid-increment; the map is still usable.
        let mut map = self
            .by_status
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *map.entry(status).or_insert(0) += 1;
    }

    /// The `/Monitoring/Requests` body.
    pub fn snapshot(&self) -> serde_json::Value {
        let map = self
            .by_status
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let total: u64 = map.values().sum();
        let by_status: serde_json::Map<String, serde_json::Value> = map
            .iter()
            .map(|(status, n)| (status.to_string(), (*n).into()))
            .collect();
        serde_json::json!({ "since": self.since, "requestCount": total, "requestCountByStatus": by_status })
    }
}

/// The OpenTelemetry instruments of the edge (see `observability/METRICS.md`), made on first use
/// from the global meter provider (a no-op one unless OTLP export is configured).
struct HttpMetrics {
    requests: Counter<u64>,
    duration: Histogram<f64>,
}

impl HttpMetrics {
    fn get() -> &'static Self {
        static METRICS: OnceLock<HttpMetrics> = OnceLock::new();
        METRICS.get_or_init(|| {
            let meter = opentelemetry::global::meter("connector");
            Self {
                requests: meter
                    .u64_counter("connector_http_requests")
                    .with_description("HTTP requests by route template, method and status")
                    .build(),
                duration: meter
                    .f64_histogram("connector_http_request_duration_seconds")
                    .with_unit("s")
                    .with_description("HTTP request latency by route template, method and status")
                    .build(),
            }
        })
    }

    fn record(&self, method: &str, route: &str, status: u16, elapsed: std::time::Duration) {
        let attributes = [
            KeyValue::new("http_route", route.to_owned()),
            KeyValue::new("http_method", method.to_owned()),
            KeyValue::new("http_status", i64::from(status)),
        ];
        self.requests.add(1, &attributes);
        self.duration.record(elapsed.as_secs_f64(), &attributes);
    }
}

fn correlation_id(req: &ServiceRequest) -> String {
    req.headers()
        .get(CORRELATION_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.len() <= MAX_CORRELATION_LEN)
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned)
}

/// The middleware function (use with `actix_web::middleware::from_fn`).
pub async fn telemetry(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let started = Instant::now();
    let correlation = correlation_id(&req);
    req.extensions_mut()
        .insert(CorrelationId(correlation.clone()));
    let counter = req.app_data::<web::Data<RequestCounter>>().cloned();
    let method = req.method().to_string();
    let path = req.path().to_owned();
    let span = tracing::info_span!(
        "http.request",
        otel.kind = "server",
        http.request.method = %method,
        url.path = %path,
        http.route = tracing::field::Empty,
        http.response.status_code = tracing::field::Empty,
        correlation_id = %correlation,
        status = tracing::field::Empty,
    );

    // The request must not be cloned before routing: actix rewrites its match info in place.
    // Events the request causes carry its correlation id (e.g. the webhooks' x-correlation-id).
    let result = connector_transport::events::with_correlation_id(
        Some(correlation.clone()),
        next.call(req).instrument(span.clone()),
    )
    .await;
    let mut response = match result {
        Ok(response) => response.map_into_boxed_body(),
        Err(error) => {
            // Only middleware errors get here (handlers' errors are responses already); actix
            // renders them through the same ResponseError, so count them and pass them on.
            let status = error.as_response_error().status_code().as_u16();
            if let Some(counter) = counter {
                counter.record(status);
            }
            span.record("status", status);
            span.record("http.response.status_code", status);
            HttpMetrics::get().record(&method, "unmatched", status, started.elapsed());
            span.in_scope(|| {
                tracing::info!(
                    "{method} {path} {status} -- {}ms",
                    started.elapsed().as_millis()
                )
            });
            return Err(error);
        }
    };

    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    span.record("http.route", route.as_str());
    span.record("http.response.status_code", status);
    HttpMetrics::get().record(&method, &route, status, elapsed);
    let headers = response.headers_mut();
    let pairs = [
        ("x-response-time", now_iso()),
        ("x-response-duration-ms", elapsed.as_millis().to_string()),
        (CORRELATION_HEADER, correlation),
    ];
    for (name, value) in pairs {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
    if let Some(counter) = counter {
        counter.record(status);
    }
    span.record("status", status);
    span.in_scope(|| tracing::info!("{method} {path} {status} -- {}ms", elapsed.as_millis()));
    Ok(response)
}
