//! [`BackboneEventsActor`]: the Backbone's Server-Sent Events (backbone-api §5.12,
//! `GET /api/v1/sse` with the device's bearer token). `ConnectionOpened` and
//! `ExternalEventCreated` trigger a sync (as the real Connector's SseModule does on open and on
//! every `ExternalEventCreated`); other events are ignored. When the stream ends, fails, or stays
//! silent longer than [`EventsConfig::idle_timeout`] (the Backbone sends a keep-alive every
//! ~30 s), it reconnects with exponential backoff.

use std::time::Duration;

use actix::{
    Actor, ActorContext, ActorFutureExt, Addr, AsyncContext, Context, SpawnHandle, Supervised,
};
use connector_transport::Transport;
use tracing::Instrument;

use crate::NamedActor;
use crate::sync::{SyncActor, TriggerSync};

/// Longest line of the event stream (frames are a few bytes).
const MAX_LINE: usize = 64 * 1024;

/// How the listener connects.
#[derive(Debug, Clone)]
pub struct EventsConfig {
    /// The Backbone base URL (`transportLibrary.baseUrl`, or `modules.sse.baseUrlOverride`).
    pub base_url: String,
    /// Reconnect when nothing (not even a keep-alive) arrived for this long.
    pub idle_timeout: Duration,
    /// First reconnect delay; doubled after each failure up to `max_backoff`.
    pub min_backoff: Duration,
    /// Longest reconnect delay.
    pub max_backoff: Duration,
}

impl EventsConfig {
    /// Defaults for `base_url`: 90 s idle timeout, backoff 1 s … 60 s.
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            idle_timeout: Duration::from_secs(90),
            min_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
        }
    }

    fn url(&self) -> String {
        format!("{}/api/v1/sse", self.base_url.trim_end_matches('/'))
    }
}

/// Listens to the Backbone's SSE stream and asks the [`SyncActor`] to sync.
#[derive(Debug)]
pub struct BackboneEventsActor {
    transport: Transport,
    sync: Addr<SyncActor>,
    config: EventsConfig,
    runtime: tokio::runtime::Handle,
    listener: Option<(SpawnHandle, tokio::task::AbortHandle)>,
}

impl BackboneEventsActor {
    /// A listener for `transport`'s device that triggers `sync`; the stream is read on `runtime`.
    pub fn new(
        transport: Transport,
        sync: Addr<SyncActor>,
        config: EventsConfig,
        runtime: tokio::runtime::Handle,
    ) -> Self {
        Self {
            transport,
            sync,
            config,
            runtime,
            listener: None,
        }
    }
}

impl Actor for BackboneEventsActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        let span = tracing::info_span!("actor.message", actor = Self::NAME, message = "Listen");
        let task = self.runtime.spawn(
            listen(
                self.transport.clone(),
                self.sync.clone(),
                self.config.clone(),
            )
            .instrument(span),
        );
        let abort = task.abort_handle();
        let handle = ctx.spawn(
            actix::fut::wrap_future::<_, Self>(task).map(|joined, act, ctx| {
                act.listener = None;
                match joined {
                    Err(e) if e.is_panic() => tracing::error!(
                        actor = Self::NAME,
                        message = "Listen",
                        "actor message handler panicked; restarting the actor"
                    ),
                    _ => {
                        tracing::error!(actor = Self::NAME, "listener ended; restarting the actor")
                    }
                }
                ctx.stop();
            }),
        );
        self.listener = Some((handle, abort));
    }

    fn stopped(&mut self, _ctx: &mut Context<Self>) {
        if let Some((_, abort)) = self.listener.take() {
            abort.abort();
        }
    }
}

impl NamedActor for BackboneEventsActor {
    const NAME: &'static str = "BackboneEventsActor";
}

impl Supervised for BackboneEventsActor {
    fn restarting(&mut self, _ctx: &mut Context<Self>) {
        tracing::warn!(actor = Self::NAME, "actor restarted");
        if let Some((_, abort)) = self.listener.take() {
            abort.abort();
        }
    }
}

/// Connects, reads, reconnects; until the sync actor is gone.
async fn listen(transport: Transport, sync: Addr<SyncActor>, config: EventsConfig) {
    let url = config.url();
    let mut backoff = config.min_backoff;
    // Ends with the sync actor (the actor system stopped).
    while sync.connected() {
        match reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()
        {
            Ok(http) => {
                match read_stream(&http, &transport, &sync, &config, &url, &mut backoff).await {
                    Ok(()) => tracing::info!(url, "Backbone event stream ended; reconnecting"),
                    Err(error) => tracing::warn!(url, error, "Backbone event stream failed"),
                }
            }
            Err(error) => tracing::error!(error = %error, "no HTTP client for the event stream"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(config.max_backoff);
    }
}

/// One connection: reads `event:` lines until the stream ends.
async fn read_stream(
    http: &reqwest::Client,
    transport: &Transport,
    sync: &Addr<SyncActor>,
    config: &EventsConfig,
    url: &str,
    backoff: &mut Duration,
) -> Result<(), String> {
    let token = transport
        .backbone()
        .access_token()
        .await
        .map_err(|e| format!("no access token: {e}"))?;
    let mut response = http
        .get(url)
        .bearer_auth(token)
        .header(reqwest::header::ACCEPT, "text/event-stream")
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("the Backbone answered {}", response.status()));
    }
    let mut buffer: Vec<u8> = Vec::new();
    loop {
        let chunk = match tokio::time::timeout(config.idle_timeout, response.chunk()).await {
            Err(_) => return Err("no data or keep-alive within the idle timeout".into()),
            Ok(Err(e)) => return Err(e.to_string()),
            Ok(Ok(None)) => return Ok(()),
            Ok(Ok(Some(chunk))) => chunk,
        };
        buffer.extend_from_slice(&chunk);
        if buffer.len() > MAX_LINE && !buffer.contains(&b'\n') {
            return Err("a line of the event stream is too long".into());
        }
        while let Some(end) = buffer.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = buffer.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            let Some(name) = line.trim_end().strip_prefix("event:") else {
                continue;
            };
            let reason = match name.trim() {
                "ConnectionOpened" => {
                    *backoff = config.min_backoff;
                    tracing::info!(url, "Backbone event stream open");
                    "ConnectionOpened"
                }
                "ExternalEventCreated" => "ExternalEventCreated",
                other => {
                    tracing::debug!(event = other, "Backbone event ignored");
                    continue;
                }
            };
            if !sync.connected() {
                return Ok(());
            }
            sync.do_send(TriggerSync { reason });
        }
    }
}
