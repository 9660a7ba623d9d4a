//! `/api/core/v1/Requests/Outgoing/*` and `/Requests/Incoming/*` (`consumption-rest.md`).

use actix_web::{HttpRequest, HttpResponse, web};
use connector_consumption::{Consumption, LocalRequest, Source};
use serde_json::Value;

use super::attributes::consumption;
use crate::api::requests::{CreateOutgoingRequest, DecideRequest, ValidateOutgoingRequest};
use crate::envelope;
use crate::error::ConnectorError;
use crate::http::body::Body;
use crate::query::{parse_query_string, translate};
use crate::routes::input;
use crate::state::AppState;

const OUTGOING_FILTERS: &[&str] = &[
    "id",
    "peer",
    "createdAt",
    "status",
    "content.expiresAt",
    "content.items.@type",
    "source.type",
    "source.reference",
    "response.createdAt",
    "response.source.type",
    "response.source.reference",
    "response.content.result",
    "response.content.items.@type",
    "response.content.items.items.@type",
];

fn filters(incoming: bool) -> Vec<(&'static str, &'static str)> {
    let mut keys: Vec<&'static str> = OUTGOING_FILTERS.to_vec();
    if incoming {
        keys.push("wasAutomaticallyDecided");
    }
    keys.into_iter().map(|k| (k, k)).collect()
}

fn request_id(req: &HttpRequest) -> Result<String, ConnectorError> {
    let id = req.match_info().get("id").unwrap_or_default();
    Ok(input::id(id, "REQ")?.to_owned())
}

fn dtos(requests: &[LocalRequest]) -> Vec<Value> {
    requests.iter().map(LocalRequest::to_dto).collect()
}

/// `POST /Requests/Outgoing/Validate` (201).
pub async fn validate_outgoing(
    state: web::Data<AppState>,
    body: Body<ValidateOutgoingRequest>,
) -> Result<HttpResponse, ConnectorError> {
    let c = consumption(&state)?;
    let body = body.into_inner()?;
    let result = c
        .can_create_outgoing_request(&body.content, body.peer.as_deref())
        .await?;
    Ok(envelope::created(&result.to_dto()))
}

/// `POST /Requests/Outgoing` (201, Draft).
pub async fn create_outgoing(
    state: web::Data<AppState>,
    body: Body<CreateOutgoingRequest>,
) -> Result<HttpResponse, ConnectorError> {
    let c = consumption(&state)?;
    let body = body.into_inner()?;
    let request = c.create_outgoing_request(&body.content, &body.peer).await?;
    Ok(envelope::created(&request.to_dto()))
}

async fn list(
    state: &AppState,
    req: &HttpRequest,
    incoming: bool,
) -> Result<HttpResponse, ConnectorError> {
    let c = consumption(state)?;
    let filter = translate(&parse_query_string(req.query_string()), &filters(incoming))?;
    Ok(envelope::ok(&dtos(&c.requests(!incoming, filter).await?)))
}

/// `GET /Requests/Outgoing`.
pub async fn get_outgoing(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ConnectorError> {
    list(&state, &req, false).await
}

/// `GET /Requests/Incoming`.
pub async fn get_incoming(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ConnectorError> {
    list(&state, &req, true).await
}

/// `GET /Requests/Outgoing/{id}`.
pub async fn get_outgoing_one(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ConnectorError> {
    let c = consumption(&state)?;
    Ok(envelope::ok(
        &c.request(&request_id(&req)?, true).await?.to_dto(),
    ))
}

/// `GET /Requests/Incoming/{id}`.
pub async fn get_incoming_one(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ConnectorError> {
    let c = consumption(&state)?;
    Ok(envelope::ok(
        &c.request(&request_id(&req)?, false).await?.to_dto(),
    ))
}

/// `PUT /Requests/Incoming/{id}/CanAccept`.
pub async fn can_accept(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Body<DecideRequest>,
) -> Result<HttpResponse, ConnectorError> {
    can_decide(&state, &req, body, true).await
}

/// `PUT /Requests/Incoming/{id}/CanReject`.
pub async fn can_reject(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Body<DecideRequest>,
) -> Result<HttpResponse, ConnectorError> {
    can_decide(&state, &req, body, false).await
}

async fn can_decide(
    state: &AppState,
    req: &HttpRequest,
    body: Body<DecideRequest>,
    accept: bool,
) -> Result<HttpResponse, ConnectorError> {
    let c = consumption(state)?;
    let id = request_id(req)?;
    let DecideRequest(body) = body.into_inner()?;
    let result = c.can_decide(&id, &body, accept).await?;
    Ok(envelope::ok(&result.to_dto()))
}

/// `PUT /Requests/Incoming/{id}/Accept`.
pub async fn accept(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Body<DecideRequest>,
) -> Result<HttpResponse, ConnectorError> {
    decide(&state, &req, body, true).await
}

/// `PUT /Requests/Incoming/{id}/Reject`.
pub async fn reject(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Body<DecideRequest>,
) -> Result<HttpResponse, ConnectorError> {
    decide(&state, &req, body, false).await
}

/// Decides, then answers the peer and completes the request (what the runtime's RequestModule
/// does right after the decision): a template request without an Active relationship is
/// answered by creating the relationship (nothing is sent when it was rejected), everything else
/// by a ResponseWrapper message. The answer is the decided request, as the real route answers
/// before the response goes out.
async fn decide(
    state: &AppState,
    req: &HttpRequest,
    body: Body<DecideRequest>,
    accept: bool,
) -> Result<HttpResponse, ConnectorError> {
    let c = consumption(state)?;
    let id = request_id(req)?;
    let DecideRequest(body) = body.into_inner()?;
    // Held until the answer went out, so no second decision runs meanwhile.
    let _claim = c.claim_decision(&id).await?;
    let (decided, wrapper) = c.decide(&id, &body, accept).await?;
    let source = if c.answers_by_relationship(&decided).await? {
        if accept {
            let template_id = decided
                .source
                .as_ref()
                .map(|s| s.reference.clone())
                .unwrap_or_default();
            let relationship = state
                .transport()?
                .create_relationship(&template_id, Consumption::creation_content(&decided))
                .await?;
            Some(Source {
                kind: "Relationship".into(),
                reference: relationship.id,
            })
        } else {
            None
        }
    } else {
        let message = state
            .send_message(connector_transport::messages::NewMessage {
                recipients: vec![decided.peer.clone()],
                content: wrapper,
                attachments: Vec::new(),
            })
            .await?;
        Some(Source {
            kind: "Message".into(),
            reference: message.id,
        })
    };
    c.incoming_request_completed(&id, source).await?;
    Ok(envelope::ok(&decided.to_dto()))
}
