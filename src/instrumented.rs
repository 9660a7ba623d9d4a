//! Tracing wrappers for the store and the leases: every call runs in a `store.<operation>` span
//! (with the collection) or a `lease.<operation>` span (with the lease name), so exported traces
//! show them under the request or actor span that made them. Lease changes (acquired, lost on
//! renewal, released) also count in `connector_lease_changes`, and compare-and-set writes lost to
//! another writer in `connector_store_conflicts` (see `observability/METRICS.md`).

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_trait::async_trait;
use connector_lease::{Lease, LeaseManager};
use connector_store::{FieldShape, Filter, FindOptions, Result, Store};
use opentelemetry::KeyValue;
use opentelemetry::metrics::Counter;
use serde_json::Value;
use tracing::Instrument;

/// A [`Store`] whose calls run in `store.<operation>` spans.
#[derive(Debug)]
pub struct TracedStore {
    inner: Arc<dyn Store>,
}

impl TracedStore {
    /// Wraps `inner`.
    pub fn wrap(inner: Arc<dyn Store>) -> Arc<dyn Store> {
        Arc::new(Self { inner })
    }
}

fn store_span(operation: &'static str, collection: &str) -> tracing::Span {
    tracing::info_span!(
        "store",
        otel.name = format!("store.{operation}"),
        otel.kind = "client",
        db.operation.name = operation,
        db.collection.name = collection,
    )
}

/// The log target of the debug line per lost compare-and-set (`RUST_LOG=…,connector::store_conflicts=debug`
/// shows them; `loadtests/replicas` counts them).
pub const STORE_CONFLICTS_TARGET: &str = "connector::store_conflicts";

fn store_conflicts() -> &'static Counter<u64> {
    static COUNTER: OnceLock<Counter<u64>> = OnceLock::new();
    COUNTER.get_or_init(|| {
        opentelemetry::global::meter("connector")
            .u64_counter("connector_store_conflicts")
            .with_description(
                "Compare-and-set writes (replace, versioned delete) refused because another writer changed the document first",
            )
            .build()
    })
}

/// Counts a compare-and-set lost to another writer (each is retried or given up by its caller).
fn count_lost_race<T>(outcome: &Result<T>, operation: &'static str, collection: &str) {
    if let Err(e) = outcome
        && e.is_conflict()
    {
        store_conflicts().add(
            1,
            &[
                KeyValue::new("collection", collection.to_owned()),
                KeyValue::new("operation", operation),
            ],
        );
        tracing::debug!(
            target: STORE_CONFLICTS_TARGET,
            collection,
            operation,
            "compare-and-set lost a race"
        );
    }
}

#[async_trait]
impl Store for TracedStore {
    fn record_locks(&self) -> &connector_store::RecordLocks {
        self.inner.record_locks()
    }

    async fn get(&self, collection: &str, id: &str) -> Result<Option<Value>> {
        self.inner
            .get(collection, id)
            .instrument(store_span("get", collection))
            .await
    }

    async fn find_with(
        &self,
        collection: &str,
        filter: &Filter,
        options: &FindOptions,
    ) -> Result<Vec<Value>> {
        self.inner
            .find_with(collection, filter, options)
            .instrument(store_span("find", collection))
            .await
    }

    async fn find(&self, collection: &str, filter: &Filter) -> Result<Vec<Value>> {
        self.inner
            .find(collection, filter)
            .instrument(store_span("find", collection))
            .await
    }

    async fn count(&self, collection: &str, filter: &Filter) -> Result<usize> {
        self.inner
            .count(collection, filter)
            .instrument(store_span("count", collection))
            .await
    }

    async fn insert(&self, collection: &str, document: Value) -> Result<Value> {
        self.inner
            .insert(collection, document)
            .instrument(store_span("insert", collection))
            .await
    }

    async fn replace(&self, collection: &str, document: Value) -> Result<Value> {
        let outcome = self
            .inner
            .replace(collection, document)
            .instrument(store_span("replace", collection))
            .await;
        count_lost_race(&outcome, "replace", collection);
        outcome
    }

    async fn delete(
        &self,
        collection: &str,
        id: &str,
        expected_version: Option<u64>,
    ) -> Result<bool> {
        let outcome = self
            .inner
            .delete(collection, id, expected_version)
            .instrument(store_span("delete", collection))
            .await;
        if expected_version.is_some() {
            count_lost_race(&outcome, "delete", collection);
        }
        outcome
    }

    async fn ensure_unique_index(&self, collection: &str, field: &str) -> Result<()> {
        self.inner
            .ensure_unique_index(collection, field)
            .instrument(store_span("ensure_unique_index", collection))
            .await
    }

    async fn ensure_index(&self, collection: &str, field: &str, shape: FieldShape) -> Result<()> {
        self.inner
            .ensure_index(collection, field, shape)
            .instrument(store_span("ensure_index", collection))
            .await
    }

    async fn check_health(&self) -> Result<()> {
        self.inner
            .check_health()
            .instrument(store_span("check_health", ""))
            .await
    }
}

/// A [`LeaseManager`] whose calls run in `lease.<operation>` spans and whose changes are counted.
#[derive(Debug)]
pub struct TracedLeases {
    inner: Arc<dyn LeaseManager>,
}

impl TracedLeases {
    /// Wraps `inner`.
    pub fn wrap(inner: Arc<dyn LeaseManager>) -> Arc<dyn LeaseManager> {
        Arc::new(Self { inner })
    }
}

fn lease_span(operation: &'static str, name: &str) -> tracing::Span {
    tracing::info_span!(
        "lease",
        otel.name = format!("lease.{operation}"),
        otel.kind = "client",
        lease.name = name,
    )
}

fn lease_changes() -> &'static Counter<u64> {
    static COUNTER: OnceLock<Counter<u64>> = OnceLock::new();
    COUNTER.get_or_init(|| {
        opentelemetry::global::meter("connector")
            .u64_counter("connector_lease_changes")
            .with_description("Lease changes by lease name and change (acquired, lost, released)")
            .build()
    })
}

fn lease_changed(name: &str, change: &'static str) {
    lease_changes().add(
        1,
        &[
            KeyValue::new("lease", name.to_owned()),
            KeyValue::new("change", change),
        ],
    );
}

#[async_trait]
impl LeaseManager for TracedLeases {
    async fn try_acquire(
        &self,
        name: &str,
        ttl: Duration,
    ) -> connector_lease::Result<Option<Lease>> {
        let lease = self
            .inner
            .try_acquire(name, ttl)
            .instrument(lease_span("try_acquire", name))
            .await?;
        if lease.is_some() {
            lease_changed(name, "acquired");
        }
        Ok(lease)
    }

    async fn renew(&self, lease: &Lease, ttl: Duration) -> connector_lease::Result<bool> {
        let held = self
            .inner
            .renew(lease, ttl)
            .instrument(lease_span("renew", &lease.name))
            .await?;
        if !held {
            lease_changed(&lease.name, "lost");
        }
        Ok(held)
    }

    async fn release(&self, lease: &Lease) -> connector_lease::Result<bool> {
        let released = self
            .inner
            .release(lease)
            .instrument(lease_span("release", &lease.name))
            .await?;
        if released {
            lease_changed(&lease.name, "released");
        }
        Ok(released)
    }

    async fn raise_fencing_token(
        &self,
        lease: &Lease,
        above: u64,
    ) -> connector_lease::Result<Option<u64>> {
        self.inner
            .raise_fencing_token(lease, above)
            .instrument(lease_span("raise_fencing_token", &lease.name))
            .await
    }
}
