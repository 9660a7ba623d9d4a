//! The client against the development Backbone (`crates/devbackbone`): onboarding, login and
//! re-login, templates, tokens, the relationship state machine, messages with attachments, files
//! and sync runs, following the call sequences of backbone-api §9.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use backbone_client::dto::{
    CreateIdentityRequest, CreateRelationshipRequest, CreateTemplateRequest, CreateTokenRequest,
    CreatedIdentity, DatawalletModificationType, ExternalEvent, ExternalEventResult,
    ExternalEventType, FinalizeDatawalletVersionUpgradeRequest, FinalizeExternalEventSyncRequest,
    IdRef, PushDatawalletModification, PushDatawalletModificationsRequest, PushPlatform,
    PushRegistration, RelationshipAuditLogReason, RelationshipStatus, SendMessageRecipient,
    SendMessageRequest, SignedChallenge, StartSyncRunStatus, SyncRunType, TagsResponse,
    TemplateQuery, TokenQuery, UpdateTokenContentRequest, UploadFileRequest,
};
use backbone_client::{
    AuthenticatedClient, BackboneClient, BackboneError, ClientConfig, DeviceCredentials,
};
use devbackbone::{BackboneConfig, RunningBackbone};
use nmshd_crypto::{SignatureKeypair, b64_encode, b64url_decode, b64url_encode, random_bytes};
use nmshd_wire::{Challenge, ChallengeType, CoreDate};

const DOMAIN: &str = "localhost";

async fn start_backbone() -> RunningBackbone {
    devbackbone::start(BackboneConfig::default()).await.unwrap()
}

/// A new dev Backbone and two identities on it.
async fn two_identities() -> (RunningBackbone, Account, Account) {
    let backbone = start_backbone().await;
    let anon = anonymous(&backbone);
    let (a, b) = (onboard(&anon).await, onboard(&anon).await);
    (backbone, a, b)
}

fn anonymous(backbone: &RunningBackbone) -> BackboneClient {
    BackboneClient::new(ClientConfig::new(backbone.base_url(), "test", "test")).unwrap()
}

/// base64url of fresh random bytes: an opaque "encrypted" content.
fn content() -> String {
    b64url_encode(&random_bytes::<48>())
}

/// A 32-byte password hash as the client sends it (standard base64, often with `+`, `/`, `=`).
fn password_hash() -> String {
    b64_encode(&random_bytes::<32>())
}

/// An ISO timestamp `seconds` from now.
fn in_seconds(seconds: i64) -> String {
    CoreDate::from_unix_millis(CoreDate::now().unix_millis() + seconds * 1000)
        .unwrap()
        .to_iso_string()
}

struct Account {
    client: AuthenticatedClient,
    address: String,
    created: CreatedIdentity,
    password: String,
}

/// Account creation (§9.1): challenge, signed identity creation, login, datawallet upgrade run.
async fn onboard(anon: &BackboneClient) -> Account {
    let challenge = anon.create_challenge().await.unwrap();
    assert!(challenge.id.starts_with("CHL") && challenge.id.len() == 20);
    assert!(challenge.created_by.is_none());
    let keypair = SignatureKeypair::generate();
    let device_password = b64url_encode(&random_bytes::<36>());
    let wire_challenge = Challenge {
        id: challenge.id.clone(),
        expires_at: CoreDate::parse(&challenge.expires_at).unwrap(),
        created_by: None,
        created_by_device: None,
        challenge_type: ChallengeType::Identity,
    };
    let body = nmshd_wire::challenge::build_create_identity_body(
        &wire_challenge,
        &keypair.private,
        &device_password,
        "test",
        "test",
    );
    let request = CreateIdentityRequest {
        identity_public_key: body.identity_public_key,
        device_password: device_password.clone(),
        signed_challenge: SignedChallenge {
            challenge: body.signed_challenge.challenge,
            signature: body.signed_challenge.signature.to_base64(),
        },
        identity_version: 1,
    };
    let created = anon.create_identity(&request).await.unwrap();
    let address = nmshd_crypto::derive_address(keypair.public.as_bytes(), DOMAIN);
    assert_eq!(created.address, address);
    assert!(created.device.username.starts_with("USR"));
    let client = anon.authenticated(DeviceCredentials::new(
        &created.device.username,
        &device_password,
    ));
    let upgrade = client
        .start_sync_run(SyncRunType::DatawalletVersionUpgrade, None)
        .await
        .unwrap();
    assert_eq!(upgrade.status, StartSyncRunStatus::Created);
    let run = upgrade.sync_run.unwrap();
    assert_eq!(run.sync_run_type, SyncRunType::DatawalletVersionUpgrade);
    client
        .finalize_datawallet_version_upgrade(
            &run.id,
            &FinalizeDatawalletVersionUpgradeRequest {
                new_datawallet_version: 1,
                datawallet_modifications: Vec::new(),
            },
        )
        .await
        .unwrap();
    Account {
        client,
        address,
        created,
        password: device_password,
    }
}

/// `syncEverything` (§9.5): runs until no new events; acknowledges everything.
async fn sync_all(client: &AuthenticatedClient) -> Vec<ExternalEvent> {
    let mut all = Vec::new();
    loop {
        let started = client
            .start_sync_run(SyncRunType::ExternalEventSync, None)
            .await
            .unwrap();
        let Some(run) = started.sync_run else {
            assert_eq!(started.status, StartSyncRunStatus::NoNewEvents);
            return all;
        };
        let events = client.get_external_events(&run.id).await.unwrap();
        assert_eq!(events.len() as u64, run.event_count);
        let results = events
            .iter()
            .map(|e| ExternalEventResult::ok(&e.id))
            .collect();
        let finalized = client
            .finalize_external_event_sync(
                &run.id,
                &FinalizeExternalEventSyncRequest {
                    external_event_results: results,
                    datawallet_modifications: Vec::new(),
                },
            )
            .await
            .unwrap();
        all.extend(events);
        if !finalized.new_unsynced_external_events_exist {
            return all;
        }
    }
}

fn relationship_ids(events: &[ExternalEvent], kind: &ExternalEventType) -> Vec<String> {
    events
        .iter()
        .filter(|e| &e.event_type == kind)
        .map(|e| e.payload["relationshipId"].as_str().unwrap().to_owned())
        .collect()
}

/// Templator `a` offers a template, `b` loads it and requests a relationship; returns its id.
async fn request_relationship(a: &Account, b: &Account) -> String {
    let template = a
        .client
        .create_template(&CreateTemplateRequest {
            content: content(),
            expires_at: Some(in_seconds(3600)),
            ..Default::default()
        })
        .await
        .unwrap();
    b.client.get_template(&template.id, None).await.unwrap();
    let relationship = b
        .client
        .create_relationship(&CreateRelationshipRequest {
            relationship_template_id: template.id,
            creation_content: content(),
        })
        .await
        .unwrap();
    assert_eq!(relationship.status, RelationshipStatus::Pending);
    relationship.id
}

#[tokio::test]
async fn onboarding_login_and_account_calls() {
    let backbone = start_backbone().await;
    let anon = anonymous(&backbone);
    let version = anon.get_version().await.unwrap();
    assert_eq!(version.major(), Some(6));

    let account = onboard(&anon).await;
    let client = &account.client;
    let device = client.get_device_self().await.unwrap();
    assert_eq!(device.id, account.created.device.id);
    assert_eq!(device.username, client.username());
    assert!(device.last_login.is_some());
    let me = client.get_identity_self().await.unwrap();
    assert_eq!(me.address, account.address);
    assert_eq!(client.get_datawallet().await.unwrap().version, 1);
    let deleted = anon
        .is_identity_deleted(&account.created.device.username)
        .await
        .unwrap();
    assert!(!deleted.is_deleted && deleted.deletion_date.is_none());

    // an authenticated challenge names its creator
    let challenge = client.create_challenge().await.unwrap();
    assert_eq!(
        challenge.created_by.as_deref(),
        Some(account.address.as_str())
    );
    assert_eq!(
        client.get_challenge(&challenge.id).await.unwrap(),
        challenge
    );

    client.update_device_self("de").await.unwrap();
    assert_eq!(
        client
            .get_device_self()
            .await
            .unwrap()
            .communication_language
            .as_deref(),
        Some("de")
    );
    let push = client
        .register_push_notifications(&PushRegistration {
            platform: PushPlatform::Dummy,
            handle: "handle-0123456789".into(),
            app_id: "eu.enmeshed.app".into(),
            environment: None,
        })
        .await
        .unwrap();
    assert!(push.device_push_identifier.starts_with("DPI"));
    client.unregister_push_notifications().await.unwrap();
    assert!(client.get_announcements("en").await.unwrap().is_empty());
    assert!(
        client
            .get_public_template_references()
            .await
            .unwrap()
            .is_empty()
    );
    let TagsResponse::Modified { etag, .. } = anon.get_tags(None).await.unwrap() else {
        panic!("tags expected");
    };
    assert_eq!(
        anon.get_tags(etag.as_deref()).await.unwrap(),
        TagsResponse::NotModified
    );

    // password change: the new password is used for later logins
    let new_password = b64url_encode(&random_bytes::<36>());
    client
        .change_password(&account.password, &new_password)
        .await
        .unwrap();
    let fresh = anon.authenticated(DeviceCredentials::new(
        client.username(),
        new_password.as_str(),
    ));
    fresh.login().await.unwrap();
    let stale = anon.authenticated(DeviceCredentials::new(
        client.username(),
        account.password.as_str(),
    ));
    let error = stale.login().await.unwrap_err();
    assert!(
        matches!(&error, BackboneError::NoAuthGrant { status: 400, error: Some(e) } if e == "invalid_grant"),
        "{error:?}"
    );
    backbone.stop().await;
}

#[tokio::test]
async fn identity_creation_errors() {
    let backbone = start_backbone().await;
    let anon = anonymous(&backbone);
    let bad_client =
        BackboneClient::new(ClientConfig::new(backbone.base_url(), "test", "nope")).unwrap();
    let challenge = anon.create_challenge().await.unwrap();
    let keypair = SignatureKeypair::generate();
    let wire_challenge = Challenge {
        id: challenge.id,
        expires_at: CoreDate::parse(&challenge.expires_at).unwrap(),
        created_by: None,
        created_by_device: None,
        challenge_type: ChallengeType::Identity,
    };
    let body = nmshd_wire::challenge::build_create_identity_body(
        &wire_challenge,
        &keypair.private,
        "Pa55word!Pa55word!",
        "test",
        "nope",
    );
    let request = CreateIdentityRequest {
        identity_public_key: body.identity_public_key,
        device_password: "Pa55word!Pa55word!".into(),
        signed_challenge: SignedChallenge {
            challenge: body.signed_challenge.challenge,
            signature: body.signed_challenge.signature.to_base64(),
        },
        identity_version: 1,
    };
    let error = bad_client.create_identity(&request).await.unwrap_err();
    assert_eq!(
        (error.status(), error.code()),
        (Some(400), Some("error.platform.unauthorized")),
        "{error:?}"
    );
    // a signature by another key is refused
    let mut forged = request.clone();
    forged.signed_challenge.signature = SignatureKeypair::generate()
        .private
        .sign(
            forged.signed_challenge.challenge.as_bytes(),
            nmshd_crypto::HashAlgorithm::Sha512,
        )
        .to_base64();
    let error = anon.create_identity(&forged).await.unwrap_err();
    assert!(
        error.has_code("error.platform.validation.device.invalidSignature"),
        "{error:?}"
    );
    backbone.stop().await;
}

#[tokio::test]
async fn a_restarted_backbone_forgets_tokens_and_the_client_logs_in_again() {
    let data_dir = tempfile::tempdir().unwrap();
    let config = BackboneConfig {
        data_dir: Some(data_dir.path().to_owned()),
        ..BackboneConfig::default()
    };
    let backbone = devbackbone::start(config.clone()).await.unwrap();
    let port = backbone.port();
    let anon = anonymous(&backbone);
    let account = onboard(&anon).await;
    let first_login = account
        .client
        .get_device_self()
        .await
        .unwrap()
        .last_login
        .unwrap()
        .time
        .unwrap();
    // Time under test: the login after the restart gets a later timestamp than this one.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    backbone.stop().await;

    let error = account.client.get_device_self().await.unwrap_err();
    assert!(error.is_unreachable(), "{error:?}");

    let backbone = devbackbone::start(BackboneConfig { port, ..config })
        .await
        .unwrap();
    // the cached token is unknown to the new process: 401, login (recorded as lastLogin), repeat
    let device = account.client.get_device_self().await.unwrap();
    assert_eq!(device.username, account.client.username());
    let relogin = device.last_login.unwrap().time.unwrap();
    assert!(
        CoreDate::parse(&relogin).unwrap() > CoreDate::parse(&first_login).unwrap(),
        "{first_login} {relogin}"
    );
    backbone.stop().await;
}

#[tokio::test]
async fn templates_with_password_allocation_and_for_identity() {
    let backbone = start_backbone().await;
    let anon = anonymous(&backbone);
    let (a, b, c) = (
        onboard(&anon).await,
        onboard(&anon).await,
        onboard(&anon).await,
    );
    let password = password_hash();
    let body = content();
    let created = a
        .client
        .create_template(&CreateTemplateRequest {
            content: body.clone(),
            expires_at: Some(in_seconds(3600)),
            max_number_of_allocations: Some(1),
            for_identity: None,
            password: Some(password.clone()),
        })
        .await
        .unwrap();
    assert!(created.id.starts_with("RLT"));

    let error = b.client.get_template(&created.id, None).await.unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
    let error = b
        .client
        .get_template(&created.id, Some(&password_hash()))
        .await
        .unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
    let template = b
        .client
        .get_template(&created.id, Some(&password))
        .await
        .unwrap();
    assert_eq!(template.content.as_deref(), Some(body.as_str()));
    assert_eq!(template.created_by, a.address);
    assert_eq!(template.max_number_of_allocations, Some(1));
    // the creator needs no password
    a.client.get_template(&created.id, None).await.unwrap();

    let listed = b
        .client
        .list_templates(&[TemplateQuery::with_password(&created.id, &password)])
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, created.id);

    let error = c
        .client
        .get_template(&created.id, Some(&password))
        .await
        .unwrap_err();
    assert!(
        error.has_code(
            "error.platform.validation.relationshipTemplate.maxNumberOfAllocationsExhausted"
        ),
        "{error:?}"
    );
    let events = sync_all(&a.client).await;
    assert!(events.iter().any(|e| e.event_type
        == ExternalEventType::RelationshipTemplateAllocationsExhausted
        && e.payload["relationshipTemplateId"] == created.id.as_str()));

    // forIdentity: only the named identity (and the creator) can load it
    let personal = a
        .client
        .create_template(&CreateTemplateRequest {
            content: content(),
            for_identity: Some(c.address.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        b.client
            .get_template(&personal.id, None)
            .await
            .unwrap_err()
            .is_not_found()
    );
    let loaded = c.client.get_template(&personal.id, None).await.unwrap();
    assert_eq!(loaded.for_identity.as_deref(), Some(c.address.as_str()));

    let error = b.client.delete_template(&created.id).await.unwrap_err();
    assert!(error.is_forbidden(), "{error:?}");
    a.client.delete_template(&created.id).await.unwrap();
    assert!(
        a.client
            .get_template(&created.id, None)
            .await
            .unwrap_err()
            .is_not_found()
    );
    backbone.stop().await;
}

#[tokio::test]
async fn tokens_with_password_empty_tokens_and_listing() {
    let (backbone, a, b) = two_identities().await;
    let anon = anonymous(&backbone);
    let password = password_hash();
    let body = content();
    let created = a
        .client
        .create_token(&CreateTokenRequest {
            content: Some(body.clone()),
            expires_at: in_seconds(3600),
            for_identity: None,
            password: Some(password.clone()),
        })
        .await
        .unwrap();
    assert!(created.id.starts_with("TOK"));

    assert!(
        anon.get_token(&created.id, None)
            .await
            .unwrap_err()
            .is_not_found()
    );
    let token = anon.get_token(&created.id, Some(&password)).await.unwrap();
    assert_eq!(token.content.as_deref(), Some(body.as_str()));
    assert!(token.is_password_protected);
    assert_eq!(token.created_by.as_deref(), Some(a.address.as_str()));
    let token = b
        .client
        .get_token(&created.id, Some(&password))
        .await
        .unwrap();
    assert_eq!(token.content.as_deref(), Some(body.as_str()));

    let listed = a
        .client
        .list_tokens(&[TokenQuery::new(&created.id)])
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    let listed = b
        .client
        .list_tokens(&[TokenQuery::with_password(&created.id, &password)])
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);

    // an anonymous empty token is filled by an authenticated caller
    let empty = anon
        .create_empty_token(&CreateTokenRequest {
            content: None,
            expires_at: in_seconds(120),
            for_identity: None,
            password: None,
        })
        .await
        .unwrap();
    let loaded = anon.get_token(&empty.id, None).await.unwrap();
    assert!(loaded.content.is_none() && loaded.created_by.is_none());
    let new_content = content();
    let updated = b
        .client
        .update_token_content(&UpdateTokenContentRequest {
            id: empty.id.clone(),
            new_content: new_content.clone(),
            password: None,
        })
        .await
        .unwrap();
    assert_eq!(updated.created_by.as_deref(), Some(b.address.as_str()));
    let loaded = anon.get_token(&empty.id, None).await.unwrap();
    assert_eq!(loaded.content.as_deref(), Some(new_content.as_str()));
    let error = a
        .client
        .update_token_content(&UpdateTokenContentRequest {
            id: empty.id.clone(),
            new_content: content(),
            password: None,
        })
        .await
        .unwrap_err();
    assert!(
        error.has_code("error.platform.token.contentUpdateNotPossibleBecauseContentAlreadyExists"),
        "{error:?}"
    );
    // anonymous tokens must be empty
    let error = anon
        .create_empty_token(&CreateTokenRequest {
            content: Some(content()),
            expires_at: in_seconds(120),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(error.status().is_some(), "{error:?}");

    let error = b.client.delete_token(&created.id).await.unwrap_err();
    assert!(error.is_forbidden(), "{error:?}");
    a.client.delete_token(&created.id).await.unwrap();
    assert!(
        anon.get_token(&created.id, Some(&password))
            .await
            .unwrap_err()
            .is_not_found()
    );
    backbone.stop().await;
}

#[tokio::test]
async fn relationship_state_machine() {
    let (backbone, a, b) = two_identities().await;

    // §9.3: B requests, A discovers it by sync and accepts
    let can = b.client.can_create_relationship(&a.address).await.unwrap();
    assert!(can.can_create && can.code.is_none());
    let id = request_relationship(&a, &b).await;
    let events = sync_all(&a.client).await;
    assert_eq!(
        relationship_ids(&events, &ExternalEventType::RelationshipStatusChanged),
        std::slice::from_ref(&id)
    );
    let seen = a.client.get_relationship(&id).await.unwrap();
    assert_eq!(seen.metadata.from, b.address);
    assert_eq!(seen.metadata.to, a.address);
    assert!(seen.creation_content.is_some());
    assert_eq!(seen.metadata.audit_log.len(), 1);
    assert_eq!(
        seen.metadata.audit_log[0].reason,
        RelationshipAuditLogReason::Creation
    );
    assert!(seen.metadata.audit_log[0].old_status.is_none());

    let response = content();
    let accepted = a.client.accept_relationship(&id, &response).await.unwrap();
    assert_eq!(accepted.status, RelationshipStatus::Active);
    let events = sync_all(&b.client).await;
    assert_eq!(
        relationship_ids(&events, &ExternalEventType::RelationshipStatusChanged),
        std::slice::from_ref(&id)
    );
    let seen = b.client.get_relationship(&id).await.unwrap();
    assert_eq!(
        seen.creation_response_content.as_deref(),
        Some(response.as_str())
    );
    assert_eq!(seen.metadata.audit_log.len(), 2);
    let listed = b.client.list_relationships(&[&id]).await.unwrap();
    assert_eq!(listed.len(), 1);
    let can = b.client.can_create_relationship(&a.address).await.unwrap();
    assert!(!can.can_create);
    assert_eq!(
        can.code.as_deref(),
        Some("error.platform.validation.relationship.relationshipToTargetAlreadyExists")
    );

    // wrong caller and wrong state
    let error = b
        .client
        .accept_relationship(&id, &content())
        .await
        .unwrap_err();
    assert!(error.is_validation(), "{error:?}");

    // terminate, reactivation requested by B and accepted by A
    let terminated = a.client.terminate_relationship(&id).await.unwrap();
    assert_eq!(terminated.status, RelationshipStatus::Terminated);
    let requested = b
        .client
        .request_relationship_reactivation(&id)
        .await
        .unwrap();
    assert_eq!(
        requested.audit_log.last().unwrap().reason,
        RelationshipAuditLogReason::ReactivationRequested
    );
    let error = b
        .client
        .accept_relationship_reactivation(&id)
        .await
        .unwrap_err();
    assert!(error.is_validation(), "{error:?}");
    let events = sync_all(&a.client).await;
    assert_eq!(
        relationship_ids(
            &events,
            &ExternalEventType::RelationshipReactivationRequested
        ),
        std::slice::from_ref(&id)
    );
    let reactivated = a
        .client
        .accept_relationship_reactivation(&id)
        .await
        .unwrap();
    assert_eq!(reactivated.status, RelationshipStatus::Active);
    let events = sync_all(&b.client).await;
    assert!(
        relationship_ids(
            &events,
            &ExternalEventType::RelationshipReactivationCompleted
        )
        .contains(&id)
    );

    // terminate again; a request revoked by the requester, another one rejected by the peer
    b.client.terminate_relationship(&id).await.unwrap();
    a.client
        .request_relationship_reactivation(&id)
        .await
        .unwrap();
    let revoked = a
        .client
        .revoke_relationship_reactivation(&id)
        .await
        .unwrap();
    assert_eq!(revoked.status, RelationshipStatus::Terminated);
    a.client
        .request_relationship_reactivation(&id)
        .await
        .unwrap();
    let rejected = b
        .client
        .reject_relationship_reactivation(&id)
        .await
        .unwrap();
    assert_eq!(rejected.status, RelationshipStatus::Terminated);
    assert_eq!(
        rejected.audit_log.last().unwrap().reason,
        RelationshipAuditLogReason::RejectionOfReactivation
    );

    // decomposition by both parties
    a.client.decompose_relationship(&id).await.unwrap();
    let error = a.client.get_relationship(&id).await.unwrap_err();
    assert!(
        error.has_code("error.platform.validation.relationship.relationshipAlreadyDecomposed"),
        "{error:?}"
    );
    let seen = b.client.get_relationship(&id).await.unwrap();
    assert_eq!(seen.metadata.status, RelationshipStatus::DeletionProposed);
    b.client.decompose_relationship(&id).await.unwrap();
    assert!(
        b.client
            .can_create_relationship(&a.address)
            .await
            .unwrap()
            .can_create
    );

    // reject (templator) and revoke (requestor) of pending requests
    let second = request_relationship(&a, &b).await;
    let rejected = a.client.reject_relationship(&second, None).await.unwrap();
    assert_eq!(rejected.status, RelationshipStatus::Rejected);
    let third = request_relationship(&a, &b).await;
    let error = a
        .client
        .revoke_relationship(&third, None)
        .await
        .unwrap_err();
    assert!(error.is_validation(), "{error:?}");
    let revoked = b.client.revoke_relationship(&third, None).await.unwrap();
    assert_eq!(revoked.status, RelationshipStatus::Revoked);
    let error = b
        .client
        .get_relationship("RELa1b2c3d4e5f6g7h8i9")
        .await
        .unwrap_err();
    assert!(error.is_not_found() || error.is_validation(), "{error:?}");
    backbone.stop().await;
}

#[tokio::test]
async fn messages_with_an_attachment_and_file_download() {
    let (backbone, a, b) = two_identities().await;
    let anon = anonymous(&backbone);
    let id = request_relationship(&a, &b).await;
    a.client.accept_relationship(&id, &content()).await.unwrap();
    sync_all(&a.client).await;
    sync_all(&b.client).await;

    // §9.4: upload, send, the recipient syncs, reads, downloads
    let bytes: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
    let cipher_hash = b64url_encode(&nmshd_crypto::hash::sha512(&bytes));
    let properties = content();
    let file = a
        .client
        .upload_file(&UploadFileRequest {
            content: bytes.clone(),
            cipher_hash: cipher_hash.clone(),
            owner: a.address.clone(),
            owner_signature: content(),
            expires_at: in_seconds(86_400),
            encrypted_properties: properties.clone(),
        })
        .await
        .unwrap();
    assert!(file.id.starts_with("FIL"));
    assert_eq!(file.cipher_size, bytes.len() as u64);
    assert_eq!(file.cipher_hash, cipher_hash);
    assert_eq!(file.owner, a.address);

    let body = content();
    let encrypted_key = b64url_encode(&random_bytes::<64>());
    let sent = a
        .client
        .send_message(&SendMessageRequest {
            recipients: vec![SendMessageRecipient {
                address: b.address.clone(),
                encrypted_key: encrypted_key.clone(),
            }],
            body: body.clone(),
            attachments: vec![IdRef::new(&file.id)],
        })
        .await
        .unwrap();
    assert!(sent.id.starts_with("MSG"));

    let events = sync_all(&b.client).await;
    let received: Vec<_> = events
        .iter()
        .filter(|e| e.event_type == ExternalEventType::MessageReceived)
        .collect();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].payload["id"], sent.id.as_str());

    let message = b.client.get_message(&sent.id).await.unwrap();
    assert_eq!(message.body.as_deref(), Some(body.as_str()));
    assert_eq!(message.created_by, a.address);
    assert_eq!(message.attachments, [IdRef::new(&file.id)]);
    assert_eq!(message.recipients.len(), 1);
    assert_eq!(message.recipients[0].encrypted_key, encrypted_key);
    assert!(message.recipients[0].received_at.is_some());
    let listed = b.client.list_messages(&[&sent.id]).await.unwrap();
    assert_eq!(listed.len(), 1);
    let seen_by_sender = a.client.get_message(&sent.id).await.unwrap();
    assert!(seen_by_sender.recipients[0].received_at.is_some());

    let metadata = b.client.get_file_metadata(&file.id).await.unwrap();
    assert_eq!(metadata.cipher_hash, cipher_hash);
    assert_eq!(metadata.encrypted_properties, properties);
    assert_eq!(metadata.owner_signature, file.owner_signature);
    let downloaded = b.client.download_file(&file.id).await.unwrap();
    assert_eq!(downloaded, bytes);
    assert_eq!(
        b64url_encode(&nmshd_crypto::hash::sha512(&downloaded)),
        metadata.cipher_hash
    );
    let listed = b.client.list_files(&[&file.id]).await.unwrap();
    assert_eq!(listed.len(), 1);

    // a third identity without relationship cannot be messaged
    let c = onboard(&anon).await;
    let error = a
        .client
        .send_message(&SendMessageRequest {
            recipients: vec![SendMessageRecipient {
                address: c.address.clone(),
                encrypted_key,
            }],
            body,
            attachments: Vec::new(),
        })
        .await
        .unwrap_err();
    assert!(
        error.has_code("error.platform.validation.message.noRelationshipToRecipientExists"),
        "{error:?}"
    );
    assert!(
        c.client
            .get_message(&sent.id)
            .await
            .unwrap_err()
            .is_not_found()
    );
    backbone.stop().await;
}

#[tokio::test]
async fn file_ownership_and_deletion() {
    let (backbone, a, b) = two_identities().await;
    let bytes = random_bytes::<100>().to_vec();
    let file = a
        .client
        .upload_file(&UploadFileRequest {
            content: bytes.clone(),
            cipher_hash: b64url_encode(&nmshd_crypto::hash::sha512(&bytes)),
            owner: a.address.clone(),
            owner_signature: content(),
            expires_at: in_seconds(86_400),
            encrypted_properties: content(),
        })
        .await
        .unwrap();
    let valid = a
        .client
        .validate_file_ownership_token(&file.id, &file.ownership_token)
        .await
        .unwrap();
    assert!(valid.is_valid);
    let regenerated = a
        .client
        .regenerate_file_ownership_token(&file.id)
        .await
        .unwrap();
    assert_ne!(regenerated.new_ownership_token, file.ownership_token);
    assert!(
        !a.client
            .validate_file_ownership_token(&file.id, &file.ownership_token)
            .await
            .unwrap()
            .is_valid
    );
    let error = b
        .client
        .regenerate_file_ownership_token(&file.id)
        .await
        .unwrap_err();
    assert!(error.is_forbidden(), "{error:?}");
    let claimed = b
        .client
        .claim_file_ownership(&file.id, &regenerated.new_ownership_token)
        .await
        .unwrap();
    assert_eq!(claimed.new_ownership_token.len(), 20);
    assert_eq!(
        b.client.get_file_metadata(&file.id).await.unwrap().owner,
        b.address
    );
    let events = sync_all(&a.client).await;
    assert!(
        events
            .iter()
            .any(|e| e.event_type == ExternalEventType::FileOwnershipClaimed
                && e.payload["fileId"] == file.id.as_str())
    );

    let error = b.client.delete_file(&file.id).await.unwrap_err();
    assert!(error.is_forbidden(), "{error:?}");
    a.client.delete_file(&file.id).await.unwrap();
    assert!(
        a.client
            .get_file_metadata(&file.id)
            .await
            .unwrap_err()
            .is_not_found()
    );
    backbone.stop().await;
}

#[tokio::test]
async fn sync_runs_redeliver_failed_events_and_datawallet_modifications() {
    let (backbone, a, b) = two_identities().await;
    let started = a
        .client
        .start_sync_run(SyncRunType::ExternalEventSync, None)
        .await
        .unwrap();
    assert_eq!(started.status, StartSyncRunStatus::NoNewEvents);
    assert!(started.sync_run.is_none());

    let id = request_relationship(&a, &b).await;
    let run = a
        .client
        .start_sync_run(SyncRunType::ExternalEventSync, Some(60))
        .await
        .unwrap()
        .sync_run
        .unwrap();
    assert_eq!(run.event_count, 1);
    assert_eq!(a.client.get_sync_run(&run.id).await.unwrap().id, run.id);
    let error = a
        .client
        .start_sync_run(SyncRunType::ExternalEventSync, None)
        .await
        .unwrap_err();
    assert!(
        error.has_code(
            "error.platform.validation.syncRun.cannotStartSyncRunWhenAnotherSyncRunIsRunning"
        ),
        "{error:?}"
    );
    let events = a.client.get_external_events(&run.id).await.unwrap();
    assert_eq!(events[0].payload["relationshipId"], id.as_str());
    assert_eq!(events[0].sync_error_count, 0);
    let finalized = a
        .client
        .finalize_external_event_sync(
            &run.id,
            &FinalizeExternalEventSyncRequest {
                external_event_results: vec![ExternalEventResult::failed(
                    &events[0].id,
                    "error.transport.unknown",
                )],
                datawallet_modifications: Vec::new(),
            },
        )
        .await
        .unwrap();
    // a failed event is redelivered, but does not ask the client to loop
    assert!(!finalized.new_unsynced_external_events_exist);
    let redelivered = sync_all(&a.client).await;
    assert_eq!(redelivered.len(), 1);
    assert_eq!(redelivered[0].id, events[0].id);
    assert_eq!(redelivered[0].sync_error_count, 1);
    assert!(sync_all(&a.client).await.is_empty());

    // datawallet modifications: indexes from 0, localIndex filter
    let modification = |object: &str| PushDatawalletModification {
        object_identifier: object.into(),
        payload_category: Some("TechnicalData".into()),
        collection: "Files".into(),
        modification_type: DatawalletModificationType::Create,
        encrypted_payload: Some(content()),
        datawallet_version: 1,
    };
    let pushed = a
        .client
        .push_datawallet_modifications(&PushDatawalletModificationsRequest {
            local_index: None,
            modifications: vec![
                modification("FILa1b2c3d4e5f6g7h8i"),
                modification("FILb1b2c3d4e5f6g7h8i"),
            ],
        })
        .await
        .unwrap();
    assert_eq!(pushed.new_index, 1);
    let indexes: Vec<_> = pushed.modifications.iter().map(|m| m.index).collect();
    assert_eq!(indexes, [0, 1]);
    let error = a
        .client
        .push_datawallet_modifications(&PushDatawalletModificationsRequest {
            local_index: Some(0),
            modifications: vec![modification("FILc1b2c3d4e5f6g7h8i")],
        })
        .await
        .unwrap_err();
    assert!(
        error.has_code("error.platform.validation.datawallet.datawalletNotUpToDate"),
        "{error:?}"
    );
    let all = a.client.get_datawallet_modifications(None).await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].object_identifier, "FILa1b2c3d4e5f6g7h8i");
    assert_eq!(all[0].modification_type, DatawalletModificationType::Create);
    let newer = a
        .client
        .get_datawallet_modifications(Some(0))
        .await
        .unwrap();
    assert_eq!(newer.len(), 1);
    assert_eq!(newer[0].index, 1);
    assert!(b64url_decode(newer[0].encrypted_payload.as_deref().unwrap()).is_ok());
    backbone.stop().await;
}

#[tokio::test]
async fn deletion_process_start_get_cancel() {
    let backbone = start_backbone().await;
    let anon = anonymous(&backbone);
    let a = onboard(&anon).await;
    let process = a.client.start_deletion_process(Some(14)).await.unwrap();
    assert!(process.id.starts_with("IDP"));
    assert_eq!(process.status.as_str(), "Active");
    let error = a
        .client
        .start_sync_run(SyncRunType::ExternalEventSync, None)
        .await
        .unwrap_err();
    assert!(
        error.has_code(
            "error.platform.validation.syncRun.cannotStartSyncRunWhileIdentityIsToBeDeleted"
        ),
        "{error:?}"
    );
    assert_eq!(
        a.client.get_deletion_process(&process.id).await.unwrap().id,
        process.id
    );
    assert_eq!(a.client.list_deletion_processes().await.unwrap().len(), 1);
    let cancelled = a.client.cancel_deletion_process(&process.id).await.unwrap();
    assert_eq!(cancelled.status.as_str(), "Cancelled");
    assert!(sync_all(&a.client).await.is_empty());
    backbone.stop().await;
}
