//! Whole chains with fresh random material (Rust builds, Rust opens), and bad input: malformed JSON,
//! wrong `@type`, tampered ciphers and forged signatures must give typed errors, never panics.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use nmshd_crypto::{
    CryptoError, ExchangeKeypair, HashAlgorithm, Reference, RelationshipRequestSecrets,
    RelationshipSecrets, SecretKey, SignatureKeypair, b64url_encode, encrypt_with_nonce,
    random_bytes,
};
use nmshd_wire::challenge::build_create_identity_body;
use nmshd_wire::file::{
    FileDescription, FileUploadInput, decrypt_file_download, open_file_metadata,
    prepare_file_upload, verify_owner_signature,
};
use nmshd_wire::message::{MessageRecipientInput, build_message, open_message, open_own_message};
use nmshd_wire::relationship::{
    RelationshipCreationContentCipher, build_creation_content, build_creation_response_content,
    from_base64, open_creation_content, open_creation_response_content, to_base64,
};
use nmshd_wire::template::{
    RelationshipTemplatePublicKey, RelationshipTemplateSigned, TemplateSealInput, open_template,
    seal_template,
};
use nmshd_wire::token::{TokenContent, TokenContentFile, open_token, seal_token};
use nmshd_wire::{
    Challenge, ChallengeSigned, ChallengeType, CoreDate, Identity, PasswordInput, WireError,
    WireObject,
};
use serde_json::json;

fn identity(keypair: &SignatureKeypair, n: u8) -> Identity {
    Identity {
        address: format!("did:e:localhost:dids:0123456789abcdef0123{n:02x}"),
        public_key: keypair.public,
    }
}

fn date() -> CoreDate {
    CoreDate::parse("2030-01-01T00:00:00.000Z").unwrap()
}

fn template_input<'a>(
    id: &'a SignatureKeypair,
    template_kp: &ExchangeKeypair,
    key: &'a SecretKey,
) -> TemplateSealInput<'a> {
    TemplateSealInput {
        content: json!({"@type": "ArbitraryRelationshipTemplateContent", "value": {"z": 1, "a": [1.5, "x"]}}),
        identity: identity(id, 1),
        identity_key: &id.private,
        template_key: RelationshipTemplatePublicKey {
            id: "TRPRTKaaaaaaaaaaaaaa".into(),
            key: template_kp.public,
        },
        secret_key: key,
        nonce: random_bytes(),
        expires_at: date(),
        max_number_of_allocations: None,
        for_identity: None,
        password: None,
    }
}

#[test]
fn template_round_trip_and_forgeries() {
    let id = SignatureKeypair::generate();
    let template_kp = ExchangeKeypair::generate();
    let key = SecretKey::generate();
    let mut input = template_input(&id, &template_kp, &key);
    input.password = Some(PasswordInput {
        password: "1234".into(),
        salt: random_bytes(),
    });
    let sealed = seal_template(&input).unwrap();
    assert!(sealed.body.password.is_some());
    assert!(!sealed.body.to_json().contains("maxNumberOfAllocations"));
    let opened = open_template(&sealed.content, &key).unwrap();
    assert_eq!(opened.wrapper.content, input.content);
    assert_eq!(opened.wrapper.template_key.key, template_kp.public);

    // wrong key, garbage, truncated cipher
    let err = open_template(&sealed.content, &SecretKey::generate()).unwrap_err();
    assert!(
        matches!(err, WireError::Crypto(CryptoError::Decryption)),
        "{err}"
    );
    assert!(matches!(
        open_template("!!!", &key),
        Err(WireError::Crypto(_))
    ));
    assert!(matches!(
        open_template(&sealed.content[..sealed.content.len() / 2], &key),
        Err(WireError::Crypto(_))
    ));

    // a template whose content was changed after signing
    let mut forged = sealed.signed.clone();
    forged.serialized_template = forged.serialized_template.replace("\"z\":1", "\"z\":2");
    let cipher = encrypt_with_nonce(forged.to_json(true).as_bytes(), &key, random_bytes());
    let err = open_template(&cipher.to_base64(), &key).unwrap_err();
    assert!(
        matches!(err, WireError::InvalidSignature("template")),
        "{err}"
    );

    // valid encryption of something that is not a signed template
    let cipher = encrypt_with_nonce(br#"{"@type":"Mail"}"#, &key, random_bytes());
    assert!(matches!(
        open_template(&cipher.to_base64(), &key),
        Err(WireError::WrongType { .. })
    ));
    let cipher = encrypt_with_nonce(b"not json", &key, random_bytes());
    assert!(matches!(
        open_template(&cipher.to_base64(), &key),
        Err(WireError::Json(_))
    ));
    let cipher = encrypt_with_nonce(&[0xff, 0xfe], &key, random_bytes());
    assert!(matches!(
        open_template(&cipher.to_base64(), &key),
        Err(WireError::NotUtf8(_))
    ));
}

#[test]
fn token_round_trip_and_bad_content() {
    let key = SecretKey::generate();
    let content = TokenContent::File(TokenContentFile {
        file_id: "FILaaaaaaaaaaaaaaaaa".into(),
        secret_key: SecretKey::generate(),
    });
    let sealed = seal_token(&content, &key, random_bytes(), date(), None, None).unwrap();
    assert_eq!(open_token(&sealed.content, &key).unwrap(), content);
    assert_eq!(
        sealed.body.to_json(),
        format!(
            r#"{{"content":"{}","expiresAt":"2030-01-01T00:00:00.000Z"}}"#,
            sealed.content
        )
    );

    let other = json!({"@type": "SomethingElse", "b": 1, "a": 2});
    let sealed = seal_token(
        &TokenContent::Other(other.clone()),
        &key,
        random_bytes(),
        date(),
        None,
        None,
    )
    .unwrap();
    assert_eq!(
        sealed.serialized_content,
        r#"{"@type":"SomethingElse","b":1,"a":2}"#
    );
    assert_eq!(
        open_token(&sealed.content, &key).unwrap(),
        TokenContent::Other(other)
    );

    // without `@type` the runtime reads free JSON (a JSONWrapper): kept as it is
    assert_eq!(
        TokenContent::from_json(r#"{"fileId":"FILaaaaaaaaaaaaaaaaa"}"#).unwrap(),
        TokenContent::Other(serde_json::json!({"fileId": "FILaaaaaaaaaaaaaaaaa"}))
    );
    assert!(matches!(
        TokenContent::from_json(r#"{"@type":"TokenContentFile","fileId":7}"#),
        Err(WireError::InvalidField {
            field: "fileId",
            ..
        })
    ));
    assert!(matches!(
        TokenContent::from_json(
            r#"{"@type":"TokenContentRelationshipTemplate","templateId":"RLTaaaaaaaaaaaaaaaaa","secretKey":{"key":"AAAA","alg":3}}"#
        ),
        Err(WireError::InvalidField {
            field: "secretKey",
            ..
        })
    ));
    assert!(matches!(
        TokenContent::from_json(r#"{"@type":"TokenContentDeviceSharedSecret"}"#),
        Err(WireError::MissingField {
            field: "sharedSecret",
            ..
        })
    ));
    assert!(matches!(
        TokenContent::from_json("[]"),
        Err(WireError::NotAnObject { .. })
    ));
    assert!(matches!(
        TokenContent::from_json("{"),
        Err(WireError::Json(_))
    ));
}

#[test]
fn file_round_trip_and_tampering() {
    let device = SignatureKeypair::generate();
    let cipher_key = SecretKey::generate();
    let metadata_key = SecretKey::generate();
    let plaintext = b"hello file \xe2\x9c\x93".to_vec();
    let prepared = prepare_file_upload(&FileUploadInput {
        plaintext: &plaintext,
        description: FileDescription {
            title: None,
            description: None,
            filename: "a.txt".into(),
            tags: None,
            filemodified: None,
            mimetype: "text/plain".into(),
        },
        device_key: &device.private,
        cipher_key: &cipher_key,
        content_nonce: random_bytes(),
        metadata_key: &metadata_key,
        metadata_nonce: random_bytes(),
        owner: "did:e:localhost:dids:0123456789abcdef012301".into(),
        expires_at: date(),
    })
    .unwrap();
    assert_eq!(
        prepared
            .serialized_metadata
            .find("\"@type\":\"FileMetadata\""),
        Some(1),
        "optional members are omitted, @type first"
    );
    let fields = &prepared.fields;
    let metadata = open_file_metadata(&fields.encrypted_properties, &metadata_key).unwrap();
    assert_eq!(metadata, prepared.metadata);
    let content = decrypt_file_download(&fields.content, &fields.cipher_hash, &metadata).unwrap();
    assert_eq!(content, plaintext);
    verify_owner_signature(&fields.owner_signature, &plaintext, &device.public).unwrap();

    let mut tampered = fields.content.clone();
    tampered[10] ^= 1;
    assert!(matches!(
        decrypt_file_download(&tampered, &fields.cipher_hash, &metadata),
        Err(WireError::CipherHashMismatch)
    ));
    // a matching hash for tampered bytes still fails to decrypt or parse
    let hash = b64url_encode(&nmshd_crypto::hash::sha512(&tampered));
    assert!(decrypt_file_download(&tampered, &hash, &metadata).is_err());
    let mut wrong = metadata.clone();
    wrong.plaintext_hash = b64url_encode(&[0u8; 64]);
    assert!(matches!(
        decrypt_file_download(&fields.content, &fields.cipher_hash, &wrong),
        Err(WireError::PlaintextHashMismatch)
    ));
    assert!(matches!(
        verify_owner_signature(&fields.owner_signature, b"other", &device.public),
        Err(WireError::InvalidSignature(_))
    ));
    assert!(matches!(
        verify_owner_signature("eyJ", &plaintext, &device.public),
        Err(WireError::Crypto(_))
    ));
    assert!(open_file_metadata(&fields.encrypted_properties, &cipher_key).is_err());
}

#[test]
fn relationship_and_messages_end_to_end() {
    let templator_id = SignatureKeypair::generate();
    let requestor_id = SignatureKeypair::generate();
    let requestor_device = SignatureKeypair::generate();
    let templator_device = SignatureKeypair::generate();
    let template_kp = ExchangeKeypair::generate();
    let templator = identity(&templator_id, 1);
    let requestor = identity(&requestor_id, 2);

    // requestor answers the template
    let request =
        RelationshipRequestSecrets::from_peer(&template_kp.public, &templator_id.public).unwrap();
    let content =
        json!({"@type": "ArbitraryRelationshipCreationContent", "value": {"b": 1, "a": 2}});
    let built = build_creation_content(
        content.clone(),
        &requestor,
        "RLTaaaaaaaaaaaaaaaaa",
        &request,
        &requestor_device.private,
        random_bytes(),
    )
    .unwrap();
    assert!(built.serialized_signed.starts_with("{\"deviceSignature\""));

    // templator opens it
    let cipher: RelationshipCreationContentCipher = from_base64(&built.creation_content).unwrap();
    let mut templator_secrets = RelationshipSecrets::from_relationship_request(
        &cipher.public_creation_content_crypto,
        &template_kp,
    )
    .unwrap();
    let opened = open_creation_content(&cipher, &templator_secrets).unwrap();
    assert_eq!(opened.wrapper.content, content);
    let (other_secrets, again) = nmshd_wire::relationship::templator_open_creation_content(
        &built.creation_content,
        &template_kp,
    )
    .unwrap();
    assert_eq!(again, opened);
    assert_eq!(other_secrets.request_key, templator_secrets.request_key);
    assert_eq!(opened.wrapper.identity, requestor);

    // a wrong template keypair cannot decrypt
    let stranger = RelationshipSecrets::from_relationship_request(
        &cipher.public_creation_content_crypto,
        &ExchangeKeypair::generate(),
    )
    .unwrap();
    assert!(matches!(
        open_creation_content(&cipher, &stranger),
        Err(WireError::Crypto(_))
    ));
    // a request whose signature key was swapped fails verification
    let mut swapped = cipher.clone();
    swapped.public_creation_content_crypto.signature_key = templator_id.public;
    assert!(matches!(
        open_creation_content(&swapped, &templator_secrets),
        Err(WireError::InvalidSignature(_))
    ));

    // templator accepts, requestor converts its secrets
    let response = build_creation_response_content(
        "RELaaaaaaaaaaaaaaaaa",
        &mut templator_secrets,
        &templator_device.private,
    )
    .unwrap();
    let mut requestor_secrets =
        open_creation_response_content(&response.creation_response_content, &request)
            .unwrap()
            .secrets;
    assert!(matches!(
        open_creation_response_content("e30", &request),
        Err(WireError::MissingField { .. })
    ));

    // messages both ways (templator counter 1 after the response, requestor counter 0)
    let key = SecretKey::generate();
    let mail =
        json!({"@type": "Mail", "body": "hi", "cc": [], "subject": "s", "to": [templator.address]});
    let message = build_message(
        mail.clone(),
        date(),
        vec![],
        vec![MessageRecipientInput {
            address: templator.address.clone(),
            secrets: &mut requestor_secrets,
        }],
        &key,
        random_bytes(),
    )
    .unwrap();
    let entry = &message.body.recipients[0];
    let opened = open_message(
        &message.body.body,
        &entry.encrypted_key,
        &templator.address,
        &templator_secrets,
    )
    .unwrap();
    assert_eq!(opened.wrapper.content, mail);
    assert_eq!(
        open_own_message(&message.body.body, &key).unwrap().wrapper,
        opened.wrapper
    );
    assert!(matches!(
        open_message(
            &message.body.body,
            &entry.encrypted_key,
            &requestor.address,
            &templator_secrets
        ),
        Err(WireError::SignatureMissing(_))
    ));
    // the requestor cannot read its own key cipher with its receive state
    assert!(
        open_message(
            &message.body.body,
            &entry.encrypted_key,
            &templator.address,
            &requestor_secrets
        )
        .is_err()
    );

    let reply_key = SecretKey::generate();
    let attachment = Reference {
        id: "FILaaaaaaaaaaaaaaaaa".into(),
        backbone_base_url: Some("http://localhost:8090".into()),
        key: SecretKey::generate(),
        for_identity_truncated: None,
        password_protection: None,
    };
    let reply = build_message(
        json!({"@type": "ArbitraryMessageContent", "value": 1}),
        date(),
        vec![attachment.clone()],
        vec![MessageRecipientInput {
            address: requestor.address.clone(),
            secrets: &mut templator_secrets,
        }],
        &reply_key,
        random_bytes(),
    )
    .unwrap();
    assert!(reply.body.recipients[0].encrypted_key.len() > 10);
    assert_eq!(reply.body.attachments, vec![attachment.id.clone()]);
    let opened = open_message(
        &reply.body.body,
        &reply.body.recipients[0].encrypted_key,
        &requestor.address,
        &requestor_secrets,
    )
    .unwrap();
    assert_eq!(opened.wrapper.attachments, vec![attachment]);

    // a signature made by someone else is rejected
    let mut forged = reply.signed.clone();
    forged.signatures[0].signature =
        SignatureKeypair::generate().sign(forged.message.as_bytes(), HashAlgorithm::Sha256);
    let body = encrypt_with_nonce(forged.to_json(true).as_bytes(), &reply_key, random_bytes());
    assert!(matches!(
        open_message(
            &body.to_base64(),
            &reply.body.recipients[0].encrypted_key,
            &requestor.address,
            &requestor_secrets
        ),
        Err(WireError::InvalidSignature("message"))
    ));

    assert!(matches!(
        build_message(mail, date(), vec![], vec![], &key, random_bytes()),
        Err(WireError::InvalidInput(_))
    ));
}

#[test]
fn account_creation_challenge() {
    let id = SignatureKeypair::generate();
    let challenge = Challenge {
        id: "CHLaaaaaaaaaaaaaaaaa".into(),
        expires_at: date(),
        created_by: None,
        created_by_device: None,
        challenge_type: ChallengeType::Relationship,
    };
    let body = build_create_identity_body(&challenge, &id.private, "pw", "test", "secret");
    assert_eq!(
        body.signed_challenge.challenge,
        r#"{"expiresAt":"2030-01-01T00:00:00.000Z","id":"CHLaaaaaaaaaaaaaaaaa","type":"Identity"}"#
    );
    body.signed_challenge.verify(&id.public).unwrap();
    assert!(
        body.to_json()
            .starts_with(r#"{"devicePassword":"pw","identityPublicKey":"eyJ"#)
    );
    assert!(matches!(
        body.signed_challenge
            .verify(&SignatureKeypair::generate().public),
        Err(WireError::InvalidSignature("challenge"))
    ));
    assert!(matches!(
        ChallengeSigned::from_json(r#"{"challenge":"x","signature":"not base64 !"}"#),
        Err(WireError::InvalidField {
            field: "signature",
            ..
        })
    ));
}

#[test]
fn parsers_reject_wrong_shapes() {
    let id = SignatureKeypair::generate();
    let good = identity(&id, 3);
    assert_eq!(Identity::from_json(&good.to_json(false)).unwrap(), good);
    assert!(matches!(
        Identity::from_json(r#"{"@type":"Challenge","address":"a"}"#),
        Err(WireError::WrongType { .. })
    ));
    assert!(matches!(
        Identity::from_json(r#"{"address":"a"}"#),
        Err(WireError::MissingField {
            field: "publicKey",
            ..
        })
    ));
    assert!(matches!(
        Identity::from_json(r#"{"address":null,"publicKey":{}}"#),
        Err(WireError::MissingField {
            field: "address",
            ..
        })
    ));
    assert!(matches!(
        Identity::from_json(r#"{"address":"a","publicKey":{"pub":"AA","alg":3}}"#),
        Err(WireError::InvalidField {
            field: "publicKey",
            ..
        })
    ));
    assert!(matches!(
        Challenge::from_json(r#"{"id":"CHL","expiresAt":"tomorrow","type":"Identity"}"#),
        Err(WireError::InvalidDate(_))
    ));
    assert!(matches!(
        Challenge::from_json(r#"{"id":"CHL","expiresAt":"2030-01-01","type":"Nope"}"#),
        Err(WireError::InvalidField { field: "type", .. })
    ));
    assert!(matches!(
        RelationshipTemplateSigned::from_json(
            r#"{"serializedTemplate":"x","deviceSignature":{"sig":"AA","alg":9}}"#
        ),
        Err(WireError::InvalidField {
            field: "deviceSignature",
            ..
        })
    ));
    assert!(matches!(
        from_base64::<RelationshipCreationContentCipher>("%%%"),
        Err(WireError::Crypto(_))
    ));
    let wrong: Result<RelationshipCreationContentCipher, _> = from_base64(&to_base64(&good));
    assert!(matches!(wrong, Err(WireError::WrongType { .. })));
}

/// Serializations recorded from `@nmshd/transport` 7.0.0 / `@nmshd/core-types` 7.0.0 on node for shapes
/// the vector files do not cover (optional members absent, location indicator, full attachment).
#[test]
fn matches_recorded_typescript_serializations() {
    use nmshd_crypto::SharedPasswordProtection;
    use nmshd_wire::file::FileMetadata;
    use nmshd_wire::message::MessageContentWrapper;
    use nmshd_wire::reference::{ReferenceKind, reference_to_value};
    use nmshd_wire::token::TokenContentRelationshipTemplate;

    let key =
        SecretKey::from_json(r#"{"key":"k65ejP2lC54rUG-3clBR17lhwCVBO6hkW4nrBBo5684","alg":3}"#)
            .unwrap();
    let salt: [u8; 16] = nmshd_crypto::b64url_decode("9bRH33ZSfxE12aGpBO6tqQ")
        .unwrap()
        .try_into()
        .unwrap();
    let metadata = FileMetadata {
        title: None,
        description: None,
        filename: "a.bin".into(),
        tags: None,
        plaintext_hash: "abc".into(),
        secret_key: key.clone(),
        filesize: 3,
        filemodified: None,
        mimetype: "application/octet-stream".into(),
    };
    assert_eq!(
        metadata.to_json(true),
        r#"{"@type":"FileMetadata","filename":"a.bin","filesize":3,"mimetype":"application/octet-stream","plaintextHash":"abc","secretKey":{"key":"k65ejP2lC54rUG-3clBR17lhwCVBO6hkW4nrBBo5684","alg":3}}"#
    );
    let token = TokenContentRelationshipTemplate {
        template_id: "RLT1q235W57zDiGscUgv".into(),
        secret_key: key.clone(),
        for_identity: None,
        password_protection: Some(SharedPasswordProtection {
            password_type: "pin4".into(),
            salt,
            password_location_indicator: Some(5),
            password: None,
        }),
    };
    let expected = r#"{"@type":"TokenContentRelationshipTemplate","passwordProtection":{"passwordLocationIndicator":5,"passwordType":"pin4","salt":"9bRH33ZSfxE12aGpBO6tqQ"},"secretKey":{"key":"k65ejP2lC54rUG-3clBR17lhwCVBO6hkW4nrBBo5684","alg":3},"templateId":"RLT1q235W57zDiGscUgv"}"#;
    assert_eq!(token.to_json(true), expected);
    assert_eq!(
        TokenContentRelationshipTemplate::from_json(expected).unwrap(),
        token
    );

    let attachment = Reference {
        id: "FILpSBDzT3WWqtdjdGOy".into(),
        backbone_base_url: Some("http://localhost:8090".into()),
        key: key.clone(),
        for_identity_truncated: Some("87d5".into()),
        password_protection: Some(SharedPasswordProtection {
            password_type: "pw".into(),
            salt,
            password_location_indicator: None,
            password: None,
        }),
    };
    let wrapper = MessageContentWrapper {
        attachments: vec![attachment],
        content: nmshd_wire::json::parse(
            r#"{"@type":"ArbitraryMessageContent","value":{"b":[1.5,"x\u0001"],"2":1}}"#,
        )
        .unwrap(),
        created_at: CoreDate::parse("2025-03-04T06:06:07.89+01:00").unwrap(),
        recipients: vec!["did:e:localhost:dids:c24420b16abaf3f781a812".into()],
    };
    let expected = r#"{"@type":"MessageContentWrapper","attachments":[{"backboneBaseUrl":"http://localhost:8090","forIdentityTruncated":"87d5","id":"FILpSBDzT3WWqtdjdGOy","key":{"key":"k65ejP2lC54rUG-3clBR17lhwCVBO6hkW4nrBBo5684","alg":3},"passwordProtection":{"passwordType":"pw","salt":"9bRH33ZSfxE12aGpBO6tqQ"}}],"content":{"@type":"ArbitraryMessageContent","value":{"2":1,"b":[1.5,"x\u0001"]}},"createdAt":"2025-03-04T05:06:07.890Z","recipients":["did:e:localhost:dids:c24420b16abaf3f781a812"]}"#;
    assert_eq!(wrapper.to_json(true), expected);
    assert_eq!(MessageContentWrapper::from_json(expected).unwrap(), wrapper);

    let token_reference = Reference {
        id: "TOK9xOFjpXaphVukFEC4".into(),
        backbone_base_url: None,
        key,
        for_identity_truncated: None,
        password_protection: None,
    };
    assert_eq!(
        nmshd_wire::json::stringify(&reference_to_value(
            &token_reference,
            ReferenceKind::Token,
            true
        )),
        r#"{"@type":"TokenReference","id":"TOK9xOFjpXaphVukFEC4","key":{"key":"k65ejP2lC54rUG-3clBR17lhwCVBO6hkW4nrBBo5684","alg":3}}"#
    );
}
