//! The NHS health board and the council ward of each postcode, as Ordnance
//! Survey's Code-Point Open gives them (`NHS_HA_code`, `Admin_ward_code`).
//! Health and social care partnerships work by health board, and councils
//! by ward; the council area alone cannot tell either. Nullable: postcodes
//! imported from other sources (the ONS layout, the demo set) do not carry
//! them until Code-Point Open is imported over them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds a single column per ALTER TABLE.
        for column in ["health_board_code", "ward_code"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("postcode")
                        .add_column(string_null(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["ward_code", "health_board_code"] {
            manager
                .alter_table(Table::alter().table("postcode").drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
