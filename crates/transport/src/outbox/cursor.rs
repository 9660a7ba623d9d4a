//! A consumer's progress through the outbox: the next sequence number to handle and the numbers
//! it moved past while they were missing (`gaps`, still handled should they appear). Written
//! only by the holder of the consumer's lease: the document carries the holder's fencing token,
//! and a write is refused once a holder with a newer token has written (checked on the version
//! the compare-and-set replaces, so no write slips in between the check and the write).

use connector_store::Store;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{CURSORS, now_millis};
use crate::{Result, TransportError};

/// Most numbers one skip keeps watching.
const MAX_NEW_GAPS: u64 = 100;

/// A number the consumer moved past while it was missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Gap {
    pub seq: u64,
    /// When the consumer gave up waiting for it (unix ms).
    pub since_ms: i64,
}

/// How cursor writes are guarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fence {
    /// A lease shared by replicas: writes carry its fencing token.
    Token(u64),
    /// A process-local lease (one process per store): nothing to compare.
    Exclusive,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    id: String,
    next: u64,
    #[serde(default)]
    gaps: Vec<Gap>,
    #[serde(default)]
    fencing_token: u64,
    #[serde(default)]
    updated_at_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    version: Option<u64>,
}

/// One consumer's cursor as loaded.
#[derive(Debug, Clone)]
pub struct Cursor {
    document: Document,
}

impl Cursor {
    /// The stored cursor of `consumer`, or a new one at `start`.
    pub async fn load(store: &dyn Store, consumer: &str, start: u64) -> Result<Self> {
        let document = match store.get(CURSORS, consumer).await? {
            Some(stored) => parse(stored)?,
            None => Document {
                id: consumer.to_owned(),
                next: start,
                gaps: vec![],
                fencing_token: 0,
                updated_at_ms: now_millis(),
                version: None,
            },
        };
        Ok(Self { document })
    }

    /// Never saved yet.
    pub fn is_new(&self) -> bool {
        self.document.version.is_none()
    }

    /// The next number to handle.
    pub fn next(&self) -> u64 {
        self.document.next
    }

    /// The numbers skipped while missing.
    pub fn gap_numbers(&self) -> Vec<u64> {
        self.document.gaps.iter().map(|g| g.seq).collect()
    }

    pub fn is_gap(&self, seq: u64) -> bool {
        self.document.gaps.iter().any(|g| g.seq == seq)
    }

    /// `seq` was handled: moves past it (or removes it from the gaps).
    pub fn handled(&mut self, seq: u64) {
        if seq >= self.document.next {
            self.document.next = seq + 1;
        } else {
            self.document.gaps.retain(|g| g.seq != seq);
        }
    }

    /// Moves past the missing numbers below `seq`, keeping them as gaps.
    pub fn skip_to(&mut self, seq: u64) {
        let now = now_millis();
        // A long run of missing numbers is no write in flight (e.g. pruned before this cursor
        // existed): only the last ones are watched.
        let from = self.document.next.max(seq.saturating_sub(MAX_NEW_GAPS));
        for missing in from..seq {
            self.document.gaps.push(Gap {
                seq: missing,
                since_ms: now,
            });
        }
        self.document.next = self.document.next.max(seq);
    }

    /// Forgets gaps watched for longer than `keep_ms`.
    pub fn expire_gaps(&mut self, keep_ms: i64) {
        let oldest = now_millis() - keep_ms;
        self.document.gaps.retain(|g| g.since_ms >= oldest);
    }

    /// Writes the cursor; [`TransportError::Fenced`] when a newer lease holder wrote it.
    pub async fn save(&mut self, store: &dyn Store, fence: Fence) -> Result<()> {
        loop {
            let mut document = self.document.clone();
            document.updated_at_ms = now_millis();
            if let Fence::Token(token) = fence {
                document.fencing_token = token;
            }
            let value = serde_json::to_value(&document).map_err(|e| corrupt(e.to_string()))?;
            let written = match document.version {
                None => store.insert(CURSORS, value).await,
                Some(_) => store.replace(CURSORS, value).await,
            };
            match written {
                Ok(stored) => {
                    self.document = parse(stored)?;
                    return Ok(());
                }
                Err(e) if e.is_conflict() => {
                    // Somebody else wrote it: a stale holder (older token) may be overwritten,
                    // a newer one may not.
                    let Some(stored) = store.get(CURSORS, &document.id).await? else {
                        self.document.version = None;
                        continue;
                    };
                    let stored = parse(stored)?;
                    if let Fence::Token(token) = fence
                        && stored.fencing_token > token
                    {
                        return Err(TransportError::Fenced(format!(
                            "the cursor of '{}' was written under a newer lease",
                            document.id
                        )));
                    }
                    self.document.version = stored.version;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
}

/// Every cursor: consumer, next number, lowest gap, last write (unix ms).
pub async fn all(store: &dyn Store) -> Result<Vec<(String, u64, Option<u64>, i64)>> {
    store
        .find(CURSORS, &connector_store::Filter::All)
        .await?
        .into_iter()
        .map(|d| {
            let d = parse(d)?;
            let lowest_gap = d.gaps.iter().map(|g| g.seq).min();
            Ok((d.id, d.next, lowest_gap, d.updated_at_ms))
        })
        .collect()
}

fn corrupt(why: String) -> TransportError {
    TransportError::Corrupt {
        collection: CURSORS,
        why,
    }
}

fn parse(stored: Value) -> Result<Document> {
    serde_json::from_value(stored).map_err(|e| corrupt(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_newer_lease_fences_an_older_holder_out() {
        let store = connector_store::EmbeddedStore::in_memory().unwrap();
        let mut old = Cursor::load(&store, "webhook:a", 1).await.unwrap();
        old.handled(1);
        old.save(&store, Fence::Token(1)).await.unwrap();
        let mut new = Cursor::load(&store, "webhook:a", 1).await.unwrap();
        assert_eq!(new.next(), 2);
        new.handled(2);
        new.save(&store, Fence::Token(2)).await.unwrap();
        old.handled(2);
        let refused = old.save(&store, Fence::Token(1)).await.unwrap_err();
        assert!(matches!(refused, TransportError::Fenced(_)), "{refused:?}");
        // The newer holder goes on.
        new.handled(3);
        new.save(&store, Fence::Token(2)).await.unwrap();
        assert_eq!(
            Cursor::load(&store, "webhook:a", 1).await.unwrap().next(),
            4
        );
    }

    #[test]
    fn skipped_numbers_are_kept_until_they_appear_or_expire() {
        let mut cursor = Cursor {
            document: Document {
                id: "c".into(),
                next: 3,
                gaps: vec![],
                fencing_token: 0,
                updated_at_ms: 0,
                version: None,
            },
        };
        cursor.skip_to(6);
        assert_eq!(cursor.gap_numbers(), vec![3, 4, 5]);
        assert_eq!(cursor.next(), 6);
        cursor.handled(4);
        assert_eq!(cursor.gap_numbers(), vec![3, 5]);
        cursor.handled(6);
        assert_eq!(cursor.next(), 7);
        cursor.expire_gaps(60_000);
        assert_eq!(cursor.gap_numbers(), vec![3, 5]);
        cursor.expire_gaps(-1);
        assert!(cursor.gap_numbers().is_empty());
    }
}
