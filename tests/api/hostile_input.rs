//! Bad input never corrupts stored state: every write route of the catalog gets malformed and
//! hostile bodies (invalid JSON, wrong types, over-limit strings, deep nesting, unknown ids, ids
//! of the wrong kind, `__proto__` keys, null bytes); each answer is a 4xx (or 501) in the error
//! envelope, never a 5xx, and the stored data reads back unchanged.

use connector::http::catalog::{API_BASE, ROUTES};
use serde_json::{Value, json};

use crate::rest_peer::{
    Connector, accept_relationship, in_a_day, load_template, offer_template, pair,
    request_relationship,
};

/// The state the attacks must leave alone: A related to B, a message each way, a file, an own
/// template with a token, an own token.
struct Ids {
    template: String,
    token: String,
    file: String,
    relationship: String,
    message: String,
    b_address: String,
}

async fn create_state(a: &Connector, b: &Connector) -> Ids {
    let template = offer_template(a).await;
    let template_id = template["id"].as_str().unwrap().to_owned();
    let token = a
        .post(
            &format!("/RelationshipTemplates/Own/{template_id}/Token"),
            json!({}),
        )
        .await;
    let loaded = load_template(b, &token["reference"]["truncated"]).await;
    let relationship_id = request_relationship(b, &loaded).await;
    accept_relationship(a, b, &relationship_id).await;
    let b_address = b.get("/Account/IdentityInfo").await["address"]
        .as_str()
        .unwrap()
        .to_owned();
    let a_address = a.get("/Account/IdentityInfo").await["address"]
        .as_str()
        .unwrap()
        .to_owned();

    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"hostile input".to_vec())
                .file_name("f.txt")
                .mime_str("text/plain")
                .unwrap(),
        )
        .text("title", "A file");
    let response = a.upload(form).await;
    assert_eq!(response.status(), 201);
    let file: Value = response.json().await.unwrap();
    let file_id = file["result"]["id"].as_str().unwrap().to_owned();

    let message = a
        .post(
            "/Messages",
            json!({
                "recipients": [b_address],
                "content": {"@type": "ArbitraryMessageContent", "value": {"n": 1}},
                "attachments": [file_id],
            }),
        )
        .await;
    let message_id = message["id"].as_str().unwrap().to_owned();
    b.post(
        "/Messages",
        json!({
            "recipients": [a_address],
            "content": {"@type": "ArbitraryMessageContent", "value": {"n": 2}},
        }),
    )
    .await;
    let own_token = a
        .post(
            "/Tokens/Own",
            json!({"content": {"x": 1}, "expiresAt": in_a_day(), "ephemeral": false}),
        )
        .await;
    a.sync().await;
    Ids {
        template: template_id,
        token: own_token["id"].as_str().unwrap().to_owned(),
        file: file_id,
        relationship: relationship_id,
        message: message_id,
        b_address,
    }
}

const SNAPSHOT_ROUTES: &[&str] = &[
    "/Account/IdentityInfo",
    "/RelationshipTemplates",
    "/RelationshipTemplates/Own",
    "/RelationshipTemplates/Peer",
    "/Tokens/Own",
    "/Tokens/Peer",
    "/Files",
    "/Relationships",
    "/Messages",
];

async fn snapshot(a: &Connector, ids: &Ids) -> Vec<(String, Value)> {
    let mut snapshot = Vec::new();
    let singles = [
        format!("/RelationshipTemplates/{}", ids.template),
        format!("/Tokens/{}", ids.token),
        format!("/Files/{}", ids.file),
        format!("/Relationships/{}", ids.relationship),
        format!("/Messages/{}", ids.message),
    ];
    for path in SNAPSHOT_ROUTES
        .iter()
        .map(|p| (*p).to_owned())
        .chain(singles)
    {
        let value = a.get(&path).await;
        snapshot.push((path, value));
    }
    snapshot
}

/// The three-letter prefix of the ids a route's `{param}` takes.
fn prefix_of(path: &str) -> &'static str {
    let segment = path.trim_start_matches(API_BASE).split('/').nth(1);
    match segment {
        Some("Files") => "FIL",
        Some("RelationshipTemplates") => "RLT",
        Some("Relationships") => "REL",
        Some("Tokens") => "TOK",
        Some("Attributes") => "ATT",
        Some("Requests") => "REQ",
        Some("Messages") => "MSG",
        _ => "XXX",
    }
}

/// Concrete paths for a template: unknown id of the right kind, a real id of another kind,
/// `__proto__`, a percent-encoded null byte, a very long id.
fn hostile_paths(template: &str, ids: &Ids) -> Vec<String> {
    if !template.contains('{') {
        return vec![template.to_owned()];
    }
    let wrong_kind = if prefix_of(template) == "FIL" {
        ids.template.clone()
    } else {
        ids.file.clone()
    };
    let values = [
        format!("{}ZZZZZZZZZZZZZZZZZ", prefix_of(template)),
        wrong_kind,
        "__proto__".to_owned(),
        "%00".to_owned(),
        "A".repeat(3000),
    ];
    values
        .iter()
        .map(|value| {
            let mut path = String::new();
            for segment in template.split('/').skip(1) {
                path.push('/');
                if segment.starts_with('{') {
                    path.push_str(value);
                } else {
                    path.push_str(segment);
                }
            }
            path
        })
        .collect()
}

/// Hostile bodies: (label, bytes, content type).
fn hostile_bodies(ids: &Ids) -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let json = "application/json";
    let depth = 10_000;
    let nested_arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let mut nested_objects = String::new();
    for _ in 0..depth {
        nested_objects.push_str(r#"{"a":"#);
    }
    nested_objects.push('1');
    nested_objects.push_str(&"}".repeat(depth));
    let unknown = "ZZZZZZZZZZZZZZZZZ";
    let message_content = json!({"@type": "ArbitraryMessageContent", "value": {}});
    let v = |value: Value| value.to_string().into_bytes();
    vec![
        ("invalid JSON", br#"{"content": {"#.to_vec(), json),
        ("invalid JSON (trailing)", br#"{"a":1}}"#.to_vec(), json),
        ("empty body", Vec::new(), json),
        ("array", v(json!([1, 2, 3])), json),
        ("string", v(json!("just a string")), json),
        ("number", v(json!(42)), json),
        ("null", v(Value::Null), json),
        (
            "wrong types",
            v(json!({
                "content": 5, "recipients": "x", "templateId": 7, "reference": [],
                "expiresAt": true, "creationContent": "x", "attachments": {}, "ephemeral": "yes",
                "key": [], "value": {}, "password": 1, "title": false, "tags": "t",
            })),
            json,
        ),
        (
            "huge string over 2 MB",
            v(json!({"content": {"@type": "ArbitraryMessageContent", "value": "a".repeat(2 * 1024 * 1024 + 10)}})),
            json,
        ),
        ("deeply nested arrays", nested_arrays.into_bytes(), json),
        ("deeply nested objects", nested_objects.into_bytes(), json),
        (
            "__proto__ keys",
            br#"{"__proto__": {"isAdmin": true, "content": 1}, "constructor": {"prototype": {"polluted": true}}, "content": {"__proto__": {"@type": "ArbitraryMessageContent"}}}"#.to_vec(),
            json,
        ),
        (
            "null bytes",
            v(json!({
                "content": {"@type": "ArbitraryMessageContent\u{0}", "value": "\u{0}"},
                "recipients": ["did:e:\u{0}"], "reference": "VE9L\u{0}AAAA",
                "templateId": "RLT\u{0}", "expiresAt": "2099-01-01T00:00:00.000Z\u{0}",
                "creationContent": {"@type": "\u{0}"}, "peer": "\u{0}",
            })),
            json,
        ),
        ("raw null byte", b"{\"a\":\"\0\"}\0".to_vec(), json),
        ("invalid UTF-8", b"{\"a\":\"\xff\xfe\"}".to_vec(), json),
        (
            "unknown ids",
            v(json!({
                "templateId": format!("RLT{unknown}"),
                "creationContent": {"@type": "ArbitraryRelationshipCreationContent", "value": {}},
                "reference": format!("VE9L{unknown}"),
                "recipients": [format!("did:e:localhost:dids:{}", "0".repeat(22))],
                "content": message_content,
                "attachments": [format!("FIL{unknown}")],
                "peer": format!("did:e:localhost:dids:{}", "0".repeat(22)),
                "fileId": format!("FIL{unknown}"),
                "id": format!("ATT{unknown}"),
            })),
            json,
        ),
        (
            "ids of the wrong kind",
            v(json!({
                "templateId": ids.file,
                "creationContent": {"@type": "ArbitraryRelationshipCreationContent", "value": {}},
                "reference": ids.relationship,
                "recipients": [ids.file],
                "content": message_content,
                "attachments": [ids.template],
                "peer": ids.message,
                "fileId": ids.template,
                "id": ids.file,
            })),
            json,
        ),
        (
            "expired and past dates",
            v(json!({
                "content": {"@type": "ArbitraryRelationshipTemplateContent", "value": {}},
                "expiresAt": "2000-01-01T00:00:00.000Z",
                "recipients": [ids.b_address, ids.b_address],
            })),
            json,
        ),
        ("text/plain", b"content=1".to_vec(), "text/plain"),
        (
            "form-urlencoded",
            b"content=1&__proto__=x".to_vec(),
            "application/x-www-form-urlencoded",
        ),
    ]
}

/// 2xx answers that write nothing: a sync (it takes no body) and the `Can*` checks, which answer
/// 200 with `{"isSuccess": false, ...}` for a request that would fail.
fn answers_without_writing(path: &str, status: u16) -> bool {
    path == "/api/core/v1/Account/Sync" || (status == 200 && path.contains("/Can"))
}

fn check_envelope(status: u16, text: &str) -> Result<(), String> {
    let body: Value = serde_json::from_str(text).map_err(|e| format!("not JSON ({e})"))?;
    let error = body
        .get("error")
        .and_then(Value::as_object)
        .ok_or("no error object")?;
    for key in ["id", "code", "message", "docs", "time"] {
        if !error.get(key).is_some_and(Value::is_string) {
            return Err(format!("error.{key} missing"));
        }
    }
    if body.as_object().map(serde_json::Map::len) != Some(1) {
        return Err("more than the error key".into());
    }
    if status == 413 && error["code"] != "error.connector.http.payloadTooLarge" {
        return Err(format!("413 with code {}", error["code"]));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_bodies_on_every_write_route_get_4xx_and_change_nothing() {
    let (_backbone, a, b, _, _) = pair().await;
    let ids = create_state(&a, &b).await;
    let before = snapshot(&a, &ids).await;

    let bodies = hostile_bodies(&ids);
    let mut problems = Vec::new();
    let mut requests = 0usize;
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for route in ROUTES
        .iter()
        .filter(|r| r.method != "GET" && r.path.starts_with(API_BASE))
    {
        for path in hostile_paths(route.path, &ids) {
            for (label, body, content_type) in &bodies {
                // The 2 MB body once per route is enough.
                if label.starts_with("huge") && path.contains("ZZZZZZZZZZZZZZZZZ") {
                    continue;
                }
                let (status, text) = a.raw(route.method, &path, body.clone(), content_type).await;
                requests += 1;
                *statuses.entry(status).or_default() += 1;
                let shown = if path.len() > 80 {
                    format!("{}…", &path[..80])
                } else {
                    path.clone()
                };
                let outcome = if status >= 500 && status != 501 {
                    Err(format!("{status} (server error)"))
                } else if status < 400 && !answers_without_writing(route.path, status) {
                    Err(format!("{status} (accepted)"))
                } else if status >= 400 {
                    check_envelope(status, &text)
                } else {
                    Ok(())
                };
                if let Err(why) = outcome {
                    let text: String = text.chars().take(300).collect();
                    problems.push(format!("{} {shown} [{label}]: {why}: {text}", route.method));
                }
            }
        }
    }
    println!("{requests} hostile requests, statuses {statuses:?}");

    // Read routes with hostile ids and query strings: no 5xx either.
    for route in ROUTES
        .iter()
        .filter(|r| r.method == "GET" && r.path.starts_with(API_BASE))
    {
        for path in hostile_paths(route.path, &ids) {
            for query in [
                "",
                "?__proto__=1&constructor=x",
                "?%00=%00",
                "?createdAt=%00&id=[]",
            ] {
                let (status, text) = a
                    .raw(
                        "GET",
                        &format!("{path}{query}"),
                        Vec::new(),
                        "application/json",
                    )
                    .await;
                if status >= 500 && status != 501 {
                    let shown: String = path.chars().take(80).collect();
                    let text: String = text.chars().take(300).collect();
                    problems.push(format!("GET {shown}{query}: {status}: {text}"));
                }
            }
        }
    }

    let after = snapshot(&a, &ids).await;
    for ((path, old), (_, new)) in before.iter().zip(&after) {
        if old != new {
            problems.push(format!(
                "state changed at GET {path}:\nbefore {old}\nafter  {new}"
            ));
        }
    }
    let (_, health) = a
        .raw("GET", "/health", Vec::new(), "application/json")
        .await;
    let health: Value = serde_json::from_str(&health).unwrap_or(Value::Null);
    if health["isHealthy"] != true {
        problems.push(format!("unhealthy afterwards: {health}"));
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
