//! The identity commands beside a running Connector. The embedded store admits one process per
//! database, so a running Connector on the embedded store listens on a Unix socket next to its
//! database file (`<folder>/<dbName>.sock`, reachable only through the folder's permissions);
//! a CLI command that finds the database in use sends its command there, and the running
//! Connector executes it with its own transport and answers with the text to print.
//!
//! One JSON line each way: `{"command":"identityStatus"}` →
//! `{"output":"…"}` or `{"error":{"code":"error.…"|null,"message":"…"}}`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// An identity command the CLI can run locally or in the running Connector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum IdentityCommand {
    /// `identity status`.
    IdentityStatus,
    /// `identityDeletion init`.
    IdentityDeletionInit,
    /// `identityDeletion cancel`.
    IdentityDeletionCancel,
}

/// Why a command failed: a runtime rule (code and message) or anything else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandFailure {
    /// The runtime's error code, when the failure is one the user can act on.
    pub code: Option<String>,
    /// What went wrong.
    pub message: String,
}

impl From<connector_transport::TransportError> for CommandFailure {
    fn from(error: connector_transport::TransportError) -> Self {
        match error {
            connector_transport::TransportError::Rule { code, message } => Self {
                code: Some(code),
                message,
            },
            other => Self {
                code: None,
                message: other.to_string(),
            },
        }
    }
}

/// Runs `command` on `transport` and returns the text the CLI prints.
pub async fn execute(
    transport: &connector_transport::Transport,
    command: IdentityCommand,
) -> Result<String, CommandFailure> {
    match command {
        IdentityCommand::IdentityStatus => {
            let active = transport.active_identity_deletion_process().await?;
            Ok(crate::cli::identity_status_text(
                transport.address(),
                active.as_ref(),
            ))
        }
        IdentityCommand::IdentityDeletionInit => {
            transport.initiate_identity_deletion(None).await?;
            Ok("Identity deletion initiated".into())
        }
        IdentityCommand::IdentityDeletionCancel => {
            transport.cancel_identity_deletion().await?;
            Ok("Identity deletion cancelled".into())
        }
    }
}

/// The control socket of the embedded database file `database_file` (`x.db` → `x.sock`).
pub fn socket_path(database_file: &Path) -> PathBuf {
    database_file.with_extension("sock")
}

/// A listening control socket; the socket file is removed when this is dropped.
pub struct ControlSocket {
    path: PathBuf,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ControlSocket {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Listens on `path` for identity commands and runs them on `transport`. Only called by the
/// process holding the database's lock, so a socket file already there is a stale one of a
/// process that died and is replaced. `None` (with a warning) when the socket cannot be made:
/// the Connector still runs, only the CLI cannot reach it.
#[cfg(unix)]
pub fn listen(path: PathBuf, transport: connector_transport::Transport) -> Option<ControlSocket> {
    let _ = std::fs::remove_file(&path);
    let listener = match tokio::net::UnixListener::bind(&path) {
        Ok(listener) => listener,
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "the control socket for the identity commands cannot be created; run them while the Connector is stopped");
            return None;
        }
    };
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let transport = transport.clone();
            tokio::spawn(async move {
                if let Err(error) = answer(stream, &transport).await {
                    tracing::debug!(%error, "control socket connection failed");
                }
            });
        }
    });
    Some(ControlSocket { path, task })
}

/// Without Unix sockets the identity commands need the Connector stopped.
#[cfg(not(unix))]
pub fn listen(_path: PathBuf, _transport: connector_transport::Transport) -> Option<ControlSocket> {
    None
}

#[cfg(unix)]
async fn answer(
    stream: tokio::net::UnixStream,
    transport: &connector_transport::Transport,
) -> std::io::Result<()> {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    BufReader::new(read).read_line(&mut line).await?;
    let reply = match serde_json::from_str::<Value>(&line)
        .ok()
        .and_then(|v| serde_json::from_value::<IdentityCommand>(v["command"].clone()).ok())
    {
        Some(command) => match execute(transport, command).await {
            Ok(output) => json!({ "output": output }),
            Err(failure) => {
                json!({ "error": { "code": failure.code, "message": failure.message } })
            }
        },
        None => json!({ "error": { "code": null, "message": "unknown command" } }),
    };
    write.write_all(format!("{reply}\n").as_bytes()).await?;
    write.shutdown().await
}

/// Asks the Connector listening on `path` to run `command`; `Err` when it cannot be reached.
#[cfg(unix)]
pub async fn ask(
    path: &Path,
    command: IdentityCommand,
) -> std::io::Result<Result<String, CommandFailure>> {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let stream = tokio::net::UnixStream::connect(path).await?;
    let (read, mut write) = stream.into_split();
    write
        .write_all(format!("{}\n", json!({ "command": command })).as_bytes())
        .await?;
    let mut line = String::new();
    BufReader::new(read).read_line(&mut line).await?;
    let reply: Value = serde_json::from_str(&line)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
    if let Some(output) = reply["output"].as_str() {
        return Ok(Ok(output.to_owned()));
    }
    Ok(Err(CommandFailure {
        code: reply["error"]["code"].as_str().map(str::to_owned),
        message: reply["error"]["message"]
            .as_str()
            .unwrap_or("the running Connector gave no answer")
            .to_owned(),
    }))
}

/// Without Unix sockets the running Connector cannot be asked.
#[cfg(not(unix))]
pub async fn ask(
    _path: &Path,
    _command: IdentityCommand,
) -> std::io::Result<Result<String, CommandFailure>> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "no control socket on this platform",
    ))
}
