//! One decider per incoming request: deciding runs item processors with side effects (new
//! attributes, forwardings) and sends the answer, so two concurrent decisions of one request —
//! two API calls, on one replica or on two — must not both run. In the process a set of the
//! requests being decided; across replicas a lease per request (when leases are configured).

use std::collections::HashSet;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use connector_lease::LeaseGuard;
use connector_transport::Result;

use crate::{Consumption, rule};

static DECIDING: LazyLock<Mutex<HashSet<String>>> = LazyLock::new(Mutex::default);

/// Held while one request is being decided and answered.
#[derive(Debug)]
pub struct DecideGuard {
    key: String,
    _lease: Option<LeaseGuard>,
}

impl Drop for DecideGuard {
    fn drop(&mut self) {
        DECIDING
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.key);
    }
}

fn busy(id: &str) -> connector_transport::TransportError {
    rule(
        "error.consumption.requests.wrongRequestStatus",
        format!("The incoming Request '{id}' is being decided right now."),
    )
}

impl Consumption {
    /// Claims the decision of request `id`, or refuses while someone else decides it.
    pub async fn claim_decision(&self, id: &str) -> Result<DecideGuard> {
        let key = format!("{}/{id}", self.address());
        if !DECIDING
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key.clone())
        {
            return Err(busy(id));
        }
        let mut guard = DecideGuard { key, _lease: None };
        if let Some(leases) = &self.transport().config().leases {
            // Long enough for the processors and sending the answer; renewed while held.
            let ttl = self.transport().config().lease_timings.decide_ttl;
            let lease = LeaseGuard::try_acquire(Arc::clone(leases), &format!("decide-{id}"), ttl)
                .await
                .map_err(|e| {
                    rule(
                        "error.connector.unexpected",
                        format!("the decide lease: {e}"),
                    )
                })?;
            guard._lease = Some(lease.ok_or_else(|| busy(id))?);
        }
        Ok(guard)
    }
}
