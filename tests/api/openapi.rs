//! The OpenAPI document and the documentation routes (connector-api §9): only with
//! `modules.coreHttpApi.docs.enabled` in debug mode, refused in production; every catalog route
//! is documented, and real responses have the documented shapes (lessons-from-the-original 23).

use connector::config;
use connector::http::catalog::ROUTES;
use connector::routes::openapi::document;
use connector::startup::{Application, RunOptions};
use serde_json::{Value, json};

use crate::helpers::{FULL_KEY, TestApp, isolated_sources, spawn_app_with, test_env};
use crate::rest_peer::{Connector, in_a_day, related_pair};

/// A Connector without a Backbone, with the docs switched on (debug mode) or left at the default.
async fn docs_app(docs: bool) -> TestApp {
    spawn_app_with(
        |env| {
            if docs {
                env.push(("debug".into(), "true".into()));
                env.push(("modules__coreHttpApi__docs__enabled".into(), "true".into()));
            }
        },
        "http://127.0.0.1:9",
    )
    .await
}

#[tokio::test]
async fn docs_routes_serve_the_document_in_debug_mode() {
    let app = docs_app(true).await;
    for path in ["/docs", "/api-docs", "/api-docs/anything"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 301, "{path}");
        assert_eq!(response.headers()["location"], "/docs/swagger");
    }
    // No API key needed.
    let response = app.client.get(app.url("/docs/json")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let served: Value = response.json().await.unwrap();
    assert_eq!(&served, document());
    assert_eq!(
        served["info"],
        json!({"title": "Connector", "version": "2.0"})
    );
    assert_eq!(
        served["components"]["securitySchemes"]["ApiKeyAuth"],
        json!({"type": "apiKey", "in": "header", "name": "X-API-KEY"})
    );
    let response = app.client.get(app.url("/docs/yaml")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "text/vnd.yaml");
    let yaml = response.text().await.unwrap();
    assert!(yaml.starts_with("\"openapi\": \"3.1.0\"\n"), "{yaml:.80}");
    // The business API is unchanged: still authenticated.
    let response = app.get("/api/core/v1/Account/IdentityInfo", None).await;
    assert_eq!(response.status().as_u16(), 401);
}

#[tokio::test]
async fn swagger_ui_rapidoc_and_favicon_are_served_from_the_binary() {
    let app = docs_app(true).await;
    // Each page, without an API key; the redirect target of /docs exists.
    for path in ["/docs/swagger", "/docs/swagger/"] {
        let response = app.get(path, None).await;
        assert_eq!(response.status().as_u16(), 200, "{path}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let page = response.text().await.unwrap();
        assert!(page.contains(r#"<div id="swagger-ui">"#), "{page}");
        assert!(
            !page.contains("https://"),
            "no asset from elsewhere: {page}"
        );
    }
    let page = app.get("/docs/rapidoc/", None).await.text().await.unwrap();
    assert!(page.contains("<rapi-doc"), "{page}");
    assert!(page.contains(r#"spec-url="/docs/json""#), "{page}");
    assert!(
        !page.contains("https://"),
        "no asset from elsewhere: {page}"
    );
    // Every script and style the pages name is served by the binary itself.
    for (path, marker) in [
        ("/docs/swagger/swagger-ui-bundle.js", "SwaggerUIBundle"),
        (
            "/docs/swagger/swagger-ui-standalone-preset.js",
            "SwaggerUIStandalonePreset",
        ),
        ("/docs/swagger/swagger-ui.css", ".swagger-ui"),
        ("/docs/swagger/swagger-ui-init.js", "/docs/json"),
        ("/rapidoc/rapidoc-min.js", "rapi-doc"),
    ] {
        let response = app.get(path, None).await;
        assert_eq!(response.status().as_u16(), 200, "{path}");
        let text = response.text().await.unwrap();
        assert!(text.contains(marker), "{path}");
    }
    let response = app.get("/favicon.ico", None).await;
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("image/")
    );
    assert!(response.bytes().await.unwrap().starts_with(b"\x89PNG"));

    // Without the docs the pages and the icon are not there.
    let app = docs_app(false).await;
    for path in ["/docs/swagger/", "/docs/rapidoc/", "/favicon.ico"] {
        assert_eq!(
            app.get(path, Some(FULL_KEY)).await.status().as_u16(),
            404,
            "{path}"
        );
    }
}

#[tokio::test]
async fn docs_are_off_by_default_and_refused_in_production() {
    let app = docs_app(false).await;
    let response = app.get("/docs/json", Some(FULL_KEY)).await;
    assert_eq!(response.status().as_u16(), 404);

    let dir = tempfile::tempdir().unwrap();
    let mut env = test_env(dir.path(), "http://127.0.0.1:9");
    env.push(("modules__coreHttpApi__docs__enabled".into(), "true".into()));
    let loaded = config::load(&isolated_sources(dir.path(), env)).unwrap();
    let Err(error) = Application::build(loaded, RunOptions::default()) else {
        panic!("production mode with docs must not start");
    };
    assert_eq!(
        error.to_string(),
        "Documentation is not allowed in production mode."
    );
}

/// Downloads answer with the file's own media type, so the document allows any (`*/*`), not
/// only `application/octet-stream`.
#[test]
fn downloads_are_documented_with_any_media_type() {
    let doc = document();
    for path in [
        "/api/core/v1/Files/{id}/Download",
        "/api/core/v1/Messages/{id}/Attachments/{attachmentId}/Download",
    ] {
        let ok = &doc["paths"][path]["get"]["responses"]["200"];
        let content = ok["content"].as_object().unwrap();
        assert_eq!(content.keys().collect::<Vec<_>>(), ["*/*"], "{path}");
        assert_eq!(content["*/*"]["schema"]["format"], "binary", "{path}");
        assert!(ok["headers"]["Content-Disposition"].is_object(), "{path}");
    }
}

#[test]
fn every_catalog_route_is_in_the_document() {
    let doc = document();
    for route in ROUTES {
        let op = &doc["paths"][route.path][route.method.to_ascii_lowercase()];
        assert!(
            op.is_object(),
            "{} {} undocumented",
            route.method,
            route.path
        );
        let params: Vec<&str> = route
            .path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        let documented: Vec<&str> = op["parameters"]
            .as_array()
            .map(|p| {
                p.iter()
                    .filter(|p| p["in"] == "path")
                    .map(|p| p["name"].as_str().unwrap())
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(params, documented, "{} {}", route.method, route.path);
        // Every creating route documents the optional Idempotency-Key header (issue 19).
        let creating = matches!(route.method, "POST" | "PUT") && route.path.starts_with("/api/");
        let idempotency = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|p| p["in"] == "header" && p["name"] == "Idempotency-Key");
        assert_eq!(creating, idempotency, "{} {}", route.method, route.path);
        if creating {
            assert!(op["responses"]["422"].is_object(), "{}", route.path);
        }
    }
    let documented: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| p.as_object().unwrap().len())
        .sum();
    assert_eq!(
        documented,
        ROUTES.len(),
        "nothing documented that is not served"
    );
}

/// A small JSON-Schema check: `$ref`, `type`, `enum`, `const`, `required`, `properties`,
/// `additionalProperties: false`, `items`, `oneOf`.
fn check(schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.trim_start_matches("#/components/schemas/");
        return check(&document()["components"]["schemas"][name], value, at);
    }
    if let Some(options) = schema["oneOf"].as_array() {
        return options
            .iter()
            .any(|o| check(o, value, at).is_ok())
            .then_some(())
            .ok_or_else(|| format!("{at}: matches no oneOf option"));
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        return Err(format!("{at}: {value} not in {allowed:?}"));
    }
    if let Some(constant) = schema.get("const")
        && constant != value
    {
        return Err(format!("{at}: {value} is not {constant}"));
    }
    let type_ok = match schema["type"].as_str() {
        None => true,
        Some("object") => value.is_object(),
        Some("array") => value.is_array(),
        Some("string") => value.is_string(),
        Some("boolean") => value.is_boolean(),
        Some("number") => value.is_number(),
        Some(other) => return Err(format!("{at}: unknown type {other}")),
    };
    if !type_ok {
        return Err(format!("{at}: {value} is not {}", schema["type"]));
    }
    if let Some(object) = value.as_object() {
        for name in schema["required"].as_array().into_iter().flatten() {
            let name = name.as_str().unwrap();
            if !object.contains_key(name) {
                return Err(format!("{at}: required {name} missing"));
            }
        }
        let properties = schema["properties"].as_object();
        for (key, item) in object {
            match properties.and_then(|p| p.get(key)) {
                Some(inner) => check(inner, item, &format!("{at}.{key}"))?,
                None if schema["additionalProperties"] == false => {
                    return Err(format!("{at}: undocumented property {key}"));
                }
                None => {}
            }
        }
    }
    if let Some(items) = value.as_array() {
        for (i, item) in items.iter().enumerate() {
            check(&schema["items"], item, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

/// Checks a real response body against the document's success schema of `method path`.
fn assert_documented(method: &str, path: &str, status: u16, body: &Value) {
    let op = &document()["paths"][path][method.to_ascii_lowercase()];
    let schema = &op["responses"][status.to_string()]["content"]["application/json"]["schema"];
    assert!(schema.is_object(), "{method} {path}: no {status} schema");
    if let Err(e) = check(schema, body, "body") {
        panic!("{method} {path}: {e}\n{body}");
    }
}

async fn raw(c: &Connector, method: &str, path: &str, body: Option<Value>, status: u16) -> Value {
    let response = c.call(method, path, body).await;
    assert_eq!(response.status().as_u16(), status, "{method} {path}");
    response.json().await.unwrap()
}

#[tokio::test]
async fn real_responses_have_the_documented_shapes() {
    let (_backbone, a, b, _, _) = related_pair().await;
    let base = "/api/core/v1";
    let p = |path: &str| format!("{base}{path}");

    let body = raw(&a, "GET", "/Account/IdentityInfo", None, 200).await;
    assert_documented("GET", &p("/Account/IdentityInfo"), 200, &body);

    let template = raw(
        &a,
        "POST",
        "/RelationshipTemplates/Own",
        Some(
            json!({"content": {"@type": "ArbitraryRelationshipTemplateContent", "value": {}},
                    "expiresAt": in_a_day(), "maxNumberOfAllocations": 2,
                    "passwordProtection": {"password": "1234", "passwordIsPin": true}}),
        ),
        201,
    )
    .await;
    assert_documented("POST", &p("/RelationshipTemplates/Own"), 201, &template);
    let id = template["result"]["id"].as_str().unwrap();
    let body = raw(
        &a,
        "GET",
        &format!("/RelationshipTemplates/{id}"),
        None,
        200,
    )
    .await;
    assert_documented("GET", &p("/RelationshipTemplates/{id}"), 200, &body);
    let body = raw(&a, "GET", "/RelationshipTemplates/Own", None, 200).await;
    assert_documented("GET", &p("/RelationshipTemplates/Own"), 200, &body);
    let token = raw(
        &a,
        "POST",
        &format!("/RelationshipTemplates/Own/{id}/Token"),
        Some(json!({"passwordProtection": {"password": "1234", "passwordIsPin": true}})),
        201,
    )
    .await;
    assert_documented(
        "POST",
        &p("/RelationshipTemplates/Own/{id}/Token"),
        201,
        &token,
    );

    let body = raw(&a, "GET", "/Relationships", None, 200).await;
    assert_documented("GET", &p("/Relationships"), 200, &body);
    let relationship = body["result"][0]["id"].as_str().unwrap().to_owned();
    let challenge = raw(
        &a,
        "POST",
        "/Challenges",
        Some(json!({"challengeType": "Relationship", "relationship": relationship})),
        201,
    )
    .await;
    assert_documented("POST", &p("/Challenges"), 201, &challenge);
    let validation = raw(
        &b,
        "POST",
        "/Challenges/Validate",
        Some(
            json!({"challengeString": challenge["result"]["challengeString"],
                    "signature": challenge["result"]["signature"]}),
        ),
        200,
    )
    .await;
    assert_documented("POST", &p("/Challenges/Validate"), 200, &validation);

    let body = raw(
        &a,
        "POST",
        "/Tokens/Own",
        Some(
            json!({"content": {"@type": "ArbitraryRelationshipTemplateContent", "value": 1},
                    "expiresAt": in_a_day(), "ephemeral": false}),
        ),
        201,
    )
    .await;
    assert_documented("POST", &p("/Tokens/Own"), 201, &body);
    let body = raw(&a, "GET", "/Tokens/Own", None, 200).await;
    assert_documented("GET", &p("/Tokens/Own"), 200, &body);

    // Errors have the documented envelope.
    let body = raw(&a, "GET", "/Tokens/TOKaaaaaaaaaaaaaaaaa", None, 404).await;
    assert_documented_error("GET", &p("/Tokens/{id}"), 404, &body);
}

fn assert_documented_error(method: &str, path: &str, status: u16, body: &Value) {
    let op = &document()["paths"][path][method.to_ascii_lowercase()];
    let schema = &op["responses"][status.to_string()]["content"]["application/json"]["schema"];
    if let Err(e) = check(schema, body, "body") {
        panic!("{method} {path} {status}: {e}\n{body}");
    }
}
