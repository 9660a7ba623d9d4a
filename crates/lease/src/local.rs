//! In-process leases with the same semantics as [`crate::RedisLeases`], for the embedded
//! single-replica setup (no Redis needed). Clones share state; separate instances do not.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use crate::{Lease, LeaseManager, Result, new_holder, ttl_millis, validate_name};

/// In-process lease manager.
#[derive(Debug, Clone, Default)]
pub struct LocalLeases {
    slots: Arc<Mutex<HashMap<String, Slot>>>,
}

/// One lease name: the current holder (if any) and the last fencing token handed out, which
/// outlives the holder just like Redis's counter key.
#[derive(Debug, Default)]
struct Slot {
    holder: Option<(String, Instant)>,
    last_token: u64,
}

impl Slot {
    /// The holder, unless its lease has run out.
    fn live_holder(&self, now: Instant) -> Option<&str> {
        self.holder
            .as_ref()
            .filter(|(_, expires)| *expires > now)
            .map(|(holder, _)| holder.as_str())
    }
}

impl LocalLeases {
    /// An empty manager.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `f` on the slot of `name` under the lock. Nothing in `f` can panic half-way, so a
    /// poisoned lock still holds consistent data and is used as is.
    fn with_slot<T>(&self, name: &str, f: impl FnOnce(&mut Slot) -> T) -> T {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        f(slots.entry(name.to_owned()).or_default())
    }
}

#[async_trait::async_trait]
impl LeaseManager for LocalLeases {
    async fn try_acquire(&self, name: &str, ttl: Duration) -> Result<Option<Lease>> {
        validate_name(name)?;
        ttl_millis(ttl)?;
        let now = Instant::now();
        Ok(self.with_slot(name, |slot| {
            if slot.live_holder(now).is_some() {
                return None;
            }
            slot.last_token += 1;
            let holder = new_holder();
            slot.holder = Some((holder.clone(), now + ttl));
            Some(Lease {
                name: name.to_owned(),
                holder,
                fencing_token: slot.last_token,
                acquired_at: SystemTime::now(),
                expires_at: now + ttl,
            })
        }))
    }

    async fn renew(&self, lease: &Lease, ttl: Duration) -> Result<bool> {
        validate_name(&lease.name)?;
        ttl_millis(ttl)?;
        let now = Instant::now();
        Ok(self.with_slot(&lease.name, |slot| {
            if slot.live_holder(now) != Some(lease.holder.as_str()) {
                return false;
            }
            slot.holder = Some((lease.holder.clone(), now + ttl));
            true
        }))
    }

    async fn release(&self, lease: &Lease) -> Result<bool> {
        validate_name(&lease.name)?;
        let now = Instant::now();
        Ok(self.with_slot(&lease.name, |slot| {
            if slot.live_holder(now) != Some(lease.holder.as_str()) {
                return false;
            }
            slot.holder = None;
            true
        }))
    }

    async fn raise_fencing_token(&self, lease: &Lease, above: u64) -> Result<Option<u64>> {
        validate_name(&lease.name)?;
        let now = Instant::now();
        Ok(self.with_slot(&lease.name, |slot| {
            if slot.live_holder(now) != Some(lease.holder.as_str()) {
                return None;
            }
            slot.last_token = slot.last_token.max(above) + 1;
            Some(slot.last_token)
        }))
    }
}
