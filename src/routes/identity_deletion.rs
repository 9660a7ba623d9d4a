//! `/IdentityDeletionProcess` (debug mode only, connector-api §7.13): start, show and cancel the
//! identity's deletion on the Backbone.

use actix_web::{HttpRequest, HttpResponse, web};
use connector_transport::identity_deletion::to_dto;

use crate::envelope;
use crate::error::ConnectorError;
use crate::query::parse_query_string;
use crate::state::AppState;

/// The optional `lengthOfGracePeriodInDays` query value (a positive whole number of days).
fn grace_period_days(request: &HttpRequest) -> Result<Option<u32>, ConnectorError> {
    let mut days = None;
    for (key, values) in parse_query_string(request.query_string()) {
        if key != "lengthOfGracePeriodInDays" {
            return Err(ConnectorError::validation(
                "query must NOT have additional properties",
            ));
        }
        let [value] = values.as_slice() else {
            return Err(ConnectorError::validation(
                "/lengthOfGracePeriodInDays must be number",
            ));
        };
        let parsed = value
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|d| *d > 0)
            .ok_or_else(|| {
                ConnectorError::validation("/lengthOfGracePeriodInDays must be a positive number")
            })?;
        days = Some(parsed);
    }
    Ok(days)
}

/// `POST /IdentityDeletionProcess[?lengthOfGracePeriodInDays=n]`.
pub async fn initiate(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let days = grace_period_days(&request)?;
    let process = transport.initiate_identity_deletion(days).await?;
    Ok(envelope::ok(&to_dto(&process)))
}

/// `GET /IdentityDeletionProcess`: the active process.
pub async fn active(state: web::Data<AppState>) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let process = transport.require_active_identity_deletion_process().await?;
    Ok(envelope::ok(&to_dto(&process)))
}

/// `DELETE /IdentityDeletionProcess`: cancels the active process.
pub async fn cancel(state: web::Data<AppState>) -> Result<HttpResponse, ConnectorError> {
    let transport = state.transport()?;
    let process = transport.cancel_identity_deletion().await?;
    Ok(envelope::ok(&to_dto(&process)))
}
