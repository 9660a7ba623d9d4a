//! `POST /Messages` (`SendMessageRequest` of the runtime).

use serde_json::Value;

use super::ids::{FileId, IdentityAddress};
use super::schema;
use crate::error::ConnectorError;
use crate::error_codes::ErrorCode;
use crate::http::body::RequestBody;

/// What a message carries (checked by the runtime, not by transport).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    /// `Mail`
    Mail,
    /// `Request`
    Request,
    /// `ResponseWrapper`
    ResponseWrapper,
    /// `Notification`
    Notification,
    /// `ArbitraryMessageContent`
    Arbitrary,
}

impl MessageKind {
    fn from_type(ty: &str) -> Option<Self> {
        Some(match ty {
            "Mail" => Self::Mail,
            "Request" => Self::Request,
            "ResponseWrapper" => Self::ResponseWrapper,
            "Notification" => Self::Notification,
            "ArbitraryMessageContent" => Self::Arbitrary,
            _ => return None,
        })
    }
}

/// `{recipients, content, attachments?}`.
#[derive(Debug, Clone)]
pub struct SendMessage {
    /// At least one, unique.
    pub recipients: Vec<IdentityAddress>,
    /// The content object (its `@type` is [`Self::kind`]).
    pub content: Value,
    /// What the content is.
    pub kind: MessageKind,
    /// Unique file ids.
    pub attachments: Vec<FileId>,
}

impl RequestBody for SendMessage {
    fn from_json(json: Value) -> Result<Self, ConnectorError> {
        let mut map = schema::object_with(json, &["recipients", "content", "attachments"])?;
        let recipients = schema::required(&map, "recipients")?;
        schema::required(&map, "content")?;
        let recipients = schema::unique_strings(
            recipients,
            "recipients",
            IdentityAddress::parse,
            IdentityAddress::PATTERN,
        )?;
        if recipients.is_empty() {
            return Err(ConnectorError::validation(
                "recipients must NOT have fewer than 1 items",
            ));
        }
        let content = map.remove("content").unwrap_or_default();
        if !content.is_object() {
            return Err(ConnectorError::validation("content must be object"));
        }
        let ty = content
            .get("@type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        crate::routes::input::refuse_unregistered_type(ty)?;
        let kind = MessageKind::from_type(ty).ok_or_else(|| {
            ConnectorError::validation(
                "The content of a Message must either be a Mail, Request, ResponseWrapper, Notification or an ArbitraryMessageContent.",
            )
        })?;
        let attachments = match map.get("attachments") {
            None => Vec::new(),
            Some(value) => {
                schema::unique_strings(value, "attachments", FileId::parse, FileId::PATTERN)?
            }
        };
        let message = Self {
            recipients,
            content,
            kind,
            attachments,
        };
        message.check_mail(true)?;
        Ok(message)
    }
}

impl SendMessage {
    /// The recipients as strings.
    pub fn recipient_strings(&self) -> Vec<String> {
        self.recipients.iter().map(|r| r.to_string()).collect()
    }

    /// Mail rules of the runtime (`SendMessage.validateMailRecipients`): `to` present and
    /// non-empty, no duplicates in `to` or `cc`, none in both, and `to` ∪ `cc` equal to the
    /// message recipients. With `shape_only`, only what deserialising the Mail checks (that
    /// comes before the relationship rules in the runtime).
    pub fn check_mail(&self, shape_only: bool) -> Result<(), ConnectorError> {
        if self.kind != MessageKind::Mail {
            return Ok(());
        }
        let content = &self.content;
        let deserialization = |message: &str| {
            ConnectorError::application(ErrorCode::RuntimeRequestDeserialization, message)
        };
        let list = |name: &str| -> Result<Vec<String>, ConnectorError> {
            match content.get(name) {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::Array(items)) => Ok(items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_owned))
                    .collect()),
                Some(_) => Err(deserialization(&format!(
                    "Mail.{name} :: Value is not an array"
                ))),
            }
        };
        if content.get("to").is_none_or(Value::is_null) {
            return Err(deserialization("Mail.to :: Value is not defined"));
        }
        let to = list("to")?;
        if to.is_empty() {
            return Err(deserialization("Mail.to:Array :: may not be empty"));
        }
        for name in ["subject", "body"] {
            if content.get(name).is_none_or(Value::is_null) {
                return Err(deserialization(&format!(
                    "Mail.{name} :: Value is not defined"
                )));
            }
        }
        let cc = list("cc")?;
        if shape_only {
            return Ok(());
        }
        let has_duplicates = |items: &[String]| {
            items
                .iter()
                .enumerate()
                .any(|(i, a)| items[..i].contains(a))
        };
        if has_duplicates(&cc) {
            return Err(ConnectorError::validation(
                "Some recipients in 'cc' are listed multiple times.",
            ));
        }
        if has_duplicates(&to) {
            return Err(ConnectorError::validation(
                "Some recipients in 'to' are listed multiple times.",
            ));
        }
        let both: Vec<&str> = cc
            .iter()
            .filter(|a| to.contains(a))
            .map(String::as_str)
            .collect();
        if !both.is_empty() {
            return Err(ConnectorError::validation(format!(
                "The recipients '{}' are put into both 'to' and 'cc'.",
                both.join("', '")
            )));
        }
        let mail: Vec<&String> = cc.iter().chain(&to).collect();
        let mut mismatch: Vec<&str> = self
            .recipients
            .iter()
            .map(IdentityAddress::as_str)
            .filter(|r| !mail.iter().any(|m| m.as_str() == *r))
            .collect();
        mismatch.extend(
            mail.iter()
                .filter(|m| !self.recipients.iter().any(|r| r.as_str() == m.as_str()))
                .map(|m| m.as_str()),
        );
        if !mismatch.is_empty() {
            return Err(ConnectorError::validation(format!(
                "The identities '{}' are not listed among both the Message recipients and the recipients in 'to'/'cc'.",
                mismatch.join("', '")
            )));
        }
        Ok(())
    }

    /// The id of the request a `Request` content carries.
    pub fn request_id(&self) -> Option<&str> {
        (self.kind == MessageKind::Request)
            .then(|| self.content.get("id").and_then(Value::as_str))
            .flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message(json: Value) -> String {
        SendMessage::from_json(json).unwrap_err().to_string()
    }

    const A: &str = "did:e:localhost:dids:0000000000000000000000";

    #[test]
    fn first_failure_in_the_runtime_order() {
        assert_eq!(message(json!([])), "must be object");
        assert_eq!(
            message(json!({"x": 1})),
            "must NOT have additional properties"
        );
        assert_eq!(
            message(json!({"content": {}})),
            "must have required property 'recipients'"
        );
        assert_eq!(
            message(json!({"recipients": [A]})),
            "must have required property 'content'"
        );
        assert_eq!(
            message(json!({"recipients": [A, A], "content": 1})),
            "recipients must NOT have duplicate items (items ## 1 and 0 are identical)"
        );
        assert!(
            message(json!({"recipients": ["x"], "content": {}}))
                .starts_with("recipients/0 must match pattern did:e:((")
        );
        assert_eq!(
            message(json!({"recipients": [], "content": {}})),
            "recipients must NOT have fewer than 1 items"
        );
        assert_eq!(
            message(json!({"recipients": [A], "content": []})),
            "content must be object"
        );
        assert_eq!(
            message(
                json!({"recipients": [A], "content": {"@type": "Mail", "to": [], "subject": "s", "body": "b"}})
            ),
            "Mail.to:Array :: may not be empty"
        );
        assert_eq!(
            message(
                json!({"recipients": [A], "content": {"@type": "ArbitraryMessageContent"}, "attachments": ["FIL"]})
            ),
            "attachments/0 must match pattern FIL[A-Za-z0-9]{17}"
        );
        let ok = SendMessage::from_json(json!({
            "recipients": [A],
            "content": {"@type": "Request", "id": "REQaaaaaaaaaaaaaaaaa"},
            "attachments": ["FILaaaaaaaaaaaaaaaaa"]
        }))
        .unwrap();
        assert_eq!(ok.kind, MessageKind::Request);
        assert_eq!(ok.request_id(), Some("REQaaaaaaaaaaaaaaaaa"));
        assert_eq!(&*ok.attachments[0], "FILaaaaaaaaaaaaaaaaa");
    }
}
