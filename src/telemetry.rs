//! Logging to stderr: text for people by default, one JSON object a line
//! with `--log-format json` (or `HUBGRAPH_LOG_FORMAT=json`); level from
//! `RUST_LOG` (default `info`). stdout stays free for command results.
//!
//! A JSON line has `timestamp`, `level`, `target`, the event's own fields at
//! the top level (the access log's `request_id`, `partner`, `operation`,
//! `outcome`, `duration_ms`), and `span`/`spans` with the fields of the
//! spans it happened in.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Installs the subscriber, with the format `HUBGRAPH_LOG_FORMAT` names
/// (text unless it says `json`); the binary uses [`init_with`] and the flag.
pub fn init() {
    let format = match std::env::var("HUBGRAPH_LOG_FORMAT").as_deref() {
        Ok("json") => LogFormat::Json,
        _ => LogFormat::Text,
    };
    init_with(format);
}

pub fn init_with(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colours only for a person at a terminal, never in files or collectors.
        .with_ansi(std::io::stderr().is_terminal());
    let result = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
    // A second init (e.g. in tests) keeps the first subscriber.
    let _ = result;
}
