//! The full-text index of services: name, description, organization name and
//! taxonomy term names, stemmed for English. SQLite uses an FTS5 table,
//! PostgreSQL a weighted `tsvector` with a GIN index. The application keeps
//! it current (`services::text::reindex`) in the same transaction as the
//! write, so it is never out of step with the rows.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Sqlite => {
                db.execute_unprepared(
                    "CREATE VIRTUAL TABLE service_fts USING fts5(\
                        service_id UNINDEXED, name, description, organization, terms, \
                        tokenize = 'porter unicode61 remove_diacritics 2')",
                )
                .await?;
            }
            _ => {
                db.execute_unprepared(
                    "CREATE TABLE service_search (\
                        service_id text PRIMARY KEY REFERENCES service(id) ON DELETE CASCADE, \
                        document tsvector NOT NULL)",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE INDEX idx_service_search_document ON service_search USING GIN (document)",
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = match manager.get_database_backend() {
            DatabaseBackend::Sqlite => "service_fts",
            _ => "service_search",
        };
        manager
            .get_connection()
            .execute_unprepared(&format!("DROP TABLE {table}"))
            .await?;
        Ok(())
    }
}
