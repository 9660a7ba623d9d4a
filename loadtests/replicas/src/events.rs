//! `--events`: durable event delivery to one webhook. For k = 1 and k = `--max-replicas`, a fresh
//! identity served by k replicas (one MongoDB database, Redis leases) has one webhook for
//! `transport.messageReceived` pointing at a receiver in this process. The Connector on its
//! embedded store (the `receiver` of the send benchmark, here the peer) sends N messages to it
//! while every replica keeps syncing. Prints events delivered per second and the delivery latency
//! p50/p99, from the peer's `POST /Messages` to the webhook's arrival here.
//!
//! Fails when a Connector fails or when the receiver does not get every message's event exactly
//! once by `webhook-id`; never on timing.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use anyhow::{Context, Result, bail};
use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::{Api, Setup, Storage, free_port, start_replicas, text};

/// One webhook POST as it arrived.
struct Hit {
    path: String,
    webhook_id: Option<String>,
    body: Value,
    at: Instant,
}

#[derive(Default)]
struct Hits {
    list: Mutex<Vec<Hit>>,
    arrived: tokio::sync::Notify,
}

async fn hook(request: HttpRequest, body: web::Bytes, hits: web::Data<Arc<Hits>>) -> HttpResponse {
    let at = Instant::now();
    let hit = Hit {
        path: request.path().to_owned(),
        webhook_id: request
            .headers()
            .get("webhook-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        at,
    };
    hits.list
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(hit);
    hits.arrived.notify_one();
    HttpResponse::Ok().finish()
}

/// The webhook receiver: records every request, answers 200.
fn start_receiver() -> Result<(Arc<Hits>, String)> {
    let hits = Arc::new(Hits::default());
    let data = web::Data::new(Arc::clone(&hits));
    let port = free_port()?;
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .default_service(web::to(hook))
    })
    .workers(2)
    .bind(("127.0.0.1", port))?
    .run();
    tokio::spawn(server);
    Ok((hits, format!("http://127.0.0.1:{port}")))
}

pub async fn run(
    setup: &Setup<'_>,
    messages: usize,
    concurrency: usize,
    max_replicas: usize,
) -> Result<()> {
    let (hits, base) = start_receiver()?;
    println!(
        "connector {}; events: {messages} messages per configuration, {concurrency} sends in flight",
        setup.exe.display()
    );
    let mut counts = vec![1];
    if max_replicas > 1 {
        counts.push(max_replicas);
    }
    for k in counts {
        let path = format!("/events/k{k}");
        let measured = measure(setup, k, messages, concurrency, &hits, &base, &path)
            .await
            .with_context(|| format!("{k} replica(s)"))?;
        println!(
            "{k} replica(s): {messages} events in {:.2} s = {:.1} events/s; latency p50 {:.0} ms, p99 {:.0} ms (sends took {:.2} s)",
            measured.wall.as_secs_f64(),
            messages as f64 / measured.wall.as_secs_f64(),
            measured.p50.as_secs_f64() * 1000.0,
            measured.p99.as_secs_f64() * 1000.0,
            measured.sends.as_secs_f64(),
        );
    }
    Ok(())
}

struct Measured {
    /// From the first send to the last event's arrival.
    wall: Duration,
    sends: Duration,
    p50: Duration,
    p99: Duration,
}

async fn measure(
    setup: &Setup<'_>,
    k: usize,
    messages: usize,
    concurrency: usize,
    hits: &Hits,
    base: &str,
    path: &str,
) -> Result<Measured> {
    let db = format!("events{}r{k}", std::process::id());
    let storage = Storage::Mongo {
        uri: setup.mongo,
        db: &db,
        redis: setup.redis,
    };
    let webhooks = json!([{"triggers": ["transport.messageReceived"],
                           "target": {"url": format!("{base}{path}")}}]);
    let env = vec![
        ("modules__webhooks__enabled".to_owned(), "true".to_owned()),
        (
            "modules__webhooks__webhooks".to_owned(),
            webhooks.to_string(),
        ),
        // Other replicas' events are seen within 100 ms instead of 500 ms.
        (
            "infrastructure__events__pollIntervalMs".to_owned(),
            "100".to_owned(),
        ),
    ];
    let (_procs, replicas, address) =
        start_replicas(setup, &format!("events-k{k}"), k, &storage, &env).await?;
    let peer = setup.receiver;
    let peer_address = text(&peer.get("/Account/IdentityInfo").await?, "/address")?.to_owned();

    // Every replica syncs all the time, as replicas behind a load balancer would be asked to.
    let stop = Arc::new(AtomicBool::new(false));
    let syncing: Vec<_> = replicas
        .iter()
        .map(|api| keep_syncing(api.clone(), Arc::clone(&stop)))
        .collect();

    let started = Instant::now();
    let sent: Vec<Result<(usize, Instant)>> = futures_util::stream::iter(0..messages)
        .map(|i| {
            let body = json!({
                "recipients": [address],
                "content": {"@type": "ArbitraryMessageContent", "value": {"i": i}},
            });
            async move {
                let at = Instant::now();
                peer.post("/Messages", Some(body)).await?;
                Ok((i, at))
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let sends = started.elapsed();
    let sent_at: BTreeMap<usize, Instant> = sent.into_iter().collect::<Result<_>>()?;

    // Wait until every message's event arrived (distinct webhook ids).
    let deadline = started + Duration::from_secs(300);
    loop {
        let distinct = {
            let list = hits.list.lock().unwrap_or_else(|e| e.into_inner());
            list.iter()
                .filter(|h| h.path == path)
                .filter_map(|h| h.webhook_id.as_deref())
                .collect::<BTreeSet<_>>()
                .len()
        };
        if distinct >= messages {
            break;
        }
        let now = Instant::now();
        if now > deadline {
            bail!("the webhook received {distinct} of {messages} events");
        }
        let _ = tokio::time::timeout(deadline - now, hits.arrived.notified()).await;
    }
    stop.store(true, Ordering::Relaxed);
    for task in syncing {
        task.await??;
    }

    // Exactly once by webhook id, one event per message, every message.
    let list = hits.list.lock().unwrap_or_else(|e| e.into_inner());
    let mine: Vec<&Hit> = list.iter().filter(|h| h.path == path).collect();
    let mut latencies = Vec::new();
    let mut ids = BTreeSet::new();
    let mut seen = BTreeSet::new();
    let mut last = started;
    for hit in &mine {
        let Some(id) = hit.webhook_id.as_deref() else {
            bail!("a webhook without webhook-id: {}", hit.body);
        };
        if !ids.insert(id) {
            bail!("webhook-id {id} arrived twice");
        }
        if hit.body["trigger"] != "transport.messageReceived" {
            bail!("unexpected trigger: {}", hit.body["trigger"]);
        }
        let i = hit.body["data"]["content"]["value"]["i"]
            .as_u64()
            .map(|i| i as usize);
        let Some(at) = i.and_then(|i| sent_at.get(&i)) else {
            bail!("an event for a message not sent: {}", hit.body["data"]);
        };
        if !seen.insert(i) {
            bail!("two events for message {i:?}");
        }
        let sender = text(&hit.body, "/data/createdBy")?;
        if sender != peer_address {
            bail!("an event for a message from {sender}");
        }
        latencies.push(hit.at.duration_since(*at));
        last = last.max(hit.at);
    }
    if mine.len() != messages {
        bail!("{} webhooks for {messages} messages", mine.len());
    }
    drop(list);
    latencies.sort();
    let quantile = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
    Ok(Measured {
        wall: last.duration_since(started),
        sends,
        p50: quantile(0.5),
        p99: quantile(0.99),
    })
}

/// Syncs `api` until `stop`; fails on the first failed sync.
fn keep_syncing(api: Api, stop: Arc<AtomicBool>) -> tokio::task::JoinHandle<Result<()>> {
    tokio::spawn(async move {
        while !stop.load(Ordering::Relaxed) {
            api.post("/Account/Sync", None).await?;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    })
}
