//! The enmeshed transport layer in Rust, for one organization identity.
//!
//! [`Transport::open`] loads the identity from the store or, on first start, onboards it against
//! the Backbone. The areas (templates, tokens, relationships, messages, files) each live in their
//! own module; [`sync`] pulls external events and hands each to the area that applies it.
//! Everything local is a document in the [`connector_store::Store`]; every racy change is a
//! compare-and-set, so several replicas can share one store.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod account;
pub mod challenges;
mod config;
mod decomposition;
pub mod documents;
mod error;
pub mod events;
pub mod files;
pub mod identity_deletion;
pub mod identity_metadata;
mod indexes;
pub mod messages;
pub mod notifications;
pub mod outbox;
mod protection;
pub mod relationship_lifecycle;
pub mod relationships;
mod send_counters;
pub mod sync;
pub mod templates;
pub mod test_hooks;
pub mod tokens;

use std::sync::Arc;

use backbone_client::{AuthenticatedClient, BackboneClient};
use connector_store::Store;

pub use account::Account;
pub use config::{DEFAULT_SEND_COUNTER_BLOCK, LeaseTimings, TransportConfig};
pub use error::{Result, TransportError};
pub use events::{EventId, TransportEvent, TransportEvents};
pub use protection::{PASSWORD_LOCATION_OPTIONS, PasswordProtection, PasswordProtectionInput};

/// The transport layer of the Connector's identity. Cheap to clone.
#[derive(Clone)]
pub struct Transport {
    inner: Arc<Inner>,
}

struct Inner {
    config: TransportConfig,
    store: Arc<dyn Store>,
    account: Account,
    backbone: AuthenticatedClient,
    events: TransportEvents,
    /// Concurrent syncs of this process share one run.
    sync_lock: tokio::sync::Mutex<()>,
    /// State of the layers above that belongs to this identity (see [`Transport::context`]).
    contexts: std::sync::Mutex<Contexts>,
    /// Transmit counters this process reserved and has not used yet.
    send_counters: send_counters::SendCounters,
}

/// One value per type: the per-identity contexts of the layers above the transport.
type Contexts = std::collections::HashMap<std::any::TypeId, Arc<dyn std::any::Any + Send + Sync>>;

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("address", &self.inner.account.address)
            .field("base_url", &self.inner.config.base_url)
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// Loads the identity from the store, onboarding it first if the store has none.
    pub async fn open(config: TransportConfig, store: Arc<dyn Store>) -> Result<Self> {
        indexes::ensure(store.as_ref()).await?;
        let anonymous = BackboneClient::new(config.client_config())?;
        let account = account::load_or_onboard(&config, store.as_ref(), &anonymous).await?;
        let backbone = anonymous.authenticated(account.device_credentials());
        let outbox = outbox::Outbox::open_until(
            Arc::clone(&store),
            config.leases.clone(),
            config.outbox.clone(),
            config.shutdown.clone(),
        )
        .await?;
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                store,
                account,
                backbone,
                events: TransportEvents::durable(outbox),
                sync_lock: tokio::sync::Mutex::new(()),
                contexts: std::sync::Mutex::default(),
                send_counters: send_counters::SendCounters::default(),
            }),
        })
    }

    /// The organization identity.
    pub fn account(&self) -> &Account {
        &self.inner.account
    }

    /// The identity's address.
    pub fn address(&self) -> &str {
        &self.inner.account.address
    }

    /// The document store.
    pub fn store(&self) -> &dyn Store {
        self.inner.store.as_ref()
    }

    /// The logged-in Backbone client of the identity's device.
    pub fn backbone(&self) -> &AuthenticatedClient {
        &self.inner.backbone
    }

    /// Configuration.
    pub fn config(&self) -> &TransportConfig {
        &self.inner.config
    }

    /// Events for modules (webhooks, SSE, message brokers).
    pub fn events(&self) -> &TransportEvents {
        &self.inner.events
    }

    /// The context of type `T` of this identity, created on first use: state of a layer above
    /// (e.g. the consumption layer's automation rules, requests being decided, caches) that
    /// lives as long as this Connector's transport, so two Connectors in one process (or one
    /// after another) never share it, unlike process-wide statics.
    pub fn context<T: Default + Send + Sync + 'static>(&self) -> Arc<T> {
        let mut contexts = self
            .inner
            .contexts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry = contexts
            .entry(std::any::TypeId::of::<T>())
            .or_insert_with(|| Arc::new(T::default()) as Arc<dyn std::any::Any + Send + Sync>);
        match Arc::clone(entry).downcast::<T>() {
            Ok(context) => context,
            // Unreachable: the entry of T's TypeId holds a T.
            Err(_) => Arc::new(T::default()),
        }
    }
}
