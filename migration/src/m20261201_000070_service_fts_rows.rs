//! SQLite only: `service_fts_row`, each service's row in the full-text
//! index `service_fts`, by id.
//!
//! FTS5 keeps the service id in an unindexed column: finding a service's
//! entry meant reading every entry's stored columns, and scoring the radius
//! search's few candidates meant reading the id of every document with the
//! word (2,471 for "support" at 20,000 services, 6 ms). With the entries'
//! rowids at hand, the candidates are matched by rowid against the word's
//! list, which FTS5 holds without visiting the rows (0.9 ms).
//! `services::text` writes both tables together.
//!
//! PostgreSQL's index (`service_search`) is keyed by service already.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Sqlite {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE TABLE service_fts_row (service_id TEXT PRIMARY KEY, fts_rowid INTEGER NOT NULL) WITHOUT ROWID",
        )
        .await?;
        db.execute_unprepared(
            "INSERT OR REPLACE INTO service_fts_row (service_id, fts_rowid) SELECT service_id, rowid FROM service_fts",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DatabaseBackend::Sqlite {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE service_fts_row")
            .await?;
        Ok(())
    }
}
