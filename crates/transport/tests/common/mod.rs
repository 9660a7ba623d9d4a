//! What the Transport tests (and the actors' tests, by `#[path]`) share: a Transport on a fresh in-memory store, dates ahead, a
//! relationship between two Transports.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use connector_store::{EmbeddedStore, Store};
use connector_transport::templates::NewTemplate;
use connector_transport::{Transport, TransportConfig};
use nmshd_wire::CoreDate;
use serde_json::json;

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

/// A offers a template, B loads it and asks for a relationship; the relationship's id. A has
/// not synced it yet.
pub async fn request_relationship(a: &Transport, b: &Transport) -> String {
    let own = a
        .create_own_template(NewTemplate {
            content: json!({"@type": "ArbitraryRelationshipTemplateContent", "value": {}}),
            expires_at: in_days(1),
            max_number_of_allocations: None,
            for_identity: None,
            password_protection: None,
        })
        .await
        .unwrap();
    let reference = own.reference(&a.config().base_url).unwrap().truncate();
    b.load_peer_template(&reference, None).await.unwrap();
    let created = b
        .create_relationship(
            &own.id,
            json!({"@type": "ArbitraryRelationshipCreationContent", "value": {}}),
        )
        .await
        .unwrap();
    created.id
}

/// A offers a template, B requests, A accepts; the relationship id.
pub async fn relate(a: &Transport, b: &Transport) -> String {
    let id = request_relationship(a, b).await;
    a.sync_everything().await.unwrap();
    a.accept_relationship(&id).await.unwrap();
    b.sync_everything().await.unwrap();
    id
}
