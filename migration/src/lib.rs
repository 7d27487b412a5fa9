//! Database migrations of hubgraph, one file per migration. They run at
//! start-up (`hubgraph serve`, `hubgraph migrate`) on SQLite and PostgreSQL alike.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_directory;
mod m20261123_000002_areas;
mod m20261123_000003_postcodes;
mod m20261123_000004_service_text_index;
mod m20261123_000005_tombstones;
mod m20261123_000010_partners;
mod m20261123_000011_audit;
mod m20261123_000012_idempotency;
mod m20261130_000020_hubs;
mod m20261130_000030_pathways;
mod m20261130_000040_covering_indexes;
pub mod m20261201_000050_change_announcements;
pub mod m20261201_000060_located_services;
mod m20261201_000070_service_fts_rows;
mod m20261206_000080_changes_name_their_table;
mod m20261207_000090_closed_hubs_hold_nobody;
mod m20261207_000100_pathway_step_kinds;
mod m20261207_000110_postcode_geography;
mod m20261207_000120_health_boards;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_directory::Migration),
            Box::new(m20261123_000002_areas::Migration),
            Box::new(m20261123_000003_postcodes::Migration),
            Box::new(m20261123_000004_service_text_index::Migration),
            Box::new(m20261123_000005_tombstones::Migration),
            Box::new(m20261123_000010_partners::Migration),
            Box::new(m20261123_000011_audit::Migration),
            Box::new(m20261123_000012_idempotency::Migration),
            Box::new(m20261130_000020_hubs::Migration),
            Box::new(m20261130_000030_pathways::Migration),
            Box::new(m20261130_000040_covering_indexes::Migration),
            Box::new(m20261201_000050_change_announcements::Migration),
            Box::new(m20261201_000060_located_services::Migration),
            Box::new(m20261201_000070_service_fts_rows::Migration),
            Box::new(m20261206_000080_changes_name_their_table::Migration),
            Box::new(m20261207_000090_closed_hubs_hold_nobody::Migration),
            Box::new(m20261207_000100_pathway_step_kinds::Migration),
            Box::new(m20261207_000110_postcode_geography::Migration),
            Box::new(m20261207_000120_health_boards::Migration),
        ]
    }
}
