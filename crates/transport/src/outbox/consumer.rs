//! A consumer of the outbox: one task per target (a webhook target, a message broker, the
//! consumption reactions) that, while it holds the target's lease, hands the events to its
//! handler one at a time in sequence order and moves its [`Cursor`] past each. So one replica
//! delivers per target at a time, in order; a replica that dies leaves its lease to run out, and
//! the next holder resumes at the stored cursor (at least once: the event being delivered when
//! the holder died is delivered again, with the same id).
//!
//! At shutdown (the outbox's token) a consumer stops between deliveries: a delivery in progress
//! finishes and its cursor is stored (a retry pause is cut short; the event stays for the next
//! holder), then the lease is released, so another replica resumes at once.
//!
//! A failing delivery is retried with backoff for as long as the event is younger than
//! `deadLetterAfterSeconds` (from the event's time, so also across restarts); then, or when the
//! handler gives up at once, the event is written to the dead letters, logged and counted, and
//! the consumer moves on. Nothing is dropped silently.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use connector_lease::LeaseGuard;
use serde_json::json;

use super::cursor::{Cursor, Fence};
use super::{DEAD_LETTERS, Outbox, StoredEvent, metrics, now_millis, unix_millis};
use crate::events::{TransportEvent, with_cause};
use crate::{Result, TransportError};

/// Events read per query.
const BATCH: usize = 100;

/// What handling one event came to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum Outcome {
    /// Delivered (or nothing to do for this consumer).
    Done,
    /// Failed for now; try again later.
    Retry(String),
    /// Can never succeed (e.g. the receiver refused it with a 4xx).
    GiveUp(String),
}

/// Pauses between retries: `initial`, doubled `doublings` times, then that pause again.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub initial: Duration,
    pub doublings: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            initial: Duration::from_millis(500),
            doublings: 6,
        }
    }
}

impl Backoff {
    /// The pause before retry number `retry` (1-based).
    pub fn delay(&self, retry: u32) -> Duration {
        let doublings = retry.saturating_sub(1).min(self.doublings).min(20);
        // A zero pause would spin on a receiver that is down.
        self.initial
            .max(Duration::from_millis(10))
            .saturating_mul(1 << doublings)
    }
}

/// Starts consumer `name` (also its lease's and cursor's name). Each event is handled inside a
/// cause scope of its id, so the events a reaction publishes get ids derived from it and a
/// reaction re-run after a crash does not emit them twice.
pub fn spawn<F, Fut>(
    outbox: Outbox,
    name: String,
    backoff: Backoff,
    handler: F,
) -> tokio::task::JoinHandle<()>
where
    F: Fn(TransportEvent) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Outcome> + Send + 'static,
{
    let consumer = Consumer {
        outbox,
        name,
        backoff,
        handler: Arc::new(handler),
    };
    let outbox = consumer.outbox.clone();
    outbox.spawn_worker(consumer.run())
}

struct Consumer<F> {
    outbox: Outbox,
    name: String,
    backoff: Backoff,
    handler: Arc<F>,
}

impl<F, Fut> Consumer<F>
where
    F: Fn(TransportEvent) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Outcome> + Send + 'static,
{
    async fn run(self) {
        let lease_name = format!("outbox.{}", self.name);
        let settings = self.outbox.settings().clone();
        while !self.outbox.shutdown().is_cancelled() {
            let acquired =
                LeaseGuard::try_acquire(self.outbox.leases(), &lease_name, settings.lease_ttl)
                    .await;
            let guard = match acquired {
                Ok(Some(guard)) => guard,
                Ok(None) => {
                    // Another replica delivers; take over once it releases its lease or that
                    // runs out.
                    self.outbox
                        .pause_unless_stopping(settings.lease_ttl / 3)
                        .await;
                    continue;
                }
                Err(e) => {
                    tracing::warn!(consumer = %self.name, error = %e, "cannot take the outbox consumer's lease");
                    self.outbox
                        .pause_unless_stopping(settings.lease_ttl / 3)
                        .await;
                    continue;
                }
            };
            let fence = if self.outbox.fenced() {
                Fence::Token(guard.fencing_token())
            } else {
                Fence::Exclusive
            };
            if let Err(e) = self.while_held(&guard, fence).await {
                tracing::warn!(consumer = %self.name, error = %e, "the outbox consumer stopped; resuming");
                self.outbox
                    .pause_unless_stopping(settings.poll_interval)
                    .await;
            }
            if self.outbox.shutdown().is_cancelled() {
                // Released here rather than on drop, so shutdown waits for it.
                match guard.release().await {
                    Ok(_) => {
                        tracing::info!(consumer = %self.name, "outbox consumer stopped; lease released")
                    }
                    Err(e) => tracing::warn!(consumer = %self.name, error = %e,
                        "releasing the outbox consumer's lease failed; it runs out by itself"),
                }
                return;
            }
            drop(guard);
        }
    }

    async fn while_held(&self, guard: &LeaseGuard, fence: Fence) -> Result<()> {
        let settings = self.outbox.settings();
        let store = self.outbox.store();
        let mut cursor = Cursor::load(store, &self.name, self.outbox.head_at_open() + 1).await?;
        if cursor.is_new() {
            // Stored at once, so retention keeps what this consumer has not handled yet.
            cursor.save(store, fence).await?;
        }
        tracing::info!(consumer = %self.name, next = cursor.next(), "delivering from the outbox");
        // The missing number waited for, and since when.
        let mut waiting: Option<(u64, Instant)> = None;
        let keep_ms = i64::try_from(settings.gap_keep.as_millis()).unwrap_or(i64::MAX);
        while !guard.is_lost() && !self.outbox.shutdown().is_cancelled() {
            let batch = self
                .outbox
                .read(cursor.next(), &cursor.gap_numbers(), BATCH)
                .await?;
            self.report_backlog(cursor.next(), batch.first()).await;
            let mut handled_any = false;
            let mut blocked = false;
            for stored in batch {
                if self.outbox.shutdown().is_cancelled() {
                    // A safe point: every event before this one is delivered and recorded.
                    return Ok(());
                }
                let late = cursor.is_gap(stored.seq);
                if !late && stored.seq > cursor.next() {
                    match waiting {
                        Some((seq, since))
                            if seq == cursor.next() && since.elapsed() >= settings.gap_wait =>
                        {
                            tracing::warn!(consumer = %self.name, from = cursor.next(), to = stored.seq,
                                "outbox numbers still missing; moving on and watching for them");
                            cursor.skip_to(stored.seq);
                        }
                        Some((seq, _)) if seq == cursor.next() => {
                            blocked = true;
                            break;
                        }
                        _ => {
                            waiting = Some((cursor.next(), Instant::now()));
                            blocked = true;
                            break;
                        }
                    }
                }
                if late {
                    tracing::warn!(consumer = %self.name, seq = stored.seq, "an event appeared after its number was skipped; delivering it late");
                }
                if !self.handle(&stored, guard).await? {
                    return Ok(());
                }
                cursor.handled(stored.seq);
                cursor.expire_gaps(keep_ms);
                cursor.save(store, fence).await?;
                handled_any = true;
            }
            if !handled_any {
                let pause = if blocked {
                    (settings.gap_wait / 10).max(Duration::from_millis(10))
                } else {
                    settings.poll_interval
                };
                self.outbox.wait_for_news(pause).await;
            }
        }
        Ok(())
    }

    async fn report_backlog(&self, next: u64, first: Option<&StoredEvent>) {
        let Ok(head) = self.outbox.head().await else {
            return;
        };
        let oldest = first.map_or(0.0, |stored| {
            let age_ms = now_millis() - unix_millis(stored.event.time);
            age_ms.max(0) as f64 / 1000.0
        });
        metrics::backlog(&self.name, (head + 1).saturating_sub(next), oldest);
    }

    /// Hands one event to the handler until it is done or dead-lettered; `false` when the lease
    /// was lost or shutdown began before it was (the cursor must not move then).
    async fn handle(&self, stored: &StoredEvent, guard: &LeaseGuard) -> Result<bool> {
        let event = &stored.event;
        let mut retry = 0;
        loop {
            if guard.is_lost() || self.outbox.shutdown().is_cancelled() {
                return Ok(false);
            }
            let outcome =
                with_cause(event.id.as_str().to_owned(), (self.handler)(event.clone())).await;
            match outcome {
                Outcome::Done => {
                    metrics::delivered(&self.name);
                    return Ok(true);
                }
                Outcome::GiveUp(why) => {
                    self.dead_letter(stored, &why).await?;
                    return Ok(true);
                }
                Outcome::Retry(why) => {
                    let age_ms = now_millis() - unix_millis(event.time);
                    let limit = self.outbox.settings().dead_letter_after;
                    if u128::try_from(age_ms).unwrap_or(0) >= limit.as_millis() {
                        let why = format!("still failing after {} s: {why}", age_ms / 1000);
                        self.dead_letter(stored, &why).await?;
                        return Ok(true);
                    }
                    retry += 1;
                    metrics::retried(&self.name);
                    let delay = self.backoff.delay(retry);
                    tracing::warn!(consumer = %self.name, event.id = %event.id, namespace = %event.namespace, retry,
                        delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                        "delivery failed, retrying: {why}");
                    let mut lost = guard.lost_signal();
                    tokio::select! {
                        () = tokio::time::sleep(delay) => {}
                        () = lost.wait() => return Ok(false),
                        () = self.outbox.shutdown().cancelled() => return Ok(false),
                    }
                }
            }
        }
    }

    async fn dead_letter(&self, stored: &StoredEvent, why: &str) -> Result<()> {
        let event = &stored.event;
        tracing::error!(consumer = %self.name, event.id = %event.id, namespace = %event.namespace, seq = stored.seq,
            "event not delivered, kept as a dead letter: {why}");
        metrics::dead_lettered(&self.name);
        let document = json!({
            "id": format!("{}:{}", self.name, event.id),
            "consumer": self.name,
            "eventId": event.id.as_str(),
            "seq": stored.seq,
            "namespace": event.name(),
            "data": event.data,
            "correlationId": event.correlation_id,
            "time": connector_store::iso_timestamp(event.time),
            "reason": why,
            "deadAtMs": now_millis(),
        });
        match self.outbox.store().insert(DEAD_LETTERS, document).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_conflict() => Ok(()),
            Err(e) => Err(TransportError::Store(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_then_stays() {
        let backoff = Backoff {
            initial: Duration::from_millis(100),
            doublings: 2,
        };
        let delays: Vec<u128> = (1..=5).map(|r| backoff.delay(r).as_millis()).collect();
        assert_eq!(delays, vec![100, 200, 400, 400, 400]);
    }
}
