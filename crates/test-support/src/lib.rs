//! The one poll loop of the tests. A test that can wait on an event (a channel, a child's output
//! line, a webhook hit) does so; what is left is state the test can only look at from outside (a
//! REST resource after a sync, a child process's log file, a port), which [`eventually`] polls
//! with a short backoff until it holds.

use std::fmt::Display;
use std::time::{Duration, Instant};

/// The first pause between two looks; it doubles up to [`LONGEST_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(10);
/// The longest pause between two looks.
pub const LONGEST_PAUSE: Duration = Duration::from_millis(200);

/// Calls `probe` until it answers `Ok`, and returns that; `Err` carries what it saw instead.
/// Once `timeout` has passed, panics with `what` and the last thing seen.
pub async fn eventually<T, E: Display>(
    what: &str,
    timeout: Duration,
    probe: impl AsyncFnMut() -> Result<T, E>,
) -> T {
    match poll_until(timeout, probe).await {
        Ok(value) => value,
        Err(seen) => panic!("{what}: not within {timeout:?}; last seen: {seen}"),
    }
}

/// Like [`eventually`], but hands the last `Err` back at the deadline instead of panicking (for
/// callers that explain a timeout themselves).
pub async fn poll_until<T, E>(
    timeout: Duration,
    probe: impl AsyncFnMut() -> Result<T, E>,
) -> Result<T, E> {
    poll(timeout, FIRST_PAUSE, LONGEST_PAUSE, probe).await
}

/// Like [`eventually`], looking every `pause` (for a state that lasts only a moment).
pub async fn eventually_every<T, E: Display>(
    what: &str,
    timeout: Duration,
    pause: Duration,
    probe: impl AsyncFnMut() -> Result<T, E>,
) -> T {
    match poll(timeout, pause, pause, probe).await {
        Ok(value) => value,
        Err(seen) => panic!("{what}: not within {timeout:?}; last seen: {seen}"),
    }
}

async fn poll<T, E>(
    timeout: Duration,
    first_pause: Duration,
    longest_pause: Duration,
    mut probe: impl AsyncFnMut() -> Result<T, E>,
) -> Result<T, E> {
    let deadline = Instant::now() + timeout;
    let mut pause = first_pause;
    loop {
        let seen = match probe().await {
            Ok(value) => return Ok(value),
            Err(seen) => seen,
        };
        let now = Instant::now();
        if now >= deadline {
            return Err(seen);
        }
        // Polling something we cannot subscribe to: the only sleep the tests need for waiting.
        tokio::time::sleep(pause.min(deadline - now)).await;
        pause = (pause * 2).min(longest_pause);
    }
}
