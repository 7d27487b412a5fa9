//! Runtime configuration: CLI flags with environment fallbacks (see `cli.rs`),
//! gathered here so the library never reads the environment itself.

use std::time::Duration;

/// The default embedded database: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://hubgraph.db?mode=rwc";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_JWT_ISSUER: &str = "hubgraph";
pub const DEFAULT_JWT_AUDIENCE: &str = "hubgraph";

/// Every setting's default, once: `Config::new` and `Limits::default`
/// read them, and `hubgraph serve` shows them (durations are written as
/// its flags take them, e.g. "10s", and parsed with [`duration`]).
pub mod defaults {
    /// How long a request waits for a pooled connection before it is
    /// answered `SERVICE_UNAVAILABLE`. It bounds both a busy pool and an
    /// unreachable database (sqlx keeps retrying a refused connection until
    /// then), so it is short: a client retrying after a quick 503 is better
    /// off than one whose request hangs.
    pub const DB_ACQUIRE_TIMEOUT: &str = "2s";
    /// PostgreSQL's `lock_timeout`: how long a statement waits for a row or
    /// table lock before it fails with 55P03, answered `SERVICE_UNAVAILABLE`
    /// (503, `Retry-After`). Our transactions hold their locks for
    /// milliseconds, so a wait this long means the holder is stuck (an
    /// instance killed mid-transaction, whose session PostgreSQL keeps until
    /// `idle_in_transaction_session_timeout` ends it). With the 2 s acquire
    /// timeout it keeps a write within the 10 s request timeout (writes are
    /// not cut off by it, see `http::graphql`).
    pub const DB_LOCK_TIMEOUT: &str = "5s";
    /// PostgreSQL's `idle_in_transaction_session_timeout`: a session that
    /// sits in an open transaction without running a statement this long is
    /// ended by PostgreSQL, and its locks with it. That is what frees the
    /// rows a killed instance was writing (PostgreSQL cannot tell a dead
    /// client from a quiet one until TCP gives up, which takes minutes to
    /// hours). Nothing of hubgraph's waits inside a transaction for more
    /// than milliseconds; 30 s spares an instance that is alive but stalled
    /// (swapped out, CPU-starved) from losing its write, while the living
    /// wait at most the lock timeout for the dead.
    pub const DB_IDLE_IN_TRANSACTION_TIMEOUT: &str = "30s";
    /// How much of a SQLite file is read through a memory map: none. A map
    /// makes reads through the database 5-15% faster (`bench/RESULTS.md`,
    /// "The twelfth pass"), but each connection maps the file on its own
    /// and Linux counts a mapped page in the RSS once per connection that
    /// touched it: at 100,000 services four connections with 256 MiB maps
    /// showed over 1 GB of RSS for about 130 MB of the process's own memory,
    /// which is what container limits, monitoring and the OOM killer would see.
    pub const SQLITE_MMAP_BYTES: u64 = 0;
    pub const INTROSPECTION: &str = "on";
    pub const RATE_PER_TOKEN_PER_MINUTE: u32 = 1_200;
    pub const RATE_PER_IP_PER_MINUTE: u32 = 600;
    pub const REQUEST_TIMEOUT: &str = "10s";
    pub const SHUTDOWN_GRACE: &str = "20s";
    pub const WS_INIT_TIMEOUT: &str = "3s";
    pub const WS_KEEPALIVE: &str = "15s";
    pub const HUB_EXPIRY_INTERVAL: &str = "30s";
    /// Answers to anonymous queries kept by the response cache.
    pub const RESPONSE_CACHE_MB: u64 = 32;
    /// How long a kept answer is served at most, whatever the change
    /// announcements say: the bound on staleness if one is lost.
    pub const RESPONSE_CACHE_TTL: &str = "60s";
    /// What the keys of the shared rate-limit budgets in Redis start with.
    pub const RATE_LIMIT_REDIS_PREFIX: &str = "hubgraph:rate";
}

/// A default duration from [`defaults`] (each is parsed in a unit test).
pub fn duration(text: &str) -> Duration {
    humantime::parse_duration(text).unwrap_or_else(|e| panic!("default duration {text:?}: {e}"))
}

#[derive(Clone)]
pub struct Config {
    /// May hold a password: `Debug` shows it redacted.
    pub database_url: String,
    /// Database connections to open at most; `None`: the backend's default
    /// (`db::DEFAULT_SQLITE_POOL_SIZE`, `db::DEFAULT_POSTGRES_POOL_SIZE`).
    pub db_pool_size: Option<u32>,
    pub limits: Limits,
    /// Whether introspection is allowed (the playground needs it).
    pub introspection: bool,
    /// How long in-flight requests may take to finish on shutdown.
    pub shutdown_grace_secs: u64,
    /// How long a request waits for a database connection before it gets
    /// `SERVICE_UNAVAILABLE` (pool busy, or database out of reach).
    pub db_acquire_timeout: Duration,
    /// SQLite only: bytes of the file read through a memory map (0: none).
    pub sqlite_mmap_bytes: u64,
    /// PostgreSQL only: how long a statement waits for a lock before it
    /// fails (answered `SERVICE_UNAVAILABLE`); zero: for ever.
    pub db_lock_timeout: Duration,
    /// PostgreSQL only: how long a session may sit idle inside a
    /// transaction before PostgreSQL ends it, releasing its locks; zero: for ever.
    pub db_idle_in_transaction_timeout: Duration,
    /// Bearer token keys; with none set, tokens are off (anonymous reads only).
    pub jwt: JwtSettings,
    /// Origins browsers may call the API from; empty means any origin (the
    /// API is public and tokens travel in a header, not a cookie).
    pub cors_origins: Vec<String>,
    /// How long a WebSocket client has to send `connection_init` (and be
    /// acknowledged) before it is closed with 4408.
    pub ws_init_timeout: Duration,
    /// How often the server pings WebSocket clients, keeping proxies from
    /// closing quiet subscriptions.
    pub ws_keepalive: Duration,
    /// How often hubs whose manual status ran out (`validUntil`) are
    /// reverted to their opening hours; `None` turns the sweep off, and with
    /// it the hourly purge of day-old idempotency keys.
    pub hub_expiry_interval: Option<Duration>,
    /// Bytes of answers to anonymous queries kept (`http::response_cache`); 0 turns the cache off.
    pub response_cache_bytes: u64,
    /// How long a kept answer may be served at most, changes or not.
    pub response_cache_ttl: Duration,
    /// The Redis server whose rate-limit budgets every instance shares
    /// (`redis://host:port`); `None` keeps budgets in each process.
    pub rate_limit_redis: Option<String>,
    /// What the keys of the budgets in Redis start with: deployments that
    /// share one Redis server keep their budgets apart by it.
    pub rate_limit_redis_prefix: String,
}

/// JWT key material and expected claims. Secrets are never printed.
#[derive(Clone)]
pub struct JwtSettings {
    /// HS256 shared secret (at least 32 bytes).
    pub secret: Option<String>,
    /// PEM public key (RSA, EC P-256 or Ed25519): verifies tokens.
    pub public_key_pem: Option<String>,
    /// PEM private key matching `public_key_pem`: signs tokens.
    pub private_key_pem: Option<String>,
    /// Expected `iss`, and the one put in issued tokens.
    pub issuer: String,
    /// Expected `aud`, and the one put in issued tokens.
    pub audience: String,
    /// The `kid` tokens may name (and issued tokens carry); unset: tokens must name none.
    pub key_id: Option<String>,
}

impl Default for JwtSettings {
    fn default() -> Self {
        JwtSettings {
            secret: None,
            public_key_pem: None,
            private_key_pem: None,
            issuer: DEFAULT_JWT_ISSUER.into(),
            audience: DEFAULT_JWT_AUDIENCE.into(),
            key_id: None,
        }
    }
}

impl std::fmt::Debug for JwtSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = |value: &Option<String>| if value.is_some() { "<set>" } else { "<unset>" };
        f.debug_struct("JwtSettings")
            .field("secret", &set(&self.secret))
            .field("public_key_pem", &set(&self.public_key_pem))
            .field("private_key_pem", &set(&self.private_key_pem))
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("key_id", &self.key_id)
            .finish()
    }
}

/// Query and request limits; every one of them has to be set on purpose,
/// since async-graphql and poem enforce none by default.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_depth: usize,
    pub max_complexity: usize,
    /// Aliases in one document (graphql-armor's default).
    pub max_aliases: usize,
    /// Directives on one selection.
    pub max_directives: usize,
    pub max_body_bytes: usize,
    pub max_query_bytes: usize,
    pub request_timeout: Duration,
    /// Largest encoded answer, in bytes (RESPONSE_TOO_LARGE over it).
    pub max_response_bytes: usize,
    /// Most records one answer may hold, counted as they are read, so that
    /// a fan-out the complexity budget could not foresee stops early
    /// (RESPONSE_TOO_LARGE over it).
    pub max_response_records: usize,
    /// Requests a minute per partner whose bearer token verified (all its
    /// tokens together); `None` turns the limit off.
    pub rate_per_token_per_minute: Option<u32>,
    /// Requests a minute per IP address for anonymous callers; `None` turns the limit off.
    pub rate_per_ip_per_minute: Option<u32>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 15,
            max_complexity: 5_000,
            max_aliases: 15,
            max_directives: 5,
            max_body_bytes: 1024 * 1024,
            max_query_bytes: 32 * 1024,
            request_timeout: duration(defaults::REQUEST_TIMEOUT),
            max_response_bytes: 8 * 1024 * 1024,
            max_response_records: 50_000,
            rate_per_token_per_minute: Some(defaults::RATE_PER_TOKEN_PER_MINUTE),
            rate_per_ip_per_minute: Some(defaults::RATE_PER_IP_PER_MINUTE),
        }
    }
}

impl Config {
    pub fn new(database_url: impl Into<String>) -> Self {
        Config {
            database_url: database_url.into(),
            db_pool_size: None,
            limits: Limits::default(),
            introspection: defaults::INTROSPECTION == "on",
            shutdown_grace_secs: duration(defaults::SHUTDOWN_GRACE).as_secs(),
            db_acquire_timeout: duration(defaults::DB_ACQUIRE_TIMEOUT),
            sqlite_mmap_bytes: defaults::SQLITE_MMAP_BYTES,
            db_lock_timeout: duration(defaults::DB_LOCK_TIMEOUT),
            db_idle_in_transaction_timeout: duration(defaults::DB_IDLE_IN_TRANSACTION_TIMEOUT),
            jwt: JwtSettings::default(),
            cors_origins: Vec::new(),
            ws_init_timeout: duration(defaults::WS_INIT_TIMEOUT),
            ws_keepalive: duration(defaults::WS_KEEPALIVE),
            hub_expiry_interval: Some(duration(defaults::HUB_EXPIRY_INTERVAL)).filter(|d| !d.is_zero()),
            response_cache_bytes: defaults::RESPONSE_CACHE_MB * 1024 * 1024,
            response_cache_ttl: duration(defaults::RESPONSE_CACHE_TTL),
            rate_limit_redis: None,
            rate_limit_redis_prefix: defaults::RATE_LIMIT_REDIS_PREFIX.to_owned(),
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact_url(&self.database_url))
            .field("db_pool_size", &self.db_pool_size)
            .field("db_acquire_timeout", &self.db_acquire_timeout)
            .field("sqlite_mmap_bytes", &self.sqlite_mmap_bytes)
            .field("db_lock_timeout", &self.db_lock_timeout)
            .field("db_idle_in_transaction_timeout", &self.db_idle_in_transaction_timeout)
            .field("limits", &self.limits)
            .field("introspection", &self.introspection)
            .field("shutdown_grace_secs", &self.shutdown_grace_secs)
            .field("jwt", &self.jwt)
            .field("cors_origins", &self.cors_origins)
            .field("ws_init_timeout", &self.ws_init_timeout)
            .field("ws_keepalive", &self.ws_keepalive)
            .field("hub_expiry_interval", &self.hub_expiry_interval)
            .field("response_cache_bytes", &self.response_cache_bytes)
            .field("response_cache_ttl", &self.response_cache_ttl)
            .field("rate_limit_redis", &self.rate_limit_redis.as_deref().map(redact_url))
            .field("rate_limit_redis_prefix", &self.rate_limit_redis_prefix)
            .finish()
    }
}

/// A database URL fit to print: the password, if any, replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split_once(':').map_or(credentials, |(user, _)| user);
            format!("{scheme}://{user}:***@{host}{path}")
        }
        None => url.to_owned(),
    }
}

/// Checks that a database URL names a backend hubgraph runs on, without
/// repeating the URL (it may hold a password).
pub fn check_database_url(url: &str) -> Result<(), String> {
    let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
    match scheme {
        "sqlite" | "postgres" | "postgresql" => Ok(()),
        "" => Err("DATABASE_URL (--database-url) has no scheme: use sqlite://FILE?mode=rwc or postgres://...".into()),
        other => Err(format!(
            "DATABASE_URL (--database-url) has the unknown scheme `{}`: use sqlite://FILE?mode=rwc or postgres://...",
            other.chars().take(20).collect::<String>()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_duration_is_one() {
        use defaults::*;
        for text in [
            DB_ACQUIRE_TIMEOUT,
            DB_LOCK_TIMEOUT,
            DB_IDLE_IN_TRANSACTION_TIMEOUT,
            REQUEST_TIMEOUT,
            SHUTDOWN_GRACE,
            WS_INIT_TIMEOUT,
            WS_KEEPALIVE,
            HUB_EXPIRY_INTERVAL,
            RESPONSE_CACHE_TTL,
        ] {
            assert!(humantime::parse_duration(text).is_ok(), "{text}");
        }
        let config = Config::new("sqlite::memory:");
        assert_eq!(config.limits.request_timeout, Duration::from_secs(10));
        assert_eq!(config.response_cache_bytes, 32 * 1024 * 1024);
        assert_eq!(config.hub_expiry_interval, Some(Duration::from_secs(30)));
    }

    #[test]
    fn debug_output_hides_secrets() {
        let mut config = Config::new("postgres://hub:s3cr3t-pw@db.internal:5432/hubgraph?sslmode=require");
        config.jwt.secret = Some("a-very-secret-shared-secret-of-40-bytes!".into());
        config.jwt.private_key_pem = Some("-----BEGIN PRIVATE KEY-----\nMC4CAQ".into());
        let shown = format!("{config:?} {config:#?}");
        for secret in ["s3cr3t-pw", "a-very-secret", "BEGIN PRIVATE KEY"] {
            assert!(!shown.contains(secret), "{secret} shown in {shown}");
        }
        assert!(
            shown.contains("postgres://hub:***@db.internal:5432/hubgraph?sslmode=require"),
            "{shown}"
        );
        assert!(shown.contains("secret: \"<set>\""), "{shown}");
    }

    #[test]
    fn urls_without_a_password_are_shown_as_they_are() {
        assert_eq!(
            redact_url("sqlite://hubgraph.db?mode=rwc"),
            "sqlite://hubgraph.db?mode=rwc"
        );
        assert_eq!(redact_url("postgres://db/hubgraph"), "postgres://db/hubgraph");
        assert_eq!(redact_url("postgres://u@db/x"), "postgres://u:***@db/x");
    }

    #[test]
    fn database_url_schemes() {
        assert!(check_database_url("sqlite::memory:").is_ok());
        assert!(check_database_url("sqlite://x.db?mode=rwc").is_ok());
        assert!(check_database_url("postgresql://u:p@h/d").is_ok());
        let error = check_database_url("mysql://root:hunter2@h/d").unwrap_err();
        assert!(error.contains("`mysql`") && !error.contains("hunter2"), "{error}");
        assert!(check_database_url("hubgraph.db").is_err());
    }
}
