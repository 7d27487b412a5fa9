//! The Open Referral HSDS 3.0 core tables of the services directory.
//!
//! Column names are HSDS's. Every top-level record (organization, service,
//! location) carries `version`, `created_at` and `last_modified`. Child rows
//! cascade with their parent, so replacing a service's phones or schedules is
//! a delete-and-insert inside one transaction.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Text primary key: HSDS ids are UUID strings, and imported ids are kept.
fn id() -> ColumnDef {
    string("id").primary_key().take()
}

/// `version`, `created_at`, `last_modified` of a top-level record.
fn record_columns(table: &mut TableCreateStatement) -> &mut TableCreateStatement {
    table
        .col(integer("version").default(1))
        .col(timestamp_with_time_zone("created_at"))
        .col(timestamp_with_time_zone("last_modified"))
}

/// A foreign key from `table.column` to `target.id`.
fn fk(table: &'static str, column: &'static str, target: &'static str, cascade: bool) -> ForeignKeyCreateStatement {
    let mut key = ForeignKey::create();
    key.name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to(target, "id")
        .on_delete(if cascade {
            ForeignKeyAction::Cascade
        } else {
            ForeignKeyAction::Restrict
        });
    key
}

/// An index named after its table and columns.
fn index(table: &'static str, columns: &[&'static str]) -> IndexCreateStatement {
    let mut idx = Index::create();
    idx.name(format!("idx_{table}_{}", columns.join("_"))).table(table);
    for column in columns {
        idx.col(*column);
    }
    idx
}

fn tables() -> Vec<TableCreateStatement> {
    let mut organization = Table::create();
    organization
        .table("organization")
        .col(id())
        .col(string("name"))
        .col(string_null("alternate_name"))
        .col(text("description"))
        .col(string_null("email"))
        .col(string_null("website"))
        .col(string_null("tax_status"))
        .col(string_null("tax_id"))
        .col(integer_null("year_incorporated"))
        .col(string_null("legal_status"))
        .col(string_null("logo"))
        .col(string_null("uri"))
        .col(string_null("parent_organization_id"))
        .foreign_key(&mut fk("organization", "parent_organization_id", "organization", false));
    record_columns(&mut organization);

    let mut organization_identifier = Table::create();
    organization_identifier
        .table("organization_identifier")
        .col(id())
        .col(string("organization_id"))
        .col(string_null("identifier_scheme"))
        .col(string("identifier_type"))
        .col(string("identifier"))
        .foreign_key(&mut fk(
            "organization_identifier",
            "organization_id",
            "organization",
            true,
        ));

    let mut service = Table::create();
    service
        .table("service")
        .col(id())
        .col(string("organization_id"))
        .col(string_null("program_id"))
        .col(string("name"))
        .col(string_null("alternate_name"))
        .col(text_null("description"))
        .col(string_null("url"))
        .col(string_null("email"))
        .col(string("status"))
        .col(text_null("interpretation_services"))
        .col(text_null("application_process"))
        .col(text_null("fees_description"))
        .col(text_null("wait_time"))
        .col(text_null("fees"))
        .col(text_null("accreditations"))
        .col(text_null("eligibility_description"))
        .col(integer_null("minimum_age"))
        .col(integer_null("maximum_age"))
        .col(date_null("assured_date"))
        .col(string_null("assurer_email"))
        .col(text_null("licenses"))
        .col(text_null("alert"))
        .foreign_key(&mut fk("service", "organization_id", "organization", false));
    record_columns(&mut service);

    let mut location = Table::create();
    location
        .table("location")
        .col(id())
        .col(string("location_type"))
        .col(string_null("url"))
        .col(string_null("organization_id"))
        .col(string_null("name"))
        .col(string_null("alternate_name"))
        .col(text_null("description"))
        .col(text_null("transportation"))
        .col(double_null("latitude"))
        .col(double_null("longitude"))
        .col(string_null("external_identifier"))
        .col(string_null("external_identifier_type"))
        .col(string_null("area_code"))
        .foreign_key(&mut fk("location", "organization_id", "organization", false));
    record_columns(&mut location);

    let mut address = Table::create();
    address
        .table("address")
        .col(id())
        .col(string_null("location_id"))
        .col(string_null("attention"))
        .col(string("address_1"))
        .col(string_null("address_2"))
        .col(string("city"))
        .col(string_null("region"))
        .col(string_null("state_province"))
        .col(string("postal_code"))
        .col(string("country"))
        .col(string("address_type"))
        .foreign_key(&mut fk("address", "location_id", "location", true));

    let mut service_at_location = Table::create();
    service_at_location
        .table("service_at_location")
        .col(id())
        .col(string("service_id"))
        .col(string("location_id"))
        .col(text_null("description"))
        .foreign_key(&mut fk("service_at_location", "service_id", "service", true))
        .foreign_key(&mut fk("service_at_location", "location_id", "location", true));

    let mut contact = Table::create();
    contact
        .table("contact")
        .col(id())
        .col(string_null("organization_id"))
        .col(string_null("service_id"))
        .col(string_null("service_at_location_id"))
        .col(string_null("location_id"))
        .col(string_null("name"))
        .col(string_null("title"))
        .col(string_null("department"))
        .col(string_null("email"))
        .foreign_key(&mut fk("contact", "organization_id", "organization", true))
        .foreign_key(&mut fk("contact", "service_id", "service", true))
        .foreign_key(&mut fk(
            "contact",
            "service_at_location_id",
            "service_at_location",
            true,
        ))
        .foreign_key(&mut fk("contact", "location_id", "location", true));

    let mut phone = Table::create();
    phone
        .table("phone")
        .col(id())
        .col(string_null("location_id"))
        .col(string_null("service_id"))
        .col(string_null("organization_id"))
        .col(string_null("contact_id"))
        .col(string_null("service_at_location_id"))
        .col(string("number"))
        .col(string_null("extension"))
        .col(string_null("type"))
        .col(text_null("description"))
        .col(integer("position").default(0))
        .foreign_key(&mut fk("phone", "location_id", "location", true))
        .foreign_key(&mut fk("phone", "service_id", "service", true))
        .foreign_key(&mut fk("phone", "organization_id", "organization", true))
        .foreign_key(&mut fk("phone", "contact_id", "contact", true))
        .foreign_key(&mut fk("phone", "service_at_location_id", "service_at_location", true));

    let mut schedule = Table::create();
    schedule
        .table("schedule")
        .col(id())
        .col(string_null("service_id"))
        .col(string_null("location_id"))
        .col(string_null("service_at_location_id"))
        .col(date_null("valid_from"))
        .col(date_null("valid_to"))
        .col(date_null("dtstart"))
        .col(double_null("timezone"))
        .col(date_null("until"))
        .col(integer_null("count"))
        .col(string_null("wkst"))
        .col(string_null("freq"))
        .col(integer_null("interval"))
        .col(string_null("byday"))
        .col(string_null("byweekno"))
        .col(string_null("bymonthday"))
        .col(string_null("byyearday"))
        .col(text_null("description"))
        .col(string_null("opens_at"))
        .col(string_null("closes_at"))
        .col(string_null("schedule_link"))
        .col(text_null("attending_type"))
        .col(text_null("notes"))
        .col(boolean("closed").default(false))
        .foreign_key(&mut fk("schedule", "service_id", "service", true))
        .foreign_key(&mut fk("schedule", "location_id", "location", true))
        .foreign_key(&mut fk(
            "schedule",
            "service_at_location_id",
            "service_at_location",
            true,
        ));

    let mut service_area = Table::create();
    service_area
        .table("service_area")
        .col(id())
        .col(string_null("service_id"))
        .col(string_null("service_at_location_id"))
        .col(string_null("name"))
        .col(text_null("description"))
        .col(text_null("extent"))
        .col(string_null("extent_type"))
        .col(string_null("uri"))
        .col(string_null("area_code"))
        .foreign_key(&mut fk("service_area", "service_id", "service", true))
        .foreign_key(&mut fk(
            "service_area",
            "service_at_location_id",
            "service_at_location",
            true,
        ));

    let mut taxonomy = Table::create();
    taxonomy
        .table("taxonomy")
        .col(id())
        .col(string("name"))
        .col(text_null("description"))
        .col(string_null("uri"))
        .col(string_null("version"));

    let mut taxonomy_term = Table::create();
    taxonomy_term
        .table("taxonomy_term")
        .col(id())
        .col(string_null("code"))
        .col(string("name"))
        .col(text("description"))
        .col(string_null("parent_id"))
        .col(string_null("taxonomy"))
        .col(string_null("language"))
        .col(string_null("taxonomy_id"))
        .col(string_null("term_uri"))
        .foreign_key(&mut fk("taxonomy_term", "parent_id", "taxonomy_term", false))
        .foreign_key(&mut fk("taxonomy_term", "taxonomy_id", "taxonomy", false));

    let mut attribute = Table::create();
    attribute
        .table("attribute")
        .col(id())
        .col(string("link_id"))
        .col(string("taxonomy_term_id"))
        .col(string_null("link_type"))
        .col(string("link_entity"))
        .col(text_null("value"))
        .col(string_null("label"))
        .foreign_key(&mut fk("attribute", "taxonomy_term_id", "taxonomy_term", true));

    let mut language = Table::create();
    language
        .table("language")
        .col(id())
        .col(string_null("service_id"))
        .col(string_null("location_id"))
        .col(string_null("phone_id"))
        .col(string_null("name"))
        .col(string_null("code"))
        .col(text_null("note"))
        .foreign_key(&mut fk("language", "service_id", "service", true))
        .foreign_key(&mut fk("language", "location_id", "location", true))
        .foreign_key(&mut fk("language", "phone_id", "phone", true));

    let mut accessibility = Table::create();
    accessibility
        .table("accessibility")
        .col(id())
        .col(string_null("location_id"))
        .col(text_null("description"))
        .col(text_null("details"))
        .col(string_null("url"))
        .foreign_key(&mut fk("accessibility", "location_id", "location", true));

    let mut cost_option = Table::create();
    cost_option
        .table("cost_option")
        .col(id())
        .col(string("service_id"))
        .col(date_null("valid_from"))
        .col(date_null("valid_to"))
        .col(text_null("option"))
        .col(string_null("currency"))
        .col(double_null("amount"))
        .col(text_null("amount_description"))
        .foreign_key(&mut fk("cost_option", "service_id", "service", true));

    vec![
        organization,
        organization_identifier,
        service,
        location,
        address,
        service_at_location,
        contact,
        phone,
        schedule,
        service_area,
        taxonomy,
        taxonomy_term,
        attribute,
        language,
        accessibility,
        cost_option,
    ]
}

fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        index("organization", &["name"]),
        index("organization", &["last_modified"]),
        index("organization_identifier", &["organization_id"]),
        index("service", &["organization_id"]),
        index("service", &["name", "id"]),
        index("service", &["status"]),
        index("service", &["last_modified"]),
        index("location", &["organization_id"]),
        index("location", &["latitude", "longitude"]),
        index("location", &["area_code"]),
        index("location", &["last_modified"]),
        index("address", &["location_id"]),
        index("address", &["postal_code"]),
        index("service_at_location", &["service_id"]),
        index("service_at_location", &["location_id"]),
        index("contact", &["organization_id"]),
        index("contact", &["service_id"]),
        index("contact", &["location_id"]),
        index("phone", &["service_id"]),
        index("phone", &["location_id"]),
        index("phone", &["organization_id"]),
        index("schedule", &["service_id"]),
        index("schedule", &["location_id"]),
        index("service_area", &["service_id"]),
        index("service_area", &["area_code"]),
        index("taxonomy_term", &["taxonomy_id"]),
        index("taxonomy_term", &["parent_id"]),
        index("attribute", &["link_id"]),
        index("attribute", &["taxonomy_term_id", "link_entity"]),
        index("language", &["service_id"]),
        index("language", &["location_id"]),
        index("language", &["code"]),
        index("accessibility", &["location_id"]),
        index("cost_option", &["service_id"]),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in tables() {
            manager.create_table(table).await?;
        }
        for index in indexes() {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in tables().into_iter().rev() {
            let name = table
                .get_table_name()
                .cloned()
                .ok_or_else(|| DbErr::Custom("table without a name".into()))?;
            manager.drop_table(Table::drop().table(name).to_owned()).await?;
        }
        Ok(())
    }
}
