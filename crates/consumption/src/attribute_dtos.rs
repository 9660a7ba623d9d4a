//! `LocalAttributeDTO`s with `numberOfForwards` (facts from @nmshd/runtime 7.0.0): own identity,
//! own relationship and peer relationship attributes carry the number of forwarding-details
//! records of that version, whatever their deletion status; sharing with the relationship's own
//! peer is not a forwarding, so a fresh attribute counts 0. The count is computed on read, never
//! stored, so replicas cannot disagree about it.

use std::collections::HashMap;

use connector_store::{Condition, Filter};
use connector_transport::documents;
use connector_transport::{Result, TransportError};
use serde_json::Value;

use crate::Consumption;
use crate::records::{ForwardingDetails, LocalAttribute};

impl Consumption {
    /// The `LocalAttributeDTO` of one attribute.
    pub async fn attribute_dto(&self, attribute: &LocalAttribute) -> Result<Value> {
        let mut dtos = self.attribute_dtos(std::slice::from_ref(attribute)).await?;
        Ok(dtos.pop().unwrap_or_default())
    }

    /// The `LocalAttributeDTO`s of `attributes`, in order, counting forwardings in one query.
    pub async fn attribute_dtos(&self, attributes: &[LocalAttribute]) -> Result<Vec<Value>> {
        let counted: Vec<Value> = attributes
            .iter()
            .filter(|a| a.kind.is_forwardable())
            .map(|a| a.id.clone().into())
            .collect();
        let mut counts: HashMap<String, u64> = HashMap::new();
        if !counted.is_empty() {
            let filter = Filter::field("attributeId", Condition::In(counted))
                .map_err(TransportError::Store)?;
            for details in
                documents::find_records::<ForwardingDetails>(self.store(), &filter).await?
            {
                *counts.entry(details.attribute_id).or_default() += 1;
            }
        }
        Ok(attributes
            .iter()
            .map(|attribute| {
                let mut dto = attribute.to_dto();
                if attribute.kind.is_forwardable()
                    && let Some(map) = dto.as_object_mut()
                {
                    let count = counts.get(&attribute.id).copied().unwrap_or(0);
                    map.insert("numberOfForwards".into(), count.into());
                }
                dto
            })
            .collect())
    }
}
