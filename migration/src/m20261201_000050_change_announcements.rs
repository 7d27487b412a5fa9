//! PostgreSQL announces every committed change to the data: a trigger on
//! each table sends a `data.changed` event on the channel every hubgraph
//! instance listens on (`events::CHANNEL`), whoever made the change (an
//! instance, the CLI, an import, `psql`). Instances empty their caches of
//! answers on it (`http::response_cache`).
//!
//! The trigger runs once per statement, and PostgreSQL delivers identical
//! notifications of one transaction once, at commit (none on rollback), so
//! a transaction of any size costs one event. Tables whose rows no answer
//! to an anonymous query shows (`QUIET_TABLES`) have none; a test checks
//! that every other table has it, so a new table's migration must add it
//! (`announce_changes_sql`).
//!
//! PostgreSQL serialises the commits of transactions that notify (a global
//! lock at commit), as hub status updates already did for their events:
//! fine at the directory's few writes a second, and the first thing to
//! revisit should writes ever come by the thousand a second.
//!
//! SQLite has no trigger: it is one process's file, and that process
//! empties its cache itself after each write.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Tables written without changing any public answer: the audit trail,
/// idempotency keys, tokens and the migrations' own bookkeeping.
pub const QUIET_TABLES: [&str; 4] = ["audit", "idempotency_key", "token", "seaql_migrations"];

/// The name of the trigger (on each table) and of its function.
pub const TRIGGER: &str = "hubgraph_announce_change";

/// The function the triggers run. The channel is `events::CHANNEL` and the
/// event's shape `events::Event` (topic and payload). Since
/// `m20261206_000080_changes_name_their_table` the payload names the table.
pub const FUNCTION: &str = r#"
CREATE OR REPLACE FUNCTION hubgraph_announce_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('hubgraph_events', '{"topic":"data.changed","payload":{}}');
    RETURN NULL;
END
$$"#;

/// The statement adding the trigger to `table`.
pub fn announce_changes_sql(table: &str) -> String {
    format!(
        "CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON \"{table}\" \
         FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER}()"
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        db.execute_unprepared(FUNCTION).await?;
        let tables = db
            .query_all_raw(sea_orm_migration::sea_orm::Statement::from_string(
                DatabaseBackend::Postgres,
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename",
            ))
            .await?;
        for row in tables {
            let table: String = row.try_get("", "tablename")?;
            if !QUIET_TABLES.contains(&table.as_str()) {
                db.execute_unprepared(&announce_changes_sql(&table)).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        // Dropping the function drops every trigger that runs it.
        db.execute_unprepared(&format!("DROP FUNCTION IF EXISTS {TRIGGER}() CASCADE"))
            .await?;
        Ok(())
    }
}
