//! Covering indexes for the partner search's candidate statement and the
//! loaders of nested lists: each answers its look-up from the index alone,
//! without a visit to the table row. On 20,000 services the radius search's
//! candidate statement went from 16 to 6 ms on SQLite (`bench/RESULTS.md`).
//!
//! - `location (latitude, longitude, id)`: the bounding box and the id to
//!   join on;
//! - `service_at_location (location_id, service_id)`: the services at a
//!   location (radius search, a hub's service count);
//! - `attribute (link_id, link_entity, taxonomy_term_id)`: whether a service
//!   carries a term (category filter) and the terms of a page of services.
//!
//! Each replaces the narrower index it extends.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (table, old index, new index, new index's columns).
const REPLACED: [(&str, &str, &str, &[&str]); 3] = [
    (
        "location",
        "idx_location_latitude_longitude",
        "idx_location_box",
        &["latitude", "longitude", "id"],
    ),
    (
        "service_at_location",
        "idx_service_at_location_location_id",
        "idx_service_at_location_location_service",
        &["location_id", "service_id"],
    ),
    (
        "attribute",
        "idx_attribute_link_id",
        "idx_attribute_link",
        &["link_id", "link_entity", "taxonomy_term_id"],
    ),
];

/// The columns of the narrower indexes, for `down`.
const OLD_COLUMNS: [&[&str]; 3] = [&["latitude", "longitude"], &["location_id"], &["link_id"]];

fn create(name: &str, table: &str, columns: &[&str]) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(Alias::new(table));
    for column in columns {
        index.col(Alias::new(*column));
    }
    index.to_owned()
}

fn drop(name: &str, table: &str) -> IndexDropStatement {
    Index::drop().name(name).table(Alias::new(table)).to_owned()
}

/// SQLite plans by the statistics `ANALYZE` gathered; a new index has none
/// until the next one. Where statistics exist (a loaded database), refresh
/// them for the tables touched; a fresh database gets its own after the
/// first bulk load.
async fn refresh_sqlite_statistics(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    if manager.get_database_backend() != sea_orm::DatabaseBackend::Sqlite {
        return Ok(());
    }
    let db = manager.get_connection();
    let has_statistics = db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Sqlite,
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'",
        ))
        .await?
        .is_some();
    if has_statistics {
        for (table, ..) in REPLACED {
            db.execute_unprepared(&format!("ANALYZE \"{table}\"")).await?;
        }
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, old, new, columns) in REPLACED {
            manager.create_index(create(new, table, columns)).await?;
            manager.drop_index(drop(old, table)).await?;
        }
        refresh_sqlite_statistics(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for ((table, old, new, _), columns) in REPLACED.into_iter().zip(OLD_COLUMNS) {
            manager.create_index(create(old, table, columns)).await?;
            manager.drop_index(drop(new, table)).await?;
        }
        refresh_sqlite_statistics(manager).await
    }
}
