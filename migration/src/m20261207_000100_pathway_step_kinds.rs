//! Steps that lead nowhere in particular. Besides a step that leads to a
//! service, an organisation, a place or a web page (`target`), a step may
//! happen at whichever of the pathway's entry locations the person walked
//! into (`entry_location`: "talk to library staff"), or be words only
//! (`instruction`: "talk to your GP").
//!
//! The kind is its own column rather than read from which target column is
//! set: a target row deleted later empties its column (`SET NULL`), and that
//! step must still read as one that lost its target, needing review, not as
//! an instruction. Every step written before this migration had exactly one
//! target, so `target` is right for all of them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("pathway_step")
                    .add_column(string("kind").default("target"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Steps without a target would read as steps whose target was
        // deleted once the column goes; that is what they are closest to.
        manager
            .alter_table(Table::alter().table("pathway_step").drop_column("kind").to_owned())
            .await
    }
}
