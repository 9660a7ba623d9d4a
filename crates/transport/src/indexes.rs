//! The secondary indexes of transport's collections: the fields that the REST list filters and
//! transport's own lookups (relationships by peer, messages by relationship) select on. Declared
//! at every open; the store builds a missing one over the existing documents.

use connector_store::{FieldShape, Store};

use crate::documents::Record;
use crate::error::Result;
use crate::files::FileRecord;
use crate::messages::MessageRecord;
use crate::relationships::RelationshipRecord;
use crate::templates::TemplateRecord;
use crate::tokens::TokenRecord;

use FieldShape::{Array, Scalar};

const INDEXES: &[(&str, &str, FieldShape)] = &[
    (MessageRecord::COLLECTION, "createdBy", Scalar),
    (MessageRecord::COLLECTION, "createdAt", Scalar),
    (MessageRecord::COLLECTION, "content.@type", Scalar),
    (MessageRecord::COLLECTION, "recipients.address", Array),
    (
        MessageRecord::COLLECTION,
        "recipients.relationshipId",
        Array,
    ),
    (MessageRecord::COLLECTION, "participants", Array),
    (TemplateRecord::COLLECTION, "createdBy", Scalar),
    (TemplateRecord::COLLECTION, "createdAt", Scalar),
    (TemplateRecord::COLLECTION, "expiresAt", Scalar),
    (RelationshipRecord::COLLECTION, "peer", Scalar),
    (RelationshipRecord::COLLECTION, "status", Scalar),
    (RelationshipRecord::COLLECTION, "templateId", Scalar),
    (FileRecord::COLLECTION, "createdBy", Scalar),
    (FileRecord::COLLECTION, "createdAt", Scalar),
    (TokenRecord::COLLECTION, "createdBy", Scalar),
];

/// Declares every index of transport's collections.
pub(crate) async fn ensure(store: &dyn Store) -> Result<()> {
    for (collection, field, shape) in INDEXES {
        store.ensure_index(collection, field, *shape).await?;
    }
    Ok(())
}
