//! `hubgraph serve`'s settings: each from a flag or its environment
//! variable, checked before anything starts. A bad value stops the start-up
//! with a message naming the setting (clap names the flag; the checks here
//! name both), and never echoes a secret.

use std::time::Duration;

use clap::Args;

use super::auth::JwtArgs;
use crate::config::{Config, DEFAULT_BIND, Limits, defaults};

/// Settings of the server. Defaults come from `Config::new` and
/// `Limits::default`, so the library and the command line cannot disagree.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (HOST:PORT).
    #[arg(long, env = "HUBGRAPH_BIND", default_value = DEFAULT_BIND, value_parser = bind_address)]
    pub bind: String,
    /// Seed the demo data set when the database is empty.
    #[arg(long)]
    pub demo: bool,
    /// Database connections to open at most [default: 8 on SQLite, 16 on PostgreSQL].
    #[arg(long, env = "HUBGRAPH_DB_POOL_SIZE", value_parser = at_least_one::<u32>)]
    pub db_pool_size: Option<u32>,
    /// How long a request waits for a database connection before a 503 SERVICE_UNAVAILABLE (e.g. 2s).
    #[arg(long, env = "HUBGRAPH_DB_ACQUIRE_TIMEOUT", default_value = defaults::DB_ACQUIRE_TIMEOUT, value_parser = positive_duration)]
    pub db_acquire_timeout: Duration,
    /// PostgreSQL only: how long a statement waits for a lock before a 503 SERVICE_UNAVAILABLE (e.g. 5s; 0s: for ever).
    #[arg(long, env = "HUBGRAPH_DB_LOCK_TIMEOUT", default_value = defaults::DB_LOCK_TIMEOUT, value_parser = whole_milliseconds)]
    pub db_lock_timeout: Duration,
    /// PostgreSQL only: how long a session may idle inside a transaction before PostgreSQL ends it and frees its locks (e.g. 30s; 0s: for ever).
    #[arg(long, env = "HUBGRAPH_DB_IDLE_IN_TRANSACTION_TIMEOUT", default_value = defaults::DB_IDLE_IN_TRANSACTION_TIMEOUT, value_parser = whole_milliseconds)]
    pub db_idle_in_transaction_timeout: Duration,
    /// SQLite only: bytes of the database file read through a memory map (0: none).
    #[arg(long, env = "HUBGRAPH_SQLITE_MMAP_BYTES", default_value_t = defaults::SQLITE_MMAP_BYTES)]
    pub sqlite_mmap_bytes: u64,
    /// Introspection on or off (the playground needs it on).
    #[arg(long, env = "HUBGRAPH_INTROSPECTION", default_value = defaults::INTROSPECTION, value_parser = ["on", "off"])]
    pub introspection: String,
    /// Origins browsers may call the API from (repeat, or comma-separated); any origin when none is given.
    #[arg(long = "cors-origin", env = "HUBGRAPH_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// Requests a minute per partner with a verified bearer token, all its tokens together (0: no limit).
    #[arg(long, env = "HUBGRAPH_RATE_LIMIT_PER_TOKEN", default_value_t = defaults::RATE_PER_TOKEN_PER_MINUTE)]
    pub rate_per_token: u32,
    /// Requests a minute per IP address for anonymous callers (0: no limit).
    #[arg(long, env = "HUBGRAPH_RATE_LIMIT_PER_IP", default_value_t = defaults::RATE_PER_IP_PER_MINUTE)]
    pub rate_per_ip: u32,
    /// Deepest selection nesting a query may have.
    #[arg(long, env = "HUBGRAPH_MAX_DEPTH", default_value_t = Limits::default().max_depth, value_parser = at_least_one::<usize>)]
    pub max_depth: usize,
    /// Complexity budget of one query (lists count `first` times their fields).
    #[arg(long, env = "HUBGRAPH_MAX_COMPLEXITY", default_value_t = Limits::default().max_complexity, value_parser = at_least_one::<usize>)]
    pub max_complexity: usize,
    /// Aliases one document may use.
    #[arg(long, env = "HUBGRAPH_MAX_ALIASES", default_value_t = Limits::default().max_aliases, value_parser = at_least_one::<usize>)]
    pub max_aliases: usize,
    /// Directives one selection may carry.
    #[arg(long, env = "HUBGRAPH_MAX_DIRECTIVES", default_value_t = Limits::default().max_directives, value_parser = at_least_one::<usize>)]
    pub max_directives: usize,
    /// Largest request body, in bytes.
    #[arg(long, env = "HUBGRAPH_MAX_BODY_BYTES", default_value_t = Limits::default().max_body_bytes, value_parser = at_least_one::<usize>)]
    pub max_body_bytes: usize,
    /// Largest query text, in bytes.
    #[arg(long, env = "HUBGRAPH_MAX_QUERY_BYTES", default_value_t = Limits::default().max_query_bytes, value_parser = at_least_one::<usize>)]
    pub max_query_bytes: usize,
    /// Largest encoded answer, in bytes (RESPONSE_TOO_LARGE over it).
    #[arg(long, env = "HUBGRAPH_MAX_RESPONSE_BYTES", default_value_t = Limits::default().max_response_bytes, value_parser = at_least_one::<usize>)]
    pub max_response_bytes: usize,
    /// Most records one answer may hold (RESPONSE_TOO_LARGE over it).
    #[arg(long, env = "HUBGRAPH_MAX_RESPONSE_RECORDS", default_value_t = Limits::default().max_response_records, value_parser = at_least_one::<usize>)]
    pub max_response_records: usize,
    /// How long a read may run before it is answered with TIMEOUT (e.g. 10s).
    #[arg(long, env = "HUBGRAPH_REQUEST_TIMEOUT", default_value = defaults::REQUEST_TIMEOUT, value_parser = positive_duration)]
    pub request_timeout: Duration,
    /// How long in-flight requests may take to finish on shutdown (e.g. 20s; 0s: not at all).
    #[arg(long, env = "HUBGRAPH_SHUTDOWN_GRACE", default_value = defaults::SHUTDOWN_GRACE, value_parser = whole_seconds)]
    pub shutdown_grace: Duration,
    /// How long a WebSocket client has to send connection_init (e.g. 3s).
    #[arg(long, env = "HUBGRAPH_WS_INIT_TIMEOUT", default_value = defaults::WS_INIT_TIMEOUT, value_parser = positive_duration)]
    pub ws_init_timeout: Duration,
    /// How often the server pings WebSocket clients (e.g. 15s).
    #[arg(long, env = "HUBGRAPH_WS_KEEPALIVE", default_value = defaults::WS_KEEPALIVE, value_parser = positive_duration)]
    pub ws_keepalive: Duration,
    /// How often expired manual hub statuses are reverted (e.g. 30s; 0s: never).
    #[arg(long, env = "HUBGRAPH_HUB_EXPIRY_INTERVAL", default_value = defaults::HUB_EXPIRY_INTERVAL, value_parser = duration)]
    pub hub_expiry_interval: Duration,
    /// Megabytes of answers to anonymous queries kept, dropped at every change (0: no cache).
    #[arg(long, env = "HUBGRAPH_RESPONSE_CACHE_MB", default_value_t = defaults::RESPONSE_CACHE_MB)]
    pub response_cache_mb: u64,
    /// How long a kept answer may be served at most, changes or not (e.g. 60s; 0s: no cache).
    #[arg(long, env = "HUBGRAPH_RESPONSE_CACHE_TTL", default_value = defaults::RESPONSE_CACHE_TTL, value_parser = duration)]
    pub response_cache_ttl: Duration,
    /// A Redis server that holds the rate-limit budgets for every instance (e.g. redis://127.0.0.1:6379); without it each instance keeps its own.
    #[arg(long, env = "HUBGRAPH_RATE_LIMIT_REDIS")]
    pub rate_limit_redis: Option<String>,
    /// What the keys of those budgets start with (deployments sharing one Redis keep apart by it).
    #[arg(long, env = "HUBGRAPH_RATE_LIMIT_REDIS_PREFIX", default_value = defaults::RATE_LIMIT_REDIS_PREFIX)]
    pub rate_limit_redis_prefix: String,
    #[command(flatten)]
    pub jwt: JwtArgs,
}

impl ServeArgs {
    /// The server's configuration; fails on JWT settings that cannot work
    /// (the key material itself is checked when the keys are built).
    pub fn config(&self, database_url: String) -> anyhow::Result<Config> {
        let mut config = Config::new(database_url);
        config.db_pool_size = self.db_pool_size;
        config.db_acquire_timeout = self.db_acquire_timeout;
        config.sqlite_mmap_bytes = self.sqlite_mmap_bytes;
        config.db_lock_timeout = self.db_lock_timeout;
        config.db_idle_in_transaction_timeout = self.db_idle_in_transaction_timeout;
        config.introspection = self.introspection == "on";
        config.limits = Limits {
            max_depth: self.max_depth,
            max_complexity: self.max_complexity,
            max_aliases: self.max_aliases,
            max_directives: self.max_directives,
            max_body_bytes: self.max_body_bytes,
            max_query_bytes: self.max_query_bytes,
            request_timeout: self.request_timeout,
            max_response_bytes: self.max_response_bytes,
            max_response_records: self.max_response_records,
            rate_per_token_per_minute: Some(self.rate_per_token).filter(|n| *n > 0),
            rate_per_ip_per_minute: Some(self.rate_per_ip).filter(|n| *n > 0),
        };
        config.cors_origins = self
            .cors_origins
            .iter()
            .map(|o| o.trim().to_owned())
            .filter(|o| !o.is_empty())
            .collect();
        config.jwt = self.jwt.settings()?;
        config.shutdown_grace_secs = self.shutdown_grace.as_secs();
        config.ws_init_timeout = self.ws_init_timeout;
        config.ws_keepalive = self.ws_keepalive;
        config.hub_expiry_interval = Some(self.hub_expiry_interval).filter(|i| !i.is_zero());
        config.response_cache_bytes = self.response_cache_mb.saturating_mul(1024 * 1024);
        config.response_cache_ttl = self.response_cache_ttl;
        config.rate_limit_redis = self.rate_limit_redis.clone().filter(|url| !url.trim().is_empty());
        config.rate_limit_redis_prefix = self.rate_limit_redis_prefix.clone();
        Ok(config)
    }
}

/// `HOST:PORT` (an IP address or a name, and a port number).
fn bind_address(text: &str) -> Result<String, String> {
    if text.parse::<std::net::SocketAddr>().is_ok() {
        return Ok(text.to_owned());
    }
    let usage = "expected HOST:PORT, e.g. 127.0.0.1:8080, 0.0.0.0:8080 or [::]:8080";
    let Some((host, port)) = text.rsplit_once(':') else {
        return Err(usage.into());
    };
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    if !host_ok || port.parse::<u16>().is_err() {
        return Err(usage.into());
    }
    Ok(text.to_owned())
}

/// A whole number of at least 1.
fn at_least_one<T>(text: &str) -> Result<T, String>
where
    T: std::str::FromStr + PartialOrd + From<u8>,
{
    match text.trim().parse::<T>() {
        Ok(n) if n >= T::from(1) => Ok(n),
        Ok(_) => Err("must be at least 1".into()),
        Err(_) => Err("expected a whole number of at least 1".into()),
    }
}

/// A duration such as `500ms`, `10s`, `2m`; zero allowed.
fn duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim()).map_err(|e| format!("expected a duration such as 500ms, 10s or 2m ({e})"))
}

/// A duration longer than zero.
fn positive_duration(text: &str) -> Result<Duration, String> {
    match duration(text)? {
        d if d.is_zero() => Err("must be longer than 0s".into()),
        d => Ok(d),
    }
}

/// A duration in whole milliseconds (PostgreSQL's timeouts are counted in them).
fn whole_milliseconds(text: &str) -> Result<Duration, String> {
    match duration(text)? {
        d if d.subsec_nanos() % 1_000_000 != 0 => {
            Err("must be a whole number of milliseconds, e.g. 5s or 1500ms".into())
        }
        // PostgreSQL takes at most INT_MAX milliseconds.
        d if d.as_millis() > 2_147_483_647 => Err("must be at most 24 days".into()),
        d => Ok(d),
    }
}

/// A duration in whole seconds (the shutdown grace is counted in seconds).
fn whole_seconds(text: &str) -> Result<Duration, String> {
    match duration(text)? {
        d if d.subsec_nanos() != 0 => Err("must be a whole number of seconds, e.g. 20s".into()),
        d => Ok(d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bind_addresses() {
        for good in [
            "127.0.0.1:8080",
            "0.0.0.0:0",
            "[::]:8080",
            "localhost:8080",
            "api.example-1.scot:443",
        ] {
            assert_eq!(bind_address(good).as_deref(), Ok(good));
        }
        for bad in [
            "",
            "8080",
            "localhost",
            "localhost:http",
            "127.0.0.1:70000",
            "a b:80",
            ":80",
        ] {
            assert!(bind_address(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sizes_and_durations() {
        assert_eq!(at_least_one::<usize>("15"), Ok(15));
        assert!(at_least_one::<usize>("0").is_err());
        assert!(at_least_one::<u32>("-1").is_err());
        assert!(at_least_one::<u32>("many").is_err());
        assert_eq!(positive_duration("500ms"), Ok(Duration::from_millis(500)));
        assert!(positive_duration("0s").is_err());
        assert!(positive_duration("10").is_err(), "a unit is required");
        assert_eq!(duration("0s"), Ok(Duration::ZERO));
        assert_eq!(whole_seconds("1m"), Ok(Duration::from_secs(60)));
        assert!(whole_seconds("1500ms").is_err());
        assert_eq!(whole_milliseconds("0s"), Ok(Duration::ZERO));
        assert_eq!(whole_milliseconds("1500ms"), Ok(Duration::from_millis(1500)));
        assert!(whole_milliseconds("1500us").is_err());
        assert!(whole_milliseconds("30d").is_err(), "over PostgreSQL's largest timeout");
    }
}
