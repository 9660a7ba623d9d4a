//! `/api/core/v1/Files/*` (`connector-api.md` §6.2, §6.3, §7.5).

use actix_multipart::Multipart;
use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, web};
use connector_store::Filter;
use connector_transport::Transport;
use connector_transport::files::{FileRecord, FileTokenOptions, MAX_FILE_SIZE, NewFile};
use connector_transport::tokens::TokenRecord;
use futures_util::StreamExt;
use nmshd_crypto::Reference;
use nmshd_wire::CoreDate;
use serde_json::{Map, Value, json};

use super::{input, qr};
use crate::api::files::{CreateFileToken, LoadPeerFile};
use crate::envelope;
use crate::error::ConnectorError;
use crate::http::body::Body;
use crate::http::extract::ListQuery;
use crate::query::translate;
use crate::state::AppState;
use actix_web::http::StatusCode;

/// Query keys of the file lists and the stored field each filters.
const FILE_QUERY: &[(&str, &str)] = &[
    ("createdAt", "createdAt"),
    ("createdBy", "createdBy"),
    ("createdByDevice", "createdByDevice"),
    ("description", "description"),
    ("expiresAt", "expiresAt"),
    ("filename", "filename"),
    ("filesize", "filesize"),
    ("mimetype", "mimetype"),
    ("title", "title"),
    ("isOwn", "isOwn"),
    ("tags", "tags"),
    ("ownershipToken", "ownershipToken"),
    ("ownershipIsLocked", "ownershipIsLocked"),
];

/// The default expiry of uploads.
const DEFAULT_EXPIRY: &str = "9999-12-31T00:00:00.000Z";

pub(crate) fn file_dto(transport: &Transport, file: &FileRecord) -> Result<Value, ConnectorError> {
    Ok(file.to_dto(&transport.config().base_url)?)
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(hex) = std::str::from_utf8(&bytes[i + 1..i + 3])
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn path_param(req: &HttpRequest, name: &str) -> String {
    req.match_info().get(name).unwrap_or_default().to_owned()
}

/// Refuses the QR-code variant this build cannot render yet (no fake PNG).
/// A download response (§6.2).
pub(crate) fn download_response(file: &FileRecord, bytes: Vec<u8>) -> HttpResponse {
    let filename: String = form_urlencoded::byte_serialize(file.filename.as_bytes())
        .collect::<String>()
        // encodeURIComponent leaves these alone; byte_serialize writes spaces as `+`.
        .replace('+', "%20")
        .replace("%21", "!")
        .replace("%27", "'")
        .replace("%28", "(")
        .replace("%29", ")")
        .replace("%7E", "~");
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, file.mimetype.clone()))
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment;filename={filename}"),
        ))
        .body(bytes)
}

pub(crate) fn parse_future_date(name: &str, text: &str) -> Result<CoreDate, ConnectorError> {
    let date = CoreDate::parse(text).map_err(|_| {
        ConnectorError::validation(format!("{name} must match ISO8601 datetime format"))
    })?;
    if date <= CoreDate::now() {
        return Err(ConnectorError::validation(format!(
            "'{name}' must be in the future"
        )));
    }
    Ok(date)
}

/// The parts of an upload form.
#[derive(Default)]
struct UploadForm {
    file: Option<(String, String, Vec<u8>)>,
    title: Option<String>,
    description: Option<String>,
    expires_at: Option<String>,
    /// `tags` values and whether they arrived as an array (repeated or `tags[]`).
    tags: Vec<String>,
    tags_fields: usize,
    tags_bracket: bool,
}

/// A multipart error as the client hears it: a body that missed its deadline is a 408.
fn form_error(error: &actix_multipart::MultipartError, req: &HttpRequest) -> ConnectorError {
    match error {
        actix_multipart::MultipartError::Payload(payload)
            if crate::http::body_deadline::is_timeout(payload) =>
        {
            crate::http::request_timeout(req)
        }
        other => ConnectorError::validation(other.to_string()),
    }
}

async fn read_form(
    mut multipart: Multipart,
    req: &HttpRequest,
) -> Result<UploadForm, ConnectorError> {
    let mut form = UploadForm::default();
    while let Some(field) = multipart.next().await {
        let mut field = match field {
            Ok(field) => field,
            // Not a multipart body at all: like multer, there simply is no file.
            Err(
                actix_multipart::MultipartError::ContentTypeMissing
                | actix_multipart::MultipartError::ContentTypeParse
                | actix_multipart::MultipartError::ContentTypeIncompatible
                | actix_multipart::MultipartError::BoundaryMissing,
            ) => break,
            Err(e) => return Err(form_error(&e, req)),
        };
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field
            .content_disposition()
            .and_then(|d| d.get_filename().map(str::to_owned));
        let mimetype = field.content_type().map_or_else(
            || "application/octet-stream".to_owned(),
            ToString::to_string,
        );
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| form_error(&e, req))?;
            bytes.extend_from_slice(&chunk);
            if bytes.len() > MAX_FILE_SIZE {
                return Err(ConnectorError::validation("'content' is too large"));
            }
        }
        let text = || String::from_utf8_lossy(&bytes).into_owned();
        match name.as_str() {
            "file" if form.file.is_none() => {
                form.file = Some((filename.unwrap_or_default(), mimetype, bytes));
            }
            "title" => form.title = Some(text()),
            "description" => form.description = Some(text()),
            "expiresAt" => form.expires_at = Some(text()),
            "tags" | "tags[]" => {
                form.tags_bracket |= name == "tags[]";
                form.tags_fields += 1;
                form.tags.push(text());
            }
            _ => {}
        }
    }
    Ok(form)
}

/// `POST /Files/Own` (multipart, §6.3).
pub async fn upload_own(
    state: web::Data<AppState>,
    req: HttpRequest,
    multipart: Multipart,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let form = read_form(multipart, &req).await?;
    let Some((filename, mimetype, content)) = form.file else {
        return Err(ConnectorError::validation(
            "must have required property 'content'",
        ));
    };
    let expires_at = parse_future_date(
        "expiresAt",
        form.expires_at.as_deref().unwrap_or(DEFAULT_EXPIRY),
    )?;
    let tags = match form.tags_fields {
        0 => None,
        1 if !form.tags_bracket => return Err(ConnectorError::validation("tags must be array")),
        _ => {
            let mut seen = Vec::new();
            for tag in &form.tags {
                if seen.contains(tag) {
                    return Err(ConnectorError::validation(
                        "tags must NOT have duplicate items",
                    ));
                }
                seen.push(tag.clone());
            }
            Some(form.tags)
        }
    };
    let file = state
        .upload_own_file(NewFile {
            content,
            filename,
            mimetype,
            title: form.title,
            description: form.description,
            tags,
            expires_at,
        })
        .await?;
    Ok(envelope::created(&file_dto(transport, &file)?))
}

/// `POST /Files/Peer`: `{reference, password?}`.
pub async fn load_peer(
    state: web::Data<AppState>,
    body: Body<LoadPeerFile>,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let body = body.into_inner()?;
    let file = transport
        .load_peer_file(&body.reference, body.password.as_deref())
        .await?;
    Ok(envelope::created(&file_dto(transport, &file)?))
}

async fn list(
    state: &AppState,
    query: &ListQuery,
    is_own: Option<bool>,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    if query
        .0
        .iter()
        .any(|(k, v)| k == "ownershipIsLocked" && v.len() > 1)
    {
        return Err(ConnectorError::validation(
            "query/ownershipIsLocked must be string",
        ));
    }
    let mut parts = vec![translate(&query.0, FILE_QUERY)?];
    if let Some(is_own) = is_own {
        let pairs: Vec<(String, Vec<String>)> = query
            .0
            .iter()
            .filter(|(k, _)| k != "isOwn")
            .cloned()
            .collect();
        parts = vec![
            translate(&pairs, FILE_QUERY)?,
            Filter::eq("isOwn", is_own).map_err(ConnectorError::unexpected)?,
        ];
    }
    let files = transport.files(&Filter::And(parts)).await?;
    let dtos = files
        .iter()
        .map(|f| file_dto(transport, f))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(envelope::ok(&dtos))
}

/// `GET /Files`.
pub async fn get_all(
    state: web::Data<AppState>,
    query: ListQuery,
) -> Result<HttpResponse, ConnectorError> {
    list(&state, &query, None).await
}

/// `GET /Files/Own`.
pub async fn get_own(
    state: web::Data<AppState>,
    query: ListQuery,
) -> Result<HttpResponse, ConnectorError> {
    list(&state, &query, Some(true)).await
}

/// `GET /Files/Peer`.
pub async fn get_peer(
    state: web::Data<AppState>,
    query: ListQuery,
) -> Result<HttpResponse, ConnectorError> {
    list(&state, &query, Some(false)).await
}

/// `GET /Files/{idOrReference}`: local only; a reference is parsed to its id (unparsable → 500
/// as in the original).
pub async fn get_one(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    // A URL reference arrives URL-encoded; the router leaves `%2F` encoded.
    let raw = percent_decode(&path_param(&req, "idOrReference"));
    let id = if raw.starts_with("FIL") {
        raw
    } else {
        Reference::parse(&raw)
            .map_err(|_| {
                ConnectorError::validation("idOrReference must be a File id or a File reference")
            })?
            .id
    };
    let file = transport
        .file(&id)
        .await
        .map_err(|_| ConnectorError::record_not_found("File"))?;
    qr::respond(
        &req,
        &file_dto(transport, &file)?,
        &format!("{id}.png"),
        StatusCode::OK,
    )
}

/// `GET /Files/{id}/Download`.
pub async fn download(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let id = path_param(&req, "id");
    let (file, bytes) = transport.download_file(input::id(&id, "FIL")?).await?;
    Ok(download_response(&file, bytes))
}

/// The `TokenDTO` (connector-api §10).
fn token_dto(
    transport: &Transport,
    token: &TokenRecord,
    ephemeral: bool,
) -> Result<Value, ConnectorError> {
    let reference = token.reference(&transport.config().base_url)?;
    let mut dto = Map::new();
    dto.insert("id".into(), json!(token.id));
    dto.insert("isOwn".into(), json!(token.is_own));
    dto.insert("createdBy".into(), json!(token.created_by));
    dto.insert("createdByDevice".into(), json!(token.created_by_device));
    dto.insert("content".into(), token.content.clone());
    dto.insert("createdAt".into(), json!(token.created_at));
    dto.insert("expiresAt".into(), json!(token.expires_at));
    if let Some(f) = &token.for_identity {
        dto.insert("forIdentity".into(), json!(f));
    }
    if let Some(p) = &token.password_protection {
        dto.insert("passwordProtection".into(), p.to_dto());
    }
    dto.insert(
        "reference".into(),
        json!({
            "truncated": reference.truncate(),
            "url": reference.to_url(None).map_err(ConnectorError::unexpected)?,
        }),
    );
    dto.insert("isEphemeral".into(), json!(ephemeral));
    Ok(Value::Object(dto))
}

/// `POST /Files/{id}/Token`: `{expiresAt?, ephemeral? (default true), forIdentity?, passwordProtection?}`.
pub async fn create_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Option<Body<CreateFileToken>>,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let options = Body::optional(body)?;
    // The QR code variant always makes an ephemeral token.
    let ephemeral = qr::wants_png(&req) || options.ephemeral.unwrap_or(true);
    let CreateFileToken {
        expires_at,
        for_identity,
        password_protection,
        ..
    } = options;
    let id = path_param(&req, "id");
    transport
        .file(&id)
        .await
        .map_err(|_| ConnectorError::record_not_found("File"))?;
    let token = transport
        .create_file_token(
            &id,
            FileTokenOptions {
                expires_at,
                ephemeral,
                for_identity,
                password_protection,
            },
        )
        .await?;
    qr::respond(
        &req,
        &token_dto(transport, &token, ephemeral)?,
        &format!("{id}.png"),
        StatusCode::CREATED,
    )
}

/// `PATCH /Files/{id}/RegenerateOwnershipToken`.
pub async fn regenerate_ownership_token(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let id = path_param(&req, "id");
    let file = transport
        .regenerate_ownership_token(input::id(&id, "FIL")?)
        .await?;
    Ok(envelope::ok(&file_dto(transport, &file)?))
}

/// `DELETE /Files/{id}`: own files on the Backbone and locally, peer files locally.
pub async fn delete(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let id = path_param(&req, "id");
    transport.delete_file(input::id(&id, "FIL")?).await?;
    Ok(envelope::no_content())
}

/// The handlers of the Files and Messages routes (§7.5, §7.7); a route without one keeps
/// answering "not implemented".
pub fn file_and_message_route(method: &'static str, path: &'static str) -> actix_web::Route {
    use super::messages;
    let route = web::route();
    match (method, path.trim_start_matches("/api/core/v1")) {
        ("POST", "/Files/Own") => route.to(upload_own),
        ("POST", "/Files/Peer") => route.to(load_peer),
        ("GET", "/Files") => route.to(get_all),
        ("GET", "/Files/Own") => route.to(get_own),
        ("GET", "/Files/Peer") => route.to(get_peer),
        ("GET", "/Files/{idOrReference}") => route.to(get_one),
        ("GET", "/Files/{id}/Download") => route.to(download),
        ("POST", "/Files/{id}/Token") => route.to(create_token),
        ("DELETE", "/Files/{id}") => route.to(delete),
        ("PATCH", "/Files/{id}/RegenerateOwnershipToken") => route.to(regenerate_ownership_token),
        ("POST", "/Messages") => route.to(messages::send),
        ("GET", "/Messages") => route.to(messages::get_all),
        ("GET", "/Messages/{id}") => route.to(messages::get_one),
        ("GET", "/Messages/{id}/Attachments/{attachmentId}") => route.to(messages::attachment),
        ("GET", "/Messages/{id}/Attachments/{attachmentId}/Download") => {
            route.to(messages::download_attachment)
        }
        _ => route.to(move || async move {
            Err::<HttpResponse, _>(ConnectorError::NotImplemented {
                method: method.to_owned(),
                path: path.to_owned(),
            })
        }),
    }
}
