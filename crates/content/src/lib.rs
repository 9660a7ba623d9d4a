//! `connector-content`: the enmeshed wire content model (`content-model.md` §1–§3, `attribute-value-types.tsv`).
//!
//! Every top-level type parses a `serde_json::Value` into a typed, validated, normalized value with
//! `from_json(&Value) -> Result<Self, ContentError>` and renders it with `to_json(&self) -> Value` exactly as
//! the TypeScript libraries emit it (modulo key order):
//!
//! * `@type` is always emitted (7.0.0 leaves it out where the class is fixed, e.g. `ResponseWrapper.response`;
//!   both forms are read by both sides), `@version`/`@context` never; unknown keys are dropped; `null` on an optional
//!   field means absent and nothing is ever emitted as `null`.
//! * Defaults are applied on input and emitted: `RelationshipAttribute.isTechnical: false`, `Mail.cc: []`,
//!   `Mail.bodyFormat: "PlainText"`, `ValueHints.propertyHints: {}`.
//! * Dates ([`CoreDate`]) accept ISO-8601 strings (calendar, week and ordinal dates, any offset; no offset = UTC),
//!   epoch milliseconds and `{ "date": … }`, and are emitted as UTC with milliseconds (`2025-01-01T00:00:00.000Z`).
//! * Lengths are JavaScript lengths (UTF-16 code units).
//! * Components of complex attribute values may come as `{"@type": "Street", "value": …}` and are emitted bare.
//! * `initialAttributePeer` (≥7.0.3) and `thirdPartyAddress` (7.0.0–7.0.2) are both read and both written
//!   (see `peer.rs`), so peers on either side of the rename understand us.
//!
//! Top-level types: [`Request`], [`RequestItemGroup`], [`RequestItem`], [`Response`], [`ResponseItemGroup`],
//! [`ResponseItem`], [`ResponseWrapper`], [`RelationshipTemplateContent`], [`RelationshipCreationContent`],
//! [`ArbitraryContent`], [`Mail`], [`Notification`] / [`NotificationItem`], [`IdentityAttribute`],
//! [`RelationshipAttribute`], [`Attribute`], [`AttributeQuery`] (and its four query structs), [`AttributeValue`],
//! [`FormFieldSettings`] (with [`FormFieldSettings::can_create`] / [`FormFieldSettings::can_accept`]).
//! [`message_content_kind`] routes a received Message content by its `@type`.
//!
//! Rules beyond parsing, for the consumption layer:
//! * [`whitelist::check_attribute_characters`] – §3.5, `error.consumption.attributes.forbiddenCharactersInAttribute`.
//! * [`tags::validate_tags`] – §3.6 against an [`tags::AttributeTagCollection`] the caller fetched,
//!   `error.consumption.attributes.invalidTags`.
//! * [`tags::validate_attribute_tags`] / [`tags::validate_query_tags`] – the same for an attribute / a query.
//! * [`reference::normalize_file_reference`] – `TransferFileOwnershipRequestItem.fileReference` is read in its
//!   truncated or URL form and written truncated with five components, as `@nmshd/core-types` does.
//! * [`IdentityAttribute::trimmed`] / [`AttributeValue::trimmed`] – §3.7 own identity attribute normalization.
//! * [`ids::new_id`] – 20-character consumption ids (`REQ…`, `ATT…`, `NOT…`).
//!
//! Errors: [`ContentError`] `{ code, message }`; parse/validation failures use
//! `error.runtime.validation.invalidPropertyValue` (also for an unknown `@type`; the TypeScript use cases answer
//! `error.runtime.requestDeserialization` / `error.runtime.unknownType` where ts-serval throws – map if needed) with a message naming
//! `<Type>.<property>` and the reason; [`error::codes`] lists all codes used.
//!
//! Versions: everything of `@nmshd/content` HEAD (7.5.x) is accepted, including the types 7.0.0 does not know
//! (`ShareCredentialOfferRequestItem`, `ShareAuthorizationRequestRequestItem`, `BankAccount`, `MaritalStatus`,
//! `SchematizedJSON`, `VerifiableCredential`); [`AttributeValue::since`] tells which version introduced a value type.
//!
//! IQL: [`iql::parse`] follows the PEG grammar of `@nmshd/iql` (errors as peggy reports them, see
//! [`iql::validation_result`]); [`iql::execute`] evaluates a query over attribute contents as the library does.
//!
//! Evidence: `tests/rules.rs` has one test per rule family; `tests/ts_judge.rs` runs a corpus of valid and
//! invalid content through `@nmshd/content` 7.0.0 on node and compares decisions and normalized JSON (every
//! intentional difference is listed per case), and compares the whitelist with `@nmshd/consumption` 7.0.0.

pub mod attributes;
mod bank;
pub mod contents;
mod data;
pub mod date;
pub mod error;
pub mod formfield;
pub mod hints;
pub mod ids;
pub mod iql;
mod json;
mod peer;
pub mod queries;
pub mod reference;
pub mod registry;
pub mod requests;
pub mod responses;
pub mod tags;
pub mod values;
pub mod whitelist;

pub use attributes::{Attribute, Confidentiality, IdentityAttribute, RelationshipAttribute};
pub use contents::{
    ArbitraryContent, ArbitraryKind, BodyFormat, Mail, MessageContentKind, Notification,
    NotificationItem, RelationshipCreationContent, RelationshipTemplateContent,
    message_content_kind,
};
pub use date::CoreDate;
pub use error::{ContentError, codes};
pub use formfield::{FormFieldResponse, FormFieldSettings};
pub use json::js_len;
pub use queries::{
    AttributeQuery, IdentityAttributeQuery, IqlQuery, IqlQueryCreationHints,
    RelationshipAttributeCreationHints, RelationshipAttributeQuery, ThirdPartyOwner,
    ThirdPartyRelationshipAttributeQuery,
};
pub use requests::{Request, RequestItem, RequestItemCommon, RequestItemGroup, RequestItemOrGroup};
pub use responses::{
    RequestSourceType, Response, ResponseItem, ResponseItemGroup, ResponseItemOrGroup,
    ResponseItemResult, ResponseResult, ResponseWrapper,
};
pub use values::{AttributeValue, ValueKind};
