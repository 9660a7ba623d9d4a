//! Read-modify-write with compare-and-set and bounded retries: the standard way to change a
//! document that other tasks or replicas may change at the same time (e.g. a relationship's
//! send counter). The change function may run several times, so it must be pure.

use serde_json::Value;

use crate::Store;
use crate::error::{Result, StoreError};

/// Reads `id`, applies `change`, writes with compare-and-set, and repeats on a lost race up to
/// `max_attempts` times. Returns the stored document. A missing document is
/// [`StoreError::NotFound`]; after `max_attempts` lost races the last conflict is returned.
pub async fn update_with_retry<F>(
    store: &dyn Store,
    collection: &str,
    id: &str,
    max_attempts: usize,
    mut change: F,
) -> Result<Value>
where
    F: FnMut(&mut Value) -> Result<()> + Send,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        let Some(mut document) = store.get(collection, id).await? else {
            return Err(StoreError::NotFound {
                collection: collection.to_owned(),
                id: id.to_owned(),
            });
        };
        change(&mut document)?;
        match store.replace(collection, document).await {
            Err(error) if error.is_conflict() && attempt < max_attempts.max(1) => {
                // Another writer won; yield so it can finish before we read again.
                tokio::task::yield_now().await;
            }
            other => return other,
        }
    }
}
