//! What every event-consuming module (webhooks, message brokers) shares: which events a trigger
//! selects and what an event's payload looks like.
//!
//! Triggers follow the runtime's event bus (EventEmitter2 with wildcards, `connector-operations.md`
//! §2.6): namespaces are split on `.`, `*` matches exactly one segment, `**` any number of
//! segments (zero included, so `transport.**` also matches `transport`).

use connector_transport::events::TransportEvent;
use serde_json::{Map, Value};

/// One trigger pattern, e.g. `transport.messageReceived`, `transport.*` or `**`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    pattern: String,
}

impl Trigger {
    pub fn new(pattern: impl Into<String>) -> Self {
        Self {
            pattern: pattern.into(),
        }
    }

    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// Whether an event of `namespace` fires this trigger.
    pub fn matches(&self, namespace: &str) -> bool {
        let pattern: Vec<&str> = self.pattern.split('.').collect();
        let name: Vec<&str> = namespace.split('.').collect();
        segments_match(&pattern, &name)
    }
}

/// Any of several triggers (a webhook's `triggers` list).
pub fn any_matches(triggers: &[Trigger], namespace: &str) -> bool {
    triggers.iter().any(|t| t.matches(namespace))
}

fn segments_match(pattern: &[&str], name: &[&str]) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        // `**` swallows zero or more segments: try every split (patterns are short).
        Some((&"**", rest)) => (0..=name.len()).any(|skip| segments_match(rest, &name[skip..])),
        Some((segment, rest)) => match name.split_first() {
            Some((first, name_rest)) => {
                (*segment == "*" || segment == first) && segments_match(rest, name_rest)
            }
            None => false,
        },
    }
}

/// The event's data, or `None` for events without data (`runtime.*`,
/// `transport.datawalletSynchronized`, published with `null`).
pub fn event_data(event: &TransportEvent) -> Option<&Value> {
    Some(&event.data).filter(|d| !d.is_null())
}

/// The webhook body `{"trigger": <namespace>, "data": <payload>}`; `data` is left out for events
/// without data.
pub fn webhook_body(event: &TransportEvent) -> Value {
    let mut body = Map::new();
    body.insert("trigger".into(), Value::String(event.name().to_owned()));
    if let Some(data) = event_data(event) {
        body.insert("data".into(), data.clone());
    }
    Value::Object(body)
}

/// The message-broker payload: the event's data as JSON bytes; `{}` for the runtime's lifecycle
/// events (`runtime.*`, which are no DataEvents). `None` for a data event published without data
/// (`transport.datawalletSynchronized`, an identity deletion status change without a process):
/// the real publisher fails to serialise those (`JSON.stringify(undefined)`), logs it and
/// publishes nothing.
pub fn broker_payload(event: &TransportEvent) -> Option<Vec<u8>> {
    match event_data(event) {
        Some(data) => Some(serde_json::to_vec(data).unwrap_or_else(|_| b"{}".to_vec())),
        None if event.namespace.starts_with("runtime.") => Some(b"{}".to_vec()),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Expected outcomes checked against EventEmitter2 6 (`wildcard: true`) on node.
    #[test]
    fn wildcards_as_the_event_bus() {
        let cases = [
            ("**", "transport.messageReceived", true),
            ("**", "runtime", true),
            ("transport.**", "transport", true),
            ("transport.**", "transport.a.b", true),
            ("**.messageReceived", "transport.messageReceived", true),
            ("*", "transport.messageReceived", false),
            ("transport.*", "transport.messageReceived", true),
            ("transport.*", "transport", false),
            ("*.*", "transport.messageReceived", true),
            ("transport.*.x", "transport.a.x", true),
            ("a.**.b", "a.b", true),
            ("a.**.b", "a.x.y.b", true),
            ("*.**", "a", true),
            ("**.*", "a", true),
            ("**.b", "b", true),
            ("a.*", "a.b.c", false),
            (
                "consumption.relationshipEvent.*",
                "consumption.relationshipEvent.REL1",
                true,
            ),
            (
                "transport.messageReceived",
                "transport.messageReceived",
                true,
            ),
            ("transport.messageReceived", "transport.messageSent", false),
            ("transport.messageReceived", "transport", false),
            ("transport", "transport.messageReceived", false),
        ];
        for (pattern, namespace, expected) in cases {
            assert_eq!(
                Trigger::new(pattern).matches(namespace),
                expected,
                "{pattern} vs {namespace}"
            );
        }
        let triggers = [
            Trigger::new("transport.messageSent"),
            Trigger::new("runtime.*"),
        ];
        assert!(any_matches(&triggers, "runtime.initialized"));
        assert!(!any_matches(&triggers, "transport.messageReceived"));
    }

    #[test]
    fn payloads_with_and_without_data() {
        let with = TransportEvent::new(
            "transport.relationshipDecomposedBySelf",
            json!({"relationshipId": "REL1"}),
        );
        assert_eq!(
            webhook_body(&with),
            json!({"trigger": "transport.relationshipDecomposedBySelf", "data": {"relationshipId": "REL1"}})
        );
        assert_eq!(
            broker_payload(&with).unwrap(),
            br#"{"relationshipId":"REL1"}"#
        );

        let without = TransportEvent::new("transport.datawalletSynchronized", Value::Null);
        let body = webhook_body(&without);
        assert_eq!(body, json!({"trigger": "transport.datawalletSynchronized"}));
        assert!(body.get("data").is_none());
        assert_eq!(broker_payload(&without), None, "nothing is published");
        let lifecycle = TransportEvent::new("runtime.initialized", Value::Null);
        assert_eq!(
            webhook_body(&lifecycle),
            json!({"trigger": "runtime.initialized"})
        );
        assert_eq!(broker_payload(&lifecycle).unwrap(), b"{}");
    }
}
