//! [`SyncActor`]: Backbone syncs on demand ([`SyncNow`], [`TriggerSync`]) and on a schedule.
//!
//! One run at a time: requests that arrive while a run is in flight coalesce into one follow-up
//! run (it starts after the current one, so it sees every event created before the request).
//! With an interval (`modules.sync.interval`), the next scheduled run starts `interval` after the
//! previous run finished, as the real Connector's `setTimeout` chaining does. A failed run is
//! logged and answered; it never stops the actor.
//!
//! A run nobody asked for over HTTP (at start, on schedule, after a Backbone event) has its own
//! correlation id (connector-operations §2.2): a fresh UUID on its root `actor.message` span
//! (`correlation_id`, with `trigger`) and in its log lines. A run for [`SyncNow`] is a child of
//! the caller's span and so shares the request's correlation id.

use std::time::Duration;

use actix::{
    Actor, ActorContext, ActorFutureExt, AsyncContext, Context, Handler, Message, ResponseFuture,
    SpawnHandle, Supervised,
};
use connector_transport::Transport;
use connector_transport::sync::SyncSummary;
use tokio::sync::oneshot;
use tracing::Instrument;

use crate::{ActorError, NamedActor};

/// When the actor syncs by itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct SyncSettings {
    /// Sync again this long after a run finished (`None`: only on demand).
    pub interval: Option<Duration>,
    /// Sync once right after the start.
    pub at_start: bool,
}

/// Sync now and answer with what the run applied.
#[derive(Debug, Clone)]
pub struct SyncNow {
    /// The caller's span: the run it starts is its child (one trace from the HTTP edge through
    /// the actor to the Backbone).
    pub parent: tracing::Span,
    /// The caller's correlation id: the events of the run carry it.
    pub correlation_id: Option<String>,
}

impl SyncNow {
    /// A request from the current span.
    pub fn new() -> Self {
        Self {
            parent: tracing::Span::current(),
            correlation_id: connector_transport::events::current_correlation_id(),
        }
    }
}

impl Default for SyncNow {
    fn default() -> Self {
        Self::new()
    }
}

impl Message for SyncNow {
    type Result = Result<SyncSummary, ActorError>;
}

/// Sync soon, nobody waits for the result (the SSE listener, the schedule).
#[derive(Debug, Clone, Copy)]
pub struct TriggerSync {
    /// Why (for the logs): `ConnectionOpened`, `ExternalEventCreated`, …
    pub reason: &'static str,
}

impl Message for TriggerSync {
    type Result = ();
}

type Waiter = oneshot::Sender<Result<SyncSummary, ActorError>>;

#[derive(Debug, Clone)]
enum Outcome {
    Done(SyncSummary),
    Failed(std::sync::Arc<connector_transport::TransportError>),
    Panicked,
    Cancelled,
}

impl Outcome {
    fn answer(&self) -> Result<SyncSummary, ActorError> {
        match self {
            Self::Done(summary) => Ok(summary.clone()),
            Self::Failed(error) => Err(ActorError::Sync(std::sync::Arc::clone(error))),
            Self::Panicked => Err(ActorError::Panicked {
                actor: SyncActor::NAME,
            }),
            Self::Cancelled => Err(ActorError::Unavailable {
                actor: SyncActor::NAME,
            }),
        }
    }
}

/// Runs `transport.sync_everything()` on demand and on schedule.
#[derive(Debug)]
pub struct SyncActor {
    transport: Transport,
    runtime: tokio::runtime::Handle,
    settings: SyncSettings,
    started_once: bool,
    running: bool,
    /// Waiting for the run in flight.
    waiters: Vec<Waiter>,
    /// Requested during the run in flight: one follow-up run (`Some` even without waiters).
    next: Option<Vec<Waiter>>,
    /// The span of the first caller waiting for the next run (the run's parent in traces).
    parent: Option<tracing::Span>,
    /// The correlation id of the first caller waiting for the next run (its events carry it).
    caller_correlation: Option<String>,
    /// Why the next run was asked for without a caller (`start`, `schedule`, an SSE event).
    trigger: Option<&'static str>,
    timer: Option<SpawnHandle>,
}

impl SyncActor {
    /// An actor syncing `transport`; runs execute on `runtime`.
    pub fn new(
        transport: Transport,
        runtime: tokio::runtime::Handle,
        settings: SyncSettings,
    ) -> Self {
        Self {
            transport,
            runtime,
            settings,
            started_once: false,
            running: false,
            waiters: Vec::new(),
            next: None,
            parent: None,
            caller_correlation: None,
            trigger: None,
            timer: None,
        }
    }

    fn request(&mut self, waiter: Option<Waiter>, ctx: &mut Context<Self>) {
        if self.running {
            self.next.get_or_insert_with(Vec::new).extend(waiter);
        } else {
            self.begin(waiter.into_iter().collect(), ctx);
        }
    }

    fn begin(&mut self, waiters: Vec<Waiter>, ctx: &mut Context<Self>) {
        self.running = true;
        self.waiters = waiters;
        if let Some(timer) = self.timer.take() {
            ctx.cancel_future(timer);
        }
        let transport = self.transport.clone();
        let parent = self.parent.take();
        let trigger = self.trigger.take();
        let (span, correlation) = run_span(parent, trigger);
        // The run's events carry the caller's correlation id, else the run's own.
        let events_correlation = self
            .caller_correlation
            .take()
            .or_else(|| correlation.clone());
        let task = self.runtime.spawn(
            connector_transport::events::with_correlation_id(events_correlation, async move {
                transport.sync_everything().await
            })
            .instrument(span),
        );
        ctx.spawn(
            actix::fut::wrap_future::<_, Self>(task).map(move |joined, act, ctx| {
                let outcome = match joined {
                    Ok(Ok(summary)) => {
                        tracing::debug!(
                            actor = Self::NAME,
                            correlation_id = correlation.as_deref(),
                            applied = summary.events_applied,
                            failed = summary.events_failed,
                            "sync finished"
                        );
                        Outcome::Done(summary)
                    }
                    Ok(Err(error)) => {
                        tracing::error!(
                            actor = Self::NAME,
                            correlation_id = correlation.as_deref(),
                            error = %error,
                            "sync failed"
                        );
                        Outcome::Failed(std::sync::Arc::new(error))
                    }
                    Err(e) if e.is_panic() => {
                        tracing::error!(
                            actor = Self::NAME,
                            message = "SyncRun",
                            "actor message handler panicked; restarting the actor"
                        );
                        Outcome::Panicked
                    }
                    Err(_) => Outcome::Cancelled,
                };
                act.finish(&outcome, ctx);
            }),
        );
    }

    fn finish(&mut self, outcome: &Outcome, ctx: &mut Context<Self>) {
        self.running = false;
        for waiter in self.waiters.drain(..) {
            // A caller that gave up (timeout) no longer listens.
            let _ = waiter.send(outcome.answer());
        }
        if matches!(outcome, Outcome::Panicked) {
            ctx.stop();
            return;
        }
        match self.next.take() {
            Some(next) => self.begin(next, ctx),
            None => self.schedule(ctx),
        }
    }

    fn schedule(&mut self, ctx: &mut Context<Self>) {
        if let Some(interval) = self.settings.interval {
            self.timer = Some(ctx.run_later(interval, |act, ctx| {
                act.timer = None;
                act.trigger.get_or_insert("schedule");
                act.request(None, ctx);
            }));
        }
    }
}

/// The `actor.message` span of a run: a child of the caller's span, or (without a caller) a new
/// trace with the run's own correlation id, which is returned for the run's log lines.
fn run_span(
    parent: Option<tracing::Span>,
    trigger: Option<&'static str>,
) -> (tracing::Span, Option<String>) {
    if let Some(parent) = parent.filter(|p| p.id().is_some()) {
        let span = tracing::info_span!(
            parent: parent.id(),
            "actor.message",
            actor = SyncActor::NAME,
            message = "SyncRun",
            trigger = "request"
        );
        return (span, None);
    }
    let correlation = uuid::Uuid::new_v4().to_string();
    let trigger = trigger.unwrap_or("schedule");
    let span = tracing::info_span!(
        parent: None,
        "actor.message",
        actor = SyncActor::NAME,
        message = "SyncRun",
        trigger,
        correlation_id = %correlation,
    );
    span.in_scope(|| {
        tracing::info!(
            actor = SyncActor::NAME,
            correlation_id = %correlation,
            trigger,
            "sync run started"
        );
    });
    (span, Some(correlation))
}

impl Actor for SyncActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        let first = !self.started_once;
        self.started_once = true;
        if let Some(next) = self.next.take() {
            self.begin(next, ctx);
        } else if first && self.settings.at_start {
            self.trigger = Some("start");
            self.begin(Vec::new(), ctx);
        } else {
            self.schedule(ctx);
        }
    }
}

impl NamedActor for SyncActor {
    const NAME: &'static str = "SyncActor";
}

impl Supervised for SyncActor {
    fn restarting(&mut self, _ctx: &mut Context<Self>) {
        tracing::warn!(actor = Self::NAME, "actor restarted");
        self.running = false;
        self.waiters.clear();
        self.timer = None;
    }
}

impl Handler<SyncNow> for SyncActor {
    type Result = ResponseFuture<Result<SyncSummary, ActorError>>;

    fn handle(&mut self, msg: SyncNow, ctx: &mut Context<Self>) -> Self::Result {
        self.parent.get_or_insert(msg.parent);
        if let Some(id) = msg.correlation_id {
            self.caller_correlation.get_or_insert(id);
        }
        let (tx, rx) = oneshot::channel();
        self.request(Some(tx), ctx);
        Box::pin(async move {
            rx.await.unwrap_or(Err(ActorError::Unavailable {
                actor: SyncActor::NAME,
            }))
        })
    }
}

impl Handler<TriggerSync> for SyncActor {
    type Result = ();

    fn handle(&mut self, msg: TriggerSync, ctx: &mut Context<Self>) {
        tracing::debug!(actor = Self::NAME, reason = msg.reason, "sync triggered");
        self.trigger.get_or_insert(msg.reason);
        self.request(None, ctx);
    }
}
