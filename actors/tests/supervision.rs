//! Supervision: a panicking message is answered with an error and the actor is restarted for the
//! next message; an actor that is gone, or slow, is answered within the caller's timeout.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use actix::{Actor, Context, Handler, Message, ResponseActFuture, Supervised};
use connector_actors::{ActorError, ActorSystem, NamedActor, call, run_work};

struct Flaky {
    runtime: tokio::runtime::Handle,
    restarts: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl Actor for Flaky {
    type Context = Context<Self>;
}

impl NamedActor for Flaky {
    const NAME: &'static str = "Flaky";
}

impl Supervised for Flaky {
    fn restarting(&mut self, _ctx: &mut Context<Self>) {
        self.restarts
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

enum Work {
    Answer(u32),
    Panic,
    Sleep(Duration),
}

impl Message for Work {
    type Result = Result<u32, ActorError>;
}

impl Handler<Work> for Flaky {
    type Result = ResponseActFuture<Self, Result<u32, ActorError>>;

    fn handle(&mut self, msg: Work, _ctx: &mut Context<Self>) -> Self::Result {
        run_work(
            &self.runtime,
            "Work",
            &tracing::Span::current(),
            async move {
                match msg {
                    Work::Answer(n) => Ok(n),
                    Work::Panic => panic!("a test message that panics"),
                    Work::Sleep(d) => {
                        // Time under test: a handler slower than the caller's timeout.
                        tokio::time::sleep(d).await;
                        Ok(0)
                    }
                }
            },
        )
    }
}

fn flaky(
    system: &ActorSystem,
) -> (
    actix::Addr<Flaky>,
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
) {
    let restarts = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let runtime = system.runtime().clone();
    let counter = restarts.clone();
    let addr = system.supervise(move |_| Flaky {
        runtime,
        restarts: counter,
    });
    (addr, restarts)
}

const TIMEOUT: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_message_restarts_the_actor_and_the_next_is_served() {
    let system = ActorSystem::start().unwrap();
    let (addr, restarts) = flaky(&system);
    assert_eq!(call(&addr, Work::Answer(1), TIMEOUT).await.unwrap(), 1);

    let error = call(&addr, Work::Panic, TIMEOUT).await.unwrap_err();
    assert!(
        matches!(error, ActorError::Panicked { actor: "Flaky" }),
        "{error:?}"
    );

    assert_eq!(call(&addr, Work::Answer(2), TIMEOUT).await.unwrap(), 2);
    assert_eq!(restarts.load(std::sync::atomic::Ordering::SeqCst), 1);

    // Again: every panic restarts, nothing hangs.
    assert!(call(&addr, Work::Panic, TIMEOUT).await.is_err());
    assert_eq!(call(&addr, Work::Answer(3), TIMEOUT).await.unwrap(), 3);
    assert_eq!(restarts.load(std::sync::atomic::Ordering::SeqCst), 2);
    system.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gone_actor_answers_an_error_at_once() {
    let system = ActorSystem::start().unwrap();
    let (addr, _) = flaky(&system);
    assert_eq!(call(&addr, Work::Answer(1), TIMEOUT).await.unwrap(), 1);
    system.stop();
    test_support::eventually("the actor gone", TIMEOUT, async || {
        if addr.connected() {
            Err("still connected")
        } else {
            Ok(())
        }
    })
    .await;

    let started = Instant::now();
    let error = call(&addr, Work::Answer(2), TIMEOUT).await.unwrap_err();
    assert!(
        matches!(error, ActorError::Unavailable { actor: "Flaky" }),
        "{error:?}"
    );
    assert!(started.elapsed() < TIMEOUT);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_answer_times_out() {
    let system = ActorSystem::start().unwrap();
    let (addr, _) = flaky(&system);
    let started = Instant::now();
    let error = call(
        &addr,
        Work::Sleep(Duration::from_secs(30)),
        Duration::from_millis(300),
    )
    .await
    .unwrap_err();
    assert!(matches!(error, ActorError::Timeout { .. }), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    // The actor still serves.
    assert_eq!(call(&addr, Work::Answer(4), TIMEOUT).await.unwrap(), 4);
    system.stop();
}
