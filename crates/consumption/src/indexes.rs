//! The secondary indexes of consumption's collections: the fields that the REST list filters
//! and consumption's own lookups (attributes by peer, owner, key and value type; forwarding
//! details by attribute) select on. Declared at every start; the store builds a missing one
//! over the existing documents.

use connector_store::{FieldShape, Store};
use connector_transport::Result;
use connector_transport::documents::Record;

use crate::{ForwardingDetails, LocalAttribute, LocalRequest};

const INDEXES: &[(&str, &str)] = &[
    (LocalAttribute::COLLECTION, "@type"),
    (LocalAttribute::COLLECTION, "peer"),
    (LocalAttribute::COLLECTION, "createdAt"),
    (LocalAttribute::COLLECTION, "succeeds"),
    (LocalAttribute::COLLECTION, "content.@type"),
    (LocalAttribute::COLLECTION, "content.owner"),
    (LocalAttribute::COLLECTION, "content.key"),
    (LocalAttribute::COLLECTION, "content.value.@type"),
    (ForwardingDetails::COLLECTION, "attributeId"),
    (ForwardingDetails::COLLECTION, "peer"),
    (LocalRequest::COLLECTION, "peer"),
    (LocalRequest::COLLECTION, "createdAt"),
    (LocalRequest::COLLECTION, "status"),
    (LocalRequest::COLLECTION, "source.reference"),
];

/// Declares every index of consumption's collections (all on single-valued fields).
pub async fn ensure(store: &dyn Store) -> Result<()> {
    for (collection, field) in INDEXES {
        store
            .ensure_index(collection, field, FieldShape::Scalar)
            .await?;
    }
    Ok(())
}
