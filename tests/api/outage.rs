//! ADVERSARIAL 40 and 41: the database out of reach, and a pool with no
//! connection to spare. Requests fail fast with 503 / SERVICE_UNAVAILABLE
//! instead of hanging, `/healthz` stays 200 while `/readyz` says 503, and
//! the server recovers by itself once the database is back.
//!
//! The outage is played by a TCP proxy between the server and PostgreSQL
//! (the machine's PostgreSQL serves others and is never stopped): "down"
//! closes every proxied connection and stops listening, so connecting is
//! refused as with a stopped server; "up" listens again on the same port.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sea_orm::TransactionTrait;
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

use crate::helpers::{Backend, TestApp, spawn_app_configured};

/// A client-side bound that turns a hang into a failure; the server is
/// expected to answer far sooner (its acquire timeout, below).
const HANG: Duration = Duration::from_secs(10);
/// How long the test servers wait for a pooled connection.
const ACQUIRE: Duration = Duration::from_millis(500);

const QUERY: &str = "{ services(first: 1) { totalCount } }";

/// A TCP proxy to `target` that can play a database outage.
struct Proxy {
    address: SocketAddr,
    target: SocketAddr,
    /// Cancelled on `down`: ends the accept loop and every proxied connection.
    running: Mutex<CancellationToken>,
}

impl Proxy {
    async fn start(target: SocketAddr) -> Arc<Proxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = Arc::new(Proxy {
            address: listener.local_addr().unwrap(),
            target,
            running: Mutex::new(CancellationToken::new()),
        });
        proxy.serve(listener);
        proxy
    }

    fn serve(&self, listener: TcpListener) {
        let running = self.running.lock().unwrap().clone();
        let target = self.target;
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    _ = running.cancelled() => return,
                    accepted = listener.accept() => accepted,
                };
                let Ok((mut inbound, _)) = accepted else { continue };
                let running = running.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = running.cancelled() => {}
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                    }
                });
            }
        });
    }

    /// The database "stops": open connections drop, new ones are refused.
    fn down(&self) {
        self.running.lock().unwrap().cancel();
    }

    /// The database is back on the same address.
    async fn up(&self) {
        *self.running.lock().unwrap() = CancellationToken::new();
        // The port was ours a moment ago; binding it again may take a retry
        // while the old socket is being closed.
        let started = Instant::now();
        let listener = loop {
            match TcpListener::bind(self.address).await {
                Ok(listener) => break listener,
                Err(error) => {
                    assert!(
                        started.elapsed() < HANG,
                        "cannot listen on {} again: {error}",
                        self.address
                    );
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        };
        self.serve(listener);
    }
}

/// `host:port` of a PostgreSQL URL (`postgres://user@host:port/db`).
fn host_port(url: &str) -> SocketAddr {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or(rest);
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let host = if host.contains(':') {
        host.to_owned()
    } else {
        format!("{host}:5432")
    };
    let host = host.replace("localhost", "127.0.0.1");
    host.parse()
        .unwrap_or_else(|_| panic!("TEST_DATABASE_URL's host is not an address: {host}"))
}

/// POSTs `QUERY`; the status, the body, and whether it came back before `HANG`.
async fn query(app: &TestApp) -> (u16, Value) {
    let sent = app
        .client
        .post(app.url("/graphql"))
        .timeout(HANG)
        .json(&json!({ "query": QUERY }))
        .send()
        .await
        .expect("an answer, not a hang");
    let status = sent.status().as_u16();
    let retry_after = sent.headers().get("retry-after").is_some();
    let body: Value = sent.json().await.expect("JSON");
    if status == 503 {
        assert!(retry_after, "a 503 says when to retry");
    }
    (status, body)
}

async fn status_of(app: &TestApp, path: &str) -> u16 {
    app.client
        .get(app.url(path))
        .timeout(HANG)
        .send()
        .await
        .expect("an answer, not a hang")
        .status()
        .as_u16()
}

/// Polls until `path` answers `status` (the server recovering by itself).
async fn until_status(app: &TestApp, path: &str, status: u16) {
    let started = Instant::now();
    loop {
        let now = status_of(app, path).await;
        if now == status {
            return;
        }
        assert!(started.elapsed() < 3 * HANG, "{path} still answers {now}, not {status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn assert_unavailable(status: u16, body: &Value) {
    assert_eq!(status, 503, "{body:#}");
    assert_eq!(crate::helpers::error_code(body), "SERVICE_UNAVAILABLE", "{body:#}");
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        !message.contains("sqlx") && !message.contains("pool"),
        "no internals: {message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_down_then_back_without_a_restart() {
    if crate::helpers::postgres_url().is_none() {
        return;
    }
    let admin = crate::helpers::postgres_url().unwrap();
    let proxy = Proxy::start(host_port(&admin)).await;
    let through_proxy = proxy.address;
    let app = spawn_app_configured(Backend::Postgres, false, |config| {
        config.database_url = config.database_url.replacen("@localhost:", "@127.0.0.1:", 1).replacen(
            &host_port(&admin).to_string(),
            &through_proxy.to_string(),
            1,
        );
        assert!(
            config.database_url.contains(&through_proxy.to_string()),
            "{}",
            config.database_url
        );
        config.db_acquire_timeout = ACQUIRE;
    })
    .await
    .unwrap();
    let (status, body) = query(&app).await;
    assert_eq!(status, 200, "{body:#}");

    proxy.down();
    assert_eq!(
        status_of(&app, "/healthz").await,
        200,
        "alive while the database is down"
    );
    assert_eq!(
        status_of(&app, "/readyz").await,
        503,
        "not ready while the database is down"
    );
    for _ in 0..3 {
        let (status, body) = query(&app).await;
        assert_unavailable(status, &body);
    }
    // The HSDS REST API too: 503 with Retry-After, in its own error shape.
    let hsds = app
        .client
        .get(app.url("/hsds/services"))
        .timeout(HANG)
        .send()
        .await
        .expect("an answer, not a hang");
    assert_eq!(hsds.status().as_u16(), 503);
    assert!(hsds.headers().get("retry-after").is_some(), "a 503 says when to retry");
    let body: Value = hsds.json().await.expect("JSON");
    assert_eq!(body["status"], 503, "{body:#}");

    proxy.up().await;
    until_status(&app, "/readyz", 200).await;
    let (status, body) = query(&app).await;
    assert_eq!(status, 200, "serving again without a restart: {body:#}");
    assert!(body["data"]["services"]["totalCount"].is_number(), "{body:#}");
}

crate::on_both! {
    /// Every pooled connection is taken (as by slow operations): another
    /// request waits only the acquire timeout, then gets 503; once the
    /// connections come back the server serves again.
    async fn pool_exhaustion_fails_fast_and_recovers(app) {
        // `app` has the default acquire timeout; a twin over the same
        // database with a short one is exhausted instead.
        let mut config = app.state.config.clone();
        config.db_acquire_timeout = ACQUIRE;
        config.hub_expiry_interval = None;
        let state = hubgraph::AppState::prepare(config).await.unwrap();
        let server = hubgraph::Application::bind(state.clone(), "127.0.0.1:0").await.unwrap();
        let twin = format!("http://{}", server.address());
        tokio::spawn(server.run_until(std::future::pending()));

        let mut held = Vec::new();
        let taken = loop {
            match state.db.begin().await {
                Ok(txn) => held.push(txn),
                Err(error) => break error,
            }
        };
        assert!(hubgraph::db::is_unavailable(&taken), "{taken:?}");
        assert!(!held.is_empty());

        let client = reqwest::Client::new();
        let sent = client.post(format!("{twin}/graphql")).timeout(HANG).json(&json!({ "query": QUERY }))
            .send().await.expect("an answer, not a hang");
        let status = sent.status().as_u16();
        let body: Value = sent.json().await.unwrap();
        assert_unavailable(status, &body);
        let health = client.get(format!("{twin}/healthz")).timeout(HANG).send().await.unwrap();
        assert_eq!(health.status(), 200);

        for txn in held {
            txn.rollback().await.unwrap();
        }
        let started = Instant::now();
        loop {
            let sent = client.post(format!("{twin}/graphql")).timeout(HANG).json(&json!({ "query": QUERY }))
                .send().await.expect("an answer, not a hang");
            if sent.status() == 200 {
                let body: Value = sent.json().await.unwrap();
                assert!(body["data"]["services"]["totalCount"].as_i64().unwrap() > 0, "{body:#}");
                break;
            }
            assert!(started.elapsed() < 3 * HANG, "not serving again: {}", sent.status());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
