//! The real TypeScript client `@nmshd/transport` 7.0.0 (pinned in `tests/package.json`) driven against
//! this development Backbone by `tests/node/backbone/flow.mjs`:
//!
//! - `full_flow_against_in_memory_server`: two identities onboard, template + token, relationship
//!   request/accept through sync, messages both ways (one with an attachment whose downloaded bytes
//!   equal the upload), files through a file token and a file reference, termination (a message held
//!   back while terminated), reactivation (request + accept), decomposition by both sides. The node
//!   script checks what the client sees at every step.
//! - `twenty_flows_in_parallel`: 20 of those flows at once (4 node processes × 5 flows) against one server.
//! - `restart_with_data_dir_mid_flow`: the flow pauses after the relationship is active and a message
//!   with an attachment is sent; the server is stopped and started again on the same port with the same
//!   data directory; the flow then logs in again, receives the message, downloads the attachment, loads
//!   the template through the token created before the restart. It pauses again after A accepted the
//!   reactivation; after the second restart B gets the change and the message held back while the
//!   relationship was terminated, and the flow goes on to the decomposition.
//! - `idle_keep_alive_connection_can_be_reused`: a connection the client left idle (with its event loop
//!   busy) must still be usable, as the transport's HTTP agents keep idle sockets without a timeout.
//! - `request_head_arriving_late_is_served`: a request whose head arrives seconds after the connection
//!   was opened (a busy client) is answered, as the real Backbone waits 30 s for request headers.
//!
//! Needs `node` (>= 20) and `tests/node_modules` (`npm ci` in `tests/`, which `scripts/test-all.sh` does).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is a failed test"
)]

use devbackbone::{BackboneConfig, RunningBackbone};
use node_harness::NodeProcess;
use std::path::Path;
use std::time::Duration;

/// Generous: the CI machine has two cores shared by the server and the node processes.
const SINGLE_FLOW_TIMEOUT: Duration = Duration::from_secs(300);
const PARALLEL_TIMEOUT: Duration = Duration::from_secs(900);
const PARALLEL_PROCESSES: usize = 4;
const FLOWS_PER_PROCESS: usize = 5;

/// The tests of this file load both cores (node processes doing crypto, the server); running them one
/// after the other keeps each one's timing close to what a single client run sees.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn require_node() {
    node_harness::require("@nmshd/transport");
}

/// `tests/node/backbone/<script>` against `base_url` with `extra_args`.
fn spawn_script(script: &str, base_url: &str, extra_args: &[&str]) -> NodeProcess {
    node_harness::script(&format!("backbone/{script}"))
        .arg(base_url)
        .args(extra_args)
        .spawn()
}

async fn start_server(port: u16, data_dir: Option<&Path>) -> RunningBackbone {
    let config = || BackboneConfig {
        port,
        data_dir: data_dir.map(Path::to_path_buf),
        ..BackboneConfig::default()
    };
    if port == 0 {
        return devbackbone::start(config())
            .await
            .unwrap_or_else(|e| panic!("starting the development Backbone failed: {e:?}"));
    }
    // A restart on a fixed port may briefly find it still taken; retry for a while.
    let what = format!("the development Backbone started on port {port}");
    test_support::eventually(&what, Duration::from_secs(10), async || {
        devbackbone::start(config())
            .await
            .map_err(|e| format!("{e:?}"))
    })
    .await
}

fn assert_passed(stdout: &str, flows: usize, name: &str) {
    let expected = format!("ok all {flows} flow(s) passed");
    assert!(
        stdout.lines().any(|l| l.starts_with(&expected)),
        "{name}: the script's stdout lacks `{expected}`:\n{stdout}"
    );
}

/// Each of `steps` is a line of the script's stdout.
fn assert_steps(stdout: &str, steps: &[&str]) {
    for step in steps {
        assert!(
            stdout.lines().any(|l| l == *step),
            "missing `{step}`:\n{stdout}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn full_flow_against_in_memory_server() {
    require_node();
    let _serial = ONE_AT_A_TIME.lock().await;
    let server = start_server(0, None).await;
    let flow = spawn_script("flow.mjs", &server.base_url(), &[]);
    let stdout = flow.finish(SINGLE_FLOW_TIMEOUT).await;
    println!("{stdout}");
    assert_passed(&stdout, 1, "full flow");
    assert_steps(
        &stdout,
        &[
            "ok B syncs and sees the relationship active",
            "ok B downloads the attachment",
            "ok B loads the file through the token and downloads it",
            "ok A loads the file through its reference and downloads it",
            "ok B syncs, sees the relationship active and gets the held-back message",
            "ok B decomposes the relationship",
        ],
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn twenty_flows_in_parallel() {
    require_node();
    let _serial = ONE_AT_A_TIME.lock().await;
    let server = start_server(0, None).await;
    let base_url = server.base_url();
    let flows_arg = FLOWS_PER_PROCESS.to_string();
    let processes: Vec<(String, NodeProcess)> = (1..=PARALLEL_PROCESSES)
        .map(|i| {
            let label = format!("p{i}");
            let args = ["--flows", &flows_arg, "--label", &label];
            (
                format!("process {label}"),
                spawn_script("flow.mjs", &base_url, &args),
            )
        })
        .collect();
    let results = futures_join_all(
        processes
            .into_iter()
            .map(|(name, p)| async move { (name, p.finish(PARALLEL_TIMEOUT).await) })
            .collect(),
    )
    .await;
    let mut finished = 0;
    for (name, stdout) in &results {
        println!("{name}:\n{stdout}");
        assert_passed(stdout, FLOWS_PER_PROCESS, name);
        finished += stdout.lines().filter(|l| l.starts_with("ok flow ")).count();
    }
    assert_eq!(finished, PARALLEL_PROCESSES * FLOWS_PER_PROCESS);
    server.stop().await;
}

/// Runs the futures concurrently (spawned on the runtime) and returns their outputs in order.
async fn futures_join_all<F>(futures: Vec<F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut outputs = Vec::with_capacity(handles.len());
    for handle in handles {
        match handle.await {
            Ok(output) => outputs.push(output),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => panic!("task failed: {e}"),
        }
    }
    outputs
}

/// Stops the server and starts it again on the same port with the same data directory.
async fn restart(server: RunningBackbone, data_dir: &Path) -> RunningBackbone {
    let port = server.port();
    let base_url = server.base_url();
    server.stop().await;
    // Nothing may answer on the port while the server is down.
    assert!(
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err(),
        "port {port} still accepts connections after stop()"
    );
    let server = start_server(port, Some(data_dir)).await;
    assert_eq!(server.port(), port);
    assert_eq!(server.base_url(), base_url);
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn restart_with_data_dir_mid_flow() {
    require_node();
    let _serial = ONE_AT_A_TIME.lock().await;
    let data_dir = tempfile::tempdir().unwrap();
    let server = start_server(0, Some(data_dir.path())).await;

    let mut flow = spawn_script("flow.mjs", &server.base_url(), &["--pause"]);
    flow.wait_for_line("PAUSE", SINGLE_FLOW_TIMEOUT).await;
    let before_first_restart = flow.stdout_text();
    let server = restart(server, data_dir.path()).await;
    flow.say("continue").await;

    flow.wait_for_line("PAUSE", SINGLE_FLOW_TIMEOUT).await;
    let before_second_restart = flow.stdout_text();
    let server = restart(server, data_dir.path()).await;
    flow.say("continue").await;

    let stdout = flow.finish(SINGLE_FLOW_TIMEOUT).await;
    println!("{stdout}");
    let last_step = |text: &str| {
        text.lines()
            .rev()
            .find(|l| *l != "PAUSE")
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(
        last_step(&before_first_restart),
        "ok A sends a message with the file attached to B",
        "the first pause is not where it should be:\n{before_first_restart}"
    );
    assert_eq!(
        last_step(&before_second_restart),
        "ok A accepts the reactivation",
        "the second pause is not where it should be:\n{before_second_restart}"
    );
    assert_passed(&stdout, 1, "restart flow");
    assert_steps(
        &stdout,
        &[
            "ok A logs in again from its local data",
            "ok B authenticates again",
            "ok B syncs and receives the message with the attachment",
            "ok B downloads the attachment",
            "ok C loads the template through the token and the template reference",
            "ok A and B authenticate again after the second restart",
            "ok B syncs, sees the relationship active and gets the held-back message",
            "ok B decomposes the relationship",
        ],
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn idle_keep_alive_connection_can_be_reused() {
    require_node();
    let _serial = ONE_AT_A_TIME.lock().await;
    let server = start_server(0, None).await;
    let check = spawn_script("keepalive.mjs", &server.base_url(), &["6"]);
    let stdout = check.finish(SINGLE_FLOW_TIMEOUT).await;
    println!("{stdout}");
    assert!(stdout.starts_with("ok "), "unexpected output: {stdout}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn request_head_arriving_late_is_served() {
    require_node();
    let _serial = ONE_AT_A_TIME.lock().await;
    let server = start_server(0, None).await;
    let check = spawn_script("slowhead.mjs", &server.base_url(), &["7"]);
    let stdout = check.finish(SINGLE_FLOW_TIMEOUT).await;
    println!("{stdout}");
    assert!(stdout.starts_with("ok "), "unexpected output: {stdout}");
    server.stop().await;
}
