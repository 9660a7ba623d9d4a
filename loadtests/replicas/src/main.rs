//! Replica scaling benchmark: one dev Backbone (in this process), the nx-27017 MongoDB stand-in
//! and Redis; for k = 1, 2, 3 a fresh identity served by k `connector start` processes (one
//! database, Redis leases) sends N messages round-robin through its replicas to one receiver
//! (a Connector on its embedded store). Prints the send throughput per configuration and the
//! scaling ratios 2/1 and 3/1, and checks that the receiver got every message exactly once.
//!
//! With `--events` it measures durable events instead (see `events.rs`).

mod events;

use std::collections::BTreeSet;
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
}

impl Measured {
    fn per_second(&self) -> f64 {
        self.sent as f64 / self.wall.as_secs_f64()
    }
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
    let (_procs, replicas, address) =
        start_replicas(setup, &format!("k{k}"), k, &storage, &[]).await?;
    let recipient = setup.receiver.get("/Account/IdentityInfo").await?;
    let recipient = text(&recipient, "/address")?.to_owned();

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
    results.into_iter().collect::<Result<Vec<()>>>()?;

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
    let (_standin, mongo) = start_standin(&args.standin, &dir).await?;
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
    };
    if args.events {
        events::run(&setup, args.messages, args.concurrency, args.max_replicas)
            .await
            .with_context(|| format!("logs in {}", dir.display()))?;
        let _ = std::fs::remove_dir_all(&dir);
        return Ok(());
    }
    println!(
        "connector {}; {} messages per configuration, {} in flight per replica",
        exe.display(),
        args.messages,
        args.concurrency
    );
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
        results.push(measured);
    }
    let base = results[0].per_second();
    for measured in &results[1..] {
        println!(
            "scaling {}/1: {:.2}",
            measured.replicas,
            measured.per_second() / base
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
