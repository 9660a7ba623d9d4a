//! The actual deletion of identities whose grace period is over (the real Backbone's
//! `ActualDeletionWorker`, backbone-api §5.4).
//!
//! The real job moves a ripe deletion process and its identity to `Deleting`, which makes the
//! Relationships module send every peer of a Pending, Active or Terminated relationship a
//! `PeerDeleted` external event (`relationshipId`, `deletionDate` = now); then it erases the
//! identity's data; for relationships that means decomposing each on the identity's behalf
//! (`DecompositionDueToIdentityDeletion`), replacing its address by the anonymous one and telling
//! the peer with `RelationshipStatusChanged` unless the relationship became `ReadyForDeletion`
//! (backbone-api §6.1). The dev Backbone does that too, but keeps the rest of the identity's data:
//! the process and identity stay in `Deleting`, the devices can no longer log in or use their
//! tokens. Everything is journaled like any write and announced over SSE.

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;

use crate::api::identities::tell_peers;
use crate::clock::format;
use crate::db::State;
use crate::model::{
    AuditEntry, AuditReason, DeletionProcessStatus, IdentityStatus, RelationshipStatus,
};
use crate::server::{Backend, Tx, lock};

/// How often the job looks for ripe deletion processes (a read of the process table).
const INTERVAL: Duration = Duration::from_secs(1);

/// Runs until the task is aborted; a write only happens when some process is ripe.
pub async fn run(backend: Arc<Backend>) {
    let mut ticks = tokio::time::interval(INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let now = crate::clock::now();
        if !backend.read(|state| has_ripe(state, now)) {
            continue;
        }
        let worker = backend.clone();
        // The write fsyncs the journal: keep it off the async workers.
        match tokio::task::spawn_blocking(move || delete_ripe(&worker)).await {
            Ok(deleted) if !deleted.is_empty() => {
                tracing::info!(identities = ?deleted, "identities deleted after their grace period");
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "the actual deletion job failed"),
        }
    }
}

fn has_ripe(state: &State, now: OffsetDateTime) -> bool {
    state
        .deletion_processes
        .values()
        .any(|p| p.status == DeletionProcessStatus::Active && p.grace_period_ends_at <= now)
}

/// Deletes every identity whose active deletion process is ripe; returns their addresses.
pub fn delete_ripe(backend: &Backend) -> Vec<String> {
    let anonymous = crate::anonymous_address(&backend.config.did_domain);
    let result = backend.write(|tx| {
        let now = tx.now;
        let ripe: Vec<(String, String)> = tx
            .state
            .deletion_processes
            .values()
            .filter(|p| p.status == DeletionProcessStatus::Active && p.grace_period_ends_at <= now)
            .map(|p| (p.id.clone(), p.address.clone()))
            .collect();
        for (process_id, address) in &ripe {
            tx.state
                .deletion_processes
                .update(process_id, |p| p.status = DeletionProcessStatus::Deleting);
            tx.state
                .identities
                .update(address, |i| i.status = IdentityStatus::Deleting);
            // The real Backbone stamps the external event with the moment the job ran.
            tell_peers(tx, address, "PeerDeleted", Some(format(now)));
            decompose_relationships(tx, address, &anonymous);
        }
        Ok(ripe
            .into_iter()
            .map(|(_, address)| address)
            .collect::<Vec<_>>())
    });
    let deleted = result.unwrap_or_default();
    if !deleted.is_empty() {
        // A deleted identity's access tokens stop working with it.
        lock(&backend.sessions).retain(|_, s| !deleted.contains(&s.caller.address));
    }
    deleted
}

/// Decomposes every relationship of the deleted identity on its behalf and anonymises it there.
fn decompose_relationships(tx: &mut Tx<'_>, address: &str, anonymous: &str) {
    let ids: Vec<String> = tx
        .state
        .relationships
        .rows_by(&crate::db::party_key(address))
        .filter(|r| r.involves(address) && !r.decomposed_by(address))
        .map(|r| r.id.clone())
        .collect();
    let now = tx.now;
    for id in ids {
        let changed = tx.state.relationships.update(&id, |r| {
            let old = r.status;
            // The peer decomposed first: the deletion completes it.
            let new = if old == RelationshipStatus::DeletionProposed {
                RelationshipStatus::ReadyForDeletion
            } else {
                RelationshipStatus::DeletionProposed
            };
            let peer = r.peer_of(address).to_owned();
            r.status = new;
            r.audit_log.push(AuditEntry {
                created_at: now,
                created_by: address.to_owned(),
                created_by_device: None,
                reason: AuditReason::DecompositionDueToIdentityDeletion,
                old_status: Some(old),
                new_status: new,
            });
            if r.from == address {
                r.from_decomposed = true;
                r.from = anonymous.to_owned();
            } else {
                r.to_decomposed = true;
                r.to = anonymous.to_owned();
            }
            for entry in r.audit_log.iter_mut().filter(|e| e.created_by == address) {
                entry.created_by = anonymous.to_owned();
                entry.created_by_device = None;
            }
            (new, peer)
        });
        if let Some((new, peer)) = changed
            && new != RelationshipStatus::ReadyForDeletion
        {
            tx.emit(
                &peer,
                "RelationshipStatusChanged",
                serde_json::json!({ "relationshipId": id }),
                Some(&id),
                false,
            );
        }
    }
}
