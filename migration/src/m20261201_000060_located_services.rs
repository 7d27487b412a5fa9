//! `located_service`: one row per service at a location with coordinates,
//! carrying what the radius search filters on (coordinates, status, age
//! range, the ids of the service's own taxonomy terms) and what it ranks by
//! (name, assured date, creation time).
//!
//! The partner search near a postcode used to reach each nearby service
//! through the location index, the link table, the category links and the
//! service row: four index probes per link in the box, about 900 links and
//! 4 ms of PostgreSQL's executor for a 10 km box at 20,000 services. Here
//! the box is one index range whose rows answer every common filter
//! themselves (`services::search::matches_in_box`).
//!
//! Triggers keep it in step with `service`, `service_at_location`,
//! `location` and `attribute`, in the writing transaction, whoever writes
//! (the server, an import, the CLI or psql). What a bulk load does once per
//! row is cheap: a new link inserts its row, a new term is appended, a
//! service's columns are copied. Rarer changes (a link or term removed, a
//! location moved) rebuild the rows of the service, or location, they
//! touch. Deletes of services and locations cascade.
//!
//! `terms` holds the ids of the terms linked to the service, each between
//! two unit separators (U+001F, which no id carries), so that "linked to
//! one of these terms" is a substring test per term on the row itself.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

use crate::m20261201_000050_change_announcements::announce_changes_sql;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The table's name.
pub const TABLE: &str = "located_service";

/// What differs between the backends in the statements that fill the table.
struct Dialect {
    /// `INSERT` that skips a row already there (a service linked twice to a location).
    insert: &'static str,
    /// After the `SELECT`, for the same.
    on_conflict: &'static str,
    /// U+001F.
    separator: &'static str,
    /// The aggregate that concatenates text.
    concatenate: &'static str,
    /// The longitude strip of `l.longitude` (see `STRIPS_PER_DEGREE`).
    strip: &'static str,
}

/// The box index leads with a strip of longitude,
/// `floor((longitude + 180) * 5)`, 0.2 degrees wide (12.4 km at 56 degrees
/// north): a search reads the latitude range of the two or three strips its
/// box spans, not the whole band of latitude across the country.
/// `services::search` computes the same strips for a box.
pub const STRIPS_PER_DEGREE: f64 = 5.0;

const SQLITE: Dialect = Dialect {
    insert: "INSERT OR IGNORE INTO",
    on_conflict: "",
    separator: "char(31)",
    concatenate: "group_concat",
    // Non-negative, so truncation is the floor.
    strip: "CAST((l.longitude + 180) * 5 AS INTEGER)",
};

const POSTGRES: Dialect = Dialect {
    insert: "INSERT INTO",
    on_conflict: "ON CONFLICT DO NOTHING",
    separator: "chr(31)",
    concatenate: "string_agg",
    strip: "CAST(floor((l.longitude + 180) * 5) AS integer)",
};

const COLUMNS: &str = "longitude_strip, latitude, longitude, service_id, location_id, status, minimum_age, maximum_age, \
                       name, assured_date, created_at, terms";

impl Dialect {
    /// Inserts the rows of the services at located places that `filter` (a
    /// condition on `s`, the service, and `l`, the location) selects.
    fn fill(&self, filter: &str) -> String {
        let Dialect {
            insert,
            on_conflict,
            separator,
            concatenate,
            strip,
        } = self;
        format!(
            "{insert} {TABLE} ({COLUMNS}) \
             SELECT {strip}, l.latitude, l.longitude, s.id, l.id, s.status, s.minimum_age, s.maximum_age, \
                    s.name, s.assured_date, s.created_at, \
                    {separator} || coalesce((SELECT {concatenate}(a.taxonomy_term_id || {separator}, '') \
                        FROM attribute AS a WHERE a.link_entity = 'service' AND a.link_id = s.id), '') \
             FROM service AS s \
             JOIN service_at_location AS sal ON sal.service_id = s.id \
             JOIN location AS l ON l.id = sal.location_id \
             WHERE {filter} AND l.latitude IS NOT NULL AND l.longitude IS NOT NULL {on_conflict}"
        )
    }

    /// Statements that rebuild the rows of one service (`key` the
    /// expression naming its id).
    fn refresh_service(&self, key: &str) -> String {
        format!(
            "DELETE FROM {TABLE} WHERE service_id = {key}; {};",
            self.fill(&format!("s.id = {key}"))
        )
    }

    /// The row of one new link (the service and location keys naming its
    /// ends): an insert, leaving the service's other rows alone.
    fn link_added(&self, service: &str, location: &str) -> String {
        format!("{};", self.fill(&format!("s.id = {service} AND l.id = {location}")))
    }

    /// A new term link of a service (`row` is `NEW`): appended to its rows' terms.
    fn term_added(&self, row: &str) -> String {
        format!(
            "UPDATE {TABLE} SET terms = terms || {row}.taxonomy_term_id || {separator} \
             WHERE service_id = {row}.link_id;",
            separator = self.separator
        )
    }

    /// A service's own columns changed (`row` is `NEW`): copied to its rows.
    fn service_changed(&self, row: &str) -> String {
        format!(
            "UPDATE {TABLE} SET status = {row}.status, minimum_age = {row}.minimum_age, \
             maximum_age = {row}.maximum_age, name = {row}.name, assured_date = {row}.assured_date, \
             created_at = {row}.created_at WHERE service_id = {row}.id;"
        )
    }

    /// Statements that rebuild the rows of one location.
    fn refresh_location(&self, key: &str) -> String {
        format!(
            "DELETE FROM {TABLE} WHERE location_id = {key}; {};",
            self.fill(&format!("l.id = {key}"))
        )
    }
}

/// The SQLite triggers: (name, definition after the name).
fn sqlite_triggers() -> Vec<(String, String)> {
    let d = SQLITE;
    vec![
        (
            "link_insert",
            format!(
                "AFTER INSERT ON service_at_location BEGIN {} END",
                d.link_added("NEW.service_id", "NEW.location_id")
            ),
        ),
        (
            "link_delete",
            format!(
                "AFTER DELETE ON service_at_location BEGIN {} END",
                d.refresh_service("OLD.service_id")
            ),
        ),
        (
            "link_update",
            format!(
                "AFTER UPDATE OF service_id, location_id ON service_at_location BEGIN {} {} END",
                d.refresh_service("OLD.service_id"),
                d.refresh_service("NEW.service_id")
            ),
        ),
        (
            "service_update",
            format!(
                "AFTER UPDATE OF status, minimum_age, maximum_age, name, assured_date, created_at ON service \
                 BEGIN {} END",
                d.service_changed("NEW")
            ),
        ),
        (
            "location_update",
            format!(
                "AFTER UPDATE OF latitude, longitude ON location BEGIN {} END",
                d.refresh_location("NEW.id")
            ),
        ),
        (
            "term_insert",
            format!(
                "AFTER INSERT ON attribute WHEN NEW.link_entity = 'service' BEGIN {} END",
                d.term_added("NEW")
            ),
        ),
        (
            "term_delete",
            format!(
                "AFTER DELETE ON attribute WHEN OLD.link_entity = 'service' BEGIN {} END",
                d.refresh_service("OLD.link_id")
            ),
        ),
        (
            "term_update",
            format!(
                "AFTER UPDATE ON attribute WHEN OLD.link_entity = 'service' OR NEW.link_entity = 'service' \
                 BEGIN {} {} END",
                d.refresh_service("OLD.link_id"),
                d.refresh_service("NEW.link_id")
            ),
        ),
    ]
    .into_iter()
    .map(|(name, body)| (format!("{TABLE}_{name}"), body))
    .collect()
}

fn sqlite_statements() -> Vec<String> {
    let mut statements = vec![
        format!(
            "CREATE TABLE {TABLE} (\
                longitude_strip INTEGER NOT NULL, latitude REAL NOT NULL, longitude REAL NOT NULL, \
                service_id TEXT NOT NULL REFERENCES service(id) ON DELETE CASCADE, \
                location_id TEXT NOT NULL REFERENCES location(id) ON DELETE CASCADE, \
                status TEXT NOT NULL, minimum_age INTEGER, maximum_age INTEGER, \
                name TEXT NOT NULL, assured_date TEXT, created_at TEXT NOT NULL, terms TEXT NOT NULL, \
                PRIMARY KEY (longitude_strip, latitude, longitude, service_id, location_id)) WITHOUT ROWID"
        ),
        format!("CREATE INDEX idx_{TABLE}_service ON {TABLE} (service_id)"),
        format!("CREATE INDEX idx_{TABLE}_location ON {TABLE} (location_id)"),
        SQLITE.fill("1 = 1"),
    ];
    for (name, definition) in sqlite_triggers() {
        statements.push(format!("CREATE TRIGGER {name} {definition}"));
    }
    statements
}

fn postgres_statements() -> Vec<String> {
    let d = POSTGRES;
    vec![
        format!(
            "CREATE TABLE {TABLE} (\
                longitude_strip integer NOT NULL, latitude float8 NOT NULL, longitude float8 NOT NULL, \
                service_id varchar NOT NULL REFERENCES service(id) ON DELETE CASCADE, \
                location_id varchar NOT NULL REFERENCES location(id) ON DELETE CASCADE, \
                status varchar NOT NULL, minimum_age integer, maximum_age integer, \
                name varchar NOT NULL, assured_date date, created_at timestamptz NOT NULL, terms text NOT NULL, \
                PRIMARY KEY (service_id, location_id))"
        ),
        // The box and every column the search reads: an index-only scan.
        format!(
            "CREATE INDEX idx_{TABLE}_box ON {TABLE} (longitude_strip, latitude, longitude) \
             INCLUDE (service_id, status, minimum_age, maximum_age, name, assured_date, created_at, terms)"
        ),
        format!("CREATE INDEX idx_{TABLE}_location ON {TABLE} (location_id)"),
        d.fill("true"),
        // PL/pgSQL keeps each statement's plan for the session: a bulk
        // load runs these once per row.
        format!(
            "CREATE FUNCTION hubgraph_{TABLE}_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'service' THEN
        {service_changed}
    ELSIF TG_TABLE_NAME = 'location' THEN
        {location_changed}
    ELSIF TG_TABLE_NAME = 'service_at_location' THEN
        IF TG_OP = 'INSERT' THEN
            {link_added}
        ELSE
            {old_service}
            IF TG_OP = 'UPDATE' THEN {new_service} END IF;
        END IF;
    ELSIF TG_TABLE_NAME = 'attribute' THEN
        IF TG_OP = 'INSERT' THEN
            IF NEW.link_entity = 'service' THEN {term_added} END IF;
        ELSE
            IF OLD.link_entity = 'service' THEN {old_linked} END IF;
            IF TG_OP = 'UPDATE' AND NEW.link_entity = 'service' THEN {new_linked} END IF;
        END IF;
    END IF;
    RETURN NULL;
END
$$",
            service_changed = d.service_changed("NEW"),
            location_changed = d.refresh_location("NEW.id"),
            link_added = d.link_added("NEW.service_id", "NEW.location_id"),
            old_service = d.refresh_service("OLD.service_id"),
            new_service = d.refresh_service("NEW.service_id"),
            term_added = d.term_added("NEW"),
            old_linked = d.refresh_service("OLD.link_id"),
            new_linked = d.refresh_service("NEW.link_id"),
        ),
        format!(
            "CREATE TRIGGER hubgraph_{TABLE} AFTER INSERT OR DELETE OR UPDATE OF service_id, location_id \
             ON service_at_location FOR EACH ROW EXECUTE FUNCTION hubgraph_{TABLE}_refresh()"
        ),
        format!(
            "CREATE TRIGGER hubgraph_{TABLE} \
             AFTER UPDATE OF status, minimum_age, maximum_age, name, assured_date, created_at ON service \
             FOR EACH ROW EXECUTE FUNCTION hubgraph_{TABLE}_refresh()"
        ),
        format!(
            "CREATE TRIGGER hubgraph_{TABLE} AFTER UPDATE OF latitude, longitude ON location \
             FOR EACH ROW EXECUTE FUNCTION hubgraph_{TABLE}_refresh()"
        ),
        format!(
            "CREATE TRIGGER hubgraph_{TABLE} AFTER INSERT OR DELETE OR UPDATE ON attribute \
             FOR EACH ROW EXECUTE FUNCTION hubgraph_{TABLE}_refresh()"
        ),
        announce_changes_sql(TABLE),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let statements = match manager.get_database_backend() {
            DatabaseBackend::Sqlite => sqlite_statements(),
            _ => postgres_statements(),
        };
        let db = manager.get_connection();
        for statement in statements {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Sqlite => {
                // The triggers belong to the tables they watch: they go first.
                for (name, _) in sqlite_triggers() {
                    db.execute_unprepared(&format!("DROP TRIGGER {name}")).await?;
                }
                db.execute_unprepared(&format!("DROP TABLE {TABLE}")).await?;
            }
            _ => {
                for table in ["service_at_location", "service", "location", "attribute"] {
                    db.execute_unprepared(&format!("DROP TRIGGER hubgraph_{TABLE} ON {table}"))
                        .await?;
                }
                db.execute_unprepared(&format!("DROP TABLE {TABLE}; DROP FUNCTION hubgraph_{TABLE}_refresh()"))
                    .await?;
            }
        }
        Ok(())
    }
}
