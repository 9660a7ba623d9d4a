//! Names of the consumption events published on the transport's event bus
//! (consumption-rest.md "Events"; payloads are the DTOs, as the runtime's events carry them).

pub const ATTRIBUTE_CREATED: &str = "consumption.attributeCreated";
pub const ATTRIBUTE_DELETED: &str = "consumption.attributeDeleted";
pub const ATTRIBUTE_SUCCEEDED: &str = "consumption.attributeSucceeded";
pub const ATTRIBUTE_FORWARDING_DETAILS_CHANGED: &str =
    "consumption.attributeForwardingDetailsChanged";
pub const INCOMING_REQUEST_RECEIVED: &str = "consumption.incomingRequestReceived";
pub const INCOMING_REQUEST_STATUS_CHANGED: &str = "consumption.incomingRequestStatusChanged";
pub const OUTGOING_REQUEST_CREATED: &str = "consumption.outgoingRequestCreated";
pub const OUTGOING_REQUEST_CREATED_AND_COMPLETED: &str =
    "consumption.outgoingRequestCreatedAndCompleted";
pub const OUTGOING_REQUEST_STATUS_CHANGED: &str = "consumption.outgoingRequestStatusChanged";
pub const MESSAGE_PROCESSED: &str = "consumption.messageProcessed";
pub const RELATIONSHIP_TEMPLATE_PROCESSED: &str = "consumption.relationshipTemplateProcessed";
pub const MAIL_RECEIVED: &str = "consumption.mailReceived";
/// Followed by the relationship's id (the runtime's `RelationshipEvent`).
pub const RELATIONSHIP_EVENT_PREFIX: &str = "consumption.relationshipEvent.";
