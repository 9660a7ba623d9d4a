//! Holding a lease while work runs: renewal in the background, and a signal the moment the
//! lease can no longer be trusted (renewal refused, or not confirmed before the lease's local
//! deadline), so the work stops instead of carrying on unprotected.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::{Lease, LeaseManager, Result};

/// Becomes "lost" once the lease is no longer held (lost, released or its guard dropped).
#[derive(Debug, Clone)]
pub struct LostSignal(watch::Receiver<bool>);

impl LostSignal {
    /// True once the lease is no longer held.
    pub fn is_lost(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves when the lease is no longer held (at once if that is already so).
    pub async fn wait(&mut self) {
        // An error means the sender is gone, which only happens after the guard ended.
        let _ = self.0.wait_for(|lost| *lost).await;
    }
}

/// A held lease renewed in the background every third of its TTL. Dropping the guard stops
/// renewal and releases the lease in the background; [`LeaseGuard::release`] does it in place.
#[derive(Debug)]
pub struct LeaseGuard {
    manager: Arc<dyn LeaseManager>,
    lease: Lease,
    lost: watch::Sender<bool>,
    renewal: JoinHandle<()>,
    released: bool,
}

impl LeaseGuard {
    /// Acquires `name` for `ttl` and starts renewing it; `None` if somebody else holds it.
    pub async fn try_acquire(
        manager: Arc<dyn LeaseManager>,
        name: &str,
        ttl: Duration,
    ) -> Result<Option<Self>> {
        let Some(lease) = manager.try_acquire(name, ttl).await? else {
            return Ok(None);
        };
        let (lost, _) = watch::channel(false);
        let renewal = tokio::spawn(renew_until_lost(
            Arc::clone(&manager),
            lease.clone(),
            ttl,
            lost.clone(),
        ));
        Ok(Some(Self {
            manager,
            lease,
            lost,
            renewal,
            released: false,
        }))
    }

    /// The lease as acquired (its `expires_at` is not updated by renewals).
    pub fn lease(&self) -> &Lease {
        &self.lease
    }

    /// The fencing token to send along with every write made under this lease.
    pub fn fencing_token(&self) -> u64 {
        self.lease.fencing_token
    }

    /// Replaces this lease's fencing token by one larger than `above` (see
    /// [`LeaseManager::raise_fencing_token`]). `false` if the lease is no longer held.
    pub async fn raise_fencing_token(&mut self, above: u64) -> Result<bool> {
        match self.manager.raise_fencing_token(&self.lease, above).await? {
            Some(token) => {
                self.lease.fencing_token = token;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// A signal that turns "lost" once the lease is no longer held.
    pub fn lost_signal(&self) -> LostSignal {
        LostSignal(self.lost.subscribe())
    }

    /// True once the lease is no longer held.
    pub fn is_lost(&self) -> bool {
        *self.lost.borrow()
    }

    /// Stops renewal and releases the lease. `false` if it was no longer held.
    pub async fn release(mut self) -> Result<bool> {
        self.released = true;
        self.renewal.abort();
        self.lost.send_replace(true);
        self.manager.release(&self.lease).await
    }
}

impl Drop for LeaseGuard {
    fn drop(&mut self) {
        self.renewal.abort();
        self.lost.send_replace(true);
        if self.released {
            return;
        }
        // Best effort: without a runtime the lease simply runs out after its TTL.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let (manager, lease) = (Arc::clone(&self.manager), self.lease.clone());
            runtime.spawn(async move {
                if let Err(e) = manager.release(&lease).await {
                    tracing::warn!(lease = %lease.name, error = %e, "releasing a dropped lease failed; it runs out by itself");
                }
            });
        }
    }
}

/// Renews every `ttl / 3`. A refused renewal means the lease is gone. A failed or slow one is
/// retried until the lease's local deadline (last confirmed renewal's send time + TTL); past
/// that, the backend may already have given the lease to somebody else, so it counts as lost.
async fn renew_until_lost(
    manager: Arc<dyn LeaseManager>,
    lease: Lease,
    ttl: Duration,
    lost: watch::Sender<bool>,
) {
    let interval = ttl / 3;
    let mut deadline = lease.expires_at;
    loop {
        let next = (Instant::now() + interval).min(deadline);
        tokio::time::sleep_until(next.into()).await;
        let sent = Instant::now();
        if sent >= deadline {
            tracing::warn!(lease = %lease.name, "lease not renewed in time; treating it as lost");
            break;
        }
        match tokio::time::timeout(deadline - sent, manager.renew(&lease, ttl)).await {
            Ok(Ok(true)) => deadline = sent + ttl,
            Ok(Ok(false)) => {
                tracing::warn!(lease = %lease.name, "lease lost: it expired or was taken over");
                break;
            }
            Ok(Err(e)) => {
                tracing::warn!(lease = %lease.name, error = %e, "renewing the lease failed; retrying");
            }
            Err(_) => {} // deadline reached; the next round reports the loss
        }
    }
    lost.send_replace(true);
}
