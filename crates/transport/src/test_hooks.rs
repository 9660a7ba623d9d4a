//! Test hooks (debug builds only; release builds compile them to nothing).
//!
//! `CONNECTOR_TEST_HOOK_STOP_AT=<point>[#<n>]`: the `n`-th time (default: the first) the process
//! reaches `<point>` it logs `test hook: stopping the process` (with `point`) and sends itself
//! SIGSTOP, exactly as a GC pause or an operator's `kill -STOP` would freeze it there;
//! `kill -CONT` lets it go on from that very point. For the fencing test (tests/api/replicas_fencing.rs). Points:
//! `sync-event` (in a sync under the lease, after the lost-lease check, before an event's step).

/// Stops the process at `point` if the environment asks for it (once per process).
pub fn stop_at(point: &str) {
    #[cfg(debug_assertions)]
    {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static REACHED: AtomicUsize = AtomicUsize::new(0);
        let Ok(wanted) = std::env::var("CONNECTOR_TEST_HOOK_STOP_AT") else {
            return;
        };
        let (at, nth) = wanted.split_once('#').unwrap_or((wanted.as_str(), "1"));
        if at == point && nth.parse() == Ok(REACHED.fetch_add(1, Ordering::SeqCst) + 1) {
            tracing::warn!(
                point,
                pid = std::process::id(),
                "test hook: stopping the process"
            );
            // `kill` delivers SIGSTOP before it exits, so no code after this runs before SIGCONT.
            let stopped = std::process::Command::new("kill")
                .args(["-STOP", &std::process::id().to_string()])
                .status();
            if let Err(e) = stopped {
                tracing::error!(point, error = %e, "test hook: could not stop the process");
            }
        }
    }
    #[cfg(not(debug_assertions))]
    let _ = point;
}
