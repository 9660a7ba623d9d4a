//! Lease behaviour, one set of test bodies run against `LocalLeases` and against `RedisLeases`
//! on the real Redis at `REDIS_URL` (default `redis://127.0.0.1:6379/`; start one with
//! `redis-server --daemonize yes --port 6379 --save ""`), each test under its own key prefix.
//! Plus Redis-only tests with several OS processes (this test binary started again in a child
//! mode) competing for one lease.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use connector_lease::{Lease, LeaseError, LeaseGuard, LeaseManager, RedisLeases};

/// Declares each behaviour test once per manager: `local::<name>` and `on_redis::<name>`.
macro_rules! on_both_managers {
    ($($name:ident),* $(,)?) => {
        mod local {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let manager = std::sync::Arc::new(connector_lease::LocalLeases::new());
                    super::behaviour::$name(manager).await;
                }
            )*
        }
        mod on_redis {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    let keys = super::TestKeys::new();
                    super::behaviour::$name(keys.manager().await).await;
                }
            )*
        }
    };
}

on_both_managers!(
    acquire_renew_release_cycle,
    mutual_exclusion_among_tasks,
    expiry_lets_another_take_over_with_a_larger_token,
    non_holder_cannot_release_or_renew,
    renewal_keeps_the_lease,
    guard_renews_in_background_and_reports_loss,
    dropped_guard_releases_the_lease,
    invalid_requests_are_errors,
    raised_tokens_pass_the_floor_and_stay_ordered,
);

fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".to_owned())
}

/// A key prefix unique to one test; its keys are deleted when it is dropped.
struct TestKeys {
    prefix: String,
}

impl TestKeys {
    fn new() -> Self {
        Self {
            prefix: format!(
                "test:lease:{}:{}",
                std::process::id(),
                uuid::Uuid::new_v4().simple()
            ),
        }
    }

    async fn manager(&self) -> Arc<dyn LeaseManager> {
        let manager = RedisLeases::connect(&redis_url(), &self.prefix)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "{e}: start Redis with: redis-server --daemonize yes --port 6379 --save \"\""
                )
            });
        Arc::new(manager)
    }

    fn connection(&self) -> redis::Connection {
        redis::Client::open(redis_url())
            .unwrap()
            .get_connection()
            .unwrap()
    }
}

impl Drop for TestKeys {
    fn drop(&mut self) {
        let Ok(mut connection) = redis::Client::open(redis_url()).and_then(|c| c.get_connection())
        else {
            return;
        };
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{}:*", self.prefix))
            .query(&mut connection)
            .unwrap_or_default();
        if !keys.is_empty() {
            let _: redis::RedisResult<()> = redis::cmd("DEL").arg(keys).query(&mut connection);
        }
    }
}

/// The test bodies, each given a manager with no leases held.
mod behaviour {
    use super::*;

    const LONG: Duration = Duration::from_secs(30);

    pub async fn acquire_renew_release_cycle(manager: Arc<dyn LeaseManager>) {
        let lease = manager.try_acquire("sync", LONG).await.unwrap().unwrap();
        assert_eq!(lease.name, "sync");
        assert!(lease.fencing_token >= 1);
        assert!(manager.try_acquire("sync", LONG).await.unwrap().is_none());
        // other names are independent
        let other = manager.try_acquire("other", LONG).await.unwrap().unwrap();
        assert_ne!(other.holder, lease.holder);
        assert!(manager.renew(&lease, LONG).await.unwrap());
        assert!(manager.release(&lease).await.unwrap());
        assert!(!manager.release(&lease).await.unwrap(), "released twice");
        assert!(
            !manager.renew(&lease, LONG).await.unwrap(),
            "renewed after release"
        );
        let again = manager.try_acquire("sync", LONG).await.unwrap().unwrap();
        assert!(again.fencing_token > lease.fencing_token);
        assert_ne!(again.holder, lease.holder);
    }

    /// Many tasks hammer one lease: never two inside at once, and the tokens handed out grow.
    pub async fn mutual_exclusion_among_tasks(manager: Arc<dyn LeaseManager>) {
        const TASKS: usize = 12;
        let inside = Arc::new(Mutex::new(0usize));
        let tokens = Arc::new(Mutex::new(Vec::new()));
        let deadline = tokio::time::Instant::now() + Duration::from_millis(800);
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let (manager, inside, tokens) = (
                    Arc::clone(&manager),
                    Arc::clone(&inside),
                    Arc::clone(&tokens),
                );
                tokio::spawn(async move {
                    while tokio::time::Instant::now() < deadline {
                        let Some(lease) = manager.try_acquire("sync", LONG).await.unwrap() else {
                            // Pacing the contenders (a retry rate, not a wait for something).
                            tokio::time::sleep(Duration::from_millis(1)).await;
                            continue;
                        };
                        {
                            let mut inside = inside.lock().unwrap();
                            *inside += 1;
                            assert_eq!(*inside, 1, "two holders at once");
                        }
                        tokens.lock().unwrap().push(lease.fencing_token);
                        // Time under test: the lease is held for a while, so overlaps would show.
                        tokio::time::sleep(Duration::from_millis(2)).await;
                        *inside.lock().unwrap() -= 1;
                        assert!(manager.release(&lease).await.unwrap());
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        let tokens = tokens.lock().unwrap();
        assert!(tokens.len() >= 10, "only {} acquisitions", tokens.len());
        assert!(
            tokens.windows(2).all(|w| w[0] < w[1]),
            "tokens not strictly increasing: {tokens:?}"
        );
    }

    pub async fn expiry_lets_another_take_over_with_a_larger_token(manager: Arc<dyn LeaseManager>) {
        let first = manager
            .try_acquire("sync", Duration::from_millis(150))
            .await
            .unwrap()
            .unwrap();
        assert!(manager.try_acquire("sync", LONG).await.unwrap().is_none());
        // Time under test: past the 150 ms TTL.
        tokio::time::sleep(Duration::from_millis(250)).await;
        let second = manager.try_acquire("sync", LONG).await.unwrap().unwrap();
        assert!(second.fencing_token > first.fencing_token);
        assert!(
            !manager.renew(&first, LONG).await.unwrap(),
            "expired holder renewed"
        );
        assert!(
            !manager.release(&first).await.unwrap(),
            "expired holder released"
        );
        assert!(
            manager.try_acquire("sync", LONG).await.unwrap().is_none(),
            "the new holder still holds it"
        );
        // an expired, never-released lease also just runs out
        assert!(
            manager
                .renew(&second, Duration::from_millis(100))
                .await
                .unwrap()
        );
        // Time under test: past the renewed 100 ms TTL.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let third = manager.try_acquire("sync", LONG).await.unwrap().unwrap();
        assert!(third.fencing_token > second.fencing_token);
    }

    pub async fn raised_tokens_pass_the_floor_and_stay_ordered(manager: Arc<dyn LeaseManager>) {
        let lease = manager.try_acquire("sync", LONG).await.unwrap().unwrap();
        // As after a Redis restart: a guarded document holds a token far above the counter.
        let floor = lease.fencing_token + 1000;
        let raised = manager
            .raise_fencing_token(&lease, floor)
            .await
            .unwrap()
            .unwrap();
        assert!(raised > floor, "{raised} <= {floor}");
        let forged = Lease {
            holder: "someone-else".into(),
            ..lease.clone()
        };
        assert_eq!(
            manager.raise_fencing_token(&forged, 1).await.unwrap(),
            None,
            "only the holder raises"
        );
        assert!(manager.release(&lease).await.unwrap());
        assert_eq!(
            manager.raise_fencing_token(&lease, 1).await.unwrap(),
            None,
            "a released lease is not raised"
        );
        let next = manager.try_acquire("sync", LONG).await.unwrap().unwrap();
        assert!(
            next.fencing_token > raised,
            "the next holder's token is larger"
        );
        let mut guard = LeaseGuard::try_acquire(Arc::clone(&manager), "other", LONG)
            .await
            .unwrap()
            .unwrap();
        assert!(guard.raise_fencing_token(500).await.unwrap());
        assert!(guard.fencing_token() > 500);
        assert!(manager.release(&next).await.unwrap());
    }

    pub async fn non_holder_cannot_release_or_renew(manager: Arc<dyn LeaseManager>) {
        let lease = manager.try_acquire("sync", LONG).await.unwrap().unwrap();
        let forged = Lease {
            holder: "someone-else".into(),
            ..lease.clone()
        };
        assert!(!manager.renew(&forged, LONG).await.unwrap());
        assert!(!manager.release(&forged).await.unwrap());
        let unknown = Lease {
            name: "never-acquired".into(),
            ..lease.clone()
        };
        assert!(!manager.release(&unknown).await.unwrap());
        assert!(manager.try_acquire("sync", LONG).await.unwrap().is_none());
        assert!(manager.release(&lease).await.unwrap());
    }

    pub async fn renewal_keeps_the_lease(manager: Arc<dyn LeaseManager>) {
        let ttl = Duration::from_millis(200);
        let lease = manager.try_acquire("sync", ttl).await.unwrap().unwrap();
        for _ in 0..6 {
            // Time under test: renewed within the TTL, six times over more than the TTL.
            tokio::time::sleep(Duration::from_millis(80)).await;
            assert!(manager.renew(&lease, ttl).await.unwrap());
            assert!(manager.try_acquire("sync", ttl).await.unwrap().is_none());
        }
        assert!(manager.release(&lease).await.unwrap());
    }

    pub async fn guard_renews_in_background_and_reports_loss(manager: Arc<dyn LeaseManager>) {
        let ttl = Duration::from_millis(150);
        let guard = LeaseGuard::try_acquire(Arc::clone(&manager), "sync", ttl)
            .await
            .unwrap()
            .unwrap();
        assert!(
            LeaseGuard::try_acquire(Arc::clone(&manager), "sync", ttl)
                .await
                .unwrap()
                .is_none()
        );
        // Time under test: four TTLs pass.
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert!(!guard.is_lost(), "kept across four TTLs by renewal");
        assert!(manager.try_acquire("sync", ttl).await.unwrap().is_none());

        // somebody removes it behind the guard's back and takes it over
        assert!(manager.release(guard.lease()).await.unwrap());
        let thief = manager.try_acquire("sync", LONG).await.unwrap().unwrap();
        assert!(thief.fencing_token > guard.fencing_token());
        let mut lost = guard.lost_signal();
        tokio::time::timeout(Duration::from_secs(2), lost.wait())
            .await
            .expect("the loss is reported within a TTL or so");
        assert!(guard.is_lost() && lost.is_lost());
        assert!(!guard.release().await.unwrap(), "nothing left to release");
        assert!(manager.release(&thief).await.unwrap(), "the thief keeps it");
    }

    pub async fn dropped_guard_releases_the_lease(manager: Arc<dyn LeaseManager>) {
        let guard = LeaseGuard::try_acquire(Arc::clone(&manager), "sync", LONG)
            .await
            .unwrap()
            .unwrap();
        let lost = guard.lost_signal();
        drop(guard);
        assert!(lost.is_lost());
        // The release runs in the background after the drop.
        let taken = test_support::eventually(
            "released long before its 30 s TTL",
            Duration::from_secs(2),
            async || {
                manager
                    .try_acquire("sync", LONG)
                    .await
                    .unwrap()
                    .ok_or("held")
            },
        )
        .await;
        assert!(manager.release(&taken).await.unwrap());
    }

    pub async fn invalid_requests_are_errors(manager: Arc<dyn LeaseManager>) {
        for (name, ttl) in [
            ("", LONG),
            ("a{b}", LONG),
            ("a\nb", LONG),
            ("sync", Duration::ZERO),
        ] {
            let err = manager.try_acquire(name, ttl).await.unwrap_err();
            assert!(
                matches!(err, LeaseError::Invalid(_)),
                "{name:?} {ttl:?}: {err}"
            );
        }
        let lease = manager.try_acquire("sync", LONG).await.unwrap().unwrap();
        let err = manager.renew(&lease, Duration::ZERO).await.unwrap_err();
        assert!(matches!(err, LeaseError::Invalid(_)), "{err}");
        assert!(manager.renew(&lease, LONG).await.unwrap(), "still held");
    }
}

/// Redis only: other processes, the key layout, an unreachable server.
mod redis_only {
    use std::collections::HashSet;
    use std::process::Command;

    use redis::Commands;

    use super::*;

    const CHILD_PREFIX: &str = "LEASE_TEST_CHILD_PREFIX";
    const CHILD_MODE: &str = "LEASE_TEST_CHILD_MODE";

    fn spawn_child(prefix: &str, mode: &str) -> std::process::Child {
        Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "redis_only::lease_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_PREFIX, prefix)
            .env(CHILD_MODE, mode)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    }

    fn finish(child: std::process::Child) -> String {
        let output = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "child failed: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        stdout
    }

    /// Four processes loop on one lease: never two holders, tokens in acquisition order grow.
    #[tokio::test]
    async fn processes_compete_one_holder_at_a_time() {
        let keys = TestKeys::new();
        let children: Vec<_> = (0..4)
            .map(|_| spawn_child(&keys.prefix, "compete"))
            .collect();
        for child in children {
            assert!(finish(child).contains("child done"));
        }
        let mut connection = keys.connection();
        let violations: Option<u64> = connection
            .get(format!("{}:violations", keys.prefix))
            .unwrap();
        assert_eq!(violations, None, "two processes held the lease at once");
        let log: Vec<String> = connection
            .lrange(format!("{}:log", keys.prefix), 0, -1)
            .unwrap();
        let entries: Vec<(u64, u32)> = log
            .iter()
            .map(|line| {
                let (token, pid) = line.split_once(' ').unwrap();
                (token.parse().unwrap(), pid.parse().unwrap())
            })
            .collect();
        assert!(entries.len() >= 8, "only {} acquisitions", entries.len());
        assert!(
            entries.windows(2).all(|w| w[0].0 < w[1].0),
            "tokens not strictly increasing: {entries:?}"
        );
        let holders: HashSet<u32> = entries.iter().map(|e| e.1).collect();
        assert!(holders.len() >= 2, "only {holders:?} ever held it");
    }

    /// A process that dies holding the lease blocks others only until the TTL runs out; the
    /// next holder gets a larger token.
    #[tokio::test]
    async fn a_crashed_holder_is_replaced_after_expiry() {
        let keys = TestKeys::new();
        let stdout = finish(spawn_child(&keys.prefix, "hold-and-exit"));
        // libtest prints "test ... " before the child's own output, on the same line
        let token: u64 = stdout
            .split("token ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap()
            .parse()
            .unwrap();
        let manager = keys.manager().await;
        assert!(
            manager
                .try_acquire("sync", Duration::from_secs(5))
                .await
                .unwrap()
                .is_none()
        );
        // Time under test: the dead holder's 700 ms TTL runs out.
        let lease = test_support::eventually(
            "the lease free after the holder's TTL",
            Duration::from_secs(5),
            async || {
                manager
                    .try_acquire("sync", Duration::from_secs(5))
                    .await
                    .unwrap()
                    .ok_or("held")
            },
        )
        .await;
        assert!(lease.fencing_token > token);
    }

    /// The child side of the tests above; does nothing when run as an ordinary test.
    #[tokio::test]
    async fn lease_child() {
        let (Ok(prefix), Ok(mode)) = (std::env::var(CHILD_PREFIX), std::env::var(CHILD_MODE))
        else {
            return;
        };
        let manager = RedisLeases::connect(&redis_url(), &prefix).await.unwrap();
        let mut connection = redis::Client::open(redis_url())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap();
        if mode == "hold-and-exit" {
            let lease = manager
                .try_acquire("sync", Duration::from_millis(700))
                .await
                .unwrap()
                .unwrap();
            println!("token {}", lease.fencing_token);
            return; // exits holding the lease
        }
        let deadline = tokio::time::Instant::now() + Duration::from_millis(1500);
        let pid = std::process::id();
        while tokio::time::Instant::now() < deadline {
            let Some(lease) = manager
                .try_acquire("sync", Duration::from_secs(5))
                .await
                .unwrap()
            else {
                // Pacing the contenders (a retry rate, not a wait for something).
                tokio::time::sleep(Duration::from_millis(2)).await;
                continue;
            };
            let inside: i64 =
                redis::AsyncCommands::incr(&mut connection, format!("{prefix}:inside"), 1)
                    .await
                    .unwrap();
            if inside != 1 {
                let _: i64 =
                    redis::AsyncCommands::incr(&mut connection, format!("{prefix}:violations"), 1)
                        .await
                        .unwrap();
            }
            let _: i64 = redis::AsyncCommands::rpush(
                &mut connection,
                format!("{prefix}:log"),
                format!("{} {pid}", lease.fencing_token),
            )
            .await
            .unwrap();
            // Time under test: the lease is held for a while, so overlaps would show.
            tokio::time::sleep(Duration::from_millis(5)).await;
            let _: i64 = redis::AsyncCommands::decr(&mut connection, format!("{prefix}:inside"), 1)
                .await
                .unwrap();
            assert!(manager.release(&lease).await.unwrap());
            // Pacing: give the other processes a chance.
            tokio::time::sleep(Duration::from_millis(3)).await;
        }
        println!("child done");
    }

    /// The lease key holds the holder and expires; the token counter does not expire.
    #[tokio::test]
    async fn keys_live_under_the_prefix() {
        let keys = TestKeys::new();
        let manager = keys.manager().await;
        let lease = manager
            .try_acquire("sync", Duration::from_secs(10))
            .await
            .unwrap()
            .unwrap();
        let mut connection = keys.connection();
        let lease_key = format!("{}:{{sync}}", keys.prefix);
        let holder: String = connection.get(&lease_key).unwrap();
        assert_eq!(holder, lease.holder);
        let ttl: i64 = connection.pttl(&lease_key).unwrap();
        assert!((1..=10_000).contains(&ttl), "{ttl}");
        let counter_key = format!("{lease_key}:fence");
        let counter: u64 = connection.get(&counter_key).unwrap();
        assert_eq!(counter, lease.fencing_token);
        let counter_ttl: i64 = connection.pttl(&counter_key).unwrap();
        assert_eq!(counter_ttl, -1, "the counter never expires");
    }

    /// A Redis of our own, killed half-way: the guard reports the loss by the lease's
    /// deadline, and calls fail with `Unavailable` instead of hanging or panicking.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn redis_going_away_is_reported_as_loss() {
        let port = free_port();
        let mut server = OwnRedis(
            Command::new("redis-server")
                .args([
                    "--port",
                    &port.to_string(),
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ])
                .stdout(std::process::Stdio::null())
                .spawn()
                .expect("redis-server is installed"),
        );
        let url = format!("redis://127.0.0.1:{port}/");
        let manager: Arc<dyn LeaseManager> = Arc::new(
            test_support::eventually(
                "own redis-server starts",
                Duration::from_secs(10),
                async || RedisLeases::connect(&url, "own").await,
            )
            .await,
        );
        let ttl = Duration::from_millis(600);
        let guard = LeaseGuard::try_acquire(Arc::clone(&manager), "sync", ttl)
            .await
            .unwrap()
            .unwrap();
        server.0.kill().unwrap();
        server.0.wait().unwrap();
        let mut lost = guard.lost_signal();
        tokio::time::timeout(Duration::from_secs(3), lost.wait())
            .await
            .expect("loss reported by the lease's deadline");
        let started = std::time::Instant::now();
        let err = manager.renew(guard.lease(), ttl).await.unwrap_err();
        assert!(matches!(err, LeaseError::Unavailable(_)), "{err}");
        let err = manager.try_acquire("sync", ttl).await.unwrap_err();
        assert!(matches!(err, LeaseError::Unavailable(_)), "{err}");
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "{:?}",
            started.elapsed()
        );
    }

    /// A redis-server started by a test; killed when dropped (also on panic).
    struct OwnRedis(std::process::Child);

    impl Drop for OwnRedis {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    #[tokio::test]
    async fn unreachable_redis_is_a_clear_error() {
        let port = free_port();
        let started = std::time::Instant::now();
        let err = RedisLeases::connect(&format!("redis://127.0.0.1:{port}/"), "p")
            .await
            .unwrap_err();
        assert!(matches!(err, LeaseError::Unavailable(_)), "{err}");
        assert!(started.elapsed() < Duration::from_secs(20));
        let err = RedisLeases::connect("not a url", "p").await.unwrap_err();
        assert!(matches!(err, LeaseError::Invalid(_)), "{err}");
        let err = RedisLeases::connect(&redis_url(), "").await.unwrap_err();
        assert!(matches!(err, LeaseError::Invalid(_)), "{err}");
    }
}
