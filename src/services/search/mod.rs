//! Finding services: every filter of the partner search, combined with AND,
//! in four orders, with stable cursors.
//!
//! Two paths, one result. A plain listing by name pages in SQL by keyset
//! (the cheapest read there is). Anything that needs distances, schedules or
//! relevance goes through a candidate pipeline with a fixed number of
//! statements: SQL narrows to matching ids with light columns (using the
//! indexes, and the location bounding box for radius searches), Rust applies
//! the exact distance and opening hours and sorts, and one more statement
//! fetches the page's rows.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Months, NaiveDate, Utc};
use entity::{attribute, language, location, schedule, service, service_area, service_at_location};
use sea_orm::sea_query::{
    Alias, ColumnRef, Expr, ExprTrait, Func, IntoColumnRef, LikeExpr, Query, SelectStatement, SimpleExpr,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, EntityTrait, IdenStatic, PaginatorTrait, QueryFilter,
    QuerySelect, Select, Value,
};
use serde::{Deserialize, Serialize};

use crate::db::is_in_list;
use crate::error::{AppError, AppResult};
use crate::page::{Cursor, Page, PageRequest};
use crate::services::areas::AreaSet;
use crate::services::geo::{BoundingBox, GeoPoint};
use crate::services::with_relations::{ServiceJoins, ServiceRelations, services_of};
use crate::services::{keyset, running, status, taxonomy, text};

mod candidates;
mod conditions;

use candidates::*;
pub use candidates::{radius_statement, review_due};
use conditions::*;
pub use conditions::{column_contains, contains_pattern};

/// Largest radius a search may ask for, kilometres.
pub const MAX_RADIUS_KM: f64 = 200.0;
pub const DEFAULT_RADIUS_KM: f64 = 5.0;

/// What to find. Every filter given must hold (AND); an empty list means the
/// filter is not given.
#[derive(Debug, Default, Clone)]
pub struct ServiceFilter {
    /// Words matched (case-insensitively) in the name or description.
    pub text: Option<String>,
    pub organization_id: Option<String>,
    /// Delivered at a location in, or with a service area covering, any of these.
    pub area_codes: Vec<String>,
    /// As `area_codes`, for the council areas of any of these NHS health boards.
    pub health_board_codes: Vec<String>,
    /// HSDS statuses; `None` means those people can use (active, temporarily closed).
    pub statuses: Option<Vec<String>>,
    /// Linked to any of these terms or their descendants.
    pub taxonomy_term_ids: Vec<String>,
    /// Linked, for each of these terms, to it or one of its descendants.
    pub all_taxonomy_term_ids: Vec<String>,
    /// Centre of a radius search.
    pub near: Option<GeoPoint>,
    /// Radius around `near`; `DEFAULT_RADIUS_KM` when not given.
    pub radius_km: Option<f64>,
    /// Services whose service area is one of these (a postcode's area and SCOTLAND).
    pub covers_area_codes: Vec<String>,
    /// Age of the person: within minimum/maximum age where set.
    pub age: Option<i32>,
    /// Services whose minimum age is at least this (HSDS UK `minimum_age`).
    pub minimum_age_at_least: Option<i32>,
    /// Services whose maximum age is at most this (HSDS UK `maximum_age`).
    pub maximum_age_at_most: Option<i32>,
    /// ISO 639 codes; any of them.
    pub languages: Vec<String>,
    /// Delivered at a location with any of these accessibility terms (or descendants).
    pub accessibility_term_ids: Vec<String>,
    /// Open at this instant by the service's schedules.
    pub open_at: Option<DateTime<Utc>>,
    pub modified_after: Option<DateTime<Utc>>,
}

impl ServiceFilter {
    /// Checks the ranges a search can take; errors name the input field under `filter`.
    pub fn validate(&self) -> AppResult<()> {
        if let Some(radius) = self.radius_km
            && !(radius > 0.0 && radius <= MAX_RADIUS_KM)
        {
            return Err(AppError::bad_input(
                &["filter", "radiusKm"],
                format!("radiusKm must be more than 0 and at most {MAX_RADIUS_KM}"),
            ));
        }
        if self.radius_km.is_some() && self.near.is_none() {
            return Err(AppError::bad_input(&["filter", "near"], "radiusKm needs near"));
        }
        if let Some(age) = self.age
            && !(0..=150).contains(&age)
        {
            return Err(AppError::bad_input(&["filter", "age"], "age must be between 0 and 150"));
        }
        Ok(())
    }

    fn radius(&self) -> f64 {
        self.radius_km.unwrap_or(DEFAULT_RADIUS_KM)
    }
}

/// How results are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ServiceOrder {
    /// Reviewed listings first, then the best text match, the nearest, the name.
    #[default]
    Relevance,
    /// Nearest first (needs `near`).
    Distance,
    /// Alphabetical.
    Name,
    /// Most recently reviewed first.
    RecentlyReviewed,
}

/// A service in a result, with its distance from `near` when given.
#[derive(Debug, Clone)]
pub struct ServiceHit {
    pub service: service::Model,
    pub distance_km: Option<f64>,
}

/// A page of results and the cursor of each row.
#[derive(Debug, Clone)]
pub struct SearchPage {
    pub page: Page<ServiceHit>,
    pub cursors: Vec<Cursor>,
    /// All matches across pages, when asked for.
    pub total: Option<u64>,
    /// The relations of the page's services that `Extras::joins` asked
    /// for (read in the same statement as the page).
    pub relations: ServiceRelations,
}

pub async fn find_service(db: &impl ConnectionTrait, id: &str) -> AppResult<Option<service::Model>> {
    Ok(service::Entity::find_by_id(id.to_owned()).one(db).await?)
}

/// Whether the SQL keyset path can answer: a name ordering with nothing to compute in Rust.
fn keyset_answers(filter: &ServiceFilter, order: ServiceOrder) -> bool {
    filter.near.is_none() && filter.open_at.is_none() && (order == ServiceOrder::Name)
}

/// Whether relevance comes down to "review due last, then the name", which
/// the database can page: without text there is no score nor name match,
/// and without `near` no distance (see `rank`).
fn relevance_is_by_name(filter: &ServiceFilter, order: ServiceOrder) -> bool {
    order == ServiceOrder::Relevance && filter.near.is_none() && filter.open_at.is_none() && text_of(filter).is_none()
}

/// What a page read in the database sorts by (with the id to break ties).
#[derive(Debug, Clone, Copy)]
enum Keyset {
    /// The name.
    Name,
    /// Listings not due for review first (as of the instant), then the name.
    /// The cursor's key is `0` or `1` (due) followed by the name.
    ReviewedThenName(DateTime<Utc>),
}

/// A `ReviewedThenName` cursor key's due flag and name.
fn split_key(key: &str) -> AppResult<(i32, &str)> {
    match key.split_at_checked(1) {
        Some(("0", name)) => Ok((0, name)),
        Some(("1", name)) => Ok((1, name)),
        _ => Err(AppError::bad_input(&["after"], "malformed cursor")),
    }
}

/// The column a page of `ReviewedThenName` carries its due flag in.
const SORT_KEY: &str = "sort_key";

impl Keyset {
    /// `1` when the service is due for review at `now`, else `0`, as SQL
    /// over the service's columns: `review_due` of the assured date, else
    /// of the day (UTC) it was created.
    fn due_flag(backend: DatabaseBackend, now: DateTime<Utc>) -> SimpleExpr {
        let cutoff = review_cutoff(now);
        let created_before = match backend {
            // Stored as RFC 3339 text in UTC: its first ten characters are the day.
            DatabaseBackend::Sqlite => Func::cust("substr")
                .arg(service::Column::CreatedAt.into_expr())
                .arg(1)
                .arg(10)
                .lt(cutoff.format("%Y-%m-%d").to_string()),
            _ => service::Column::CreatedAt.lt(cutoff.and_time(chrono::NaiveTime::MIN).and_utc()),
        };
        let due = Condition::any().add(service::Column::AssuredDate.lt(cutoff)).add(
            Condition::all()
                .add(service::Column::AssuredDate.is_null())
                .add(created_before),
        );
        Expr::case(due, 1).finally(0).into()
    }

    /// `select` filtered to the rows after the page's cursor, sorted and
    /// limited; with the names of the columns it sorts by.
    fn apply(
        self,
        backend: DatabaseBackend,
        select: Select<service::Entity>,
        page: &PageRequest,
    ) -> AppResult<(Select<service::Entity>, Vec<&'static str>)> {
        let name = service::Column::Name;
        let id = service::Column::Id;
        match self {
            Keyset::Name => {
                let select = keyset::apply(select, name.into_expr(), id.into_expr(), page);
                Ok((select, vec![name.as_str(), id.as_str()]))
            }
            Keyset::ReviewedThenName(now) => {
                let flag = Keyset::due_flag(backend, now);
                let after = match &page.after {
                    Some(after) => {
                        let (after_flag, after_name) = split_key(&after.key)?;
                        let values = vec![Value::from(after_flag), Value::from(after_name)];
                        Some((values, after.id.clone()))
                    }
                    None => None,
                };
                let keys = vec![flag.clone(), name.into_expr()];
                let mut select = keyset::apply_keys(select, keys, id.into_expr(), after, page.fetch_limit());
                // Selected as a column, so that PostgreSQL's page of terms
                // (`services_of`) can restore the order it sorted by.
                QuerySelect::query(&mut select).expr_as(flag, Alias::new(SORT_KEY));
                Ok((select, vec![SORT_KEY, name.as_str(), id.as_str()]))
            }
        }
    }

    /// The cursor key of one service, as the SQL above sorts by it.
    fn of(self, service: &service::Model) -> String {
        match self {
            Keyset::Name => service.name.clone(),
            Keyset::ReviewedThenName(now) => {
                let reviewed = service.assured_date.unwrap_or_else(|| service.created_at.date_naive());
                let flag = if review_due(reviewed, now) { '1' } else { '0' };
                format!("{flag}{}", service.name)
            }
        }
    }
}

/// What a search returns besides the page's services.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extras {
    /// The count of all matches.
    pub total: bool,
    /// The relations of the page's services to read with them.
    pub joins: ServiceJoins,
}

/// Finds services, with the `extras` asked for.
pub async fn search_services(
    db: &impl ConnectionTrait,
    filter: &ServiceFilter,
    order: ServiceOrder,
    page: &PageRequest,
    extras: Extras,
    now: DateTime<Utc>,
) -> AppResult<SearchPage> {
    filter.validate()?;
    if order == ServiceOrder::Distance && filter.near.is_none() {
        return Err(AppError::bad_input(&["orderBy"], "DISTANCE needs filter.near"));
    }
    let condition = condition(db, filter).await?;
    if keyset_answers(filter, order) {
        return keyset_page(db, condition, page, extras, Keyset::Name).await;
    }
    if relevance_is_by_name(filter, order) {
        return keyset_page(db, condition, page, extras, Keyset::ReviewedThenName(now)).await;
    }
    let candidates = candidates(db, filter, condition).await?;
    let total = candidates.len() as u64;
    let mut ranked = rank(candidates, filter, order, now);
    let start = match &page.after {
        None => 0,
        Some(cursor) => {
            let after = SortKey::decode(&cursor.key)?;
            ranked.partition_point(|c| (&c.key, &c.id) <= (&after, &cursor.id))
        }
    };
    let taken: Vec<Candidate> = ranked.drain(start..).take(page.fetch_limit() as usize).collect();
    let (rows, relations) = fetch_in_order(db, &taken, extras.joins).await?;
    let hits: Vec<(ServiceHit, Cursor)> = rows
        .into_iter()
        .zip(&taken)
        .map(|(service, c)| {
            (
                ServiceHit {
                    service,
                    distance_km: c.distance_km,
                },
                Cursor {
                    key: c.key.encode(),
                    id: c.id.clone(),
                },
            )
        })
        .collect();
    let page = Page::from_fetched(hits, page);
    let (rows, cursors) = page.rows.into_iter().unzip();
    Ok(SearchPage {
        page: Page {
            rows,
            has_next_page: page.has_next_page,
            has_previous_page: page.has_previous_page,
        },
        cursors,
        total: extras.total.then_some(total),
        relations,
    })
}

/// One numbered page of matches (`offset` rows skipped, at most `limit`
/// taken) and the count of all matches, for APIs that page by number, as
/// the HSDS REST API does. Same filters and order as `search_services`.
pub async fn search_numbered_page(
    db: &impl ConnectionTrait,
    filter: &ServiceFilter,
    order: ServiceOrder,
    offset: u64,
    limit: u64,
    now: DateTime<Utc>,
) -> AppResult<(Vec<ServiceHit>, u64)> {
    filter.validate()?;
    let condition = condition(db, filter).await?;
    let candidates = candidates(db, filter, condition).await?;
    let total = candidates.len() as u64;
    let ranked = rank(candidates, filter, order, now);
    let taken: Vec<Candidate> = ranked
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .collect();
    let (rows, _) = fetch_in_order(db, &taken, ServiceJoins::default()).await?;
    let hits = rows
        .into_iter()
        .zip(&taken)
        .map(|(service, c)| ServiceHit {
            service,
            distance_km: c.distance_km,
        })
        .collect();
    Ok((hits, total))
}

/// The ids of every match (for facets), in no particular order.
pub async fn matching_ids(db: &impl ConnectionTrait, filter: &ServiceFilter) -> AppResult<Vec<String>> {
    filter.validate()?;
    let condition = condition(db, filter).await?;
    Ok(candidates(db, filter, condition)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect())
}

async fn keyset_page(
    db: &impl ConnectionTrait,
    condition: Condition,
    page: &PageRequest,
    extras: Extras,
    keyset: Keyset,
) -> AppResult<SearchPage> {
    let filtered: Select<service::Entity> = service::Entity::find().filter(condition);
    let total = if extras.total {
        Some(filtered.clone().count(db).await?)
    } else {
        None
    };
    let (select, sorted_by) = keyset.apply(db.get_database_backend(), filtered, page)?;
    let (rows, relations) = services_of(db, select, &sorted_by, extras.joins).await?;
    let fetched = Page::from_fetched(rows, page);
    // The cursor's key is the sort key itself, compared in SQL.
    let cursors = fetched.rows.iter().map(|s| Cursor {
        key: keyset.of(s),
        id: s.id.clone(),
    });
    Ok(SearchPage {
        cursors: cursors.collect(),
        page: fetched.map(|service| ServiceHit {
            service,
            distance_km: None,
        }),
        total,
        relations,
    })
}

/// Counts of matching services per term, each term counting the services
/// filed under it or any of its descendants (as `taxonomyTermIds` filters).
pub async fn facet_counts(
    db: &impl ConnectionTrait,
    service_ids: &[String],
    terms: &[entity::taxonomy_term::Model],
) -> AppResult<Vec<(String, u64)>> {
    let parent: HashMap<&str, Option<&str>> = terms.iter().map(|t| (t.id.as_str(), t.parent_id.as_deref())).collect();
    let mut services_under: HashMap<&str, HashSet<String>> = HashMap::new();
    let links: Vec<(String, String)> = attribute::Entity::find()
        .select_only()
        .columns([attribute::Column::LinkId, attribute::Column::TaxonomyTermId])
        .filter(attribute::Column::LinkEntity.eq("service"))
        .filter(is_in_list(
            db.get_database_backend(),
            attribute::Column::LinkId.into_expr(),
            service_ids,
        ))
        .into_tuple()
        .all(db)
        .await?;
    for (service_id, term_id) in links {
        // Credit the term and every ancestor within this taxonomy.
        let mut current = parent.get_key_value(term_id.as_str()).map(|(k, _)| *k);
        let mut hops = 0;
        while let Some(term) = current {
            services_under.entry(term).or_default().insert(service_id.clone());
            current = parent.get(term).copied().flatten();
            hops += 1;
            if hops > 32 {
                break; // a cycle in imported data
            }
        }
    }
    Ok(terms
        .iter()
        .map(|t| {
            (
                t.id.clone(),
                services_under.get(t.id.as_str()).map_or(0, |s| s.len() as u64),
            )
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_keys_round_trip_and_order() {
        let a = SortKey(vec![
            Part::Number(0.0),
            Part::Number(1.25),
            Part::Text("Chatty café".into()),
        ]);
        let b = SortKey(vec![Part::Number(0.0), Part::Number(1.5), Part::Text("A".into())]);
        assert!(a < b);
        assert_eq!(SortKey::decode(&a.encode()).unwrap(), a);
        assert!(SortKey::decode("{").is_err());
        // Distances must survive the cursor exactly, or a page boundary repeats a row.
        for distance in [
            0.1 + 0.2,
            1.234_567_890_123_456_7,
            12.000_000_000_000_002,
            f64::MIN_POSITIVE,
        ] {
            let key = SortKey(vec![Part::Number(distance)]);
            assert_eq!(SortKey::decode(&key.encode()).unwrap(), key, "{distance}");
        }
    }

    #[test]
    fn filter_ranges_are_checked() {
        let near = Some(GeoPoint {
            latitude: 57.0,
            longitude: -4.0,
        });
        for radius in [0.0, -1.0, 200.5, f64::NAN] {
            let filter = ServiceFilter {
                near,
                radius_km: Some(radius),
                ..Default::default()
            };
            assert!(filter.validate().is_err(), "{radius}");
        }
        assert!(
            ServiceFilter {
                near,
                radius_km: Some(200.0),
                ..Default::default()
            }
            .validate()
            .is_ok()
        );
        assert!(
            ServiceFilter {
                age: Some(-1),
                ..Default::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            ServiceFilter {
                radius_km: Some(5.0),
                ..Default::default()
            }
            .validate()
            .is_err()
        );
    }

    #[test]
    fn a_box_spans_the_longitude_strips_of_its_edges() {
        let edinburgh = GeoPoint {
            latitude: 55.95,
            longitude: -3.19,
        };
        // 10 km at 56 degrees north is 0.16 degrees of longitude either way:
        // -3.35 to -3.03, strips 883 (-3.4 to -3.2) to 884 (-3.2 to -3.0).
        assert_eq!(longitude_strips(&edinburgh.bounding_box(10.0)), Some(vec![883, 884]));
        let narrow = BoundingBox {
            min_latitude: 55.0,
            max_latitude: 56.0,
            min_longitude: -3.15,
            max_longitude: -3.05,
        };
        assert_eq!(longitude_strips(&narrow), Some(vec![884]));
        // The whole world at a pole: too many strips to list.
        let pole = GeoPoint {
            latitude: 89.95,
            longitude: 0.0,
        };
        assert_eq!(longitude_strips(&pole.bounding_box(10.0)), None);
    }

    #[test]
    fn the_radius_search_checks_categories_on_the_located_row() {
        use sea_orm::{DatabaseBackend, QueryTrait};
        let bbox = GeoPoint {
            latitude: 55.95,
            longitude: -3.19,
        }
        .bounding_box(10.0);
        for (backend, find) in [
            (DatabaseBackend::Sqlite, "instr"),
            (DatabaseBackend::Postgres, "strpos"),
        ] {
            let linked = Condition::all().add(located_linked_to(backend, vec!["t1".into(), "t2".into()]));
            let statement = backend.build(&matches_in_box(&bbox, linked));
            let sql = statement.to_string();
            assert!(sql.contains(&format!(r#"{find}("located_service"."terms""#)), "{sql}");
            assert!(!sql.contains("attribute"), "no look-up per row: {sql}");
            // Each term is matched whole, between separators: `t1` is not `t10`.
            let values = statement.values.clone().unwrap().0;
            for term in ["\u{1f}t1\u{1f}", "\u{1f}t2\u{1f}"] {
                assert!(values.contains(&sea_orm::Value::from(term)), "{term:?} in {values:?}");
            }
        }
        let listing = service::Entity::find()
            .filter(service_linked_to(vec!["t".into()]))
            .build(DatabaseBackend::Sqlite)
            .to_string();
        assert!(
            listing.contains(r#""attribute"."link_id" = "service"."id""#),
            "{listing}"
        );
    }
}
