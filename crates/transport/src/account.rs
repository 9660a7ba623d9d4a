//! The organization identity: created once on the Backbone (onboarding), then loaded from the store.
//!
//! Onboarding (backbone-api §9.1): challenge → identity creation with the challenge signed by a
//! fresh identity key → check that the Backbone derived the same address → login → datawallet
//! version upgrade. The account document has a fixed id, so when several replicas onboard at
//! once only one insert wins and everyone continues with the winner's identity.

use std::time::Duration;

use backbone_client::dto::{
    CreateIdentityRequest, FinalizeDatawalletVersionUpgradeRequest, SignedChallenge, SyncRunType,
};
use backbone_client::{BackboneClient, DeviceCredentials};
use connector_store::Store;
use nmshd_crypto::signature::{SignatureKeypair, SignaturePrivateKey};
use nmshd_crypto::{SignaturePublicKey, derive_address};
use nmshd_wire::{Challenge, ChallengeSigned, ChallengeType, CoreDate};
use serde::{Deserialize, Serialize};

use crate::config::TransportConfig;
use crate::documents::{self, Record};
use crate::error::{Result, TransportError};

/// The datawallet version this implementation speaks.
const DATAWALLET_VERSION: u16 = 1;
const ACCOUNT_ID: &str = "identity";

/// The stored identity and its device. Private keys never leave the Connector.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// Always `identity`: one account per Connector.
    pub id: String,
    pub address: String,
    /// `CryptoSignatureKeypair` JSON of the identity key.
    identity_keypair: String,
    pub device_id: String,
    pub username: String,
    password: String,
    /// `CryptoSignatureKeypair` JSON of the device key.
    device_keypair: String,
    pub created_at: String,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("address", &self.address)
            .field("device_id", &self.device_id)
            .finish_non_exhaustive()
    }
}

impl Record for Account {
    const COLLECTION: &'static str = "Account";
}

impl Account {
    pub fn device_credentials(&self) -> DeviceCredentials {
        DeviceCredentials::new(&self.username, &self.password)
    }

    fn keypair(json: &str) -> SignatureKeypair {
        // Checked when the account was loaded (check_keys); it cannot fail here.
        SignatureKeypair::from_json(json).unwrap_or_else(|e| {
            panic!("the stored account keypair is unreadable ({e}); the store was changed by hand")
        })
    }

    /// The identity signing key.
    pub fn identity_key(&self) -> SignaturePrivateKey {
        Self::keypair(&self.identity_keypair).private
    }

    pub fn identity_public_key(&self) -> SignaturePublicKey {
        Self::keypair(&self.identity_keypair).public
    }

    /// The device signing key.
    pub fn device_key(&self) -> SignaturePrivateKey {
        Self::keypair(&self.device_keypair).private
    }

    pub fn device_public_key(&self) -> SignaturePublicKey {
        Self::keypair(&self.device_keypair).public
    }

    /// The identity as wire objects embed it.
    pub fn wire_identity(&self) -> nmshd_wire::Identity {
        nmshd_wire::Identity {
            address: self.address.clone(),
            public_key: self.identity_public_key(),
        }
    }
}

/// A device password like the TypeScript runtime's: 50 random characters of mixed classes.
fn new_device_password() -> String {
    const ALPHABET: &[u8] =
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!$%&/()=?*+#-_.:,;";
    let mut password: String = nmshd_crypto::random_bytes::<47>()
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    // One of each class, so the production password rules always hold.
    password.push_str("a1!");
    password
}

pub(crate) async fn load_or_onboard(
    config: &TransportConfig,
    store: &dyn Store,
    backbone: &BackboneClient,
) -> Result<Account> {
    let Some(leases) = &config.leases else {
        return load_or_onboard_unleased(config, store, backbone).await;
    };
    // With several replicas: whoever holds the lease onboards, the others wait for its account,
    // so the Backbone sees exactly one new identity.
    let timings = config.lease_timings;
    let deadline = tokio::time::Instant::now() + timings.onboarding_wait;
    loop {
        if let Some(stored) = documents::get::<Account>(store, ACCOUNT_ID).await? {
            return check_keys(stored.record);
        }
        let lease = leases
            .try_acquire("onboarding", timings.onboarding_ttl)
            .await
            .map_err(|e| TransportError::Onboarding(format!("the onboarding lease: {e}")))?;
        if let Some(lease) = lease {
            let result = load_or_onboard_unleased(config, store, backbone).await;
            if let Err(e) = leases.release(&lease).await {
                tracing::warn!(error = %e, "could not release the onboarding lease; it expires by itself");
            }
            return result;
        }
        if tokio::time::Instant::now() > deadline {
            return Err(TransportError::Onboarding(
                "another replica holds the onboarding lease and has not finished".into(),
            ));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn load_or_onboard_unleased(
    config: &TransportConfig,
    store: &dyn Store,
    backbone: &BackboneClient,
) -> Result<Account> {
    if let Some(stored) = documents::get::<Account>(store, ACCOUNT_ID).await? {
        return check_keys(stored.record);
    }
    let account = onboard(config, backbone).await?;
    match documents::insert(store, &account).await {
        Ok(stored) => {
            tracing::info!(address = %stored.record.address, "onboarded the identity");
            Ok(stored.record)
        }
        // Another replica onboarded at the same time and won: use its identity.
        Err(TransportError::Store(e)) if e.is_conflict() => {
            tracing::warn!(
                discarded = %account.address,
                "another replica onboarded first; using its identity"
            );
            documents::get::<Account>(store, ACCOUNT_ID)
                .await?
                .map(|s| s.record)
                .ok_or_else(|| TransportError::Onboarding("the account vanished".into()))
        }
        Err(e) => Err(e),
    }
}

/// Refuses an account whose stored keys do not parse, so the key accessors cannot fail later.
fn check_keys(account: Account) -> Result<Account> {
    for json in [&account.identity_keypair, &account.device_keypair] {
        SignatureKeypair::from_json(json).map_err(|e| TransportError::Corrupt {
            collection: Account::COLLECTION,
            why: format!("a stored keypair does not parse: {e}"),
        })?;
    }
    Ok(account)
}

async fn onboard(config: &TransportConfig, backbone: &BackboneClient) -> Result<Account> {
    let identity = SignatureKeypair::generate();
    let device = SignatureKeypair::generate();
    let password = new_device_password();

    let challenge = backbone.create_challenge().await?;
    let challenge = Challenge {
        id: challenge.id,
        expires_at: CoreDate::parse(&challenge.expires_at)?,
        created_by: None,
        created_by_device: None,
        challenge_type: ChallengeType::Identity,
    };
    let signed = ChallengeSigned::sign(&challenge, &identity.private);
    let created = backbone
        .create_identity(&CreateIdentityRequest {
            identity_public_key: identity.public.to_base64(),
            device_password: password.clone(),
            signed_challenge: SignedChallenge {
                challenge: signed.challenge.clone(),
                signature: signed.signature.to_base64(),
            },
            identity_version: 1,
        })
        .await?;
    let expected = derive_address(identity.public.as_bytes(), &config.address_hostname());
    if created.address != expected {
        return Err(TransportError::Onboarding(format!(
            "the Backbone created {} but the identity key derives {expected}; check transportLibrary.addressGenerationHostnameOverride",
            created.address
        )));
    }
    let client =
        backbone.authenticated(DeviceCredentials::new(&created.device.username, &password));
    let run = client
        .start_sync_run(SyncRunType::DatawalletVersionUpgrade, None)
        .await?;
    if let Some(run) = run.sync_run {
        client
            .finalize_datawallet_version_upgrade(
                &run.id,
                &FinalizeDatawalletVersionUpgradeRequest {
                    new_datawallet_version: DATAWALLET_VERSION,
                    datawallet_modifications: Vec::new(),
                },
            )
            .await?;
    }
    Ok(Account {
        id: ACCOUNT_ID.into(),
        address: created.address,
        identity_keypair: identity.to_json(true),
        device_id: created.device.id,
        username: created.device.username,
        password,
        device_keypair: device.to_json(true),
        created_at: created.created_at,
    })
}
