//! Transmit counters of relationships, reserved in blocks.
//!
//! Every cipher to a peer carries a counter of the relationship's transmit state (the nonce is
//! the state's base nonce plus the counter), so a counter must never be used twice. Instead of a
//! compare-and-set on the relationship's secrets per send, a process reserves a block of
//! counters with one compare-and-set ([`Transport::with_secrets_mut`]: the stored counter moves
//! past the whole block before any of it is used) and hands them out from memory. A counter that
//! is not used (the process dies, a send is refused after encryption, the process stops with
//! part of a block left) is skipped for good: no process reserves it again, as the stored counter
//! only grows. That is safe for the peer, which decrypts by the cipher's own counter and never
//! checks the order (see "Send counters" in the README).
//!
//! The block size is [`crate::TransportConfig::send_counter_block`]
//! (`infrastructure.replicas.sendCounterBlock`); 1 reserves per send, as before.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use nmshd_crypto::RelationshipSecrets;

use crate::Transport;
use crate::error::Result;

/// A reserved block of one relationship: the counters not handed out yet, and the secrets (the
/// keys do not change once established; only the stored counter does, by reservations).
struct Block {
    secrets: Arc<RelationshipSecrets>,
    left: Range<u32>,
}

/// This process' blocks, per relationship id. One turn per relationship: a send that finds the
/// block used up reserves the next one while the others wait for it.
#[derive(Default)]
pub(crate) struct SendCounters {
    blocks: std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Block>>>>>,
}

impl SendCounters {
    fn slot(&self, relationship_id: &str) -> Arc<tokio::sync::Mutex<Option<Block>>> {
        let mut blocks = self
            .blocks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(blocks.entry(relationship_id.to_owned()).or_default())
    }
}

impl Transport {
    /// Takes a transmit counter of the relationship that no process has used or will use, and
    /// the relationship's secrets, for one encryption to the peer with
    /// [`RelationshipSecrets::encrypt_at`]. Reserves a new block (one compare-and-set on the
    /// relationship) when this process has none left.
    pub async fn take_send_counter(
        &self,
        relationship_id: &str,
    ) -> Result<(Arc<RelationshipSecrets>, u32)> {
        let slot = self.inner.send_counters.slot(relationship_id);
        let mut block = slot.lock().await;
        if let Some(current) = block.as_mut()
            && let Some(counter) = current.left.next()
        {
            return Ok((Arc::clone(&current.secrets), counter));
        }
        let size = self.config().send_counter_block.max(1);
        let (secrets, mut left) = self
            .with_secrets_mut(relationship_id, |secrets| {
                let reserved = secrets.reserve_transmit_counters(size)?;
                Ok((secrets.clone(), reserved))
            })
            .await?;
        let secrets = Arc::new(secrets);
        // `reserve` returns at least one counter.
        let Some(counter) = left.next() else {
            return Err(nmshd_crypto::CryptoError::CounterExhausted.into());
        };
        *block = Some(Block {
            secrets: Arc::clone(&secrets),
            left,
        });
        Ok((secrets, counter))
    }
}
