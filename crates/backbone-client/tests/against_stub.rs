//! The client against a scripted stand-in Backbone: token handling, paging, status mapping, headers
//! and request encodings.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod stub;

use std::time::Duration;

use backbone_client::dto::{
    FinalizeExternalEventSyncRequest, SyncRunType, TagsResponse, TemplateQuery, UploadFileRequest,
};
use backbone_client::{BackboneError, DeviceCredentials};
use serde_json::{Value, json};
use stub::{Recorded, Reply, Stub};

fn message(id: &str) -> Value {
    json!({
        "id": id, "createdAt": "2025-03-01T10:05:00.000Z",
        "createdBy": "did:e:localhost:dids:fc6cbb07fdde421f7f5880", "createdByDevice": "DVCa8Kd02LmQx7Rt5Zp3",
        "body": "eyJ9", "attachments": [], "recipients": []
    })
}

fn device() -> Value {
    json!({
        "id": "DVCa8Kd02LmQx7Rt5Zp3", "username": "USRq3Rr9Xb2Lk0Pw8Mn1", "createdAt": "2025-03-01T10:00:05.123Z",
        "createdByDevice": "DVCa8Kd02LmQx7Rt5Zp3", "lastLogin": {"time": "2025-03-01T10:00:06.000Z"},
        "communicationLanguage": "en", "isBackupDevice": false
    })
}

fn query_param(recorded: &Recorded, key: &str) -> Option<String> {
    reqwest::Url::parse(&format!("http://x/?{}", recorded.query))
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn lists_follow_total_pages_without_page_size() {
    let stub = stub::start(|r| {
        let page: u64 = query_param(r, "pageNumber").map_or(1, |p| p.parse().unwrap());
        let items: Vec<Value> = match page {
            1 => vec![message("MSG1"), message("MSG2")],
            2 => vec![message("MSG3"), message("MSG4")],
            _ => vec![message("MSG5")],
        };
        Reply::json(
            200,
            &json!({"result": items, "pagination": {"pageNumber": page, "pageSize": 2, "totalPages": 3, "totalRecords": 5}}),
        )
    });
    let client = stub.client().authenticated(Stub::credentials());
    let messages = client.list_messages(&["MSGa", "MSGb"]).await.unwrap();
    let ids: Vec<_> = messages.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["MSG1", "MSG2", "MSG3", "MSG4", "MSG5"]);
    let queries: Vec<_> = stub.api_requests().into_iter().map(|r| r.query).collect();
    assert_eq!(
        queries,
        [
            "ids=MSGa&ids=MSGb",
            "ids=MSGa&ids=MSGb&pageNumber=2",
            "ids=MSGa&ids=MSGb&pageNumber=3"
        ]
    );
}

#[tokio::test]
async fn a_list_without_pagination_is_one_page() {
    let stub = stub::start(|_| Reply::result(200, json!([message("MSG1")])));
    let client = stub.client().authenticated(Stub::credentials());
    assert_eq!(client.list_messages(&["MSG1"]).await.unwrap().len(), 1);
    assert_eq!(stub.api_requests().len(), 1);
}

#[tokio::test]
async fn login_sends_the_password_grant_and_caches_the_token() {
    let stub = stub::start(|_| Reply::result(200, device()));
    let client = stub.client().authenticated(Stub::credentials());
    client.get_device_self().await.unwrap();
    client.get_device_self().await.unwrap();
    let tokens = stub.token_requests();
    assert_eq!(tokens.len(), 1);
    let form = tokens[0].form();
    assert_eq!(form["grant_type"], "password");
    assert_eq!(form["client_id"], "test");
    assert_eq!(form["client_secret"], "secret");
    assert_eq!(form["username"], "USRa1b2c3d4e5f6g7h8i");
    assert_eq!(form["password"], "Device-Password-1");
    assert!(
        tokens[0]
            .header("content-type")
            .unwrap()
            .starts_with("application/x-www-form-urlencoded")
    );
    for request in stub.api_requests() {
        assert_eq!(request.header("authorization"), Some("Bearer token-1"));
    }
}

#[tokio::test]
async fn concurrent_calls_share_one_login() {
    let stub = stub::start(|_| Reply::result(200, device()));
    stub.state().token_delay = Duration::from_millis(200);
    let client = stub.client().authenticated(Stub::credentials());
    let calls: Vec<_> = (0..10)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.get_device_self().await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(stub.token_requests().len(), 1);
    assert_eq!(stub.api_requests().len(), 10);
}

#[tokio::test]
async fn a_token_is_renewed_ten_seconds_before_it_expires() {
    let stub = stub::start(|_| Reply::result(200, device()));
    // numeric string, as parseInt accepts; within the 10 s margin, so never reused
    stub.state().expires_in = json!("9");
    let client = stub.client().authenticated(Stub::credentials());
    client.get_device_self().await.unwrap();
    client.get_device_self().await.unwrap();
    assert_eq!(stub.token_requests().len(), 2);
    stub.state().expires_in = json!(60);
    client.get_device_self().await.unwrap();
    client.get_device_self().await.unwrap();
    assert_eq!(stub.token_requests().len(), 3);
}

#[tokio::test]
async fn a_401_logs_in_again_and_repeats_the_call_once() {
    let stub = stub::start(|_| Reply::result(200, device()));
    let client = stub.client().authenticated(Stub::credentials());
    client.login().await.unwrap();
    stub.revoke_tokens();
    client.get_device_self().await.unwrap();
    assert_eq!(stub.token_requests().len(), 2);
    let auths: Vec<_> = stub
        .api_requests()
        .iter()
        .map(|r| r.header("authorization").unwrap().to_owned())
        .collect();
    assert_eq!(auths, ["Bearer token-1", "Bearer token-2"]);
}

#[tokio::test]
async fn a_second_401_is_unauthorized() {
    let stub = stub::start(|_| Reply::empty(401));
    let client = stub.client().authenticated(Stub::credentials());
    let error = client.get_device_self().await.unwrap_err();
    assert!(matches!(error, BackboneError::Unauthorized), "{error:?}");
    assert_eq!(stub.token_requests().len(), 2);
    assert_eq!(stub.api_requests().len(), 2);
}

#[tokio::test]
async fn refused_login_is_no_auth_grant() {
    let stub = stub::start(|_| Reply::result(200, device()));
    let client = stub
        .client()
        .authenticated(DeviceCredentials::new("USRa1b2c3d4e5f6g7h8i", "wrong"));
    match client.get_device_self().await.unwrap_err() {
        BackboneError::NoAuthGrant { status, error } => {
            assert_eq!(status, 400);
            assert_eq!(error.as_deref(), Some("invalid_grant"));
        }
        other => panic!("{other:?}"),
    }
    assert!(stub.api_requests().is_empty());
}

#[tokio::test]
async fn a_changed_password_is_used_for_the_next_login() {
    let stub = stub::start(|r| match r.path.as_str() {
        "/api/v2/Devices/Self/Password" => Reply::empty(204),
        _ => Reply::result(200, device()),
    });
    let client = stub.client().authenticated(Stub::credentials());
    client
        .change_password("Device-Password-1", "Device-Password-2")
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&stub.api_requests()[0].body).unwrap();
    assert_eq!(
        body,
        json!({"oldPassword": "Device-Password-1", "newPassword": "Device-Password-2"})
    );
    stub.state().password = "Device-Password-2".into();
    stub.revoke_tokens();
    client.get_device_self().await.unwrap();
    assert_eq!(
        stub.token_requests().last().unwrap().form()["password"],
        "Device-Password-2"
    );
}

#[tokio::test]
async fn error_envelopes_and_bare_statuses_are_mapped() {
    let stub = stub::start(|r| match r.path.as_str() {
        "/api/v2/Relationships/RELnotfound000000000" => Reply::error(
            404,
            "error.platform.recordNotFound",
            "Relationship not found.",
        ),
        "/api/v2/Relationships/RELdecomposed0000000" => Reply::error(
            400,
            "error.platform.validation.relationship.relationshipAlreadyDecomposed",
            "decomposed",
        ),
        "/api/v2/Relationships/RELforbidden00000000" => Reply::empty(403),
        "/api/v2/Relationships/RELconflict000000000" => Reply::empty(409),
        "/api/v2/Relationships/RELbroken00000000000" => {
            Reply::error(500, "error.platform.unexpected", "boom")
        }
        "/api/v2/Relationships/RELnoresult000000000" => Reply::json(200, &json!({})),
        _ => Reply::empty(404),
    });
    let client = stub.client().authenticated(Stub::credentials());
    let e = client
        .get_relationship("RELnotfound000000000")
        .await
        .unwrap_err();
    assert!(e.is_not_found());
    assert_eq!(e.code(), Some("error.platform.recordNotFound"));
    assert!(e.to_string().contains("Relationship not found."));
    let e = client
        .get_relationship("RELdecomposed0000000")
        .await
        .unwrap_err();
    assert!(e.is_validation() && e.status() == Some(400));
    let e = client
        .get_relationship("RELforbidden00000000")
        .await
        .unwrap_err();
    assert!(e.is_forbidden() && e.has_code("error.platform.forbidden"));
    let e = client
        .get_relationship("RELconflict000000000")
        .await
        .unwrap_err();
    assert!(matches!(e, BackboneError::UnexpectedStatus(409)));
    let e = client
        .get_relationship("RELbroken00000000000")
        .await
        .unwrap_err();
    assert_eq!(
        (e.status(), e.code()),
        (Some(500), Some("error.platform.unexpected"))
    );
    let e = client
        .get_relationship("RELnoresult000000000")
        .await
        .unwrap_err();
    assert!(matches!(e, BackboneError::MissingResult));
    let e = client.get_relationship("RELother").await.unwrap_err();
    assert!(e.is_unreachable(), "{e:?}");
}

#[tokio::test]
async fn an_unreachable_backbone_is_a_transport_error_without_url() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let client = backbone_client::BackboneClient::new(backbone_client::ClientConfig::new(
        format!("http://127.0.0.1:{port}"),
        "test",
        "test",
    ))
    .unwrap();
    let e = client
        .get_token("TOKa1b2c3d4e5f6g7h8i", Some("c2VjcmV0"))
        .await
        .unwrap_err();
    assert!(e.is_unreachable(), "{e:?}");
    assert!(!format!("{e:?} {e}").contains("c2VjcmV0"));
}

#[tokio::test]
async fn sync_calls_carry_the_datawallet_header_and_correlation_ids_are_sent() {
    let stub = stub::start(|r| match r.path.as_str() {
        "/api/v2/SyncRuns" => Reply::result(200, json!({"status": "NoNewEvents", "syncRun": null})),
        _ => Reply::result(
            200,
            json!({"newDatawalletModificationIndex": null, "datawalletModifications": [], "newUnsyncedExternalEventsExist": false}),
        ),
    });
    let client = stub
        .client()
        .authenticated(Stub::credentials())
        .with_correlation_id("corr-1");
    let started = client
        .start_sync_run(SyncRunType::ExternalEventSync, None)
        .await
        .unwrap();
    assert!(started.sync_run.is_none());
    client
        .finalize_external_event_sync(
            "SYRa1b2c3d4e5f6g7h8i",
            &FinalizeExternalEventSyncRequest::default(),
        )
        .await
        .unwrap();
    let requests = stub.api_requests();
    for r in &requests {
        assert_eq!(r.header("x-supported-datawallet-version"), Some("1"));
        assert_eq!(r.header("x-correlation-id"), Some("corr-1"));
        assert_eq!(r.header("content-type"), Some("application/json"));
    }
    assert_eq!(
        serde_json::from_slice::<Value>(&requests[0].body).unwrap(),
        json!({"type": "ExternalEventSync"})
    );
    assert_eq!(
        serde_json::from_slice::<Value>(&requests[1].body).unwrap(),
        json!({"externalEventResults": [], "datawalletModifications": []})
    );
    assert_eq!(
        requests[1].path,
        "/api/v2/SyncRuns/SYRa1b2c3d4e5f6g7h8i/FinalizeExternalEventSync"
    );
    assert_eq!(
        stub.token_requests()[0].header("x-correlation-id"),
        Some("corr-1")
    );
}

#[tokio::test]
async fn template_queries_use_dotted_indexes_and_encoded_passwords() {
    let stub = stub::start(|_| Reply::result(200, json!([])));
    let client = stub.client().authenticated(Stub::credentials());
    let templates = client
        .list_templates(&[
            TemplateQuery::with_password("RLTa1b2c3d4e5f6g7h8i", "ab+/cd=="),
            TemplateQuery::new("RLTb1b2c3d4e5f6g7h8i"),
        ])
        .await
        .unwrap();
    assert!(templates.is_empty());
    client
        .get_template("RLTa1b2c3d4e5f6g7h8i", Some("x+y/z="))
        .await
        .unwrap_err();
    client
        .can_create_relationship("did:e:localhost:dids:fc6cbb07fdde421f7f5880")
        .await
        .unwrap_err();
    let requests = stub.api_requests();
    assert_eq!(
        requests[0].query,
        "templates.0.id=RLTa1b2c3d4e5f6g7h8i&templates.0.password=ab%2B%2Fcd%3D%3D&templates.1.id=RLTb1b2c3d4e5f6g7h8i"
    );
    assert_eq!(requests[1].query, "password=x%2By%2Fz%3D");
    assert_eq!(
        query_param(&requests[2], "peer").as_deref(),
        Some("did:e:localhost:dids:fc6cbb07fdde421f7f5880")
    );
}

#[tokio::test]
async fn file_upload_is_multipart_and_download_is_raw() {
    let stub = stub::start(|r| match (r.method.as_str(), r.path.as_str()) {
        ("POST", "/api/v2/Files") => Reply::result(
            201,
            json!({
                "id": "FILd3Ee5Ff7Gg9Hh1Jj3", "createdAt": "2025-03-01T10:04:00.000Z",
                "createdBy": "did:e:localhost:dids:fc6cbb07fdde421f7f5880", "createdByDevice": "DVCa8Kd02LmQx7Rt5Zp3",
                "modifiedAt": "2025-03-01T10:04:00.000Z", "modifiedBy": "did:e:localhost:dids:fc6cbb07fdde421f7f5880",
                "deletedAt": null, "deletedBy": null, "owner": "did:e:localhost:dids:fc6cbb07fdde421f7f5880",
                "ownerSignature": "c2ln", "ownershipToken": "aB3$xY7!kL9@mN2#pQ5&", "cipherSize": 3,
                "cipherHash": "aGFzaA", "expiresAt": "9999-12-31T00:00:00.000Z"
            }),
        ),
        _ => Reply {
            status: 200,
            headers: vec![("content-type".into(), "application/octet-stream".into())],
            body: vec![0, 159, 146, 150, 255],
        },
    });
    let client = stub.client().authenticated(Stub::credentials());
    let created = client
        .upload_file(&UploadFileRequest {
            content: b"\x01\x02\x03".to_vec(),
            cipher_hash: "aGFzaA".into(),
            owner: "did:e:localhost:dids:fc6cbb07fdde421f7f5880".into(),
            owner_signature: "c2ln".into(),
            expires_at: "9999-12-31T00:00:00.000Z".into(),
            encrypted_properties: "cHJvcHM".into(),
        })
        .await
        .unwrap();
    assert_eq!(created.ownership_token, "aB3$xY7!kL9@mN2#pQ5&");
    let upload = &stub.api_requests()[0];
    assert!(
        upload
            .header("content-type")
            .unwrap()
            .starts_with("multipart/form-data; boundary=")
    );
    let body = String::from_utf8_lossy(&upload.body);
    assert!(
        body.contains("name=\"content\"; filename=\"cipher.bin\""),
        "{body}"
    );
    assert!(body.contains("\u{1}\u{2}\u{3}"));
    for (name, value) in [
        ("cipherHash", "aGFzaA"),
        ("owner", "did:e:localhost:dids:fc6cbb07fdde421f7f5880"),
        ("ownerSignature", "c2ln"),
        ("expiresAt", "9999-12-31T00:00:00.000Z"),
        ("encryptedProperties", "cHJvcHM"),
    ] {
        assert!(
            body.contains(&format!("name=\"{name}\"\r\n\r\n{value}\r\n")),
            "{name} in {body}"
        );
    }
    let bytes = client.download_file("FILd3Ee5Ff7Gg9Hh1Jj3").await.unwrap();
    assert_eq!(bytes, [0, 159, 146, 150, 255]);
}

#[tokio::test]
async fn anonymous_calls_send_no_token() {
    let stub = stub::start(|r| match r.path.as_str() {
        "/api/v2/Version" => Reply::result(200, json!({"majorVersion": 6})),
        "/api/v2/Tags" if r.header("if-none-match") == Some("\"v1\"") => Reply::empty(304),
        "/api/v2/Tags" => {
            let mut reply = Reply::result(
                200,
                json!({"supportedLanguages": ["de", "en"], "tagsForAttributeValueTypes": {"PhoneNumber": {"x": {"displayNames": {"en": "X"}, "children": {}}}}}),
            );
            reply.headers.push(("etag".into(), "\"v1\"".into()));
            reply
        }
        "/api/v2/Identities/IsDeleted" => {
            Reply::result(200, json!({"isDeleted": false, "deletionDate": null}))
        }
        _ => Reply::empty(404),
    });
    let client = stub.client();
    let version = client.get_version().await.unwrap();
    assert_eq!(
        (version.major_version.as_str(), version.major()),
        ("6", Some(6))
    );
    let TagsResponse::Modified { tags, etag } = client.get_tags(None).await.unwrap() else {
        panic!("expected tags");
    };
    assert_eq!(tags.supported_languages, ["de", "en"]);
    assert!(
        tags.tags_for_attribute_value_types
            .contains_key("PhoneNumber")
    );
    assert_eq!(etag.as_deref(), Some("\"v1\""));
    assert_eq!(
        client.get_tags(etag.as_deref()).await.unwrap(),
        TagsResponse::NotModified
    );
    let deleted = client
        .is_identity_deleted("USRa1b2c3d4e5f6g7h8i")
        .await
        .unwrap();
    assert!(!deleted.is_deleted);
    assert!(stub.token_requests().is_empty());
    assert!(
        stub.api_requests()
            .iter()
            .all(|r| r.header("authorization").is_none())
    );
}
