//! `hubgraph serve`'s settings: a bad value stops the start-up with a
//! message naming the setting, secrets are never printed, and the README's
//! configuration table lists every flag `serve --help` shows.

use std::collections::BTreeSet;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const SECRET: &str = "a-jwt-secret-that-is-long-enough-0123456789";
const DB_PASSWORD: &str = "pg-pass-w0rd-never-shown";

/// Runs `hubgraph serve` with `args` and `env`; a server that starts
/// instead of refusing is stopped after 60 s and fails the test.
fn serve(args: &[&str], env: &[(&str, &str)]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("settings.db").display());
    let mut command = Command::new(env!("CARGO_BIN_EXE_hubgraph"));
    command
        .arg("serve")
        .args(args)
        .env("HUBGRAPH_BIND", "127.0.0.1:0")
        .env("DATABASE_URL", &url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("serve {args:?} {env:?} started instead of refusing");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn refused(args: &[&str], env: &[(&str, &str)], names: &[&str]) {
    let output = serve(args, env);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{args:?} {env:?} accepted:\n{stderr}");
    for name in names {
        assert!(stderr.contains(name), "{args:?} {env:?}: no {name} in:\n{stderr}");
    }
    for secret in [SECRET, DB_PASSWORD] {
        assert!(!stderr.contains(secret), "a secret printed:\n{stderr}");
    }
    assert!(stderr.lines().count() <= 10, "not a short message:\n{stderr}");
}

#[test]
fn bad_values_stop_the_start_up_with_a_message_naming_the_setting() {
    refused(&["--max-depth=0"], &[], &["--max-depth", "at least 1"]);
    refused(
        &[],
        &[("HUBGRAPH_DB_POOL_SIZE", "0")],
        &["--db-pool-size", "at least 1"],
    );
    refused(&["--db-pool-size=-2"], &[], &["--db-pool-size"]);
    refused(&["--max-body-bytes=lots"], &[], &["--max-body-bytes", "whole number"]);
    refused(&[], &[("HUBGRAPH_MAX_COMPLEXITY", "0")], &["--max-complexity"]);
    refused(&["--request-timeout=soon"], &[], &["--request-timeout", "duration"]);
    refused(&["--request-timeout=0s"], &[], &["--request-timeout", "longer than 0s"]);
    refused(&[], &[("HUBGRAPH_SHUTDOWN_GRACE", "20")], &["--shutdown-grace"]);
    refused(&[], &[("HUBGRAPH_WS_KEEPALIVE", "0s")], &["--ws-keepalive"]);
    refused(&["--bind=nowhere"], &[], &["--bind", "HOST:PORT"]);
    refused(&[], &[("HUBGRAPH_BIND", "127.0.0.1:99999")], &["--bind"]);
    refused(&[], &[("HUBGRAPH_LOG_FORMAT", "xml")], &["--log-format", "json"]);
    refused(&["--introspection=maybe"], &[], &["--introspection"]);
    refused(
        &[],
        &[(
            "DATABASE_URL",
            &format!("mysql://root:{DB_PASSWORD}@localhost/hubgraph"),
        )],
        &["DATABASE_URL", "`mysql`"],
    );
    refused(
        &[],
        &[("HUBGRAPH_JWT_SECRET", "too-short")],
        &["HUBGRAPH_JWT_SECRET", "32 bytes"],
    );
}

#[test]
fn help_never_shows_secrets_from_the_environment() {
    let output = Command::new(env!("CARGO_BIN_EXE_hubgraph"))
        .args(["serve", "--help"])
        .env("HUBGRAPH_JWT_SECRET", SECRET)
        .env("DATABASE_URL", format!("postgres://hub:{DB_PASSWORD}@db/hubgraph"))
        .output()
        .unwrap();
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(
        help.contains("HUBGRAPH_JWT_SECRET") && help.contains("DATABASE_URL"),
        "{help}"
    );
    assert!(!help.contains(SECRET) && !help.contains(DB_PASSWORD), "{help}");
}

/// Flags (`--bind`) and environment variables (`HUBGRAPH_BIND`) that `serve --help` lists.
fn help_settings() -> (BTreeSet<String>, BTreeSet<String>) {
    let output = Command::new(env!("CARGO_BIN_EXE_hubgraph"))
        .args(["serve", "--help"])
        .env_clear()
        .output()
        .unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    let mut flags = BTreeSet::new();
    let mut envs = BTreeSet::new();
    for line in help.lines() {
        let line = line.trim_start();
        // Option lines start with the flag: `-h, --help` or `--bind <BIND>`.
        let option = line.strip_prefix("-h, ").unwrap_or(line);
        if let Some(rest) = option.strip_prefix("--") {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            flags.insert(format!("--{name}"));
        }
        if let Some((_, rest)) = line.split_once("[env: ") {
            let name: String = rest.chars().take_while(|c| *c != ']' && *c != '=').collect();
            envs.insert(name);
        }
    }
    flags.remove("--help");
    flags.remove("--version");
    (flags, envs)
}

/// The rows of the README's configuration table.
fn readme_table() -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = readme
        .split("\n## Configuration\n")
        .nth(1)
        .expect("a Configuration section")
        .split("\n## ")
        .next()
        .unwrap()
        .to_owned();
    section
        .lines()
        .filter(|l| l.starts_with('|'))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Backticked words of `text` that start with `prefix` (`--db-pool-size`, `HUBGRAPH_BIND`).
fn quoted(text: &str, prefix: &str) -> BTreeSet<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter_map(|word| {
            let word = word.split([' ', '=']).next()?;
            word.starts_with(prefix).then(|| word.to_owned())
        })
        .collect()
}

#[test]
fn the_readme_lists_every_setting_of_serve() {
    let (flags, envs) = help_settings();
    assert!(flags.len() >= 20 && envs.len() >= 20, "{flags:?} {envs:?}");
    let table = readme_table();
    let listed_flags = quoted(&table, "--");
    let listed_envs: BTreeSet<String> = quoted(&table, "")
        .into_iter()
        .filter(|w| w.starts_with("HUBGRAPH_") || *w == "DATABASE_URL" || *w == "RUST_LOG")
        .collect();
    let missing: Vec<_> = flags.difference(&listed_flags).collect();
    assert!(
        missing.is_empty(),
        "flags of `serve --help` not in the README table: {missing:?}"
    );
    let missing: Vec<_> = envs.difference(&listed_envs).collect();
    assert!(
        missing.is_empty(),
        "variables of `serve --help` not in the README table: {missing:?}"
    );
    let stale: Vec<_> = listed_flags.difference(&flags).collect();
    assert!(
        stale.is_empty(),
        "flags in the README table that serve does not have: {stale:?}"
    );
    let stale: Vec<_> = listed_envs.difference(&envs).filter(|e| *e != "RUST_LOG").collect();
    assert!(
        stale.is_empty(),
        "variables in the README table that serve does not read: {stale:?}"
    );
}
