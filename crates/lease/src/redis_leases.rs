//! Leases in Redis, for several replicas: the lease is a key holding the holder id with a
//! PX expiry; the fencing token comes from INCR on a companion counter key that never expires.
//!
//! Acquisition runs SET NX PX and INCR in one Lua script. As two commands, an old holder whose
//! INCR is delayed past its own expiry could draw a larger token than the next holder, which
//! would break the "newer lease, larger token" promise that fencing depends on.

use std::time::{Duration, Instant, SystemTime};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Client, RedisError, Script};

use crate::{Lease, LeaseError, LeaseManager, Result, new_holder, ttl_millis, validate_name};

/// KEYS[1] lease, KEYS[2] counter; ARGV[1] holder, ARGV[2] ttl ms. Returns the new fencing
/// token, or 0 when the lease is held (INCR never yields 0).
const ACQUIRE: &str = r#"
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('INCR', KEYS[2])
end
return 0
"#;

/// KEYS[1] lease; ARGV[1] holder, ARGV[2] ttl ms. 1 if renewed by its holder, else 0.
const RENEW: &str = r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"#;

/// KEYS[1] lease; ARGV[1] holder. 1 if deleted by its holder, else 0.
const RELEASE: &str = r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"#;

/// KEYS[1] lease, KEYS[2] counter; ARGV[1] holder, ARGV[2] floor. Raises the counter to at least
/// the floor and returns its next value, if the lease is held by the holder; else 0.
const RAISE: &str = r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  local current = tonumber(redis.call('GET', KEYS[2]) or '0')
  if current < tonumber(ARGV[2]) then
    redis.call('SET', KEYS[2], ARGV[2])
  end
  return redis.call('INCR', KEYS[2])
end
return 0
"#;

/// Connection and answer timeouts: a lease backend that does not answer within this is as good
/// as down, and the caller must learn it well within a lease TTL.
const TIMEOUT: Duration = Duration::from_secs(2);
/// Reconnection attempts per failed connection before an operation gives up.
const RECONNECT_RETRIES: usize = 2;

/// Lease manager on Redis. Cheap to clone; clones share the (auto-reconnecting) connection.
#[derive(Clone)]
pub struct RedisLeases {
    connection: ConnectionManager,
    prefix: String,
    acquire: Script,
    renew: Script,
    release: Script,
    raise: Script,
}

impl std::fmt::Debug for RedisLeases {
    // The URL may hold a password, so only the key prefix is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisLeases")
            .field("prefix", &self.prefix)
            .finish()
    }
}

fn error(e: RedisError) -> LeaseError {
    if e.is_io_error() || e.is_connection_refusal() || e.is_timeout() || e.is_connection_dropped() {
        LeaseError::Unavailable(format!("Redis: {e}"))
    } else {
        LeaseError::Backend(format!("Redis: {e}"))
    }
}

impl RedisLeases {
    /// Connects to `url` (`redis://host:port/db`) and keeps leases under `prefix`, e.g.
    /// `connector:<identity address>:lease`. Fails with [`LeaseError::Unavailable`] if Redis
    /// does not answer.
    pub async fn connect(url: &str, prefix: &str) -> Result<Self> {
        if prefix.is_empty() {
            return Err(LeaseError::Invalid("the key prefix is empty".into()));
        }
        let client =
            Client::open(url).map_err(|e| LeaseError::Invalid(format!("Redis URL: {e}")))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(TIMEOUT))
            .set_response_timeout(Some(TIMEOUT))
            .set_number_of_retries(RECONNECT_RETRIES);
        let connection = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(error)?;
        Ok(Self {
            connection,
            prefix: prefix.to_owned(),
            acquire: Script::new(ACQUIRE),
            renew: Script::new(RENEW),
            release: Script::new(RELEASE),
            raise: Script::new(RAISE),
        })
    }

    /// The lease key. The name is a hash tag (`{name}`) so that on Redis Cluster the lease and
    /// its counter, used together in one script, land in the same slot.
    fn lease_key(&self, name: &str) -> String {
        format!("{}:{{{name}}}", self.prefix)
    }

    fn counter_key(&self, name: &str) -> String {
        format!("{}:{{{name}}}:fence", self.prefix)
    }
}

#[async_trait::async_trait]
impl LeaseManager for RedisLeases {
    async fn try_acquire(&self, name: &str, ttl: Duration) -> Result<Option<Lease>> {
        validate_name(name)?;
        let ms = ttl_millis(ttl)?;
        let holder = new_holder();
        let sent = Instant::now();
        let token: u64 = self
            .acquire
            .key(self.lease_key(name))
            .key(self.counter_key(name))
            .arg(&holder)
            .arg(ms)
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(error)?;
        Ok((token > 0).then(|| Lease {
            name: name.to_owned(),
            holder,
            fencing_token: token,
            acquired_at: SystemTime::now(),
            expires_at: sent + ttl,
        }))
    }

    async fn renew(&self, lease: &Lease, ttl: Duration) -> Result<bool> {
        validate_name(&lease.name)?;
        let ms = ttl_millis(ttl)?;
        let renewed: i64 = self
            .renew
            .key(self.lease_key(&lease.name))
            .arg(&lease.holder)
            .arg(ms)
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(error)?;
        Ok(renewed == 1)
    }

    async fn release(&self, lease: &Lease) -> Result<bool> {
        validate_name(&lease.name)?;
        let released: i64 = self
            .release
            .key(self.lease_key(&lease.name))
            .arg(&lease.holder)
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(error)?;
        Ok(released == 1)
    }

    async fn raise_fencing_token(&self, lease: &Lease, above: u64) -> Result<Option<u64>> {
        validate_name(&lease.name)?;
        let token: u64 = self
            .raise
            .key(self.lease_key(&lease.name))
            .key(self.counter_key(&lease.name))
            .arg(&lease.holder)
            .arg(above)
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(error)?;
        Ok((token > 0).then_some(token))
    }
}
