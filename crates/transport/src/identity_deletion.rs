//! The identity's deletion process (backbone-api §5.3): start, look up and cancel it on the
//! Backbone. The Backbone is the only record (no local copy), so every replica sees the same
//! process. Start and cancel publish `transport.identityDeletionProcessStatusChanged`.

use backbone_client::BackboneError;
use backbone_client::dto::{DeletionProcess, DeletionProcessStatus};
use nmshd_wire::CoreDate;
use serde_json::{Map, Value};

use crate::{Result, Transport, TransportError};

/// The event published when this identity starts or cancels its deletion.
pub const STATUS_CHANGED: &str = "transport.identityDeletionProcessStatusChanged";

fn no_active_process() -> TransportError {
    TransportError::rule(
        "error.runtime.identityDeletionProcess.noActiveIdentityDeletionProcess",
        "No active IdentityDeletionProcess found.",
    )
}

fn already_exists() -> TransportError {
    TransportError::rule(
        "error.runtime.identityDeletionProcess.activeIdentityDeletionProcessAlreadyExists",
        "There is already an active IdentityDeletionProcess. You cannot start another, as there may only be one active IdentityDeletionProcess per Identity.",
    )
}

/// The Backbone's refusal of a lost race as the runtime error the winner's state implies.
fn same_as_runtime(
    error: BackboneError,
    backbone_code_suffix: &str,
    runtime_error: fn() -> TransportError,
) -> TransportError {
    match error.code() {
        Some(code) if code.ends_with(backbone_code_suffix) => runtime_error(),
        _ => error.into(),
    }
}

/// The `IdentityDeletionProcessDTO` of the runtime: only the fields it knows, absent ones left out.
pub fn to_dto(process: &DeletionProcess) -> Value {
    let mut dto = Map::new();
    dto.insert("id".into(), Value::String(process.id.clone()));
    dto.insert(
        "status".into(),
        Value::String(process.status.as_str().to_owned()),
    );
    let optional = [
        ("createdAt", Some(&process.created_at)),
        ("createdByDevice", process.created_by_device.as_ref()),
        ("gracePeriodEndsAt", process.grace_period_ends_at.as_ref()),
        ("cancelledAt", process.cancelled_at.as_ref()),
        ("cancelledByDevice", process.cancelled_by_device.as_ref()),
    ];
    for (name, value) in optional {
        if let Some(value) = value {
            dto.insert(name.into(), Value::String(value.clone()));
        }
    }
    Value::Object(dto)
}

impl Transport {
    /// The identity's active deletion process, if any.
    pub async fn active_identity_deletion_process(&self) -> Result<Option<DeletionProcess>> {
        let processes = self.backbone().list_deletion_processes().await?;
        Ok(processes
            .into_iter()
            .find(|p| p.status == DeletionProcessStatus::Active))
    }

    /// Starts the deletion of this identity (grace period: the Backbone's default when `None`).
    pub async fn initiate_identity_deletion(
        &self,
        length_of_grace_period_in_days: Option<u32>,
    ) -> Result<DeletionProcess> {
        if self.active_identity_deletion_process().await?.is_some() {
            return Err(already_exists());
        }
        let process = self
            .backbone()
            .start_deletion_process(length_of_grace_period_in_days)
            .await
            // Another replica started one since the check above.
            .map_err(|e| {
                same_as_runtime(e, "onlyOneActiveDeletionProcessAllowed", already_exists)
            })?;
        self.events()
            .publish(STATUS_CHANGED, to_dto(&process))
            .await;
        Ok(process)
    }

    /// Cancels the active deletion process.
    pub async fn cancel_identity_deletion(&self) -> Result<DeletionProcess> {
        let active = self
            .active_identity_deletion_process()
            .await?
            .ok_or_else(no_active_process)?;
        let mut process = self
            .backbone()
            .cancel_deletion_process(&active.id)
            .await
            // Another replica cancelled it since the lookup above.
            .map_err(|e| {
                same_as_runtime(e, "deletionProcessIsNotInRequiredStatus", no_active_process)
            })?;
        // The Backbone does not send who cancelled and when; this device just did.
        process
            .cancelled_at
            .get_or_insert_with(|| CoreDate::now().to_iso_string());
        process
            .cancelled_by_device
            .get_or_insert_with(|| self.account().device_id.clone());
        self.events()
            .publish(STATUS_CHANGED, to_dto(&process))
            .await;
        Ok(process)
    }

    /// The active deletion process, or `noActiveIdentityDeletionProcess`.
    pub async fn require_active_identity_deletion_process(&self) -> Result<DeletionProcess> {
        self.active_identity_deletion_process()
            .await?
            .ok_or_else(no_active_process)
    }
}
