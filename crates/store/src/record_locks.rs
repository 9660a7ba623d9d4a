//! Turns for the writers of one record inside this process. Many concurrent compare-and-set
//! updates of one document (e.g. sends on one relationship) would otherwise mostly lose their
//! races and starve; with a turn each, only other processes (replicas) still race. Correctness
//! never depends on these locks: the compare-and-set does. Each store owns its own table, so
//! Connectors of different identities in one process never wait for each other.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

#[derive(Debug, Default)]
pub struct RecordLocks {
    /// One lock per record being written (removed when nobody holds or waits for it).
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl RecordLocks {
    /// Runs `work` when it is the turn of this process's writers of record `key`.
    pub async fn in_turn<F: Future>(&self, key: &str, work: F) -> F::Output {
        let lock = {
            let mut locks = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(locks.entry(key.to_owned()).or_default())
        };
        let output = {
            let _turn = lock.lock().await;
            work.await
        };
        drop(lock);
        let mut locks = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
        if locks
            .get(key)
            .is_some_and(|lock| Arc::strong_count(lock) == 1)
        {
            locks.remove(key);
        }
        output
    }
}
