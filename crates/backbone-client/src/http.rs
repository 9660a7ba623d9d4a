//! Sending one [`Request`] with reqwest: URL building, headers, bodies, the `backbone.request`
//! tracing span, and the status check.

use std::time::Instant;

use reqwest::multipart::{Form, Part};
use tracing::Instrument;

use crate::envelope;
use crate::error::{BackboneError, Result};
use crate::request::{Body, MultipartField, Request};

/// The correlation id header (backbone-api §1.1): sent when set, echoed by the Backbone.
pub const CORRELATION_ID_HEADER: &str = "x-correlation-id";

/// A received response (the whole body is read).
#[derive(Debug)]
pub(crate) struct RawResponse {
    pub(crate) status: u16,
    pub(crate) headers: reqwest::header::HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl RawResponse {
    /// The response if its status is a success (2xx or 304); 401 becomes
    /// [`BackboneError::Unauthorized`], other statuses are mapped by [`envelope::error_for_status`].
    pub(crate) fn success(self, route: &str) -> Result<Self> {
        match self.status {
            200..=299 | 304 => Ok(self),
            401 => Err(BackboneError::Unauthorized),
            status => Err(envelope::error_for_status(status, &self.body, route)),
        }
    }

    /// The `result` of the envelope.
    pub(crate) fn result<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        envelope::result(&self.body)
    }

    pub(crate) fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
}

/// The shared reqwest client and the base URL.
#[derive(Debug, Clone)]
pub(crate) struct Http {
    client: reqwest::Client,
    base: reqwest::Url,
}

impl Http {
    pub(crate) fn new(client: reqwest::Client, base: reqwest::Url) -> Self {
        Self { client, base }
    }

    pub(crate) fn base(&self) -> &reqwest::Url {
        &self.base
    }

    /// Sends `request` once. Network failures are errors; every status is returned as a response.
    pub(crate) async fn send(
        &self,
        request: &Request,
        bearer: Option<&str>,
        correlation_id: Option<&str>,
    ) -> Result<RawResponse> {
        let span = tracing::info_span!(
            "backbone.request",
            method = %request.method,
            path = request.route.template(),
            status = tracing::field::Empty,
        );
        async {
            let started = Instant::now();
            let outcome = self.send_unlogged(request, bearer, correlation_id).await;
            let elapsed_ms = started.elapsed().as_millis() as u64;
            match &outcome {
                Ok(response) => {
                    tracing::Span::current().record("status", response.status);
                    tracing::debug!(status = response.status, elapsed_ms, "Backbone response");
                }
                Err(error) => tracing::debug!(%error, elapsed_ms, "Backbone request failed"),
            }
            // Counted by the connector's OpenTelemetry metrics layer (`connector_backbone_errors`).
            let failure = match &outcome {
                Ok(response) if response.status >= 500 => Some("status"),
                Ok(_) => None,
                Err(_) => Some("network"),
            };
            if let Some(kind) = failure {
                tracing::debug!(
                    monotonic_counter.connector_backbone_errors = 1_u64,
                    kind,
                    "Backbone error"
                );
            }
            outcome
        }
        .instrument(span)
        .await
    }

    async fn send_unlogged(
        &self,
        request: &Request,
        bearer: Option<&str>,
        correlation_id: Option<&str>,
    ) -> Result<RawResponse> {
        let mut url = request.route.url(&self.base)?;
        if !request.query.is_empty() {
            url.query_pairs_mut().extend_pairs(request.query.pairs());
        }
        let mut builder = self.client.request(request.method.clone(), url);
        if let Some(token) = bearer {
            builder = builder.bearer_auth(token);
        }
        if let Some(id) = correlation_id {
            builder = builder.header(CORRELATION_ID_HEADER, id);
        }
        for (name, value) in &request.headers {
            builder = builder.header(*name, value.as_str());
        }
        builder = match &request.body {
            Body::Empty => builder,
            Body::Json(bytes) => builder
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(bytes.clone()),
            Body::Form(fields) => builder.form(fields),
            Body::Multipart(fields) => builder.multipart(multipart_form(fields)?),
        };
        let response = builder.send().await.map_err(BackboneError::transport)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(BackboneError::transport)?
            .to_vec();
        Ok(RawResponse {
            status,
            headers,
            body,
        })
    }
}

fn multipart_form(fields: &[MultipartField]) -> Result<Form> {
    let mut form = Form::new();
    for field in fields {
        form = match field {
            MultipartField::Text { name, value } => form.text(*name, value.clone()),
            MultipartField::File {
                name,
                filename,
                bytes,
            } => form.part(
                *name,
                Part::bytes(bytes.clone())
                    .file_name(*filename)
                    .mime_str("application/octet-stream")
                    .map_err(BackboneError::transport)?,
            ),
        };
    }
    Ok(form)
}
