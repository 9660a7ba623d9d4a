//! One decider per incoming request: deciding runs item processors with side effects (new
//! attributes, forwardings) and sends the answer, so two concurrent decisions of one request —
//! two API calls, on one replica or on two — must not both run. In the process a set of the
//! requests being decided; across replicas a lease per request (when leases are configured).

use std::sync::{Arc, PoisonError};

use connector_lease::LeaseGuard;
use connector_transport::Result;

use crate::context::ConsumptionContext;
use crate::{Consumption, rule};

/// Held while one request is being decided and answered.
pub struct DecideGuard {
    id: String,
    context: Arc<ConsumptionContext>,
    _lease: Option<LeaseGuard>,
}

impl std::fmt::Debug for DecideGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecideGuard")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl Drop for DecideGuard {
    fn drop(&mut self) {
        self.context
            .deciding
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.id);
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
        self.try_claim_decision(id).await?.ok_or_else(|| busy(id))
    }

    /// Claims the decision of request `id`; `None` while someone else (a person through the
    /// API, or another replica) decides it, which is normal and no error.
    pub(crate) async fn try_claim_decision(&self, id: &str) -> Result<Option<DecideGuard>> {
        let context = self.context();
        if !context
            .deciding
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id.to_owned())
        {
            return Ok(None);
        }
        let mut guard = DecideGuard {
            id: id.to_owned(),
            context,
            _lease: None,
        };
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
            let Some(lease) = lease else {
                return Ok(None);
            };
            guard._lease = Some(lease);
        }
        Ok(Some(guard))
    }
}
