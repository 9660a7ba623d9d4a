//! A replica set for the tests of issue 7: the nx-27017 MongoDB stand-in, a dev Backbone, three
//! `connector start` processes of one identity (MongoDB database, Redis leases; JSON logs in a
//! file each) and a peer (an in-process Connector on its embedded store) related to them.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::FULL_KEY;
use crate::processes::{KillOnDrop, free_port, wait_for_port};
use crate::rest_peer::{Connector, relate};

/// The MongoDB stand-in on a free port (own pid and log file: it refuses to share the default).
pub async fn start_standin(dir: &Path) -> (KillOnDrop, u16) {
    let exe = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv-mongo/bin/nx-27017");
    assert!(
        exe.exists(),
        "the MongoDB stand-in is missing at {}: run scripts/test-all.sh once",
        exe.display()
    );
    let port = free_port();
    let child = Command::new(exe)
        .args(["--db", "memory", "-p", &port.to_string()])
        .arg("--pid-file")
        .arg(dir.join("nx.pid"))
        .arg("--log-file")
        .arg(dir.join("nx.log"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let child = KillOnDrop(child);
    wait_for_port(port, Duration::from_secs(20)).await;
    (child, port)
}

/// A test size from the environment (e.g. `REPLICA_TEST_MESSAGES`), else `default`.
pub fn size_from_env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One `connector start` process of the set.
pub struct Replica {
    pub api: Connector,
    log: PathBuf,
    process: Option<KillOnDrop>,
}

impl Replica {
    /// kill -9: no shutdown, leases and sync runs are left as they were.
    pub fn kill(&mut self) {
        self.process = None;
    }

    /// Sends SIGTERM (a clean shutdown, as Kubernetes does).
    pub fn terminate(&self) {
        self.signal("TERM");
    }

    /// Sends the signal `name` (`TERM`, `STOP`, `CONT`, ...) with `kill`.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -{name}");
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.process.as_ref().expect("running").0.id()
    }

    /// True while the process is stopped (SIGSTOP): state `T` in `/proc/<pid>/stat`.
    pub fn is_stopped(&self) -> bool {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).unwrap_or_default();
        // "pid (comm) state ...": the state follows the last ')'.
        stat.rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('T'))
    }

    /// Waits (polling, up to `timeout`) for the process to exit; its exit status.
    pub async fn wait_for_exit(&mut self, timeout: Duration) -> std::process::ExitStatus {
        let exited = test_support::poll_until(timeout, async || {
            let child = &mut self.process.as_mut().expect("running").0;
            child.try_wait().unwrap().ok_or(())
        })
        .await;
        exited.unwrap_or_else(|()| {
            let lines = self.log_lines();
            let tail: Vec<String> = lines
                .iter()
                .skip(lines.len().saturating_sub(40))
                .map(Value::to_string)
                .collect();
            panic!(
                "the process did not exit in {timeout:?}; its last log lines:\n{}",
                tail.join("\n")
            );
        })
    }

    /// Its JSON log lines so far.
    pub fn log_lines(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    }
}

pub struct ReplicaSet {
    pub replicas: Vec<Replica>,
    pub peer: Connector,
    /// The identity all replicas serve.
    pub address: String,
    pub peer_address: String,
    /// The Backbone, MongoDB and Redis, for [`spawn_replica`] (e.g. a restart).
    pub urls: [String; 3],
    /// The database of the set, unique per set: sets of tests running side by side share Redis,
    /// and lease names are prefixed by it.
    pub db_name: String,
    backbone: devbackbone::RunningBackbone,
    _standin: KillOnDrop,
    _dir: tempfile::TempDir,
}

impl ReplicaSet {
    /// Three replicas on the stand-in with leases in `redis_url`, related to a peer. The dev
    /// Backbone accepts up to `max_unreceived` unreceived messages from one sender.
    pub async fn start(redis_url: &str, max_unreceived: usize) -> Self {
        Self::start_with_env(redis_url, max_unreceived, |_| Vec::new()).await
    }

    /// As [`ReplicaSet::start`], with more environment variables for replica i from `env(i)`.
    pub async fn start_with_env(
        redis_url: &str,
        max_unreceived: usize,
        env: impl Fn(usize) -> Vec<(String, String)>,
    ) -> Self {
        let backbone = devbackbone::BackboneConfig {
            max_unreceived_messages_from_one_sender: max_unreceived,
            ..devbackbone::BackboneConfig::default()
        };
        Self::start_with_backbone(redis_url, backbone, env).await
    }

    /// As [`ReplicaSet::start_with_env`], on a dev Backbone configured by `backbone`.
    pub async fn start_with_backbone(
        redis_url: &str,
        backbone: devbackbone::BackboneConfig,
        env: impl Fn(usize) -> Vec<(String, String)>,
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (standin, mongo_port) = start_standin(dir.path()).await;
        let backbone = devbackbone::start(backbone).await.unwrap();
        let mongo = format!("mongodb://127.0.0.1:{mongo_port}/");
        let urls = [backbone.base_url(), mongo.clone(), redis_url.to_owned()];
        let db_name = format!(
            "replicaset-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let replicas: Vec<Replica> = (0..3)
            .map(|i| {
                let mut replica_env = vec![("database__dbName".to_owned(), db_name.clone())];
                replica_env.extend(env(i));
                spawn_replica(dir.path(), i, &urls, replica_env)
            })
            .collect();
        let mut addresses = Vec::new();
        for replica in &replicas {
            addresses.push(wait_until_serving(&replica.api).await);
        }
        assert!(
            addresses.iter().all(|a| a == &addresses[0]),
            "one identity: {addresses:?}"
        );
        let peer = Connector::start(&backbone.base_url()).await;
        relate(&replicas[0].api, &peer).await;
        let peer_address = peer.address().await;
        Self {
            address: addresses[0].clone(),
            replicas,
            peer,
            peer_address,
            urls,
            db_name,
            backbone,
            _standin: standin,
            _dir: dir,
        }
    }

    /// The dev Backbone of the set (e.g. to read the messages it stored).
    pub fn backbone(&self) -> &devbackbone::RunningBackbone {
        &self.backbone
    }

    /// Where the set keeps its files (logs).
    pub fn dir(&self) -> &Path {
        self._dir.path()
    }
}

/// `urls`: the Backbone, MongoDB and Redis; `env` comes last, so it may override the defaults
/// (e.g. `database__dbName`).
pub fn spawn_replica(
    dir: &Path,
    index: usize,
    urls: &[String; 3],
    env: Vec<(String, String)>,
) -> Replica {
    let [backbone, mongo, redis] = urls;
    let port = free_port();
    let log = dir.join(format!("replica{index}.log"));
    let child = Command::new(env!("CARGO_BIN_EXE_connector"))
        .arg("start")
        .current_dir(dir)
        .env("transportLibrary__baseUrl", backbone)
        .env("transportLibrary__platformClientId", "test")
        .env("transportLibrary__platformClientSecret", "test")
        .env("database__driver", "mongodb")
        .env("database__connectionString", mongo)
        .env("database__dbName", "replicaset")
        .env("infrastructure__redis__url", redis)
        .env("infrastructure__httpServer__host", "127.0.0.1")
        .env("infrastructure__httpServer__port", port.to_string())
        .env(
            "infrastructure__httpServer__authentication__apiKey__keys__main",
            format!(r#"{{"key":"{FULL_KEY}"}}"#),
        )
        .env("RUST_LOG", "info")
        .envs(env)
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Replica {
        api: Connector::remote(&format!("http://127.0.0.1:{port}")),
        log,
        process: Some(KillOnDrop(child)),
    }
}

pub async fn wait_until_serving(api: &Connector) -> String {
    crate::processes::wait_until_serving(api, Duration::from_secs(90)).await
}

/// The body of a message whose content carries `tag` (to recognise it at the other end).
pub fn message_to(recipient: &str, tag: &str) -> Value {
    json!({
        "recipients": [recipient],
        "content": {"@type": "ArbitraryMessageContent", "value": {"tag": tag}},
    })
}

/// The tag of a listed message's content (None if the content could not be read).
pub fn tag_of(message: &Value) -> Option<String> {
    message["content"]["value"]["tag"]
        .as_str()
        .map(str::to_owned)
}

/// `GET /Messages?createdBy=<sender>` on `api`.
pub async fn messages_from(api: &Connector, sender: &str) -> Vec<Value> {
    api.get(&format!("/Messages?createdBy={sender}"))
        .await
        .as_array()
        .unwrap()
        .clone()
}

/// POST /Account/Sync; the status and body (syncs of several replicas take turns).
pub async fn sync(api: &Connector) -> (u16, String) {
    let response = api.call("POST", "/Account/Sync", None).await;
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

/// Syncs `api` until `sender`'s messages there number at least `count` (or the time is up).
pub async fn sync_until(
    api: &Connector,
    sender: &str,
    count: usize,
    timeout: Duration,
) -> Vec<Value> {
    let synced = test_support::poll_until(timeout, async || {
        let (status, body) = sync(api).await;
        assert_eq!(status, 204, "sync: {body}");
        let messages = messages_from(api, sender).await;
        if messages.len() >= count {
            Ok(messages)
        } else {
            Err(messages)
        }
    })
    .await;
    synced.unwrap_or_else(|messages| messages)
}

/// Waits (without syncing: others do) until `api` lists at least `count` messages of `sender`;
/// looks every 500 ms (a long list is work for the replica that is also syncing).
pub async fn listed(api: &Connector, sender: &str, count: usize, timeout: Duration) {
    let what = format!("{count} messages of {sender} listed");
    let pause = Duration::from_millis(500);
    test_support::eventually_every(&what, timeout, pause, async || {
        let listed = messages_from(api, sender).await.len();
        if listed >= count {
            Ok(())
        } else {
            Err(format!("{listed} listed"))
        }
    })
    .await;
}

/// The message of each of `replica`'s log lines, with the line's fields.
pub fn log_messages(replica: &Replica) -> Vec<(String, Value)> {
    replica
        .log_lines()
        .into_iter()
        .map(|line| {
            let fields = line.get("fields").cloned().unwrap_or(line);
            let message = fields["message"].as_str().unwrap_or_default().to_owned();
            (message, fields)
        })
        .collect()
}

/// Waits (polling the log file, up to `timeout`) for a line of `replica` whose message contains
/// `text`; its fields.
pub async fn wait_for_log(replica: &Replica, text: &str, timeout: Duration) -> Value {
    let what = format!("a log line with '{text}'");
    test_support::eventually(&what, timeout, async || {
        log_messages(replica)
            .into_iter()
            .find(|(message, _)| message.contains(text))
            .map(|(_, fields)| fields)
            .ok_or("no such line")
    })
    .await
}

/// Another handle on the same Connector (for a task of its own).
pub fn handle(api: &Connector) -> Connector {
    Connector::remote(&api.url("").replace("/api/core/v1", ""))
}

/// A call that may fail to connect (a killed replica): None then, else status and body.
pub async fn try_call(
    api: &Connector,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Option<(u16, String)> {
    api.try_call(method, path, body).await
}
