//! The tracing subscriber: JSON lines on stdout, level from `RUST_LOG` (default `info`), and
//! OpenTelemetry export configured the usual way.
//!
//! Spans go to an OTLP/HTTP (protobuf) span exporter through a batch processor, and metrics to
//! an OTLP/HTTP metric exporter through a periodic reader (`OTEL_METRIC_EXPORT_INTERVAL`,
//! milliseconds), each when an endpoint for it is set (`OTEL_EXPORTER_OTLP_ENDPOINT` or
//! `OTEL_EXPORTER_OTLP_{TRACES,METRICS}_ENDPOINT`) and not switched off by
//! `OTEL_SDK_DISABLED=true`, `OTEL_TRACES_EXPORTER=none` or `OTEL_METRICS_EXPORTER=none` (see
//! [`ExportPlan`]). The exporters read the other standard variables themselves
//! (`OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_EXPORTER_OTLP_TIMEOUT`, `OTEL_BSP_*`,
//! `OTEL_RESOURCE_ATTRIBUTES`); the service name is `OTEL_SERVICE_NAME` (default
//! `enmeshed-connector`). Log lines inside a span carry its `trace_id` and `span_id` when spans
//! are exported.

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

    /// Whether metrics are exported.
    pub fn exporting_metrics(&self) -> bool {
        self.meter.is_some()
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

/// Which signals are exported, decided from the standard variables (read through `var`, so
/// tests can pass their own):
///
/// - `OTEL_SDK_DISABLED=true` (any case) turns every signal off;
/// - `OTEL_TRACES_EXPORTER` / `OTEL_METRICS_EXPORTER` are comma-separated lists, `otlp` when
///   unset or empty; `none` means no exporter. Other values (`console`, `zipkin`, `prometheus`,
///   ...) are not supported here: they are reported in [`ExportPlan::ignored`] and left out, as
///   the OpenTelemetry specification asks for unknown exporters;
/// - a signal is exported only when an endpoint for it is set (the general
///   `OTEL_EXPORTER_OTLP_ENDPOINT` or the signal's own), so a plain start sends nothing to a
///   default `localhost:4318`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportPlan {
    /// Spans go to the OTLP/HTTP span exporter.
    pub traces: bool,
    /// Metrics go to the OTLP/HTTP metric exporter.
    pub metrics: bool,
    /// Exporter names that were asked for but are not supported (`VARIABLE=value`).
    pub ignored: Vec<String>,
}

impl ExportPlan {
    /// The plan the process environment asks for.
    pub fn from_env() -> Self {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// The plan for the variables `var` returns.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Self {
        let set = |name: &str| var(name).is_some_and(|v| !v.trim().is_empty());
        let disabled =
            var("OTEL_SDK_DISABLED").is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        let mut plan = Self::default();
        if disabled {
            return plan;
        }
        let general = set("OTEL_EXPORTER_OTLP_ENDPOINT");
        let traces_otlp = plan.wants_otlp(var("OTEL_TRACES_EXPORTER"), "OTEL_TRACES_EXPORTER");
        let metrics_otlp = plan.wants_otlp(var("OTEL_METRICS_EXPORTER"), "OTEL_METRICS_EXPORTER");
        plan.traces = traces_otlp && (general || set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"));
        plan.metrics = metrics_otlp && (general || set("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"));
        plan
    }

    /// Whether the exporter list `value` of `variable` names `otlp` (the default when unset or
    /// empty); unsupported names other than `none` are recorded as ignored.
    fn wants_otlp(&mut self, value: Option<String>, variable: &str) -> bool {
        let value = value.unwrap_or_default();
        if value.trim().is_empty() {
            return true;
        }
        let mut otlp = false;
        for name in value.split(',').map(|n| n.trim().to_ascii_lowercase()) {
            match name.as_str() {
                "otlp" => otlp = true,
                "none" | "" => {}
                _ => self.ignored.push(format!("{variable}={name}")),
            }
        }
        otlp
    }

    /// Whether anything is exported.
    pub fn any(&self) -> bool {
        self.traces || self.metrics
    }
}

/// Whether the standard variables ask for OTLP export of spans or metrics.
pub fn otlp_configured() -> bool {
    ExportPlan::from_env().any()
}

fn resource() -> Resource {
    let name = std::env::var("OTEL_SERVICE_NAME")
        .ok()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_SERVICE_NAME.to_owned());
    Resource::builder().with_service_name(name).build()
}

type Providers = (Option<SdkTracerProvider>, Option<SdkMeterProvider>);

fn providers(plan: &ExportPlan) -> anyhow::Result<Providers> {
    use opentelemetry_otlp::{MetricExporter, SpanExporter};
    let resource = resource();
    let tracer = if plan.traces {
        let spans = SpanExporter::builder().with_http().build()?;
        Some(
            SdkTracerProvider::builder()
                .with_batch_exporter(spans)
                .with_resource(resource.clone())
                .build(),
        )
    } else {
        None
    };
    let meter = if plan.metrics {
        let metrics = MetricExporter::builder().with_http().build()?;
        let reader = PeriodicReader::builder(metrics).build();
        Some(
            SdkMeterProvider::builder()
                .with_reader(reader)
                .with_resource(resource)
                .build(),
        )
    } else {
        None
    };
    Ok((tracer, meter))
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

fn warn_ignored(plan: &ExportPlan) {
    for ignored in &plan.ignored {
        tracing::warn!(exporter = %ignored, "unsupported OpenTelemetry exporter ignored (only otlp and none are supported)");
    }
}

/// The stdout log filter, replaceable once the configuration is read ([`apply_config`]).
static STDOUT_FILTER: std::sync::OnceLock<
    tracing_subscriber::reload::Handle<EnvFilter, tracing_subscriber::Registry>,
> = std::sync::OnceLock::new();

fn stdout_filter(
    default_level: &str,
) -> tracing_subscriber::reload::Layer<EnvFilter, tracing_subscriber::Registry> {
    let (filter, handle) = tracing_subscriber::reload::Layer::new(env_filter(default_level));
    let _ = STDOUT_FILTER.set(handle);
    filter
}

/// Applies the configuration's `logging` section (the real Connector's log4js configuration) to
/// the stdout log: the level of the `default` category, raised to the level of its appenders'
/// `logLevelFilter` where every appender has one. `RUST_LOG`, when set, wins. The other
/// categories name the TypeScript Connector's classes and have no counterpart here.
pub fn apply_config(logging: &serde_json::Value) {
    if std::env::var_os(EnvFilter::DEFAULT_ENV).is_some() {
        return;
    }
    let Some(level) = stdout_level(logging) else {
        return;
    };
    if let Some(handle) = STDOUT_FILTER.get()
        && handle.reload(EnvFilter::new(level)).is_err()
    {
        tracing::warn!("the logging configuration could not be applied");
    }
}

/// The tracing level of the stdout log the log4js configuration asks for (`None` when it names
/// no `default` category level).
pub fn stdout_level(logging: &serde_json::Value) -> Option<&'static str> {
    // log4js levels in their order, mapped to tracing's (FATAL and MARK are errors here).
    fn rank(level: &serde_json::Value) -> Option<usize> {
        let name = level.as_str()?.to_ascii_uppercase();
        [
            "ALL", "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "MARK", "OFF",
        ]
        .iter()
        .position(|l| *l == name)
    }
    const TRACING: [&str; 9] = [
        "trace", "trace", "debug", "info", "warn", "error", "error", "error", "off",
    ];
    let category = logging.pointer("/categories/default")?;
    let level = rank(category.get("level")?)?;
    // An event reaches stdout if any appender takes it: the least strict appender floor counts.
    let floor = category
        .get("appenders")
        .and_then(serde_json::Value::as_array)
        .and_then(|names| {
            names
                .iter()
                .map(|name| {
                    let appender = logging.get("appenders")?.get(name.as_str()?)?;
                    if appender.get("type")?.as_str()? == "logLevelFilter" {
                        rank(appender.get("level")?)
                    } else {
                        Some(0)
                    }
                })
                .map(|floor| floor.unwrap_or(0))
                .min()
        })
        .unwrap_or(0);
    Some(TRACING[level.max(floor)])
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
        .with_filter(stdout_filter(default_level));
    let registry = tracing_subscriber::registry().with(fmt_layer);

    let plan = ExportPlan::from_env();
    if !plan.any() {
        let _ = registry.try_init();
        warn_ignored(&plan);
        return Telemetry::default();
    }
    match providers(&plan) {
        Ok((tracer, meter)) => {
            let otel = tracer.as_ref().map(|tracer| {
                tracing_opentelemetry::layer()
                    .with_tracer(tracer.tracer("connector"))
                    .with_tracked_inactivity(false)
                    .with_filter(env_filter(default_level))
            });
            let metrics = meter.clone().map(|meter| {
                tracing_opentelemetry::MetricsLayer::new(meter)
                    .with_filter(filter_fn(is_metric_event))
            });
            if registry.with(otel).with(metrics).try_init().is_err() {
                return Telemetry::default();
            }
            warn_ignored(&plan);
            if let Some(tracer) = &tracer {
                opentelemetry::global::set_tracer_provider(tracer.clone());
            }
            if let Some(meter) = &meter {
                opentelemetry::global::set_meter_provider(meter.clone());
            }
            Telemetry { tracer, meter }
        }
        Err(error) => {
            let _ = registry.try_init();
            warn_ignored(&plan);
            tracing::error!(error = %error, "OpenTelemetry export is configured but could not start");
            Telemetry::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{ExportPlan, stdout_level};

    #[test]
    fn the_log4js_configuration_sets_the_stdout_level() {
        // the built-in default: category TRACE behind an INFO filter
        let defaults = crate::config::defaults();
        assert_eq!(stdout_level(&defaults["logging"]), Some("info"));
        let mut logging = defaults["logging"].clone();
        logging["appenders"]["console"]["level"] = serde_json::json!("WARN");
        assert_eq!(stdout_level(&logging), Some("warn"));
        logging["categories"]["default"]["level"] = serde_json::json!("error");
        assert_eq!(stdout_level(&logging), Some("error"));
        let plain = serde_json::json!({
            "appenders": {"out": {"type": "stdout"}},
            "categories": {"default": {"appenders": ["out"], "level": "DEBUG"}}
        });
        assert_eq!(stdout_level(&plain), Some("debug"));
        assert_eq!(stdout_level(&serde_json::json!({})), None);
    }

    fn plan(vars: &[(&str, &str)]) -> ExportPlan {
        ExportPlan::from_vars(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    const ENDPOINT: (&str, &str) = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318");

    #[test]
    fn an_endpoint_exports_both_signals_by_default() {
        let plan = plan(&[ENDPOINT]);
        assert!(plan.traces && plan.metrics && plan.ignored.is_empty());
        assert!(!super::ExportPlan::from_vars(|_| None).any());
    }

    #[test]
    fn none_switches_one_signal_off() {
        let traces_off = plan(&[ENDPOINT, ("OTEL_TRACES_EXPORTER", "none")]);
        assert!(!traces_off.traces && traces_off.metrics);
        let metrics_off = plan(&[ENDPOINT, ("OTEL_METRICS_EXPORTER", " None ")]);
        assert!(metrics_off.traces && !metrics_off.metrics);
        let both_off = plan(&[
            ENDPOINT,
            ("OTEL_METRICS_EXPORTER", "none"),
            ("OTEL_TRACES_EXPORTER", "none"),
        ]);
        assert!(!both_off.any());
    }

    #[test]
    fn sdk_disabled_switches_everything_off() {
        assert!(!plan(&[ENDPOINT, ("OTEL_SDK_DISABLED", "TRUE")]).any());
        assert!(plan(&[ENDPOINT, ("OTEL_SDK_DISABLED", "false")]).traces);
    }

    #[test]
    fn signal_endpoints_and_exporter_lists() {
        let metrics_only = plan(&[(
            "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
            "http://m:4318/v1/metrics",
        )]);
        assert!(!metrics_only.traces && metrics_only.metrics);
        let traces_only = plan(&[(
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "http://t:4318/v1/traces",
        )]);
        assert!(traces_only.traces && !traces_only.metrics);
        // Unsupported exporters are reported and left out; otlp in the list still applies.
        let listed = plan(&[
            ENDPOINT,
            ("OTEL_TRACES_EXPORTER", "console,otlp"),
            ("OTEL_METRICS_EXPORTER", "prometheus"),
        ]);
        assert!(listed.traces && !listed.metrics);
        assert_eq!(
            listed.ignored,
            [
                "OTEL_TRACES_EXPORTER=console",
                "OTEL_METRICS_EXPORTER=prometheus"
            ]
        );
    }
}
