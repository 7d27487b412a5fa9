//! Partners (the libraries, HSCPs, third-sector bodies and operators that
//! hold tokens), the council areas an HSCP partner covers, and the tokens
//! issued to them.
//!
//! A token row exists so that a token can be listed and revoked: the server
//! checks it on every request, so a revocation takes effect on the next one.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(
    table: &'static str,
    column: &'static str,
    target: &'static str,
    target_column: &'static str,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    let mut key = ForeignKey::create();
    key.name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to(target, target_column)
        .on_delete(on_delete);
    key
}

fn tables() -> Vec<TableCreateStatement> {
    let mut partner = Table::create();
    partner
        .table("partner")
        .col(string("id").primary_key())
        .col(string("name"))
        // `library`, `hscp`, `third-sector` or `admin`.
        .col(string("kind"))
        .col(string_null("organization_id"))
        .col(boolean("disabled").default(false))
        .col(timestamp_with_time_zone("created_at"))
        .col(timestamp_with_time_zone("last_modified"))
        // An organisation with a partner attached is not deleted from under it.
        .foreign_key(&mut fk(
            "partner",
            "organization_id",
            "organization",
            "id",
            ForeignKeyAction::Restrict,
        ));

    let mut partner_area = Table::create();
    partner_area
        .table("partner_area")
        .col(string("partner_id"))
        .col(string("area_code"))
        .primary_key(Index::create().col("partner_id").col("area_code"))
        .foreign_key(&mut fk(
            "partner_area",
            "partner_id",
            "partner",
            "id",
            ForeignKeyAction::Cascade,
        ))
        .foreign_key(&mut fk(
            "partner_area",
            "area_code",
            "area",
            "code",
            ForeignKeyAction::Restrict,
        ));

    let mut token = Table::create();
    token
        .table("token")
        .col(string("jti").primary_key())
        .col(string("partner_id"))
        // Space-separated, as in the token's `scope` claim.
        .col(text("scopes"))
        .col(timestamp_with_time_zone("issued_at"))
        .col(timestamp_with_time_zone("expires_at"))
        .col(timestamp_with_time_zone_null("revoked_at"))
        .foreign_key(&mut fk(
            "token",
            "partner_id",
            "partner",
            "id",
            ForeignKeyAction::Cascade,
        ));

    vec![partner, partner_area, token]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in tables() {
            manager.create_table(table).await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("idx_token_partner_id")
                    .table("token")
                    .col("partner_id")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["token", "partner_area", "partner"] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
