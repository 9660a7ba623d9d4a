//! The `@type` names the TypeScript runtime has registered for deserialisation: a content object
//! whose `@type` is not among them cannot be read at all (`error.runtime.unknownType`), which the
//! runtime reports differently from a known type in the wrong place.
//!
//! The 7.0.0 list is every class decorated with `@type(...)` in the published `@nmshd/*` 7.0.0
//! packages (tests/node_modules); the HEAD additions come from content-model.md §0.1.

use crate::error::{ContentError, codes};

/// Sorted (byte order), for binary search.
const REGISTERED: &[&str] = &[
    "AcceptDeleteAttributeRequestItemParameters",
    "AcceptFormFieldRequestItemParameters",
    "AcceptProposeAttributeRequestItemParameters",
    "AcceptReadAttributeRequestItemParameters",
    "AcceptResponseItem",
    "Affiliation",
    "AffiliationOrganization",
    "AffiliationRole",
    "AffiliationUnit",
    "Announcement",
    "AnnouncementAction",
    "ArbitraryMessageContent",
    "ArbitraryRelationshipCreationContent",
    "ArbitraryRelationshipTemplateContent",
    "AttributeAlreadySharedAcceptResponseItem",
    "AttributeForwardingDetails",
    "AttributeSuccessionAcceptResponseItem",
    "AttributeTag",
    "AttributeTagCollection",
    "AuthenticationRequestItem",
    "BankAccount",
    "BirthCity",
    "BirthCountry",
    "BirthDate",
    "BirthDay",
    "BirthMonth",
    "BirthName",
    "BirthPlace",
    "BirthState",
    "BirthYear",
    "BooleanFormFieldSettings",
    "CanCreateOutgoingRequestParameters",
    "Challenge",
    "ChallengeSigned",
    "CheckPrerequisitesOfIncomingRequestParameters",
    "Citizenship",
    "City",
    "CommunicationLanguage",
    "CompleteOutgoingRequestParameters",
    "Consent",
    "ConsentRequestItem",
    "CoreAddress",
    "CoreBuffer",
    "CoreDate",
    "CoreId",
    "Country",
    "CreateAndCompleteOutgoingRequestFromRelationshipTemplateResponseParameters",
    "CreateAttributeAcceptResponseItem",
    "CreateAttributeRequestItem",
    "CreateOutgoingRequestParameters",
    "CryptoCipher",
    "CryptoExchangeKeypair",
    "CryptoExchangePrivateKey",
    "CryptoExchangePublicKey",
    "CryptoExchangeSecrets",
    "CryptoPrivateKey",
    "CryptoPrivateStateReceive",
    "CryptoPrivateStateTransmit",
    "CryptoPublicKey",
    "CryptoPublicState",
    "CryptoRelationshipPublicRequest",
    "CryptoRelationshipPublicResponse",
    "CryptoRelationshipRequestSecrets",
    "CryptoRelationshipSecrets",
    "CryptoSecretKey",
    "CryptoSignature",
    "CryptoSignatureKeypair",
    "CryptoSignaturePrivateKey",
    "CryptoSignaturePublicKey",
    "CryptoStreamAddress",
    "CryptoStreamHeader",
    "CryptoStreamState",
    "DatawalletModification",
    "DateFormFieldSettings",
    "DeleteAttributeAcceptResponseItem",
    "DeleteAttributeRequestItem",
    "DeliveryBoxAddress",
    "Device",
    "DeviceSecretCredentials",
    "DeviceSharedSecret",
    "DigitalIdentityDescriptor",
    "DisplayInformationCachedImages",
    "DisplayName",
    "DoubleFormFieldSettings",
    "Draft",
    "EMailAddress",
    "EmittedAttributeDeletionInfo",
    "EmptyToken",
    "ErrorResponseItem",
    "FaxNumber",
    "File",
    "FileMetadata",
    "FileReference",
    "FormFieldAcceptResponseItem",
    "FormFieldRequestItem",
    "ForwardedAttributeDeletedByPeerNotificationItem",
    "GivenName",
    "HonorificPrefix",
    "HonorificSuffix",
    "HouseNumber",
    "IQLQuery",
    "IQLQueryCreationHints",
    "Identity",
    "IdentityAttribute",
    "IdentityAttributeQuery",
    "IdentityDeletionProcess",
    "IdentityFileReference",
    "IdentityMetadata",
    "IdentitySecretCredentials",
    "IntegerFormFieldSettings",
    "InternalDecideRequestParameters",
    "JobTitle",
    "LocalAttribute",
    "LocalNotification",
    "LocalNotificationSource",
    "LocalRequest",
    "LocalRequestSource",
    "LocalRequestStatusLogEntry",
    "LocalResponse",
    "LocalResponseSource",
    "Mail",
    "MaritalStatus",
    "Message",
    "MessageContentWrapper",
    "MessageEnvelope",
    "MessageEnvelopeRecipient",
    "MessageRecipient",
    "MessageSignature",
    "MessageSigned",
    "MiddleName",
    "Nationality",
    "Notification",
    "OwnAttributeDeletedByOwnerNotificationItem",
    "OwnIdentityAttribute",
    "OwnIdentityAttributeSuccessorParams",
    "OwnRelationshipAttribute",
    "OwnRelationshipAttributeSuccessorParams",
    "PeerAttributeSucceededNotificationItem",
    "PeerIdentityAttribute",
    "PeerIdentityAttributeSuccessorParams",
    "PeerRelationshipAttribute",
    "PeerRelationshipAttributeDeletedByPeerNotificationItem",
    "PeerRelationshipAttributeSuccessorParams",
    "PhoneNumber",
    "PostOfficeBoxAddress",
    "ProposeAttributeAcceptResponseItem",
    "ProposeAttributeRequestItem",
    "ProprietaryBoolean",
    "ProprietaryCountry",
    "ProprietaryEMailAddress",
    "ProprietaryFileReference",
    "ProprietaryFloat",
    "ProprietaryHEXColor",
    "ProprietaryInteger",
    "ProprietaryJSON",
    "ProprietaryLanguage",
    "ProprietaryPhoneNumber",
    "ProprietaryString",
    "ProprietaryURL",
    "ProprietaryXML",
    "Pseudonym",
    "RatingFormFieldSettings",
    "ReadAttributeAcceptResponseItem",
    "ReadAttributeRequestItem",
    "ReceivedAttributeDeletionInfo",
    "ReceivedIncomingRequestParameters",
    "Reference",
    "RejectResponseItem",
    "Relationship",
    "RelationshipAttribute",
    "RelationshipAttributeCreationHints",
    "RelationshipAttributeQuery",
    "RelationshipAuditLogEntry",
    "RelationshipCreationContent",
    "RelationshipCreationContentCipher",
    "RelationshipCreationContentSigned",
    "RelationshipCreationContentWrapper",
    "RelationshipCreationResponseContentCipher",
    "RelationshipCreationResponseContentSigned",
    "RelationshipCreationResponseContentWrapper",
    "RelationshipTemplate",
    "RelationshipTemplateContent",
    "RelationshipTemplateContentWrapper",
    "RelationshipTemplatePublicKey",
    "RelationshipTemplateReference",
    "RelationshipTemplateSigned",
    "RenderHints",
    "RenderHintsOverride",
    "Request",
    "RequestItemGroup",
    "Response",
    "ResponseItemGroup",
    "ResponseWrapper",
    "RuntimeDatabaseSchemaMetadata",
    "SchematizedJSON",
    "SchematizedXML",
    "SecretContainerCipher",
    "SecretContainerPlain",
    "SelectionFormFieldSettings",
    "SendDeviceParameters",
    "SendFileParameters",
    "SendMessageParameters",
    "SendRelationshipParameters",
    "SendRelationshipTemplateParameters",
    "SendTokenParameters",
    "SentOutgoingRequestParameters",
    "Setting",
    "Sex",
    "ShareAttributeRequestItem",
    "ShareAuthorizationRequestRequestItem",
    "ShareCredentialOfferRequestItem",
    "State",
    "Statement",
    "StatementAuthorityType",
    "StatementEvidence",
    "StatementIssuerConditions",
    "StatementObject",
    "StatementPredicate",
    "StatementSubject",
    "Street",
    "StreetAddress",
    "StringFormFieldSettings",
    "Surname",
    "ThirdPartyRelationshipAttribute",
    "ThirdPartyRelationshipAttributeQuery",
    "ThirdPartyRelationshipAttributeSuccessorParams",
    "Token",
    "TokenContentDeviceSharedSecret",
    "TokenContentFile",
    "TokenContentRelationshipTemplate",
    "TokenContentVerifiablePresentation",
    "TokenReference",
    "TransferFileOwnershipAcceptResponseItem",
    "TransferFileOwnershipRequestItem",
    "ValueHints",
    "ValueHintsOverride",
    "ValueHintsValue",
    "VerifiableCredential",
    "Website",
    "ZipCode",
];

/// Whether the runtime can deserialise an object with this `@type`.
pub fn is_registered(ty: &str) -> bool {
    REGISTERED.binary_search(&ty).is_ok()
}

/// The runtime's error for a content object whose `@type` it does not know, in its wording.
pub fn unknown_type(ty: &str) -> ContentError {
    ContentError::new(
        codes::UNKNOWN_TYPE,
        format!(
            "Type '{ty}' with version 1 was not found within reflection classes. You might have to install a module first."
        ),
    )
}

/// The runtime's message when a registered class is deserialised from an object with only its
/// `@type`: the first required property in declaration order is missing (ts-serval
/// `<Class>.<property> :: Value is not defined`). Sorted by type (byte order); measured with
/// `Serializable.fromUnknown` of `@nmshd/runtime` 7.0.0.
const FIRST_MISSING: &[(&str, &str)] = &[
    (
        "AcceptDeleteAttributeRequestItemParameters",
        "AcceptDeleteAttributeRequestItemParameters.deletionDate :: Value is not defined",
    ),
    (
        "AcceptFormFieldRequestItemParameters",
        "AcceptFormFieldRequestItemParameters.response :: Value is not defined",
    ),
    (
        "AcceptResponseItem",
        "AcceptResponseItem.result :: Value is not defined",
    ),
    (
        "Affiliation",
        "Affiliation.organization :: Value is not defined",
    ),
    (
        "AffiliationOrganization",
        "AffiliationOrganization.value :: Value is not defined",
    ),
    (
        "AffiliationRole",
        "AffiliationRole.value :: Value is not defined",
    ),
    (
        "AffiliationUnit",
        "AffiliationUnit.value :: Value is not defined",
    ),
    ("Announcement", "Announcement.id :: Value is not defined"),
    (
        "AnnouncementAction",
        "AnnouncementAction.displayName :: Value is not defined",
    ),
    (
        "ArbitraryMessageContent",
        "ArbitraryMessageContent.value :: Value is not defined",
    ),
    (
        "ArbitraryRelationshipCreationContent",
        "ArbitraryRelationshipCreationContent.value :: Value is not defined",
    ),
    (
        "ArbitraryRelationshipTemplateContent",
        "ArbitraryRelationshipTemplateContent.value :: Value is not defined",
    ),
    (
        "AttributeAlreadySharedAcceptResponseItem",
        "AttributeAlreadySharedAcceptResponseItem.attributeId :: Value is not defined",
    ),
    (
        "AttributeForwardingDetails",
        "AttributeForwardingDetails.attributeId :: Value is not defined",
    ),
    (
        "AttributeSuccessionAcceptResponseItem",
        "AttributeSuccessionAcceptResponseItem.predecessorId :: Value is not defined",
    ),
    (
        "AttributeTag",
        "AttributeTag.displayNames :: Value is not defined",
    ),
    (
        "AttributeTagCollection",
        "AttributeTagCollection.supportedLanguages :: Value is not defined",
    ),
    (
        "AuthenticationRequestItem",
        "AuthenticationRequestItem.title :: Value is not defined",
    ),
    ("BirthCity", "BirthCity.value :: Value is not defined"),
    ("BirthCountry", "BirthCountry.value :: Value is not defined"),
    ("BirthDate", "BirthDate.day :: Value is not defined"),
    ("BirthDay", "BirthDay.value :: Value is not defined"),
    ("BirthMonth", "BirthMonth.value :: Value is not defined"),
    ("BirthName", "BirthName.value :: Value is not defined"),
    ("BirthPlace", "BirthPlace.city :: Value is not defined"),
    ("BirthState", "BirthState.value :: Value is not defined"),
    ("BirthYear", "BirthYear.value :: Value is not defined"),
    (
        "CanCreateOutgoingRequestParameters",
        "CanCreateOutgoingRequestParameters.content :: Value is not defined",
    ),
    ("Challenge", "Challenge.id :: Value is not defined"),
    (
        "CheckPrerequisitesOfIncomingRequestParameters",
        "CheckPrerequisitesOfIncomingRequestParameters.requestId :: Value is not defined",
    ),
    ("Citizenship", "Citizenship.value :: Value is not defined"),
    ("City", "City.value :: Value is not defined"),
    (
        "CommunicationLanguage",
        "CommunicationLanguage.value :: Value is not defined",
    ),
    (
        "CompleteOutgoingRequestParameters",
        "CompleteOutgoingRequestParameters.requestId :: Value is not defined",
    ),
    ("Consent", "Consent.consent :: Value is not defined"),
    (
        "ConsentRequestItem",
        "ConsentRequestItem.consent :: Value is not defined",
    ),
    ("CoreAddress", "CoreAddress.address :: Value is not defined"),
    ("CoreId", "CoreId.id :: Value is not defined"),
    ("Country", "Country.value :: Value is not defined"),
    (
        "CreateAndCompleteOutgoingRequestFromRelationshipTemplateResponseParameters",
        "CreateAndCompleteOutgoingRequestFromRelationshipTemplateResponseParameters.template :: Value is not defined",
    ),
    (
        "CreateAttributeAcceptResponseItem",
        "CreateAttributeAcceptResponseItem.attributeId :: Value is not defined",
    ),
    (
        "CreateAttributeRequestItem",
        "CreateAttributeRequestItem.attribute :: Value is not defined",
    ),
    (
        "CreateOutgoingRequestParameters",
        "CreateOutgoingRequestParameters.content :: Value is not defined",
    ),
    (
        "CryptoExchangeSecrets",
        "CryptoExchangeSecrets.algorithm :: Value is not defined",
    ),
    (
        "CryptoPrivateKey",
        "CryptoPrivateKey.algorithm :: Value is not defined",
    ),
    (
        "CryptoPublicKey",
        "CryptoPublicKey.algorithm :: Value is not defined",
    ),
    (
        "CryptoRelationshipPublicRequest",
        "CryptoRelationshipPublicRequest.signatureKey :: Value is not defined",
    ),
    (
        "CryptoRelationshipPublicResponse",
        "CryptoRelationshipPublicResponse.signatureKey :: Value is not defined",
    ),
    (
        "CryptoRelationshipRequestSecrets",
        "CryptoRelationshipRequestSecrets.exchangeKeypair :: Value is not defined",
    ),
    (
        "CryptoRelationshipSecrets",
        "CryptoRelationshipSecrets.type :: Value is not defined",
    ),
    (
        "CryptoStreamAddress",
        "CryptoStreamAddress.address :: Value is not defined",
    ),
    (
        "CryptoStreamHeader",
        "CryptoStreamHeader.header :: Value is not defined",
    ),
    (
        "CryptoStreamState",
        "CryptoStreamState.address :: Value is not defined",
    ),
    (
        "DatawalletModification",
        "DatawalletModification.localId :: Value is not defined",
    ),
    (
        "DeleteAttributeAcceptResponseItem",
        "DeleteAttributeAcceptResponseItem.deletionDate :: Value is not defined",
    ),
    (
        "DeleteAttributeRequestItem",
        "DeleteAttributeRequestItem.attributeId :: Value is not defined",
    ),
    (
        "DeliveryBoxAddress",
        "DeliveryBoxAddress.userId :: Value is not defined",
    ),
    ("Device", "Device.createdAt :: Value is not defined"),
    (
        "DeviceSecretCredentials",
        "DeviceSecretCredentials.id :: Value is not defined",
    ),
    (
        "DeviceSharedSecret",
        "DeviceSharedSecret.id :: Value is not defined",
    ),
    (
        "DigitalIdentityDescriptor",
        "DigitalIdentityDescriptor.address :: Value is not defined",
    ),
    ("DisplayName", "DisplayName.value :: Value is not defined"),
    ("Draft", "Draft.type :: Value is not defined"),
    ("EMailAddress", "EMailAddress.value :: Value is not defined"),
    (
        "EmittedAttributeDeletionInfo",
        "EmittedAttributeDeletionInfo.deletionStatus :: Value is not defined",
    ),
    ("EmptyToken", "EmptyToken.id :: Value is not defined"),
    (
        "ErrorResponseItem",
        "ErrorResponseItem.code :: Value is not defined",
    ),
    ("FaxNumber", "FaxNumber.value :: Value is not defined"),
    ("File", "File.secretKey :: Value is not defined"),
    (
        "FileMetadata",
        "FileMetadata.filename :: Value is not defined",
    ),
    ("FileReference", "FileReference.id :: Value is not defined"),
    (
        "FormFieldAcceptResponseItem",
        "FormFieldAcceptResponseItem.response :: Value is not defined",
    ),
    (
        "FormFieldRequestItem",
        "FormFieldRequestItem.title :: Value is not defined",
    ),
    (
        "ForwardedAttributeDeletedByPeerNotificationItem",
        "ForwardedAttributeDeletedByPeerNotificationItem.attributeId :: Value is not defined",
    ),
    ("GivenName", "GivenName.value :: Value is not defined"),
    (
        "HonorificPrefix",
        "HonorificPrefix.value :: Value is not defined",
    ),
    (
        "HonorificSuffix",
        "HonorificSuffix.value :: Value is not defined",
    ),
    ("HouseNumber", "HouseNumber.value :: Value is not defined"),
    ("IQLQuery", "IQLQuery.queryString :: Value is not defined"),
    (
        "IQLQueryCreationHints",
        "IQLQueryCreationHints.valueType :: Value is not defined",
    ),
    ("Identity", "Identity.address :: Value is not defined"),
    (
        "IdentityAttribute",
        "IdentityAttribute.value :: Value is not defined",
    ),
    (
        "IdentityAttributeQuery",
        "IdentityAttributeQuery.valueType :: Value is not defined",
    ),
    (
        "IdentityDeletionProcess",
        "IdentityDeletionProcess.status :: Value is not defined",
    ),
    (
        "IdentityFileReference",
        "IdentityFileReference.value :: Value is not defined",
    ),
    (
        "IdentityMetadata",
        "IdentityMetadata.reference :: Value is not defined",
    ),
    (
        "InternalDecideRequestParameters",
        "InternalDecideRequestParameters.requestId :: Value is not defined",
    ),
    ("JobTitle", "JobTitle.value :: Value is not defined"),
    (
        "LocalAttribute",
        "LocalAttribute.content :: Value is not defined",
    ),
    (
        "LocalNotification",
        "LocalNotification.isOwn :: Value is not defined",
    ),
    (
        "LocalNotificationSource",
        "LocalNotificationSource.type :: Value is not defined",
    ),
    ("LocalRequest", "LocalRequest.isOwn :: Value is not defined"),
    (
        "LocalRequestSource",
        "LocalRequestSource.type :: Value is not defined",
    ),
    (
        "LocalRequestStatusLogEntry",
        "LocalRequestStatusLogEntry.createdAt :: Value is not defined",
    ),
    (
        "LocalResponse",
        "LocalResponse.createdAt :: Value is not defined",
    ),
    (
        "LocalResponseSource",
        "LocalResponseSource.type :: Value is not defined",
    ),
    ("Mail", "Mail.to :: Value is not defined"),
    ("Message", "Message.secretKey :: Value is not defined"),
    (
        "MessageContentWrapper",
        "MessageContentWrapper.content :: Value is not defined",
    ),
    (
        "MessageEnvelope",
        "MessageEnvelope.id :: Value is not defined",
    ),
    (
        "MessageEnvelopeRecipient",
        "MessageEnvelopeRecipient.address :: Value is not defined",
    ),
    (
        "MessageRecipient",
        "MessageRecipient.address :: Value is not defined",
    ),
    (
        "MessageSignature",
        "MessageSignature.recipient :: Value is not defined",
    ),
    (
        "MessageSigned",
        "MessageSigned.signatures :: Value is not defined",
    ),
    ("MiddleName", "MiddleName.value :: Value is not defined"),
    ("Nationality", "Nationality.value :: Value is not defined"),
    ("Notification", "Notification.id :: Value is not defined"),
    (
        "OwnAttributeDeletedByOwnerNotificationItem",
        "OwnAttributeDeletedByOwnerNotificationItem.attributeId :: Value is not defined",
    ),
    (
        "OwnIdentityAttribute",
        "OwnIdentityAttribute.content :: Value is not defined",
    ),
    (
        "OwnIdentityAttributeSuccessorParams",
        "OwnIdentityAttributeSuccessorParams.content :: Value is not defined",
    ),
    (
        "OwnRelationshipAttribute",
        "OwnRelationshipAttribute.content :: Value is not defined",
    ),
    (
        "OwnRelationshipAttributeSuccessorParams",
        "OwnRelationshipAttributeSuccessorParams.content :: Value is not defined",
    ),
    (
        "PeerAttributeSucceededNotificationItem",
        "PeerAttributeSucceededNotificationItem.predecessorId :: Value is not defined",
    ),
    (
        "PeerIdentityAttribute",
        "PeerIdentityAttribute.content :: Value is not defined",
    ),
    (
        "PeerIdentityAttributeSuccessorParams",
        "PeerIdentityAttributeSuccessorParams.content :: Value is not defined",
    ),
    (
        "PeerRelationshipAttribute",
        "PeerRelationshipAttribute.content :: Value is not defined",
    ),
    (
        "PeerRelationshipAttributeDeletedByPeerNotificationItem",
        "PeerRelationshipAttributeDeletedByPeerNotificationItem.attributeId :: Value is not defined",
    ),
    (
        "PeerRelationshipAttributeSuccessorParams",
        "PeerRelationshipAttributeSuccessorParams.content :: Value is not defined",
    ),
    ("PhoneNumber", "PhoneNumber.value :: Value is not defined"),
    (
        "PostOfficeBoxAddress",
        "PostOfficeBoxAddress.boxId :: Value is not defined",
    ),
    (
        "ProposeAttributeAcceptResponseItem",
        "ProposeAttributeAcceptResponseItem.attributeId :: Value is not defined",
    ),
    (
        "ProposeAttributeRequestItem",
        "ProposeAttributeRequestItem.query :: Value is not defined",
    ),
    (
        "ProprietaryBoolean",
        "ProprietaryBoolean.title :: Value is not defined",
    ),
    (
        "ProprietaryCountry",
        "ProprietaryCountry.title :: Value is not defined",
    ),
    (
        "ProprietaryEMailAddress",
        "ProprietaryEMailAddress.title :: Value is not defined",
    ),
    (
        "ProprietaryFileReference",
        "ProprietaryFileReference.title :: Value is not defined",
    ),
    (
        "ProprietaryFloat",
        "ProprietaryFloat.title :: Value is not defined",
    ),
    (
        "ProprietaryHEXColor",
        "ProprietaryHEXColor.title :: Value is not defined",
    ),
    (
        "ProprietaryInteger",
        "ProprietaryInteger.title :: Value is not defined",
    ),
    (
        "ProprietaryJSON",
        "ProprietaryJSON.title :: Value is not defined",
    ),
    (
        "ProprietaryLanguage",
        "ProprietaryLanguage.title :: Value is not defined",
    ),
    (
        "ProprietaryPhoneNumber",
        "ProprietaryPhoneNumber.title :: Value is not defined",
    ),
    (
        "ProprietaryString",
        "ProprietaryString.title :: Value is not defined",
    ),
    (
        "ProprietaryURL",
        "ProprietaryURL.title :: Value is not defined",
    ),
    (
        "ProprietaryXML",
        "ProprietaryXML.title :: Value is not defined",
    ),
    ("Pseudonym", "Pseudonym.value :: Value is not defined"),
    (
        "RatingFormFieldSettings",
        "RatingFormFieldSettings.maxRating :: Value is not defined",
    ),
    (
        "ReadAttributeAcceptResponseItem",
        "ReadAttributeAcceptResponseItem.attributeId :: Value is not defined",
    ),
    (
        "ReadAttributeRequestItem",
        "ReadAttributeRequestItem.query :: Value is not defined",
    ),
    (
        "ReceivedAttributeDeletionInfo",
        "ReceivedAttributeDeletionInfo.deletionStatus :: Value is not defined",
    ),
    (
        "ReceivedIncomingRequestParameters",
        "ReceivedIncomingRequestParameters.receivedRequest :: Value is not defined",
    ),
    ("Reference", "Reference.id :: Value is not defined"),
    (
        "RejectResponseItem",
        "RejectResponseItem.result :: Value is not defined",
    ),
    (
        "Relationship",
        "Relationship.relationshipSecretId :: Value is not defined",
    ),
    (
        "RelationshipAttribute",
        "RelationshipAttribute.value :: Value is not defined",
    ),
    (
        "RelationshipAttributeCreationHints",
        "RelationshipAttributeCreationHints.title :: Value is not defined",
    ),
    (
        "RelationshipAttributeQuery",
        "RelationshipAttributeQuery.key :: Value is not defined",
    ),
    (
        "RelationshipAuditLogEntry",
        "RelationshipAuditLogEntry.createdAt :: Value is not defined",
    ),
    (
        "RelationshipCreationContent",
        "RelationshipCreationContent.response :: Value is not defined",
    ),
    (
        "RelationshipCreationContentCipher",
        "RelationshipCreationContentCipher.cipher :: Value is not defined",
    ),
    (
        "RelationshipCreationContentSigned",
        "RelationshipCreationContentSigned.serializedCreationContent :: Value is not defined",
    ),
    (
        "RelationshipCreationContentWrapper",
        "RelationshipCreationContentWrapper.identity :: Value is not defined",
    ),
    (
        "RelationshipCreationResponseContentCipher",
        "RelationshipCreationResponseContentCipher.cipher :: Value is not defined",
    ),
    (
        "RelationshipCreationResponseContentSigned",
        "RelationshipCreationResponseContentSigned.serializedCreationResponseContent :: Value is not defined",
    ),
    (
        "RelationshipCreationResponseContentWrapper",
        "RelationshipCreationResponseContentWrapper.relationshipId :: Value is not defined",
    ),
    (
        "RelationshipTemplate",
        "RelationshipTemplate.secretKey :: Value is not defined",
    ),
    (
        "RelationshipTemplateContent",
        "RelationshipTemplateContent.onNewRelationship :: Value is not defined",
    ),
    (
        "RelationshipTemplateContentWrapper",
        "RelationshipTemplateContentWrapper.identity :: Value is not defined",
    ),
    (
        "RelationshipTemplateReference",
        "RelationshipTemplateReference.id :: Value is not defined",
    ),
    (
        "RelationshipTemplateSigned",
        "RelationshipTemplateSigned.serializedTemplate :: Value is not defined",
    ),
    (
        "RenderHints",
        "RenderHints.technicalType :: Value is not defined",
    ),
    ("Request", "Request.items :: Value is not defined"),
    (
        "RequestItemGroup",
        "RequestItemGroup.items :: Value is not defined",
    ),
    ("Response", "Response.result :: Value is not defined"),
    (
        "ResponseItemGroup",
        "ResponseItemGroup.items :: Value is not defined",
    ),
    (
        "ResponseWrapper",
        "ResponseWrapper.requestId :: Value is not defined",
    ),
    (
        "RuntimeDatabaseSchemaMetadata",
        "RuntimeDatabaseSchemaMetadata.version :: Value is not defined",
    ),
    (
        "SchematizedXML",
        "SchematizedXML.value :: Value is not defined",
    ),
    (
        "SecretContainerCipher",
        "SecretContainerCipher.createdAt :: Value is not defined",
    ),
    (
        "SecretContainerPlain",
        "SecretContainerPlain.id :: Value is not defined",
    ),
    (
        "SelectionFormFieldSettings",
        "SelectionFormFieldSettings.options :: Value is not defined",
    ),
    (
        "SendFileParameters",
        "SendFileParameters.filename :: Value is not defined",
    ),
    (
        "SendMessageParameters",
        "SendMessageParameters.recipients :: Value is not defined",
    ),
    (
        "SendRelationshipParameters",
        "SendRelationshipParameters.creationContent :: Value is not defined",
    ),
    (
        "SendRelationshipTemplateParameters",
        "SendRelationshipTemplateParameters.content :: Value is not defined",
    ),
    (
        "SendTokenParameters",
        "UpdateTokenContentParameters.id :: Value is not defined",
    ),
    (
        "SentOutgoingRequestParameters",
        "SentOutgoingRequestParameters.requestId :: Value is not defined",
    ),
    ("Setting", "Setting.key :: Value is not defined"),
    ("Sex", "Sex.value :: Value is not defined"),
    (
        "ShareAttributeRequestItem",
        "ShareAttributeRequestItem.attribute :: Value is not defined",
    ),
    ("State", "State.value :: Value is not defined"),
    ("Statement", "Statement.subject :: Value is not defined"),
    (
        "StatementAuthorityType",
        "StatementAuthorityType.value :: Value is not defined",
    ),
    (
        "StatementEvidence",
        "StatementEvidence.value :: Value is not defined",
    ),
    (
        "StatementIssuerConditions",
        "StatementIssuerConditions.validFrom :: Value is not defined",
    ),
    (
        "StatementObject",
        "StatementObject.address :: Value is not defined",
    ),
    (
        "StatementPredicate",
        "StatementPredicate.value :: Value is not defined",
    ),
    (
        "StatementSubject",
        "StatementSubject.address :: Value is not defined",
    ),
    ("Street", "Street.value :: Value is not defined"),
    (
        "StreetAddress",
        "StreetAddress.street :: Value is not defined",
    ),
    ("Surname", "Surname.value :: Value is not defined"),
    (
        "ThirdPartyRelationshipAttribute",
        "ThirdPartyRelationshipAttribute.content :: Value is not defined",
    ),
    (
        "ThirdPartyRelationshipAttributeQuery",
        "ThirdPartyRelationshipAttributeQuery.key :: Value is not defined",
    ),
    (
        "ThirdPartyRelationshipAttributeSuccessorParams",
        "ThirdPartyRelationshipAttributeSuccessorParams.content :: Value is not defined",
    ),
    ("Token", "Token.secretKey :: Value is not defined"),
    (
        "TokenContentDeviceSharedSecret",
        "TokenContentDeviceSharedSecret.sharedSecret :: Value is not defined",
    ),
    (
        "TokenContentFile",
        "TokenContentFile.fileId :: Value is not defined",
    ),
    (
        "TokenContentRelationshipTemplate",
        "TokenContentRelationshipTemplate.templateId :: Value is not defined",
    ),
    (
        "TokenReference",
        "TokenReference.id :: Value is not defined",
    ),
    (
        "TransferFileOwnershipAcceptResponseItem",
        "TransferFileOwnershipAcceptResponseItem.attributeId :: Value is not defined",
    ),
    (
        "TransferFileOwnershipRequestItem",
        "TransferFileOwnershipRequestItem.fileReference :: Value is not defined",
    ),
    (
        "ValueHintsValue",
        "ValueHintsValue.displayName :: Value is not defined",
    ),
    ("Website", "Website.value :: Value is not defined"),
    ("ZipCode", "ZipCode.value :: Value is not defined"),
];

/// The message the runtime's deserialisation of `value` fails with when `value` has a
/// registered `@type` (of any kind) but lacks that class's first required property, e.g.
/// `{"@type":"Message"}` → `Message.secretKey :: Value is not defined`. `None` when the type is
/// not in the table or the property is there (the caller's own checks decide then).
pub fn first_missing_property(value: &serde_json::Value) -> Option<&'static str> {
    let ty = value.get("@type")?.as_str()?;
    let index = FIRST_MISSING.binary_search_by(|(t, _)| t.cmp(&ty)).ok()?;
    let message = FIRST_MISSING[index].1;
    let property = message.split_once('.')?.1.split_once(" ::")?.0;
    value
        .get(property)
        .is_none_or(serde_json::Value::is_null)
        .then_some(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_sorted_and_has_the_content_types() {
        assert!(REGISTERED.windows(2).all(|w| w[0] < w[1]));
        for ty in [
            "Mail",
            "Request",
            "RelationshipTemplateContent",
            "VerifiableCredential",
        ] {
            assert!(is_registered(ty), "{ty}");
        }
        assert!(!is_registered("NonExistentType"));
        assert_eq!(unknown_type("X").code, "error.runtime.unknownType");
        assert!(FIRST_MISSING.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn a_known_type_fails_on_its_first_missing_property() {
        let message = first_missing_property(&serde_json::json!({"a": "A", "@type": "Message"}));
        assert_eq!(message, Some("Message.secretKey :: Value is not defined"));
        let present = serde_json::json!({"@type": "Message", "secretKey": {}});
        assert_eq!(first_missing_property(&present), None);
        assert_eq!(
            first_missing_property(&serde_json::json!({"@type": "Nope"})),
            None
        );
    }
}
