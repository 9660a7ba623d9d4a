//! Deciding incoming requests (content-model §5.11): `canAccept`/`canReject` over the decide
//! body, `accept`/`reject` (item processors, then Decided with the Response), and `complete`
//! once the ResponseWrapper went out.

use connector_transport::Result;
use connector_transport::documents;
use serde_json::{Map, Value, json};

use crate::items;
use crate::records::{LocalRequest, LocalResponse, RequestStatus, Source};
use crate::validation::{INHERITED_FROM_ITEM, ValidationResult};
use crate::{Consumption, now, rule};

const DECIDE: &str = "error.consumption.requests.decide.validation";

fn decide_error(code: &str, message: impl Into<String>) -> ValidationResult {
    ValidationResult::error(format!("{DECIDE}.{code}"), message)
}

fn is_group(value: &Value) -> bool {
    value.get("@type").and_then(Value::as_str) == Some("RequestItemGroup")
}

fn accepted(params: &Value) -> bool {
    params.get("accept") == Some(&Value::Bool(true))
}

fn empty() -> Map<String, Value> {
    Map::new()
}

/// The decide body's `items`, or the validation error the REST layer answers.
fn decide_items(body: &Value) -> Result<&[Value]> {
    body.get("items")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .ok_or_else(|| crate::invalid("items :: Value is not defined"))
}

impl Consumption {
    /// `PUT /Requests/Incoming/{id}/CanAccept` (`accept`) and `/CanReject`.
    pub async fn can_decide(
        &self,
        id: &str,
        body: &Value,
        accept: bool,
    ) -> Result<ValidationResult> {
        let request = self.request(id, false).await?;
        self.check_decide(&request, body, accept).await
    }

    async fn check_decide(
        &self,
        request: &LocalRequest,
        body: &Value,
        accept: bool,
    ) -> Result<ValidationResult> {
        if !matches!(
            request.status,
            RequestStatus::DecisionRequired | RequestStatus::ManualDecisionRequired
        ) {
            return Err(rule(
                "error.consumption.requests.wrongRequestStatus",
                format!(
                    "The incoming Request '{}' is in status '{}', but it has to be in status 'DecisionRequired' or 'ManualDecisionRequired' to be decided.",
                    request.id,
                    request.status.as_str()
                ),
            ));
        }
        if let Some(error) = self.relationship_error_for_decide(request).await? {
            return Ok(error);
        }
        let answers = decide_items(body)?;
        let items = request.items();
        if answers.len() != items.len() {
            return Ok(decide_error(
                "invalidNumberOfItems",
                "Number of items in Request and Response do not match",
            ));
        }
        // Shape, then the request-level accept rules, then the item rules.
        for (item, answer) in items.iter().zip(answers) {
            let answered_as_group = answer.get("items").is_some() && answer.get("accept").is_none();
            match (is_group(item), answered_as_group) {
                (false, true) => {
                    return Ok(decide_error(
                        "requestItemAnsweredAsRequestItemGroup",
                        "The RequestItem was answered as a RequestItemGroup.",
                    ));
                }
                (true, false) => {
                    return Ok(decide_error(
                        "requestItemGroupAnsweredAsRequestItem",
                        "The RequestItemGroup was answered as a RequestItem.",
                    ));
                }
                (true, true) => {
                    let inner = item["items"].as_array().map_or(0, Vec::len);
                    if answer["items"].as_array().map_or(0, Vec::len) != inner {
                        return Ok(decide_error(
                            "invalidNumberOfItems",
                            "Number of items in RequestItemGroup and ResponseItemGroup do not match",
                        ));
                    }
                }
                (false, false) => {}
            }
        }
        for (item, answer) in items::flatten(&request.content)
            .into_iter()
            .zip(flatten_answers(answers))
        {
            let item_accepted = accepted(answer);
            if !accept && item_accepted {
                return Ok(decide_error(
                    "itemAcceptedButRequestNotAccepted",
                    "The RequestItem was accepted, but the parent was not accepted.",
                ));
            }
            if accept && !item_accepted && item.get("mustBeAccepted") == Some(&Value::Bool(true)) {
                return Ok(decide_error(
                    "mustBeAcceptedItemNotAccepted",
                    "The RequestItem is flagged as 'mustBeAccepted', but it was not accepted.",
                ));
            }
        }
        let mut results = Vec::with_capacity(items.len());
        for (item, answer) in items.iter().zip(answers) {
            if is_group(item) {
                let mut inner = Vec::new();
                let nested = item["items"].as_array().map_or(&[][..], Vec::as_slice);
                let nested_answers = answer["items"].as_array().map_or(&[][..], Vec::as_slice);
                for (i, a) in nested.iter().zip(nested_answers) {
                    inner.push(self.can_decide_item(i, a, &request.peer).await?);
                }
                results.push(ValidationResult::from_items(inner));
            } else {
                results.push(self.can_decide_item(item, answer, &request.peer).await?);
            }
        }
        Ok(ValidationResult::from_items(results))
    }

    async fn can_decide_item(
        &self,
        item: &Value,
        answer: &Value,
        sender: &str,
    ) -> Result<ValidationResult> {
        if !accepted(answer) {
            return Ok(ValidationResult::success());
        }
        let params = answer.as_object().cloned().unwrap_or_else(empty);
        items::can_accept(self, item, &params, sender).await
    }

    async fn relationship_error_for_decide(
        &self,
        request: &LocalRequest,
    ) -> Result<Option<ValidationResult>> {
        let peer = request.peer.as_str();
        let from_template =
            request.source.as_ref().map(|s| s.kind.as_str()) == Some("RelationshipTemplate");
        let relationship = self.transport().relationship_to(peer).await?;
        let relationship = relationship.map(|r| r.record);
        // A template request may be answered without a relationship (or after a rejected or
        // revoked one): the answer creates the relationship.
        if from_template
            && relationship
                .as_ref()
                .is_none_or(|r| matches!(r.status.as_str(), "Rejected" | "Revoked"))
        {
            return Ok(None);
        }
        let Some(relationship) = relationship else {
            return Ok(Some(ValidationResult::error(
                "error.consumption.requests.missingRelationship",
                format!(
                    "You cannot decide a request from '{peer}' since there is no relationship."
                ),
            )));
        };
        if relationship.status.as_str() != "Active" {
            return Ok(Some(ValidationResult::error(
                "error.consumption.requests.wrongRelationshipStatus",
                format!(
                    "You cannot decide a request from '{peer}' since the relationship is in status '{}'.",
                    relationship.status.as_str()
                ),
            )));
        }
        Ok(crate::requests::peer_deletion_error(
            relationship.peer_deletion_info.as_ref(),
            peer,
        ))
    }

    /// `PUT /Requests/Incoming/{id}/Accept` (`accept`) and `/Reject`: runs the item processors
    /// and moves the request to Decided with its Response. Returns the decided request and the
    /// `ResponseWrapper` to send to the peer.
    pub async fn decide(
        &self,
        id: &str,
        body: &Value,
        accept: bool,
    ) -> Result<(LocalRequest, Value)> {
        self.decide_as(id, body, accept, false).await
    }

    /// [`Self::decide`]; `automated` marks the request `wasAutomaticallyDecided` in the same write.
    pub(crate) async fn decide_as(
        &self,
        id: &str,
        body: &Value,
        accept: bool,
        automated: bool,
    ) -> Result<(LocalRequest, Value)> {
        let request = self.request(id, false).await?;
        let result = self.check_decide(&request, body, accept).await?;
        if let Some((code, message)) = &result.error {
            if code == INHERITED_FROM_ITEM {
                return Err(rule(
                    INHERITED_FROM_ITEM,
                    "Some child items have errors. Call 'canAccept' or 'canReject' to get more information.",
                ));
            }
            return Err(rule(code, message.clone()));
        }
        let answers = decide_items(body)?;
        let mut response_items = Vec::with_capacity(answers.len());
        for (item, answer) in request.items().iter().zip(answers) {
            if is_group(item) {
                let nested = item["items"].as_array().map_or(&[][..], Vec::as_slice);
                let nested_answers = answer["items"].as_array().map_or(&[][..], Vec::as_slice);
                let mut inner = Vec::new();
                for (i, a) in nested.iter().zip(nested_answers) {
                    inner.push(self.decide_item(i, a, &request).await?);
                }
                response_items.push(json!({"@type": "ResponseItemGroup", "items": inner}));
            } else {
                response_items.push(self.decide_item(item, answer, &request).await?);
            }
        }
        let response = json!({
            "@type": "Response",
            "result": if accept { "Accepted" } else { "Rejected" },
            "requestId": request.id,
            "items": response_items,
        });
        let now = now();
        let old = request.status;
        let decided = documents::update::<LocalRequest>(self.store(), id, |r| {
            if !matches!(
                r.status,
                RequestStatus::DecisionRequired | RequestStatus::ManualDecisionRequired
            ) {
                return Err(rule(
                    "error.consumption.requests.wrongRequestStatus",
                    format!("The incoming Request '{id}' was decided meanwhile."),
                ));
            }
            r.change_status(RequestStatus::Decided, &now);
            if automated {
                r.was_automatically_decided = Some(true);
            }
            r.response = Some(LocalResponse {
                created_at: now.clone(),
                content: response.clone(),
                source: None,
            });
            Ok(())
        })
        .await?
        .record;
        self.publish_status_change(&decided, old).await;
        let wrapper = response_wrapper(&decided);
        Ok((decided, wrapper))
    }

    async fn decide_item(
        &self,
        item: &Value,
        answer: &Value,
        request: &LocalRequest,
    ) -> Result<Value> {
        let params = answer.as_object().cloned().unwrap_or_else(empty);
        if accepted(answer) {
            items::accept(self, item, &params, &request.peer, &request.id).await
        } else {
            Ok(items::reject_item(&params))
        }
    }

    /// `complete` of an incoming request: its answer went out (`source`: the ResponseWrapper
    /// message or the created relationship; none for a rejected template request).
    /// Decided → Completed; idempotent.
    pub async fn incoming_request_completed(
        &self,
        id: &str,
        source: Option<Source>,
    ) -> Result<LocalRequest> {
        let now = now();
        let mut changed = false;
        let updated = documents::update::<LocalRequest>(self.store(), id, |r| {
            changed = r.status == RequestStatus::Decided;
            if changed {
                r.change_status(RequestStatus::Completed, &now);
                if let Some(response) = &mut r.response {
                    response.source = source.clone();
                }
            }
            Ok(())
        })
        .await?
        .record;
        if changed {
            self.publish_status_change(&updated, RequestStatus::Decided)
                .await;
        }
        Ok(updated)
    }
}

/// The `ResponseWrapper` that answers a decided incoming request (its stored Response).
pub(crate) fn response_wrapper(decided: &LocalRequest) -> Value {
    let source = decided.source.clone().unwrap_or(Source {
        kind: "Message".into(),
        reference: String::new(),
    });
    let response = decided
        .response
        .as_ref()
        .map_or(Value::Null, |r| r.content.clone());
    json!({
        "@type": "ResponseWrapper",
        "requestId": decided.id,
        "requestSourceReference": source.reference,
        "requestSourceType": source.kind,
        "response": response,
    })
}

fn flatten_answers(answers: &[Value]) -> Vec<&Value> {
    let mut out = Vec::new();
    for answer in answers {
        match answer.get("items").and_then(Value::as_array) {
            Some(inner) if answer.get("accept").is_none() => out.extend(inner),
            _ => out.push(answer),
        }
    }
    out
}
