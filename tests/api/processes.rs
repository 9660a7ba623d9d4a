//! Child processes of tests: killed and reaped when the guard is dropped; free ports; a private
//! Redis server.

use std::process::Child;

/// A child process that is killed when this is dropped (also when the test panics).
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until something accepts TCP connections on 127.0.0.1:`port`.
pub async fn wait_for_port(port: u16, timeout: std::time::Duration) {
    let what = format!("something listening on port {port}");
    test_support::eventually(&what, timeout, async || {
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .map(drop)
    })
    .await;
}

/// Waits until the Connector behind `api` answers `GET /Account/IdentityInfo` with 200 (it may
/// not even listen yet); its address.
pub async fn wait_until_serving(
    api: &crate::rest_peer::Connector,
    timeout: std::time::Duration,
) -> String {
    let what = format!("the Connector at {} serving", api.url(""));
    let info = test_support::eventually(&what, timeout, async || {
        match api.try_call("GET", "/Account/IdentityInfo", None).await {
            Some((200, body)) => Ok(body),
            Some((status, body)) => Err(format!("{status} {body}")),
            None => Err("no connection".to_owned()),
        }
    })
    .await;
    let info: serde_json::Value = serde_json::from_str(&info).unwrap();
    info["result"]["address"].as_str().unwrap().to_owned()
}

/// A private `redis-server` on a free port (no persistence) that a test may stop and start
/// again on the same port; never the shared one on 6379.
pub struct RedisServer {
    port: u16,
    process: Option<KillOnDrop>,
}

impl RedisServer {
    pub async fn start() -> Self {
        let mut server = Self {
            port: free_port(),
            process: None,
        };
        server.restart().await;
        server
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills the server (SIGKILL: like a crash; its data is gone, as it keeps none on disk).
    pub fn stop(&mut self) {
        self.process = None;
    }

    /// Starts the server (again) on its port.
    pub async fn restart(&mut self) {
        self.stop();
        let child = std::process::Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("redis-server is not installed (apt-get install -y redis-server)");
        self.process = Some(KillOnDrop(child));
        wait_for_port(self.port, std::time::Duration::from_secs(20)).await;
    }
}

/// `connector start` as a child process of the test: in `dir`, on the embedded store in
/// `dir/data`, against the Backbone at `backbone`, serving on 127.0.0.1:`port` with the test's API
/// key, output discarded. Callers add their own environment (or pipes) and spawn it.
pub fn connector_start(dir: &std::path::Path, backbone: &str, port: u16) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_connector"));
    command
        .arg("start")
        .current_dir(dir)
        .env("transportLibrary__baseUrl", backbone)
        .env("transportLibrary__platformClientId", "test")
        .env("transportLibrary__platformClientSecret", "test")
        .env("database__folder", dir.join("data"))
        .env("infrastructure__httpServer__host", "127.0.0.1")
        .env("infrastructure__httpServer__port", port.to_string())
        .env(
            "infrastructure__httpServer__authentication__apiKey__keys__main",
            format!(r#"{{"key":"{}"}}"#, crate::helpers::FULL_KEY),
        )
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    command
}

/// The Connector serving on 127.0.0.1:`port`, once it answers with its identity.
pub async fn serving(port: u16) -> crate::rest_peer::Connector {
    let api = crate::rest_peer::Connector::remote(&format!("http://127.0.0.1:{port}"));
    wait_until_serving(&api, std::time::Duration::from_secs(60)).await;
    api
}
