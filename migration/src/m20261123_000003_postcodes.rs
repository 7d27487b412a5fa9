//! Postcode centroids: full postcodes with their coordinates and council
//! area. Outward-code (district) centroids are derived from these on read,
//! so they never go stale after an import.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("postcode")
                    .col(string("code").primary_key())
                    .col(string("outward"))
                    .col(double("latitude"))
                    .col(double("longitude"))
                    .col(string_null("area_code"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_postcode_outward")
                    .table("postcode")
                    .col("outward")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("postcode").to_owned()).await
    }
}
