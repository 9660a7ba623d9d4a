//! The consumption layer's state of one identity: kept in its transport
//! ([`connector_transport::Transport::context`]), so every [`crate::Consumption`] of one
//! Connector shares it and two Connectors in one process never do.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, RwLock};

use crate::decider::AutomationConfig;
use crate::items::content::CachedTags;

#[derive(Default)]
pub(crate) struct ConsumptionContext {
    /// `modules.decider.automationConfig` (empty: every request is decided by a person).
    pub(crate) automation: RwLock<Arc<Vec<AutomationConfig>>>,
    /// Ids of the incoming requests being decided in this process right now.
    pub(crate) deciding: Mutex<HashSet<String>>,
    /// The Backbone's tag collection, with its ETag.
    pub(crate) tags: Mutex<Option<CachedTags>>,
}
