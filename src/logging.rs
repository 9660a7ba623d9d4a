//! The tracing subscriber: JSON lines on stdout, level from `RUST_LOG` (default `info`), and
//! OpenTelemetry export configured the usual way.
//!
//! When `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set (and
//! `OTEL_SDK_DISABLED` is not `true`), spans go to an OTLP/HTTP (protobuf) span exporter through
//! a batch processor, and (with `OTEL_EXPORTER_OTLP_ENDPOINT` or
//! `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`) metrics to an OTLP/HTTP metric exporter through a
//! periodic reader (`OTEL_METRIC_EXPORT_INTERVAL`, milliseconds). The exporters read the other standard
//! variables themselves (`OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_EXPORTER_OTLP_TIMEOUT`,
//! `OTEL_BSP_*`, `OTEL_RESOURCE_ATTRIBUTES`); the service name is `OTEL_SERVICE_NAME` (default
//! `enmeshed-connector`). Log lines inside a span carry its `trace_id` and `span_id`.

use std::fmt;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Subscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::fmt::format::{Format, Json, JsonFields, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt as _;

/// Default `service.name` when `OTEL_SERVICE_NAME` is unset.
pub const DEFAULT_SERVICE_NAME: &str = "enmeshed-connector";

/// The installed OpenTelemetry providers; [`Telemetry::shutdown`] (or dropping) flushes them.
#[derive(Debug, Default)]
pub struct Telemetry {
    tracer: Option<SdkTracerProvider>,
    meter: Option<SdkMeterProvider>,
}

impl Telemetry {
    /// Whether spans are exported.
    pub fn exporting(&self) -> bool {
        self.tracer.is_some()
    }

    /// Flushes and stops the exporters (idempotent).
    pub fn shutdown(&mut self) {
        if let Some(tracer) = self.tracer.take() {
            let _ = tracer.force_flush();
            let _ = tracer.shutdown();
        }
        if let Some(meter) = self.meter.take() {
            let _ = meter.force_flush();
            let _ = meter.shutdown();
        }
    }
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn env_set(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !v.trim().is_empty())
}

/// Whether the standard variables ask for OTLP export.
pub fn otlp_configured() -> bool {
    let disabled =
        std::env::var("OTEL_SDK_DISABLED").is_ok_and(|v| v.trim().eq_ignore_ascii_case("true"));
    !disabled
        && (env_set("OTEL_EXPORTER_OTLP_ENDPOINT") || env_set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))
}

fn resource() -> Resource {
    let name = std::env::var("OTEL_SERVICE_NAME")
        .ok()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_SERVICE_NAME.to_owned());
    Resource::builder().with_service_name(name).build()
}

/// Metrics are exported when an endpoint for them is configured (the general one or the
/// metrics one); with only `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, only spans are.
fn metrics_configured() -> bool {
    env_set("OTEL_EXPORTER_OTLP_ENDPOINT") || env_set("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")
}

fn providers() -> anyhow::Result<(SdkTracerProvider, Option<SdkMeterProvider>)> {
    use opentelemetry_otlp::{MetricExporter, SpanExporter};
    let resource = resource();
    let spans = SpanExporter::builder().with_http().build()?;
    let tracer = SdkTracerProvider::builder()
        .with_batch_exporter(spans)
        .with_resource(resource.clone())
        .build();
    if !metrics_configured() {
        return Ok((tracer, None));
    }
    let metrics = MetricExporter::builder().with_http().build()?;
    let reader = PeriodicReader::builder(metrics).build();
    let meter = SdkMeterProvider::builder()
        .with_reader(reader)
        .with_resource(resource)
        .build();
    Ok((tracer, Some(meter)))
}

/// JSON lines (the `tracing-subscriber` format) with the current span's OpenTelemetry
/// `trace_id` and `span_id` appended.
struct JsonWithTraceIds(Format<Json>);

impl<S, N> FormatEvent<S, N> for JsonWithTraceIds
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> fmt::Result {
        let mut line = String::new();
        self.0.format_event(ctx, Writer::new(&mut line), event)?;
        let ids = event
            .parent()
            .and_then(|id| ctx.span(id))
            .or_else(|| ctx.lookup_current())
            .and_then(|span| {
                let ext = span.extensions();
                let data = ext.get::<tracing_opentelemetry::OtelData>()?;
                Some((data.trace_id()?, data.span_id()?))
            });
        match ids {
            Some((trace_id, span_id)) => {
                let body = line.trim_end();
                let body = body.strip_suffix('}').unwrap_or(body);
                writeln!(
                    writer,
                    r#"{body},"trace_id":"{trace_id}","span_id":"{span_id}"}}"#
                )
            }
            None => writer.write_str(&line),
        }
    }
}

fn env_filter(default_level: &str) -> EnvFilter {
    EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level))
}

/// Events that carry metric fields (`monotonic_counter.*`, `counter.*`, `histogram.*`, `gauge.*`, see
/// `tracing_opentelemetry::MetricsLayer`): the crates without an OpenTelemetry dependency count
/// this way, whatever the log level.
fn is_metric_event(metadata: &tracing::Metadata<'_>) -> bool {
    metadata.is_event()
        && metadata.fields().iter().any(|field| {
            let name = field.name();
            name.starts_with("monotonic_counter.")
                || name.starts_with("counter.")
                || name.starts_with("histogram.")
                || name.starts_with("gauge.")
        })
}

/// Installs the global subscriber (and, when configured, the OTLP exporters and the global
/// meter provider); a second call installs nothing and returns an inactive [`Telemetry`].
pub fn init(default_level: &str) -> Telemetry {
    let format = tracing_subscriber::fmt::format()
        .json()
        .with_current_span(true)
        .with_span_list(false);
    let fmt_layer = tracing_subscriber::fmt::layer()
        .fmt_fields(JsonFields::new())
        .event_format(JsonWithTraceIds(format))
        .with_writer(std::io::stdout)
        .with_filter(env_filter(default_level));
    let registry = tracing_subscriber::registry().with(fmt_layer);

    if !otlp_configured() {
        let _ = registry.try_init();
        return Telemetry::default();
    }
    match providers() {
        Ok((tracer, meter)) => {
            let otel = tracing_opentelemetry::layer()
                .with_tracer(tracer.tracer("connector"))
                .with_tracked_inactivity(false)
                .with_filter(env_filter(default_level));
            let metrics = meter.clone().map(|meter| {
                tracing_opentelemetry::MetricsLayer::new(meter)
                    .with_filter(filter_fn(is_metric_event))
            });
            if registry.with(otel).with(metrics).try_init().is_err() {
                return Telemetry::default();
            }
            opentelemetry::global::set_tracer_provider(tracer.clone());
            if let Some(meter) = &meter {
                opentelemetry::global::set_meter_provider(meter.clone());
            }
            Telemetry {
                tracer: Some(tracer),
                meter,
            }
        }
        Err(error) => {
            let _ = registry.try_init();
            tracing::error!(error = %error, "OpenTelemetry export is configured but could not start");
            Telemetry::default()
        }
    }
}
