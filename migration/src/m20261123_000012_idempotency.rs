//! Idempotency keys: a partner's retried mutation (same `Idempotency-Key`,
//! same body) gets the first response again instead of running twice.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("idempotency_key")
                    .col(string("key"))
                    .col(string("partner_id"))
                    // SHA-256 (hex) of the canonical request: query, operation name, variables.
                    .col(string("request_hash"))
                    // Null while the first request is running.
                    .col(integer_null("status"))
                    .col(text_null("response"))
                    .col(timestamp_with_time_zone("created_at"))
                    .primary_key(Index::create().col("key").col("partner_id"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("idempotency_key").to_owned())
            .await
    }
}
