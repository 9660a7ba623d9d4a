//! Counters of the outbox for this process, and the same as OpenTelemetry metrics: `tracing`
//! events with `monotonic_counter.*` / `gauge.*` fields, which the binary's metrics layer turns
//! into `connector_outbox_*` metrics (see `observability/METRICS.md`), whatever the log level.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

static APPENDED: AtomicU64 = AtomicU64::new(0);
static APPEND_FAILURES: AtomicU64 = AtomicU64::new(0);
static DELIVERED: AtomicU64 = AtomicU64::new(0);
static RETRIES: AtomicU64 = AtomicU64::new(0);
static DEAD_LETTERS: AtomicU64 = AtomicU64::new(0);
static PRUNED: AtomicU64 = AtomicU64::new(0);

/// The counters since the process started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    pub appended: u64,
    pub append_failures: u64,
    pub delivered: u64,
    pub retries: u64,
    pub dead_letters: u64,
    pub pruned: u64,
}

pub fn counters() -> Counters {
    Counters {
        appended: APPENDED.load(Relaxed),
        append_failures: APPEND_FAILURES.load(Relaxed),
        delivered: DELIVERED.load(Relaxed),
        retries: RETRIES.load(Relaxed),
        dead_letters: DEAD_LETTERS.load(Relaxed),
        pruned: PRUNED.load(Relaxed),
    }
}

pub(crate) fn appended() {
    APPENDED.fetch_add(1, Relaxed);
    tracing::debug!(
        monotonic_counter.connector_outbox_appended = 1_u64,
        "event appended"
    );
}
pub(crate) fn append_failed() {
    APPEND_FAILURES.fetch_add(1, Relaxed);
}
pub(crate) fn delivered(consumer: &str) {
    DELIVERED.fetch_add(1, Relaxed);
    tracing::debug!(
        monotonic_counter.connector_outbox_deliveries = 1_u64,
        consumer,
        "event handled"
    );
}
pub(crate) fn retried(consumer: &str) {
    RETRIES.fetch_add(1, Relaxed);
    tracing::debug!(
        monotonic_counter.connector_outbox_retries = 1_u64,
        consumer,
        "delivery retried"
    );
}
pub(crate) fn dead_lettered(consumer: &str) {
    DEAD_LETTERS.fetch_add(1, Relaxed);
    tracing::debug!(
        monotonic_counter.connector_outbox_dead_letters = 1_u64,
        consumer,
        "event dead-lettered"
    );
}
/// Where a consumer stands: numbers not yet passed, and the age of the oldest event among them.
pub(crate) fn backlog(consumer: &str, depth: u64, oldest_seconds: f64) {
    tracing::debug!(
        gauge.connector_outbox_depth = depth,
        gauge.connector_outbox_oldest_undelivered_seconds = oldest_seconds,
        consumer,
        "outbox backlog"
    );
}
pub(crate) fn pruned(n: u64) {
    PRUNED.fetch_add(n, Relaxed);
}
