//! REST benchmark: starts the dev Backbone and two Connector processes (or uses running ones),
//! relates them over REST, then times three phases: (a) A sends N messages to B, (b) B syncs and
//! lists its messages until all N arrived, (c) A creates M templates, each with a token, (d) A
//! is filled with `--list-messages` more sent messages and `GET /Messages` list queries with
//! filters are timed over them. Prints operations, throughput, p50/p99 latency per phase and the
//! peak RSS (`VmHWM`) of every process it started.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use clap::Parser;
use serde_json::{Value, json};

/// API key of the Connectors this tool starts (30+ characters, all character classes).
const DEFAULT_KEY: &str = "Loadtest_REST_key_with_enough_chars_12!";

#[derive(Debug, Parser)]
#[command(about = "REST benchmark of two Connectors on the dev Backbone")]
struct Args {
    /// The `connector` binary (default: beside this binary, then target/release, target/debug).
    #[arg(long)]
    connector: Option<PathBuf>,
    /// Messages A sends to B (phase a/b).
    #[arg(long, default_value_t = 500)]
    messages: usize,
    /// Templates (each with a token) A creates (phase c).
    #[arg(long, default_value_t = 100)]
    templates: usize,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Phase (d): messages A holds (sent to B) before the list queries are timed.
    #[arg(long, default_value_t = 100_000)]
    list_messages: usize,
    /// Phase (d): how often each list query runs.
    #[arg(long, default_value_t = 20)]
    list_repeats: usize,
    /// CI size: 40 messages, 10 templates, concurrency 4, 200 messages for the list queries.
    #[arg(long)]
    short: bool,
    /// Use a running Connector as A (no processes are started; give --b-url as well).
    #[arg(long, requires = "b_url")]
    a_url: Option<String>,
    /// Use N running replicas of one Connector as A, round-robin per request (comma-separated
    /// URLs; give --b-url as well).
    #[arg(
        long,
        value_delimiter = ',',
        conflicts_with = "a_url",
        requires = "b_url"
    )]
    a_urls: Vec<String>,
    /// Use a running Connector as B (e.g. a load balancer in front of N replicas).
    #[arg(long)]
    b_url: Option<String>,
    /// API key of the running Connectors given with --a-url/--b-url.
    #[arg(long, env = "LOADTEST_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// Give up waiting for B to receive the messages after this many seconds.
    #[arg(long, default_value_t = 300)]
    receive_timeout: u64,
}

/// A started process: killed and reaped when dropped.
struct Proc {
    name: &'static str,
    child: Child,
    /// Its standard error.
    err_log: PathBuf,
}

impl Proc {
    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Set when every phase ran: only then are the logs and data removed.
static SUCCEEDED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// A temporary directory removed when dropped after a successful run (kept for a failed one).
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        if SUCCEEDED.load(Ordering::SeqCst) {
            let _ = std::fs::remove_dir_all(&self.0);
        } else {
            eprintln!("logs and data kept in {}", self.0.display());
        }
    }
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn find_connector(explicit: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(path) = explicit {
        if path.exists() {
            return Ok(std::fs::canonicalize(path)?);
        }
        bail!("no connector binary at {}", path.display());
    }
    let mut candidates = Vec::new();
    if let Ok(exe) = std::env::current_exe()
        && let Some(dir) = exe.parent()
    {
        candidates.push(dir.join("connector"));
    }
    candidates.push(PathBuf::from("target/release/connector"));
    candidates.push(PathBuf::from("target/debug/connector"));
    candidates.into_iter().find(|p| p.exists()).ok_or_else(|| {
        anyhow!(
            "no connector binary found: build it (cargo build -p connector) or pass --connector"
        )
    })
}

fn log_file(dir: &Path, name: &str) -> Result<Stdio> {
    Ok(Stdio::from(std::fs::File::create(
        dir.join(format!("{name}.log")),
    )?))
}

fn start_backbone(exe: &Path, dir: &Path, port: u16) -> Result<Proc> {
    let child = Command::new(exe)
        .args(["backbone", "--port", &port.to_string()])
        .args(["--client-id", "test", "--client-secret", "test"])
        .stdout(log_file(dir, "backbone")?)
        .stderr(log_file(dir, "backbone.err")?)
        .spawn()
        .context("starting the dev Backbone")?;
    Ok(Proc {
        name: "backbone",
        child,
        err_log: dir.join("backbone.err.log"),
    })
}

fn start_connector(
    exe: &Path,
    dir: &Path,
    name: &'static str,
    backbone_url: &str,
    port: u16,
) -> Result<Proc> {
    let data = dir.join(name);
    std::fs::create_dir_all(&data)?;
    let child = Command::new(exe)
        .arg("start")
        .current_dir(&data)
        .env("transportLibrary__baseUrl", backbone_url)
        .env("transportLibrary__platformClientId", "test")
        .env("transportLibrary__platformClientSecret", "test")
        .env("infrastructure__httpServer__host", "127.0.0.1")
        .env("infrastructure__httpServer__port", port.to_string())
        .env("database__folder", data.join("data"))
        .env(
            "infrastructure__httpServer__authentication__apiKey__keys__main",
            format!(r#"{{"key":"{DEFAULT_KEY}"}}"#),
        )
        .stdout(log_file(dir, name)?)
        .stderr(log_file(dir, &format!("{name}.err"))?)
        .spawn()
        .with_context(|| format!("starting Connector {name}"))?;
    Ok(Proc {
        name,
        child,
        err_log: dir.join(format!("{name}.err.log")),
    })
}

/// Peak resident set size in KiB (`VmHWM`).
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// One Connector (or the replicas of one, used round-robin per request).
#[derive(Clone)]
struct Api {
    bases: Arc<Vec<String>>,
    next: Arc<AtomicUsize>,
    key: String,
    client: reqwest::Client,
}

impl Api {
    fn new(bases: &[String], key: &str, client: &reqwest::Client) -> Self {
        Self {
            bases: Arc::new(
                bases
                    .iter()
                    .map(|b| b.trim_end_matches('/').to_owned())
                    .collect(),
            ),
            next: Arc::new(AtomicUsize::new(0)),
            key: key.to_owned(),
            client: client.clone(),
        }
    }

    /// The base URL for the next request (round-robin over the replicas).
    fn base(&self) -> &str {
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        &self.bases[i % self.bases.len()]
    }

    /// All base URLs, for the report.
    fn describe(&self) -> String {
        self.bases.join(", ")
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
            .request(method.clone(), format!("{}/api/core/v1{path}", self.base()))
            .header("X-API-KEY", &self.key);
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

    async fn put(&self, path: &str, body: Option<Value>) -> Result<Value> {
        self.call(reqwest::Method::PUT, path, body).await
    }

    /// Waits until IdentityInfo answers; returns the address.
    /// Fails early when one of `procs` exited.
    async fn wait_ready(&self, within: Duration, procs: &mut [Proc]) -> Result<String> {
        let deadline = Instant::now() + within;
        loop {
            match self.get("/Account/IdentityInfo").await {
                Ok(info) => {
                    return info["address"]
                        .as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| anyhow!("IdentityInfo without address: {info}"));
                }
                Err(e) if Instant::now() > deadline => {
                    return Err(e.context(format!("{} did not come up", self.describe())));
                }
                Err(_) => {
                    for proc in procs.iter_mut() {
                        if let Some(status) = proc.child.try_wait()? {
                            let log = std::fs::read_to_string(&proc.err_log).unwrap_or_default();
                            bail!("{} exited with {status}:\n{log}", proc.name);
                        }
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
    }
}

fn str_field<'a>(value: &'a Value, pointer: &str) -> Result<&'a str> {
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

async fn create_template_with_token(a: &Api) -> Result<String> {
    let template = a
        .post(
            "/RelationshipTemplates/Own",
            Some(json!({
                "content": {"@type": "ArbitraryRelationshipTemplateContent", "value": {}},
                "expiresAt": in_a_day()?,
            })),
        )
        .await?;
    let id = str_field(&template, "/id")?;
    let token = a
        .post(
            &format!("/RelationshipTemplates/Own/{id}/Token"),
            Some(json!({})),
        )
        .await?;
    Ok(str_field(&token, "/reference/truncated")?.to_owned())
}

/// A templates (with a token), B loads it and requests, A syncs and accepts, B syncs.
/// Nothing to do when they are related already (a second run against running Connectors).
async fn relate(a: &Api, b: &Api, b_address: &str) -> Result<()> {
    let active = a
        .get(&format!("/Relationships?peer={b_address}&status=Active"))
        .await?;
    if active.as_array().is_some_and(|list| !list.is_empty()) {
        return Ok(());
    }
    let reference = create_template_with_token(a).await?;
    let template = b
        .post(
            "/RelationshipTemplates/Peer",
            Some(json!({"reference": reference})),
        )
        .await?;
    let template_id = str_field(&template, "/id")?;
    b.post(
        "/Relationships",
        Some(json!({
            "templateId": template_id,
            "creationContent": {"@type": "ArbitraryRelationshipCreationContent", "value": {}},
        })),
    )
    .await?;
    let deadline = Instant::now() + Duration::from_secs(60);
    let id = loop {
        a.post("/Account/Sync", None).await?;
        let pending = a.get("/Relationships?status=Pending").await?;
        let found = pending.as_array().and_then(|list| {
            list.iter()
                .find(|r| r["peer"] == b_address)
                .and_then(|r| r["id"].as_str())
        });
        if let Some(id) = found {
            break id.to_owned();
        }
        if Instant::now() > deadline {
            bail!("A never saw B's relationship request");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    a.put(&format!("/Relationships/{id}/Accept"), Some(json!({})))
        .await?;
    b.post("/Account/Sync", None).await?;
    Ok(())
}

/// Runs `count` operations with `concurrency` workers; returns each latency and the wall time.
async fn run_phase<F, Fut>(
    count: usize,
    concurrency: usize,
    op: F,
) -> Result<(Vec<Duration>, Duration)>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<()>> + Send,
{
    let op = Arc::new(op);
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (op, next) = (Arc::clone(&op), Arc::clone(&next));
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    return Ok::<_, anyhow::Error>(latencies);
                }
                let t = Instant::now();
                op(i).await?;
                latencies.push(t.elapsed());
            }
        }));
    }
    let mut latencies = Vec::with_capacity(count);
    for worker in workers {
        latencies.extend(worker.await??);
    }
    Ok((latencies, start.elapsed()))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    // nearest rank
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn report(name: &str, mut latencies: Vec<Duration>, wall: Duration) {
    latencies.sort();
    let ops = latencies.len();
    let throughput = ops as f64 / wall.as_secs_f64().max(f64::EPSILON);
    println!(
        "{name:<34} {ops:>6} ops {wall:>8.2} s {throughput:>9.1} ops/s   p50 {p50:>8.1} ms   p99 {p99:>8.1} ms",
        wall = wall.as_secs_f64(),
        p50 = ms(percentile(&latencies, 50.0)),
        p99 = ms(percentile(&latencies, 99.0)),
    );
}

/// A sends one message to `recipient`; a send refused for too many unreceived messages is retried
/// every 20 ms until `patience` is over (counted in `retried`). Returns the message's `createdAt`.
async fn send_message(
    a: &Api,
    recipient: &str,
    i: usize,
    patience: Duration,
    retried: &AtomicUsize,
) -> Result<String> {
    let body = json!({
        "recipients": [recipient],
        "content": {"@type": "ArbitraryMessageContent", "value": {"i": i}},
    });
    let deadline = Instant::now() + patience;
    loop {
        match a.post("/Messages", Some(body.clone())).await {
            Ok(message) => return Ok(str_field(&message, "/createdAt")?.to_owned()),
            Err(e)
                if e.to_string()
                    .contains("maxNumberOfUnreceivedMessagesReached")
                    && Instant::now() < deadline =>
            {
                retried.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Phase (d): fills A with `count` more messages to B (B keeps syncing meanwhile, so the
/// Backbone's limit of unreceived messages does not stop A), then times `GET /Messages` list
/// queries with filters on A, each `repeats` times. Returns nothing; prints its figures.
async fn list_queries(
    a: &Api,
    b: &Api,
    b_address: &str,
    count: usize,
    repeats: usize,
    concurrency: usize,
    patience: Duration,
) -> Result<()> {
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let receiver = {
        let (b, stop) = (b.clone(), Arc::clone(&stop));
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                b.post("/Account/Sync", None).await?;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Ok::<_, anyhow::Error>(())
        })
    };
    let created = Arc::new(std::sync::Mutex::new(vec![String::new(); count]));
    let retries = Arc::new(AtomicUsize::new(0));
    let (latencies, wall) = {
        let (a, recipient) = (a.clone(), b_address.to_owned());
        let (created, retried) = (Arc::clone(&created), Arc::clone(&retries));
        run_phase(count, concurrency, move |i| {
            let (a, recipient) = (a.clone(), recipient.clone());
            let (created, retried) = (Arc::clone(&created), Arc::clone(&retried));
            async move {
                let at = send_message(&a, &recipient, i, patience, &retried).await?;
                created.lock().map_err(|_| anyhow!("poisoned"))?[i] = at;
                Ok(())
            }
        })
        .await
    }?;
    stop.store(true, Ordering::Relaxed);
    receiver.await??;
    report("(d) A: fill (send message)", latencies, wall);
    println!(
        "{:<34} {:>6}",
        "(d) retried sends",
        retries.load(Ordering::Relaxed)
    );

    // A createdAt window over about 1 % of the fill (at least 10 messages), in its middle.
    let created = created.lock().map_err(|_| anyhow!("poisoned"))?.clone();
    let mut sorted = created;
    sorted.sort();
    let width = (count / 100).max(10).min(count.saturating_sub(1));
    let from = &sorted[(count - width) / 2];
    let to = &sorted[(count - width) / 2 + width];
    let queries: Vec<(&str, String, usize)> = vec![
        (
            "createdAt window (~1 %)",
            format!("createdAt=%3E%3D{from}&createdAt=%3C%3D{to}"),
            repeats,
        ),
        (
            "participant+createdAt window",
            format!("participant={b_address}&createdAt=%3E%3D{from}&createdAt=%3C%3D{to}"),
            repeats,
        ),
        (
            "createdBy=B (none on A)",
            format!("createdBy={b_address}"),
            repeats,
        ),
        (
            "content.@type=Mail (none)",
            "content.@type=Mail".to_owned(),
            repeats,
        ),
        // Every message to B: the whole collection as DTOs, so only a few times.
        (
            "recipients.address=B (all)",
            format!("recipients.address={b_address}"),
            repeats.div_ceil(4).max(1),
        ),
    ];
    for (name, query, times) in queries {
        let results = Arc::new(AtomicUsize::new(0));
        let (latencies, wall) = {
            let (a, query, results) = (a.clone(), query.clone(), Arc::clone(&results));
            run_phase(times, 1, move |_| {
                let (a, query, results) = (a.clone(), query.clone(), Arc::clone(&results));
                async move {
                    let list = a.get(&format!("/Messages?{query}")).await?;
                    results.store(list.as_array().map_or(0, Vec::len), Ordering::Relaxed);
                    Ok(())
                }
            })
            .await?
        };
        report(&format!("(d) {name}"), latencies, wall);
        println!("{:<34} {:>6} results", "", results.load(Ordering::Relaxed));
    }
    Ok(())
}

/// Messages in B's store sent by `sender`.
async fn received_from(b: &Api, sender: &str) -> Result<usize> {
    let list = b.get(&format!("/Messages?createdBy={sender}")).await?;
    Ok(list
        .as_array()
        .map_or(0, |l| l.iter().filter(|m| m["createdBy"] == sender).count()))
}

/// Prints the peak RSS of the started processes (a note when none were started).
fn print_rss(procs: &[Proc], when: &str) {
    println!();
    if procs.is_empty() {
        println!("peak RSS {when}: not measured (running Connectors given by URL)");
    }
    for proc in procs {
        match peak_rss_kib(proc.pid()) {
            Some(kib) => println!(
                "peak RSS {when} {:<12} {:>8.1} MiB (pid {})",
                proc.name,
                kib as f64 / 1024.0,
                proc.pid()
            ),
            None => println!(
                "peak RSS {when} {:<12} unavailable (pid {})",
                proc.name,
                proc.pid()
            ),
        }
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let mut args = Args::parse();
    if args.short {
        args.messages = 40;
        args.templates = 10;
        args.concurrency = 4;
        args.list_messages = 200;
        args.list_repeats = 5;
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()?;

    let mut procs: Vec<Proc> = Vec::new();
    let mut _tmp = None;
    let a_urls: Vec<String> = args.a_url.iter().chain(&args.a_urls).cloned().collect();
    let (a, b) = match (a_urls.is_empty(), &args.b_url) {
        (false, Some(b_url)) => {
            let key = args.api_key.clone().ok_or_else(|| {
                anyhow!("--api-key (or LOADTEST_API_KEY) is needed with --a-url/--b-url")
            })?;
            (
                Api::new(&a_urls, &key, &client),
                Api::new(std::slice::from_ref(b_url), &key, &client),
            )
        }
        (true, Some(_)) => bail!("--b-url needs --a-url or --a-urls"),
        _ => {
            let exe = find_connector(args.connector.clone())?;
            let dir = std::env::temp_dir().join(format!("loadtest-rest-{}", std::process::id()));
            std::fs::create_dir_all(&dir)?;
            _tmp = Some(TempDir(dir.clone()));
            println!("connector binary: {}", exe.display());
            println!("logs and data:    {}", dir.display());
            let backbone_port = free_port()?;
            let backbone_url = format!("http://localhost:{backbone_port}");
            procs.push(start_backbone(&exe, &dir, backbone_port)?);
            let deadline = Instant::now() + Duration::from_secs(60);
            while tokio::net::TcpStream::connect(("127.0.0.1", backbone_port))
                .await
                .is_err()
            {
                if Instant::now() > deadline {
                    bail!("the dev Backbone did not come up (see {})", dir.display());
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let (a_port, b_port) = (free_port()?, free_port()?);
            procs.push(start_connector(
                &exe,
                &dir,
                "connector-a",
                &backbone_url,
                a_port,
            )?);
            procs.push(start_connector(
                &exe,
                &dir,
                "connector-b",
                &backbone_url,
                b_port,
            )?);
            let api =
                |port: u16| Api::new(&[format!("http://127.0.0.1:{port}")], DEFAULT_KEY, &client);
            (api(a_port), api(b_port))
        }
    };

    let a_address = a.wait_ready(Duration::from_secs(120), &mut procs).await?;
    let b_address = b.wait_ready(Duration::from_secs(120), &mut procs).await?;
    println!(
        "A = {a_address} ({})\nB = {b_address} ({})",
        a.describe(),
        b.describe()
    );
    let setup = Instant::now();
    relate(&a, &b, &b_address).await?;
    println!(
        "relationship established over REST in {:.2} s",
        setup.elapsed().as_secs_f64()
    );
    println!(
        "messages {}, templates {}, concurrency {}\n",
        args.messages, args.templates, args.concurrency
    );
    let already = received_from(&b, &a_address).await?;

    // (b) runs while (a) does: the Backbone refuses more than a few unreceived messages from one
    // sender (maxNumberOfUnreceivedMessagesReached), so B has to keep receiving.
    let expected = already + args.messages;
    let receive_timeout = Duration::from_secs(args.receive_timeout);
    let receiver = {
        let (b, a_address) = (b.clone(), a_address.clone());
        tokio::spawn(async move {
            let deadline = Instant::now() + receive_timeout;
            let (mut syncs, mut lists) = (Vec::new(), Vec::new());
            let start = Instant::now();
            loop {
                let t = Instant::now();
                b.post("/Account/Sync", None).await?;
                syncs.push(t.elapsed());
                let t = Instant::now();
                let received = received_from(&b, &a_address).await?;
                lists.push(t.elapsed());
                if received >= expected {
                    return Ok::<_, anyhow::Error>((syncs, lists, received, start.elapsed()));
                }
                if Instant::now() > deadline {
                    bail!("B received {received} of {expected} messages in {receive_timeout:?}");
                }
            }
        })
    };

    // (a) A sends N messages to B; a send refused for too many unreceived messages is retried
    // (the retries count into its latency).
    let sender = a.clone();
    let recipient = b_address.clone();
    let retries = Arc::new(AtomicUsize::new(0));
    let retried = Arc::clone(&retries);
    let (latencies, wall) = run_phase(args.messages, args.concurrency, move |i| {
        let (a, recipient, retried) = (sender.clone(), recipient.clone(), Arc::clone(&retried));
        async move {
            send_message(&a, &recipient, i, receive_timeout, &retried)
                .await
                .map(drop)
        }
    })
    .await?;
    report("(a) A: send message", latencies, wall);
    println!(
        "{:<34} {:>6} (maxNumberOfUnreceivedMessagesReached while B catches up)",
        "(a) retried sends",
        retries.load(Ordering::Relaxed)
    );

    let (syncs, lists, received, wall) = receiver.await??;
    report("(b) B: sync", syncs, wall);
    report("(b) B: list messages", lists, wall);
    println!(
        "{:<34} {:>6} msg {:>8.2} s {:>9.1} msg/s (from the start of (a))",
        "(b) B: messages received",
        received - already,
        wall.as_secs_f64(),
        (received - already) as f64 / wall.as_secs_f64().max(f64::EPSILON)
    );

    // (c) A creates M templates, each with a token.
    let creator = a.clone();
    let (latencies, wall) = run_phase(args.templates, args.concurrency, move |_| {
        let a = creator.clone();
        async move { create_template_with_token(&a).await.map(drop) }
    })
    .await?;
    report("(c) A: template + token", latencies, wall);
    print_rss(&procs, "after (c)");

    // (d) List queries over many messages.
    if args.list_messages > 0 {
        println!(
            "\n(d) A holds {} more messages to B before the list queries",
            args.list_messages
        );
        list_queries(
            &a,
            &b,
            &b_address,
            args.list_messages,
            args.list_repeats,
            args.concurrency,
            receive_timeout,
        )
        .await?;
        print_rss(&procs, "after (d)");
    }

    drop(procs);
    SUCCEEDED.store(true, Ordering::SeqCst);
    Ok(())
}
