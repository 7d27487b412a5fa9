//! Runtime configuration: CLI flags with environment fallbacks (see `cli.rs`),
//! gathered here so the library never reads the environment itself.

/// The default embedded database: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://hubgraph.db?mode=rwc";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub limits: Limits,
    /// Whether introspection is allowed (the playground needs it).
    pub introspection: bool,
    /// How long in-flight requests may take to finish on shutdown.
    pub shutdown_grace_secs: u64,
}

/// Query and request limits; every one of them has to be set on purpose,
/// since async-graphql and poem enforce none by default.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_depth: usize,
    pub max_complexity: usize,
    pub max_body_bytes: usize,
    pub max_query_bytes: usize,
    pub request_timeout_secs: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 15,
            max_complexity: 5_000,
            max_body_bytes: 1024 * 1024,
            max_query_bytes: 32 * 1024,
            request_timeout_secs: 10,
        }
    }
}

impl Config {
    pub fn new(database_url: impl Into<String>) -> Self {
        Config {
            database_url: database_url.into(),
            limits: Limits::default(),
            introspection: true,
            shutdown_grace_secs: 20,
        }
    }
}
