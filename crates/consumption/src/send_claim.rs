//! Claim before side effect: an outgoing request is claimed for sending by compare-and-set
//! before the message carrying it leaves, so of two concurrent `POST /Messages` with one request
//! (on one replica or two) exactly one sends it; the other answers as the runtime does for a
//! request that was sent already.
//!
//! The claim is a record of its own (`RequestSendClaims`, id = the request's id), not a status:
//! the request stays `Draft` until its message went out (then `Open`), as clients of the runtime
//! see it. A claim expires (`lease_timings.request_send_ttl`), so a process that died between
//! claim and send leaves nothing stuck: the next send after the expiry takes the claim over. If
//! the dead process had sent the message already (it is stored locally), the takeover completes
//! the request with that message instead of sending it again.

use std::time::{SystemTime, UNIX_EPOCH};

use connector_store::Filter;
use connector_transport::documents::{self, Record};
use connector_transport::messages::MessageRecord;
use connector_transport::{Result, TransportError};
use serde::{Deserialize, Serialize};

use crate::records::{LocalRequest, RequestStatus};
use crate::{Consumption, new_id, rule};

/// A send in progress of the outgoing request `id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RequestSendClaim {
    /// The request's id.
    id: String,
    /// Who holds the claim (fresh per claim).
    token: String,
    /// Unix milliseconds after which another sender may take the claim over.
    expires_at_ms: u64,
}

impl Record for RequestSendClaim {
    const COLLECTION: &'static str = "RequestSendClaims";
}

/// A held claim; give it back with [`Consumption::release_request_send`] once the request is
/// `Open` or the send was refused. After an unexpected failure it is left to expire.
#[derive(Debug)]
#[must_use = "a claim is released after the send"]
pub struct SendClaim {
    request_id: String,
    token: String,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// What a second sender hears: the runtime's answer for a request that was sent already.
fn already_sent() -> TransportError {
    rule(
        "error.runtime.messages.cannotSendRequestThatWasAlreadySent",
        "The Message cannot be sent as the contained Request has already been sent. Please create a new Request and try again.",
    )
}

impl Consumption {
    /// Claims the Draft outgoing request `id` for sending its message. Fails with
    /// `cannotSendRequestThatWasAlreadySent` while another sender holds a live claim or when the
    /// request is no longer Draft.
    pub async fn claim_request_send(&self, id: &str) -> Result<SendClaim> {
        let ttl = self.transport().config().lease_timings.request_send_ttl;
        let token = new_id("SCL");
        const ATTEMPTS: usize = 8;
        for _ in 0..ATTEMPTS {
            let claim = RequestSendClaim {
                id: id.to_owned(),
                token: token.clone(),
                expires_at_ms: now_ms() + u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX),
            };
            let taken = match documents::get::<RequestSendClaim>(self.store(), id).await? {
                None => documents::insert(self.store(), &claim).await.map(|_| false),
                Some(held) if held.record.expires_at_ms > now_ms() => return Err(already_sent()),
                Some(stale) => {
                    tracing::warn!(
                        request = id,
                        "taking over the expired send claim of a sender that did not finish"
                    );
                    documents::replace(self.store(), &claim, stale.version)
                        .await
                        .map(|_| true)
                }
            };
            let took_over = match taken {
                Ok(took_over) => took_over,
                // Another sender claimed it meanwhile: look again.
                Err(TransportError::Store(e)) if e.is_conflict() => continue,
                Err(other) => return Err(other),
            };
            let claim = SendClaim {
                request_id: id.to_owned(),
                token,
            };
            return match self.check_claimed_request(id, took_over).await {
                Ok(()) => Ok(claim),
                Err(error) => {
                    self.release_request_send(claim).await;
                    Err(error)
                }
            };
        }
        Err(already_sent())
    }

    /// Under the claim: the request must still be Draft. After a takeover, a message the dead
    /// sender stored already completes the request instead of a second send.
    async fn check_claimed_request(&self, id: &str, took_over: bool) -> Result<()> {
        let request = documents::get::<LocalRequest>(self.store(), id)
            .await?
            .map(|s| s.record)
            .ok_or_else(|| TransportError::not_found("Request", id))?;
        if request.status != RequestStatus::Draft {
            return Err(already_sent());
        }
        if took_over {
            let filter = Filter::And(vec![
                crate::attributes::eq("isOwn", true)?,
                crate::attributes::eq("content.id", id)?,
            ]);
            let sent: Vec<MessageRecord> = documents::find_records(self.store(), &filter).await?;
            if let Some(message) = sent.first() {
                tracing::warn!(request = id, message_id = %message.id, "the expired sender had sent the request; completing it");
                self.outgoing_request_sent(id, &message.id).await?;
                return Err(already_sent());
            }
        }
        Ok(())
    }

    /// Gives the claim back (if it is still ours): the request is Open now, or the send failed
    /// and it may be sent again.
    pub async fn release_request_send(&self, claim: SendClaim) {
        let outcome =
            match documents::get::<RequestSendClaim>(self.store(), &claim.request_id).await {
                Ok(Some(held)) if held.record.token == claim.token => self
                    .store()
                    .delete(
                        RequestSendClaim::COLLECTION,
                        &claim.request_id,
                        Some(held.version),
                    )
                    .await
                    .map(|_| ())
                    .map_err(TransportError::from),
                Ok(_) => Ok(()),
                Err(e) => Err(e),
            };
        if let Err(error) = outcome {
            // It expires by itself.
            tracing::warn!(request = %claim.request_id, %error, "could not release the send claim");
        }
    }
}
