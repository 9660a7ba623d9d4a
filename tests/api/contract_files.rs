//! Contract tests ported from nmshd/connector `test/files.test.ts` (test names in comments).

use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::helpers::assert_error;
use crate::query_conditions::QueryConditions;
use crate::rest_peer::{Connector, in_a_day, pair};

/// `makeUploadRequest(values)` of the real test utils, as multipart form fields.
fn upload_form(title: &str, filename: &str, bytes: &[u8], extra: &[(&str, &str)]) -> Form {
    let mut form = Form::new().text("title", title.to_owned());
    let has = |name: &str| extra.iter().any(|(k, _)| *k == name);
    if !has("description") {
        form = form.text("description", "This is a valid file description");
    }
    if !has("expiresAt") {
        form = form.text("expiresAt", in_a_day());
    }
    for (k, v) in extra {
        if *k != "description" || !v.is_empty() {
            form = form.text((*k).to_owned(), (*v).to_owned());
        }
    }
    form.part(
        "file",
        Part::bytes(bytes.to_vec())
            .file_name(filename.to_owned())
            .mime_str("text/plain")
            .unwrap(),
    )
}

async fn upload(c: &Connector, form: Form, status: u16) -> Value {
    let response = c.upload(form).await;
    assert_eq!(response.status().as_u16(), status);
    response.json().await.unwrap()
}

async fn two() -> (devbackbone::RunningBackbone, Connector, Connector) {
    let (backbone, a, b, _, _) = pair().await;
    (backbone, a, b)
}

// "File Upload": "can upload file", "... with umlaut in title and filename", "... with space in
// title and filename", "can upload file without description", "uploaded files can be accessed
// under /Files", "/Files/Own", "/Files/{id}", "uploaded files keep their size", "can upload an
// empty file", "cannot upload a file that is null", "can upload same file twice", "can upload
// file with tags", "cannot upload a file with expiry date in the past", "... empty expiry date";
// "Get file": "can get file by id", "accessing not existing file id causes an error"
#[tokio::test]
async fn file_upload_and_get() {
    let (_backbone, a, _b) = two().await;
    let content = b"This is a test file.";
    let file = upload(&a, upload_form("File Title", "test.txt", content, &[]), 201).await;
    let file = file["result"].clone();
    assert_eq!(file["filesize"], content.len());
    let id = file["id"].as_str().unwrap();
    for (title, filename) in [("ÄÖÜ", "ÄÖÜ.txt"), ("a file", "a file.txt")] {
        let other = upload(&a, upload_form(title, filename, content, &[]), 201).await;
        assert_eq!(other["result"]["title"], title);
        assert_eq!(other["result"]["filename"], filename);
    }
    let without = upload(
        &a,
        upload_form("t", "t.txt", content, &[("description", "")]),
        201,
    )
    .await;
    assert!(without["result"].get("description").is_none());
    for list in ["/Files", "/Files/Own"] {
        let files = a.get(list).await;
        assert!(files.as_array().unwrap().contains(&file), "{list}");
    }
    assert_eq!(a.get(&format!("/Files/{id}")).await, file);
    let empty = upload(&a, upload_form("empty", "empty.txt", b"", &[]), 201).await;
    assert_eq!(empty["result"]["filesize"], 0);
    let twice = upload(&a, upload_form("File Title", "test.txt", content, &[]), 201).await;
    assert_ne!(twice["result"]["id"], file["id"]);
    let tagged = upload(
        &a,
        upload_form(
            "t",
            "t.txt",
            content,
            &[("tags[]", "tag1"), ("tags[]", "tag2")],
        ),
        201,
    )
    .await;
    assert_eq!(tagged["result"]["tags"], json!(["tag1", "tag2"]));

    let no_file = Form::new().text("title", "t").text("expiresAt", in_a_day());
    let error = assert_error(
        a.upload(no_file).await,
        400,
        "error.runtime.validation.invalidPropertyValue",
    )
    .await;
    assert_eq!(error["message"], "must have required property 'content'");
    let error = assert_error(
        a.upload(upload_form(
            "t",
            "t.txt",
            content,
            &[("expiresAt", "2000-01-01T00:00:00.000Z")],
        ))
        .await,
        400,
        "error.runtime.validation.invalidPropertyValue",
    )
    .await;
    assert_eq!(error["message"], "'expiresAt' must be in the future");
    let error = assert_error(
        a.upload(upload_form("t", "t.txt", content, &[("expiresAt", "")]))
            .await,
        400,
        "error.runtime.validation.invalidPropertyValue",
    )
    .await;
    assert_eq!(
        error["message"],
        "expiresAt must match ISO8601 datetime format"
    );

    let error = a.get_not_found("/Files/FILXXXXXXXXXXXXXXXXX").await;
    assert_eq!(
        error["message"],
        "File not found. Make sure the ID exists and the record is not expired."
    );
}

// "Load peer file with token reference": "before the peer file is loaded another client cannot
// access it", "peer file can be loaded with truncated token reference", "after peer file is
// loaded the file can be accessed under /Files/{id}" and "under /Files", "token can be
// personalized", "passing token id / file id / null / '' / undefined as truncated token
// reference causes an error"; "Load peer file with reference": "peer file can be loaded";
// "Password-protected tokens for files"
#[tokio::test]
async fn load_peer_file() {
    let (_backbone, a, b) = two().await;
    let file = upload(&a, upload_form("File Title", "test.txt", b"x", &[]), 201).await;
    let file = file["result"].clone();
    let id = file["id"].as_str().unwrap();
    let error = b.get_not_found(&format!("/Files/{id}")).await;
    assert_eq!(
        error["message"],
        "File not found. Make sure the ID exists and the record is not expired."
    );
    let token = a.post(&format!("/Files/{id}/Token"), json!({})).await;
    let loaded = b
        .post(
            "/Files/Peer",
            json!({"reference": token["reference"]["truncated"]}),
        )
        .await;
    assert_eq!(loaded["id"], id);
    assert_eq!(loaded["isOwn"], false);
    assert_eq!(b.get(&format!("/Files/{id}")).await["id"], id);
    let listed = b.get("/Files").await;
    assert!(listed.as_array().unwrap().iter().any(|f| f["id"] == id));

    let b_address = b.address().await;
    let personal = a
        .post(
            &format!("/Files/{id}/Token"),
            json!({"forIdentity": b_address}),
        )
        .await;
    assert_eq!(personal["forIdentity"], b_address.as_str());

    // Loaded by the file's own reference.
    let other = upload(&a, upload_form("Other", "o.txt", b"y", &[]), 201).await;
    let loaded = b
        .post(
            "/Files/Peer",
            json!({"reference": other["result"]["reference"]["truncated"]}),
        )
        .await;
    assert_eq!(loaded["id"], other["result"]["id"]);

    for reference in [json!(token["id"]), json!(id), json!(null), json!("")] {
        let error = b
            .fails(
                "POST",
                "/Files/Peer",
                Some(json!({"reference": reference})),
                400,
                "error.runtime.validation.invalidPropertyValue",
            )
            .await;
        assert_eq!(
            error["message"], "token / file reference invalid",
            "{reference}"
        );
    }
    let error = b
        .fails(
            "POST",
            "/Files/Peer",
            Some(json!({})),
            400,
            "error.runtime.validation.invalidPropertyValue",
        )
        .await;
    assert_eq!(error["message"], "token / file reference invalid");

    for (protection, password) in [
        (json!({"password": "password"}), "password"),
        (json!({"password": "1234", "passwordIsPin": true}), "1234"),
        (
            json!({"password": "1234", "passwordIsPin": true, "passwordLocationIndicator": "Self"}),
            "1234",
        ),
        (
            json!({"password": "1234", "passwordIsPin": true, "passwordLocationIndicator": 50}),
            "1234",
        ),
    ] {
        let token = a
            .post(
                &format!("/Files/{id}/Token"),
                json!({"passwordProtection": protection}),
            )
            .await;
        assert_eq!(token["passwordProtection"], protection);
        let loaded = b
            .post(
                "/Files/Peer",
                json!({"reference": token["reference"]["truncated"], "password": password}),
            )
            .await;
        assert_eq!(loaded["id"], id);
    }
}

// "Files query": "files can be queried by their attributes", "own files can be queried by their
// attributes", "peer files can be queried by their attributes"
#[tokio::test]
async fn files_query() {
    let (_backbone, a, b) = two().await;
    let uploaded = upload(
        &a,
        upload_form("File Title", "test.txt", b"query", &[]),
        201,
    )
    .await;
    let file = uploaded["result"].clone();
    let own_fields = |file: &Value| {
        QueryConditions::new(file)
            .date("createdAt")
            .date("createdBy")
            .date("createdByDevice")
            .string("description")
            .date("expiresAt")
            .string("filename")
            .number("filesize")
            .string("mimetype")
            .string("title")
    };
    own_fields(&file)
        .boolean("isOwn")
        .execute(&a, "/Files")
        .await;
    own_fields(&file).execute(&a, "/Files/Own").await;

    // exchangeFile: a's file loaded by b through its reference.
    let id = file["id"].as_str().unwrap();
    let token = a.post(&format!("/Files/{id}/Token"), json!({})).await;
    let peer_file = b
        .post(
            "/Files/Peer",
            json!({"reference": token["reference"]["truncated"]}),
        )
        .await;
    own_fields(&peer_file).execute(&b, "/Files/Peer").await;
}
