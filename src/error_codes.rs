//! The error table: every error code the Connector answers, with its HTTP status, in one place
//! (the pattern of meilisearch's `make_error_codes!`). [`status_of`] is the only function that
//! turns a code into a status; `ConnectorError` asks it for every answer except a Backbone error
//! passed through, whose status is the Backbone's (`connector-api.md` §4, branch 7).
//!
//! The statuses are the real Connector's: its error handler answers an application error 404
//! when it is one of the two record-not-found codes, 500 when its code is a Backbone
//! (`error.platform.…`) code, 400 otherwise. Codes only this Connector has say what they are:
//! `error.transport.concurrentUpdate` (a write that kept losing compare-and-set races, or a
//! store conflict that reached the edge) is a 409 Conflict, to be retried.
//!
//! Crates report their codes as strings or typed errors; a test walks every code literal of the
//! source tree against this table, another the contract's own table (`connector-api.md` §4.2).

use actix_web::http::StatusCode;

macro_rules! make_error_codes {
    ($( $name:ident $code:literal $status:literal; )*) => {
        /// Every error code of the Connector (Backbone codes aside, see [`PLATFORM_PREFIX`]).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $( #[doc = $code] $name, )*
        }

        impl ErrorCode {
            /// The whole table, in declaration order.
            pub const ALL: &'static [ErrorCode] = &[ $( Self::$name, )* ];

            /// The code as the client sees it.
            pub const fn as_str(self) -> &'static str {
                match self { $( Self::$name => $code, )* }
            }

            /// The HTTP status of an answer with this code.
            pub const fn status(self) -> u16 {
                match self { $( Self::$name => $status, )* }
            }

            /// The table entry of `code`.
            pub fn from_code(code: &str) -> Option<Self> {
                match code { $( $code => Some(Self::$name), )* _ => None }
            }
        }
    };
}

make_error_codes! {
    // ---- connector
    ConnectorErrorInErrorHandler "error.connector.errorInErrorHandler" 500;
    ConnectorForbidden "error.connector.forbidden" 403;
    ConnectorHttpMethodNotAllowed "error.connector.http.methodNotAllowed" 405;
    ConnectorHttpNotAcceptable "error.connector.http.notAcceptable" 406;
    ConnectorHttpPayloadTooLarge "error.connector.http.payloadTooLarge" 413;
    ConnectorHttpRequestTimeout "error.connector.http.requestTimeout" 408;
    ConnectorHttpRouteDoesNotExist "error.connector.http.routeDoesNotExist" 404;
    ConnectorIdempotencyKeyInProgress "error.connector.idempotencyKeyInProgress" 409;
    ConnectorIdempotencyKeyReused "error.connector.idempotencyKeyReused" 422;
    ConnectorIncomingRequestsDecidedByAutomation "error.connector.incomingRequests.decidedByAutomation" 400;
    ConnectorNotImplemented "error.connector.notImplemented" 501;
    ConnectorTransportUnavailable "error.connector.transportUnavailable" 400;
    ConnectorUnauthorized "error.connector.unauthorized" 401;
    ConnectorUnexpected "error.connector.unexpected" 500;
    ConnectorValidationInvalidIdempotencyKey "error.connector.validation.invalidIdempotencyKey" 400;
    ConnectorValidationInvalidJsonInPayload "error.connector.validation.invalidJsonInPayload" 400;
    // ---- runtime
    RuntimeAttributesCannotCreateDuplicateOwnIdentityAttribute "error.runtime.attributes.cannotCreateDuplicateOwnIdentityAttribute" 400;
    RuntimeAttributesCannotDeleteSharedAttributeWhileRelationshipIsPending "error.runtime.attributes.cannotDeleteSharedAttributeWhileRelationshipIsPending" 400;
    RuntimeAttributesHasSuccessor "error.runtime.attributes.hasSuccessor" 400;
    RuntimeAttributesIsNotOwnIdentityAttribute "error.runtime.attributes.isNotOwnIdentityAttribute" 400;
    RuntimeAttributesIsNotOwnIdentityAttributeOrRelationshipAttribute "error.runtime.attributes.isNotOwnIdentityAttributeOrRelationshipAttribute" 400;
    RuntimeAttributesIsNotOwnRelationshipAttribute "error.runtime.attributes.isNotOwnRelationshipAttribute" 400;
    RuntimeAttributesOwnIdentityAttributeHasAlreadyBeenSharedWithPeer "error.runtime.attributes.ownIdentityAttributeHasAlreadyBeenSharedWithPeer" 400;
    RuntimeAttributesPeerHasNoPreviousVersionOfAttribute "error.runtime.attributes.peerHasNoPreviousVersionOfAttribute" 400;
    RuntimeAttributesSuccessorOfOwnIdentityAttributeHasAlreadyBeenSharedWithPeer "error.runtime.attributes.successorOfOwnIdentityAttributeHasAlreadyBeenSharedWithPeer" 400;
    RuntimeChallengesInvalidChallengeString "error.runtime.challenges.invalidChallengeString" 400;
    RuntimeChallengesInvalidSignature "error.runtime.challenges.invalidSignature" 400;
    RuntimeFilesNotOwnedByYou "error.runtime.files.notOwnedByYou" 400;
    RuntimeIdentityDeletionProcessActiveIdentityDeletionProcessAlreadyExists "error.runtime.identityDeletionProcess.activeIdentityDeletionProcessAlreadyExists" 400;
    RuntimeIdentityDeletionProcessNoActiveIdentityDeletionProcess "error.runtime.identityDeletionProcess.noActiveIdentityDeletionProcess" 400;
    RuntimeIdentityMetadataNotFound "error.runtime.identityMetadata.notFound" 400;
    RuntimeIdentityMetadataUnfamiliarReferencedIdentity "error.runtime.identityMetadata.unfamiliarReferencedIdentity" 400;
    RuntimeInvalidReference "error.runtime.invalidReference" 400;
    RuntimeInvalidTokenContent "error.runtime.invalidTokenContent" 400;
    RuntimeMessagesCannotSendMessageWithExpiredRequest "error.runtime.messages.cannotSendMessageWithExpiredRequest" 400;
    RuntimeMessagesCannotSendRequestThatWasAlreadySent "error.runtime.messages.cannotSendRequestThatWasAlreadySent" 400;
    RuntimeMessagesFileNotFoundInMessage "error.runtime.messages.fileNotFoundInMessage" 400;
    RuntimeMessagesHasNoActiveRelationship "error.runtime.messages.hasNoActiveRelationship" 400;
    RuntimeMessagesPeerIsInDeletion "error.runtime.messages.peerIsInDeletion" 400;
    RuntimeModulesWebhooksInvalidAuthenticationConfig "error.runtime.modules.webhooks.invalidAuthenticationConfig" 400;
    RuntimeModulesWebhooksInvalidConfiguration "error.runtime.modules.webhooks.invalidConfiguration" 400;
    RuntimeModulesWebhooksInvalidTargetReference "error.runtime.modules.webhooks.invalidTargetReference" 400;
    RuntimeModulesWebhooksInvalidUrlFormat "error.runtime.modules.webhooks.invalidUrlFormat" 400;
    RuntimeNotSupported "error.runtime.notSupported" 400;
    RuntimeRecordNotFound "error.runtime.recordNotFound" 404;
    RuntimeRelationshipTemplatesCannotCreateTokenForPeerTemplate "error.runtime.relationshipTemplates.cannotCreateTokenForPeerTemplate" 400;
    RuntimeRelationshipTemplatesPasswordProtectionMustBeInherited "error.runtime.relationshipTemplates.passwordProtectionMustBeInherited" 400;
    RuntimeRelationshipTemplatesPersonalizationMustBeInherited "error.runtime.relationshipTemplates.personalizationMustBeInherited" 400;
    RuntimeRelationshipTemplatesRequestCannotExpireAfterRelationshipTemplate "error.runtime.relationshipTemplates.requestCannotExpireAfterRelationshipTemplate" 400;
    RuntimeRequestDeserialization "error.runtime.requestDeserialization" 400;
    RuntimeServalError "error.runtime.servalError" 400;
    RuntimeUnknown "error.runtime.unknown" 400;
    RuntimeUnknownType "error.runtime.unknownType" 400;
    RuntimeValidationInvalidPayload "error.runtime.validation.invalidPayload" 400;
    RuntimeValidationInvalidPropertyValue "error.runtime.validation.invalidPropertyValue" 400;
    // ---- transport
    TransportBackboneNotificationsAtLeastOneRecipientRequired "error.transport.backboneNotifications.atLeastOneRecipientRequired" 400;
    TransportBackboneNotificationsCodeMustNotBeEmpty "error.transport.backboneNotifications.codeMustNotBeEmpty" 400;
    TransportBackboneNotificationsNoActiveRelationshipFoundForRecipients "error.transport.backboneNotifications.noActiveRelationshipFoundForRecipients" 400;
    TransportChallengesChallengeTypeRequiresActiveRelationship "error.transport.challenges.challengeTypeRequiresActiveRelationship" 400;
    TransportConcurrentUpdate "error.transport.concurrentUpdate" 409;
    TransportExternalEventNotSupported "error.transport.externalEventNotSupported" 400;
    TransportExternalEventPayloadInvalid "error.transport.externalEventPayloadInvalid" 400;
    TransportFilesMaxFileSizeExceeded "error.transport.files.maxFileSizeExceeded" 400;
    TransportInvalidExternalEvent "error.transport.invalidExternalEvent" 400;
    TransportMessagesHasNeitherActiveNorTerminatedRelationship "error.transport.messages.hasNeitherActiveNorTerminatedRelationship" 400;
    TransportMessagesMissingOrInactiveRelationship "error.transport.messages.missingOrInactiveRelationship" 400;
    TransportMessagesNoBody "error.transport.messages.noBody" 400;
    TransportMessagesNoRelationship "error.transport.messages.noRelationship" 400;
    TransportMessagesNotARecipient "error.transport.messages.notARecipient" 400;
    TransportMessagesPeerIsDeleted "error.transport.messages.peerIsDeleted" 400;
    TransportNoPasswordProvided "error.transport.noPasswordProvided" 400;
    TransportNotSupported "error.transport.notSupported" 400;
    TransportRecordNotFound "error.transport.recordNotFound" 404;
    TransportRelationshipTemplatesNoContent "error.transport.relationshipTemplates.noContent" 400;
    TransportRelationshipTemplatesNotOwn "error.transport.relationshipTemplates.notOwn" 400;
    TransportRelationshipTemplatesWrongCreator "error.transport.relationshipTemplates.wrongCreator" 400;
    TransportRelationshipsActiveIdentityDeletionProcessOfOwnerOfRelationshipTemplate "error.transport.relationships.activeIdentityDeletionProcessOfOwnerOfRelationshipTemplate" 400;
    TransportRelationshipsCreationContentMismatch "error.transport.relationships.creationContentMismatch" 400;
    TransportRelationshipsDeletedOwnerOfRelationshipTemplate "error.transport.relationships.deletedOwnerOfRelationshipTemplate" 400;
    TransportRelationshipsNoCreationContent "error.transport.relationships.noCreationContent" 400;
    TransportRelationshipsOperationOnlyAllowedForPeer "error.transport.relationships.operationOnlyAllowedForPeer" 400;
    TransportRelationshipsReactivationAlreadyRequested "error.transport.relationships.reactivationAlreadyRequested" 400;
    TransportRelationshipsReactivationNotRequested "error.transport.relationships.reactivationNotRequested" 400;
    TransportRelationshipsRelationshipCurrentlyExists "error.transport.relationships.relationshipCurrentlyExists" 400;
    TransportRelationshipsRelationshipNotYetDecomposedByPeer "error.transport.relationships.relationshipNotYetDecomposedByPeer" 400;
    TransportRelationshipsRelationshipTemplateIsExpired "error.transport.relationships.relationshipTemplateIsExpired" 400;
    TransportRelationshipsSecretsMissing "error.transport.relationships.secretsMissing" 400;
    TransportRelationshipsWrongRelationshipStatus "error.transport.relationships.wrongRelationshipStatus" 400;
    TransportShuttingDown "error.transport.shuttingDown" 400;
    TransportSyncLeaseLost "error.transport.syncLeaseLost" 400;
    TransportSyncLeaseUnavailable "error.transport.syncLeaseUnavailable" 400;
    TransportTokensNoContent "error.transport.tokens.noContent" 400;
    TransportUnknown "error.transport.unknown" 400;
    // ---- consumption
    ConsumptionAttributesCannotSucceedAttributesWithASuccessor "error.consumption.attributes.cannotSucceedAttributesWithASuccessor" 400;
    ConsumptionAttributesCannotSucceedAttributesWithDeletionInfo "error.consumption.attributes.cannotSucceedAttributesWithDeletionInfo" 400;
    ConsumptionAttributesForbiddenCharactersInAttribute "error.consumption.attributes.forbiddenCharactersInAttribute" 400;
    ConsumptionAttributesInvalidTags "error.consumption.attributes.invalidTags" 400;
    ConsumptionAttributesSuccessionMustChangeContent "error.consumption.attributes.successionMustChangeContent" 400;
    ConsumptionAttributesSuccessionMustNotChangeContentType "error.consumption.attributes.successionMustNotChangeContentType" 400;
    ConsumptionAttributesSuccessionMustNotChangeKey "error.consumption.attributes.successionMustNotChangeKey" 400;
    ConsumptionAttributesSuccessionMustNotChangeOwner "error.consumption.attributes.successionMustNotChangeOwner" 400;
    ConsumptionAttributesSuccessionMustNotChangeValueType "error.consumption.attributes.successionMustNotChangeValueType" 400;
    ConsumptionAttributesSuccessorMustNotYetExist "error.consumption.attributes.successorMustNotYetExist" 400;
    ConsumptionNotificationsPrerequisitesNotMet "error.consumption.notifications.prerequisitesNotMet" 400;
    ConsumptionRequestsAttributeQueryMismatch "error.consumption.requests.attributeQueryMismatch" 400;
    ConsumptionRequestsCannotCreateRequestWithExpirationDateInPast "error.consumption.requests.cannotCreateRequestWithExpirationDateInPast" 400;
    ConsumptionRequestsCannotShareRelationshipAttributeOfPendingRelationship "error.consumption.requests.cannotShareRelationshipAttributeOfPendingRelationship" 400;
    ConsumptionRequestsCannotShareRequestWithYourself "error.consumption.requests.cannotShareRequestWithYourself" 400;
    ConsumptionRequestsDecideValidation "error.consumption.requests.decide.validation" 400;
    ConsumptionRequestsInvalidAcceptParameters "error.consumption.requests.invalidAcceptParameters" 400;
    ConsumptionRequestsInvalidRequestItem "error.consumption.requests.invalidRequestItem" 400;
    ConsumptionRequestsMissingRelationship "error.consumption.requests.missingRelationship" 400;
    ConsumptionRequestsPeerIsDeleted "error.consumption.requests.peerIsDeleted" 400;
    ConsumptionRequestsPeerIsInDeletion "error.consumption.requests.peerIsInDeletion" 400;
    ConsumptionRequestsValidationInheritedFromItem "error.consumption.requests.validation.inheritedFromItem" 400;
    ConsumptionRequestsViolatedKeyUniquenessOfRelationshipAttributes "error.consumption.requests.violatedKeyUniquenessOfRelationshipAttributes" 400;
    ConsumptionRequestsWrongRelationshipStatus "error.consumption.requests.wrongRelationshipStatus" 400;
    ConsumptionRequestsWrongRequestStatus "error.consumption.requests.wrongRequestStatus" 400;
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<ErrorCode> for String {
    fn from(code: ErrorCode) -> Self {
        code.as_str().to_owned()
    }
}

/// Codes of the Backbone (`error.platform.…`): open-ended, so a family rather than entries. One
/// that surfaces from a use case as an application error answers 500, as in the real Connector;
/// one passed through keeps the Backbone's status.
pub const PLATFORM_PREFIX: &str = "error.platform.";

/// Status of an answer whose code is an application error's code that is not in the table.
const UNLISTED_APPLICATION_STATUS: u16 = 400;

/// The HTTP status of an error answer with `code` — the one mapping from codes to statuses.
pub fn status_of(code: &str) -> StatusCode {
    let status = match ErrorCode::from_code(code) {
        Some(entry) => entry.status(),
        None if code.starts_with(PLATFORM_PREFIX) => 500,
        None => {
            // A code that bypassed the table (built at run time): answered as the real handler
            // answers any application error, and reported so that it gets its entry.
            tracing::warn!(error.code = code, "error code missing in the error table");
            UNLISTED_APPLICATION_STATUS
        }
    };
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The contract's error tables (`connector-api.md` §4 and §4.2): code and status of each
    /// named code. Families (`error.runtime.attributes.*`, …) are checked by their named members.
    const CONTRACT: &[(&str, u16)] = &[
        ("error.connector.validation.invalidJsonInPayload", 400),
        ("error.connector.http.routeDoesNotExist", 404),
        ("error.connector.forbidden", 403),
        ("error.connector.http.methodNotAllowed", 405),
        ("error.connector.http.notAcceptable", 406),
        ("error.runtime.recordNotFound", 404),
        ("error.transport.recordNotFound", 404),
        ("error.connector.unexpected", 500),
        ("error.connector.errorInErrorHandler", 500),
        ("error.connector.unauthorized", 401),
        ("error.connector.incomingRequests.decidedByAutomation", 400),
        ("error.runtime.validation.invalidPropertyValue", 400),
        ("error.runtime.validation.invalidPayload", 400),
        ("error.runtime.requestDeserialization", 400),
        ("error.runtime.unknownType", 400),
        ("error.runtime.servalError", 400),
        ("error.runtime.invalidReference", 400),
        ("error.runtime.invalidTokenContent", 400),
        ("error.runtime.unknown", 400),
        ("error.runtime.notSupported", 400),
        ("error.runtime.messages.hasNoActiveRelationship", 400),
        ("error.runtime.messages.peerIsInDeletion", 400),
        (
            "error.runtime.messages.cannotSendMessageWithExpiredRequest",
            400,
        ),
        (
            "error.runtime.messages.cannotSendRequestThatWasAlreadySent",
            400,
        ),
        ("error.runtime.messages.fileNotFoundInMessage", 400),
        (
            "error.runtime.relationshipTemplates.cannotCreateTokenForPeerTemplate",
            400,
        ),
        (
            "error.runtime.relationshipTemplates.personalizationMustBeInherited",
            400,
        ),
        (
            "error.runtime.relationshipTemplates.passwordProtectionMustBeInherited",
            400,
        ),
        (
            "error.runtime.relationshipTemplates.requestCannotExpireAfterRelationshipTemplate",
            400,
        ),
        ("error.runtime.files.notOwnedByYou", 400),
        (
            "error.runtime.identityDeletionProcess.noActiveIdentityDeletionProcess",
            400,
        ),
        (
            "error.runtime.identityDeletionProcess.activeIdentityDeletionProcessAlreadyExists",
            400,
        ),
        ("error.runtime.identityMetadata.notFound", 400),
        (
            "error.runtime.identityMetadata.unfamiliarReferencedIdentity",
            400,
        ),
        ("error.runtime.challenges.invalidSignature", 400),
        ("error.runtime.challenges.invalidChallengeString", 400),
        ("error.runtime.attributes.isNotOwnIdentityAttribute", 400),
        (
            "error.runtime.attributes.cannotCreateDuplicateOwnIdentityAttribute",
            400,
        ),
        ("error.runtime.attributes.hasSuccessor", 400),
        (
            "error.transport.messages.hasNeitherActiveNorTerminatedRelationship",
            400,
        ),
        ("error.transport.messages.peerIsDeleted", 400),
        ("error.transport.relationships.wrongRelationshipStatus", 400),
        (
            "error.transport.relationships.relationshipCurrentlyExists",
            400,
        ),
        (
            "error.transport.relationships.relationshipTemplateIsExpired",
            400,
        ),
        (
            "error.transport.relationships.reactivationAlreadyRequested",
            400,
        ),
        (
            "error.transport.relationships.reactivationNotRequested",
            400,
        ),
        (
            "error.transport.relationships.operationOnlyAllowedForPeer",
            400,
        ),
        (
            "error.transport.relationships.deletedOwnerOfRelationshipTemplate",
            400,
        ),
        (
            "error.transport.relationships.activeIdentityDeletionProcessOfOwnerOfRelationshipTemplate",
            400,
        ),
        (
            "error.transport.relationships.relationshipNotYetDecomposedByPeer",
            400,
        ),
        ("error.transport.noPasswordProvided", 400),
        ("error.transport.files.maxFileSizeExceeded", 400),
        (
            "error.transport.challenges.challengeTypeRequiresActiveRelationship",
            400,
        ),
    ];

    #[test]
    fn the_table_answers_the_contract_statuses() {
        for (code, status) in CONTRACT {
            let entry = ErrorCode::from_code(code)
                .unwrap_or_else(|| panic!("{code} of the contract is missing in the table"));
            assert_eq!(entry.status(), *status, "{code}");
            assert_eq!(status_of(code).as_u16(), *status, "{code}");
        }
        // The contract's families: any other application code 400, a platform code 500.
        assert_eq!(
            status_of("error.consumption.requests.somethingNew").as_u16(),
            400
        );
        assert_eq!(status_of("error.platform.validation.x").as_u16(), 500);
    }

    #[test]
    fn codes_are_unique_well_formed_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for entry in ErrorCode::ALL {
            let code = entry.as_str();
            assert!(seen.insert(code), "{code} twice");
            assert!(
                code.starts_with("error.") && !code.starts_with(PLATFORM_PREFIX),
                "{code}"
            );
            assert_eq!(ErrorCode::from_code(code), Some(*entry));
            assert!(StatusCode::from_u16(entry.status()).is_ok(), "{code}");
        }
    }

    /// Every complete code literal (`"error.a.b…"`) outside test modules of the Connector and its
    /// domain crates is in the table: a new code cannot bypass it. The Backbone crates (the client
    /// and the development Backbone) speak the Backbone's codes and are left out.
    #[test]
    fn every_code_in_the_source_tree_is_in_the_table() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut dirs = vec![root.join("src")];
        for krate in [
            "transport",
            "consumption",
            "content",
            "store",
            "wire",
            "crypto",
            "lease",
        ] {
            dirs.push(root.join("crates").join(krate).join("src"));
        }
        let mut missing = Vec::new();
        let mut files = 0;
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") {
                    continue;
                }
                files += 1;
                let text = std::fs::read_to_string(&path).unwrap();
                let code_part = text.split("#[cfg(test)]").next().unwrap_or_default();
                let candidates = code_part
                    .match_indices("\"error.")
                    .filter_map(|(at, _)| code_part[at + 1..].split('"').next());
                for literal in candidates {
                    let complete = literal.starts_with("error.")
                        && literal.split('.').count() >= 3
                        && literal.split('.').all(|part| {
                            !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphabetic())
                        });
                    if complete
                        && !literal.starts_with(PLATFORM_PREFIX)
                        && ErrorCode::from_code(literal).is_none()
                    {
                        missing.push(format!("{literal} ({})", path.display()));
                    }
                }
            }
        }
        assert!(files > 100, "walked only {files} files");
        assert!(
            missing.is_empty(),
            "codes missing in the table: {missing:#?}"
        );
    }

    #[test]
    fn a_lost_race_is_a_conflict() {
        assert_eq!(ErrorCode::TransportConcurrentUpdate.status(), 409);
    }
}
