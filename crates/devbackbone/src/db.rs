//! The server's state: tables of entities in memory, optionally journaled to disk.
//!
//! Every change goes through [`Table`]'s mutating methods, which remember the changed keys; after
//! each request the changed entries are appended to the journal (`<data dir>/journal.jsonl`, one
//! JSON line per entity version, `null` for a removal). On start the journal is replayed (the last
//! line of a key wins; a torn last line from a crash is ignored) and compacted. File contents
//! live beside it in `<data dir>/files/`.
//!
//! Hot lookups by something other than the key (a device by username, the relationships between
//! two identities, a sender's unreceived messages to one recipient, the queued events of a
//! relationship, an identity's open sync run) use derived indexes: each row names its
//! [`Indexed::index_keys`], and the table keeps `index key → row keys` up to date on every write
//! and on replay, so these stay fast with 100k rows instead of scanning the table.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::ops::RangeBounds;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::model::*;

/// The derived lookup keys of a row (secondary indexes); none by default.
pub trait Indexed {
    fn index_keys(&self) -> Vec<String> {
        Vec::new()
    }
}

/// One table: entities by key, the keys changed since the last commit, and the derived index.
#[derive(Debug)]
pub struct Table<T> {
    rows: BTreeMap<String, T>,
    changed: BTreeSet<String>,
    /// Index key → keys of the rows that name it (derived; never journaled).
    index: HashMap<String, BTreeSet<String>>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Self {
            rows: BTreeMap::new(),
            changed: BTreeSet::new(),
            index: HashMap::new(),
        }
    }
}

impl<T: Indexed> Table<T> {
    fn unindex(&mut self, key: &str, row: &T) {
        for index_key in row.index_keys() {
            if let Some(keys) = self.index.get_mut(&index_key) {
                keys.remove(key);
                if keys.is_empty() {
                    self.index.remove(&index_key);
                }
            }
        }
    }

    fn reindex(&mut self, key: &str, row: &T) {
        for index_key in row.index_keys() {
            self.index
                .entry(index_key)
                .or_default()
                .insert(key.to_owned());
        }
    }

    /// Sets a row without marking it changed (replay), keeping the index.
    fn put(&mut self, key: String, row: T) {
        if let Some(old) = self.rows.remove(&key) {
            self.unindex(&key, &old);
        }
        self.reindex(&key, &row);
        self.rows.insert(key, row);
    }

    /// Removes a row without marking it changed (replay), keeping the index.
    fn take(&mut self, key: &str) -> Option<T> {
        let row = self.rows.remove(key)?;
        self.unindex(key, &row);
        Some(row)
    }

    /// The keys of the rows naming `index_key`, in key order.
    pub fn keys_by<'a>(&'a self, index_key: &str) -> impl Iterator<Item = &'a String> + 'a {
        self.index.get(index_key).into_iter().flatten()
    }

    /// The rows naming `index_key`, in key order.
    pub fn rows_by<'a>(&'a self, index_key: &str) -> impl Iterator<Item = &'a T> + 'a {
        self.keys_by(index_key).filter_map(|key| self.rows.get(key))
    }

    /// How many rows name `index_key`.
    pub fn count_by(&self, index_key: &str) -> usize {
        self.index.get(index_key).map_or(0, BTreeSet::len)
    }
}

impl<T: Clone + Indexed> Table<T> {
    pub fn get(&self, key: &str) -> Option<&T> {
        self.rows.get(key)
    }

    pub fn contains(&self, key: &str) -> bool {
        self.rows.contains_key(key)
    }

    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.rows.values()
    }

    pub fn range<'a>(
        &'a self,
        range: impl RangeBounds<String> + 'a,
    ) -> impl Iterator<Item = (&'a String, &'a T)> + 'a {
        self.rows.range(range)
    }

    pub fn insert(&mut self, key: String, row: T) {
        self.changed.insert(key.clone());
        self.put(key, row);
    }

    /// Changes one row in place; `None` when there is none.
    pub fn update<R>(&mut self, key: &str, change: impl FnOnce(&mut T) -> R) -> Option<R> {
        let row = self.rows.get_mut(key)?;
        let before = row.index_keys();
        let result = change(row);
        let after = row.index_keys();
        self.changed.insert(key.to_owned());
        if before != after {
            for index_key in before.iter().filter(|k| !after.contains(k)) {
                if let Some(keys) = self.index.get_mut(index_key) {
                    keys.remove(key);
                    if keys.is_empty() {
                        self.index.remove(index_key);
                    }
                }
            }
            for index_key in after.into_iter().filter(|k| !before.contains(k)) {
                self.index
                    .entry(index_key)
                    .or_default()
                    .insert(key.to_owned());
            }
        }
        Some(result)
    }

    pub fn remove(&mut self, key: &str) -> Option<T> {
        let row = self.take(key)?;
        self.changed.insert(key.to_owned());
        Some(row)
    }
}

macro_rules! tables {
    ($($name:ident: $ty:ty),* $(,)?) => {
        /// All tables.
        #[derive(Debug, Default)]
        pub struct State {
            $(pub $name: Table<$ty>,)*
        }

        impl State {
            /// The journal lines for everything changed since the last call, which forgets them.
            fn drain_changes(&mut self) -> Vec<String> {
                let mut lines = Vec::new();
                $(
                    for key in std::mem::take(&mut self.$name.changed) {
                        lines.push(journal_line(stringify!($name), &key, self.$name.rows.get(&key)));
                    }
                )*
                lines
            }

            /// Applies one journal line.
            fn apply(&mut self, table: &str, key: String, row: Value) -> Result<(), String> {
                match table {
                    $(stringify!($name) => apply_row(&mut self.$name, key, row),)*
                    other => Err(format!("unknown table {other}")),
                }
            }

            /// Every row as a journal line (compaction).
            fn all_lines(&self) -> Vec<String> {
                let mut lines = Vec::new();
                $(
                    for (key, row) in &self.$name.rows {
                        lines.push(journal_line(stringify!($name), key, Some(row)));
                    }
                )*
                lines
            }
        }
    };
}

tables! {
    identities: Identity,
    devices: Device,
    challenges: Challenge,
    templates: Template,
    relationships: Relationship,
    messages: Message,
    files: File,
    tokens: Token,
    events: ExternalEvent,
    sync_runs: SyncRun,
    modifications: DatawalletModification,
    deletion_processes: DeletionProcess,
}

fn journal_line<T: Serialize>(table: &str, key: &str, row: Option<&T>) -> String {
    serde_json::json!({ "t": table, "k": key, "v": row }).to_string()
}

fn apply_row<T: DeserializeOwned + Indexed>(
    table: &mut Table<T>,
    key: String,
    row: Value,
) -> Result<(), String> {
    if row.is_null() {
        table.take(&key);
    } else {
        let row = serde_json::from_value(row).map_err(|e| e.to_string())?;
        table.put(key, row);
    }
    Ok(())
}

/// Index key of the relationships between `a` and `b` (either direction).
pub fn pair_key(a: &str, b: &str) -> String {
    let (low, high) = if a <= b { (a, b) } else { (b, a) };
    format!("pair:{low}|{high}")
}

/// Index key of `sender`'s messages that `recipient` has not received yet.
pub fn unreceived_key(sender: &str, recipient: &str) -> String {
    format!("unreceived:{sender}|{recipient}")
}

/// Index key of the devices with this username (one).
pub fn username_key(username: &str) -> String {
    format!("username:{username}")
}

/// Index key of the rows belonging to `address` (devices, relationships, messages received,
/// deletion processes).
pub fn party_key(address: &str) -> String {
    format!("party:{address}")
}

/// Index key of the events of a relationship that no sync run holds.
pub fn context_key(relationship_id: &str) -> String {
    format!("context:{relationship_id}")
}

/// Index key of an identity's unfinalized sync runs.
pub fn open_run_key(owner: &str) -> String {
    format!("open:{owner}")
}

impl Indexed for Device {
    fn index_keys(&self) -> Vec<String> {
        vec![username_key(&self.username), party_key(&self.address)]
    }
}

impl Indexed for Relationship {
    fn index_keys(&self) -> Vec<String> {
        vec![
            pair_key(&self.from, &self.to),
            party_key(&self.from),
            party_key(&self.to),
            format!("template:{}", self.template_id),
        ]
    }
}

impl Indexed for Message {
    fn index_keys(&self) -> Vec<String> {
        let mut keys = Vec::new();
        for r in &self.recipients {
            keys.push(party_key(&r.address));
            if r.received_at.is_none() {
                keys.push(unreceived_key(&self.created_by, &r.address));
            }
        }
        keys
    }
}

impl Indexed for ExternalEvent {
    fn index_keys(&self) -> Vec<String> {
        match (&self.context, &self.sync_run_id) {
            (Some(context), None) => vec![context_key(context)],
            _ => Vec::new(),
        }
    }
}

impl Indexed for SyncRun {
    fn index_keys(&self) -> Vec<String> {
        if self.finalized {
            Vec::new()
        } else {
            vec![open_run_key(&self.created_by)]
        }
    }
}

impl Indexed for DeletionProcess {
    fn index_keys(&self) -> Vec<String> {
        vec![party_key(&self.address)]
    }
}

impl Indexed for Identity {}
impl Indexed for Challenge {}
impl Indexed for Template {}
impl Indexed for File {}
impl Indexed for Token {}
impl Indexed for DatawalletModification {}

/// Where state is kept between restarts.
#[derive(Debug)]
pub enum Persistence {
    Memory {
        blobs: BTreeMap<String, Vec<u8>>,
    },
    Disk {
        journal: fs::File,
        files_dir: PathBuf,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("data directory {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("journal {path}, line {line}: {why}")]
    Corrupt {
        path: PathBuf,
        line: usize,
        why: String,
    },
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> DbError + '_ {
    move |source| DbError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The state and its persistence.
#[derive(Debug)]
pub struct Db {
    pub state: State,
    persistence: Persistence,
}

impl Db {
    pub fn in_memory() -> Self {
        Self {
            state: State::default(),
            persistence: Persistence::Memory {
                blobs: BTreeMap::new(),
            },
        }
    }

    /// Opens (or creates) the data directory: replays and compacts the journal.
    pub fn open(dir: &Path) -> Result<Self, DbError> {
        let files_dir = dir.join("files");
        fs::create_dir_all(&files_dir).map_err(io_error(&files_dir))?;
        let journal_path = dir.join("journal.jsonl");
        let mut state = State::default();
        if journal_path.exists() {
            replay(&journal_path, &mut state)?;
        }
        // Compaction: write the live rows to a new journal and swap it in atomically.
        let compacted = dir.join("journal.jsonl.tmp");
        {
            let mut out = fs::File::create(&compacted).map_err(io_error(&compacted))?;
            let mut text = state.all_lines().join("\n");
            if !text.is_empty() {
                text.push('\n');
            }
            out.write_all(text.as_bytes())
                .map_err(io_error(&compacted))?;
            out.sync_all().map_err(io_error(&compacted))?;
        }
        fs::rename(&compacted, &journal_path).map_err(io_error(&journal_path))?;
        let journal = fs::OpenOptions::new()
            .append(true)
            .open(&journal_path)
            .map_err(io_error(&journal_path))?;
        Ok(Self {
            state,
            persistence: Persistence::Disk { journal, files_dir },
        })
    }

    /// Makes the changes of the finished request durable (appends them to the journal).
    pub fn commit(&mut self) -> std::io::Result<()> {
        let lines = self.state.drain_changes();
        if lines.is_empty() {
            return Ok(());
        }
        if let Persistence::Disk { journal, .. } = &mut self.persistence {
            let mut text = lines.join("\n");
            text.push('\n');
            journal.write_all(text.as_bytes())?;
            journal.sync_data()?;
        }
        Ok(())
    }

    /// Stores the content of an uploaded file.
    pub fn put_blob(&mut self, id: &str, bytes: Vec<u8>) -> std::io::Result<()> {
        match &mut self.persistence {
            Persistence::Memory { blobs } => {
                blobs.insert(id.to_owned(), bytes);
                Ok(())
            }
            Persistence::Disk { files_dir, .. } => {
                let path = files_dir.join(id);
                let tmp = files_dir.join(format!("{id}.tmp"));
                let mut out = fs::File::create(&tmp)?;
                out.write_all(&bytes)?;
                out.sync_all()?;
                fs::rename(tmp, path)
            }
        }
    }

    /// The content of an uploaded file.
    pub fn get_blob(&self, id: &str) -> std::io::Result<Vec<u8>> {
        match &self.persistence {
            Persistence::Memory { blobs } => blobs
                .get(id)
                .cloned()
                .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound)),
            Persistence::Disk { files_dir, .. } => fs::read(files_dir.join(id)),
        }
    }
}

fn replay(path: &Path, state: &mut State) -> Result<(), DbError> {
    let file = fs::File::open(path).map_err(io_error(path))?;
    let lines: Vec<String> = BufReader::new(file)
        .lines()
        .collect::<Result<_, _>>()
        .map_err(io_error(path))?;
    let count = lines.len();
    for (number, line) in lines.into_iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parsed: Result<(String, String, Value), String> = serde_json::from_str::<Value>(&line)
            .map_err(|e| e.to_string())
            .and_then(|entry| {
                let table = entry["t"].as_str().ok_or("no table")?.to_owned();
                let key = entry["k"].as_str().ok_or("no key")?.to_owned();
                Ok((table, key, entry["v"].clone()))
            });
        match parsed {
            Ok((table, key, row)) => {
                state
                    .apply(&table, key, row)
                    .map_err(|why| DbError::Corrupt {
                        path: path.to_owned(),
                        line: number + 1,
                        why,
                    })?
            }
            // A torn last line: the process died while appending; that request never got an answer.
            Err(_) if number + 1 == count => {
                tracing::warn!(line = number + 1, "ignoring a torn last journal line");
            }
            Err(why) => {
                return Err(DbError::Corrupt {
                    path: path.to_owned(),
                    line: number + 1,
                    why,
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn challenge(id: &str) -> Challenge {
        Challenge {
            id: id.into(),
            expires_at: crate::clock::now(),
            created_by: None,
            created_by_device: None,
        }
    }

    #[test]
    fn journal_survives_reopen_and_ignores_torn_tail() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        {
            let mut db = Db::open(dir.path())?;
            db.state.challenges.insert("CHL1".into(), challenge("CHL1"));
            db.state.challenges.insert("CHL2".into(), challenge("CHL2"));
            db.commit()?;
            db.state.challenges.remove("CHL1");
            db.commit()?;
            db.put_blob("FIL1", vec![1, 2, 3])?;
        }
        let mut journal = fs::OpenOptions::new()
            .append(true)
            .open(dir.path().join("journal.jsonl"))?;
        journal.write_all(b"{\"t\":\"challenges\",\"k\":\"CH")?;
        let db = Db::open(dir.path())?;
        assert!(db.state.challenges.get("CHL1").is_none());
        assert_eq!(
            db.state.challenges.get("CHL2").map(|c| c.id.as_str()),
            Some("CHL2")
        );
        assert_eq!(db.get_blob("FIL1")?, vec![1, 2, 3]);
        Ok(())
    }

    fn message(id: &str, from: &str, to: &str) -> Message {
        Message {
            id: id.into(),
            created_at: crate::clock::now(),
            created_by: from.into(),
            created_by_device: "DVC".into(),
            body: String::new(),
            attachments: Vec::new(),
            recipients: vec![Recipient {
                address: to.into(),
                encrypted_key: String::new(),
                received_at: None,
                received_by_device: None,
                relationship_id: "REL".into(),
            }],
        }
    }

    /// The unreceived-messages index follows inserts, in-place updates, removals and a replay.
    #[test]
    fn indexes_follow_writes_and_replay() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let unreceived = unreceived_key("did:a", "did:b");
        {
            let mut db = Db::open(dir.path())?;
            for n in 0..3 {
                let id = format!("MSG{n}");
                db.state
                    .messages
                    .insert(id.clone(), message(&id, "did:a", "did:b"));
            }
            db.state
                .messages
                .insert("MSGX".into(), message("MSGX", "did:b", "did:a"));
            assert_eq!(db.state.messages.count_by(&unreceived), 3);
            db.state.messages.update("MSG1", |m| {
                m.recipients[0].received_at = Some(crate::clock::now());
            });
            db.state.messages.remove("MSG2");
            assert_eq!(
                db.state.messages.keys_by(&unreceived).collect::<Vec<_>>(),
                ["MSG0"]
            );
            // Received messages stay listed for their recipient.
            assert_eq!(db.state.messages.count_by(&party_key("did:b")), 2);
            db.commit()?;
        }
        let db = Db::open(dir.path())?;
        assert_eq!(
            db.state.messages.keys_by(&unreceived).collect::<Vec<_>>(),
            ["MSG0"]
        );
        assert_eq!(
            db.state
                .messages
                .count_by(&unreceived_key("did:b", "did:a")),
            1
        );
        assert_eq!(db.state.messages.count_by(&party_key("did:b")), 2);
        Ok(())
    }
}
