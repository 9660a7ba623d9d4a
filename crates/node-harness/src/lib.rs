//! The one way the tests run the pinned TypeScript libraries (`tests/node_modules`, Node.js >= 20):
//! a script under `tests/node/` either answers one JSON input with one JSON output ([`Script::run_json`],
//! the judges) or talks a line protocol on stdin/stdout ([`Script::spawn`], the interop peers).
//! Every failure panics with what the script printed, so a broken judge explains itself.
#![allow(clippy::expect_used)] // test support: a missing pipe is a bug worth a panic

use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// `<repo>/tests`: where `package.json`, `node_modules` and the scripts (`node/...`) are.
pub fn tests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests")
}

/// Fails with an actionable message when node or the pinned package (e.g. `@nmshd/transport`) is missing.
pub fn require(package: &str) {
    let marker = tests_dir()
        .join("node_modules")
        .join(package)
        .join("package.json");
    assert!(
        marker.is_file(),
        "{} is missing: the tests need the pinned TypeScript libraries; run `scripts/test-all.sh` \
         (it runs `npm ci` in tests/)",
        marker.display()
    );
    let version = std::process::Command::new("node").arg("--version").output();
    assert!(
        version.as_ref().is_ok_and(|o| o.status.success()),
        "`node --version` failed ({version:?}): the tests need Node.js >= 20 on PATH"
    );
}

/// One script under `tests/node/`, with its arguments and environment; run in `tests/`.
#[derive(Debug, Clone)]
pub struct Script {
    relative: String,
    args: Vec<OsString>,
    envs: Vec<(String, String)>,
    inherit_stderr: bool,
}

/// `tests/node/<relative>`, e.g. `script("content/judge.mjs")`.
pub fn script(relative: &str) -> Script {
    Script {
        relative: relative.to_owned(),
        args: Vec::new(),
        envs: Vec::new(),
        inherit_stderr: false,
    }
}

impl Script {
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_os_string());
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(mut self, args: I) -> Self {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_os_string()));
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.envs.push((key.to_owned(), value.to_owned()));
        self
    }

    /// The script's stderr goes to the test's output as it is printed (for long-running drivers
    /// whose warnings matter), instead of being collected for the failure message.
    pub fn inherit_stderr(mut self) -> Self {
        self.inherit_stderr = true;
        self
    }

    fn path(&self) -> PathBuf {
        tests_dir().join("node").join(&self.relative)
    }

    /// Runs the script to its end with `input` as JSON on stdin (if any) and parses its stdout as JSON.
    pub fn run_json<I: Serialize + ?Sized, O: DeserializeOwned>(&self, input: Option<&I>) -> O {
        let mut command = std::process::Command::new("node");
        command
            .arg(self.path())
            .args(&self.args)
            .envs(self.envs.iter().map(|(k, v)| (k, v)))
            .current_dir(tests_dir())
            .stdin(if input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().unwrap_or_else(|e| {
            panic!(
                "spawning node {} failed (Node.js >= 20 on PATH?): {e}",
                self.relative
            )
        });
        if let Some(input) = input {
            let bytes = serde_json::to_vec(input).expect("the input serializes");
            let mut stdin = child.stdin.take().expect("stdin is piped");
            // A script that fails early closes stdin; its stderr below says why.
            let _ = stdin.write_all(&bytes);
        }
        let output = child.wait_with_output().expect("waiting for node");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "node {} exited with {}:\n{stderr}",
            self.relative,
            output.status
        );
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!(
                "node {} printed no JSON of the expected shape ({e}):\n{}\n{stderr}",
                self.relative,
                String::from_utf8_lossy(&output.stdout)
            )
        })
    }

    /// Starts the script for a line protocol on stdin/stdout; it is killed when dropped.
    pub fn spawn(&self) -> NodeProcess {
        let mut child = tokio::process::Command::new("node")
            .arg(self.path())
            .args(&self.args)
            .envs(self.envs.iter().map(|(k, v)| (k, v)))
            .current_dir(tests_dir())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(if self.inherit_stderr {
                Stdio::inherit()
            } else {
                Stdio::piped()
            })
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "spawning node {} failed (Node.js >= 20 on PATH?): {e}",
                    self.relative
                )
            });
        let stdin = child.stdin.take();
        let stdout_pipe = child.stdout.take().expect("stdout is piped");
        let (sender, lines) = mpsc::unbounded_channel();
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let collected = Arc::clone(&stdout);
        let stdout_done = tokio::spawn(async move {
            let mut reader = BufReader::new(stdout_pipe).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                collected
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(line.clone());
                // Nobody may be waiting for lines any more; keep collecting for the report.
                let _ = sender.send(line);
            }
        });
        let stderr = child.stderr.take().map(|mut pipe| {
            tokio::spawn(async move {
                let mut text = String::new();
                let _ = pipe.read_to_string(&mut text).await;
                text
            })
        });
        NodeProcess {
            name: self.relative.clone(),
            child,
            stdin,
            lines,
            stdout,
            stdout_done: Some(stdout_done),
            stderr,
        }
    }
}

/// A running script: its stdout arrives line by line (and is kept for the report), its stderr is collected.
pub struct NodeProcess {
    name: String,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::UnboundedReceiver<String>,
    stdout: Arc<Mutex<Vec<String>>>,
    stdout_done: Option<JoinHandle<()>>,
    stderr: Option<JoinHandle<String>>,
}

impl NodeProcess {
    /// The script's path under `tests/node/`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Everything printed on stdout so far, one line per line.
    pub fn stdout_text(&self) -> String {
        self.stdout
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .join("\n")
    }

    async fn collected_stderr(&mut self) -> String {
        match self.stderr.take() {
            Some(task) => tokio::time::timeout(Duration::from_secs(10), task)
                .await
                .ok()
                .and_then(Result::ok)
                .unwrap_or_default(),
            None => "(inherited)".to_owned(),
        }
    }

    /// Kills the process and panics with `why` and everything it printed.
    pub async fn fail(&mut self, why: &str) -> ! {
        let _ = self.child.kill().await;
        if let Some(task) = self.stdout_done.take() {
            let _ = task.await;
        }
        let stderr = self.collected_stderr().await;
        panic!(
            "node {}: {why}\n--- node stdout ---\n{}\n--- node stderr ---\n{stderr}",
            self.name,
            self.stdout_text()
        )
    }

    /// The next stdout line.
    pub async fn next_line(&mut self, timeout: Duration) -> String {
        match tokio::time::timeout(timeout, self.lines.recv()).await {
            Ok(Some(line)) => line,
            Ok(None) => {
                let status = self.child.wait().await;
                self.fail(&format!("exited ({status:?}) while a line was expected"))
                    .await
            }
            Err(_) => {
                self.fail(&format!("printed no line within {timeout:?}"))
                    .await
            }
        }
    }

    /// The next stdout line, which must start with `prefix`: the rest of it, trimmed.
    pub async fn expect(&mut self, prefix: &str, timeout: Duration) -> String {
        let line = self.next_line(timeout).await;
        match line.strip_prefix(prefix) {
            Some(rest) => rest.trim().to_owned(),
            None => {
                self.fail(&format!("expected `{prefix}…`, got `{line}`"))
                    .await
            }
        }
    }

    /// Skips stdout lines until one is exactly `line`.
    pub async fn wait_for_line(&mut self, line: &str, timeout: Duration) {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match tokio::time::timeout(left, self.lines.recv()).await {
                Ok(Some(l)) if l == line => return,
                Ok(Some(_)) => {}
                Ok(None) => {
                    let status = self.child.wait().await;
                    self.fail(&format!("exited ({status:?}) before printing `{line}`"))
                        .await
                }
                Err(_) => {
                    self.fail(&format!("did not print `{line}` within {timeout:?}"))
                        .await
                }
            }
        }
    }

    /// Writes one line to the script's stdin.
    pub async fn say(&mut self, line: &str) {
        let Some(stdin) = self.stdin.as_mut() else {
            self.fail(&format!("stdin is closed; cannot say `{line}`"))
                .await
        };
        let written = async {
            stdin.write_all(format!("{line}\n").as_bytes()).await?;
            stdin.flush().await
        }
        .await;
        if let Err(e) = written {
            self.fail(&format!("writing `{line}` to stdin failed: {e}"))
                .await
        }
    }

    /// Closes stdin, waits for a successful exit and returns everything printed on stdout.
    pub async fn finish(mut self, timeout: Duration) -> String {
        drop(self.stdin.take());
        let status: ExitStatus = match tokio::time::timeout(timeout, self.child.wait()).await {
            Ok(Ok(status)) => status,
            Ok(Err(e)) => self.fail(&format!("waiting for node failed: {e}")).await,
            Err(_) => {
                self.fail(&format!("did not finish within {timeout:?}"))
                    .await
            }
        };
        // The reader task ends when the pipe reaches end of file.
        if let Some(task) = self.stdout_done.take() {
            let _ = task.await;
        }
        let stderr = self.collected_stderr().await;
        let stdout = self.stdout_text();
        assert!(
            status.success(),
            "node {}: exited with {status}\n--- node stdout ---\n{stdout}\n--- node stderr ---\n{stderr}",
            self.name
        );
        if !stderr.trim().is_empty() && stderr != "(inherited)" {
            eprintln!("node {} stderr:\n{stderr}", self.name);
        }
        stdout
    }
}
