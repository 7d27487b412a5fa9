//! ADVERSARIAL 53: a transaction left open by a dead instance cannot make
//! a surviving instance's request outlast the request timeout. PostgreSQL
//! only (SQLite's writers are bounded by its busy timeout, see `db.rs`):
//! every connection has `lock_timeout` and
//! `idle_in_transaction_session_timeout`, and a lock not granted in time is
//! SERVICE_UNAVAILABLE (503, `Retry-After`), which a client retries.

use std::time::{Duration, Instant};

use hubgraph::graphql::ids::{self, Kind};
use hubgraph::partners::PartnerKind;
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement, TransactionTrait};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, hub_in, spawn_app_configured};

const EDINBURGH: &str = "S12000036";

const UPDATE: &str = "mutation($input: UpdateHubStatusInput!) { updateHubStatus(input: $input) {
    hub { status version } userErrors { field code } } }";

/// The test's lock timeout: short, so the test is quick.
const LOCK_TIMEOUT: Duration = Duration::from_millis(700);

async fn postgres_app(configure: impl FnOnce(&mut hubgraph::Config)) -> Option<TestApp> {
    let app = spawn_app_configured(Backend::Postgres, true, configure).await;
    if app.is_none() {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "notice: TEST_DATABASE_URL is not set; the PostgreSQL lock timeout tests are skipped"
        );
    }
    app
}

/// A setting of one of the server's pooled connections, by `SHOW`.
async fn shown(app: &TestApp, setting: &str) -> String {
    let row = app
        .state
        .db
        .query_one_raw(Statement::from_string(
            DatabaseBackend::Postgres,
            format!("SHOW {setting}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<String>(0).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_s_connections_have_the_configured_lock_and_idle_timeouts() {
    let Some(app) = postgres_app(|_| {}).await else { return };
    assert_eq!(shown(&app, "lock_timeout").await, "5s");
    assert_eq!(shown(&app, "idle_in_transaction_session_timeout").await, "30s");
    assert_eq!(shown(&app, "statement_timeout").await, "1min");
    let Some(app) = postgres_app(|config| {
        config.db_lock_timeout = Duration::from_millis(1500);
        config.db_idle_in_transaction_timeout = Duration::ZERO;
    })
    .await
    else {
        return;
    };
    // Every pooled connection, not only the first: hold one, ask another.
    let held = app.state.db.get_postgres_connection_pool().acquire().await.unwrap();
    assert_eq!(shown(&app, "lock_timeout").await, "1500ms");
    assert_eq!(shown(&app, "idle_in_transaction_session_timeout").await, "0");
    drop(held);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_blocked_by_an_abandoned_transaction_fails_fast_and_retryably_then_succeeds() {
    let Some(app) = postgres_app(|config| config.db_lock_timeout = LOCK_TIMEOUT).await else {
        return;
    };
    let hub = hub_in(&app, EDINBURGH).await;
    let admin = app.add_partner(PartnerKind::Admin, "Operator", None, &[]).await;
    let token = app.issue_token(&admin, &[]).await.token;
    let input = json!({ "input": { "hubId": ids::encode(Kind::Hub, &hub.id).0, "status": "CLOSED" } });

    // Another instance's session, killed in the middle of a write: its
    // transaction holds the hub's row lock and will never finish.
    let (other, _) = hubgraph::db::connect(&app.state.config.database_url).await.unwrap();
    let abandoned = other.begin().await.unwrap();
    abandoned
        .execute_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT id FROM hub WHERE id = $1 FOR UPDATE",
            [hub.id.clone().into()],
        ))
        .await
        .unwrap();

    let started = Instant::now();
    let response = app.graphql_as(&token, UPDATE, input.clone()).await;
    let took = started.elapsed();
    let status = response.status().as_u16();
    let retry_after = response.headers().get("retry-after").cloned();
    let body: Value = response.json().await.unwrap();
    assert!(took < app.state.config.limits.request_timeout, "took {took:?}: {body}");
    assert!(
        took >= LOCK_TIMEOUT,
        "answered before the lock timeout ({took:?}): {body}"
    );
    assert_eq!(crate::helpers::error_code(&body), "SERVICE_UNAVAILABLE", "{body}");
    assert_eq!(status, 503, "{body}");
    assert!(retry_after.is_some(), "no Retry-After");

    // The blocking transaction is gone (PostgreSQL ends it, here by hand):
    // the retry goes through.
    abandoned.rollback().await.unwrap();
    let response = app.graphql_as(&token, UPDATE, input).await;
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(body["data"]["updateHubStatus"]["hub"]["status"], "CLOSED", "{body}");
    assert_eq!(
        body["data"]["updateHubStatus"]["hub"]["version"],
        hub.version + 1,
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_idle_in_its_transaction_is_ended_and_its_locks_freed() {
    let Some(app) = postgres_app(|config| {
        config.db_lock_timeout = Duration::from_secs(5);
        config.db_idle_in_transaction_timeout = Duration::from_millis(800);
    })
    .await
    else {
        return;
    };
    let hub = hub_in(&app, EDINBURGH).await;
    // A session of a server with the same settings (as a dead instance's
    // were), gone quiet inside its transaction after locking the hub.
    let settings = hubgraph::db::PoolSettings {
        idle_in_transaction_timeout: Duration::from_millis(800),
        ..hubgraph::db::PoolSettings::default()
    };
    let (other, _) = hubgraph::db::connect_with(&app.state.config.database_url, settings)
        .await
        .unwrap();
    let abandoned = other.begin().await.unwrap();
    abandoned
        .execute_raw(Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT id FROM hub WHERE id = $1 FOR UPDATE",
            [hub.id.clone().into()],
        ))
        .await
        .unwrap();
    let admin = app.add_partner(PartnerKind::Admin, "Operator", None, &[]).await;
    let token = app.issue_token(&admin, &[]).await.token;
    let input = json!({ "input": { "hubId": ids::encode(Kind::Hub, &hub.id).0, "status": "CLOSED" } });
    let started = Instant::now();
    let response = app.graphql_as(&token, UPDATE, input).await;
    let took = started.elapsed();
    let body: Value = response.json().await.unwrap();
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(body["data"]["updateHubStatus"]["hub"]["status"], "CLOSED", "{body}");
    assert!(
        took < Duration::from_secs(5),
        "waited {took:?} for the quiet session's lock"
    );
    // The quiet session's next statement finds it ended: retryable, not INTERNAL.
    let ended = abandoned.execute_unprepared("SELECT 1").await.unwrap_err();
    let error = hubgraph::error::AppError::from(ended);
    assert_eq!(error.code(), "SERVICE_UNAVAILABLE", "{error:?}");
}
