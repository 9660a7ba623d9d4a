//! Synchronization with the Backbone (backbone-api §6.2, §9.5): start a run, apply each external
//! event, finalize with one result per event, and repeat while the Backbone says more are waiting.
//!
//! Exactly once: an event is acknowledged only after it was applied; if the process dies in
//! between, the Backbone delivers it again, so every applier is idempotent (it checks what is
//! already stored). Within one process concurrent syncs share one run (a mutex); across replicas
//! the Backbone refuses a second open run per identity, and the Connector adds a lease. The run
//! is recorded under the lease, so a replica taking over from one that died finishes its run.

use std::sync::Arc;

use backbone_client::dto::{
    ExternalEvent, ExternalEventResult, ExternalEventType, FinalizeExternalEventSyncRequest,
    StartSyncRunStatus, SyncRunType,
};
use serde::{Deserialize, Serialize};

use crate::Transport;
use crate::documents::{self, Record};
use crate::error::{Result, TransportError};

/// How often one `sync_everything` call may loop on `newUnsyncedExternalEventsExist`.
const MAX_ROUNDS: usize = 100;

/// How long a start refused because another run is open is tried again. The Backbone lets a
/// run live 10 s unless asked otherwise (its `DEFAULT_DURATION`) and cancels it at the next start
/// after that; such a run is left by a process that died before recording it (one replica
/// restarted, or a replica killed between starting a run and recording it).
const OPEN_RUN_WAIT: std::time::Duration = std::time::Duration::from_secs(15);
const OPEN_RUN_RETRY: std::time::Duration = std::time::Duration::from_millis(500);

/// What one sync applied.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SyncSummary {
    pub events_applied: usize,
    pub events_failed: usize,
}

/// When syncs last completed (`GET /Account/SyncInfo`). With several replicas it is also the
/// sync's guarded progress document: every step of a sync under the sync lease writes the
/// lease's fencing token into it ([`connector_store::fenced_update`]), so the steps of a holder
/// that lost the lease while paused are refused once a newer holder has written.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncInfo {
    pub id: String,
    pub last_sync_run_completed_at: Option<String>,
    /// The fencing token of the sync lease of the last step ([`connector_store::FENCING_TOKEN_FIELD`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fencing_token: Option<u64>,
    /// The external event the current (or last interrupted) sync is applying.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applying_event: Option<String>,
    /// The Backbone sync run the sync under the lease has open. A replica taking the lease over
    /// from one that died finishes this run first: the Backbone refuses a new run while it is
    /// open, and cancelling it when it expires counts an error against each of its events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_sync_run: Option<String>,
}

impl Record for SyncInfo {
    const COLLECTION: &'static str = "SyncInfo";
}

const SYNC_INFO_ID: &str = "sync";

impl Transport {
    /// Runs sync rounds until the Backbone has nothing new.
    pub async fn sync_everything(&self) -> Result<SyncSummary> {
        let _single_flight = self.inner.sync_lock.lock().await;
        if self.is_stopping() {
            return Err(shutting_down());
        }
        // Across replicas: one sync at a time per identity; the others wait their turn.
        let result = match &self.config().leases {
            Some(leases) => self.sync_under_lease(Arc::clone(leases)).await,
            None => self.sync_rounds(None, None).await,
        };
        // Counted by the connector's OpenTelemetry metrics layer (observability/METRICS.md).
        let (outcome, applied) = result
            .as_ref()
            .map_or(("error", 0), |s| ("ok", s.events_applied));
        tracing::debug!(
            monotonic_counter.connector_sync_runs = 1_u64,
            monotonic_counter.connector_sync_events_applied = applied as u64,
            outcome,
            "sync finished"
        );
        result
    }

    /// Syncs while holding the sync lease, renewed in the background. If the lease is lost (Redis
    /// unreachable for longer than its TTL, or taken over), the sync stops before its next event
    /// (not in the middle of one: a message stored but cut off before its event was published
    /// would never get that event). Stopping is safe because events are acknowledged only after
    /// they were applied and every applier is idempotent, so the Backbone hands unacknowledged
    /// events to the next sync.
    async fn sync_under_lease(
        &self,
        leases: Arc<dyn connector_lease::LeaseManager>,
    ) -> Result<SyncSummary> {
        let timings = self.config().lease_timings;
        let Some(mut guard) = acquire_sync_lease(leases, timings, &self.config().shutdown).await?
        else {
            tracing::debug!(
                wait = ?timings.sync_wait,
                "another replica has been syncing this identity for the whole wait; leaving the sync to it"
            );
            return Ok(SyncSummary::default());
        };
        let result = match self.claim_sync_progress(&mut guard).await {
            Ok((held, left_open)) => self.sync_rounds(Some(&held), left_open).await,
            Err(e) => Err(e),
        };
        let token = guard.fencing_token();
        if let Err(e) = guard.release().await {
            tracing::warn!(error = %e, "could not release the sync lease; it expires by itself");
        }
        match result {
            Err(TransportError::Store(e)) if e.is_fenced() => {
                tracing::warn!(
                    lease = "sync",
                    fencing_token = token,
                    error = %e,
                    "late write refused by fencing: this replica lost the sync lease while paused and another one took over; stopping this sync"
                );
                Err(TransportError::rule(
                    "error.transport.syncLeaseLost",
                    "the sync lease passed to another replica during the sync; it stopped and the other one continues",
                ))
            }
            other => other,
        }
    }

    /// The first step of a sync under the lease: claims the progress document with the lease's
    /// fencing token, so from here on a previous holder that still runs (paused past its lease)
    /// has its next step refused. A newer token stored although this replica holds the lease
    /// means the token counter went backwards (Redis lost its data): the lease's token is raised
    /// above the stored one and the claim made again.
    async fn claim_sync_progress(
        &self,
        guard: &mut connector_lease::LeaseGuard,
    ) -> Result<(Held, Option<String>)> {
        let held = Held {
            lost: guard.lost_signal(),
            token: guard.fencing_token(),
        };
        let stored = match self.sync_step(Some(&held), SyncStep::Claim).await {
            Err(TransportError::Store(connector_store::StoreError::Fenced { stored, .. })) => {
                stored
            }
            other => return other.map(|open_run| (held, open_run)),
        };
        let raised = guard.raise_fencing_token(stored).await.map_err(|e| {
            TransportError::rule(
                "error.transport.syncLeaseUnavailable",
                format!("the sync lease: {e}"),
            )
        })?;
        if !raised {
            return Err(TransportError::rule(
                "error.transport.syncLeaseLost",
                "the sync lease was lost before the sync started",
            ));
        }
        tracing::warn!(
            lease = "sync",
            stored,
            fencing_token = guard.fencing_token(),
            "the stored fencing token was newer than the lease's (the lease store lost its counter); raised the lease's token above it"
        );
        let held = Held {
            lost: guard.lost_signal(),
            token: guard.fencing_token(),
        };
        let open_run = self.sync_step(Some(&held), SyncStep::Claim).await?;
        Ok((held, open_run))
    }

    /// Records a step of the sync. Under the sync lease it is a fenced write, refused
    /// ([`connector_store::StoreError::Fenced`]) once a newer holder wrote; without leases (one
    /// replica) there is nobody to fence off and nothing is written. Returns the sync run left
    /// open as stored after the step.
    async fn sync_step(&self, held: Option<&Held>, step: SyncStep<'_>) -> Result<Option<String>> {
        let Some(held) = held else {
            return Ok(None);
        };
        let stored = connector_store::fenced_update(
            self.store(),
            SyncInfo::COLLECTION,
            SYNC_INFO_ID,
            held.token,
            |progress| match step {
                SyncStep::Claim => {
                    progress.remove("applyingEvent");
                }
                SyncStep::RunStarted(run) => {
                    progress.insert("openSyncRun".into(), run.into());
                }
                SyncStep::Applying(event) => {
                    progress.insert("applyingEvent".into(), event.into());
                }
            },
        )
        .await?;
        Ok(stored
            .get("openSyncRun")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned))
    }

    /// The next run to work on: the one a previous holder left open (`left_open`, taken), or a
    /// new one; `None` when the Backbone has no new events. A start refused because a run
    /// nobody recorded is still open is tried again until that run expires.
    async fn next_run(
        &self,
        held: Option<&Held>,
        left_open: &mut Option<String>,
    ) -> Result<Option<(String, Vec<ExternalEvent>)>> {
        if let Some(run) = left_open.take() {
            match self.backbone().get_external_events(&run).await {
                Ok(events) => {
                    tracing::info!(sync_run = %run, events = events.len(), "finishing the sync run a previous holder of the sync lease left open");
                    return Ok(Some((run, events)));
                }
                // Finalized (by its holder just before it died) or cancelled at its expiry.
                Err(e) if e.is_not_found() || e.code() == Some(RUN_FINALIZED) => {
                    tracing::debug!(sync_run = %run, "the sync run left open is closed already");
                }
                Err(e) => return Err(e.into()),
            }
        }
        let waiting_since = tokio::time::Instant::now();
        let started = loop {
            match self
                .backbone()
                .start_sync_run(SyncRunType::ExternalEventSync, None)
                .await
            {
                Err(e)
                    if e.code() == Some(ANOTHER_RUN_OPEN)
                        && waiting_since.elapsed() < OPEN_RUN_WAIT
                        && !self.is_stopping() =>
                {
                    tracing::debug!(
                        "another sync run of this identity is open; waiting for it to end or expire"
                    );
                    tokio::time::sleep(OPEN_RUN_RETRY).await;
                }
                other => break other?,
            }
        };
        let run = match (started.status, started.sync_run) {
            (StartSyncRunStatus::Created, Some(run)) => run.id,
            _ => return Ok(None),
        };
        // Recorded before its events are applied, so a replica taking over can finish it.
        self.sync_step(held, SyncStep::RunStarted(&run)).await?;
        let events = self.backbone().get_external_events(&run).await?;
        Ok(Some((run, events)))
    }

    /// `held`: the sync lease; the rounds stop before the next event once it is lost, and each
    /// event is a fenced step.
    /// `left_open`: the Backbone run a previous holder of the sync lease left open.
    async fn sync_rounds(
        &self,
        held: Option<&Held>,
        mut left_open: Option<String>,
    ) -> Result<SyncSummary> {
        let mut summary = SyncSummary::default();
        let mut oldest_event: Option<String> = None;
        for _ in 0..MAX_ROUNDS {
            let Some((run, events)) = self.next_run(held, &mut left_open).await? else {
                break;
            };
            if oldest_event.is_none() {
                oldest_event = events.iter().map(|e| e.created_at.clone()).min();
            }
            let mut results = Vec::with_capacity(events.len());
            for event in &events {
                if self.is_stopping() {
                    return Err(shutting_down());
                }
                if held.is_some_and(|held| held.lost.is_lost()) {
                    return Err(TransportError::rule(
                        "error.transport.syncLeaseLost",
                        "the sync lease was lost during the sync; it stopped and the next sync resumes",
                    ));
                }
                // The lost-lease check above is only as good as this process's sense of time: a
                // pause right here (GC, SIGSTOP) can outlast the lease. The fenced step catches it.
                crate::test_hooks::stop_at("sync-event");
                self.sync_step(held, SyncStep::Applying(&event.id)).await?;
                // The events of applying it get ids derived from the external event's id, so
                // applying it again after a crash (the run was not finalized) emits none twice.
                let applied = crate::events::with_cause(
                    format!("external:{}", event.id),
                    self.apply_external_event(event),
                )
                .await;
                match applied {
                    Ok(()) => {
                        summary.events_applied += 1;
                        results.push(ExternalEventResult::ok(&event.id));
                    }
                    Err(error) => {
                        summary.events_failed += 1;
                        tracing::warn!(event = %event.id, kind = ?event.event_type, %error, "external event failed");
                        results.push(ExternalEventResult::failed(&event.id, error_code(&error)));
                    }
                }
            }
            let finalized = self
                .backbone()
                .finalize_external_event_sync(
                    &run,
                    &FinalizeExternalEventSyncRequest {
                        external_event_results: results,
                        datawallet_modifications: Vec::new(),
                    },
                )
                .await?;
            if !finalized.new_unsynced_external_events_exist {
                break;
            }
        }
        self.record_sync_completed(held).await?;
        // Sync lag (observability/METRICS.md): the age of the oldest event this sync received.
        let lag = oldest_event
            .and_then(|at| {
                time::OffsetDateTime::parse(&at, &time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .map_or(0.0, |at| {
                (time::OffsetDateTime::now_utc() - at)
                    .as_seconds_f64()
                    .max(0.0)
            });
        tracing::debug!(gauge.connector_sync_lag_seconds = lag, "sync lag");
        Ok(summary)
    }

    /// Applies one external event; each area owns the events about its records.
    async fn apply_external_event(&self, event: &ExternalEvent) -> Result<()> {
        match &event.event_type {
            // Purely informational for this identity: nothing to store.
            ExternalEventType::TokenLocked | ExternalEventType::PeerFeatureFlagsChanged => Ok(()),
            ExternalEventType::RelationshipTemplateAllocationsExhausted => {
                self.announce_allocations_exhausted(&event.payload).await
            }
            ExternalEventType::MessageReceived => self.apply_message_received(&event.payload).await,
            ExternalEventType::FileOwnershipLocked => {
                self.apply_file_ownership_locked(&event.payload).await
            }
            ExternalEventType::FileOwnershipClaimed => {
                self.apply_file_ownership_claimed(&event.payload).await
            }
            ExternalEventType::RelationshipStatusChanged => {
                self.apply_relationship_event(&event.payload, None).await
            }
            ExternalEventType::RelationshipReactivationRequested => {
                self.apply_relationship_event(
                    &event.payload,
                    Some("transport.relationshipReactivationRequested"),
                )
                .await
            }
            ExternalEventType::RelationshipReactivationCompleted => {
                self.apply_relationship_event(
                    &event.payload,
                    Some("transport.relationshipReactivationCompleted"),
                )
                .await
            }
            ExternalEventType::PeerToBeDeleted => {
                self.apply_peer_deletion_event(
                    &event.payload,
                    Some("ToBeDeleted"),
                    "transport.peerToBeDeleted",
                )
                .await
            }
            ExternalEventType::PeerDeletionCancelled => {
                self.apply_peer_deletion_event(
                    &event.payload,
                    None,
                    "transport.peerDeletionCancelled",
                )
                .await
            }
            ExternalEventType::PeerDeleted => {
                self.apply_peer_deletion_event(
                    &event.payload,
                    Some("Deleted"),
                    "transport.peerDeleted",
                )
                .await
            }
            other => Err(TransportError::rule(
                "error.transport.externalEventNotSupported",
                format!("external events of type {other:?} are not supported yet"),
            )),
        }
    }

    async fn record_sync_completed(&self, held: Option<&Held>) -> Result<()> {
        let completed_at = nmshd_wire::CoreDate::now().to_iso_string();
        if let Some(held) = held {
            connector_store::fenced_update(
                self.store(),
                SyncInfo::COLLECTION,
                SYNC_INFO_ID,
                held.token,
                |info| {
                    info.insert("lastSyncRunCompletedAt".into(), completed_at.clone().into());
                    info.remove("applyingEvent");
                    info.remove("openSyncRun");
                },
            )
            .await?;
            return Ok(());
        }
        let info = SyncInfo {
            id: SYNC_INFO_ID.into(),
            last_sync_run_completed_at: Some(completed_at),
            ..SyncInfo::default()
        };
        match documents::get::<SyncInfo>(self.store(), SYNC_INFO_ID).await? {
            None => match documents::insert(self.store(), &info).await {
                Err(TransportError::Store(e)) if e.is_conflict() => Ok(()),
                other => other.map(|_| ()),
            },
            Some(_) => documents::update::<SyncInfo>(self.store(), SYNC_INFO_ID, |stored| {
                stored.last_sync_run_completed_at = info.last_sync_run_completed_at.clone();
                Ok(())
            })
            .await
            .map(|_| ()),
        }
    }

    /// For shutdown (cancels the shutdown token, [`crate::TransportConfig::shutdown`]): no sync
    /// starts any more, a running one stops before its next event (safe for the same reasons as
    /// a lost lease) and releases its lease, and the outbox's workers stop between deliveries
    /// and release theirs. Returns once none of them runs in this process.
    pub async fn stop(&self) {
        self.config().shutdown.cancel();
        let outbox = self.events().outbox().cloned();
        let workers = async {
            if let Some(outbox) = outbox {
                outbox.stop().await;
            }
        };
        let (no_sync_runs, ()) = tokio::join!(self.inner.sync_lock.lock(), workers);
        drop(no_sync_runs);
    }

    fn is_stopping(&self) -> bool {
        self.config().shutdown.is_cancelled()
    }

    /// When syncs last completed.
    pub async fn sync_info(&self) -> Result<SyncInfo> {
        Ok(documents::get::<SyncInfo>(self.store(), SYNC_INFO_ID)
            .await?
            .map(|s| s.record)
            .unwrap_or_default())
    }
}

/// The Backbone's error codes for a start while a run is open, and for a run closed already.
const ANOTHER_RUN_OPEN: &str =
    "error.platform.validation.syncRun.cannotStartSyncRunWhenAnotherSyncRunIsRunning";
const RUN_FINALIZED: &str = "error.platform.validation.syncRun.syncRunAlreadyFinalized";

/// A step of the sync, recorded in its progress document under the sync lease.
#[derive(Clone, Copy)]
enum SyncStep<'a> {
    /// The lease was taken: the step that fences off the previous holder.
    Claim,
    /// A Backbone run was started.
    RunStarted(&'a str),
    /// This external event is about to be applied.
    Applying(&'a str),
}

/// The sync lease as the sync uses it: its lost signal and its fencing token.
struct Held {
    lost: connector_lease::LostSignal,
    token: u64,
}

/// The sync lease, or `None` when another replica held it for the whole wait: that replica is
/// syncing this identity, so the work is done without this one.
async fn acquire_sync_lease(
    leases: Arc<dyn connector_lease::LeaseManager>,
    timings: crate::LeaseTimings,
    stopping: &tokio_util::sync::CancellationToken,
) -> Result<Option<connector_lease::LeaseGuard>> {
    let deadline = tokio::time::Instant::now() + timings.sync_wait;
    loop {
        let acquired =
            connector_lease::LeaseGuard::try_acquire(Arc::clone(&leases), "sync", timings.sync_ttl)
                .await
                .map_err(|e| {
                    TransportError::rule(
                        "error.transport.syncLeaseUnavailable",
                        format!("the sync lease: {e}"),
                    )
                })?;
        if let Some(lease) = acquired {
            return Ok(Some(lease));
        }
        if stopping.is_cancelled() {
            return Err(shutting_down());
        }
        if tokio::time::Instant::now() > deadline {
            return Ok(None);
        }
        // Another replica syncs: wait for its run to end, then sync once more, so that what
        // arrived before this call is applied when it returns.
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

fn shutting_down() -> TransportError {
    TransportError::rule(
        "error.transport.shuttingDown",
        "the Connector is shutting down; the next sync (here or on another replica) resumes",
    )
}

/// The code reported to the Backbone for a failed event (≤ 100 characters).
fn error_code(error: &TransportError) -> String {
    let code = match error {
        TransportError::Rule { code, .. } => code.clone(),
        TransportError::Backbone(e) => e.code().unwrap_or("error.transport.unknown").to_owned(),
        _ => "error.transport.unknown".to_owned(),
    };
    code.chars().take(100).collect()
}
