//! Logging: human-readable to stderr by default, JSON with `HUBGRAPH_LOG_FORMAT=json`;
//! level from `RUST_LOG` (default `info`). stdout stays free for command results.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colours only for a person at a terminal, never in files or collectors.
        .with_ansi(std::io::stderr().is_terminal());
    let result = if std::env::var("HUBGRAPH_LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
    // A second init (e.g. in tests) keeps the first subscriber.
    let _ = result;
}
