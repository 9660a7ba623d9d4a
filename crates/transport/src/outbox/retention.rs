//! Deleting delivered events: an event is deleted once every consumer's cursor is past it (and
//! past every gap it still watches) and it is older than `retentionSeconds`. Cursors not written
//! for longer than `deadLetterAfterSeconds` + `retentionSeconds` belong to consumers that no
//! longer run (a target removed from the configuration) and hold nothing back. One replica
//! prunes at a time (a lease); the others skip the round.

use std::time::Duration;

use connector_lease::LeaseGuard;
use connector_store::{Condition, Filter, FindOptions};
use serde_json::Value;

use super::{EVENTS, Outbox, cursor, metrics, now_millis};
use crate::Result;

const PRUNE_BATCH: usize = 500;

/// Prunes every `pruneIntervalSeconds`, until shutdown.
pub fn spawn(outbox: Outbox) -> tokio::task::JoinHandle<()> {
    outbox.clone().spawn_worker(async move {
        while outbox
            .pause_unless_stopping(outbox.settings().prune_interval)
            .await
        {
            let ttl = outbox.settings().lease_ttl;
            let Ok(Some(guard)) =
                LeaseGuard::try_acquire(outbox.leases(), "outbox.retention", ttl).await
            else {
                continue;
            };
            match prune_once(&outbox).await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(deleted = n, "pruned delivered events"),
                Err(e) => tracing::warn!(error = %e, "pruning the outbox failed"),
            }
            let _ = guard.release().await;
        }
    })
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Deletes the events every live consumer is done with and that are older than the retention
/// time; returns how many.
pub async fn prune_once(outbox: &Outbox) -> Result<usize> {
    let settings = outbox.settings();
    let now = now_millis();
    let stale_before = now.saturating_sub(
        millis(settings.dead_letter_after).saturating_add(millis(settings.retention)),
    );
    // Sequence numbers stay below i64::MAX (MongoDB stores them as 64-bit signed integers).
    let mut below = i64::MAX.unsigned_abs();
    for (_, next, lowest_gap, updated_at) in cursor::all(outbox.store()).await? {
        if updated_at >= stale_before {
            below = below.min(next).min(lowest_gap.unwrap_or(below));
        }
    }
    let filter = Filter::And(vec![
        Filter::field("seq", Condition::Lt(below.into()))?,
        Filter::field(
            "timeMs",
            Condition::Lt(now.saturating_sub(millis(settings.retention)).into()),
        )?,
    ]);
    let options = FindOptions {
        limit: Some(PRUNE_BATCH),
        ..FindOptions::default()
    };
    let mut deleted = 0;
    loop {
        let batch = outbox.store().find_with(EVENTS, &filter, &options).await?;
        for document in &batch {
            if let Some(id) = document.get("id").and_then(Value::as_str)
                && outbox.store().delete(EVENTS, id, None).await?
            {
                deleted += 1;
            }
        }
        // Every deletion stands on its own; at shutdown the rest waits for the next round.
        if batch.len() < PRUNE_BATCH || outbox.shutdown().is_cancelled() {
            break;
        }
    }
    metrics::pruned(deleted as u64);
    Ok(deleted)
}
