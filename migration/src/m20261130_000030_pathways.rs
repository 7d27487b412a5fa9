//! Referral pathways: published, ordered routes from an entry point (a
//! library, a school library, a youth group) to the services that help,
//! curated by the HSCP of the area; and the counts of referrals made along
//! them, for dashboards.
//!
//! Areas, audience terms and entry locations are child tables so that the
//! filters (`areaCodes`, `audienceTermIds`, `fromLocationId`) are indexed
//! look-ups. A step names at most one target; when the target row goes,
//! the step keeps its place with no target and the pathway needs review.
//! Activity holds counts only: no column could carry personal data.

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
    use ForeignKeyAction::{Cascade, Restrict, SetNull};
    let mut pathway = Table::create();
    pathway
        .table("pathway")
        .col(string("id").primary_key())
        .col(string("name"))
        .col(text_null("description"))
        // `draft`, `published` or `archived`.
        .col(string("status"))
        // The partner (an HSCP, or an admin) that curates it.
        .col(string("owner_partner_id"))
        // When its owner last confirmed that it is right (set on publishing
        // and on every edit of a published pathway).
        .col(timestamp_with_time_zone_null("reviewed_at"))
        .col(integer("version"))
        .col(timestamp_with_time_zone("created_at"))
        .col(timestamp_with_time_zone("last_modified"))
        .foreign_key(&mut fk("pathway", "owner_partner_id", "partner", "id", Restrict));

    let mut area = Table::create();
    area.table("pathway_area")
        .col(string("pathway_id"))
        .col(string("area_code"))
        .primary_key(Index::create().col("pathway_id").col("area_code"))
        .foreign_key(&mut fk("pathway_area", "pathway_id", "pathway", "id", Cascade))
        .foreign_key(&mut fk("pathway_area", "area_code", "area", "code", Restrict));

    let mut audience = Table::create();
    audience
        .table("pathway_audience")
        .col(string("pathway_id"))
        .col(string("taxonomy_term_id"))
        .primary_key(Index::create().col("pathway_id").col("taxonomy_term_id"))
        .foreign_key(&mut fk("pathway_audience", "pathway_id", "pathway", "id", Cascade))
        .foreign_key(&mut fk(
            "pathway_audience",
            "taxonomy_term_id",
            "taxonomy_term",
            "id",
            Restrict,
        ));

    let mut entry = Table::create();
    entry
        .table("pathway_entry")
        .col(string("pathway_id"))
        .col(string("location_id"))
        .col(integer("position"))
        .primary_key(Index::create().col("pathway_id").col("location_id"))
        .foreign_key(&mut fk("pathway_entry", "pathway_id", "pathway", "id", Cascade))
        .foreign_key(&mut fk("pathway_entry", "location_id", "location", "id", Cascade));

    let mut step = Table::create();
    step.table("pathway_step")
        .col(string("id").primary_key())
        .col(string("pathway_id"))
        .col(integer("position"))
        .col(string("title"))
        .col(text_null("description"))
        // `self_referral`, `signposting`, `professional_referral`, `e_referral`.
        .col(string("referral_method"))
        .col(boolean("appointment_required"))
        .col(text_null("eligibility"))
        .col(text_null("contact_instructions"))
        // One target at most: a service, an organisation, a location or a URL.
        .col(string_null("service_id"))
        .col(string_null("organization_id"))
        .col(string_null("location_id"))
        .col(text_null("url"))
        .foreign_key(&mut fk("pathway_step", "pathway_id", "pathway", "id", Cascade))
        .foreign_key(&mut fk("pathway_step", "service_id", "service", "id", SetNull))
        .foreign_key(&mut fk(
            "pathway_step",
            "organization_id",
            "organization",
            "id",
            SetNull,
        ))
        .foreign_key(&mut fk("pathway_step", "location_id", "location", "id", SetNull));

    let mut activity = Table::create();
    activity
        .table("pathway_activity")
        .col(string("id").primary_key())
        .col(string("pathway_id"))
        // The step, when the count is for one step; kept as it was when the
        // step is later removed, so totals never change after the fact.
        .col(string_null("step_id"))
        .col(date("on_date"))
        .col(integer("referrals"))
        // Who reported the count (a partner), for the audit of the figures.
        .col(string("partner_id"))
        .col(timestamp_with_time_zone("recorded_at"))
        .foreign_key(&mut fk("pathway_activity", "pathway_id", "pathway", "id", Cascade))
        .foreign_key(&mut fk("pathway_activity", "partner_id", "partner", "id", Restrict));
    vec![
        pathway.to_owned(),
        area.to_owned(),
        audience.to_owned(),
        entry.to_owned(),
        step.to_owned(),
        activity.to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in tables() {
            manager.create_table(table).await?;
        }
        let indexes: [(&str, &str, &[&str]); 8] = [
            ("idx_pathway_owner", "pathway", &["owner_partner_id"]),
            ("idx_pathway_last_modified", "pathway", &["last_modified", "id"]),
            ("idx_pathway_area_code", "pathway_area", &["area_code"]),
            ("idx_pathway_audience_term", "pathway_audience", &["taxonomy_term_id"]),
            ("idx_pathway_entry_location", "pathway_entry", &["location_id"]),
            ("idx_pathway_step_pathway", "pathway_step", &["pathway_id", "position"]),
            ("idx_pathway_step_service", "pathway_step", &["service_id"]),
            (
                "idx_pathway_activity_pathway_date",
                "pathway_activity",
                &["pathway_id", "on_date"],
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
        for table in [
            "pathway_activity",
            "pathway_step",
            "pathway_entry",
            "pathway_audience",
            "pathway_area",
            "pathway",
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
