//! `/api/core/v1/Attributes/*` (`consumption-rest.md` "Attributes").

use actix_web::{HttpRequest, HttpResponse, web};
use connector_consumption::Consumption;
use connector_content::iql;
use connector_store::Filter;
use serde_json::{Value, json};

use crate::api::attributes::{
    AttributeQuery, CreateAttribute, ExecuteIqlQuery, IdentityAttributeQuery, NotifyPeer,
    RelationshipAttributeQuery, SucceedAttribute, ThirdPartyRelationshipAttributeQuery,
    ValidateIqlQuery,
};
use crate::envelope;
use crate::error::ConnectorError;
use crate::error_codes::ErrorCode;
use crate::http::body::Body;
use crate::query::{QueryPairs, parse_query_string, translate};
use crate::routes::input;
use crate::state::AppState;

const CONTENT_FILTERS: &[&str] = &[
    "content.@type",
    "content.tags",
    "content.owner",
    "content.key",
    "content.isTechnical",
    "content.confidentiality",
    "content.value.@type",
];

const DELETION_FILTERS: &[&str] = &[
    "deletionInfo",
    "deletionInfo.deletionStatus",
    "deletionInfo.deletionDate",
];

/// Query keys mapped onto the same stored field.
fn same(keys: &[&'static str]) -> Vec<(&'static str, &'static str)> {
    keys.iter().map(|k| (*k, *k)).collect()
}

fn all_filters() -> Vec<(&'static str, &'static str)> {
    let mut keys = vec![
        "@type",
        "createdAt",
        "succeeds",
        "succeededBy",
        "wasViewedAt",
        "isDefault",
        "peer",
        "sourceReference",
        "initialAttributePeer",
    ];
    keys.extend(CONTENT_FILTERS);
    keys.extend(DELETION_FILTERS);
    same(&keys)
}

pub(crate) fn consumption(state: &AppState) -> Result<Consumption, ConnectorError> {
    Ok(Consumption::new(state.transport()?.clone()))
}

fn path(req: &HttpRequest, name: &str) -> String {
    req.match_info().get(name).unwrap_or_default().to_owned()
}

fn attribute_id(req: &HttpRequest, name: &str) -> Result<String, ConnectorError> {
    Ok(input::id(&path(req, name), "ATT")?.to_owned())
}

/// Takes a boolean query flag out of `pairs` (`true`/`false`), with its default.
fn take_flag(pairs: &mut QueryPairs, name: &str, default: bool) -> Result<bool, ConnectorError> {
    let Some(index) = pairs.iter().position(|(k, _)| k == name) else {
        return Ok(default);
    };
    let (_, values) = pairs.remove(index);
    match values.as_slice() {
        [one] if one == "true" => Ok(true),
        [one] if one == "false" => Ok(false),
        _ => Err(ConnectorError::validation(format!(
            "query/{name} must be boolean"
        ))),
    }
}

pub(crate) fn address(text: &str) -> Result<&str, ConnectorError> {
    let ok = text
        .strip_prefix("did:e:")
        .and_then(|rest| rest.split_once(":dids:"))
        .is_some_and(|(host, hex)| {
            !host.is_empty() && hex.len() == 22 && hex.bytes().all(|b| b.is_ascii_hexdigit())
        });
    if ok {
        Ok(text)
    } else {
        Err(ConnectorError::validation(
            "peer must match pattern did:e:<domain>:dids:<22 hex>",
        ))
    }
}

/// `PUT /Attributes/CanCreate`.
pub async fn can_create(
    state: web::Data<AppState>,
    body: Body<CreateAttribute>,
) -> Result<HttpResponse, ConnectorError> {
    let c = consumption(&state)?;
    let CreateAttribute { content } = body.into_inner()?;
    match c.can_create_own_identity_attribute(&content).await {
        Ok(_) => Ok(envelope::ok(&json!({"isSuccess": true}))),
        Err(error) => {
            let error = ConnectorError::from(error);
            if !matches!(error, ConnectorError::Application { .. }) {
                return Err(error);
            }
            Ok(envelope::ok(&json!({
                "isSuccess": false,
                "code": error.code(),
                "message": error.to_string(),
            })))
        }
    }
}

/// `POST /Attributes`.
pub async fn create(
    state: web::Data<AppState>,
    body: Body<CreateAttribute>,
) -> Result<HttpResponse, ConnectorError> {
    let c = consumption(&state)?;
    let CreateAttribute { content } = body.into_inner()?;
    let attribute = c.create_own_identity_attribute(&content).await?;
    Ok(envelope::created(&c.attribute_dto(&attribute).await?))
}

/// `GET /Attributes`.
pub async fn get_all(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ConnectorError> {
    let c = consumption(&state)?;
    let filter = translate(&parse_query_string(req.query_string()), &all_filters())?;
    Ok(envelope::ok(
        &c.attribute_dtos(&c.attributes(&filter).await?).await?,
    ))
}

/// `GET /Attributes/Own/Identity`.
pub async fn get_own_identity(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ConnectorError> {
    let c = consumption(&state)?;
    let mut pairs = parse_query_string(req.query_string());
    let only_latest = take_flag(&mut pairs, "onlyLatestVersions", true)?;
    let allowed = same(&[
        "createdAt",
        "wasViewedAt",
        "isDefault",
        "content.tags",
        "content.value.@type",
    ]);
    let mut parts = vec![
        translate(&pairs, &allowed)?,
        Filter::eq("@type", "OwnIdentityAttribute").map_err(ConnectorError::from)?,
    ];
    if only_latest {
        parts.push(
            Filter::field("succeededBy", connector_store::Condition::Exists(false))
                .map_err(ConnectorError::from)?,
        );
    }
    Ok(envelope::ok(
        &c.attribute_dtos(&c.attributes(&Filter::And(parts)).await?)
            .await?,
    ))
}

/// `GET /Attributes/Own/Shared/{peer}`.
pub async fn get_own_shared(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ConnectorError> {
    let c = consumption(&state)?;
    let peer = path(&req, "peer");
    let peer = address(&peer)?;
    let mut pairs = parse_query_string(req.query_string());
    let only_latest = take_flag(&mut pairs, "onlyLatestVersions", true)?;
    let hide_technical = take_flag(&mut pairs, "hideTechnical", false)?;
    if !pairs.iter().any(|(k, _)| k == "@type") {
        pairs.push((
            "@type".into(),
            vec![
                "OwnIdentityAttribute".into(),
                "OwnRelationshipAttribute".into(),
            ],
        ));
    }
    let mut keys = vec![
        "@type",
        "createdAt",
        "wasViewedAt",
        "isDefault",
        "sourceReference",
    ];
    keys.extend(CONTENT_FILTERS.iter().filter(|k| **k != "content.owner"));
    keys.extend(DELETION_FILTERS);
    let filter = translate(&pairs, &same(&keys))?;
    let found = c
        .own_attributes_shared_with(peer, filter, only_latest, hide_technical)
        .await?;
    Ok(envelope::ok(&c.attribute_dtos(&found).await?))
}

/// `GET /Attributes/Peer/{peer}`.
pub async fn get_peer(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ConnectorError> {
    let c = consumption(&state)?;
    let peer = path(&req, "peer");
    let peer = address(&peer)?;
    let mut pairs = parse_query_string(req.query_string());
    let only_latest = take_flag(&mut pairs, "onlyLatestVersions", true)?;
    let hide_technical = take_flag(&mut pairs, "hideTechnical", false)?;
    // An `@type` filter is overridden by the route.
    pairs.retain(|(k, _)| k != "@type");
    let mut keys = vec![
        "createdAt",
        "wasViewedAt",
        "sourceReference",
        "initialAttributePeer",
    ];
    keys.extend(CONTENT_FILTERS);
    keys.extend(DELETION_FILTERS);
    let filter = translate(&pairs, &same(&keys))?;
    let found = c
        .peer_attributes(peer, filter, only_latest, hide_technical)
        .await?;
    Ok(envelope::ok(&c.attribute_dtos(&found).await?))
}

/// `GET /Attributes/{id}`.
pub async fn get_one(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ConnectorError> {
    let c = consumption(&state)?;
    let id = attribute_id(&req, "id")?;
    Ok(envelope::ok(
        &c.attribute_dto(&c.attribute(&id).await?).await?,
    ))
}

/// `GET /Attributes/{id}/Versions`.
pub async fn get_versions(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ConnectorError> {
    let c = consumption(&state)?;
    let id = attribute_id(&req, "id")?;
    Ok(envelope::ok(
        &c.attribute_dtos(&c.versions(&id).await?).await?,
    ))
}

/// `GET /Attributes/{id}/Versions/Shared?peer=…`.
pub async fn get_versions_shared(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ConnectorError> {
    let c = consumption(&state)?;
    let id = attribute_id(&req, "id")?;
    let mut pairs = parse_query_string(req.query_string());
    let only_latest = take_flag(&mut pairs, "onlyLatestVersions", true)?;
    let peer = match pairs.as_slice() {
        [(key, values)] if key == "peer" && values.len() == 1 => values[0].clone(),
        [] => {
            return Err(ConnectorError::validation(
                "query must have required property 'peer'",
            ));
        }
        _ => {
            return Err(ConnectorError::validation(
                "query must NOT have additional properties",
            ));
        }
    };
    let found = c
        .versions_shared_with(&id, address(&peer)?, only_latest)
        .await?;
    Ok(envelope::ok(&c.attribute_dtos(&found).await?))
}

/// `GET /Attributes/{id}/ForwardingDetails`.
pub async fn get_forwarding_details(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ConnectorError> {
    let c = consumption(&state)?;
    let id = attribute_id(&req, "id")?;
    c.attribute(&id).await?;
    let mut keys = vec!["peer", "sourceReference", "sharedAt"];
    keys.extend(DELETION_FILTERS);
    let filter = translate(&parse_query_string(req.query_string()), &same(&keys))?;
    let found = c.forwarding_details(&id, filter).await?;
    let dtos: Vec<Value> = found.iter().map(|f| f.to_dto()).collect();
    Ok(envelope::ok(&dtos))
}

/// `POST /Attributes/{predecessorId}/Succeed`.
pub async fn succeed(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Body<SucceedAttribute>,
) -> Result<HttpResponse, ConnectorError> {
    let c = consumption(&state)?;
    let id = attribute_id(&req, "predecessorId")?;
    let SucceedAttribute { successor_content } = body.into_inner()?;
    let predecessor = c.attribute(&id).await?;
    if predecessor.content_type() != "IdentityAttribute" {
        return succeed_relationship_attribute(&state, &c, &id, &successor_content).await;
    }
    let (predecessor, successor) = c
        .succeed_own_identity_attribute(&id, &successor_content)
        .await?;
    Ok(envelope::created(&json!({
        "predecessor": c.attribute_dto(&predecessor).await?,
        "successor": c.attribute_dto(&successor).await?,
    })))
}

/// `SucceedRelationshipAttributeAndNotifyPeer`: 201 `{predecessor, successor, notificationId}`.
async fn succeed_relationship_attribute(
    state: &AppState,
    c: &Consumption,
    id: &str,
    successor: &Value,
) -> Result<HttpResponse, ConnectorError> {
    let (predecessor, successor, notification) =
        c.succeed_relationship_attribute(id, successor).await?;
    let peer = successor.peer.clone().unwrap_or_default();
    let sent = state
        .send_message(connector_transport::messages::NewMessage {
            recipients: vec![peer.clone()],
            content: notification.clone(),
            attachments: Vec::new(),
        })
        .await?;
    c.notification_sent(&notification, &peer, &sent.id).await?;
    Ok(envelope::created(&json!({
        "predecessor": c.attribute_dto(&predecessor).await?,
        "successor": c.attribute_dto(&successor).await?,
        "notificationId": notification["id"],
    })))
}

/// `DELETE /Attributes/{id}`: deletes and notifies the affected peers.
pub async fn delete(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ConnectorError> {
    let c = consumption(&state)?;
    let id = attribute_id(&req, "id")?;
    let notifications = c.delete_attribute(&id).await?;
    let mut ids = Vec::with_capacity(notifications.len());
    for (peer, notification) in notifications {
        let notification_id = notification["id"].clone();
        let sent = state
            .send_message(connector_transport::messages::NewMessage {
                recipients: vec![peer.clone()],
                content: notification.clone(),
                attachments: Vec::new(),
            })
            .await?;
        c.notification_sent(&notification, &peer, &sent.id).await?;
        ids.push(notification_id);
    }
    Ok(envelope::ok(&json!({ "notificationIds": ids })))
}

/// `POST /Attributes/{id}/NotifyPeer` `{peer}`: tells the peer about the succession.
pub async fn notify_peer(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Body<NotifyPeer>,
) -> Result<HttpResponse, ConnectorError> {
    let c = consumption(&state)?;
    let id = attribute_id(&req, "id")?;
    let NotifyPeer { peer } = body.into_inner()?;
    let peer = peer.as_str();
    let (predecessor, successor, notification) = c
        .notify_peer_about_own_identity_attribute_succession(&id, peer)
        .await?;
    let sent = state
        .send_message(connector_transport::messages::NewMessage {
            recipients: vec![peer.to_owned()],
            content: notification.clone(),
            attachments: Vec::new(),
        })
        .await?;
    c.notification_sent(&notification, peer, &sent.id).await?;
    Ok(envelope::created(&json!({
        "predecessor": c.attribute_dto(&predecessor).await?,
        "successor": c.attribute_dto(&successor).await?,
        "notificationId": notification["id"],
    })))
}

/// `POST /Attributes/ExecuteIdentityAttributeQuery`.
pub async fn execute_identity_query(
    state: web::Data<AppState>,
    body: Body<AttributeQuery<IdentityAttributeQuery>>,
) -> Result<HttpResponse, ConnectorError> {
    let c = consumption(&state)?;
    let query = body.into_inner()?.query;
    Ok(envelope::ok(
        &c.attribute_dtos(&c.execute_identity_attribute_query(&query).await?)
            .await?,
    ))
}

/// `POST /Attributes/ExecuteRelationshipAttributeQuery`.
pub async fn execute_relationship_query(
    state: web::Data<AppState>,
    body: Body<AttributeQuery<RelationshipAttributeQuery>>,
) -> Result<HttpResponse, ConnectorError> {
    let c = consumption(&state)?;
    let query = body.into_inner()?.query;
    Ok(envelope::ok(
        &c.attribute_dto(&c.execute_relationship_attribute_query(&query).await?)
            .await?,
    ))
}

/// `POST /Attributes/ExecuteThirdPartyRelationshipAttributeQuery`.
pub async fn execute_third_party_query(
    state: web::Data<AppState>,
    body: Body<AttributeQuery<ThirdPartyRelationshipAttributeQuery>>,
) -> Result<HttpResponse, ConnectorError> {
    let c = consumption(&state)?;
    let query = body.into_inner()?.query;
    Ok(envelope::ok(
        &c.attribute_dtos(
            &c.execute_third_party_relationship_attribute_query(&query)
                .await?,
        )
        .await?,
    ))
}

/// `POST /Attributes/ExecuteIQLQuery`: the query evaluated over the contents of all
/// OwnIdentityAttributes (every version, oldest first), as the runtime's `executeIQLQuery`.
pub async fn execute_iql_query(
    state: web::Data<AppState>,
    body: Body<ExecuteIqlQuery>,
) -> Result<HttpResponse, ConnectorError> {
    let c = consumption(&state)?;
    let ExecuteIqlQuery(query) = body.into_inner()?;
    let expr = iql::parse(&query.query_string).map_err(|e| {
        ConnectorError::application(ErrorCode::RuntimeRequestDeserialization, e.message)
    })?;
    let own = c
        .attributes(&Filter::eq("@type", "OwnIdentityAttribute").map_err(ConnectorError::from)?)
        .await?;
    let contents: Vec<Value> = own.iter().map(|a| a.content.clone()).collect();
    // the library throws a TypeError for content it cannot walk; the runtime reports it as unknown
    let indices = iql::execute(&expr, &contents).map_err(|e| {
        ConnectorError::application(
            ErrorCode::RuntimeUnknown,
            format!("An error was thrown in a UseCase: {e}"),
        )
    })?;
    let matched: Vec<_> = indices.into_iter().map(|i| own[i].clone()).collect();
    Ok(envelope::ok(&c.attribute_dtos(&matched).await?))
}

/// `POST /Attributes/ValidateIQLQuery`: `@nmshd/iql`'s `validate` result for the query string. As in the
/// runtime, the body is read as an `IQLQuery` first, so an invalid query string is refused there
/// (`error.runtime.requestDeserialization`) and only valid ones reach the library.
pub async fn validate_iql_query(
    body: Body<ValidateIqlQuery>,
) -> Result<HttpResponse, ConnectorError> {
    let ValidateIqlQuery(query) = body.into_inner()?;
    Ok(envelope::ok(&iql::validation_result(&query.query_string)))
}

/// `GET /Attributes/TagCollection`: the Backbone's tag collection (cached).
pub async fn tag_collection(state: web::Data<AppState>) -> Result<HttpResponse, ConnectorError> {
    let c = consumption(&state)?;
    Ok(envelope::ok(&c.tag_collection().await?.0))
}

/// `GET /Relationships/{id}/Attributes`: the latest versions of the attributes exchanged with the
/// relationship's peer (own ones shared with or forwarded to it, and the peer's), like the runtime's
/// `GetAttributesForRelationship` (technical attributes included).
pub async fn get_for_relationship(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ConnectorError> {
    let c = consumption(&state)?;
    let id = input::id(&id, "REL")?;
    let relationship = state.transport()?.relationship(id).await?;
    let found = c
        .own_attributes_shared_with(&relationship.record.peer, Filter::All, true, false)
        .await?;
    Ok(envelope::ok(&c.attribute_dtos(&found).await?))
}
