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

/// A `LIKE` pattern that matches `text` literally anywhere, lower-cased.
pub fn contains_pattern(text: &str) -> LikeExpr {
    let escaped = text
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

/// `lower(column) LIKE %text%`, portable across SQLite and PostgreSQL.
pub fn column_contains(column: impl Into<SimpleExpr>, text: &str) -> SimpleExpr {
    Expr::expr(Func::lower(column.into())).like(contains_pattern(text))
}

fn text_of(filter: &ServiceFilter) -> Option<&str> {
    filter.text.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// `SELECT service_id FROM service_at_location JOIN location ... WHERE <location condition>`.
fn services_at_locations_where(condition: SimpleExpr) -> SelectStatement {
    Query::select()
        .column((service_at_location::Entity, service_at_location::Column::ServiceId))
        .from(service_at_location::Entity)
        .inner_join(
            location::Entity,
            Expr::col((location::Entity, location::Column::Id))
                .equals((service_at_location::Entity, service_at_location::Column::LocationId)),
        )
        .and_where(condition)
        .to_owned()
}

/// Ids of services delivered at a location in one of the areas, or whose
/// service area covers one of them.
fn in_areas(areas: AreaSet<'_>) -> Condition {
    let covering = Query::select()
        .column(service_area::Column::ServiceId)
        .from(service_area::Entity)
        .and_where(areas.holds((service_area::Entity, service_area::Column::AreaCode)))
        .to_owned();
    Condition::any()
        .add(service::Column::Id.in_subquery(services_at_locations_where(
            areas.holds((location::Entity, location::Column::AreaCode)),
        )))
        .add(service::Column::Id.in_subquery(covering))
}

/// Whether the service is linked through HSDS `attribute` to any of
/// `terms`. Correlated, so it is checked per service the rest of the query
/// reaches (a page by name, say) instead of first gathering every service
/// under a broad category.
fn service_linked_to(terms: Vec<String>) -> SimpleExpr {
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(attribute::Entity)
            .and_where(
                Expr::col((attribute::Entity, attribute::Column::LinkId))
                    .equals((service::Entity, service::Column::Id)),
            )
            .and_where(attribute::Column::LinkEntity.eq("service"))
            .and_where(attribute::Column::TaxonomyTermId.is_in(terms))
            .to_owned(),
    )
}

/// Rows of `link_entity` linked through HSDS `attribute` to any of `terms`.
fn linked_to(link_entity: &str, terms: Vec<String>) -> SelectStatement {
    Query::select()
        .column(attribute::Column::LinkId)
        .from(attribute::Entity)
        .and_where(attribute::Column::LinkEntity.eq(link_entity))
        .and_where(attribute::Column::TaxonomyTermId.is_in(terms))
        .to_owned()
}

/// The table the radius search reads (see the `located_services`
/// migration): one row per service at a location with coordinates, with
/// the service's status, age range, name, dates and term ids.
#[derive(Debug, Clone, Copy)]
struct Located;

impl sea_orm::sea_query::Iden for Located {
    fn unquoted(&self) -> &str {
        "located_service"
    }
}

/// A column of `located_service`; those it shares with `service` have the same names.
fn located(column: &str) -> ColumnRef {
    (Located, Alias::new(column)).into_column_ref()
}

/// What each located row's `terms` holds between ids.
const TERM_SEPARATOR: char = '\u{1f}';

/// Whether the located row's service is linked to any of `terms`: a
/// substring test per term on the row's own list, no look-up.
fn located_linked_to(backend: DatabaseBackend, terms: Vec<String>) -> Condition {
    let find = match backend {
        DatabaseBackend::Postgres => "strpos",
        _ => "instr",
    };
    terms.into_iter().fold(Condition::any(), |any, term| {
        let needle = format!("{TERM_SEPARATOR}{term}{TERM_SEPARATOR}");
        any.add(Func::cust(find).arg(Expr::col(located("terms"))).arg(needle).gt(0))
    })
}

/// Which table the status, age and category filters read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// `service`: every search but the radius search.
    Service,
    /// `located_service`: the radius search.
    Located,
}

impl Target {
    fn column(self, column: service::Column) -> SimpleExpr {
        match self {
            Target::Service => Expr::col((service::Entity, column)),
            Target::Located => Expr::col(located(column.as_str())),
        }
    }
}

/// The filters a located row answers itself: status, categories, ages.
async fn row_condition(db: &impl ConnectionTrait, filter: &ServiceFilter, target: Target) -> AppResult<Condition> {
    let mut statuses = filter.statuses.clone().unwrap_or_else(status::default_listed);
    if filter.open_at.is_some() {
        // Only an active service is ever open (see `running`).
        statuses.retain(|s| s == status::ACTIVE);
    }
    let column = |c| target.column(c);
    let mut condition = Condition::all().add(column(service::Column::Status).is_in(statuses));
    let linked = |terms| match target {
        Target::Service => Condition::all().add(service_linked_to(terms)),
        Target::Located => located_linked_to(db.get_database_backend(), terms),
    };
    if !filter.taxonomy_term_ids.is_empty() {
        let terms = taxonomy::with_descendants(db, &filter.taxonomy_term_ids).await?;
        condition = condition.add(linked(terms));
    }
    for term in &filter.all_taxonomy_term_ids {
        let terms = taxonomy::with_descendants(db, std::slice::from_ref(term)).await?;
        condition = condition.add(linked(terms));
    }
    if let Some(age) = filter.age {
        condition = condition
            .add(
                Condition::any()
                    .add(column(service::Column::MinimumAge).is_null())
                    .add(column(service::Column::MinimumAge).lte(age)),
            )
            .add(
                Condition::any()
                    .add(column(service::Column::MaximumAge).is_null())
                    .add(column(service::Column::MaximumAge).gte(age)),
            );
    }
    if let Some(age) = filter.minimum_age_at_least {
        condition = condition.add(column(service::Column::MinimumAge).gte(age));
    }
    if let Some(age) = filter.maximum_age_at_most {
        condition = condition.add(column(service::Column::MaximumAge).lte(age));
    }
    Ok(condition)
}

/// The filters only the service and its relations answer (on `service`).
async fn service_condition(db: &impl ConnectionTrait, filter: &ServiceFilter) -> AppResult<Condition> {
    let mut condition = Condition::all();
    // With a radius the few services nearby are matched against the text in
    // `candidates` (scoring them anyway); otherwise the text index narrows first.
    if let Some(text) = text_of(filter).filter(|_| filter.near.is_none()) {
        // Text with no words at all (only punctuation) matches nothing.
        let matching = text::matching(db.get_database_backend(), text).unwrap_or_else(|| Expr::cust("1 = 0"));
        condition = condition.add(matching);
    }
    if let Some(organization_id) = &filter.organization_id {
        condition = condition.add(service::Column::OrganizationId.eq(organization_id.clone()));
    }
    if !filter.area_codes.is_empty() {
        condition = condition.add(in_areas(AreaSet::Codes(&filter.area_codes)));
    }
    if !filter.health_board_codes.is_empty() {
        condition = condition.add(in_areas(AreaSet::HealthBoards(&filter.health_board_codes)));
    }
    if !filter.covers_area_codes.is_empty() {
        let covering = Query::select()
            .column(service_area::Column::ServiceId)
            .from(service_area::Entity)
            .and_where(service_area::Column::AreaCode.is_in(filter.covers_area_codes.clone()))
            .to_owned();
        condition = condition.add(service::Column::Id.in_subquery(covering));
    }
    if !filter.languages.is_empty() {
        let codes: Vec<String> = filter.languages.iter().map(|c| c.trim().to_lowercase()).collect();
        let speaking = Query::select()
            .column(language::Column::ServiceId)
            .from(language::Entity)
            .and_where(Expr::expr(Func::lower(Expr::col(language::Column::Code))).is_in(codes))
            .to_owned();
        condition = condition.add(service::Column::Id.in_subquery(speaking));
    }
    if !filter.accessibility_term_ids.is_empty() {
        let terms = taxonomy::with_descendants(db, &filter.accessibility_term_ids).await?;
        let accessible_locations = linked_to("location", terms);
        condition = condition.add(service::Column::Id.in_subquery(services_at_locations_where(
            Expr::col((location::Entity, location::Column::Id)).in_subquery(accessible_locations),
        )));
    }
    if let Some(after) = filter.modified_after {
        condition = condition.add(service::Column::LastModified.gt(after));
    }
    Ok(condition)
}

/// The SQL side of the filter: everything but the exact distance and the
/// opening hours. On `service`, or with a radius on `located_service`
/// (read by `matches_in_box`).
async fn condition(db: &impl ConnectionTrait, filter: &ServiceFilter) -> AppResult<Condition> {
    match filter.near {
        Some(_) => located_condition(db, filter).await,
        None => Ok(row_condition(db, filter, Target::Service)
            .await?
            .add(service_condition(db, filter).await?)),
    }
}

/// The radius search's filter on `located_service`: the row's own columns,
/// and the rest checked on the service row only when such a filter is given.
async fn located_condition(db: &impl ConnectionTrait, filter: &ServiceFilter) -> AppResult<Condition> {
    let mut condition = row_condition(db, filter, Target::Located).await?;
    let rest = service_condition(db, filter).await?;
    if !rest.is_empty() {
        condition = condition.add(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(service::Entity)
                .and_where(Expr::col((service::Entity, service::Column::Id)).equals(located("service_id")))
                .cond_where(rest)
                .to_owned(),
        ));
    }
    Ok(condition)
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

// ---- the candidate pipeline -------------------------------------------------

/// A matching service before paging: what ranking needs, no more.
#[derive(Debug, Clone)]
struct Candidate {
    id: String,
    name: String,
    reviewed: NaiveDate,
    name_matches: bool,
    /// Text relevance, higher is better (0 without text).
    score: f64,
    distance_km: Option<f64>,
    key: SortKey,
}

async fn candidates(
    db: &impl ConnectionTrait,
    filter: &ServiceFilter,
    condition: Condition,
) -> AppResult<Vec<Candidate>> {
    let rows = match filter.near {
        Some(centre) => nearest_matches(db, centre, filter.radius(), condition).await?,
        None => {
            let rows: Vec<(String, String, Option<NaiveDate>, DateTime<Utc>)> = service::Entity::find()
                .select_only()
                .columns(CANDIDATE_COLUMNS)
                .filter(condition)
                .into_tuple()
                .all(db)
                .await?;
            rows.into_iter()
                .map(|(id, name, assured, created)| CandidateRow {
                    id,
                    name,
                    reviewed: assured.unwrap_or_else(|| created.date_naive()),
                    distance_km: None,
                })
                .collect()
        }
    };
    let relevance = match text_of(filter) {
        Some(words) => {
            let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            text::relevance(db, words, &ids).await?
        }
        None => HashMap::new(),
    };
    let mut found: Vec<Candidate> = rows
        .into_iter()
        .filter(|row| text_of(filter).is_none() || relevance.contains_key(&row.id))
        .map(|row| {
            let matched = relevance.get(&row.id);
            Candidate {
                distance_km: row.distance_km,
                name_matches: matched.is_some_and(|r| r.in_name),
                score: matched.map_or(0.0, |r| r.score),
                reviewed: row.reviewed,
                id: row.id,
                name: row.name,
                key: SortKey::default(),
            }
        })
        .collect();
    if let Some(at) = filter.open_at {
        // Every candidate is active (`row_condition`); the rest of the rule
        // needs the hours and the places.
        let ids: Vec<String> = found.iter().map(|c| c.id.clone()).collect();
        let (schedules, venues) = (schedules_of(db, &ids).await?, running::venues_of(db, &ids).await?);
        found.retain(|c| {
            let schedules = schedules.get(&c.id).map_or(&[][..], Vec::as_slice);
            let venues = venues.get(&c.id).map_or(&[][..], Vec::as_slice);
            running::is_open(status::ACTIVE, schedules, venues, at) == Some(true)
        });
    }
    Ok(found)
}

/// The service columns ranking needs.
const CANDIDATE_COLUMNS: [service::Column; 4] = [
    service::Column::Id,
    service::Column::Name,
    service::Column::AssuredDate,
    service::Column::CreatedAt,
];

/// A matching service as read, before text scoring.
struct CandidateRow {
    id: String,
    name: String,
    reviewed: NaiveDate,
    distance_km: Option<f64>,
}

/// The located services (see the `located_services` migration) matching
/// `condition` inside a bounding box, one row per (service, location), with
/// the location's coordinates: the radius search's one candidate statement.
/// The box is one range of the table's index on both databases (a test
/// reads the query plan), whose rows carry every column read here.
fn matches_in_box(bbox: &BoundingBox, condition: Condition) -> SelectStatement {
    let mut select = Query::select()
        .columns(
            [
                "service_id",
                "name",
                "assured_date",
                "created_at",
                "latitude",
                "longitude",
            ]
            .map(located),
        )
        .from(Located)
        .to_owned();
    if let Some(strips) = longitude_strips(bbox) {
        select.and_where(Expr::col(located("longitude_strip")).is_in(strips));
    }
    select
        .and_where(Expr::col(located("latitude")).between(bbox.min_latitude, bbox.max_latitude))
        .and_where(Expr::col(located("longitude")).between(bbox.min_longitude, bbox.max_longitude))
        .cond_where(condition)
        .to_owned()
}

/// Most strips a box is looked up by; a wider box (near a pole) reads the
/// table without them, as every strip would be read anyway.
const MAX_STRIPS: i64 = 64;

/// The longitude strips a box spans (see the `located_services`
/// migration, which stores each row's), or `None` past `MAX_STRIPS`.
fn longitude_strips(bbox: &BoundingBox) -> Option<Vec<i64>> {
    use migration::m20261201_000060_located_services::STRIPS_PER_DEGREE;
    let strip = |longitude: f64| ((longitude.clamp(-180.0, 180.0) + 180.0) * STRIPS_PER_DEGREE).floor() as i64;
    let (first, last) = (strip(bbox.min_longitude), strip(bbox.max_longitude));
    (last - first < MAX_STRIPS).then(|| (first..=last).collect())
}

/// The radius search's candidate statement for `filter` (which has `near`),
/// as `search_services` runs it: for reading its query plan.
pub async fn radius_statement(db: &impl ConnectionTrait, filter: &ServiceFilter) -> AppResult<SelectStatement> {
    let centre = filter
        .near
        .ok_or_else(|| AppError::bad_input(&["filter", "near"], "a radius search needs near"))?;
    let condition = condition(db, filter).await?;
    Ok(matches_in_box(&centre.bounding_box(filter.radius()), condition))
}

/// The services matching `condition` with a location within `radius_km` of
/// `centre`, each with the distance to its nearest such location.
async fn nearest_matches(
    db: &impl ConnectionTrait,
    centre: GeoPoint,
    radius_km: f64,
    condition: Condition,
) -> AppResult<Vec<CandidateRow>> {
    let statement = matches_in_box(&centre.bounding_box(radius_km), condition);
    let mut nearest: HashMap<String, CandidateRow> = HashMap::new();
    for row in db.query_all(&statement).await? {
        let latitude: f64 = row.try_get_by_index(4)?;
        let longitude: f64 = row.try_get_by_index(5)?;
        let distance = centre.distance_km(&GeoPoint { latitude, longitude });
        if distance > radius_km {
            continue;
        }
        let id: String = row.try_get_by_index(0)?;
        if let Some(seen) = nearest.get_mut(&id) {
            seen.distance_km = seen.distance_km.map(|d| d.min(distance));
            continue;
        }
        let assured: Option<NaiveDate> = row.try_get_by_index(2)?;
        let created: DateTime<Utc> = row.try_get_by_index(3)?;
        let name: String = row.try_get_by_index(1)?;
        nearest.insert(
            id.clone(),
            CandidateRow {
                id,
                name,
                reviewed: assured.unwrap_or_else(|| created.date_naive()),
                distance_km: Some(distance),
            },
        );
    }
    Ok(nearest.into_values().collect())
}

/// Every schedule row of each service.
async fn schedules_of(db: &impl ConnectionTrait, ids: &[String]) -> AppResult<HashMap<String, Vec<schedule::Model>>> {
    let mut by_service: HashMap<String, Vec<schedule::Model>> = HashMap::new();
    let rows = schedule::Entity::find()
        .filter(is_in_list(
            db.get_database_backend(),
            schedule::Column::ServiceId.into_expr(),
            ids,
        ))
        .all(db)
        .await?;
    for row in rows {
        if let Some(service_id) = row.service_id.clone() {
            by_service.entry(service_id).or_default().push(row);
        }
    }
    Ok(by_service)
}

/// Fetches the candidates' rows (with the relations `joins` asks for) in
/// one statement, in the candidates' order.
async fn fetch_in_order(
    db: &impl ConnectionTrait,
    taken: &[Candidate],
    joins: ServiceJoins,
) -> AppResult<(Vec<service::Model>, ServiceRelations)> {
    if taken.is_empty() {
        return Ok(Default::default());
    }
    let ids: Vec<String> = taken.iter().map(|c| c.id.clone()).collect();
    let select = service::Entity::find().filter(is_in_list(
        db.get_database_backend(),
        service::Column::Id.into_expr(),
        &ids,
    ));
    // Put in the candidates' order here.
    let (rows, relations) = services_of(db, select, &[], joins).await?;
    let mut rows: HashMap<String, service::Model> = rows.into_iter().map(|s| (s.id.clone(), s)).collect();
    // A row deleted between the two reads drops out of the page.
    Ok((ids.iter().filter_map(|id| rows.remove(id)).collect(), relations))
}

/// Whether a listing is due for review: not assured (or, failing that,
/// created) in the last 12 months.
pub fn review_due(reviewed: NaiveDate, now: DateTime<Utc>) -> bool {
    reviewed < review_cutoff(now)
}

/// The earliest review date not yet due at `now`: a year before today (UTC).
fn review_cutoff(now: DateTime<Utc>) -> NaiveDate {
    let today = now.date_naive();
    today.checked_sub_months(Months::new(12)).unwrap_or(today)
}

/// Gives each candidate its sort key for `order` and sorts them.
fn rank(mut found: Vec<Candidate>, filter: &ServiceFilter, order: ServiceOrder, now: DateTime<Utc>) -> Vec<Candidate> {
    let has_text = text_of(filter).is_some();
    for c in &mut found {
        let distance = Part::Number(c.distance_km.unwrap_or(0.0));
        let name = Part::Text(c.name.clone());
        c.key = SortKey(match order {
            ServiceOrder::Relevance => vec![
                Part::Number(if review_due(c.reviewed, now) { 1.0 } else { 0.0 }),
                Part::Number(if has_text && !c.name_matches { 1.0 } else { 0.0 }),
                Part::Number(-c.score),
                distance,
                name,
            ],
            ServiceOrder::Distance => vec![distance, name],
            ServiceOrder::Name => vec![name],
            ServiceOrder::RecentlyReviewed => {
                vec![
                    Part::Number(-(c.reviewed.signed_duration_since(NaiveDate::MIN).num_days() as f64)),
                    name,
                ]
            }
        });
    }
    found.sort_by(|a, b| (&a.key, &a.id).cmp(&(&b.key, &b.id)));
    found
}

/// One component of a sort key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
enum Part {
    Number(f64),
    Text(String),
}

impl Eq for Part {}

impl PartialOrd for Part {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Part {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        match (self, other) {
            (Part::Number(a), Part::Number(b)) => a.total_cmp(b),
            (Part::Text(a), Part::Text(b)) => a.cmp(b),
            (Part::Number(_), Part::Text(_)) => std::cmp::Ordering::Less,
            (Part::Text(_), Part::Number(_)) => std::cmp::Ordering::Greater,
        }
    }
}

/// The ordered values a result sorts by; a cursor carries it.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
struct SortKey(Vec<Part>);

impl SortKey {
    fn encode(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_default()
    }

    fn decode(text: &str) -> AppResult<SortKey> {
        serde_json::from_str(text)
            .map(SortKey)
            .map_err(|_| AppError::bad_input(&["after"], "malformed cursor"))
    }
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
