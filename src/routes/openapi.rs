//! The OpenAPI 3.1 document and the documentation routes (`connector-api.md` §9), served only
//! when `modules.coreHttpApi.docs.enabled` is set in debug mode (production refuses to start).
//!
//! The document is generated from the route catalog, so every route the Connector answers is
//! documented; per route only the success status and the schema of its result are added here,
//! and the DTO schemas follow connector-api §10.

use std::sync::OnceLock;

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Map, Value, json};

use crate::config::Settings;
use crate::http::catalog::{API_BASE, Access, Produces, ROUTES, RouteSpec};

/// Marker in the app data: the documentation routes are on.
#[derive(Debug, Clone, Copy)]
pub struct DocsEnabled;

/// Whether the documentation is on; in production mode asking for it is a startup error with
/// the real module's message.
pub fn docs_enabled(settings: &Settings) -> Result<bool, String> {
    let enabled = settings
        .modules
        .get("coreHttpApi")
        .and_then(|m| m.pointer("/docs/enabled"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if enabled && !settings.debug {
        return Err("Documentation is not allowed in production mode.".into());
    }
    Ok(enabled)
}

/// Whether `path` is one of the (unauthenticated) documentation routes.
pub fn is_docs_path(path: &str) -> bool {
    path == "/docs"
        || path.starts_with("/docs/")
        || path.starts_with("/api-docs")
        || crate::routes::docs_ui::is_docs_ui_path(path)
}

/// Registers the documentation routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::Data::new(DocsEnabled))
        .route("/docs", web::get().to(to_swagger))
        .route("/docs/json", web::get().to(json_document))
        .route("/docs/yaml", web::get().to(yaml_document))
        .route("/api-docs{rest:.*}", web::get().to(to_swagger))
        .configure(crate::routes::docs_ui::configure);
}

async fn to_swagger() -> HttpResponse {
    HttpResponse::MovedPermanently()
        .insert_header(("Location", "/docs/swagger"))
        .finish()
}

async fn json_document(_req: HttpRequest) -> HttpResponse {
    HttpResponse::Ok().json(document())
}

async fn yaml_document() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/vnd.yaml")
        .body(to_yaml(document()))
}

/// The document (built once).
pub fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(build)
}

fn build() -> Value {
    let mut paths = Map::new();
    for route in ROUTES {
        let path = paths
            .entry(route.path.to_owned())
            .or_insert_with(|| json!({}));
        if let Some(path) = path.as_object_mut() {
            path.insert(route.method.to_ascii_lowercase(), operation(route));
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Connector", "version": "2.0"},
        "servers": [{"url": "/"}],
        "security": [{"ApiKeyAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "ApiKeyAuth": {"type": "apiKey", "in": "header", "name": "X-API-KEY"}
            },
            "schemas": schemas(),
        }
    })
}

fn operation(route: &RouteSpec) -> Value {
    let relative = route.path.strip_prefix(API_BASE).unwrap_or(route.path);
    let tag = relative.split('/').nth(1).unwrap_or("Connector");
    let mut op = Map::new();
    op.insert("tags".into(), json!([tag]));
    op.insert(
        "operationId".into(),
        format!(
            "{}{}",
            route.method.to_ascii_lowercase(),
            relative.replace(['/', '{', '}'], "_")
        )
        .into(),
    );
    if route.access == Access::Public {
        op.insert("security".into(), json!([]));
    }
    let mut parameters: Vec<Value> = route
        .path
        .split('/')
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    if creating(route) {
        parameters.push(idempotency_key_parameter());
    }
    if !parameters.is_empty() {
        op.insert("parameters".into(), parameters.into());
    }
    if matches!(route.method, "POST" | "PUT") && !no_body(relative) {
        let content = if relative == "/Files/Own" {
            json!({"multipart/form-data": {"schema": {"type": "object"}}})
        } else {
            json!({"application/json": {"schema": {"type": "object"}}})
        };
        op.insert(
            "requestBody".into(),
            json!({"required": !optional_body(relative), "content": content}),
        );
    }
    let (status, result) = success(route.method, relative);
    let mut responses = Map::new();
    let mut ok = json!({"description": "Success"});
    if let Some(result) = result {
        let schema = if route.path.starts_with(API_BASE) {
            json!({"type": "object", "required": ["result"], "additionalProperties": false,
                   "properties": {"result": result}})
        } else {
            result
        };
        let mut content = Map::new();
        content.insert("application/json".into(), json!({"schema": schema}));
        if route.produces == Produces::JsonOrPng {
            content.insert(
                "image/png".into(),
                json!({"schema": {"type": "string", "format": "binary"}}),
            );
        }
        ok["content"] = content.into();
    } else if relative.ends_with("/Download") {
        // The file's bytes with the media type it was uploaded with, whatever that is.
        ok["description"] = "The file's content, with the media type it was uploaded with".into();
        ok["content"] = json!({"*/*": {"schema": {"type": "string", "format": "binary"}}});
        ok["headers"] = json!({"Content-Disposition": {
            "description": "attachment;filename=<the file name, URI-encoded>",
            "schema": {"type": "string"}
        }});
    }
    responses.insert(status.to_string(), ok);
    for code in error_statuses(route) {
        responses.insert(
            code.to_string(),
            json!({"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}}}),
        );
    }
    op.insert("responses".into(), responses.into());
    Value::Object(op)
}

fn error_statuses(route: &RouteSpec) -> Vec<u16> {
    if route.access == Access::Public {
        return vec![500];
    }
    let mut codes = vec![400, 401, 403, 404, 405];
    if route.produces != Produces::Any {
        codes.push(406);
    }
    if creating(route) {
        codes.extend([409, 422]);
    }
    codes.push(500);
    codes
}

/// POST and PUT routes of the API take an `Idempotency-Key` (`crate::http::idempotency`).
fn creating(route: &RouteSpec) -> bool {
    matches!(route.method, "POST" | "PUT") && route.path.starts_with(API_BASE)
}

fn idempotency_key_parameter() -> Value {
    json!({
        "name": crate::http::idempotency::HEADER,
        "in": "header",
        "required": false,
        "schema": {"type": "string", "minLength": 1, "maxLength": 255},
        "description": "Makes retrying this request safe (an addition of this Connector). The first answer (status and body) is kept with the key, per API key, for infrastructure.replicas.idempotencyKeyRetentionSeconds (default 24 h). A retry with the same key and the same request (method, path, query and body; JSON compared by content) gets that answer again, marked with the header Idempotent-Replayed: true, through any replica, and causes nothing new. The same key with a different request answers 422 (error.connector.idempotencyKeyReused). A duplicate that arrives while the first request still runs waits for its answer, up to infrastructure.replicas.idempotencyWaitSeconds (default 60 s), then answers 409 (error.connector.idempotencyKeyInProgress): retry later. Without the header nothing changes."
    })
}

/// Write routes that take no body.
fn no_body(relative: &str) -> bool {
    matches!(relative, "/Account/Sync" | "/IdentityDeletionProcess")
}

/// Write routes whose body may be left out.
fn optional_body(relative: &str) -> bool {
    relative.ends_with("/Token")
        || relative.contains("/Reactivate")
        || relative.ends_with("/Revoke")
        || relative.ends_with("/Terminate")
}

fn r(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn list(name: &str) -> Value {
    json!({"type": "array", "items": r(name)})
}

/// Success status and result schema of a route (`None`: no JSON body).
fn success(method: &str, relative: &str) -> (u16, Option<Value>) {
    let last_is_param = relative.ends_with('}');
    let area = relative.split('/').nth(1).unwrap_or("");
    match (method, relative) {
        ("GET", "/health") => (200, Some(r("Health"))),
        ("GET", p) if p.starts_with("/Monitoring/") => (200, Some(json!({"type": "object"}))),
        ("POST", "/Account/Sync") | ("POST", "/BackboneNotifications") => (204, None),
        ("DELETE", p)
            if !p.starts_with("/Relationships") && !p.starts_with("/IdentityDeletionProcess") =>
        {
            (204, None)
        }
        ("GET", "/Account/IdentityInfo") => (200, Some(r("IdentityInfo"))),
        ("GET", "/Account/SyncInfo") => (200, Some(r("SyncInfo"))),
        ("POST", "/Challenges") => (201, Some(r("ChallengeDTO"))),
        ("POST", "/Challenges/Validate") => (200, Some(r("ChallengeValidationResult"))),
        (_, p) if p.ends_with("/Download") => (200, None),
        (_, p) if p.ends_with("/Token") => (201, Some(r("TokenDTO"))),
        (_, "/IdentityMetadata") => (200, Some(r("IdentityMetadataDTO"))),
        (_, p)
            if p.contains("CanCreate")
                || p.ends_with("/CanAccept")
                || p.ends_with("/CanReject") =>
        {
            (200, Some(r("ValidationResult")))
        }
        (_, p) if p.ends_with("/ValidateIQLQuery") => (200, Some(r("IQLValidationResult"))),
        (_, p) if p.ends_with("/Validate") => (200, Some(r("ValidationResult"))),
        (_, p) if p.starts_with("/Attributes/Execute") => (200, Some(list("LocalAttributeDTO"))),
        ("GET", "/Attributes/TagCollection") => (200, Some(json!({"type": "object"}))),
        (_, "/IdentityDeletionProcess") => (200, Some(r("IdentityDeletionProcessDTO"))),
        ("PATCH", _) => (200, Some(r("FileDTO"))),
        (_, p) if p.starts_with("/Messages/{id}/Attachments/") => (200, Some(r("FileDTO"))),
        ("GET", "/Messages/{id}") => (200, Some(r("MessageWithAttachmentsDTO"))),
        (method, p) => {
            let dto = match area {
                "Tokens" => "TokenDTO",
                "RelationshipTemplates" => "RelationshipTemplateDTO",
                "Files" => "FileDTO",
                "Relationships" if p.ends_with("/Attributes") => "LocalAttributeDTO",
                "Relationships" => "RelationshipDTO",
                "Messages" => "MessageDTO",
                "Announcements" => "AnnouncementDTO",
                "Attributes" => "LocalAttributeDTO",
                "Requests" => "LocalRequestDTO",
                _ => "",
            };
            let one = if dto.is_empty() {
                json!({"type": "object"})
            } else {
                r(dto)
            };
            let plural = method == "GET"
                && (!last_is_param
                    || p.ends_with("/Own/Shared/{peer}")
                    || p.ends_with("/Peer/{peer}"))
                || p.ends_with("/Attributes")
                || p.ends_with("/Versions")
                || p.ends_with("/Versions/Shared")
                || p.ends_with("/ForwardingDetails")
                || p.ends_with("/Own/Identity");
            let status = if method == "POST" { 201 } else { 200 };
            if plural {
                (status, Some(json!({"type": "array", "items": one})))
            } else {
                (status, Some(one))
            }
        }
    }
}

fn object(required: &[&str], properties: Value) -> Value {
    json!({"type": "object", "required": required, "additionalProperties": false, "properties": properties})
}

fn schemas() -> Value {
    let s = json!({"type": "string"});
    let b = json!({"type": "boolean"});
    let n = json!({"type": "number"});
    let any = json!({});
    let reference = object(&["truncated", "url"], json!({"truncated": s, "url": s}));
    let protection = object(
        &["password"],
        json!({"password": s, "passwordIsPin": {"const": true},
               "passwordLocationIndicator": {"oneOf": [s, n]}}),
    );
    json!({
        "ErrorEnvelope": object(&["error"], json!({"error": object(
            &["id", "code", "message", "docs", "time"],
            json!({"id": s, "code": s, "message": s, "docs": s, "time": s, "details": s, "stacktrace": any}),
        )})),
        "Health": object(&["isHealthy", "services"], json!({"isHealthy": b, "services": {"type": "object"}})),
        "IdentityInfo": object(&["address", "publicKey"], json!({"address": s, "publicKey": s})),
        "SyncInfo": object(&[], json!({"lastDatawalletSync": {"type": "object"}, "lastSyncRun": {"type": "object"}})),
        "PasswordProtectionDTO": protection,
        "Reference": reference,
        "TokenDTO": object(
            &["id", "isOwn", "createdBy", "content", "createdAt", "expiresAt", "reference", "isEphemeral"],
            json!({"id": s, "isOwn": b, "createdBy": s, "createdByDevice": s, "content": {"type": "object"},
                   "createdAt": s, "expiresAt": s, "forIdentity": s,
                   "passwordProtection": r("PasswordProtectionDTO"), "reference": r("Reference"),
                   "isEphemeral": b}),
        ),
        "RelationshipTemplateDTO": object(
            &["id", "isOwn", "createdBy", "createdByDevice", "createdAt", "content", "reference"],
            json!({"id": s, "isOwn": b, "createdBy": s, "createdByDevice": s, "createdAt": s,
                   "forIdentity": s, "passwordProtection": r("PasswordProtectionDTO"),
                   "content": {"type": "object"}, "expiresAt": s, "maxNumberOfAllocations": n,
                   "reference": r("Reference")}),
        ),
        "FileDTO": object(
            &["id", "isOwn", "filename", "filesize", "createdAt", "createdBy", "createdByDevice",
              "expiresAt", "mimetype", "reference", "owner"],
            json!({"id": s, "isOwn": b, "filename": s, "tags": {"type": "array", "items": s},
                   "filesize": n, "createdAt": s, "createdBy": s, "createdByDevice": s,
                   "expiresAt": s, "mimetype": s, "title": s, "description": s,
                   "reference": r("Reference"), "owner": s, "ownershipToken": s,
                   "ownershipIsLocked": {"const": true}}),
        ),
        "IdentityDTO": object(&["address", "publicKey"], json!({"address": s, "publicKey": s})),
        "RelationshipDTO": object(
            &["id", "templateId", "status", "peer", "peerIdentity", "creationContent", "auditLog"],
            json!({"id": s, "templateId": s,
                   "status": {"enum": ["Pending", "Active", "Rejected", "Revoked", "Terminated", "DeletionProposed"]},
                   "peer": s, "peerIdentity": r("IdentityDTO"),
                   "peerDeletionInfo": {"type": "object"}, "creationContent": {"type": "object"},
                   "auditLog": {"type": "array", "items": {"type": "object"}}}),
        ),
        "MessageDTO": object(
            &["id", "isOwn", "content", "createdBy", "createdByDevice", "recipients", "createdAt", "attachments"],
            json!({"id": s, "isOwn": b, "content": {"type": "object"}, "createdBy": s,
                   "createdByDevice": s, "recipients": {"type": "array", "items": {"type": "object"}},
                   "createdAt": s, "attachments": {"type": "array", "items": s}, "wasReadAt": s}),
        ),
        "MessageWithAttachmentsDTO": object(
            &["id", "isOwn", "content", "createdBy", "createdByDevice", "recipients", "createdAt", "attachments"],
            json!({"id": s, "isOwn": b, "content": {"type": "object"}, "createdBy": s,
                   "createdByDevice": s, "recipients": {"type": "array", "items": {"type": "object"}},
                   "createdAt": s, "attachments": list("FileDTO"), "wasReadAt": s}),
        ),
        "ChallengeDTO": object(
            &["id", "expiresAt", "type", "signature", "challengeString"],
            json!({"id": s, "expiresAt": s, "createdBy": s, "createdByDevice": s,
                   "type": {"enum": ["Identity", "Device", "Relationship"]},
                   "signature": s, "challengeString": s}),
        ),
        "ChallengeValidationResult": object(
            &["isValid"],
            json!({"isValid": b, "correspondingRelationship": r("RelationshipDTO")}),
        ),
        "IdentityMetadataDTO": object(&["reference", "value"], json!({"reference": s, "key": s, "value": any})),
        "AnnouncementDTO": object(
            &["id", "createdAt", "severity", "title", "body", "actions"],
            json!({"id": s, "createdAt": s, "expiresAt": s, "severity": {"enum": ["Low", "Medium", "High"]},
                   "title": s, "body": s, "actions": {"type": "array", "items": {"type": "object"}}}),
        ),
        "IdentityDeletionProcessDTO": object(
            &["id", "status"],
            json!({"id": s, "status": {"enum": ["Active", "Cancelled"]}, "createdAt": s,
                   "createdByDevice": s, "gracePeriodEndsAt": s, "cancelledAt": s, "cancelledByDevice": s}),
        ),
        "ValidationResult": {"type": "object", "required": ["isSuccess"],
                             "properties": {"isSuccess": b, "code": s, "message": s,
                                            "items": {"type": "array"}}},
        // @nmshd/iql's IValidateResult
        "IQLValidationResult": object(&["isValid"], json!({"isValid": b, "error": {"type": "object"}})),
        "LocalAttributeDTO": {"type": "object", "required": ["@type", "id", "createdAt", "content"],
                              "properties": {"@type": s, "id": s, "createdAt": s, "content": {"type": "object"}}},
        "LocalRequestDTO": {"type": "object", "required": ["id", "isOwn", "peer", "createdAt", "status", "content"],
                            "properties": {"id": s, "isOwn": b, "peer": s, "createdAt": s, "status": s,
                                           "content": {"type": "object"}}},
    })
}

/// A YAML rendering of a JSON value: block mappings and sequences, scalars in JSON notation
/// (JSON strings are valid YAML double-quoted scalars).
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    write_yaml(value, 0, &mut out);
    out
}

fn write_yaml(value: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, item) in map {
                out.push_str(&pad);
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_nested(item, indent, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for item in items {
                out.push_str(&pad);
                out.push('-');
                write_nested(item, indent, out);
            }
        }
        scalar => {
            out.push_str(&pad);
            out.push_str(&scalar.to_string());
            out.push('\n');
        }
    }
}

fn write_nested(item: &Value, indent: usize, out: &mut String) {
    let nested = matches!(item, Value::Object(m) if !m.is_empty())
        || matches!(item, Value::Array(a) if !a.is_empty());
    if nested {
        out.push('\n');
        write_yaml(item, indent + 2, out);
    } else {
        out.push(' ');
        out.push_str(&item.to_string());
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalog_route_is_documented_once() {
        let doc = document();
        for route in ROUTES {
            let op = &doc["paths"][route.path][route.method.to_ascii_lowercase()];
            assert!(op.is_object(), "{} {}", route.method, route.path);
            assert!(op["responses"].is_object());
        }
    }

    #[test]
    fn yaml_nests_blocks() {
        let yaml = to_yaml(&json!({"a": {"b": [1, {"c": "x"}], "e": {}}}));
        assert_eq!(
            yaml,
            "\"a\":\n  \"b\":\n    - 1\n    -\n      \"c\": \"x\"\n  \"e\": {}\n"
        );
    }
}
