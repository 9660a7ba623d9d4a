//! The decider's `automationConfig` (content-model §5.12, the runtime's DeciderModule): a
//! received request is decided automatically when, going through the configured
//! `{requestConfig, responseConfig}` pairs in order, every item gets a response config; a
//! request with an Authentication or Consent item (also in a group) is always decided manually.
//!
//! Matching (per config key, all must hold): a dotted path into the `LocalRequestDTO` (general
//! keys) or into the item (`content.item.*` keys, prefix stripped); a missing value never
//! matches; arrays list alternatives; `…tags` (both arrays) need one common tag; `…At` are
//! dates, optionally prefixed `>`/`<` (all of an array must hold); objects compare as JSON.
//! `relationshipAlreadyExists` checks for a relationship with the peer. A general config (no
//! `content.item.@type`) with `accept: true` only answers CreateAttribute and ShareAttribute
//! items (as @nmshd/runtime 7.0.0 does).
//!
//! Requests from messages and from loaded peer templates are decided alike; the answer goes out
//! as the RequestModule sends it after any decision (see [`Consumption::answer_decided`]).

use std::sync::Arc;

use connector_transport::{Result, TransportError};
use serde_json::{Map, Value, json};

use crate::guard::DecideGuard;
use crate::records::{LocalRequest, Source};
use crate::{Consumption, now};

/// One `{requestConfig, responseConfig}` pair.
#[derive(Debug, Clone)]
pub struct AutomationConfig {
    request: Map<String, Value>,
    response: Value,
}

/// Parses `modules.decider.automationConfig` and checks each pair is compatible (the
/// runtime's `requestConfigDoesNotMatchResponseConfig` otherwise).
pub fn parse(value: &Value) -> std::result::Result<Vec<AutomationConfig>, String> {
    if value.is_null() {
        return Ok(Vec::new());
    }
    let Some(list) = value.as_array() else {
        return Err("modules.decider.automationConfig must be an array".into());
    };
    let mut out = Vec::with_capacity(list.len());
    for entry in list {
        let request = entry
            .get("requestConfig")
            .and_then(Value::as_object)
            .ok_or("every automationConfig entry needs a requestConfig object")?
            .clone();
        let response = entry
            .get("responseConfig")
            .filter(|r| r.get("accept").is_some_and(Value::is_boolean))
            .ok_or("every automationConfig entry needs a responseConfig with accept")?
            .clone();
        if !compatible(&request, &response) {
            return Err("The RequestConfig does not match the ResponseConfig.".into());
        }
        out.push(AutomationConfig { request, response });
    }
    Ok(out)
}

fn compatible(request: &Map<String, Value>, response: &Value) -> bool {
    if response["accept"] == false {
        return true;
    }
    let has = |name: &str| response.get(name).is_some();
    let simple = response.as_object().is_some_and(|r| r.len() == 1);
    match request.get("content.item.@type").and_then(Value::as_str) {
        Some("DeleteAttributeRequestItem") => has("deletionDate"),
        Some("FreeTextRequestItem") => has("freeText"),
        Some("ProposeAttributeRequestItem") => has("attribute"),
        Some("ReadAttributeRequestItem") => has("newAttribute"),
        _ => simple,
    }
}

/// Installs the automation of the identity `transport` serves (empty ⇒ none).
pub fn configure(transport: &connector_transport::Transport, automation: Vec<AutomationConfig>) {
    let context = transport.context::<crate::context::ConsumptionContext>();
    let mut installed = context
        .automation
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    *installed = Arc::new(automation);
}

impl Consumption {
    /// The identity's automation, unless it has none.
    fn automation(&self) -> Option<Arc<Vec<AutomationConfig>>> {
        let context = self.context();
        let installed = context
            .automation
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Some(Arc::clone(&installed)).filter(|c| !c.is_empty())
    }
}

const SIMPLE_ACCEPT: &[&str] = &["CreateAttributeRequestItem", "ShareAttributeRequestItem"];
const MANUAL_ONLY: &[&str] = &["AuthenticationRequestItem", "ConsentRequestItem"];

const ITEM_PREFIX: &str = "content.item.";

fn is_group(item: &Value) -> bool {
    item.get("@type").and_then(Value::as_str) == Some("RequestItemGroup")
}

fn nested<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(value, |v, key| v.get(key))
        .filter(|v| !v.is_null())
}

fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn millis(date: &str) -> Option<i64> {
    nmshd_wire::CoreDate::parse(date)
        .ok()
        .map(|d| d.unix_millis())
}

fn date_matches(config: &str, actual: &str) -> bool {
    let actual = millis(actual);
    let (op, date) = match config.as_bytes().first() {
        Some(b'>') => ('>', &config[1..]),
        Some(b'<') => ('<', &config[1..]),
        _ => ('=', config),
    };
    match (actual, millis(date)) {
        (Some(a), Some(c)) => match op {
            '>' => a > c,
            '<' => a < c,
            _ => a == c,
        },
        _ => false,
    }
}

/// Whether `target` satisfies every key of `config` (keys already relative to `target`).
async fn matches(
    c: &Consumption,
    config: &Map<String, Value>,
    target: &Value,
    peer: &str,
) -> Result<bool> {
    for (key, wanted) in config {
        if wanted.is_null() {
            continue;
        }
        if key == "relationshipAlreadyExists" {
            let exists = c.transport().relationship_to(peer).await?.is_some();
            if Some(exists) != wanted.as_bool() {
                return Ok(false);
            }
            continue;
        }
        let Some(actual) = nested(target, key) else {
            return Ok(false);
        };
        let ok = if key.ends_with("tags") && wanted.is_array() && actual.is_array() {
            let have: Vec<String> = actual
                .as_array()
                .map(|a| a.iter().map(as_text).collect())
                .unwrap_or_default();
            wanted
                .as_array()
                .is_some_and(|w| w.iter().any(|t| have.contains(&as_text(t))))
        } else if key.ends_with("At") {
            let actual = as_text(actual);
            match wanted {
                Value::Array(all) => all.iter().all(|d| date_matches(&as_text(d), &actual)),
                one => date_matches(&as_text(one), &actual),
            }
        } else {
            let actual = as_text(actual);
            match wanted {
                Value::Array(all) => all.iter().any(|w| as_text(w) == actual),
                one => as_text(one) == actual,
            }
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The decide parameters being filled: one slot per item, groups nested.
enum Slot {
    Item(Option<Value>),
    Group(Vec<Option<Value>>),
}

impl Consumption {
    /// The DeciderModule's step for a request in DecisionRequired: decided by the identity's
    /// automation config (answer sent, request completed; `Ok(true)`), else left to a person
    /// (ManualDecisionRequired; `Ok(false)`, or the error after which it needs one).
    pub async fn decide_automatically(&self, request: &LocalRequest) -> Result<bool> {
        self.decide_automatically_with(request, None).await
    }

    /// [`Self::decide_automatically`] for a caller that already holds the request's decide
    /// claim (`claim`), or that leaves claiming to it (`None`).
    pub(crate) async fn decide_automatically_with(
        &self,
        request: &LocalRequest,
        claim: Option<DecideGuard>,
    ) -> Result<bool> {
        let decided = self.decide_by_automation(request, claim).await;
        // A passing failure (the Backbone or the store away) leaves the request to the retry of
        // the reaction, not to a person.
        let for_now = decided.as_ref().is_err_and(TransportError::is_transient);
        if !matches!(decided, Ok(true)) && !for_now {
            self.require_manual_decision(&request.id).await?;
        }
        decided
    }

    /// Decides, answers and completes `request` if an automation config answers every item.
    async fn decide_by_automation(
        &self,
        request: &LocalRequest,
        claim: Option<DecideGuard>,
    ) -> Result<bool> {
        let Some(automation) = self.automation() else {
            return Ok(false);
        };
        if request.source.is_none() {
            return Ok(false);
        }
        let items = request.items();
        let manual = items.iter().any(|item| {
            let inner = if is_group(item) {
                item["items"].as_array().map_or(&[][..], Vec::as_slice)
            } else {
                std::slice::from_ref(item)
            };
            inner
                .iter()
                .any(|i| MANUAL_ONLY.contains(&i["@type"].as_str().unwrap_or_default()))
        });
        if manual {
            return Ok(false);
        }
        let dto = request.to_dto();
        let mut slots: Vec<Slot> = items
            .iter()
            .map(|item| {
                if is_group(item) {
                    let n = item["items"].as_array().map_or(0, Vec::len);
                    Slot::Group(vec![None; n])
                } else {
                    Slot::Item(None)
                }
            })
            .collect();
        for config in automation.iter() {
            let general: Map<String, Value> = config
                .request
                .iter()
                .filter(|(k, _)| !k.starts_with(ITEM_PREFIX))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if !matches(self, &general, &dto, &request.peer).await? {
                continue;
            }
            for (item, slot) in items.iter().zip(slots.iter_mut()) {
                match slot {
                    Slot::Item(answer) => {
                        self.fill(config, item, answer, &request.peer).await?;
                    }
                    Slot::Group(answers) => {
                        let inner = item["items"].as_array().map_or(&[][..], Vec::as_slice);
                        for (i, answer) in inner.iter().zip(answers.iter_mut()) {
                            self.fill(config, i, answer, &request.peer).await?;
                        }
                    }
                }
            }
            if slots.iter().all(|s| match s {
                Slot::Item(a) => a.is_some(),
                Slot::Group(all) => all.iter().all(Option::is_some),
            }) {
                return self.decide_with(request, &slots, claim).await;
            }
        }
        tracing::info!(
            request = %request.id,
            "no automationConfig answers every item of the request; it needs a manual decision"
        );
        Ok(false)
    }

    /// Gives `answer` the config's response when the item fits the config.
    async fn fill(
        &self,
        config: &AutomationConfig,
        item: &Value,
        answer: &mut Option<Value>,
        peer: &str,
    ) -> Result<()> {
        if answer.is_some() {
            return Ok(());
        }
        let item_keys: Map<String, Value> = config
            .request
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix(ITEM_PREFIX)
                    .map(|k| (k.to_owned(), v.clone()))
            })
            .collect();
        if item_keys.is_empty() {
            let kind = item
                .get("@type")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if config.response["accept"] == true && !SIMPLE_ACCEPT.contains(&kind) {
                return Ok(());
            }
        } else if !matches(self, &item_keys, item, peer).await? {
            return Ok(());
        }
        *answer = Some(config.response.clone());
        Ok(())
    }

    async fn decide_with(
        &self,
        request: &LocalRequest,
        slots: &[Slot],
        claim: Option<DecideGuard>,
    ) -> Result<bool> {
        let answers: Vec<Value> = slots
            .iter()
            .map(|s| match s {
                Slot::Item(a) => a.clone().unwrap_or(Value::Null),
                Slot::Group(all) => json!({"items": all}),
            })
            .collect();
        let accept = slots.iter().any(|s| match s {
            Slot::Item(a) => a.as_ref().is_some_and(|a| a["accept"] == true),
            Slot::Group(all) => all.iter().flatten().any(|a| a["accept"] == true),
        });
        let body = json!({"items": answers});
        // A person (or another replica) deciding it right now wins, as a refused decision does.
        let claimed = match claim {
            Some(claim) => Ok(claim),
            None => match self.try_claim_decision(&request.id).await {
                Ok(Some(claim)) => Ok(claim),
                Ok(None) => {
                    tracing::debug!(request = %request.id, "the request is being decided elsewhere right now (a person or another replica); leaving it to them");
                    return Ok(false);
                }
                Err(e) => Err(e),
            },
        };
        let decision = match claimed {
            Ok(claim) => self
                .decide_as(&request.id, &body, accept, true)
                .await
                .map(|d| (claim, d)),
            Err(e) => Err(e),
        };
        let (_claim, (decided, wrapper)) = match decision {
            Ok(done) => done,
            Err(connector_transport::TransportError::Rule { code, message }) => {
                tracing::warn!(request = %request.id, code, message, "the automation config's decision was refused; the request needs a manual decision");
                return Ok(false);
            }
            Err(e) => return Err(e),
        };
        crate::abort_at_test_hook("request-decided");
        let source = self.answer_decided(&decided, wrapper, accept).await?;
        crate::abort_at_test_hook("answer-sent");
        self.incoming_request_completed(&decided.id, source).await?;
        tracing::debug!(request = %decided.id, at = %now(), accept, "request decided by automation");
        Ok(true)
    }

    /// Sends the answer to an automatically decided request and returns its source for
    /// `complete` (content-model §7.1 step 4, §7.2 step 3): a template request without an Active
    /// relationship to the templator creates the relationship carrying the Response when
    /// accepted and sends nothing when rejected; everything else gets the ResponseWrapper.
    pub(crate) async fn answer_decided(
        &self,
        decided: &LocalRequest,
        wrapper: Value,
        accept: bool,
    ) -> Result<Option<Source>> {
        if self.answers_by_relationship(decided).await? {
            if !accept {
                return Ok(None);
            }
            let template_id = decided
                .source
                .as_ref()
                .map(|s| s.reference.as_str())
                .unwrap_or_default();
            let relationship = self
                .transport()
                .create_relationship(template_id, Self::creation_content(decided))
                .await?;
            return Ok(Some(Source {
                kind: "Relationship".into(),
                reference: relationship.id,
            }));
        }
        let message = self
            .transport()
            .send_message(connector_transport::messages::NewMessage {
                recipients: vec![decided.peer.clone()],
                content: wrapper,
                attachments: Vec::new(),
            })
            .await?;
        Ok(Some(Source {
            kind: "Message".into(),
            reference: message.id,
        }))
    }
}
