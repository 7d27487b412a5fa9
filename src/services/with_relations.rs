//! Services read together with the relations a query shows, in the one
//! statement that reads the services.
//!
//! Each relation (organisation, locations, taxonomy terms, phones,
//! schedules) comes as one column: a correlated subquery that aggregates
//! the service's rows as JSON (`db::json_rows_subquery`); on PostgreSQL
//! the terms are aggregated for the whole page instead
//! (`with_terms_per_page`). A page of 20 services with five relations is
//! then one round trip and 20 rows, instead of six round trips and a few hundred rows, each of which sqlx-sqlite
//! hands from its worker thread to the runtime separately. The organisation
//! was once joined as prefixed columns; sea-orm formats each prefixed
//! column name, and an error message for each NULL, as it reads a cell,
//! which cost more than decoding the same row from JSON.

use entity::{attribute, location, organization, phone, schedule, service, service_at_location, taxonomy_term};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement, SimpleExpr};
use sea_orm::{ConnectionTrait, DatabaseBackend, EntityTrait, QueryTrait, Select};

use crate::db::{
    add_organizations_of, json_referenced_row_subquery, json_rows_of, json_rows_subquery, json_values_of,
    with_literal_limit,
};
use crate::error::AppResult;

/// Which relations to read along with the services.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServiceJoins {
    pub organization: bool,
    pub locations: bool,
    pub taxonomy_terms: bool,
    pub phones: bool,
    pub schedules: bool,
}

/// What was read along with the services. Each list has one entry per
/// service read (an empty list for a service without any), in the order
/// the loaders give them.
#[derive(Debug, Clone, Default)]
pub struct ServiceRelations {
    /// The services' organisations, each once.
    pub organizations: Vec<organization::Model>,
    /// By location id.
    pub locations: Vec<(String, Vec<location::Model>)>,
    /// By term id.
    pub taxonomy_terms: Vec<(String, Vec<taxonomy_term::Model>)>,
    /// By position, then id.
    pub phones: Vec<(String, Vec<phone::Model>)>,
    /// By id.
    pub schedules: Vec<(String, Vec<schedule::Model>)>,
}

/// Column aliases of the relation columns.
const LOCATIONS: &str = "rel_locations";
const TERMS: &str = "rel_taxonomy_terms";
const PHONES: &str = "rel_phones";
const SCHEDULES: &str = "rel_schedules";

/// Builds the correlated subquery of one relation column.
type RelationColumn = fn(DatabaseBackend) -> SimpleExpr;

const ORGANIZATION: &str = "rel_organization";

/// The rows of `select`, with the relations `joins` asks for, in the order
/// of `sorted_by`: the names of the columns (of the service, or selected
/// as such) `select` sorts by, ascending (empty when the caller puts the
/// rows in an order of its own).
pub async fn services_of(
    db: &impl ConnectionTrait,
    select: Select<service::Entity>,
    sorted_by: &[&str],
    joins: ServiceJoins,
) -> AppResult<(Vec<service::Model>, ServiceRelations)> {
    let backend = db.get_database_backend();
    let mut query = select.into_query();
    // On PostgreSQL the terms are read for the whole page at once (below).
    let terms_per_page = joins.taxonomy_terms && backend == DatabaseBackend::Postgres;
    let columns: [(bool, &str, RelationColumn); 5] = [
        (joins.organization, ORGANIZATION, organization_json),
        (joins.locations, LOCATIONS, locations_json),
        (joins.taxonomy_terms && !terms_per_page, TERMS, terms_json),
        (joins.phones, PHONES, phones_json),
        (joins.schedules, SCHEDULES, schedules_json),
    ];
    for (wanted, alias, subquery) in columns {
        if wanted {
            query.expr_as(subquery(backend), Alias::new(alias));
        }
    }

    let mut statement = with_literal_limit(backend, &query);
    if terms_per_page {
        statement.sql = with_terms_per_page(&statement.sql, sorted_by);
    }
    let rows = db.query_all_raw(statement).await?;
    let mut services = Vec::with_capacity(rows.len());
    let mut relations = ServiceRelations::default();
    for row in rows {
        let service = crate::rows::service_row(&row)?;
        if joins.organization {
            add_organizations_of(&mut relations.organizations, &row, ORGANIZATION)?;
        }
        let id = &service.id;
        if joins.locations {
            let mut locations: Vec<location::Model> = json_rows_of(&row, LOCATIONS)?;
            locations.sort_by(|a, b| a.id.cmp(&b.id));
            relations.locations.push((id.clone(), locations));
        }
        if joins.taxonomy_terms {
            // A term looked up by a link row could be missing (`null`).
            let terms: Vec<Option<taxonomy_term::Model>> = json_rows_of(&row, TERMS)?;
            let mut terms: Vec<taxonomy_term::Model> = terms.into_iter().flatten().collect();
            terms.sort_by(|a, b| a.id.cmp(&b.id));
            relations.taxonomy_terms.push((id.clone(), terms));
        }
        if joins.phones {
            let mut phones: Vec<phone::Model> = json_rows_of(&row, PHONES)?;
            phones.sort_by(|a, b| (a.position, &a.id).cmp(&(b.position, &b.id)));
            relations.phones.push((id.clone(), phones));
        }
        if joins.schedules {
            let mut schedules: Vec<schedule::Model> = json_rows_of(&row, SCHEDULES)?;
            schedules.sort_by(|a, b| a.id.cmp(&b.id));
            relations.schedules.push((id.clone(), schedules));
        }
        services.push(service);
    }
    Ok((services, relations))
}

/// `<table>.<column> = service.id`: correlates a subquery with the outer
/// query's service row.
fn owned_by_service<E: EntityTrait>(column: E::Column) -> SimpleExpr {
    Expr::col((E::default(), column)).equals((service::Entity, service::Column::Id))
}

/// The rows of `T` that name the service in `owner`.
fn rows_of_service<T: EntityTrait>(owner: T::Column) -> SelectStatement {
    Query::select()
        .from(T::default())
        .and_where(owned_by_service::<T>(owner))
        .to_owned()
}

/// `links` joined to the rows of `E` whose `id` their `key` holds.
fn joined<E: EntityTrait, L: EntityTrait>(
    mut links: SelectStatement,
    key: L::Column,
    id: E::Column,
) -> SelectStatement {
    links
        .inner_join(E::default(), Expr::col((L::default(), key)).equals((E::default(), id)))
        .to_owned()
}

/// The service's organisation, as a list of at most one.
fn organization_json(backend: DatabaseBackend) -> SimpleExpr {
    json_referenced_row_subquery::<organization::Entity, service::Entity>(
        backend,
        organization::Column::Id,
        service::Column::OrganizationId,
    )
}

/// The service's locations (through `service_at_location`).
fn locations_json(backend: DatabaseBackend) -> SimpleExpr {
    let links = rows_of_service::<service_at_location::Entity>(service_at_location::Column::ServiceId);
    let rows = joined::<location::Entity, service_at_location::Entity>(
        links,
        service_at_location::Column::LocationId,
        location::Column::Id,
    );
    json_rows_subquery::<location::Entity>(backend, rows)
}

/// The service's taxonomy terms (through HSDS `attribute`), per service:
/// on SQLite, where a correlated subquery is a cheap loop in the process.
fn terms_json(backend: DatabaseBackend) -> SimpleExpr {
    let mut links = rows_of_service::<attribute::Entity>(attribute::Column::LinkId);
    links.and_where(Expr::col((attribute::Entity, attribute::Column::LinkEntity)).eq("service"));
    let rows = joined::<taxonomy_term::Entity, attribute::Entity>(
        links,
        attribute::Column::TaxonomyTermId,
        taxonomy_term::Column::Id,
    );
    json_rows_subquery::<taxonomy_term::Entity>(backend, rows)
}

/// Rows of a table that names its service in `column`.
fn children_json<E: EntityTrait>(backend: DatabaseBackend, column: E::Column) -> SimpleExpr {
    json_rows_subquery::<E>(backend, rows_of_service::<E>(column))
}

fn phones_json(backend: DatabaseBackend) -> SimpleExpr {
    children_json::<phone::Entity>(backend, phone::Column::ServiceId)
}

fn schedules_json(backend: DatabaseBackend) -> SimpleExpr {
    children_json::<schedule::Entity>(backend, schedule::Column::ServiceId)
}

/// `page` (the statement reading a page of services) with the taxonomy
/// terms of all its services, on PostgreSQL: the page is read first, then
/// the terms linked to any of its services, joined once and grouped by
/// service, then matched to the page's rows; `sorted_by` restores the
/// page's order, which a join does not keep.
///
/// As a correlated subquery per service (the form SQLite keeps), the terms
/// were most of PostgreSQL's work for a page: each of the page's rows
/// started the subquery's plan again, and each of its links the term's
/// lookup. Read once for the page, the statement of W2 (20 services by
/// name with their terms) ran 30-50% more often a second in pgbench
/// (`bench/RESULTS.md`, the sixth pass).
fn with_terms_per_page(page: &str, sorted_by: &[&str]) -> String {
    let terms = json_values_of::<taxonomy_term::Entity>(DatabaseBackend::Postgres);
    let order = if sorted_by.is_empty() {
        String::new()
    } else {
        let columns: Vec<String> = sorted_by.iter().map(|c| format!("\"page\".\"{c}\"")).collect();
        format!(" ORDER BY {}", columns.join(", "))
    };
    format!(
        "WITH \"page\" AS MATERIALIZED ({page}), \
         \"terms\" AS (SELECT \"attribute\".\"link_id\", json_agg(json_build_array({terms})) AS \"rows\" \
         FROM \"attribute\" INNER JOIN \"taxonomy_term\" ON \"taxonomy_term\".\"id\" = \"attribute\".\"taxonomy_term_id\" \
         WHERE \"attribute\".\"link_entity\" = 'service' AND \"attribute\".\"link_id\" IN (SELECT \"id\" FROM \"page\") \
         GROUP BY \"attribute\".\"link_id\") \
         SELECT \"page\".*, COALESCE(\"terms\".\"rows\", '[]')::text AS \"{TERMS}\" \
         FROM \"page\" LEFT JOIN \"terms\" ON \"terms\".\"link_id\" = \"page\".\"id\"{order}"
    )
}
