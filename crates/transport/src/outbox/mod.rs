//! The outbox: every event, written to the store before it is announced, in one order per
//! identity, and read by consumers (each webhook target, each message broker, the consumption
//! reactions) that each keep their own cursor. A crash, a lagging consumer or a receiver that is
//! down loses nothing: an event stays in the outbox until every consumer has moved past it and
//! the retention time is over ([`retention`]).
//!
//! * Order: each event gets the next number of a per-identity sequence ([`sequence`], a counter
//!   document advanced by compare-and-set, so replicas sharing a store share the order).
//! * Ids: random for events of a request, derived from their cause for events of work that may
//!   be done again after a crash (a synced message is re-applied, a reaction re-runs): the same
//!   id is written again and the store refuses the duplicate (see
//!   [`crate::events::EventId::derived`]). Receivers see one event, not two.
//! * Gaps: a number is taken before its row is inserted, so a reader can see number 8 while 7
//!   is still being written by another replica. A consumer therefore never moves past a missing
//!   number at once: it waits up to `gap_wait`, and if the number is still missing (a writer
//!   crashed between taking it and writing, or the id was a duplicate) it moves on but keeps the
//!   number in its cursor's `gaps` and still delivers it should it appear later
//!   ([`cursor::Cursor`]).
//! * The in-process [`tokio::sync::Notify`] only wakes consumers early; they also poll, so rows
//!   written by other replicas are found.
//! * Shutdown: the workers (consumers, retention) stop once the shutdown token given to
//!   [`Outbox::open_until`] is cancelled, at a safe point (between deliveries, after the cursor of
//!   the last one is stored), and release their leases, so another replica takes over at once;
//!   [`Outbox::stop`] waits for that.

pub mod consumer;
pub mod cursor;
pub mod metrics;
pub mod retention;
mod sequence;

use std::sync::Arc;
use std::time::Duration;

use connector_lease::{LeaseManager, LocalLeases};
use connector_store::{Condition, FieldShape, Filter, FindOptions, SortOrder, Store};
use serde_json::{Value, json};
use time::OffsetDateTime;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::events::{EventId, TransportEvent};
use crate::{Result, TransportError};

/// The events, one document per event.
pub const EVENTS: &str = "outbox_events";
/// One cursor per consumer.
pub const CURSORS: &str = "outbox_cursors";
/// Events a consumer gave up on, kept for inspection.
pub const DEAD_LETTERS: &str = "outbox_dead_letters";

/// `infrastructure.events.*`.
#[derive(Debug, Clone)]
pub struct OutboxSettings {
    /// How often a consumer looks for rows other replicas wrote (`pollIntervalMs`, 500).
    pub poll_interval: Duration,
    /// How long a consumer waits for a missing sequence number (`gapWaitMs`, 2000).
    pub gap_wait: Duration,
    /// How long a skipped number is still watched for (`gapKeepSeconds`, 600).
    pub gap_keep: Duration,
    /// An event still failing for a target after this age is dead-lettered
    /// (`deadLetterAfterSeconds`, 86400).
    pub dead_letter_after: Duration,
    /// Delivered events are deleted once this old (`retentionSeconds`, 86400).
    pub retention: Duration,
    /// How often old delivered events are deleted (`pruneIntervalSeconds`, 60).
    pub prune_interval: Duration,
    /// A consumer's lease; a dead replica's targets move to another after this long (10 s).
    pub lease_ttl: Duration,
}

impl Default for OutboxSettings {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_millis(500),
            gap_wait: Duration::from_secs(2),
            gap_keep: Duration::from_secs(600),
            dead_letter_after: Duration::from_secs(86_400),
            retention: Duration::from_secs(86_400),
            prune_interval: Duration::from_secs(60),
            lease_ttl: Duration::from_secs(10),
        }
    }
}

/// The identity's outbox. Cheap to clone.
#[derive(Clone)]
pub struct Outbox {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    settings: OutboxSettings,
    leases: Arc<dyn LeaseManager>,
    /// Leases shared by replicas (Redis): cursor writes carry the fencing token. Local leases
    /// restart their tokens with the process, and one process is alone with its store anyway.
    fenced: bool,
    /// Where cursors of consumers that never ran start: after what was there when this
    /// process opened the outbox, so a new target does not replay old events but gets every
    /// event published since.
    head_at_open: u64,
    wake: Notify,
    /// Cancelled at shutdown: the workers stop at their next safe point.
    shutdown: CancellationToken,
    /// The workers, so that shutdown can wait for them to release their leases.
    workers: TaskTracker,
}

impl std::fmt::Debug for Outbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbox")
            .field("settings", &self.inner.settings)
            .field("fenced", &self.inner.fenced)
            .finish_non_exhaustive()
    }
}

/// One event as stored, with its place in the order.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    pub seq: u64,
    pub event: TransportEvent,
}

impl Outbox {
    /// Declares the indexes and reads where the sequence stands; the workers stop only with
    /// the runtime (or [`Outbox::stop`]).
    pub async fn open(
        store: Arc<dyn Store>,
        leases: Option<Arc<dyn LeaseManager>>,
        settings: OutboxSettings,
    ) -> Result<Self> {
        Self::open_until(store, leases, settings, CancellationToken::new()).await
    }

    /// [`Outbox::open`], with workers that stop once `shutdown` is cancelled.
    pub async fn open_until(
        store: Arc<dyn Store>,
        leases: Option<Arc<dyn LeaseManager>>,
        settings: OutboxSettings,
        shutdown: CancellationToken,
    ) -> Result<Self> {
        store
            .ensure_index(EVENTS, "seq", FieldShape::Scalar)
            .await?;
        store
            .ensure_index(EVENTS, "timeMs", FieldShape::Scalar)
            .await?;
        let head_at_open = sequence::current(store.as_ref()).await?;
        let fenced = leases.is_some();
        let leases = leases.unwrap_or_else(|| Arc::new(LocalLeases::default()));
        Ok(Self {
            inner: Arc::new(Inner {
                store,
                settings,
                leases,
                fenced,
                head_at_open,
                wake: Notify::new(),
                shutdown,
                workers: TaskTracker::new(),
            }),
        })
    }

    /// Cancels the shutdown token and waits until every worker has stopped at a safe point and
    /// released its lease. Workers started afterwards stop at once.
    pub async fn stop(&self) {
        self.inner.shutdown.cancel();
        self.inner.workers.close();
        self.inner.workers.wait().await;
    }

    /// Cancelled once shutdown began.
    pub(crate) fn shutdown(&self) -> &CancellationToken {
        &self.inner.shutdown
    }

    /// Runs a worker that [`Outbox::stop`] waits for.
    pub(crate) fn spawn_worker(
        &self,
        work: impl Future<Output = ()> + Send + 'static,
    ) -> tokio::task::JoinHandle<()> {
        self.inner.workers.spawn(work)
    }

    pub fn settings(&self) -> &OutboxSettings {
        &self.inner.settings
    }

    /// The store the outbox lives in.
    pub fn store(&self) -> &dyn Store {
        self.inner.store.as_ref()
    }

    pub(crate) fn leases(&self) -> Arc<dyn LeaseManager> {
        Arc::clone(&self.inner.leases)
    }

    pub(crate) fn fenced(&self) -> bool {
        self.inner.fenced
    }

    pub(crate) fn head_at_open(&self) -> u64 {
        self.inner.head_at_open
    }

    /// Resolves when this process appended an event (or after `within`, or at shutdown).
    pub(crate) async fn wait_for_news(&self, within: Duration) {
        let news = tokio::time::timeout(within, self.inner.wake.notified());
        let _ = self.inner.shutdown.run_until_cancelled(news).await;
    }

    /// Sleeps for `pause`; `false` when shutdown began meanwhile (or before).
    pub(crate) async fn pause_unless_stopping(&self, pause: Duration) -> bool {
        self.inner
            .shutdown
            .run_until_cancelled(tokio::time::sleep(pause))
            .await
            .is_some()
    }

    /// Writes the event with the next sequence number. `false` when an event with its id is
    /// already stored (its cause was applied before): nothing is written.
    pub async fn append(&self, event: &TransportEvent) -> Result<bool> {
        let store = self.store();
        if store.get(EVENTS, event.id.as_str()).await?.is_some() {
            return Ok(false);
        }
        let seq = sequence::next(store).await?;
        self.insert_numbered(seq, event).await
    }

    /// Takes a sequence number without writing an event (for tests of the gap handling).
    #[doc(hidden)]
    pub async fn take_number_for_test(&self) -> Result<u64> {
        sequence::next(self.store()).await
    }

    /// Writes `event` under a number taken before (for tests of the gap handling).
    #[doc(hidden)]
    pub async fn insert_numbered_for_test(&self, seq: u64, event: &TransportEvent) -> Result<bool> {
        self.insert_numbered(seq, event).await
    }

    async fn insert_numbered(&self, seq: u64, event: &TransportEvent) -> Result<bool> {
        let store = self.store();
        let document = json!({
            "id": event.id.as_str(),
            "seq": seq,
            "namespace": event.name(),
            "data": event.data,
            "correlationId": event.correlation_id,
            "time": connector_store::iso_timestamp(event.time),
            "timeMs": unix_millis(event.time),
        });
        match store.insert(EVENTS, document).await {
            Ok(_) => {
                metrics::appended();
                self.inner.wake.notify_waiters();
                Ok(true)
            }
            // Written concurrently by another replica; the number stays a gap.
            Err(e) if e.is_conflict() => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// The highest sequence number handed out so far.
    pub async fn head(&self) -> Result<u64> {
        sequence::current(self.store()).await
    }

    /// Up to `limit` events numbered `from` or higher, or in `also`, in order.
    pub async fn read(&self, from: u64, also: &[u64], limit: usize) -> Result<Vec<StoredEvent>> {
        let options = FindOptions {
            sort: vec![("seq".into(), SortOrder::Ascending)],
            skip: 0,
            limit: Some(limit),
        };
        let newer = Filter::field("seq", Condition::Gte(from.into()))?;
        let mut events: Vec<StoredEvent> = self
            .store()
            .find_with(EVENTS, &newer, &options)
            .await?
            .into_iter()
            .map(from_document)
            .collect::<Result<_>>()?;
        if !also.is_empty() {
            // A second read rather than one `$or`: each is served by the `seq` index on every
            // backend, while the MongoDB stand-in answers an `$or` by scanning every event
            // (75 ms instead of 1.4 ms at 6,000 events, for each poll of each consumer).
            let listed = also.iter().map(|s| Value::from(*s)).collect();
            let skipped = Filter::field("seq", Condition::In(listed))?;
            for document in self.store().find_with(EVENTS, &skipped, &options).await? {
                events.push(from_document(document)?);
            }
            events.sort_by_key(|e| e.seq);
            events.dedup_by_key(|e| e.seq);
            events.truncate(limit);
        }
        Ok(events)
    }

    /// Number of stored events (delivered or not).
    pub async fn len(&self) -> Result<usize> {
        Ok(self.store().count(EVENTS, &Filter::All).await?)
    }

    /// Whether no event is stored.
    pub async fn is_empty(&self) -> Result<bool> {
        Ok(self.len().await? == 0)
    }

    /// The dead letters of every consumer, oldest first.
    pub async fn dead_letters(&self) -> Result<Vec<Value>> {
        let options = FindOptions {
            sort: vec![("deadAtMs".into(), SortOrder::Ascending)],
            ..FindOptions::default()
        };
        Ok(self
            .store()
            .find_with(DEAD_LETTERS, &Filter::All, &options)
            .await?)
    }
}

pub(crate) fn unix_millis(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

pub(crate) fn now_millis() -> i64 {
    unix_millis(OffsetDateTime::now_utc())
}

fn corrupt(why: impl Into<String>) -> TransportError {
    TransportError::Corrupt {
        collection: EVENTS,
        why: why.into(),
    }
}

fn from_document(document: Value) -> Result<StoredEvent> {
    let text = |name: &str| document.get(name).and_then(Value::as_str);
    let seq = document
        .get("seq")
        .and_then(Value::as_u64)
        .ok_or_else(|| corrupt("an event without seq"))?;
    let id = text("id").ok_or_else(|| corrupt("an event without id"))?;
    let namespace = text("namespace").ok_or_else(|| corrupt("an event without namespace"))?;
    let millis = document.get("timeMs").and_then(Value::as_i64).unwrap_or(0);
    let time = OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    Ok(StoredEvent {
        seq,
        event: TransportEvent {
            id: EventId::from_stored(id.to_owned()),
            time,
            namespace: namespace.to_owned().into(),
            data: document.get("data").cloned().unwrap_or(Value::Null),
            correlation_id: text("correlationId").map(str::to_owned),
        },
    })
}
