//! The audit trail: one row per successful write (who, what, which record,
//! which fields, which request, when), written in the write's transaction.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("audit")
                    .col(string("id").primary_key())
                    // Null for writes made by the system (CLI, importer).
                    // No foreign key: the trail outlives the partners it names.
                    .col(string_null("partner_id"))
                    // `service.update`, `service.archive`, ...
                    .col(string("action"))
                    .col(string("entity"))
                    .col(string("entity_id"))
                    // Comma-separated input field names (camelCase, as the client sent them).
                    .col(text("changed_fields"))
                    .col(string_null("request_id"))
                    .col(timestamp_with_time_zone("at"))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [("idx_audit_entity_id", "entity_id"), ("idx_audit_at", "at")] {
            manager
                .create_index(Index::create().name(name).table("audit").col(column).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("audit").to_owned()).await
    }
}
