//! The `hubgraph` binary as a child process, for the tests that kill it or
//! stop it with a signal: nothing short of a real process shows what a
//! crash or a SIGTERM does.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::helpers::TEST_JWT_SECRET;

/// How long the server may take to start (migrations included) on a busy machine.
const START_WAIT: Duration = Duration::from_secs(60);

/// A running `hubgraph serve`, killed (SIGKILL) when dropped.
pub struct Served {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub address: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Served {
    /// Starts `hubgraph serve` on a free port over `database_url`, with the
    /// test JWT secret, no rate limits, no background sweeps, and `args`
    /// added to the command line; returns once it listens.
    pub fn start(database_url: &str, args: &[&str]) -> Served {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hubgraph"))
            .args([
                "serve",
                "--bind",
                "127.0.0.1:0",
                "--rate-per-token",
                "0",
                "--rate-per-ip",
                "0",
                "--hub-expiry-interval",
                "0s",
            ])
            .args(args)
            .env("DATABASE_URL", database_url)
            .env("HUBGRAPH_JWT_SECRET", TEST_JWT_SECRET)
            .env("RUST_LOG", "info")
            .env_remove("HUBGRAPH_LOG_FORMAT")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start hubgraph serve");
        // The server logs where the playground is; the address comes from that line.
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        let log = Arc::new(Mutex::new(Vec::new()));
        let lines = log.clone();
        let echo = std::env::var("TEST_LOG").is_ok();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("playground: http://").nth(1) {
                    let _ = tx.send(rest.trim().trim_end_matches("/graphql").to_owned());
                }
                if echo {
                    eprintln!("[server] {line}");
                }
                lines.lock().unwrap().push(line);
            }
        });
        let address = match rx.recv_timeout(START_WAIT) {
            Ok(host) => format!("http://{host}"),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the server did not start:\n{}", log.lock().unwrap().join("\n"));
            }
        };
        Served { child, address, log }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// The `host:port` the server listens on.
    pub fn host_port(&self) -> &str {
        self.address.trim_start_matches("http://")
    }

    /// Sends SIGTERM (the way a service manager stops it).
    pub fn terminate(&self) {
        let pid = libc::pid_t::try_from(self.child.id()).expect("a pid");
        // SAFETY: kill(2) with a pid of our own child and a valid signal has no memory effects.
        let sent = unsafe { libc::kill(pid, libc::SIGTERM) };
        assert_eq!(sent, 0, "kill -TERM failed: {}", std::io::Error::last_os_error());
    }

    /// SIGKILL: the process dies on the spot, whatever it was doing.
    pub fn kill(&mut self) {
        self.child.kill().expect("SIGKILL the server");
        self.child.wait().expect("reap the server");
    }

    /// Waits for the process to exit; fails the test if it is still running
    /// after `within` (a bound against a hang, far above the usual time).
    pub fn exits_within(&mut self, within: Duration) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("poll the server") {
                return status;
            }
            assert!(
                started.elapsed() < within,
                "still running {within:?} after being told to stop:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Everything the server has logged so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Registers a partner of `kind` for `organization` (raw id) straight in
/// the database and returns a token with every scope its kind allows.
pub async fn partner_token(
    db: &sea_orm::DatabaseConnection,
    kind: hubgraph::partners::PartnerKind,
    organization: &str,
) -> String {
    let settings = hubgraph::config::JwtSettings {
        secret: Some(TEST_JWT_SECRET.into()),
        ..Default::default()
    };
    let keys = hubgraph::partners::JwtKeys::from_settings(&settings)
        .expect("test JWT settings")
        .expect("keys");
    let new = hubgraph::partners::NewPartner {
        kind,
        name: format!("Writer for {organization}"),
        organization_id: Some(organization.to_owned()),
        area_codes: Vec::new(),
    };
    let partner = hubgraph::partners::add_partner(db, new)
        .await
        .expect("add partner")
        .record
        .id;
    hubgraph::partners::issue_token(db, &keys, &partner, &[], Duration::from_secs(3600))
        .await
        .expect("issue token")
        .token
}

/// A counter of `/metrics`, e.g. `hubgraph_sql_statements_total`.
pub async fn metric(served: &Served, name: &str) -> u64 {
    let body = reqwest::get(served.url("/metrics"))
        .await
        .expect("GET /metrics")
        .text()
        .await
        .expect("metrics text");
    body.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in /metrics:\n{body}"))
}
