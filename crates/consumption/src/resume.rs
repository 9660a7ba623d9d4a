//! At start: consumption work a crash left unfinished. An incoming request that was stored but
//! not decided (DecisionRequired: the process died between storing and deciding) goes through
//! the decider; a request that was decided but whose answer was never marked sent (Decided: a
//! sent answer moves it to Completed with the answer as its response's source) is answered.
//!
//! Once across replicas: each request is worked on only under its decide claim (the in-process
//! set and, with several replicas, the Redis lease `decide-{id}`, taken by set-if-absent), and
//! its status is read again after claiming; the status changes themselves are compare-and-set
//! updates. An answer is sent only when none is on record: an own ResponseWrapper message for the
//! request, or a relationship whose creation content carries its Response.

use std::time::Duration;

use connector_store::{Condition, Filter};
use connector_transport::Result;
use serde_json::Value;

use crate::Consumption;
use crate::decide::response_wrapper;
use crate::records::{LocalRequest, RequestStatus, Source};

/// Passes over the unfinished requests: a claim held by a killed process (its lease) runs out
/// within the decide lease's 30 s, so a request found busy is tried again after that.
const PASSES: usize = 3;
const BUSY_RETRY: Duration = Duration::from_secs(31);

impl Consumption {
    /// Finishes what a crash left undone; requests another replica is working on right now are
    /// tried again later (they are usually done by then).
    pub async fn resume_unfinished(&self) -> Result<()> {
        for pass in 1..=PASSES {
            let busy = self.resume_pass().await?;
            if busy == 0 {
                return Ok(());
            }
            if pass < PASSES {
                tracing::info!(
                    busy,
                    "unfinished requests are being worked on elsewhere; trying again later"
                );
                tokio::time::sleep(BUSY_RETRY).await;
            }
        }
        Ok(())
    }

    /// One pass; the number of requests whose claim was held by someone else.
    async fn resume_pass(&self) -> Result<usize> {
        let unfinished = Filter::field(
            "status",
            Condition::In(vec!["DecisionRequired".into(), "Decided".into()]),
        )?;
        let mut busy = 0;
        for found in self.requests(false, unfinished).await? {
            match self.resume_request(&found.id).await {
                // Held elsewhere (another replica decides it) or the lease unreachable: next pass.
                Ok(false) => busy += 1,
                Ok(true) => {}
                Err(e) => {
                    tracing::warn!(request = %found.id, error = %e, "resuming an unfinished request failed");
                }
            }
        }
        Ok(busy)
    }

    /// Finishes one request under its decide claim if it is unfinished (DecisionRequired: through
    /// the decider; Decided: its answer is sent unless on record). `Ok(false)` when the claim is
    /// held elsewhere (or the lease is unreachable), so nothing was done.
    pub(crate) async fn resume_request(&self, id: &str) -> Result<bool> {
        let Ok(Some(claim)) = self.try_claim_decision(id).await else {
            return Ok(false);
        };
        // Read again under the claim: someone may have finished it meanwhile.
        let request = self.request(id, false).await?;
        match request.status {
            RequestStatus::DecisionRequired => {
                tracing::info!(request = %request.id, "deciding an undecided request");
                self.decide_automatically_with(&request, Some(claim))
                    .await?;
            }
            RequestStatus::Decided => {
                tracing::info!(request = %request.id, "answering a decided request whose answer was not sent");
                let outcome = self.answer_unsent(&request).await;
                drop(claim);
                outcome?;
            }
            _ => {}
        }
        Ok(true)
    }

    /// Sends the answer of a Decided request unless it is on record already, then completes it.
    async fn answer_unsent(&self, request: &LocalRequest) -> Result<()> {
        let source = match self.answer_on_record(request).await? {
            Some(source) => Some(source),
            None => {
                let accept = request
                    .response
                    .as_ref()
                    .is_some_and(|r| r.content["result"] == "Accepted");
                self.answer_decided(request, response_wrapper(request), accept)
                    .await?
            }
        };
        self.incoming_request_completed(&request.id, source).await?;
        Ok(())
    }

    /// Where the answer to `request` went, if it went out before the crash.
    async fn answer_on_record(&self, request: &LocalRequest) -> Result<Option<Source>> {
        let wrappers = Filter::And(vec![
            Filter::eq("isOwn", true)?,
            Filter::eq("content.@type", "ResponseWrapper")?,
            Filter::eq("content.requestId", request.id.as_str())?,
        ]);
        if let Some(message) = self.transport().messages(&wrappers).await?.first() {
            return Ok(Some(Source {
                kind: "Message".into(),
                reference: message.id.clone(),
            }));
        }
        let relationships = self
            .transport()
            .relationships(&Filter::eq("peer", request.peer.as_str())?)
            .await?;
        Ok(relationships
            .iter()
            .find(|r| {
                r.creation_content["response"]["requestId"] == Value::String(request.id.clone())
            })
            .map(|r| Source {
                kind: "Relationship".into(),
                reference: r.id.clone(),
            }))
    }
}
