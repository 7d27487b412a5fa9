//! Tombstones: what was deleted, and when, so that the change feed can tell
//! consumers to drop records (HSDS has no way to signal deletions).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("tombstone")
                    .col(string("entity"))
                    .col(string("id"))
                    .col(timestamp_with_time_zone("deleted_at"))
                    .primary_key(Index::create().col("entity").col("id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_tombstone_deleted_at")
                    .table("tombstone")
                    .col("deleted_at")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("tombstone").to_owned()).await
    }
}
