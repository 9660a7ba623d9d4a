//! What the Transport tests share: a Transport on a fresh in-memory store, dates ahead.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use connector_store::{EmbeddedStore, Store};
use connector_transport::{Transport, TransportConfig};
use nmshd_wire::CoreDate;

/// A Transport for a new identity on the Backbone at `base_url`, on an in-memory store.
pub async fn transport(base_url: &str) -> Transport {
    let store: Arc<dyn Store> = Arc::new(EmbeddedStore::in_memory().unwrap());
    Transport::open(TransportConfig::new(base_url, "test", "test"), store)
        .await
        .unwrap()
}

/// Now plus `days`.
pub fn in_days(days: i64) -> CoreDate {
    CoreDate::from_offset_date_time(time::OffsetDateTime::now_utc() + time::Duration::days(days))
}

/// A new dev Backbone and two Transports on it (keep the Backbone bound: dropping it stops it).
pub async fn pair() -> (devbackbone::RunningBackbone, Transport, Transport) {
    let backbone = devbackbone::start(devbackbone::BackboneConfig::default())
        .await
        .unwrap();
    let a = transport(&backbone.base_url()).await;
    let b = transport(&backbone.base_url()).await;
    (backbone, a, b)
}
