//! Database connections: SQLite (embedded default) or PostgreSQL.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, PoisonError, RwLock};
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sea_query::{Alias, Expr, Query, QueryStatementBuilder, SelectStatement, SimpleExpr};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ColumnTrait, ColumnType, ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, DbErr,
    EntityTrait, Iterable, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait, Value,
};

use crate::config::{self, defaults};
use crate::error::{AppError, AppResult};
use crate::write_turns::WriteTransaction;

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

/// How long a SQLite connection waits for another's write lock before its
/// statement fails as busy (answered `SERVICE_UNAVAILABLE`): as long as a
/// writer waits for its turn in `write_turns`, which does that wait first.
pub const SQLITE_BUSY_TIMEOUT: Duration = crate::write_turns::TURN_TIMEOUT;

/// Connections a pool opens at most unless configured. SQLite serialises
/// writers anyway, and its reads come from the OS's page cache, so they
/// are CPU work: a few connections keep the cores busy, and each one more
/// holds its own page cache (2 MiB) and prepared statements. Four
/// connections were as fast as eight on two cores for every workload of
/// the benchmark and 25 MB smaller at 100,000 services.
pub const DEFAULT_SQLITE_POOL_SIZE: u32 = 4;
pub const DEFAULT_POSTGRES_POOL_SIZE: u32 = 16;

/// How a pool is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSettings {
    /// Connections at most; `None`: the backend's default.
    pub size: Option<u32>,
    /// How long a request waits for a connection (including opening a new one).
    pub acquire_timeout: Duration,
    /// SQLite only: how much of the file is read through a memory map (0: none).
    pub sqlite_mmap_bytes: u64,
    /// PostgreSQL only: `lock_timeout` of every connection (zero: none).
    pub lock_timeout: Duration,
    /// PostgreSQL only: `idle_in_transaction_session_timeout` of every connection (zero: none).
    pub idle_in_transaction_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            size: None,
            acquire_timeout: config::duration(defaults::DB_ACQUIRE_TIMEOUT),
            sqlite_mmap_bytes: defaults::SQLITE_MMAP_BYTES,
            lock_timeout: config::duration(defaults::DB_LOCK_TIMEOUT),
            idle_in_transaction_timeout: config::duration(defaults::DB_IDLE_IN_TRANSACTION_TIMEOUT),
        }
    }
}

/// Opens a pool with the default settings for the backend.
pub async fn connect(url: &str) -> Result<(DatabaseConnection, StatementCounter), DbErr> {
    connect_with(url, PoolSettings::default()).await
}

/// Opens a pool as `settings` say.
///
/// SQLite runs in WAL mode with foreign keys on, a busy timeout and
/// `synchronous=FULL`: every commit waits for the WAL to reach the disk, so
/// a write acknowledged to a client survives a crash of the process and a
/// power loss too (`NORMAL` would already survive the former, not the
/// latter). Writes cost an fsync each; SQLite serialises writers anyway.
///
/// Every statement runs in a `sea_orm` tracing span naming its kind
/// (`db.operation`: SELECT, INSERT, ...) but never its text or parameter
/// values, which may be personal data; the span sits inside the request's.
pub async fn connect_with(url: &str, settings: PoolSettings) -> Result<(DatabaseConnection, StatementCounter), DbErr> {
    // sea-orm's own message for an unknown scheme repeats the URL, password and all.
    crate::config::check_database_url(url).map_err(DbErr::Custom)?;
    let mut options = ConnectOptions::new(url.to_owned());
    // sea-orm's connect timeout is sqlx's acquire timeout too: set only the latter.
    options
        .sqlx_logging(false)
        .record_stmt_in_spans(false)
        .acquire_timeout(settings.acquire_timeout);
    if url.starts_with("sqlite:") {
        crate::sqlite_alloc::install();
        options
            .max_connections(settings.size.unwrap_or(DEFAULT_SQLITE_POOL_SIZE))
            .min_connections(1)
            .map_sqlx_sqlite_opts(move |opts| {
                opts.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT)
                    // With a map (off unless configured, see
                    // `config::defaults::SQLITE_MMAP_BYTES`) reads use the OS's page
                    // cache in place instead of copying each page into the
                    // connection's own 2 MiB cache. Writes still go through the WAL.
                    .pragma("mmap_size", settings.sqlite_mmap_bytes.to_string())
            });
    } else {
        // No statement runs for ever: writes are not cut off by the request
        // timeout (see `http::graphql`), so the database bounds them. Generous,
        // so bulk loads and migrations of large sets still fit. No wait for
        // a lock lasts longer than the lock timeout, and no transaction of a
        // dead client holds its locks longer than the idle timeout (see
        // their defaults). Sent as start-up parameters: every connection the
        // pool opens has them, with no statement of its own.
        let lock_timeout = format!("{}ms", settings.lock_timeout.as_millis());
        let idle_timeout = format!("{}ms", settings.idle_in_transaction_timeout.as_millis());
        options
            .max_connections(settings.size.unwrap_or(DEFAULT_POSTGRES_POOL_SIZE))
            .min_connections(1)
            .map_sqlx_postgres_opts(move |opts| {
                opts.options([
                    ("statement_timeout", STATEMENT_TIMEOUT),
                    ("lock_timeout", &lock_timeout),
                    ("idle_in_transaction_session_timeout", &idle_timeout),
                ])
            });
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
/// the whole table for a page of 20. On PostgreSQL it also vacuums, which
/// marks the freshly written pages all-visible: until autovacuum gets there,
/// an index-only scan (the radius search's covering indexes) would still
/// visit the table for every row, and the planner prices it so and hashes
/// whole tables instead. Runs outside any transaction (VACUUM must).
pub async fn analyze(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let statement = match db.get_database_backend() {
        DatabaseBackend::Postgres => "VACUUM ANALYZE",
        _ => "ANALYZE",
    };
    db.execute_unprepared(statement).await.map(|_| ())
}

/// Whether an error means the database is out of reach or busy (see `error`).
pub use crate::error::is_unavailable;

/// Whether the database answers (for `/readyz`).
pub async fn is_ready(db: &DatabaseConnection) -> bool {
    let check = db.execute_unprepared("SELECT 1");
    matches!(tokio::time::timeout(Duration::from_secs(2), check).await, Ok(Ok(_)))
}

/// `count` bind placeholders for hand-written SQL, comma-separated: `?` on
/// SQLite, `$first`, `$first + 1`, ... on PostgreSQL (where `first` is the
/// position of the first of them among the statement's values).
pub fn placeholders(backend: DatabaseBackend, first: usize, count: usize) -> String {
    match backend {
        DatabaseBackend::Postgres => (first..first + count)
            .map(|n| format!("${n}"))
            .collect::<Vec<_>>()
            .join(", "),
        _ => vec!["?"; count].join(", "),
    }
}

/// The rows of `select` as one JSON array of arrays (`columns` in order,
/// each an output column of `select`), read as a single row.
///
/// For long lists of short rows: sqlx-sqlite hands every row from its
/// worker thread to the runtime separately (a channel message and often a
/// thread wake-up, about 10 µs a row on one CPU), so 300 rows cost more in
/// hand-overs than in SQLite. Aggregated by the database, they cross once.
pub async fn rows_as_json<T: serde::de::DeserializeOwned>(
    db: &impl ConnectionTrait,
    select: SelectStatement,
    columns: &[&str],
) -> AppResult<Vec<T>> {
    let backend = db.get_database_backend();
    let list = columns
        .iter()
        .map(|c| format!("k.\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let aggregate = match backend {
        DatabaseBackend::Postgres => format!("COALESCE(json_agg(json_build_array({list})), '[]')::text"),
        _ => format!("json_group_array(json_array({list}))"),
    };
    let query = Query::select()
        .expr_as(Expr::cust(aggregate), Alias::new("rows"))
        .from_subquery(select, Alias::new("k"))
        .to_owned();
    let Some(row) = db.query_one(&query).await? else {
        return Ok(Vec::new());
    };
    let text: String = row.try_get("", "rows")?;
    serde_json::from_str(&text).map_err(|e| AppError::Internal(format!("aggregated rows: {e}")))
}

/// The rows a `json_rows_subquery` column `alias` of `row` holds.
pub fn json_rows_of<M: serde::de::DeserializeOwned>(row: &sea_orm::QueryResult, alias: &str) -> AppResult<Vec<M>> {
    let text: String = row.try_get("", alias)?;
    serde_json::from_str(&text).map_err(|e| AppError::Internal(format!("{alias}: {e}")))
}

/// Adds the organisations a `json_referenced_row_subquery` column `alias`
/// of `row` holds to `organizations`, each once: a page's rows often share
/// their organisation.
pub fn add_organizations_of(
    organizations: &mut Vec<entity::organization::Model>,
    row: &sea_orm::QueryResult,
    alias: &str,
) -> AppResult<()> {
    for organization in json_rows_of::<entity::organization::Model>(row, alias)? {
        if !organizations.iter().any(|o| o.id == organization.id) {
            organizations.push(organization);
        }
    }
    Ok(())
}

/// The row of `E` whose `id` the outer query's `reference` column holds,
/// as a `json_rows_subquery` column: a list of at most one row (none when
/// the reference is null or dangling). Looked up per outer row, so a page
/// reads only the rows it references.
pub fn json_referenced_row_subquery<E: EntityTrait, O: EntityTrait>(
    backend: DatabaseBackend,
    id: E::Column,
    reference: O::Column,
) -> SimpleExpr {
    // Imported here: at the top it would shadow `Ord::min` in this module.
    use sea_orm::sea_query::ExprTrait;
    let row = Query::select()
        .from(E::default())
        .and_where(Expr::col((E::default(), id)).equals((O::default(), reference)))
        .to_owned();
    json_rows_subquery::<E>(backend, row)
}

/// A scalar subquery over `rows` (a `FROM` and `WHERE` over `E`, usually
/// correlated with the outer query) giving every row of `E` it finds as one
/// JSON array of arrays, each in `E`'s column order: the order in which
/// `E::Model`'s derived `Deserialize` reads a JSON array, and `[]` when
/// there are none. A page's one-to-many relations read this way come with
/// the page's rows in the same statement, one value per owner.
pub fn json_rows_subquery<E: EntityTrait>(backend: DatabaseBackend, mut rows: SelectStatement) -> SimpleExpr {
    let values = json_values_of::<E>(backend);
    let aggregate = match backend {
        DatabaseBackend::Postgres => format!("COALESCE(json_agg(json_build_array({values})), '[]')::text"),
        _ => format!("json_group_array(json_array({values}))"),
    };
    rows.expr(Expr::cust(aggregate));
    SimpleExpr::SubQuery(None, Box::new(rows.into_sub_query_statement()))
}

/// `values` as one JSON array, bound as a single parameter whatever their number.
pub fn json_list(values: &[String]) -> String {
    serde_json::Value::from(values).to_string()
}

/// `expr` is one of `values`, with the values bound as one JSON array
/// ([`json_list`]): the statement's text is the same whatever their number.
///
/// With a placeholder per value (`IN ($1, $2, ...)`) each number of values
/// is a statement of its own: every pooled connection prepares it again and
/// keeps it in its statement cache, and PostgreSQL plans it for its values
/// on each connection's first five executions before it settles on one plan.
/// A search's page of 0 to 20 services was 21 statements, so under load most
/// pages were planned afresh: planning took as long as running them (0.8 of
/// 1.6 ms at 20,000 services).
///
/// On PostgreSQL the list becomes an array (`= ANY(ARRAY(...))`), which the
/// planner expects to be short and looks up through an index; as a
/// subquery (`IN (SELECT ...)`) it expects 100 values and, for a small
/// table of children, prefers to hash the table's every row.
pub fn is_in_list(backend: DatabaseBackend, expr: impl Into<SimpleExpr>, values: &[String]) -> SimpleExpr {
    in_json_list(
        backend,
        "$1 = ANY(ARRAY(SELECT json_array_elements_text(($2)::json)))",
        expr,
        values,
    )
}

/// `expr` is one of `values`, for a table small enough that PostgreSQL
/// reads it whole (hubs and their facilities: hundreds of rows): the values
/// are hashed once and each row looked up in them (a semi-join).
///
/// With [`is_in_list`]'s array the planner scans such a table too, but
/// compares each row with the values one by one: for a page of 100 hubs,
/// 313 rows times up to 100 string comparisons, a tenth of PostgreSQL's
/// work for the hub dashboard. SQLite hashes either form.
pub fn is_in_hashed_list(backend: DatabaseBackend, expr: impl Into<SimpleExpr>, values: &[String]) -> SimpleExpr {
    in_json_list(
        backend,
        "$1 IN (SELECT json_array_elements_text(($2)::json))",
        expr,
        values,
    )
}

/// `expr` tested against `values` bound as one JSON array: on PostgreSQL
/// by `postgres` (`$1` the expression, `$2` the array), on SQLite as a
/// list of look-ups by `json_each`.
fn in_json_list(
    backend: DatabaseBackend,
    postgres: &'static str,
    expr: impl Into<SimpleExpr>,
    values: &[String],
) -> SimpleExpr {
    // The placeholders stand for the two expressions, as each builder writes its own.
    let template = match backend {
        DatabaseBackend::Postgres => postgres,
        _ => "? IN (SELECT value FROM json_each(?))",
    };
    Expr::cust_with_exprs(template, [expr.into(), Expr::val(json_list(values))])
}

/// `query` built for `backend` with its `LIMIT` written as a number rather
/// than bound as a parameter.
///
/// PostgreSQL keeps one plan for every execution of a prepared statement (a
/// generic plan) only when it costs that plan no higher than those it makes
/// for each execution's values. With the row count a parameter it must
/// assume that a tenth of the table is wanted, so a page statement was
/// planned again on every execution: 0.3-0.4 ms of the 1 ms PostgreSQL
/// spent on W2's page of 20 services. With a literal limit the sixth
/// execution on a connection switches to the generic plan. Page sizes are
/// few (`first` is at most 100), so the statement caches hold few texts.
pub fn with_literal_limit(backend: DatabaseBackend, query: &SelectStatement) -> Statement {
    let mut statement = backend.build(query);
    if let Some(values) = statement.values.as_mut()
        && let Some(Value::BigUnsigned(Some(limit))) = values.0.last()
    {
        let placeholder = match backend {
            DatabaseBackend::Postgres => format!(" LIMIT ${}", values.0.len()),
            _ => " LIMIT ?".to_owned(),
        };
        if let Some(head) = statement.sql.strip_suffix(&placeholder) {
            statement.sql = format!("{head} LIMIT {limit}");
            values.0.pop();
        }
    }
    statement
}

/// `E`'s columns as JSON values (`json_value`), comma-separated, in column
/// order. Written once per table and backend and then kept: every page of
/// services builds its relation columns from these lists, and formatting
/// them column by column was a tenth of a service-by-id request's work.
pub fn json_values_of<E: EntityTrait>(backend: DatabaseBackend) -> Arc<str> {
    type Key = (&'static str, bool);
    static WRITTEN: LazyLock<RwLock<HashMap<Key, Arc<str>>>> = LazyLock::new(RwLock::default);
    let table = E::default().table_name();
    // `json_value` tells PostgreSQL from the others only.
    let key = (table, backend == DatabaseBackend::Postgres);
    if let Some(values) = WRITTEN.read().unwrap_or_else(PoisonError::into_inner).get(&key) {
        return values.clone();
    }
    let values: Arc<str> = E::Column::iter()
        .map(|column| json_value(backend, table, column))
        .collect::<Vec<_>>()
        .join(", ")
        .into();
    WRITTEN
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(key, values.clone());
    values
}

/// One column as a JSON value that deserialises to the model's field.
/// PostgreSQL's JSON keeps every type as it is. SQLite's writes a double
/// with 15 digits (55.89064815477352 would come back as 55.8906481547735)
/// and a boolean as 0 or 1, so those are spelled out.
fn json_value<C: ColumnTrait>(backend: DatabaseBackend, table: &str, column: C) -> String {
    let name = format!("\"{table}\".\"{}\"", column.as_str());
    if backend == DatabaseBackend::Postgres {
        return name;
    }
    match column.def().get_column_type() {
        ColumnType::Double | ColumnType::Float => {
            format!("CASE WHEN {name} IS NULL THEN NULL ELSE json(printf('%!.17g', {name})) END")
        }
        ColumnType::Boolean => {
            format!("CASE WHEN {name} IS NULL THEN NULL WHEN {name} THEN json('true') ELSE json('false') END")
        }
        _ => name,
    }
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
///
/// On SQLite the writers of this process first wait for their turn
/// ([`crate::write_turns`]), so that a writer waiting for the lock holds no
/// pooled connection.
pub async fn begin_write(db: &DatabaseConnection) -> Result<WriteTransaction, DbErr> {
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    crate::write_turns::begin_in_turn(db, crate::write_turns::TURN_TIMEOUT, || db.begin_with_options(options)).await
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use sea_orm::sqlx;
    use sea_orm::{ConnAcquireErr, DbErr, RuntimeErr};

    use super::is_unavailable;

    /// A list of any length is one parameter, so the text never changes;
    /// the values' quotes and backslashes stay inside the JSON string.
    #[test]
    fn a_list_of_values_is_one_parameter() {
        use sea_orm::DatabaseBackend::{Postgres, Sqlite};
        use sea_orm::sea_query::{Expr, ExprTrait, Query, SimpleExpr};
        type Listed = fn(sea_orm::DatabaseBackend, SimpleExpr, &[String]) -> SimpleExpr;
        let statement = |listed: Listed, backend: sea_orm::DatabaseBackend, values: &[String]| {
            let query = Query::select()
                .expr(Expr::val(1))
                .from(entity::service::Entity)
                .and_where(listed(
                    backend,
                    Expr::col((entity::service::Entity, entity::service::Column::Id)),
                    values,
                ))
                .and_where(Expr::col(entity::service::Column::Status).eq("active"))
                .to_owned();
            backend.build(&query)
        };
        let few = ["a".to_owned()];
        let many: Vec<String> = (0..20).map(|i| format!("id \"{i}\" \\")).collect();
        let forms: [Listed; 2] = [super::is_in_list, super::is_in_hashed_list];
        for listed in forms {
            for backend in [Sqlite, Postgres] {
                let (one, twenty) = (statement(listed, backend, &few), statement(listed, backend, &many));
                assert_eq!(one.sql, twenty.sql);
                let values = twenty.values.unwrap().0;
                // The selected 1, the list, the status.
                assert_eq!(values.len(), 3, "{values:?}");
                let sea_orm::Value::String(Some(list)) = &values[1] else {
                    panic!("{values:?}");
                };
                assert_eq!(serde_json::from_str::<Vec<String>>(list).unwrap(), many);
            }
        }
        assert_eq!(
            statement(super::is_in_list, Postgres, &few).sql,
            r#"SELECT $1 FROM "service" WHERE ("service"."id" = ANY(ARRAY(SELECT json_array_elements_text(($2)::json)))) AND "status" = $3"#
        );
        assert_eq!(
            statement(super::is_in_hashed_list, Postgres, &few).sql,
            r#"SELECT $1 FROM "service" WHERE ("service"."id" IN (SELECT json_array_elements_text(($2)::json))) AND "status" = $3"#
        );
        for listed in forms {
            assert_eq!(
                statement(listed, Sqlite, &few).sql,
                r#"SELECT ? FROM "service" WHERE ("service"."id" IN (SELECT value FROM json_each(?))) AND "status" = ?"#
            );
        }
    }

    /// A table's list of JSON values is written once per backend, then
    /// shared; it names every column, in order, and differs by backend.
    #[test]
    fn json_values_are_written_once_per_table_and_backend() {
        use sea_orm::DatabaseBackend::{Postgres, Sqlite};
        use sea_orm::Iterable;

        let postgres = super::json_values_of::<entity::location::Entity>(Postgres);
        assert!(Arc::ptr_eq(
            &postgres,
            &super::json_values_of::<entity::location::Entity>(Postgres)
        ));
        let columns: Vec<String> = entity::location::Column::iter()
            .map(|c| format!("\"location\".\"{}\"", sea_orm::IdenStatic::as_str(&c)))
            .collect();
        assert_eq!(&*postgres, columns.join(", "));
        let sqlite = super::json_values_of::<entity::location::Entity>(Sqlite);
        assert!(
            sqlite.contains("printf('%!.17g', \"location\".\"latitude\")"),
            "{sqlite}"
        );
        let organizations = super::json_values_of::<entity::organization::Entity>(Postgres);
        assert!(organizations.starts_with("\"organization\".\"id\""), "{organizations}");
    }

    /// The limit is written into the SQL, and only the limit: a bound
    /// value that happens to be a number stays bound.
    #[test]
    fn a_page_limit_is_written_as_a_number() {
        use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
        use sea_orm::{DatabaseBackend, Value};

        let query = Query::select()
            .column(Alias::new("id"))
            .from(Alias::new("service"))
            .and_where(Expr::col(Alias::new("minimum_age")).lte(18u64))
            .limit(21)
            .to_owned();
        for (backend, sql) in [
            (
                DatabaseBackend::Postgres,
                r#"SELECT "id" FROM "service" WHERE "minimum_age" <= $1 LIMIT 21"#,
            ),
            (
                DatabaseBackend::Sqlite,
                r#"SELECT "id" FROM "service" WHERE "minimum_age" <= ? LIMIT 21"#,
            ),
        ] {
            let statement = super::with_literal_limit(backend, &query);
            assert_eq!(statement.sql, sql);
            assert_eq!(statement.values.unwrap().0, vec![Value::BigUnsigned(Some(18))]);
        }

        let unlimited = Query::select()
            .column(Alias::new("id"))
            .from(Alias::new("service"))
            .and_where(Expr::col(Alias::new("minimum_age")).lte(18u64))
            .to_owned();
        let statement = super::with_literal_limit(DatabaseBackend::Postgres, &unlimited);
        assert_eq!(statement.sql, r#"SELECT "id" FROM "service" WHERE "minimum_age" <= $1"#);
        assert_eq!(statement.values.unwrap().0.len(), 1);
    }

    fn io(kind: std::io::ErrorKind) -> RuntimeErr {
        RuntimeErr::SqlxError(Arc::new(sqlx::Error::Io(std::io::Error::from(kind))))
    }

    #[test]
    fn an_unreachable_database_or_a_full_pool_is_unavailable() {
        assert!(is_unavailable(&DbErr::ConnectionAcquire(ConnAcquireErr::Timeout)));
        assert!(is_unavailable(&DbErr::ConnectionAcquire(
            ConnAcquireErr::ConnectionClosed
        )));
        assert!(is_unavailable(&DbErr::Conn(io(std::io::ErrorKind::ConnectionRefused))));
        assert!(is_unavailable(&DbErr::Query(io(std::io::ErrorKind::UnexpectedEof))));
        assert!(is_unavailable(&DbErr::Exec(RuntimeErr::SqlxError(Arc::new(
            sqlx::Error::PoolTimedOut
        )))));
    }

    #[test]
    fn faults_in_a_statement_are_not() {
        assert!(!is_unavailable(&DbErr::RecordNotFound("x".into())));
        assert!(!is_unavailable(&DbErr::Custom("x".into())));
        assert!(!is_unavailable(&DbErr::Query(RuntimeErr::SqlxError(Arc::new(
            sqlx::Error::RowNotFound
        )))));
    }

    /// `.cargo/config.toml` builds SQLite without STAT4, so that statements
    /// keep their plans across executions after ANALYZE (with STAT4, any
    /// parameter compared to an indexed column makes SQLite re-prepare the
    /// statement every time it is bound anew).
    #[tokio::test]
    async fn sqlite_is_built_without_stat4() {
        use sea_orm::{ConnectionTrait, Statement};
        let (db, _) = super::connect("sqlite::memory:").await.unwrap();
        let used = |option: &'static str| {
            let db = db.clone();
            async move {
                let statement = Statement::from_sql_and_values(
                    db.get_database_backend(),
                    "SELECT sqlite_compileoption_used(?) AS used",
                    [option.into()],
                );
                let row = db.query_one_raw(statement).await.unwrap().unwrap();
                row.try_get::<i64>("", "used").unwrap()
            }
        };
        assert_eq!(used("ENABLE_STAT4").await, 0, "SQLite was built with STAT4");
        // The query itself works: an option the bundled build does set.
        assert_eq!(used("ENABLE_FTS5").await, 1);
        db.execute_unprepared(
            "CREATE TABLE t (k TEXT); CREATE INDEX t_k ON t (k); INSERT INTO t VALUES ('a'), ('b'); ANALYZE",
        )
        .await
        .unwrap();
        let stat4 = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT count(*) AS n FROM sqlite_schema WHERE name = 'sqlite_stat4'",
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            stat4.try_get::<i64>("", "n").unwrap(),
            0,
            "ANALYZE gathered STAT4 samples"
        );
    }

    /// By default SQLite reads copy pages instead of mapping the file (the
    /// RSS stays the process's own memory) from at most four connections;
    /// both are settings, and every pooled connection gets the map asked for.
    #[tokio::test]
    async fn sqlite_maps_no_file_and_pools_four_connections_unless_configured() {
        use super::{PoolSettings, pool_stats};
        use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, Statement};
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("map.db").display());
        let mmap_of = |db: DatabaseConnection| async move {
            let row = db
                .query_one_raw(Statement::from_string(DatabaseBackend::Sqlite, "PRAGMA mmap_size"))
                .await
                .unwrap()
                .unwrap();
            let max = pool_stats(&db).unwrap().max;
            (row.try_get_by_index::<i64>(0).unwrap(), max)
        };
        let (db, _) = super::connect(&url).await.unwrap();
        assert_eq!(mmap_of(db).await, (0, 4));
        let settings = PoolSettings {
            size: Some(2),
            sqlite_mmap_bytes: 1 << 20,
            ..PoolSettings::default()
        };
        let (db, _) = super::connect_with(&url, settings).await.unwrap();
        // Hold one connection so that the pragma runs on the pool's second.
        let held = db.get_sqlite_connection_pool().acquire().await.unwrap();
        assert_eq!(mmap_of(db).await, (1 << 20, 2));
        drop(held);
    }

    #[tokio::test]
    async fn a_write_lock_not_granted_in_time_is_unavailable_and_a_constraint_is_not() {
        use sea_orm::{ConnectionTrait, TransactionTrait};
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("busy.db").display());
        let (db, _) = super::connect(&url).await.unwrap();
        db.execute_unprepared("CREATE TABLE t (id INTEGER PRIMARY KEY)")
            .await
            .unwrap();
        let holder = super::begin_write(&db).await.unwrap();
        // Another pool's connection that does not wait for the lock: SQLITE_BUSY at once.
        let (other, _) = super::connect(&url).await.unwrap();
        let txn = other.begin().await.unwrap();
        txn.execute_unprepared("PRAGMA busy_timeout = 0").await.unwrap();
        let busy = txn.execute_unprepared("INSERT INTO t VALUES (2)").await.unwrap_err();
        assert!(is_unavailable(&busy), "{busy:?}");
        txn.rollback().await.unwrap();
        holder.rollback().await.unwrap();
        db.execute_unprepared("INSERT INTO t VALUES (1)").await.unwrap();
        let duplicate = db.execute_unprepared("INSERT INTO t VALUES (1)").await.unwrap_err();
        assert!(!is_unavailable(&duplicate), "{duplicate:?}");
    }
}
