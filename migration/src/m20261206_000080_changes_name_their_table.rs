//! The change announcements (`m20261201_000050_change_announcements`) name
//! the table that changed: `{"topic":"data.changed","payload":{"table":...}}`.
//! Instances then empty only the answers a change can affect: a change to
//! the hub tables alone (a library's status update) keeps every kept answer
//! that shows no hub (`http::response_cache::HUB_TABLES`).
//!
//! PostgreSQL still sends one notification per table and transaction
//! (identical ones are folded at commit). An instance that does not know
//! the payload's table empties everything, as before.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

use crate::m20261201_000050_change_announcements::{FUNCTION as FUNCTION_BEFORE, TRIGGER};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The triggers' function, naming the table. `TG_TABLE_NAME` is an
/// identifier (letters, digits and underscores here), so it needs no JSON
/// escaping.
const FUNCTION_NAMING_THE_TABLE: &str = r#"
CREATE OR REPLACE FUNCTION hubgraph_announce_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('hubgraph_events', '{"topic":"data.changed","payload":{"table":"' || TG_TABLE_NAME || '"}}');
    RETURN NULL;
END
$$"#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        replace_function(manager, FUNCTION_NAMING_THE_TABLE).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        replace_function(manager, FUNCTION_BEFORE).await
    }
}

/// Replaces the function every trigger runs (`CREATE OR REPLACE` keeps the
/// triggers); SQLite has none.
async fn replace_function(manager: &SchemaManager<'_>, function: &str) -> Result<(), DbErr> {
    let db = manager.get_connection();
    if db.get_database_backend() != DatabaseBackend::Postgres {
        return Ok(());
    }
    debug_assert!(function.contains(TRIGGER));
    db.execute_unprepared(function).await?;
    Ok(())
}
