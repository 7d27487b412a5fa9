//! A closed hub has nobody in it: `updateHubStatus(status: CLOSED)` now
//! clears the occupancy. Hubs closed before that kept their last figure,
//! which dashboards went on counting; this clears it for them too.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("UPDATE hub SET occupancy = NULL WHERE status = 'closed' AND occupancy IS NOT NULL")
            .await?;
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // The figures cleared were stale; there is nothing to put back.
        Ok(())
    }
}
