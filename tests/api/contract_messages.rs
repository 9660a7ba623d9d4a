//! Contract tests ported from nmshd/connector `test/messages.test.ts` (test names in comments).

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::rest_peer::{Connector, in_a_day, related_pair, start_backbone};

async fn upload_file(c: &Connector) -> String {
    let form = Form::new()
        .text("title", "File Title")
        .text("expiresAt", in_a_day())
        .part(
            "file",
            Part::bytes(b"content".to_vec())
                .file_name("test.txt")
                .mime_str("text/plain")
                .unwrap(),
        );
    let file: Value = c.upload(form).await.json().await.unwrap();
    file["result"]["id"].as_str().unwrap().to_owned()
}

// "Messaging": "send a Message from C1 to C2", "receive the message in sync", "receive the
// message on C2 in /Messages", "receive the message on C2 in /Messages/{id}"; "Message query":
// "query messages"
#[tokio::test]
async fn messaging_and_message_query() {
    let (_backbone, a, b, _, _) = related_pair().await;
    let b_address = b.address().await;
    let file_id = upload_file(&a).await;
    let mail = json!({"@type": "Mail", "body": "b", "cc": [], "subject": "a", "to": [b_address],
                      "bodyFormat": "PlainText"});
    let sent = a
        .post(
            "/Messages",
            json!({"recipients": [b_address], "content": mail, "attachments": [file_id]}),
        )
        .await;
    let id = sent["id"].as_str().unwrap();

    b.sync().await;
    let messages = b.get("/Messages").await;
    let messages = messages.as_array().unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["id"], id);
    assert_eq!(messages[0]["content"], mail);
    let one = b.get(&format!("/Messages/{id}")).await;
    assert_eq!(one["id"], id);
    assert_eq!(one["attachments"][0]["id"], file_id.as_str());

    let message = &messages[0];
    let recipient = &message["recipients"][0];
    let ids = |v: Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_owned())
            .collect()
    };
    for (key, value) in [
        ("createdAt", message["createdAt"].as_str().unwrap()),
        ("createdBy", message["createdBy"].as_str().unwrap()),
        (
            "createdByDevice",
            message["createdByDevice"].as_str().unwrap(),
        ),
        ("recipients.address", recipient["address"].as_str().unwrap()),
        (
            "recipients.relationshipId",
            recipient["relationshipId"].as_str().unwrap(),
        ),
        ("content.@type", "Mail"),
        ("content.subject", "a"),
        ("content.body", "b"),
        ("content.bodyFormat", "PlainText"),
        ("attachments", file_id.as_str()),
    ] {
        let query = format!("/Messages?{key}={}", urlencode(value));
        assert_eq!(ids(b.get(&query).await), vec![id.to_owned()], "{key}");
        let query = format!("/Messages?{key}={}", urlencode(&format!("!{value}")));
        assert!(ids(b.get(&query).await).is_empty(), "{key}=!");
    }
    let query = format!(
        "/Messages?participant={}&participant=id111111111111111111111111111111111",
        urlencode(message["createdBy"].as_str().unwrap())
    );
    assert_eq!(ids(b.get(&query).await), vec![id.to_owned()]);
}

fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

// "Message errors": "should throw correct error for empty 'to' in the Message", "... for
// missing 'to' in the Message"
#[tokio::test]
async fn message_errors() {
    let backbone = start_backbone().await;
    let a = Connector::start(&backbone.base_url()).await;
    let fake = "did:e:localhost:dids:0000000000000000000000";
    for (content, message) in [
        (
            json!({"@type": "Mail", "to": [], "subject": "A Subject", "body": "A Body", "bodyFormat": "PlainText"}),
            "Mail.to:Array :: may not be empty",
        ),
        (
            json!({"@type": "Mail", "subject": "A Subject", "body": "A Body", "bodyFormat": "PlainText"}),
            "Mail.to :: Value is not defined",
        ),
    ] {
        let error = a
            .fails(
                "POST",
                "/Messages",
                Some(json!({"recipients": [fake], "content": content})),
                400,
                "error.runtime.requestDeserialization",
            )
            .await;
        assert_eq!(error["message"], message);
    }
}
