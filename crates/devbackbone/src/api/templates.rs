//! Relationship templates: visibility, allocations, passwords, forIdentity (backbone-api §5.5, §6.5).

use serde::Deserialize;
use serde_json::{Value, json};

use crate::clock::{format, json_opt};
use crate::config::MAX_CONTENT;
use crate::error::{ApiError, ApiResult};
use crate::ids;
use crate::model::*;
use crate::server::{
    Backend, Caller, Reply, Request, Tx, binary_field, check_length, id_field, timestamp_field,
};

const MAX_PASSWORD: usize = 200;

fn template_dto(t: &Template) -> Value {
    json!({
        "id": t.id,
        "createdBy": t.created_by,
        "createdByDevice": t.created_by_device,
        "maxNumberOfAllocations": t.max_number_of_allocations,
        "expiresAt": json_opt(t.expires_at),
        "content": t.content,
        "createdAt": format(t.created_at),
        "forIdentity": t.for_identity,
    })
}

/// Parses a password given as standard base64 (query or body).
pub fn password_bytes(text: Option<&str>) -> ApiResult<Option<Vec<u8>>> {
    text.map(|text| {
        let bytes = binary_field("password", text)?;
        check_length("password", &bytes, 1, MAX_PASSWORD)?;
        Ok(bytes)
    })
    .transpose()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateTemplate {
    content: Option<String>,
    expires_at: Option<String>,
    max_number_of_allocations: Option<i64>,
    for_identity: Option<String>,
    password: Option<String>,
}

/// `POST /api/v2/RelationshipTemplates`.
pub fn create(backend: &Backend, req: &Request) -> ApiResult<Reply> {
    let caller = req.caller()?;
    let body: CreateTemplate = req.json()?;
    let content = body
        .content
        .as_deref()
        .map(|c| binary_field("content", c))
        .transpose()?;
    if let Some(content) = &content {
        check_length("content", content, 0, MAX_CONTENT)?;
    }
    let expires_at = body
        .expires_at
        .as_deref()
        .map(|e| timestamp_field("expiresAt", e))
        .transpose()?;
    let max = match body.max_number_of_allocations {
        Some(n) if n <= 0 => {
            return Err(ApiError::invalid_value(
                "'maxNumberOfAllocations' must be greater than 0.",
            ));
        }
        Some(n) => Some(
            u32::try_from(n)
                .map_err(|_| ApiError::invalid_value("'maxNumberOfAllocations' is too large."))?,
        ),
        None => None,
    };
    let password = password_bytes(body.password.as_deref())?;
    backend.write(|tx| {
        if expires_at.is_some_and(|e| e <= tx.now) {
            return Err(ApiError::invalid_value(
                "'expiresAt' must be in the future.",
            ));
        }
        let template = Template {
            id: ids::new_id("RLT"),
            created_by: caller.address.clone(),
            created_by_device: caller.device.clone(),
            max_number_of_allocations: max,
            expires_at,
            content: content.as_deref().map(crate::bytes::encode),
            created_at: tx.now,
            for_identity: body.for_identity.clone(),
            password,
            allocations: Vec::new(),
        };
        let dto = json!({ "id": template.id, "createdAt": format(template.created_at) });
        tx.state.templates.insert(template.id.clone(), template);
        Ok(Reply::Created(dto))
    })
}

/// Whether the caller may see the template at all (expiry and forIdentity, §6.5).
fn is_visible(tx: &Tx<'_>, template: &Template, caller: &str) -> bool {
    if template.created_by == caller {
        return true;
    }
    let has_relationship = || {
        tx.state
            .relationships
            .rows_by(&format!("template:{}", template.id))
            .any(|r| r.template_id == template.id && r.from == caller)
    };
    let unexpired = template.expires_at.is_none_or(|e| e > tx.now) || has_relationship();
    let addressed = template.for_identity.as_deref().is_none_or(|f| f == caller);
    unexpired && addressed
}

fn has_allocation(template: &Template, caller: &str) -> bool {
    template.allocations.iter().any(|a| a.address == caller)
}

/// The read rules of `GET /RelationshipTemplates/{id}` for the caller, allocating the template
/// (used by relationship creation, too, without a password).
pub fn load_for(
    tx: &mut Tx<'_>,
    caller: &Caller,
    id: &str,
    password: Option<&[u8]>,
) -> ApiResult<Template> {
    let template = tx
        .state
        .templates
        .get(id)
        .cloned()
        .ok_or_else(|| ApiError::not_found("RelationshipTemplate"))?;
    if template.created_by == caller.address {
        return Ok(template);
    }
    if !is_visible(tx, &template, &caller.address) {
        return Err(ApiError::not_found("RelationshipTemplate"));
    }
    if has_allocation(&template, &caller.address) {
        return Ok(template);
    }
    if template
        .password
        .as_deref()
        .is_some_and(|p| Some(p) != password)
    {
        return Err(ApiError::not_found("RelationshipTemplate"));
    }
    if let Some(max) = template.max_number_of_allocations
        && template.allocations.len() >= max as usize
    {
        return Err(ApiError::bad_request(
            "error.platform.validation.relationshipTemplate.maxNumberOfAllocationsExhausted",
            "The maximum number of allocations of this template has been exhausted.",
        ));
    }
    let allocation = Allocation {
        address: caller.address.clone(),
        device: caller.device.clone(),
    };
    let count = tx
        .state
        .templates
        .update(id, |t| {
            t.allocations.push(allocation);
            t.allocations.len()
        })
        .unwrap_or_default();
    if template.max_number_of_allocations == Some(count as u32) {
        tx.emit(
            &template.created_by,
            "RelationshipTemplateAllocationsExhausted",
            json!({ "relationshipTemplateId": template.id }),
            None,
            false,
        );
    }
    Ok(template)
}

/// `GET /api/v2/RelationshipTemplates/{id}?password=`.
pub fn get(backend: &Backend, req: &Request, id: &str) -> ApiResult<Reply> {
    let caller = req.caller()?;
    let id = id_field(id, "RLT")?;
    let password = password_bytes(req.query.get("password"))?;
    backend.write(|tx| {
        let template = load_for(tx, caller, &id, password.as_deref())?;
        Ok(Reply::Ok(template_dto(&template)))
    })
}

/// `GET /api/v2/RelationshipTemplates?templates.N.id=…&templates.N.password=…` (no allocation).
pub fn list(backend: &Backend, req: &Request) -> ApiResult<Reply> {
    let caller = req.caller()?;
    let wanted = req.query.id_password_list("templates");
    backend.write(|tx| {
        let mut out = Vec::new();
        for (id, password) in wanted {
            let password = password_bytes(password.as_deref())?;
            let Some(template) = tx.state.templates.get(&id) else {
                continue;
            };
            let mine = template.created_by == caller.address;
            let readable = mine
                || (is_visible(tx, template, &caller.address)
                    && (has_allocation(template, &caller.address)
                        || template.password.is_none()
                        || template.password == password));
            if readable {
                out.push(template_dto(template));
            }
        }
        Ok(Reply::Ok(Value::Array(out)))
    })
}

/// `DELETE /api/v2/RelationshipTemplates/{id}`: only by its creator.
pub fn delete(backend: &Backend, req: &Request, id: &str) -> ApiResult<Reply> {
    let caller = req.caller()?;
    let id = id_field(id, "RLT")?;
    backend.write(|tx| {
        let template = tx
            .state
            .templates
            .get(&id)
            .ok_or_else(|| ApiError::not_found("RelationshipTemplate"))?;
        if template.created_by != caller.address {
            return Err(ApiError::forbidden());
        }
        tx.state.templates.remove(&id);
        Ok(Reply::NoContent)
    })
}
