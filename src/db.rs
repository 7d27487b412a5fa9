//! Database connections: SQLite (embedded default) or PostgreSQL.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, DatabaseTransaction, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

/// Counts executed SQL statements; tests read it around a request to guard
/// against N+1 queries (a count, unlike a timing, does not vary with load).
#[derive(Debug, Default, Clone)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// PostgreSQL's `statement_timeout` for every connection.
pub const STATEMENT_TIMEOUT: &str = "60s";

/// Connections a pool opens at most unless configured: SQLite serialises
/// writers anyway, and a few readers share the file via WAL.
pub const DEFAULT_SQLITE_POOL_SIZE: u32 = 8;
pub const DEFAULT_POSTGRES_POOL_SIZE: u32 = 16;

/// Opens a pool of the default size for the backend.
pub async fn connect(url: &str) -> Result<(DatabaseConnection, StatementCounter), DbErr> {
    connect_with(url, None).await
}

/// Opens a pool of at most `pool_size` connections (`None`: the backend's
/// default). SQLite runs in WAL mode with foreign keys on, a busy timeout
/// and `synchronous=FULL`, so a write acknowledged to a client survives a
/// crash or power loss.
///
/// Every statement runs in a `sea_orm` tracing span naming its kind
/// (`db.operation`: SELECT, INSERT, ...) but never its text or parameter
/// values, which may be personal data; the span sits inside the request's.
pub async fn connect_with(url: &str, pool_size: Option<u32>) -> Result<(DatabaseConnection, StatementCounter), DbErr> {
    // sea-orm's own message for an unknown scheme repeats the URL, password and all.
    crate::config::check_database_url(url).map_err(DbErr::Custom)?;
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .record_stmt_in_spans(false)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5));
    if url.starts_with("sqlite:") {
        options
            .max_connections(pool_size.unwrap_or(DEFAULT_SQLITE_POOL_SIZE))
            .min_connections(1)
            .map_sqlx_sqlite_opts(|opts| {
                opts.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(5))
            });
    } else {
        // No statement runs for ever: writes are not cut off by the request
        // timeout (see `http::graphql`), so the database bounds them. Generous,
        // so bulk loads and migrations of large sets still fit.
        options
            .max_connections(pool_size.unwrap_or(DEFAULT_POSTGRES_POOL_SIZE))
            .min_connections(1)
            .map_sqlx_postgres_opts(|opts| opts.options([("statement_timeout", STATEMENT_TIMEOUT)]));
    }
    let mut db = Database::connect(options).await?;
    let counter = StatementCounter::default();
    let inner = counter.0.clone();
    db.set_metric_callback(move |info| {
        // Runs inside the statement's span, after it: the kind and time at
        // debug level, the text (placeholders, no values) only at trace.
        let kind = statement_kind(&info.statement.sql);
        let elapsed_us = info.elapsed.as_micros() as u64;
        tracing::debug!(target: "hubgraph::sql", kind, elapsed_us, failed = info.failed, "sql");
        tracing::trace!(target: "hubgraph::sql", sql = %info.statement.sql, "sql text");
        inner.fetch_add(1, Ordering::SeqCst);
    });
    Ok((db, counter))
}

/// The statement's first keyword, upper case (`SELECT`, `INSERT`, ...), or `OTHER`.
fn statement_kind(sql: &str) -> &'static str {
    let first = sql.split_whitespace().next().unwrap_or("");
    [
        "SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "BEGIN", "COMMIT", "ROLLBACK",
    ]
    .into_iter()
    .find(|kind| first.eq_ignore_ascii_case(kind))
    .unwrap_or("OTHER")
}

/// Connections of a pool, for `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// Connections checked out by a query or transaction.
    pub in_use: u32,
    /// Open connections waiting for work.
    pub idle: u32,
    /// The most the pool opens.
    pub max: u32,
}

/// The pool's connections; `None` for a connection without a pool.
pub fn pool_stats(db: &DatabaseConnection) -> Option<PoolStats> {
    // The pool getters panic on another backend: ask which it is first.
    let (size, idle, max) = match db.get_database_backend() {
        DatabaseBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle(), pool.options().get_max_connections())
        }
        DatabaseBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle(), pool.options().get_max_connections())
        }
        _ => return None,
    };
    let idle = u32::try_from(idle).unwrap_or(u32::MAX).min(size);
    Some(PoolStats {
        in_use: size - idle,
        idle,
        max,
    })
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Refreshes the query planner's statistics after a bulk load: without them
/// SQLite takes the unselective status index over the name index and sorts
/// the whole table for a page of 20.
pub async fn analyze(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    db.execute_unprepared("ANALYZE").await.map(|_| ())
}

/// Whether the database answers (for `/readyz`).
pub async fn is_ready(db: &DatabaseConnection) -> bool {
    let check = db.execute_unprepared("SELECT 1");
    matches!(tokio::time::timeout(Duration::from_secs(2), check).await, Ok(Ok(_)))
}

pub fn is_sqlite(db: &impl ConnectionTrait) -> bool {
    db.get_database_backend() == DatabaseBackend::Sqlite
}

/// Opens a write transaction. On SQLite it is `BEGIN IMMEDIATE`: a deferred
/// transaction that reads and then writes cannot wait for a concurrent
/// writer (SQLite answers "database is locked" at once rather than risk a
/// deadlock), whereas an immediate one waits out the busy timeout and then
/// sees the other's commit, so a racing update gets CONFLICT, not INTERNAL.
/// PostgreSQL ignores the option.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    db.begin_with_options(options).await
}

/// Writes `row` over the record `id` only while its `version` column still
/// holds `version`: of two writers that read version n, only one writes
/// n + 1. Returns whether the row was written; a `false` means another
/// writer came first (or the record is gone).
pub async fn update_if_version<E>(
    txn: &impl ConnectionTrait,
    row: E::ActiveModel,
    id_column: E::Column,
    id: &str,
    version_column: E::Column,
    version: i32,
) -> Result<bool, DbErr>
where
    E: sea_orm::EntityTrait,
    E::ActiveModel: sea_orm::ActiveModelTrait<Entity = E> + Send,
{
    use sea_orm::{ColumnTrait, QueryFilter};
    let result = E::update_many()
        .set(row)
        .filter(id_column.eq(id))
        .filter(version_column.eq(version))
        .exec(txn)
        .await?;
    Ok(result.rows_affected > 0)
}
