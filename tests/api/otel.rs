//! OpenTelemetry export (issue 9): a `connector start` process with the standard `OTEL_*`
//! variables pointing at a small OTLP/HTTP receiver in this test; one REST call yields one
//! connected trace (edge, store, Backbone client), the documented metrics arrive, and the
//! `observability/` dashboard and alert rules use only documented, emitted metric names;
//! `OTEL_{TRACES,METRICS}_EXPORTER=none` and `OTEL_SDK_DISABLED=true` switch export off.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::metrics::v1::Metric;
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message as _;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use crate::helpers::FULL_KEY;
use crate::processes::{KillOnDrop, connector_start, free_port};
use crate::rest_peer::start_backbone;

/// What the receiver got, by OTLP path.
#[derive(Default)]
struct Received {
    spans: Vec<Span>,
    metric_names: BTreeSet<String>,
    /// (metric name, `key=value`) for every attribute of every data point.
    metric_attributes: BTreeSet<(String, String)>,
}

/// The `key=value` attributes of the data points of `metric`.
fn data_point_attributes(metric: &Metric) -> Vec<String> {
    let attributes: Vec<&KeyValue> = match &metric.data {
        Some(Data::Sum(sum)) => sum.data_points.iter().flat_map(|p| &p.attributes).collect(),
        Some(Data::Gauge(gauge)) => gauge
            .data_points
            .iter()
            .flat_map(|p| &p.attributes)
            .collect(),
        Some(Data::Histogram(histogram)) => histogram
            .data_points
            .iter()
            .flat_map(|p| &p.attributes)
            .collect(),
        _ => Vec::new(),
    };
    attributes
        .into_iter()
        .filter_map(|kv| match kv.value.as_ref()?.value.as_ref()? {
            AnyValue::StringValue(v) => Some(format!("{}={v}", kv.key)),
            _ => None,
        })
        .collect()
}

/// A minimal OTLP/HTTP (protobuf) receiver: HTTP/1.1 with keep-alive, `POST /v1/traces` and
/// `POST /v1/metrics`, answered with an empty (valid) export response.
async fn start_receiver() -> (u16, Arc<Mutex<Received>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(Mutex::new(Received::default()));
    let shared = Arc::clone(&received);
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let shared = Arc::clone(&shared);
            tokio::spawn(async move {
                let mut reader = BufReader::new(stream);
                loop {
                    let mut request_line = String::new();
                    if reader.read_line(&mut request_line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let path = request_line
                        .split_whitespace()
                        .nth(1)
                        .unwrap_or_default()
                        .to_owned();
                    let mut length = 0usize;
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let line = line.trim_end();
                        if line.is_empty() {
                            break;
                        }
                        if let Some((name, value)) = line.split_once(':')
                            && name.eq_ignore_ascii_case("content-length")
                        {
                            length = value.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0u8; length];
                    if reader.read_exact(&mut body).await.is_err() {
                        return;
                    }
                    {
                        let mut received = shared.lock().unwrap();
                        match path.as_str() {
                            "/v1/traces" => {
                                let request =
                                    ExportTraceServiceRequest::decode(body.as_slice()).unwrap();
                                for resource in request.resource_spans {
                                    for scope in resource.scope_spans {
                                        received.spans.extend(scope.spans);
                                    }
                                }
                            }
                            "/v1/metrics" => {
                                let request =
                                    ExportMetricsServiceRequest::decode(body.as_slice()).unwrap();
                                for resource in request.resource_metrics {
                                    for scope in resource.scope_metrics {
                                        for metric in scope.metrics {
                                            for attribute in data_point_attributes(&metric) {
                                                received
                                                    .metric_attributes
                                                    .insert((metric.name.clone(), attribute));
                                            }
                                            received.metric_names.insert(metric.name);
                                        }
                                    }
                                }
                            }
                            other => panic!("unexpected OTLP path {other}"),
                        }
                    }
                    let response = "HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n";
                    if reader
                        .get_mut()
                        .write_all(response.as_bytes())
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    (port, received)
}

fn string_attribute(span: &Span, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
        .and_then(|v| match &v.value {
            Some(AnyValue::StringValue(s)) => Some(s.clone()),
            Some(AnyValue::IntValue(i)) => Some(i.to_string()),
            _ => None,
        })
}

/// The spans of the trace whose `http.request` span has this correlation id (empty if none).
fn trace_of(spans: &[Span], correlation: &str) -> Vec<Span> {
    let Some(http) = spans.iter().find(|s| {
        s.name == "http.request"
            && string_attribute(s, "correlation_id").as_deref() == Some(correlation)
    }) else {
        return Vec::new();
    };
    spans
        .iter()
        .filter(|s| s.trace_id == http.trace_id)
        .cloned()
        .collect()
}

/// The trace has one root, the `http.request` span, and every span reaches it through its
/// parents (one connected tree). Returns the root.
fn assert_connected(trace: &[Span]) -> &Span {
    let roots: Vec<&Span> = trace
        .iter()
        .filter(|s| s.parent_span_id.is_empty())
        .collect();
    assert_eq!(roots.len(), 1, "one root span per trace");
    let root = roots[0];
    assert_eq!(root.name, "http.request");
    let by_id: HashMap<&[u8], &Span> = trace.iter().map(|s| (s.span_id.as_slice(), s)).collect();
    for span in trace {
        let mut current = span;
        let mut hops = 0;
        while !current.parent_span_id.is_empty() {
            current = by_id
                .get(current.parent_span_id.as_slice())
                .unwrap_or_else(|| panic!("{} has a parent outside the trace", span.name));
            hops += 1;
            assert!(hops < 100);
        }
        assert_eq!(current.span_id, root.span_id);
    }
    root
}

fn repo_file(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The metrics table of `observability/METRICS.md`: (OTLP name, Prometheus name, type).
fn documented_metrics() -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(repo_file("observability/METRICS.md")).unwrap();
    text.lines()
        .filter(|line| line.starts_with("| `connector_"))
        .map(|line| {
            let cells: Vec<&str> = line
                .split('|')
                .map(|c| c.trim().trim_matches('`'))
                .collect();
            (
                cells[1].to_owned(),
                cells[2].to_owned(),
                cells[3].to_owned(),
            )
        })
        .collect()
}

async fn wait_until_up(port: u16) {
    let api = crate::rest_peer::Connector::remote(&format!("http://127.0.0.1:{port}"));
    crate::processes::wait_until_serving(&api, Duration::from_secs(90)).await;
}

/// A `connector start` exporting to the receiver at `otlp_port`, with `extra` variables on top.
fn start_connector_with(
    dir: &Path,
    backbone_url: &str,
    port: u16,
    otlp_port: u16,
    extra: &[(&str, &str)],
) -> KillOnDrop {
    let log = std::fs::File::create(dir.join("connector.log")).unwrap();
    let mut command = connector_start(dir, backbone_url, port);
    command
        .env_remove("OTEL_SDK_DISABLED")
        .env_remove("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        .env_remove("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")
        .env_remove("OTEL_TRACES_EXPORTER")
        .env_remove("OTEL_METRICS_EXPORTER")
        .env(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            format!("http://127.0.0.1:{otlp_port}"),
        )
        .env("OTEL_SERVICE_NAME", "connector-otel-test")
        .env("OTEL_METRIC_EXPORT_INTERVAL", "300")
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
        .env("RUST_LOG", "info")
        .envs(extra.iter().copied())
        .stdout(Stdio::from(log))
        .stderr(Stdio::null());
    KillOnDrop(command.spawn().unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rest_call_yields_one_connected_trace_and_the_documented_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let backbone = start_backbone().await;
    let (otlp_port, received) = start_receiver().await;
    let port = free_port();
    // Redis leases (their changes are counted), under a key prefix of this test's own.
    let db_name = format!("otel-{}", uuid::Uuid::new_v4().simple());
    let _connector = start_connector_with(
        dir.path(),
        &backbone.base_url(),
        port,
        otlp_port,
        &[
            ("infrastructure__redis__url", "redis://127.0.0.1:6379"),
            ("database__dbName", &db_name),
        ],
    );
    let client = reqwest::Client::new();
    wait_until_up(port).await;

    let expires = time::OffsetDateTime::now_utc() + time::Duration::days(1);
    let expires = expires
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let response = client
        .post(format!("http://127.0.0.1:{port}/api/core/v1/Tokens/Own"))
        .header("X-API-KEY", FULL_KEY)
        .header("X-Correlation-ID", "otel-test-correlation")
        .json(&json!({"content": {"value": {"x": 1}}, "expiresAt": expires, "ephemeral": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    let sync = client
        .post(format!("http://127.0.0.1:{port}/api/core/v1/Account/Sync"))
        .header("X-API-KEY", FULL_KEY)
        .header("X-Correlation-ID", "otel-test-sync")
        .send()
        .await
        .unwrap();
    assert!(sync.status().is_success(), "sync: {}", sync.status());

    let wanted_metrics = [
        "connector_http_requests",
        "connector_http_request_duration_seconds",
        "connector_sync_runs",
        "connector_sync_events_applied",
        "connector_sync_lag_seconds",
        "connector_actor_mailbox_depth",
    ];
    let documented: BTreeSet<String> = documented_metrics().into_iter().map(|m| m.0).collect();
    for name in wanted_metrics {
        assert!(documented.contains(name), "{name} is not in METRICS.md");
    }

    // Wait for the HTTP spans of both calls with their actor, Backbone and store descendants.
    let has = |trace: &[Span], prefix: &str| trace.iter().any(|s| s.name.starts_with(prefix));
    let (token_trace, sync_trace, metric_names) = test_support::eventually(
        "complete traces and metrics",
        Duration::from_secs(30),
        async || {
            let (spans, metric_names) = {
                let received = received.lock().unwrap();
                (received.spans.clone(), received.metric_names.clone())
            };
            let token_trace = trace_of(&spans, "otel-test-correlation");
            let sync_trace = trace_of(&spans, "otel-test-sync");
            if has(&token_trace, "backbone.request")
                && has(&token_trace, "store.")
                && has(&sync_trace, "actor.message")
                && has(&sync_trace, "backbone.request")
                && has(&sync_trace, "store.")
                && wanted_metrics.iter().all(|m| metric_names.contains(*m))
            {
                Ok((token_trace, sync_trace, metric_names))
            } else {
                Err(format!(
                    "spans: {:?}; metrics: {metric_names:?}",
                    spans.iter().map(|s| &s.name).collect::<Vec<_>>()
                ))
            }
        },
    )
    .await;

    eprintln!(
        "metrics received: {metric_names:?}; sync trace: {:?}",
        sync_trace.iter().map(|s| &s.name).collect::<Vec<_>>()
    );
    let root = assert_connected(&token_trace);
    assert_eq!(
        string_attribute(root, "http.route").as_deref(),
        Some("/api/core/v1/Tokens/Own")
    );
    assert_eq!(
        string_attribute(root, "http.response.status_code").as_deref(),
        Some("201")
    );
    let sync_root = assert_connected(&sync_trace);
    assert_eq!(
        string_attribute(sync_root, "http.route").as_deref(),
        Some("/api/core/v1/Account/Sync")
    );
    let trace_id = root.trace_id.clone();
    let trace = &token_trace;
    let backbone_span = trace.iter().find(|s| s.name == "backbone.request").unwrap();
    assert!(string_attribute(backbone_span, "path").is_some());
    let store_span = trace.iter().find(|s| s.name.starts_with("store.")).unwrap();
    assert!(string_attribute(store_span, "db.collection.name").is_some());
    for name in wanted_metrics {
        assert!(metric_names.contains(name), "{name} did not arrive");
    }

    // The JSON log lines of the request carry its trace id.
    let trace_hex: String = trace_id.iter().map(|b| format!("{b:02x}")).collect();
    let logs = std::fs::read_to_string(dir.path().join("connector.log")).unwrap();
    let logged = logs
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .any(|line| line["trace_id"] == trace_hex.as_str() && line["span_id"].is_string());
    assert!(logged, "no log line with trace_id {trace_hex}");

    // The sync above held the Redis `sync` lease: acquired and released.
    let lease_changes = |received: &Received| {
        ["lease=sync", "change=acquired", "change=released"]
            .iter()
            .all(|a| {
                received
                    .metric_attributes
                    .contains(&("connector_lease_changes".to_owned(), (*a).to_owned()))
            })
    };
    // A Backbone that is gone: the next call fails on the network and is counted.
    backbone.stop().await;
    let failed = client
        .post(format!("http://127.0.0.1:{port}/api/core/v1/Account/Sync"))
        .header("X-API-KEY", FULL_KEY)
        .send()
        .await
        .unwrap();
    assert!(
        failed.status().is_server_error(),
        "sync without a Backbone: {}",
        failed.status()
    );
    let backbone_error = (
        "connector_backbone_errors".to_owned(),
        "kind=network".to_owned(),
    );
    test_support::eventually(
        "lease changes and Backbone errors",
        Duration::from_secs(30),
        async || {
            let received = received.lock().unwrap();
            if lease_changes(&received) && received.metric_attributes.contains(&backbone_error) {
                Ok(())
            } else {
                Err(format!(
                    "{:?}",
                    received
                        .metric_attributes
                        .iter()
                        .filter(|(name, _)| name.contains("lease") || name.contains("backbone"))
                        .collect::<Vec<_>>()
                ))
            }
        },
    )
    .await;
    for name in ["connector_lease_changes", "connector_backbone_errors"] {
        assert!(documented.contains(name), "{name} is not in METRICS.md");
    }
}

/// Variables added to a connector's environment.
type ExtraEnv<'a> = &'a [(&'a str, &'a str)];

/// The root `SyncRun` spans whose trace also holds a Backbone call: (trigger, correlation id,
/// trace id).
fn sync_runs(spans: &[Span]) -> Vec<(String, String, Vec<u8>)> {
    spans
        .iter()
        .filter(|s| {
            s.name == "actor.message"
                && s.parent_span_id.is_empty()
                && string_attribute(s, "message").as_deref() == Some("SyncRun")
        })
        .filter(|run| {
            spans
                .iter()
                .any(|s| s.trace_id == run.trace_id && s.name.starts_with("backbone.request"))
        })
        .filter_map(|s| {
            Some((
                string_attribute(s, "trigger")?,
                string_attribute(s, "correlation_id")?,
                s.trace_id.clone(),
            ))
        })
        .collect()
}

/// Syncs nobody asked for over HTTP — at start, on the schedule (`modules.sync`) and after the
/// Backbone's SSE stream opened (`modules.sse`; it switches the schedule off, hence two
/// connectors) — each run with their own correlation id (connector-operations §2.2): a UUID on
/// the run's root `actor.message` span, different per run, with the run's store and Backbone
/// spans in its trace, and in the run's log lines.
#[tokio::test(flavor = "multi_thread")]
async fn scheduled_and_sse_triggered_syncs_have_their_own_correlation_id() {
    let backbone = start_backbone().await;
    let cases: [(&[&str], ExtraEnv); 2] = [
        (
            &["start", "schedule"],
            &[
                ("modules__sync__enabled", "true"),
                ("modules__sync__interval", "1"),
            ],
        ),
        (&["ConnectionOpened"], &[("modules__sse__enabled", "true")]),
    ];
    let mut running = Vec::new();
    for (triggers, extra) in cases {
        let dir = tempfile::tempdir().unwrap();
        let (otlp_port, received) = start_receiver().await;
        let port = free_port();
        let connector =
            start_connector_with(dir.path(), &backbone.base_url(), port, otlp_port, extra);
        running.push((triggers, dir, received, connector));
    }
    for (triggers, dir, received, _) in &running {
        let what = format!("sync runs triggered by {triggers:?}");
        let (runs, spans) = test_support::eventually(&what, Duration::from_secs(60), async || {
            let spans = received.lock().unwrap().spans.clone();
            let runs = sync_runs(&spans);
            if triggers.iter().all(|t| runs.iter().any(|r| r.0 == *t)) {
                Ok((runs, spans))
            } else {
                Err(format!(
                    "runs so far (trigger, correlation id): {:?}",
                    runs.iter().map(|r| (&r.0, &r.1)).collect::<Vec<_>>()
                ))
            }
        })
        .await;
        let ids: BTreeSet<&str> = runs.iter().map(|r| r.1.as_str()).collect();
        assert_eq!(
            ids.len(),
            runs.len(),
            "one correlation id per run: {runs:?}"
        );
        for (trigger, id, trace_id) in &runs {
            assert!(uuid::Uuid::parse_str(id).is_ok(), "{trigger}: {id}");
            assert!(
                spans
                    .iter()
                    .any(|s| &s.trace_id == trace_id && s.name.starts_with("store.")),
                "{trigger}: no store span in the run's trace"
            );
        }
        let logs = std::fs::read_to_string(dir.path().join("connector.log")).unwrap();
        let logged: BTreeSet<String> = logs
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter_map(|line| line["fields"]["correlation_id"].as_str().map(str::to_owned))
            .collect();
        for (trigger, id, _) in &runs {
            assert!(logged.contains(id), "{trigger}: no log line with {id}");
        }
    }
}

/// `OTEL_TRACES_EXPORTER=none` leaves spans out but keeps metrics, `OTEL_METRICS_EXPORTER=none`
/// the other way round, and `OTEL_SDK_DISABLED=true` sends nothing (the OpenTelemetry
/// specification's meaning of these variables), each with the general endpoint set.
#[tokio::test(flavor = "multi_thread")]
async fn exporters_set_to_none_and_a_disabled_sdk_send_nothing_of_that_signal() {
    let backbone = start_backbone().await;
    let cases: [(&str, ExtraEnv); 3] = [
        ("traces-none", &[("OTEL_TRACES_EXPORTER", "none")]),
        ("metrics-none", &[("OTEL_METRICS_EXPORTER", "none")]),
        ("disabled", &[("OTEL_SDK_DISABLED", "true")]),
    ];
    let mut running = Vec::new();
    for (name, extra) in cases {
        let dir = tempfile::tempdir().unwrap();
        let (otlp_port, received) = start_receiver().await;
        let port = free_port();
        let connector =
            start_connector_with(dir.path(), &backbone.base_url(), port, otlp_port, extra);
        running.push((name, dir, port, received, connector));
    }
    let client = reqwest::Client::new();
    for (_, _, port, _, _) in &running {
        wait_until_up(*port).await;
        let response = client
            .get(format!("http://127.0.0.1:{port}/api/core/v1/Tokens/Own"))
            .header("X-API-KEY", FULL_KEY)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    // The exported signal arrives within a few export intervals; the other one never does.
    let arrived = |received: &Arc<Mutex<Received>>| {
        let received = received.lock().unwrap();
        (
            received.spans.iter().any(|s| s.name == "http.request"),
            received.metric_names.contains("connector_http_requests"),
        )
    };
    test_support::eventually(
        "the exported signals",
        Duration::from_secs(30),
        async || {
            let traces_none = arrived(&running[0].3);
            let metrics_none = arrived(&running[1].3);
            if traces_none.1 && metrics_none.0 {
                Ok(())
            } else {
                Err(format!(
                    "traces-none (spans, metrics): {traces_none:?}; metrics-none: {metrics_none:?}"
                ))
            }
        },
    )
    .await;
    // Time under test: nothing is exported over several metric intervals (300 ms) and span
    // batches (100 ms); an absence can only be seen over a window.
    tokio::time::sleep(Duration::from_secs(2)).await;
    for (name, _, _, received, _) in &running {
        let received = received.lock().unwrap();
        let (spans, metrics) = (received.spans.len(), received.metric_names.len());
        match *name {
            "traces-none" => assert_eq!(spans, 0, "{name}: spans were exported"),
            "metrics-none" => assert_eq!(metrics, 0, "{name}: metrics were exported"),
            _ => assert_eq!((spans, metrics), (0, 0), "{name}: something was exported"),
        }
    }
}

/// The `connector_[a-z0-9_]+` words of `text`.
fn metric_names_in(text: &str) -> BTreeSet<&str> {
    let mut names = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find("connector_") {
        let tail = &rest[start..];
        let end = tail
            .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(tail.len());
        names.insert(&tail[..end]);
        rest = &tail[end..];
    }
    names
}

/// Every `connector_*` name in the dashboard and the alert rules is a documented Prometheus
/// name (or a histogram's `_bucket`/`_sum`/`_count` series), and every documented metric is
/// emitted by the source.
#[test]
fn dashboard_and_rules_reference_only_documented_emitted_metrics() {
    let documented = documented_metrics();
    assert!(!documented.is_empty());
    let sources = [
        "src/http/telemetry.rs",
        "src/instrumented.rs",
        "crates/backbone-client/src/http.rs",
        "crates/transport/src/sync.rs",
        "crates/transport/src/outbox/metrics.rs",
        "actors/src/lib.rs",
    ]
    .map(|p| std::fs::read_to_string(repo_file(p)).unwrap())
    .join("\n");
    for (otlp, _, _) in &documented {
        assert!(
            sources.contains(&format!("\"{otlp}\""))
                || sources.contains(&format!("monotonic_counter.{otlp} "))
                || sources.contains(&format!("gauge.{otlp} "))
                || sources.contains(&format!("counter.{otlp} ")),
            "{otlp} is documented but not emitted"
        );
    }
    let mut allowed: BTreeSet<String> = BTreeSet::new();
    for (_, prometheus, kind) in &documented {
        if kind == "histogram" {
            for suffix in ["_bucket", "_sum", "_count"] {
                allowed.insert(format!("{prometheus}{suffix}"));
            }
        } else {
            allowed.insert(prometheus.clone());
        }
    }
    for file in [
        "observability/grafana-dashboard.json",
        "observability/prometheus-rules.yaml",
    ] {
        let text = std::fs::read_to_string(repo_file(file)).unwrap();
        if file.ends_with(".json") {
            serde_json::from_str::<Value>(&text).unwrap();
        }
        let used = metric_names_in(&text);
        assert!(!used.is_empty(), "{file} references no metrics");
        for metric in used {
            assert!(
                allowed.contains(metric),
                "{file} references {metric}, which is not a documented emitted metric"
            );
        }
    }
}
