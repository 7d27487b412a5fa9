//! `spawn_app()`: the real server on a random port with a fresh database.
//!
//! SQLite: a file in a temporary directory. PostgreSQL (when
//! `TEST_DATABASE_URL` is set): a fresh database per test, dropped afterwards.
//! `TEST_LOG=1` shows the server's logs.

use std::sync::Once;
use std::time::Duration;

use hubgraph::partners::PartnerKind;
use hubgraph::{AppState, Application, Config};
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub state: AppState,
    _dir: Option<tempfile::TempDir>,
    pg_database: Option<(String, String)>,
}

static LOG: Once = Once::new();
static PG_NOTICE: Once = Once::new();

fn init_logging() {
    LOG.call_once(|| {
        if std::env::var("TEST_LOG").is_ok() {
            hubgraph::telemetry::init();
        }
    });
}

/// The admin URL of the test PostgreSQL server, if configured.
pub fn postgres_url() -> Option<String> {
    let url = std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty());
    if url.is_none() {
        PG_NOTICE.call_once(|| {
            // Written to the real stderr: the test harness captures eprintln! of passing tests.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "notice: TEST_DATABASE_URL is not set; PostgreSQL variants of the API tests are skipped"
            );
        });
    }
    url
}

/// Replaces the database name in a PostgreSQL URL.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let prefix = match base.rfind('/') {
        Some(i) if i > "postgres://".len() => &base[..i],
        _ => base,
    };
    match query {
        Some(query) => format!("{prefix}/{name}?{query}"),
        None => format!("{prefix}/{name}"),
    }
}

/// A fresh, empty database URL for one test; `None` when the backend is not configured.
async fn fresh_database(backend: Backend) -> Option<(String, Option<tempfile::TempDir>, Option<(String, String)>)> {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
            Some((url, Some(dir), None))
        }
        Backend::Postgres => {
            let admin = postgres_url()?;
            let name = format!("hubgraph_test_{}", uuid::Uuid::new_v4().simple());
            let (conn, _) = hubgraph::db::connect(&admin)
                .await
                .expect("connect to TEST_DATABASE_URL");
            use sea_orm::ConnectionTrait;
            conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create test database");
            conn.close().await.ok();
            Some((with_database(&admin, &name), None, Some((admin, name))))
        }
    }
}

/// The HS256 secret test apps are configured with (unless a test says otherwise).
pub const TEST_JWT_SECRET: &str = "hubgraph-test-secret-not-for-production-0123456789";

/// Starts the server on a fresh database; with `demo`, seeded with the demo set.
pub async fn spawn_app_with(backend: Backend, demo: bool) -> Option<TestApp> {
    spawn_app_configured(backend, demo, |_| {}).await
}

/// Starts the server with `configure` applied to the test configuration
/// (which has `TEST_JWT_SECRET` as its JWT secret).
pub async fn spawn_app_configured(
    backend: Backend,
    demo: bool,
    configure: impl FnOnce(&mut Config),
) -> Option<TestApp> {
    init_logging();
    let (url, dir, pg_database) = fresh_database(backend).await?;
    let mut config = Config::new(url);
    config.jwt.secret = Some(TEST_JWT_SECRET.into());
    // Tests walk hundreds of pages from one address; the rate-limit test turns limits back on.
    config.limits.rate_per_token_per_minute = None;
    config.limits.rate_per_ip_per_minute = None;
    // Background SQL would upset the statement counts; the expiry tests
    // sweep by hand or turn the sweeper back on.
    config.hub_expiry_interval = None;
    // Tests write the database behind the server's back and count the
    // statements of requests they repeat; the response-cache tests turn
    // the cache back on.
    config.response_cache_bytes = 0;
    configure(&mut config);
    let state = AppState::prepare(config).await.expect("prepare app state");
    if demo {
        hubgraph::seed::seed_demo(&state.db, hubgraph::seed::DemoPostcodes::Venues)
            .await
            .expect("seed demo data");
    }
    let app = Application::bind(state.clone(), "127.0.0.1:0").await.expect("bind");
    let address = format!("http://{}", app.address());
    tokio::spawn(app.run_until(std::future::pending()));
    Some(TestApp {
        address,
        client: reqwest::Client::new(),
        state,
        _dir: dir,
        pg_database,
    })
}

/// Starts the server on a fresh database seeded with the demo set.
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, true).await
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.pg_database.take() {
            drop_database(admin, name);
        }
    }
}

/// A fresh, empty database for a test that runs the server binary itself:
/// a SQLite file in a temporary directory, or a PostgreSQL database
/// dropped with this value.
pub struct FreshDatabase {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg_database: Option<(String, String)>,
}

impl FreshDatabase {
    /// `None` when the backend is not configured (PostgreSQL without `TEST_DATABASE_URL`).
    pub async fn create(backend: Backend) -> Option<FreshDatabase> {
        let (url, dir, pg_database) = fresh_database(backend).await?;
        Some(FreshDatabase {
            url,
            _dir: dir,
            pg_database,
        })
    }
}

impl Drop for FreshDatabase {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.pg_database.take() {
            drop_database(admin, name);
        }
    }
}

/// Drops a per-test PostgreSQL database (even with sessions still open),
/// from a separate thread: Drop cannot await.
fn drop_database(admin: String, name: String) {
    let _ = std::thread::spawn(move || {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
            return;
        };
        runtime.block_on(async {
            if let Ok((conn, _)) = hubgraph::db::connect(&admin).await {
                use sea_orm::ConnectionTrait;
                let _ = conn
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await;
                conn.close().await.ok();
            }
        });
    })
    .join();
}

impl TestApp {
    /// Another instance of the server, at `address` with `state`, on
    /// `app`'s database (which `app` alone drops).
    pub fn beside(app: &TestApp, address: String, state: AppState) -> TestApp {
        TestApp {
            address,
            client: app.client.clone(),
            state,
            _dir: None,
            pg_database: None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// POSTs a GraphQL request and returns the whole JSON response.
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        self.client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("send")
            .json()
            .await
            .expect("JSON response")
    }

    /// POSTs a GraphQL request that must succeed and returns its `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let response = self.graphql(query, variables).await;
        assert!(response.get("errors").is_none(), "unexpected errors: {response:#}");
        response["data"].clone()
    }

    /// SQL statements executed so far.
    pub fn statements(&self) -> u64 {
        self.state.statements.get()
    }

    /// The body of `GET /metrics`.
    pub async fn metrics(&self) -> String {
        let response = self.client.get(self.url("/metrics")).send().await.unwrap();
        response.text().await.unwrap()
    }

    /// Registers a partner through the domain and returns its raw id.
    pub async fn add_partner(
        &self,
        kind: PartnerKind,
        name: &str,
        organization: Option<&str>,
        areas: &[&str],
    ) -> String {
        let new = hubgraph::partners::NewPartner {
            kind,
            name: name.into(),
            organization_id: organization.map(str::to_owned),
            area_codes: areas.iter().map(|a| a.to_string()).collect(),
        };
        hubgraph::partners::add_partner(&self.state.db, new)
            .await
            .expect("add partner")
            .record
            .id
    }

    /// Issues a token for a partner (all its kind allows when `scopes` is empty), valid for an hour.
    pub async fn issue_token(&self, partner_id: &str, scopes: &[&str]) -> hubgraph::partners::IssuedToken {
        let keys = self.state.keys.as_ref().expect("the app has JWT keys");
        let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        hubgraph::partners::issue_token(&self.state.db, keys, partner_id, &scopes, Duration::from_secs(3600))
            .await
            .expect("issue token")
    }

    /// POSTs a GraphQL request with `Authorization: Bearer <token>`.
    pub async fn graphql_as(&self, token: &str, query: &str, variables: Value) -> reqwest::Response {
        self.client
            .post(self.url("/graphql"))
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("send")
    }
}

/// The demo set's library service of an area (an organization id).
pub fn demo_library(area_code: &str) -> String {
    hubgraph::seed::demo::demo_id("organization", &format!("libraries/{area_code}"))
}

/// A token of a new library partner keeping `area`'s demo library, with `scopes`.
pub async fn demo_library_token(app: &TestApp, area: &str, scopes: &[&str]) -> String {
    let partner = app
        .add_partner(
            PartnerKind::Library,
            "Demo libraries",
            Some(&demo_library(area)),
            &[area],
        )
        .await;
    app.issue_token(&partner, scopes).await.token
}

/// A demo hub of an area (the first by id), by the database.
pub async fn hub_in(app: &TestApp, area: &str) -> entity::hub::Model {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    entity::hub::Entity::find()
        .filter(entity::hub::Column::AreaCode.eq(area))
        .order_by_asc(entity::hub::Column::Id)
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("the area has a demo hub")
}

/// The `extensions.code` of the first error.
pub fn error_code(response: &Value) -> &str {
    response["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("<no code>")
}

/// Defines one test per backend: `NAME::sqlite` always, `NAME::postgres`
/// when `TEST_DATABASE_URL` is set (skipped with a notice otherwise).
#[macro_export]
macro_rules! on_both {
    ($(#[$meta:meta])* async fn $name:ident($app:ident) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[allow(unused_imports)]
            use $crate::helpers::*;

            async fn run($app: TestApp) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run(spawn_app(Backend::Sqlite).await.expect("sqlite app")).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(app) = spawn_app(Backend::Postgres).await else { return };
                run(app).await;
            }
        }
    };
}

/// The value of the sample `name` (no labels) in a `/metrics` body.
pub fn metric_value(body: &str, name: &str) -> Option<u64> {
    body.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|value| value.trim().parse().ok())
}
