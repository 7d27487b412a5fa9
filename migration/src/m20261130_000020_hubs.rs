//! Hubs: libraries and community venues acting as Community Hubs, Health
//! and Wellbeing Hubs or warm spaces, with their live status, and the
//! append-only history of every status change.
//!
//! A hub belongs to one location (at most one hub per location); its
//! organisation and council area are copied from the location when the hub
//! is created, so the filters and the access rules read the hub row alone.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(
    table: &'static str,
    column: &'static str,
    target: &'static str,
    target_column: &'static str,
) -> ForeignKeyCreateStatement {
    let mut key = ForeignKey::create();
    key.name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to(target, target_column)
        .on_delete(ForeignKeyAction::Restrict);
    key
}

fn tables() -> Vec<TableCreateStatement> {
    let mut hub = Table::create();
    hub.table("hub")
        .col(string("id").primary_key())
        .col(string("location_id").unique_key())
        .col(string("organization_id"))
        .col(string("area_code"))
        .col(string("name"))
        // Comma-separated `community_hub`, `health_and_wellbeing_hub`, `warm_space`.
        .col(string("kinds"))
        // `open`, `limited` or `closed`.
        .col(string("status"))
        .col(integer_null("capacity"))
        .col(integer_null("occupancy"))
        .col(text_null("note"))
        // A manual status holds until then; afterwards the location's
        // schedule decides again.
        .col(timestamp_with_time_zone_null("valid_until"))
        .col(integer("version"))
        .col(timestamp_with_time_zone("created_at"))
        .col(timestamp_with_time_zone("last_modified"))
        .foreign_key(&mut fk("hub", "location_id", "location", "id"))
        .foreign_key(&mut fk("hub", "organization_id", "organization", "id"))
        .foreign_key(&mut fk("hub", "area_code", "area", "code"));

    let mut facility = Table::create();
    facility
        .table("hub_facility")
        .col(string("hub_id"))
        .col(string("taxonomy_term_id"))
        .primary_key(Index::create().col("hub_id").col("taxonomy_term_id"))
        .foreign_key(fk("hub_facility", "hub_id", "hub", "id").on_delete(ForeignKeyAction::Cascade))
        .foreign_key(&mut fk("hub_facility", "taxonomy_term_id", "taxonomy_term", "id"));

    let mut event = Table::create();
    event
        .table("hub_status_event")
        .col(string("id").primary_key())
        .col(string("hub_id"))
        .col(string("status"))
        .col(integer_null("capacity"))
        .col(integer_null("occupancy"))
        .col(text_null("note"))
        // Comma-separated taxonomy term ids: the facilities at that moment.
        .col(text("facility_term_ids"))
        .col(timestamp_with_time_zone_null("valid_until"))
        // Who: the partner, or null for the system (a `valid_until` revert).
        .col(string_null("partner_id"))
        // Why: `created`, `updated` or `expired`.
        .col(string("reason"))
        .col(integer("version"))
        .col(timestamp_with_time_zone("at"))
        .foreign_key(fk("hub_status_event", "hub_id", "hub", "id").on_delete(ForeignKeyAction::Cascade));
    vec![hub.to_owned(), facility.to_owned(), event.to_owned()]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in tables() {
            manager.create_table(table).await?;
        }
        let indexes: [(&str, &str, &[&str]); 5] = [
            ("idx_hub_area_code", "hub", &["area_code"]),
            ("idx_hub_organization_id", "hub", &["organization_id"]),
            ("idx_hub_valid_until", "hub", &["valid_until"]),
            ("idx_hub_facility_term", "hub_facility", &["taxonomy_term_id"]),
            (
                "idx_hub_status_event_hub_at",
                "hub_status_event",
                &["hub_id", "at", "id"],
            ),
        ];
        for (name, table, columns) in indexes {
            let mut index = Index::create();
            index.name(name).table(table);
            for column in columns {
                index.col(*column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["hub_status_event", "hub_facility", "hub"] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
