//! Files and messages over REST: two Connectors on one dev Backbone exchange a message with an
//! attachment; bad input gets the real codes and leaves stored data unchanged.

use serde_json::{Value, json};

use crate::helpers::assert_error;
use crate::rest_peer::{Connector, pair, relate, related_pair};

fn file_form(bytes: &[u8], name: &str) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes.to_vec())
                .file_name(name.to_owned())
                .mime_str("text/plain")
                .unwrap(),
        )
        .text("title", "A title")
        .text("tags", "x")
        .text("tags", "y")
}

#[tokio::test]
async fn two_connectors_exchange_a_message_with_an_attachment_over_rest() {
    let (backbone, a, b, a_address, b_address) = related_pair().await;

    let bytes = "Grüße, ÄÖÜ\n".repeat(500).into_bytes();
    let response = a.upload(file_form(&bytes, "ÄÖÜ notes.txt")).await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["location"], "_");
    let file: Value = response.json::<Value>().await.unwrap()["result"].clone();
    let file_id = file["id"].as_str().unwrap().to_owned();
    assert_eq!(file["filename"], "ÄÖÜ notes.txt");
    assert_eq!(file["mimetype"], "text/plain");
    assert_eq!(file["filesize"], bytes.len());
    assert_eq!(file["tags"], json!(["x", "y"]));
    assert_eq!(file["expiresAt"], "9999-12-31T00:00:00.000Z");
    assert_eq!(file["isOwn"], true);
    assert!(file["ownershipToken"].is_string());

    // Own download.
    let download = a
        .call("GET", &format!("/Files/{file_id}/Download"), None)
        .await;
    assert_eq!(download.status(), 200);
    assert_eq!(download.headers()["content-type"], "text/plain");
    assert_eq!(
        download.headers()["content-disposition"],
        "attachment;filename=%C3%84%C3%96%C3%9C%20notes.txt"
    );
    assert_eq!(download.bytes().await.unwrap().as_ref(), bytes.as_slice());
    let own = a.get("/Files/Own?tags=x").await;
    assert_eq!(own.as_array().unwrap().len(), 1);
    assert_eq!(a.get("/Files/Peer").await, json!([]));

    // The message, a → b.
    let content =
        json!({"@type": "Mail", "to": [b_address], "subject": "Report", "body": "see attachment"});
    let sent = a
        .post(
            "/Messages",
            json!({"recipients": [b_address], "content": content, "attachments": [file_id]}),
        )
        .await;
    let message_id = sent["id"].as_str().unwrap().to_owned();
    assert_eq!(sent["isOwn"], true);
    assert_eq!(sent["attachments"], json!([file_id]));
    assert_eq!(sent["recipients"][0]["address"], b_address.as_str());

    b.sync().await;
    let received = b.get(&format!("/Messages/{message_id}")).await;
    assert_eq!(received["isOwn"], false);
    assert_eq!(received["createdBy"], a_address.as_str());
    assert_eq!(received["content"], content);
    assert_eq!(received["attachments"][0]["id"], file_id.as_str());
    assert_eq!(received["attachments"][0]["isOwn"], false);
    let listed = b
        .get(&format!(
            "/Messages?participant={a_address}&attachments=%2B"
        ))
        .await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let attachment = b
        .get(&format!("/Messages/{message_id}/Attachments/{file_id}"))
        .await;
    assert_eq!(attachment["filename"], "ÄÖÜ notes.txt");
    let download = b
        .call(
            "GET",
            &format!("/Messages/{message_id}/Attachments/{file_id}/Download"),
            None,
        )
        .await;
    assert_eq!(download.status(), 200);
    assert_eq!(download.bytes().await.unwrap().as_ref(), bytes.as_slice());

    // A second sync stores nothing twice.
    b.sync().await;
    assert_eq!(b.get("/Messages").await.as_array().unwrap().len(), 1);

    // And back, b → a, with b's own attachment.
    let response = b.upload(file_form(b"reply bytes", "reply.txt")).await;
    assert_eq!(response.status(), 201);
    let reply_file = response.json::<Value>().await.unwrap()["result"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = b
        .post(
            "/Messages",
            json!({
                "recipients": [a_address],
                "content": {"@type": "Mail", "to": [a_address], "subject": "Re", "body": "thanks"},
                "attachments": [reply_file],
            }),
        )
        .await;
    a.sync().await;
    let reply_id = reply["id"].as_str().unwrap();
    let download = a
        .call(
            "GET",
            &format!("/Messages/{reply_id}/Attachments/{reply_file}/Download"),
            None,
        )
        .await;
    assert_eq!(download.bytes().await.unwrap().as_ref(), b"reply bytes");

    // A third Connector loads the file by a file token (password protected).
    let token = a
        .post(
            &format!("/Files/{file_id}/Token"),
            json!({"passwordProtection": {"password": "1234", "passwordIsPin": true}}),
        )
        .await;
    assert_eq!(token["isEphemeral"], true);
    assert_eq!(token["content"]["@type"], "TokenContentFile");
    let c = Connector::start(&backbone.base_url()).await;
    let reference = token["reference"]["truncated"].as_str().unwrap();
    c.fails(
        "POST",
        "/Files/Peer",
        Some(json!({"reference": reference})),
        400,
        "error.transport.noPasswordProvided",
    )
    .await;
    let loaded = c
        .post(
            "/Files/Peer",
            json!({"reference": reference, "password": "1234"}),
        )
        .await;
    assert_eq!(loaded["id"], file_id.as_str());
    let by_reference = c
        .get(&format!(
            "/Files/{}",
            file["reference"]["truncated"].as_str().unwrap()
        ))
        .await;
    assert_eq!(by_reference["id"], file_id.as_str());
    let url: String =
        form_urlencoded::byte_serialize(file["reference"]["url"].as_str().unwrap().as_bytes())
            .collect();
    let by_url = c.get(&format!("/Files/{url}")).await;
    assert_eq!(by_url["id"], file_id.as_str());
    c.fails(
        "PATCH",
        &format!("/Files/{file_id}/RegenerateOwnershipToken"),
        None,
        400,
        "error.runtime.files.notOwnedByYou",
    )
    .await;
    let regenerated = a
        .ok(
            "PATCH",
            &format!("/Files/{file_id}/RegenerateOwnershipToken"),
            None,
            200,
        )
        .await;
    assert_ne!(regenerated["ownershipToken"], file["ownershipToken"]);
    c.delete(&format!("/Files/{file_id}")).await;
    c.get_not_found(&format!("/Files/{file_id}")).await;
}

#[tokio::test]
async fn bad_input_on_file_and_message_routes_gets_the_real_codes_and_changes_nothing() {
    let (_backbone, a, b, _, b_address) = pair().await;
    let invalid = "error.runtime.validation.invalidPropertyValue";

    // Uploads.
    let no_file = reqwest::multipart::Form::new().text("title", "t");
    let error = assert_error(a.upload(no_file).await, 400, invalid).await;
    assert_eq!(error["message"], "must have required property 'content'");
    let single_tag = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("a"),
        )
        .text("tags", "x");
    let error = assert_error(a.upload(single_tag).await, 400, invalid).await;
    assert_eq!(error["message"], "tags must be array");
    let past = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("a"),
        )
        .text("expiresAt", "2020-01-01T00:00:00.000Z");
    let error = assert_error(a.upload(past).await, 400, invalid).await;
    assert_eq!(error["message"], "'expiresAt' must be in the future");
    let garbage = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("a"),
        )
        .text("expiresAt", "");
    let error = assert_error(a.upload(garbage).await, 400, invalid).await;
    assert_eq!(
        error["message"],
        "expiresAt must match ISO8601 datetime format"
    );
    let too_large = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(vec![0u8; 10 * 1024 * 1024 + 1]).file_name("big"),
    );
    let error = assert_error(a.upload(too_large).await, 400, invalid).await;
    assert_eq!(error["message"], "'content' is too large");
    let error = a
        .fails(
            "POST",
            "/Files/Own",
            Some(json!({"file": "x"})),
            400,
            invalid,
        )
        .await;
    assert_eq!(error["message"], "must have required property 'content'");
    assert_eq!(a.get("/Files").await, json!([]));

    // Peer loads and lists.
    let error = a
        .fails("POST", "/Files/Peer", Some(json!({})), 400, invalid)
        .await;
    assert_eq!(error["message"], "token / file reference invalid");
    a.fails(
        "POST",
        "/Files/Peer",
        Some(json!({"reference": "nope"})),
        400,
        invalid,
    )
    .await;
    let error = a
        .fails(
            "POST",
            "/Files/Peer",
            Some(json!({"reference": "x", "extra": 1})),
            400,
            invalid,
        )
        .await;
    assert_eq!(error["message"], "must NOT have additional properties");
    let error = a.fails("GET", "/Files?nope=1", None, 400, invalid).await;
    assert_eq!(
        error["message"],
        "query must NOT have additional properties"
    );
    a.get_not_found("/Files/FILaaaaaaaaaaaaaaaaa").await;
    a.fails(
        "POST",
        "/Files/FILaaaaaaaaaaaaaaaaa/Token",
        Some(json!({})),
        404,
        "error.runtime.recordNotFound",
    )
    .await;

    // Messages.
    let mail = json!({"@type": "Mail", "to": [b_address], "subject": "s", "body": "b"});
    let error = a
        .fails(
            "POST",
            "/Messages",
            Some(json!({"content": mail})),
            400,
            invalid,
        )
        .await;
    assert_eq!(error["message"], "must have required property 'recipients'");
    let error = a
        .fails(
            "POST",
            "/Messages",
            Some(json!({"recipients": [b_address, b_address], "content": mail})),
            400,
            invalid,
        )
        .await;
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .starts_with("recipients must NOT have duplicate items"),
        "{error}"
    );
    a.fails(
        "POST",
        "/Messages",
        Some(json!({"recipients": [b_address], "content": {"@type": "Mail", "subject": "s", "body": "b"}})),
        400,
        "error.runtime.requestDeserialization",
    )
    .await;
    a.fails(
        "POST",
        "/Messages",
        Some(json!({"recipients": [b_address], "content": mail})),
        400,
        "error.runtime.messages.hasNoActiveRelationship",
    )
    .await;
    relate(&a, &b).await;
    let a_address = a.address().await;
    let error = a.fails(
        "POST",
        "/Messages",
        Some(json!({"recipients": [b_address], "content": {"@type": "Mail", "to": [b_address], "cc": [a_address], "subject": "s", "body": "b"}})),
        400,
        invalid,
    )
    .await;
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("are not listed among both the Message recipients"),
        "{error}"
    );
    a.fails(
        "POST",
        "/Messages",
        Some(json!({"recipients": [b_address], "content": mail, "attachments": ["FILaaaaaaaaaaaaaaaaa"]})),
        404,
        "error.runtime.recordNotFound",
    )
    .await;
    assert_eq!(a.get("/Messages").await, json!([]));
    a.get_not_found("/Messages/MSGaaaaaaaaaaaaaaaaa").await;
}
