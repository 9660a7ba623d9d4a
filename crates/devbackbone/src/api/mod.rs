//! Routing: case-insensitive path literals, ids keep their case (backbone-api §1.1).

pub mod files;
pub mod identities;
pub mod messages;
mod relationships;
mod sync;
pub mod templates;
mod tokens;

use actix_web::http::Method;
use actix_web::http::{StatusCode, header};
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};
use crate::server::{Backend, Reply, Request};
use relationships::Action;

/// Answers one request (everything but file uploads, the token endpoint and SSE).
pub fn dispatch(backend: &Backend, method: &Method, req: &Request) -> ApiResult<Reply> {
    let lower: Vec<String> = req
        .segments
        .iter()
        .map(|s| s.to_ascii_lowercase())
        .collect();
    let path: Vec<&str> = lower.iter().map(String::as_str).collect();
    let Some(rest) = path.strip_prefix(&["api", "v2"]) else {
        return match (method, path.as_slice()) {
            (&Method::GET, ["api", "poc", "publicrelationshiptemplatereferences"]) => {
                req.caller()?;
                Ok(Reply::Ok(json!([])))
            }
            _ => Err(route_not_found()),
        };
    };
    // The original-case id at position `i` of `rest`.
    let id = |i: usize| req.segment(i + 2);
    let m = method.clone();
    match (m, rest) {
        (Method::GET, ["version"]) => Ok(Reply::Ok(json!({ "majorVersion": "6" }))),
        (Method::GET, ["tags"]) => Ok(tags(req)),
        (Method::GET, ["announcements"]) => {
            req.caller()?;
            Ok(Reply::Ok(json!([])))
        }
        (Method::POST, ["notifications"]) => notifications(backend, req),

        (Method::POST, ["challenges"]) => identities::create_challenge(backend, req),
        (Method::GET, ["challenges", _]) => identities::get_challenge(backend, req, id(1)),

        (Method::POST, ["identities"]) => identities::create_identity(backend, req),
        (Method::GET, ["identities", "isdeleted"]) => identities::is_deleted(backend, req),
        (Method::GET, ["identities", "self"]) => identities::get_self(backend, req),
        (Method::POST, ["identities", "self", "deletionprocesses"]) => {
            identities::start_deletion(backend, req)
        }
        (Method::GET, ["identities", "self", "deletionprocesses"]) => {
            identities::get_deletion_processes(backend, req, None)
        }
        (Method::GET, ["identities", "self", "deletionprocesses", _]) => {
            identities::get_deletion_processes(backend, req, Some(id(3)))
        }
        (Method::PUT, ["identities", "self", "deletionprocesses", _, "cancel"]) => {
            identities::cancel_deletion(backend, req, id(3))
        }

        (Method::GET, ["devices"]) => identities::list_devices(backend, req),
        (Method::POST, ["devices"]) => identities::create_device(backend, req),
        (Method::GET, ["devices", "self"]) => identities::get_own_device(backend, req),
        (Method::PUT, ["devices", "self"]) => identities::update_own_device(backend, req),
        (Method::PUT, ["devices", "self", "password"]) => identities::change_password(backend, req),
        (Method::PUT, ["devices", "self", "pushnotifications"]) => identities::register_push(req),
        (Method::DELETE, ["devices", "self", "pushnotifications"]) => {
            req.caller()?;
            Ok(Reply::NoContent)
        }
        (Method::DELETE, ["devices", _]) => identities::delete_device(backend, req, id(1)),

        (Method::POST, ["relationshiptemplates"]) => templates::create(backend, req),
        (Method::GET, ["relationshiptemplates"]) => templates::list(backend, req),
        (Method::GET, ["relationshiptemplates", _]) => templates::get(backend, req, id(1)),
        (Method::DELETE, ["relationshiptemplates", _]) => templates::delete(backend, req, id(1)),

        (Method::GET, ["relationships", "cancreate"]) => relationships::can_create(backend, req),
        (Method::POST, ["relationships"]) => relationships::create(backend, req),
        (Method::GET, ["relationships"]) => relationships::list(backend, req),
        (Method::GET, ["relationships", _]) => relationships::get(backend, req, id(1)),
        (Method::PUT, ["relationships", _, action]) => {
            let action = match *action {
                "accept" => Action::Accept,
                "reject" => Action::Reject,
                "revoke" => Action::Revoke,
                "terminate" => Action::Terminate,
                "reactivate" => Action::RequestReactivation,
                "decompose" => Action::Decompose,
                _ => return Err(route_not_found()),
            };
            relationships::transition(backend, req, id(1), action)
        }
        (Method::PUT, ["relationships", _, "reactivate", answer]) => {
            let action = match *answer {
                "accept" => Action::AcceptReactivation,
                "reject" => Action::RejectReactivation,
                "revoke" => Action::RevokeReactivation,
                _ => return Err(route_not_found()),
            };
            relationships::transition(backend, req, id(1), action)
        }

        (Method::POST, ["messages"]) => messages::send(backend, req),
        (Method::GET, ["messages"]) => messages::list(backend, req),
        (Method::GET, ["messages", _]) => messages::get(backend, req, id(1)),

        (Method::GET, ["files"]) => files::list(backend, req),
        (Method::GET, ["files", _]) => files::download(backend, req, id(1)),
        (Method::GET, ["files", _, "metadata"]) => files::metadata(backend, req, id(1)),
        (Method::DELETE, ["files", _]) => files::delete(backend, req, id(1)),
        (Method::POST, ["files", _, "validateownershiptoken"]) => {
            files::validate_ownership(backend, req, id(1))
        }
        (Method::PATCH, ["files", _, "regenerateownershiptoken"]) => {
            files::regenerate_ownership(backend, req, id(1))
        }
        (Method::PATCH, ["files", _, "claimownership"]) => {
            files::claim_ownership(backend, req, id(1))
        }

        (Method::POST, ["tokens"]) => tokens::create(backend, req),
        (Method::GET, ["tokens"]) => tokens::list(backend, req),
        (Method::GET, ["tokens", _]) => tokens::get(backend, req, id(1)),
        (Method::DELETE, ["tokens", _]) => tokens::delete(backend, req, id(1)),
        (Method::POST, ["tokens", _, "updatecontent"]) => {
            tokens::update_content(backend, req, id(1))
        }

        (Method::POST, ["syncruns"]) => sync::start(backend, req),
        (Method::GET, ["syncruns", _]) => sync::get(backend, req, id(1)),
        (Method::GET, ["syncruns", _, "externalevents"]) => sync::events(backend, req, id(1)),
        (Method::PUT, ["syncruns", _, "finalizeexternaleventsync"]) => {
            sync::finalize_event_sync(backend, req, id(1))
        }
        (Method::PUT, ["syncruns", _, "finalizedatawalletversionupgrade"]) => {
            sync::finalize_upgrade(backend, req, id(1))
        }
        (Method::PUT, ["syncruns", _, "refreshexpirationtime"]) => {
            sync::refresh(backend, req, id(1))
        }
        (Method::GET, ["datawallet"]) => sync::get_datawallet(backend, req),
        (Method::GET, ["datawallet", "modifications"]) => sync::get_modifications(backend, req),
        (Method::POST, ["datawallet", "modifications"]) => sync::push_modifications(backend, req),

        _ => Err(route_not_found()),
    }
}

/// An unknown route: 404 without a body, like ASP.NET (the client reads it as "unreachable").
fn route_not_found() -> ApiError {
    ApiError::new(
        actix_web::http::StatusCode::NOT_FOUND,
        "",
        "The requested resource does not exist.",
    )
}

/// Tags for attribute value types: none in development; a constant ETag so clients can cache.
fn tags(req: &Request) -> Reply {
    const ETAG: &str = "\"devbackbone-tags-1\"";
    let matches = req
        .headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == ETAG);
    let (status, body) = if matches {
        (StatusCode::NOT_MODIFIED, Vec::new())
    } else {
        let result = json!({ "result": { "supportedLanguages": ["de", "en"], "tagsForAttributeValueTypes": {} } });
        (StatusCode::OK, result.to_string().into_bytes())
    };
    Reply::Raw {
        status,
        headers: vec![("etag", ETAG.to_owned())],
        content_type: "application/json",
        body,
    }
}

/// The notification codes the dev Backbone knows: those of the real Backbone's development and
/// CI configuration (`Notifications.Texts`), where a code names the push texts to send.
const NOTIFICATION_CODES: &[&str] = &["TestCode"];

/// `POST /api/v2/Notifications`: checked like the real server, never delivered (push is a no-op here).
fn notifications(backend: &Backend, req: &Request) -> ApiResult<Reply> {
    let caller = req.caller()?;
    let body: Value = req.json()?;
    let recipients: Vec<String> = body
        .get("recipients")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if recipients.is_empty() || body.get("code").and_then(Value::as_str).is_none() {
        return Err(ApiError::invalid_value(
            "'recipients' and 'code' are required.",
        ));
    }
    let unrelated = backend.read(|state| {
        recipients.iter().any(|peer| {
            !state
                .relationships
                .rows_by(&crate::db::pair_key(&caller.address, peer))
                .any(|r| r.involves(&caller.address) && r.involves(peer))
        })
    });
    if unrelated {
        return Err(ApiError::bad_request(
            "error.platform.validation.notification.noRelationshipToOneOrMoreRecipientsExists",
            "You don't have a relationship to one or more recipients of the notification.",
        ));
    }
    let code = body.get("code").and_then(Value::as_str).unwrap_or_default();
    if !NOTIFICATION_CODES.contains(&code) {
        return Err(ApiError::bad_request(
            "error.platform.validation.notification.codeDoesNotExist",
            format!(
                "The given message code does not exist. Valid message codes are: {}",
                NOTIFICATION_CODES.join(", ")
            ),
        ));
    }
    Ok(Reply::NoContent)
}
