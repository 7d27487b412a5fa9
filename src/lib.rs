//! hubgraph: the shared GraphQL API behind Scotland's library, HSCP and
//! third-sector health and wellbeing services.
//!
//! `main.rs` parses the command line and calls into this library; the
//! integration tests build the very same application.

pub mod allocator;
pub mod bulk;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod events;
pub mod graphql;
pub mod http;
pub mod hubs;
pub mod input;
pub mod interchange;
pub mod metrics;
pub mod page;
pub mod partners;
pub mod pathways;
pub mod rows;
pub mod seed;
pub mod services;
pub mod sqlite_alloc;
pub mod telemetry;
pub mod write_turns;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use poem::listener::{Acceptor, AcceptorExt, Listener, TcpListener};
use poem::{Endpoint, Server};
use sea_orm::DatabaseConnection;
use tokio_util::sync::CancellationToken;

pub use config::Config;
pub use graphql::{HubSchema, build_schema};

/// Everything a request handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    /// The schema of WebSocket operations.
    pub schema: HubSchema,
    /// The schemas of GraphQL over HTTP (`graphql::checked`).
    pub http_schemas: graphql::checked::HttpSchemas,
    pub config: Config,
    /// SQL statements executed so far (for tests and benchmarks).
    pub statements: db::StatementCounter,
    /// Bearer token keys; `None` when tokens are off.
    pub keys: Option<Arc<partners::JwtKeys>>,
    /// Post-commit events (LISTEN/NOTIFY on PostgreSQL, in-process on SQLite).
    pub events: events::EventBus,
    /// Cancelled when the server shuts down: open WebSockets close with 1001.
    pub shutdown: CancellationToken,
    /// Open WebSocket connections and operations, for `/metrics`.
    pub ws: Arc<http::ws::Gauges>,
    /// Requests by operation and outcome, latencies and rate-limit refusals, for `/metrics`.
    pub metrics: Arc<metrics::Metrics>,
    /// Answers to anonymous queries, dropped at every change.
    pub responses: Arc<http::response_cache::ResponseCache>,
    /// Per-partner and per-IP request budgets (shared through Redis when configured).
    pub rate_limits: http::ratelimit::RateLimits,
}

impl AppState {
    /// Connects, migrates and builds the schema.
    pub async fn prepare(config: Config) -> anyhow::Result<AppState> {
        // Bad key settings stop the start-up before anything else happens.
        let keys = partners::JwtKeys::from_settings(&config.jwt)?.map(Arc::new);
        match &keys {
            Some(keys) => tracing::info!(algorithm = ?keys.algorithm(), "bearer tokens on"),
            None => tracing::info!(
                "bearer tokens are off (no HUBGRAPH_JWT_SECRET or HUBGRAPH_JWT_PUBLIC_KEY): anonymous reads only, \
                 any Authorization header is refused"
            ),
        }
        let pool = db::PoolSettings {
            size: config.db_pool_size,
            acquire_timeout: config.db_acquire_timeout,
            sqlite_mmap_bytes: config.sqlite_mmap_bytes,
            lock_timeout: config.db_lock_timeout,
            idle_in_transaction_timeout: config.db_idle_in_transaction_timeout,
        };
        let (db, statements) = db::connect_with(&config.database_url, pool).await?;
        db::migrate(&db).await?;
        let schema = build_schema(db.clone(), &config.limits, config.introspection);
        let http_schemas = graphql::build_http_schemas(db.clone(), &config.limits, config.introspection);
        let events = events::EventBus::start(&db).await?;
        let responses = Arc::new(http::response_cache::ResponseCache::new(
            config.response_cache_bytes,
            config.response_cache_ttl,
        ));
        responses.follow(&events);
        let metrics = Arc::<metrics::Metrics>::default();
        let mut rate_limits = http::ratelimit::RateLimits::new(
            config.limits.rate_per_token_per_minute,
            config.limits.rate_per_ip_per_minute,
            metrics.clone(),
        );
        if let Some(url) = &config.rate_limit_redis {
            rate_limits = rate_limits.shared_through(url, &config.rate_limit_redis_prefix).await?;
            tracing::info!("rate-limit budgets shared through Redis");
        }
        Ok(AppState {
            db,
            schema,
            http_schemas,
            config,
            statements,
            keys,
            events,
            shutdown: CancellationToken::new(),
            ws: Arc::default(),
            metrics,
            responses,
            rate_limits,
        })
    }
}

/// The HTTP application.
pub fn app(state: AppState) -> impl Endpoint {
    http::routes(state)
}

/// A bound, not yet running server: tests learn its port before it runs.
pub struct Application {
    address: SocketAddr,
    acceptor: poem::listener::BoxAcceptor,
    state: AppState,
}

impl Application {
    pub async fn bind(state: AppState, bind: &str) -> anyhow::Result<Application> {
        let acceptor = TcpListener::bind(bind.to_owned()).into_acceptor().await?;
        let address = acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().copied())
            .ok_or_else(|| anyhow::anyhow!("no local address for {bind}"))?;
        Ok(Application {
            address,
            acceptor: acceptor.boxed(),
            state,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Serves until `shutdown` resolves, then lets in-flight requests finish
    /// within the configured grace period. Open WebSockets are closed with
    /// 1001 (going away) at once: a subscription never finishes on its own.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
        let grace = Duration::from_secs(self.state.config.shutdown_grace_secs);
        if let Some(interval) = self.state.config.hub_expiry_interval {
            let sweeper = hubs::expiry::sweep_until(
                self.state.db.clone(),
                self.state.events.clone(),
                interval,
                self.state.shutdown.clone(),
            );
            tokio::spawn(sweeper);
            // Housekeeping rides on the same switch: tests that count SQL turn both off.
            let purge = partners::idempotency::purge_until(
                self.state.db.clone(),
                Duration::from_secs(3600),
                self.state.shutdown.clone(),
            );
            tokio::spawn(purge);
        }
        let sockets = self.state.shutdown.clone();
        let gauges = self.state.ws.clone();
        let (deadline_tx, deadline_rx) = tokio::sync::oneshot::channel();
        let shutdown = async move {
            shutdown.await;
            let _ = deadline_tx.send(tokio::time::Instant::now() + grace);
            sockets.cancel();
        };
        let served = Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(app(self.state), shutdown, Some(grace))
            .await;
        // Upgraded WebSockets have left poem's count of connections: give
        // their closing handshakes (1001) what is left of the grace period,
        // so that the process does not exit under them.
        if let Ok(deadline) = deadline_rx.await {
            let _ = tokio::time::timeout_at(deadline, websockets_closed(&gauges)).await;
        }
        served
    }
}

/// Resolves once no WebSocket connection is open.
async fn websockets_closed(gauges: &http::ws::Gauges) {
    while gauges.connections() > 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
