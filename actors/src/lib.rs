//! The Connector's actix actors under supervision.
//!
//! The actors live on one actix system in its own thread ([`ActorSystem`]); the transport work of
//! a message runs as a task on the caller's tokio runtime (so crypto and I/O never block the actor
//! thread, and an in-flight send survives a restart of its actor). Every actor is started under
//! [`actix::Supervisor`]: when the work of a message panics, the caller gets
//! [`ActorError::Panicked`], the panic is logged at error level with the actor's name, and the
//! actor is restarted for the next message. Callers use [`call`], which always has a timeout, so
//! no request waits for an actor that is gone.
//!
//! - [`sync::SyncActor`]: Backbone sync on demand ([`sync::SyncNow`], coalesced) and on a schedule
//!   (`modules.sync`);
//! - [`events::BackboneEventsActor`]: the Backbone's SSE stream (`modules.sse`), triggering syncs;
//! - [`areas::MessagingActor`], [`areas::FileActor`], [`areas::IdentityActor`]: the calls of their
//!   area.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod areas;
pub mod events;
pub mod sync;

use std::future::Future;
use std::time::Duration;

use actix::dev::ToEnvelope;
use actix::{
    Actor, ActorFutureExt, Addr, ArbiterHandle, Context, Handler, Message, ResponseActFuture,
    Supervised, Supervisor,
};
use connector_transport::{Transport, TransportError};
use tracing::Instrument;

/// Why an actor call failed.
#[derive(Debug)]
pub enum ActorError {
    /// The transport layer failed (passed through unchanged).
    Transport(TransportError),
    /// The work of the message panicked; the actor is being restarted.
    Panicked {
        /// Actor name.
        actor: &'static str,
    },
    /// The actor is gone (mailbox closed) or its work was cancelled.
    Unavailable {
        /// Actor name.
        actor: &'static str,
    },
    /// No answer within the caller's timeout.
    Timeout {
        /// Actor name.
        actor: &'static str,
        /// The timeout.
        after: Duration,
    },
    /// A sync run failed (the transport error, shared by the coalesced callers of the run).
    Sync(std::sync::Arc<TransportError>),
}

impl std::fmt::Display for ActorError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Transport(e) => e.fmt(f),
            Self::Panicked { actor } => write!(f, "the {actor} failed and is being restarted"),
            Self::Unavailable { actor } => write!(f, "the {actor} is not available"),
            Self::Timeout { actor, after } => {
                write!(
                    f,
                    "the {actor} did not answer within {} ms",
                    after.as_millis()
                )
            }
            Self::Sync(error) => write!(f, "sync failed: {error}"),
        }
    }
}

impl std::error::Error for ActorError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Transport(e) => Some(e),
            Self::Sync(e) => Some(e.as_ref()),
            _ => None,
        }
    }
}

/// An actor with a name for logs and errors.
pub trait NamedActor: Actor<Context = Context<Self>> {
    /// The actor's name (`SyncActor`, …).
    const NAME: &'static str;
}

/// Sends `message` to `addr` and waits at most `timeout` for the answer.
pub async fn call<A, M, T>(addr: &Addr<A>, message: M, timeout: Duration) -> Result<T, ActorError>
where
    A: NamedActor + Handler<M>,
    A::Context: ToEnvelope<A, M>,
    M: Message<Result = Result<T, ActorError>> + Send + 'static,
    T: Send + 'static,
{
    let _pending = PendingCall::new(A::NAME);
    match addr.send(message).timeout(timeout).await {
        Ok(answer) => answer,
        Err(actix::MailboxError::Timeout) => Err(ActorError::Timeout {
            actor: A::NAME,
            after: timeout,
        }),
        Err(actix::MailboxError::Closed) => Err(ActorError::Unavailable { actor: A::NAME }),
    }
}

/// A call sent to an actor and not answered yet: counted in `connector_actor_mailbox_depth`
/// (observability/METRICS.md, through the connector's metrics layer) until dropped.
struct PendingCall(&'static str);

impl PendingCall {
    fn new(actor: &'static str) -> Self {
        tracing::debug!(
            counter.connector_actor_mailbox_depth = 1_i64,
            actor,
            "actor call"
        );
        Self(actor)
    }
}

impl Drop for PendingCall {
    fn drop(&mut self) {
        tracing::debug!(
            counter.connector_actor_mailbox_depth = -1_i64,
            actor = self.0,
            "actor call done"
        );
    }
}

/// Runs the work of one message as a task on `runtime` in an `actor.message` span (a child of
/// `parent`, the caller's span, so a request's trace continues into the actor), and answers
/// with its result. A panic in the work is logged at error level, answered with
/// [`ActorError::Panicked`], and stops the actor, which its supervisor then restarts.
pub fn run_work<A, T, F>(
    runtime: &tokio::runtime::Handle,
    message: &'static str,
    parent: &tracing::Span,
    work: F,
) -> ResponseActFuture<A, Result<T, ActorError>>
where
    A: NamedActor,
    T: Send + 'static,
    F: Future<Output = Result<T, TransportError>> + Send + 'static,
{
    let actor = A::NAME;
    let span = tracing::info_span!(parent: parent, "actor.message", actor, message);
    let task = runtime.spawn(work.instrument(span));
    Box::pin(actix::fut::wrap_future::<_, A>(task).map(
        move |joined, _act, ctx: &mut Context<A>| match joined {
            Ok(result) => result.map_err(ActorError::Transport),
            Err(e) if e.is_panic() => {
                tracing::error!(
                    actor,
                    message,
                    "actor message handler panicked; restarting the actor"
                );
                actix::ActorContext::stop(ctx);
                Err(ActorError::Panicked { actor })
            }
            Err(_) => Err(ActorError::Unavailable { actor }),
        },
    ))
}

/// An actix system on its own thread; actors started on it run there.
#[derive(Clone)]
pub struct ActorSystem {
    system: actix::System,
    arbiter: ArbiterHandle,
    runtime: tokio::runtime::Handle,
}

impl std::fmt::Debug for ActorSystem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActorSystem")
            .field("system", &self.system.id())
            .finish_non_exhaustive()
    }
}

impl ActorSystem {
    /// Starts the actor thread. Must be called within a tokio runtime: the work of messages runs
    /// on it.
    pub fn start() -> std::io::Result<Self> {
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|e| std::io::Error::other(format!("no tokio runtime: {e}")))?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("connector-actors".into())
            .spawn(move || {
                let runner = actix::System::new();
                runner.block_on(async {
                    // The receiver waits for exactly this message.
                    let _ = tx.send((actix::System::current(), actix::Arbiter::current()));
                });
                if let Err(e) = runner.run() {
                    tracing::error!(error = %e, "the actor system stopped with an error");
                }
            })?;
        let (system, arbiter) = rx
            .recv()
            .map_err(|_| std::io::Error::other("the actor system did not start"))?;
        Ok(Self {
            system,
            arbiter,
            runtime,
        })
    }

    /// The runtime the work of messages runs on.
    pub fn runtime(&self) -> &tokio::runtime::Handle {
        &self.runtime
    }

    /// Starts an actor under a supervisor on the actor thread.
    pub fn supervise<A, F>(&self, make: F) -> Addr<A>
    where
        A: NamedActor + Supervised,
        F: FnOnce(&mut Context<A>) -> A + Send + 'static,
    {
        Supervisor::start_in_arbiter(&self.arbiter, make)
    }

    /// Stops the actor thread (all actors stop; callers get [`ActorError::Unavailable`]).
    pub fn stop(&self) {
        self.system.stop();
    }
}

/// Addresses of the Connector's actors.
#[derive(Clone, Debug)]
pub struct Actors {
    /// The actor system they run on.
    pub system: ActorSystem,
    /// Sync on demand and on schedule.
    pub sync: Addr<sync::SyncActor>,
    /// The Backbone's SSE stream, when `modules.sse` is enabled.
    pub events: Option<Addr<events::BackboneEventsActor>>,
    /// Sending messages.
    pub messaging: Addr<areas::MessagingActor>,
    /// Uploading files.
    pub files: Addr<areas::FileActor>,
    /// Identity information and signatures.
    pub identity: Addr<areas::IdentityActor>,
}

/// What the actors are configured with.
#[derive(Debug, Clone, Default)]
pub struct ActorsConfig {
    /// `modules.sync`: sync every `interval` after the previous run finished (`None`: off).
    pub sync_interval: Option<Duration>,
    /// `modules.sse`: listen to the Backbone's SSE stream (`None`: off).
    pub events: Option<events::EventsConfig>,
}

impl Actors {
    /// Starts all actors for `transport` on a new [`ActorSystem`].
    pub fn start(transport: Transport, config: ActorsConfig) -> std::io::Result<Self> {
        let system = ActorSystem::start()?;
        let runtime = system.runtime().clone();
        let sync = {
            let (transport, runtime) = (transport.clone(), runtime.clone());
            let settings = sync::SyncSettings {
                interval: config.sync_interval,
                at_start: config.sync_interval.is_some() || config.events.is_some(),
            };
            system.supervise(move |_| sync::SyncActor::new(transport, runtime, settings))
        };
        let events = config.events.map(|events_config| {
            let (transport, sync, runtime) = (transport.clone(), sync.clone(), runtime.clone());
            system.supervise(move |_| {
                events::BackboneEventsActor::new(transport, sync, events_config, runtime)
            })
        });
        let messaging = {
            let (transport, runtime) = (transport.clone(), runtime.clone());
            system.supervise(move |_| areas::MessagingActor::new(transport, runtime))
        };
        let files = {
            let (transport, runtime) = (transport.clone(), runtime.clone());
            system.supervise(move |_| areas::FileActor::new(transport, runtime))
        };
        let identity = system.supervise(move |_| areas::IdentityActor::new(transport, runtime));
        Ok(Self {
            system,
            sync,
            events,
            messaging,
            files,
            identity,
        })
    }
}
