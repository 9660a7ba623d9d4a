//! Replica scaling benchmark: one dev Backbone (in this process), the nx-27017 MongoDB stand-in
//! and Redis; for k = 1, 2, 3 a fresh identity served by k `connector start` processes (one
//! database, Redis leases) sends N messages round-robin through its replicas to one receiver
//! (a Connector on its embedded store). Prints the send throughput per configuration, the CPU
//! seconds of the replicas, the MongoDB stand-in and Redis per 1,000 messages (from
//! `/proc/<pid>/stat`), the compare-and-set conflicts per message (the replicas' debug log lines
//! of `connector::store_conflicts`) and the scaling ratios 2/1 and 3/1, and checks that the
//! receiver got every message exactly once.
//!
//! With `--events` it measures durable events instead (see `events.rs`).

mod events;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use clap::Parser;
use futures_util::StreamExt;
use serde_json::{Value, json};

/// API key of the Connectors this tool starts (30+ characters, all character classes).
const KEY: &str = "Loadtest_Replicas_key_with_enough_chars_12!";

#[derive(Debug, Parser)]
#[command(about = "Messages through 1, 2 and 3 replicas of one identity on one dev Backbone")]
struct Args {
    /// The `connector` binary (default: beside this binary, then target/release, target/debug).
    #[arg(long)]
    connector: Option<PathBuf>,
    /// The MongoDB stand-in (default: .venv-mongo/bin/nx-27017, see scripts/test-all.sh).
    #[arg(long, default_value = ".venv-mongo/bin/nx-27017")]
    standin: PathBuf,
    /// Redis for the leases (each identity uses its own keys).
    #[arg(long, default_value = "redis://127.0.0.1:6379")]
    redis_url: String,
    /// Messages sent per configuration.
    #[arg(long, default_value_t = 600)]
    messages: usize,
    /// Requests in flight per replica (k replicas get k times as many).
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// The largest replica count measured (1..=this).
    #[arg(long, default_value_t = 3)]
    max_replicas: usize,
    /// Send counters a replica reserves per relationship at once
    /// (`infrastructure.replicas.sendCounterBlock`; default: the Connector's, 64). 1 reserves
    /// per send, as before counter blocks (one compare-and-set on the relationship per send).
    #[arg(long)]
    send_counter_block: Option<u32>,
    /// CI size: 60 messages, concurrency 2.
    #[arg(long)]
    short: bool,
    /// Measure webhook delivery of `transport.messageReceived` (1 and `--max-replicas` replicas
    /// receive, one webhook receiver in this process) instead of sends.
    #[arg(long)]
    events: bool,
}

/// A started process: killed and reaped when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn find_connector(explicit: Option<PathBuf>) -> Result<PathBuf> {
    let mut candidates = Vec::new();
    if let Some(path) = explicit {
        candidates.push(path);
    } else {
        if let Ok(exe) = std::env::current_exe()
            && let Some(dir) = exe.parent()
        {
            candidates.push(dir.join("connector"));
        }
        candidates.push(PathBuf::from("target/release/connector"));
        candidates.push(PathBuf::from("target/debug/connector"));
    }
    let found = candidates.into_iter().find(|p| p.exists()).ok_or_else(|| {
        anyhow!("no connector binary: build it (cargo build -p connector) or pass --connector")
    })?;
    Ok(std::fs::canonicalize(found)?)
}

async fn wait_for_port(port: u16, what: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        if Instant::now() > deadline {
            bail!("{what} does not listen on port {port}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

async fn start_standin(exe: &Path, dir: &Path) -> Result<(Proc, String)> {
    let port = free_port()?;
    let child = Command::new(exe)
        .args(["--db", "memory", "-p", &port.to_string()])
        .arg("--pid-file")
        .arg(dir.join("nx.pid"))
        .arg("--log-file")
        .arg(dir.join("nx.log"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting the MongoDB stand-in {}", exe.display()))?;
    let proc = Proc(child);
    wait_for_port(port, "the MongoDB stand-in").await?;
    Ok((proc, format!("mongodb://127.0.0.1:{port}/")))
}

/// Where a Connector keeps its data: a MongoDB database, or a folder (embedded store).
enum Storage<'a> {
    Mongo {
        uri: &'a str,
        db: &'a str,
        redis: &'a str,
    },
    Folder(PathBuf),
}

fn start_connector(
    exe: &Path,
    dir: &Path,
    name: &str,
    backbone: &str,
    storage: &Storage,
    extra_env: &[(String, String)],
) -> Result<(Proc, Api)> {
    let port = free_port()?;
    let mut command = Command::new(exe);
    command
        .arg("start")
        .current_dir(dir)
        .env("transportLibrary__baseUrl", backbone)
        .env("transportLibrary__platformClientId", "test")
        .env("transportLibrary__platformClientSecret", "test")
        .env("infrastructure__httpServer__host", "127.0.0.1")
        .env("infrastructure__httpServer__port", port.to_string())
        .env(
            "infrastructure__httpServer__authentication__apiKey__keys__main",
            format!(r#"{{"key":"{KEY}"}}"#),
        )
        .env("RUST_LOG", "warn")
        .stdout(std::fs::File::create(dir.join(format!("{name}.log")))?)
        .stderr(std::fs::File::create(dir.join(format!("{name}.err.log")))?);
    match storage {
        Storage::Mongo { uri, db, redis } => {
            command
                .env("database__driver", "mongodb")
                .env("database__connectionString", uri)
                .env("database__dbName", db)
                .env("infrastructure__redis__url", redis);
        }
        Storage::Folder(folder) => {
            command.env("database__folder", folder);
        }
    }
    command.envs(extra_env.iter().map(|(k, v)| (k, v)));
    let child = command
        .spawn()
        .with_context(|| format!("starting {name}"))?;
    Ok((Proc(child), Api::new(port)))
}

#[derive(Clone)]
struct Api {
    base: String,
    client: reqwest::Client,
}

impl Api {
    fn new(port: u16) -> Self {
        Self {
            base: format!("http://127.0.0.1:{port}/api/core/v1"),
            client: reqwest::Client::new(),
        }
    }

    /// Calls and expects a 2xx; returns `result` (Null for an empty body).
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value> {
        let mut request = self
            .client
            .request(method.clone(), format!("{}{path}", self.base))
            .header("X-API-KEY", KEY);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await?;
        let status = response.status();
        let text = response.text().await?;
        if !status.is_success() {
            bail!("{method} {path}: {status}: {text}");
        }
        if text.is_empty() {
            return Ok(Value::Null);
        }
        Ok(serde_json::from_str::<Value>(&text)?["result"].clone())
    }

    async fn post(&self, path: &str, body: Option<Value>) -> Result<Value> {
        self.call(reqwest::Method::POST, path, body).await
    }

    async fn get(&self, path: &str) -> Result<Value> {
        self.call(reqwest::Method::GET, path, None).await
    }

    /// Waits until IdentityInfo answers; returns the address.
    async fn wait_ready(&self) -> Result<String> {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            match self.get("/Account/IdentityInfo").await {
                Ok(info) => return Ok(text(&info, "/address")?.to_owned()),
                Err(e) if Instant::now() > deadline => {
                    return Err(e.context(format!("{} did not come up", self.base)));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    }
}

fn text<'a>(value: &'a Value, pointer: &str) -> Result<&'a str> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("no {pointer} in {value}"))
}

fn in_a_day() -> Result<String> {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    Ok((time::OffsetDateTime::now_utc() + time::Duration::days(1)).format(&format)?)
}

/// `a` offers a template, `b` loads it and requests; `a` syncs and accepts; `b` syncs.
async fn relate(a: &Api, b: &Api) -> Result<()> {
    let template = a
        .post(
            "/RelationshipTemplates/Own",
            Some(json!({
                "content": {"@type": "ArbitraryRelationshipTemplateContent", "value": {}},
                "expiresAt": in_a_day()?,
            })),
        )
        .await?;
    let reference = text(&template, "/reference/truncated")?;
    let loaded = b
        .post(
            "/RelationshipTemplates/Peer",
            Some(json!({"reference": reference})),
        )
        .await?;
    let relationship = b
        .post(
            "/Relationships",
            Some(json!({
                "templateId": text(&loaded, "/id")?,
                "creationContent": {"@type": "ArbitraryRelationshipCreationContent", "value": {}},
            })),
        )
        .await?;
    let id = text(&relationship, "/id")?;
    a.post("/Account/Sync", None).await?;
    a.call(
        reqwest::Method::PUT,
        &format!("/Relationships/{id}/Accept"),
        Some(json!({})),
    )
    .await?;
    b.post("/Account/Sync", None).await?;
    Ok(())
}

/// What one configuration measured.
struct Measured {
    replicas: usize,
    sent: usize,
    wall: Duration,
    received_after: Duration,
    /// CPU seconds during the timed sends: the replicas together, the stand-in, Redis (None
    /// when its process cannot be read), and this process (dev Backbone and load generator).
    cpu_replicas: f64,
    cpu_store: f64,
    cpu_redis: Option<f64>,
    cpu_backbone: f64,
    /// Compare-and-set writes lost to another writer during the timed sends (all replicas), by
    /// collection.
    conflicts: BTreeMap<String, u64>,
}

impl Measured {
    fn per_second(&self) -> f64 {
        self.sent as f64 / self.wall.as_secs_f64()
    }

    /// CPU seconds of the replicas, the stand-in and Redis per 1,000 messages.
    fn cpu_per_1000(&self) -> f64 {
        (self.cpu_replicas + self.cpu_store + self.cpu_redis.unwrap_or(0.0)) * 1000.0
            / self.sent as f64
    }

    fn conflicts_per_message(&self) -> f64 {
        self.conflicts.values().sum::<u64>() as f64 / self.sent as f64
    }
}

/// Clock ticks per second of `/proc/<pid>/stat` (`getconf CLK_TCK`, 100 on Linux).
fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(100.0)
}

/// `(ppid, utime + stime in ticks)` of a process from `/proc/<pid>/stat`.
fn proc_stat(pid: u32) -> Option<(u32, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) state ppid ...": the fields after the last ')'.
    let (_, rest) = stat.rsplit_once(')')?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // rest[0] = state (field 3), ppid = field 4, utime = field 14, stime = field 15.
    let ppid = fields.get(1)?.parse().ok()?;
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((ppid, utime + stime))
}

/// CPU seconds used so far by `root` and every live process below it.
fn tree_cpu_seconds(root: u32, ticks: f64) -> f64 {
    let mut stats = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            if let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
                && let Some((ppid, used)) = proc_stat(pid)
            {
                stats.push((pid, ppid, used));
            }
        }
    }
    let mut tree = BTreeSet::from([root]);
    loop {
        let before = tree.len();
        for (pid, ppid, _) in &stats {
            if tree.contains(ppid) {
                tree.insert(*pid);
            }
        }
        if tree.len() == before {
            break;
        }
    }
    stats
        .iter()
        .filter(|(pid, _, _)| tree.contains(pid))
        .map(|(_, _, used)| *used as f64)
        .sum::<f64>()
        / ticks
}

/// The pid of the Redis server at `url` (`INFO server` → `process_id`), if it answers.
async fn redis_pid(url: &str) -> Option<u32> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("redis://")?;
    let authority = rest.split('/').next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let mut stream = tokio::net::TcpStream::connect(authority).await.ok()?;
    stream.write_all(b"INFO server\r\n").await.ok()?;
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    while !String::from_utf8_lossy(&answer).contains("process_id:") || answer.len() < 64 {
        let read = tokio::time::timeout(Duration::from_secs(2), stream.read(&mut buffer))
            .await
            .ok()?
            .ok()?;
        if read == 0 {
            break;
        }
        answer.extend_from_slice(&buffer[..read]);
    }
    let text = String::from_utf8_lossy(&answer);
    text.lines()
        .find_map(|l| l.strip_prefix("process_id:"))
        .and_then(|p| p.trim().parse().ok())
}

/// The log line target of one lost compare-and-set (`src/instrumented.rs`).
const CONFLICT_TARGET: &str = "connector::store_conflicts";

/// Lost compare-and-sets logged so far in the replicas' logs, by collection.
fn conflicts_logged(dir: &Path, names: &[String]) -> BTreeMap<String, u64> {
    let mut by_collection = BTreeMap::new();
    for name in names {
        let log = std::fs::read_to_string(dir.join(format!("{name}.log"))).unwrap_or_default();
        for line in log.lines().filter(|l| l.contains(CONFLICT_TARGET)) {
            let collection = serde_json::from_str::<Value>(line)
                .ok()
                .and_then(|v| v["fields"]["collection"].as_str().map(str::to_owned))
                .unwrap_or_else(|| "?".into());
            *by_collection.entry(collection).or_insert(0) += 1;
        }
    }
    by_collection
}

fn difference(
    after: &BTreeMap<String, u64>,
    before: &BTreeMap<String, u64>,
) -> BTreeMap<String, u64> {
    after
        .iter()
        .map(|(k, v)| (k.clone(), v - before.get(k).copied().unwrap_or(0)))
        .filter(|(_, v)| *v > 0)
        .collect()
}

/// `k` replicas of one fresh identity on `storage` (named `<label>-replica<i>`), ready and
/// related to the receiver: their processes, their APIs and the identity's address.
async fn start_replicas(
    setup: &Setup<'_>,
    label: &str,
    k: usize,
    storage: &Storage<'_>,
    env: &[(String, String)],
) -> Result<(Vec<Proc>, Vec<Api>, String)> {
    let mut procs = Vec::new();
    let mut replicas = Vec::new();
    for i in 0..k {
        let name = format!("{label}-replica{i}");
        let (proc, api) =
            start_connector(setup.exe, setup.dir, &name, setup.backbone, storage, env)?;
        procs.push(proc);
        replicas.push(api);
    }
    let mut addresses = BTreeSet::new();
    for replica in &replicas {
        addresses.insert(replica.wait_ready().await?);
    }
    if addresses.len() != 1 {
        bail!("the replicas serve several identities: {addresses:?}");
    }
    let address = addresses.pop_first().unwrap_or_default();
    relate(&replicas[0], setup.receiver).await?;
    Ok((procs, replicas, address))
}

struct Setup<'a> {
    exe: &'a Path,
    dir: &'a Path,
    backbone: &'a str,
    mongo: &'a str,
    redis: &'a str,
    receiver: &'a Api,
    /// The stand-in's pid and Redis' (if readable), for their CPU time.
    standin_pid: u32,
    redis_pid: Option<u32>,
    send_counter_block: Option<u32>,
}

/// k replicas of a fresh identity send `messages` round-robin to the receiver.
async fn measure(
    setup: &Setup<'_>,
    k: usize,
    messages: usize,
    concurrency: usize,
) -> Result<Measured> {
    let db = format!("bench{}r{k}", std::process::id());
    let storage = Storage::Mongo {
        uri: setup.mongo,
        db: &db,
        redis: setup.redis,
    };
    let mut env = vec![(
        "RUST_LOG".to_owned(),
        format!("warn,{CONFLICT_TARGET}=debug"),
    )];
    if let Some(block) = setup.send_counter_block {
        env.push((
            "infrastructure__replicas__sendCounterBlock".to_owned(),
            block.to_string(),
        ));
    }
    let label = format!("k{k}");
    let (procs, replicas, address) = start_replicas(setup, &label, k, &storage, &env).await?;
    let names: Vec<String> = (0..k).map(|i| format!("{label}-replica{i}")).collect();
    let recipient = setup.receiver.get("/Account/IdentityInfo").await?;
    let recipient = text(&recipient, "/address")?.to_owned();

    let ticks = clock_ticks();
    let replica_pids: Vec<u32> = procs.iter().map(|p| p.0.id()).collect();
    let cpu = || {
        (
            replica_pids
                .iter()
                .map(|pid| tree_cpu_seconds(*pid, ticks))
                .sum::<f64>(),
            tree_cpu_seconds(setup.standin_pid, ticks),
            setup.redis_pid.map(|pid| tree_cpu_seconds(pid, ticks)),
            proc_stat(std::process::id()).map_or(0.0, |(_, used)| used as f64 / ticks),
        )
    };
    let conflicts_before = conflicts_logged(setup.dir, &names);
    let cpu_before = cpu();
    let started = Instant::now();
    let results: Vec<Result<()>> = futures_util::stream::iter(0..messages)
        .map(|i| {
            let sender = replicas[i % k].clone();
            let body = json!({
                "recipients": [recipient],
                "content": {"@type": "ArbitraryMessageContent", "value": {"i": i}},
            });
            async move { sender.post("/Messages", Some(body)).await.map(|_| ()) }
        })
        .buffer_unordered(concurrency * k)
        .collect()
        .await;
    let wall = started.elapsed();
    let cpu_after = cpu();
    results.into_iter().collect::<Result<Vec<()>>>()?;
    // The log lines of the last sends may still be in the replicas' buffers: a short pause.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let conflicts = difference(&conflicts_logged(setup.dir, &names), &conflicts_before);

    // Correctness: the receiver gets every message exactly once.
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        setup.receiver.post("/Account/Sync", None).await?;
        let list = setup
            .receiver
            .get(&format!("/Messages?createdBy={address}"))
            .await?;
        let list = list.as_array().cloned().unwrap_or_default();
        let ids: BTreeSet<&str> = list.iter().filter_map(|m| m["id"].as_str()).collect();
        if ids.len() != list.len() {
            bail!("the receiver lists a message twice");
        }
        if list.len() == messages {
            break;
        }
        if list.len() > messages || Instant::now() > deadline {
            bail!("the receiver has {} of {messages} messages", list.len());
        }
    }
    Ok(Measured {
        replicas: k,
        sent: messages,
        wall,
        received_after: started.elapsed(),
        cpu_replicas: cpu_after.0 - cpu_before.0,
        cpu_store: cpu_after.1 - cpu_before.1,
        cpu_redis: cpu_after.2.zip(cpu_before.2).map(|(a, b)| a - b),
        cpu_backbone: cpu_after.3 - cpu_before.3,
        conflicts,
    })
}

#[tokio::main]
async fn main() -> Result<()> {
    let mut args = Args::parse();
    if args.short {
        args.messages = 60;
        args.concurrency = 2;
    }
    let exe = find_connector(args.connector.take())?;
    let dir = std::env::temp_dir().join(format!("loadtest-replicas-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let (standin, mongo) = start_standin(&args.standin, &dir).await?;
    // One sender may leave more unreceived messages than the real Backbone's 20: the receiver
    // syncs only after the timed sends, so the sends measure the replicas, not the receiver.
    let backbone = devbackbone::start(devbackbone::BackboneConfig {
        max_unreceived_messages_from_one_sender: args.messages + 10,
        ..devbackbone::BackboneConfig::default()
    })
    .await
    .map_err(|e| anyhow!("dev Backbone: {e}"))?;
    let backbone_url = backbone.base_url();
    let receiver_dir = dir.join("receiver");
    std::fs::create_dir_all(&receiver_dir)?;
    let (_receiver_proc, receiver) = start_connector(
        &exe,
        &dir,
        "receiver",
        &backbone_url,
        &Storage::Folder(receiver_dir),
        &[],
    )?;
    receiver.wait_ready().await?;
    let setup = Setup {
        exe: &exe,
        dir: &dir,
        backbone: &backbone_url,
        mongo: &mongo,
        redis: &args.redis_url,
        receiver: &receiver,
        standin_pid: standin.0.id(),
        redis_pid: redis_pid(&args.redis_url).await,
        send_counter_block: args.send_counter_block,
    };
    if args.events {
        events::run(&setup, args.messages, args.concurrency, args.max_replicas)
            .await
            .with_context(|| format!("logs in {}", dir.display()))?;
        let _ = std::fs::remove_dir_all(&dir);
        return Ok(());
    }
    println!(
        "connector {}; {} messages per configuration, {} in flight per replica; send counter block {}",
        exe.display(),
        args.messages,
        args.concurrency,
        args.send_counter_block
            .map_or_else(|| "default".to_owned(), |b| b.to_string())
    );
    if setup.redis_pid.is_none() {
        println!("(Redis' process cannot be read: its CPU time is left out)");
    }
    let mut results = Vec::new();
    for k in 1..=args.max_replicas.max(1) {
        let measured = measure(&setup, k, args.messages, args.concurrency)
            .await
            .with_context(|| format!("{k} replica(s); logs in {}", dir.display()))?;
        println!(
            "{} replica(s): {} messages in {:.2} s = {:.1} msg/s (all received after {:.2} s)",
            measured.replicas,
            measured.sent,
            measured.wall.as_secs_f64(),
            measured.per_second(),
            measured.received_after.as_secs_f64()
        );
        let per_1000 = |cpu: f64| cpu * 1000.0 / measured.sent as f64;
        println!(
            "  CPU s per 1,000 messages: {:.2} (replicas {:.2}, store stand-in {:.2}, Redis {}); dev Backbone + load generator {:.2}",
            measured.cpu_per_1000(),
            per_1000(measured.cpu_replicas),
            per_1000(measured.cpu_store),
            measured
                .cpu_redis
                .map_or_else(|| "n/a".to_owned(), |c| format!("{:.2}", per_1000(c))),
            per_1000(measured.cpu_backbone),
        );
        println!(
            "  compare-and-set conflicts (each retried): {:.3} per message {:?}",
            measured.conflicts_per_message(),
            measured.conflicts
        );
        results.push(measured);
    }
    let base = &results[0];
    for measured in &results[1..] {
        println!(
            "scaling {}/1: throughput {:.2}, CPU per message {:.2}",
            measured.replicas,
            measured.per_second() / base.per_second(),
            measured.cpu_per_1000() / base.cpu_per_1000()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
